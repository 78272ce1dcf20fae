"""``scan --history``: credentials that git history holds, though the working tree may not.

The walk (``mcpiam.discover.git_history``) yields each file version a commit wrote where a config
can be. Each distinct blob is parsed and searched once (its credentials' fingerprints remembered,
never the values); per (credential, path) the earliest commit that wrote it, the commits and paths
that carry it, and the last commit that took it out are kept. Memory grows with the credentials
found, not with the number of commits. At the end the introducing version of each is read again,
the credential rules run on those (``HISTORY_RULES``; owner and scope-of-server rules stay on the
working tree), and every finding gets its ``Provenance``. A credential the working-tree scan
reports at the same path is reported once, there, with its history attached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from mcpiam.catalogue import Catalogue, FileKind
from mcpiam.checks.base import ScanInput
from mcpiam.core.findings import Finding, Provenance
from mcpiam.core.notes import Note
from mcpiam.core.valuetype import dataclass, replace
from mcpiam.discover.git_history import CommitInfo, GitHistory, HistoryClaims, HistoryError
from mcpiam.engine.result import HistorySummary, ScanResult
from mcpiam.engine.per_file import FileWork, file_credentials
from mcpiam.engine.scan import ScanSettings, _display, config_from_source, selected_rules
from mcpiam.model.servers import ConfigFile
from mcpiam.parse import MAX_BYTES, sniff_format
from mcpiam.parse.source import decode_bytes
from mcpiam.policy.apply import apply_to_findings
from mcpiam.triage.apply import triage

__all__ = ["HISTORY_RULES", "HistoryError", "HistorySummary", "scan_history", "with_history"]

# The rules that judge a credential itself, wherever and whenever it was written.
HISTORY_RULES = ("embedded-secret", "unscoped-token", "shared-credential")


@dataclass(frozen=True, slots=True)
class _Writer:
    """The earliest commit that wrote a credential at a path, and the file version it wrote."""

    commit: CommitInfo
    blob: str
    kinds: tuple[FileKind, ...]


class _BlobReader:
    """Parses a blob as a config at a path; remembers each blob's credential fingerprints."""

    def __init__(self, history: GitHistory, work: FileWork) -> None:
        self._history = history
        self._work = work
        self._fingerprints: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}

    @property
    def blobs_read(self) -> int:
        return len(self._fingerprints)

    def config(self, blob: str, path: str, kinds: tuple[FileKind, ...]) -> ConfigFile | None:
        data = self._history.blob(blob, MAX_BYTES + 1)
        if data is None:
            return None
        source = decode_bytes(data[:MAX_BYTES])
        if kinds:
            fmt = kinds[0].format
        else:
            sniffed = sniff_format(path.rsplit("/", 1)[-1], data[:4096])
            if sniffed is None or source.text is None:
                return None
            fmt = sniffed
        # The same steps as a file of the working tree, from the blob's text; a version that did
        # not parse is kept (its text still searched), as the commit still holds what it wrote.
        config, _ = config_from_source(source, fmt, kinds, self._work.catalogue, display=path,
                                       absolute_path=f"{blob}:{path}", keep_unparsed=True)
        return config

    def credentials(self, config: ConfigFile) -> tuple:
        return file_credentials(config, self._work)[0]

    def fingerprints(self, blob: str, path: str, kinds: tuple[FileKind, ...]) -> frozenset[str]:
        memo = (blob, tuple(kind.id for kind in kinds))
        known = self._fingerprints.get(memo)
        if known is None:
            config = self.config(blob, path, kinds)
            known = frozenset(c.fingerprint for c in self.credentials(config)) if config is not None else frozenset()
            self._fingerprints[memo] = known
        return known


def scan_history(path: Path, settings: ScanSettings, catalogue: Catalogue, root: Path,
                 revision_range: str | None = None, since: str | None = None,
                 policy=None) -> tuple[tuple[Finding, ...], tuple[Note, ...], HistorySummary, tuple[ConfigFile, ...]]:
    """Findings for every credential the repository's history holds at a config path; raises
    HistoryError for a path outside a repository or a revision that does not exist."""
    from mcpiam.secrets.families import load_families

    history = GitHistory(path)
    try:
        families = load_families(settings.rules_dirs, check_examples=bool(settings.rules_dirs))
        work = FileWork(catalogue=catalogue, per_file_rules=(), keepers=(), options=settings.options,
                        families=tuple(families), detect=True)
        reader = _BlobReader(history, work)
        claims = HistoryClaims(history, catalogue)
        first: dict[tuple[str, str], _Writer] = {}
        writers: dict[str, set[str]] = defaultdict(set)
        holders: dict[str, set[str]] = defaultdict(set)
        removed: dict[tuple[str, str], CommitInfo] = {}
        moved_from: dict[str, str] = {}
        commits = 0
        for commit in history.commits(revision_range, since):
            commits += 1
            for change in history.changes(commit, claims.for_commit(commit)):
                new = reader.fingerprints(change.new_blob, change.path, change.kinds) if change.new_blob else frozenset()
                old = reader.fingerprints(change.old_blob, change.path, change.kinds) if change.old_blob else frozenset()
                for fingerprint in new:
                    place = (fingerprint, change.path)
                    known = first.get(place)
                    if known is None or change.commit.time <= known.commit.time:
                        first[place] = _Writer(change.commit, change.new_blob or "", change.kinds)
                    writers[fingerprint].add(change.commit.id)
                    holders[fingerprint].add(change.path)
                for fingerprint in old - new:
                    place = (fingerprint, change.path)
                    latest = removed.get(place)
                    if latest is None or change.commit.time > latest.time:
                        removed[place] = change.commit
                if change.renamed_from is not None:
                    moved_from.setdefault(change.path, change.renamed_from)
        summary = HistorySummary(commits, reader.blobs_read, bool(history.shallow), revision_range, since,
                                 history.missing_objects)
        findings, configs = _findings(history, reader, settings, policy, Path(root), first, writers, holders, removed,
                                      moved_from)
    finally:
        history.close()
    notes: list[Note] = []
    if summary.shallow:
        notes.append(Note(".git", "warning", "shallow-history",
                          f"history is shallow: {commits} commits scanned; older commits are not in this "
                          "clone (actions/checkout: fetch-depth: 0 for all)"))
    if summary.missing_objects:
        notes.append(Note(".git", "warning", "missing-git-objects",
                          f"{summary.missing_objects} git objects are missing from this clone (partial or "
                          "damaged); the history behind them was not read"))
    return findings, tuple(notes), summary, configs


def _origin(path: str, moved_from: dict[str, str]) -> str:
    seen = {path}
    while path in moved_from and moved_from[path] not in seen:
        path = moved_from[path]
        seen.add(path)
    return path


def _findings(history: GitHistory, reader: _BlobReader, settings: ScanSettings, policy, root: Path,
              first: dict[tuple[str, str], _Writer], writers: dict[str, set[str]],
              holders: dict[str, set[str]], removed: dict[tuple[str, str], CommitInfo],
              moved_from: dict[str, str]) -> tuple[tuple[Finding, ...], tuple[ConfigFile, ...]]:
    configs: dict[tuple[str, str], ConfigFile | None] = {}
    representatives = []
    shown_to_path: dict[str, str] = {}
    top = history.top
    provenance: dict[tuple[str, str], Provenance] = {}
    for (fingerprint, path), writer in sorted(first.items(), key=lambda item: (item[0][1], item[1].commit.time)):
        shown = _display(top / path, root)
        place = (writer.blob, shown)
        if place not in configs:
            configs[place] = reader.config(writer.blob, shown, writer.kinds)
        config = configs[place]
        if config is None:
            continue
        match = next((c for c in reader.credentials(config) if c.fingerprint == fingerprint), None)
        if match is None:
            continue
        representatives.append(match)
        shown_to_path[shown] = path
        head_blob = history.blob_at_head(path)
        present = head_blob is not None and fingerprint in reader.fingerprints(head_blob, path, writer.kinds)
        gone = None if present else removed.get((fingerprint, path))
        provenance[(fingerprint, shown)] = Provenance(
            commit=writer.commit.id, commit_date=writer.commit.date, present_at_head=present,
            commits=len(writers[fingerprint]), paths=len(holders[fingerprint]),
            removed_commit=gone.id if gone else None, removed_date=gone.date if gone else None,
        )
    rules = [rule for rule in selected_rules(settings, policy=policy or _no_policy())
             if rule.info.id in HISTORY_RULES]
    chosen = tuple(config for config in configs.values() if config is not None)
    options = settings.options if policy is None else replace(settings.options, policy=policy)
    per_value = ScanInput(configs=chosen, options=options, credentials=tuple(representatives))
    # A file moved (same content at a new path) is one lineage: not "shared" by two files.
    by_lineage: dict[tuple[str, str], object] = {}
    for credential in representatives:
        lineage = _origin(shown_to_path.get(credential.config.path, credential.config.path), moved_from)
        by_lineage.setdefault((credential.fingerprint, lineage), credential)
    across = ScanInput(configs=chosen, options=options, credentials=tuple(by_lineage.values()))
    made: list[Finding] = []
    for rule in rules:
        for finding in rule.check(across if rule.info.id == "shared-credential" else per_value):
            mark = provenance.get((finding.subject_key, finding.location.path))
            if mark is not None:
                made.append(replace(finding, history=mark, message=finding.message + history_sentence(mark)))
    unique = {(f.rule_id, f.fingerprint): f for f in sorted(made, key=Finding.sort_key)}
    return tuple(unique.values()), chosen


def history_sentence(mark: Provenance) -> str:
    """What the history adds to a finding's message: when it was committed, and whether it is gone."""
    written = f" Committed in {mark.commit[:7]} on {mark.commit_date[:10]}"
    if mark.commits > 1 or mark.paths > 1:
        written += f" (in {mark.commits} commit{'s' if mark.commits != 1 else ''}, at {mark.paths} path{'s' if mark.paths != 1 else ''})"
    if mark.present_at_head:
        return written + "."
    if mark.removed_commit:
        return (written + f"; removed in {mark.removed_commit[:7]} on {(mark.removed_date or '')[:10]}, but still in "
                "history: every clone holds it, so rotate it.")
    return written + "; not at HEAD, but still in history: every clone holds it, so rotate it."


def _no_policy():
    from mcpiam.policy import Policy

    return Policy()


def with_history(result: ScanResult, findings: Sequence[Finding], notes: Sequence[Note],
                 summary: HistorySummary, configs: Sequence[ConfigFile], settings: ScanSettings,
                 root: Path) -> ScanResult:
    """The working-tree result with the history's findings: a credential already reported at the
    same place gains its history; the rest (gone from the tree, or elsewhere) are added, after the
    same policy, suppressions and baseline as every finding."""
    policy = result.applied_policy
    by_identity = {finding.fingerprint: finding for finding in findings}
    merged: list[Finding] = []
    for finding in result.findings:
        mark = by_identity.pop(finding.fingerprint, None)
        if mark is not None and mark.history is not None:
            finding = replace(finding, history=mark.history, message=finding.message + history_sentence(mark.history))
        merged.append(finding)
    triaged = result.triage
    extra = tuple(by_identity.values())
    if extra:
        allowlist = tuple((entry.fingerprint, entry.reason) for entry in policy.allowlist)
        triage_settings = replace(settings.triage, allowed_fingerprints=(
            settings.triage.allowed_fingerprints + allowlist))
        ran = [info.id for info in result.rules]
        kept, set_aside = triage(apply_to_findings(policy, extra), configs, root, ran, triage_settings,
                                 settings.options.fingerprint_key)
        merged.extend(kept)
        accepted = {finding.fingerprint for finding in set_aside.baselined}
        from mcpiam.triage.baseline import rebased

        if triaged.baseline is not None and settings.triage.baseline is not None:
            directory = settings.triage.baseline.directory
            accepted = {rebased(f, root, directory).fingerprint for f in set_aside.baselined}
        triaged = replace(
            triaged,
            suppressed=triaged.suppressed + set_aside.suppressed,
            baselined=triaged.baselined + set_aside.baselined,
            # an entry that accepts a historical finding is in use, not stale
            stale=tuple(entry for entry in triaged.stale if entry.fingerprint not in accepted),
        )
    return replace(
        result,
        findings=tuple(sorted(merged, key=Finding.sort_key)),
        notes=tuple(sorted(result.notes + tuple(notes), key=lambda n: (n.path, n.code, n.message))),
        triage=triaged,
        history=summary,
    )
