"""The scan pipeline: discover, parse, model, run the rules, and hand back one ScanResult.

Data flows one way through here; every finding passes through ``collect_findings``, the single
place that applies rule selection, sorts and de-duplicates. The policy file's scan-wide settings
(ignored paths, rule switches, severity overrides) are applied in ``scan_paths``; then
``mcpiam.triage.apply`` is the single place that sets findings aside (inline suppressions, the policy's
allow-list, the baseline).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from mcpiam.core.valuetype import dataclass, replace
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam import __version__
from mcpiam.catalogue import (
    Catalogue,
    FileKind,
    default_catalogue,
    union_doc_fields,
    union_expands,
    union_name_fields,
    union_shell_fields,
)
from mcpiam.checks import all_rules, missing_owner
from mcpiam.checks.base import Rule, ScanInput, ScanOptions, key_identifier
from mcpiam.discover.walk import Candidate, Discovery, JudgeRange, Spread, discover
from mcpiam.core.document import Document, ProblemLevel
from mcpiam.model.env_files import load_env_files
from mcpiam.model.extract import confirm_content, extract_claim, recognise_by_content
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.model.servers import ConfigFile, Scope
from mcpiam.parse import FORMATS, SourceText, parse_decoded, read_head, read_source, sniff_format
from mcpiam.policy import Policy, find_policy, load_policy
from mcpiam.policy.apply import apply_to_findings, is_ignored_path
from mcpiam.policy.codeowners import load_codeowners
from mcpiam.core.notes import Note
from mcpiam.core.safe_open import Fence
from mcpiam.engine.per_file import FileOutcome, FileWork, judge_config
from mcpiam.engine.result import ScanResult

if TYPE_CHECKING:
    from mcpiam.activity.read import Activity
from mcpiam.triage.apply import Triage, TriageSettings, triage, unused_allowlist_entries, unused_allowlist_message


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """How to scan: rule selection, policy, triage and failure threshold."""

    fail_on: Severity = Severity.HIGH
    options: ScanOptions = ScanOptions()
    select: tuple[str, ...] = ()  # rule ids to run; empty = all
    ignore: tuple[str, ...] = ()  # rule ids not to run
    rules_dirs: tuple[Path, ...] = ()  # extra token-family directories (--rules)
    policy_path: Path | None = None  # --policy; when None, .mcpiam.yaml at the scan root if present
    policy: Policy | None = None  # an already loaded policy (wins over policy_path and the lookup)
    triage: TriageSettings = TriageSettings()  # suppressions and baseline (scanner/triage.py)
    # False: discover, parse, model and resolve the policy only (the inventory); no rule runs, so
    # no credential is looked for and the result has no findings.
    run_rules: bool = True
    # Also read the git-ignored files the catalogue claims (--include-ignored); by default a scan
    # follows git's view and notes each one it leaves out.
    include_ignored: bool = False
    # Look for credentials even when no rule that runs reads them (the inventory lists them).
    detect_credentials: bool = False
    # Without a policy file, report missing-owner as one note instead of a finding per server
    # (what the scan and sweep commands show; baselines and library callers keep the findings).
    summarise_unowned: bool = False
    # Keep the text of each file with findings or credentials, for the source lines the text report
    # shows; a command writing only JSON, SARIF... sets it False, so a large scan holds no text.
    source_text: bool = True
    # Worker processes for the per-file stage (--jobs); None or 0: every usable core once a scan
    # has POOL_THRESHOLD candidates, else this process alone (mcpiam.engine.pool).
    jobs: int | None = None


def _scope(kind: FileKind) -> Scope:
    try:
        return Scope(kind.scope)
    except ValueError:
        return Scope.UNKNOWN


def _notes_from(document: Document, display: str) -> list[Note]:
    return [
        Note(display, problem.level.value, problem.code, problem.message, problem.span)
        for problem in document.problems
        if problem.level is not ProblemLevel.ERROR
    ]


def load_config(candidate: Candidate, catalogue: Catalogue) -> tuple[ConfigFile | None, list[Note]]:
    """Read one candidate, parse it and build its servers; None when it turns out not to be an
    MCP config."""
    kinds: tuple[FileKind, ...] = candidate.kinds
    if kinds:
        fmt = kinds[0].format
        if fmt not in FORMATS:
            return None, [Note(candidate.display, "info", "unsupported-format",
                               f"{kinds[0].client} reads this file as {fmt}, which mcpiam "
                               "does not parse yet; skipped")]
    else:
        # stat-first, non-blocking (never hangs on a FIFO), and only the file discovery admitted
        head = read_head(candidate.path, 4096, candidate.fence, candidate.identity)
        sniffed = sniff_format(candidate.path.name, head)
        if sniffed is None:
            if candidate.named:
                return None, [Note(candidate.display, "warning", "not-a-config",
                                   "not recognised as an MCP config: unknown file type; skipped")]
            return None, []
        fmt = sniffed
    source = read_source(candidate.path, fence=candidate.fence, expected=candidate.identity)
    config, notes = config_from_source(source, fmt, kinds, catalogue, display=candidate.display,
                                       absolute_path=candidate.location, named=candidate.named,
                                       keep_unparsed=candidate.named, tracked=candidate.tracked)
    if config is not None and candidate.posix_modes and os.name == "posix":
        config = replace(config, mode=_admitted_mode(candidate))
    return config, notes


def _admitted_mode(candidate: Candidate) -> int | None:
    try:
        status = os.stat(candidate.path)
    except OSError:
        return None
    # Only the mode of the file that was admitted and read: a link swapped since then leads
    # elsewhere, and that file's mode says nothing about this config (left unjudged).
    admitted = candidate.identity
    if admitted is not None and (status.st_dev, status.st_ino) != (admitted.device, admitted.inode):
        return None
    return stat.S_IMODE(status.st_mode)


def config_from_source(source: SourceText, fmt: str, kinds: tuple[FileKind, ...], catalogue: Catalogue, *,
                       display: str, absolute_path: str, named: bool = False, keep_unparsed: bool = False,
                       tracked: bool = False) -> tuple[ConfigFile | None, list[Note]]:
    """Parse decoded text as ``fmt`` and build its servers, for a file of the working tree
    (``load_config``) and a file version of git history (``engine.history``) alike: recognised by
    ``kinds`` (its path) when the catalogue claims it, else by its content; None when it turns out
    not to be an MCP config. ``named``: the user named the file (kept whatever it holds, with a
    note when it is not a config); ``keep_unparsed``: a file that did not parse is kept (as an
    unknown MCP config when its content says nothing), so the text it holds is still searched."""
    document, unread_text = parse_decoded(source, fmt)
    if kinds:
        kind = kinds[0]
        # A file the parser could not fully read is kept, so the text it holds is still searched.
        if unread_text is None and not confirm_content(document, kind, catalogue) and not named:
            return None, []  # a generic file name (server.json, manifest.json) that is not an MCP manifest
        recognised_by = "argument" if named else "path"
    else:
        recognised = recognise_by_content(document, catalogue)
        if recognised is None:
            if unread_text is None or not keep_unparsed:
                if named:
                    return None, _notes_from(document, display) + [
                        Note(display, "warning", "not-a-config",
                             "not recognised as an MCP config: no server map found; skipped")
                    ]
                return None, []
            recognised = catalogue.file_kind("unknown-mcp-config")
        kind = recognised
        kinds = (recognised,)
        recognised_by = "content"
    config = ConfigFile(
        path=display,
        absolute_path=absolute_path,
        client=kind.client,
        file_kind=kind.id,
        scope=_scope(kind),
        document=document,
        servers=extract_claim(document, kinds, catalogue) if document.roots else (),
        recognised_by=recognised_by,
        expands=union_expands(kinds),
        doc_fields=union_doc_fields(kinds),
        mode=None,
        name_fields=union_name_fields(kinds),
        shell_fields=union_shell_fields(kinds),
        unread_text=unread_text,
        tracked=tracked,
    )
    return config, _notes_from(document, display)


def resolve_policy(settings: ScanSettings, root: Path, paths: Sequence[Path] = ()) -> Policy:
    """The scan's policy: given, named by --policy, or .mcpiam.yaml at the scan root (or in the one
    directory scanned, for ``mcpiam scan path/to/repo``); raises PolicyError.

    Paths in a policy found in the tree are relative to its folder, paths in one named by
    --policy to the scan root. CODEOWNERS is read from that folder too, when the policy asks for
    it, so rules stay pure functions.
    """
    policy = settings.policy
    base = root
    if policy is None:
        path = settings.policy_path
        fence = None
        if path is None:
            path = find_policy(root)
            if path is None and len(paths) == 1 and Path(paths[0]).is_dir():
                path = find_policy(Path(paths[0]))
            if path is not None:
                base = Path(os.path.abspath(path)).parent
                fence = Fence.around(base)  # found in the tree: no link out of it
        if path is None:
            return Policy()
        display = _display(Path(path), root)
        policy = load_policy(Path(path), display, rule_ids=[rule.info.id for rule in all_rules()],
                             fence=fence)
    base_dir = Path(policy.base_dir) if policy.base_dir is not None else base
    policy = replace(policy, base_dir=str(base_dir))
    if policy.owners_from_codeowners and not policy.codeowners:
        source, codeowners = load_codeowners(base_dir)
        shown = _display(base_dir / source, root) if source is not None else None
        policy = replace(policy, codeowners_source=shown, codeowners=codeowners)
    return policy


def _display(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def selected_rules(settings: ScanSettings, rules: Sequence[Rule] | None = None,
                   policy: Policy = Policy()) -> tuple[Rule, ...]:
    chosen = []
    for rule in rules if rules is not None else all_rules():
        if settings.select and rule.info.id not in settings.select:
            continue
        if rule.info.id in settings.ignore or rule.info.id in policy.disabled_rules:
            continue
        chosen.append(rule)
    return tuple(chosen)


def collect_findings(scan: ScanInput, rules: Sequence[Rule], made: Iterable[Finding] = ()) -> tuple[Finding, ...]:
    """Run every rule and return its findings, with those already ``made`` (the per-file stage's),
    sorted and without exact duplicates."""
    unique: dict[tuple, Finding] = {}
    for finding in made:
        unique.setdefault((finding.fingerprint, finding.location.span, finding.message), finding)
    for rule in rules:
        for finding in rule.check(scan):
            key = (finding.fingerprint, finding.location.span, finding.message)
            unique.setdefault(key, finding)
    return tuple(sorted(unique.values(), key=Finding.sort_key))


# Below this many candidates a scan reads its files in this process: a pre-commit run on a few
# files never pays for starting workers (tens of milliseconds) nor imports multiprocessing.
POOL_THRESHOLD = 256


def jobs_for(requested: int | None, candidates: int) -> int:
    """Worker processes for the per-file stage: as asked (``--jobs``), or with ``None`` or 0 every
    usable core once there are ``POOL_THRESHOLD`` candidates; 1 means this process alone."""
    if requested is None or requested <= 0:
        if candidates < POOL_THRESHOLD:
            return 1
        from mcpiam.engine.pool import usable_cores

        requested = usable_cores()
    return max(1, min(requested, candidates))


# From this many files a walk lists, they are judged (matched, admitted, sniffed) in forked
# workers too: the walk itself stays in this process.
SPREAD_THRESHOLD = 20_000


def _discovery_spread(requested: int | None) -> Spread:
    """How discovery judges a walk's files: in this process below ``SPREAD_THRESHOLD`` files (a
    pre-commit run never imports multiprocessing), else over the workers ``--jobs`` allows."""

    def spread(judge: JudgeRange, count: int) -> Iterable[list]:
        workers = jobs_for(requested, count) if count >= SPREAD_THRESHOLD else 1
        if workers > 1:
            from mcpiam.engine.pool import spread_over

            return spread_over(workers)(judge, count)
        return (judge(0, count),)

    return spread


def read_candidate(candidate: Candidate, work: FileWork) -> FileOutcome:
    """The per-file stage for one candidate: parse and model it, then judge it on its own."""
    config, notes = load_config(candidate, work.catalogue)
    if config is None:
        return FileOutcome(None, tuple(notes))
    return judge_config(config, notes, work)


def read_candidates(candidates: list[Candidate], work: FileWork, jobs: int | None) -> Iterator[FileOutcome]:
    """Every candidate's outcome, in candidate order, from worker processes when there are many.
    Read here, each candidate leaves ``candidates`` as it is read."""
    workers = jobs_for(jobs, len(candidates))
    if workers > 1:
        from mcpiam.engine.pool import pooled_outcomes

        pooled = pooled_outcomes(candidates, work, workers, read_candidate)
        if pooled is not None:
            return pooled
    return (read_candidate(candidate, work) for candidate in _each_let_go(candidates))


def _each_let_go(candidates: list[Candidate]) -> Iterator[Candidate]:
    """The candidates in order, each taken out of the list as it is handed on: a large scan holds
    only those not read yet (~0.45 KB each, 9 MB of a 20,000-config scan kept to its end before).
    Forked workers keep the list whole instead: a worker the pool replaces is forked with it."""
    candidates.reverse()
    while candidates:
        yield candidates.pop()


# From this many candidates a scan keeps each file's config and findings packed (engine.packed)
# as soon as the file is judged, so its memory stays flat in the number of files.
PACK_THRESHOLD = 256


@dataclass(frozen=True, slots=True)
class _Context:
    """What the parent's pass over every file's outcome works with."""

    found: Discovery
    paths: tuple[Path, ...]
    policy: Policy
    options: ScanOptions
    work: FileWork
    in_parent: tuple[Rule, ...]  # the cross-file rules (and, with activity records, those that read them)
    triage: TriageSettings
    ran: tuple[str, ...]
    fences: dict[str, Fence]  # each walked candidate's fence, by absolute path (the envFiles' reader)
    summarise_unowned: bool = False  # ScanSettings.summarise_unowned
    select: tuple[str, ...] = ()  # ScanSettings.select
    activity: Activity | None = None


@dataclass(frozen=True, slots=True)
class _Judged:
    findings: Sequence[Finding]
    configs: Sequence[ConfigFile]
    triage: Triage
    scan: ScanInput  # what the cross-file rules saw (and the rule notes read)
    env_notes: tuple[Note, ...]
    made: tuple[Finding, ...] = ()  # every finding before triage (in memory only: the allow-list's check)
    secret_locations: Sequence[Location] = ()  # where every credential found sits


def _in_discovery_order(outcomes: Iterator[FileOutcome], ignored: dict[int, list[Note]],
                        notes: list[Note], progress: Callable[[str], None] | None,
                        total: int) -> Iterator[FileOutcome]:
    """The outcomes, adding to ``notes`` each file's notes with those of the files the policy
    ignored just before it, in discovery order; ``progress`` hears how many of ``total`` are done."""
    done = 0
    for position, outcome in enumerate(outcomes):
        earlier = ignored.pop(position, ())
        notes.extend(earlier)
        notes.extend(outcome.notes)
        done += len(earlier) + 1
        if progress is not None:
            progress(f"reading {done}/{total} files")
        yield outcome
    notes.extend(note for after_last in ignored.values() for note in after_last)


def _env_file_outcomes(configs: Sequence[ConfigFile], context: _Context) -> tuple[list[FileOutcome], list[Note]]:
    """envFile: secrets at their own lines; read inside the fence of the config that names it."""
    env_files, env_notes = load_env_files(configs, context.found.root, list(context.paths), context.fences)
    return [judge_config(config, (), context.work) for config in env_files], env_notes


def _judged_in_memory(read: Iterator[FileOutcome], context: _Context) -> _Judged:
    outcomes = list(read)
    configs = [outcome.config for outcome in outcomes if outcome.config is not None]
    env_outcomes, env_notes = _env_file_outcomes(configs, context)
    outcomes.extend(env_outcomes)
    configs.extend(outcome.config for outcome in env_outcomes if outcome.config is not None)
    usage = None
    if context.activity is not None:
        from mcpiam.activity.usage import build_usage

        usage = build_usage(context.activity, configs)
    credentials = tuple(item for outcome in outcomes for item in outcome.credentials)
    scan = ScanInput(configs=tuple(configs), options=context.options, credentials=credentials,
                     unexpanded_references=tuple(item for outcome in outcomes for item in outcome.unexpanded),
                     activity=usage)
    per_file = (finding for outcome in outcomes for finding in outcome.findings)
    made = apply_to_findings(context.policy, collect_findings(scan, context.in_parent, per_file))
    findings, set_aside = triage(made, configs, context.found.root, context.ran, context.triage,
                                 context.options.fingerprint_key)
    notes = list(env_notes)
    if context.summarise_unowned:
        findings, unowned = missing_owner.summarised(findings, context.policy.source, context.select)
        if unowned is not None:
            notes.append(unowned)
    return _Judged(findings, tuple(configs), set_aside, scan, tuple(notes), made,
                   tuple(credential.location for credential in credentials))


def _finding_key(finding: Finding) -> tuple:
    return (finding.fingerprint, finding.location.span, finding.message)


def _judged_packed(read: Iterator[FileOutcome], context: _Context) -> _Judged:
    """The same judgement as ``_judged_in_memory``, with each file's config and findings packed
    as soon as it is judged; the cross-file rules see the configs a rule keeps whole (``keeps``)
    and every credential and unexpanded reference (packed sequences too). Findings are then finished one path at a time, in path order: a
    finding's fingerprint holds its path, so duplicates, the sort and inline suppressions never
    cross paths, and the packed findings are in ``collect_findings``' order."""
    from mcpiam.checks.unexpanded_reference import RULE as UNEXPANDED_REFERENCE
    from mcpiam.engine.packed import Packed, Packer

    # Only that rule reads the unexpanded references, and it judges one file at a time unless it
    # runs here (with activity records, never packed): ~0.3 KB a config not kept otherwise.
    references_read = any(rule.info.id == UNEXPANDED_REFERENCE.id for rule in context.in_parent)
    config_packer, finding_packer = Packer(), Packer()
    config_chunks: list[bytes] = []
    # Report order (report._shared.ordered_configs) is discovery's order but for envFiles and ties:
    # each config's key is kept only once one arrives out of that order (so a large scan of
    # configs in order keeps no path twice).
    order = _ReportOrder()
    naming_env_files: dict[int, ConfigFile] = {}  # position -> a config that names an envFile
    kept_whole: list[ConfigFile] = []
    with_directives: dict[str, list[ConfigFile]] = {}
    raw: dict[str, list[bytes]] = {}  # path -> packed per-file findings at that path, in arrival order
    # Credentials and references point at their config and server (the server's nodes): packed too.
    credential_packer, reference_packer, location_packer = Packer(), Packer(), Packer()
    credentials: tuple[list[bytes], list[int]] = ([], [])
    unexpanded: tuple[list[bytes], list[int]] = ([], [])
    locations: tuple[list[bytes], list[int]] = ([], [])  # the credentials' (what the text report masks)
    keepers = context.work.keepers

    def keep(outcome: FileOutcome) -> None:
        for packer, items, (chunks, counts) in ((credential_packer, outcome.credentials, credentials),
                                                (reference_packer, outcome.unexpanded if references_read else (),
                                                 unexpanded)):
            if items:
                chunks.append(packer.pack(items))
                counts.append(len(items))
        if outcome.credentials:
            locations[0].append(location_packer.pack(credential.location for credential in outcome.credentials))
            locations[1].append(len(outcome.credentials))
        at_path: dict[str, list[Finding]] = {}
        for finding in outcome.findings:
            at_path.setdefault(finding.location.path, []).append(finding)
        for path, group in at_path.items():
            raw.setdefault(path, []).append(finding_packer.pack(group))
        config = outcome.config
        if config is None:
            return
        if any(server.env_file is not None for server in config.servers):
            naming_env_files[len(config_chunks)] = config
        if any(rule.keeps is not None and rule.keeps(config) for rule in keepers):
            kept_whole.append(config)
        if any("mcpiam:" in comment.text for comment in config.document.comments):
            with_directives.setdefault(config.path, []).append(config)
        config_chunks.append(config_packer.pack((config,)))
        order.add(_report_key(config), lambda: (config for chunk in config_chunks[:-1]
                                                for config in config_packer.unpack(chunk)))

    for outcome in read:
        keep(outcome)
    env_notes: list[Note] = []
    if naming_env_files:
        # load_env_files reads what the configs' servers name, and never a file that is itself
        # one of the configs: the others stand in with their paths alone.
        stand_ins = [naming_env_files.get(position) or _path_stand_in(key)
                     for position, key in enumerate(order.keys_of(
                         config for chunk in config_chunks for config in config_packer.unpack(chunk)))]
        env_outcomes, env_notes = _env_file_outcomes(stand_ins, context)
        del stand_ins
        for outcome in env_outcomes:
            keep(outcome)
    scan = ScanInput(configs=tuple(kept_whole), options=context.options,
                     credentials=Packed(credential_packer, *credentials),
                     unexpanded_references=Packed(reference_packer, *unexpanded))
    cross: dict[str, list[Finding]] = {}
    for finding in collect_findings(scan, context.in_parent):
        cross.setdefault(finding.location.path, []).append(finding)
    chunks: list[bytes] = []
    counts: list[int] = []
    suppressed: list = []
    ties = False  # two findings with the same sort key: the reports then sort by more than it
    unowned = 0  # missing-owner findings summarised as one note
    for path in sorted(raw.keys() | cross.keys()):
        unique: dict[tuple, Finding] = {}
        for chunk in raw.pop(path, ()):
            for finding in finding_packer.unpack(chunk):
                unique.setdefault(_finding_key(finding), finding)
        for finding in cross.get(path, ()):
            unique.setdefault(_finding_key(finding), finding)
        made = apply_to_findings(context.policy, sorted(unique.values(), key=Finding.sort_key))
        kept, set_aside = triage(made, with_directives.get(path, ()), context.found.root, context.ran,
                                 context.triage, context.options.fingerprint_key)
        suppressed.extend(set_aside.suppressed)
        if context.summarise_unowned:
            before = len(kept)
            kept, note = missing_owner.summarised(kept, context.policy.source, context.select)
            unowned += before - len(kept) if note is not None else 0
        if kept:
            keys = [finding.sort_key() for finding in kept]
            ties = ties or any(a == b for a, b in zip(keys, keys[1:]))
            chunks.append(finding_packer.pack(kept))
            counts.append(len(kept))
    findings = Packed(finding_packer, chunks, counts, None if ties else range(len(chunks)))
    configs = Packed(config_packer, config_chunks, [1] * len(config_chunks),
                     order.positions(len(config_chunks)))
    empty = triage((), (), context.found.root, context.ran, context.triage, context.options.fingerprint_key)[1]
    if unowned:
        env_notes.append(missing_owner.unowned_note(unowned))
    return _Judged(findings, configs, replace(empty, suppressed=tuple(suppressed)), scan, tuple(env_notes),
                   secret_locations=Packed(location_packer, *locations))


def _report_key(config: ConfigFile) -> tuple[str, str, str, str]:
    return (config.path, config.client, config.file_kind, config.absolute_path)


class _ReportOrder:
    """The order in which reports list a packed scan's configs, keeping their keys only once one
    arrives out of order. A plain class: a scan's private, short-lived bookkeeping."""

    __slots__ = ("last", "keys")

    def __init__(self) -> None:
        self.last: tuple[str, str, str, str] | None = None
        self.keys: list[tuple[str, str, str, str]] | None = None

    def add(self, key: tuple[str, str, str, str], earlier: Callable[[], Iterable[ConfigFile]]) -> None:
        if self.keys is None and self.last is not None and key < self.last:
            self.keys = [_report_key(config) for config in earlier()]
        if self.keys is not None:
            self.keys.append(key)
        self.last = key

    def keys_of(self, configs: Iterable[ConfigFile]) -> list[tuple[str, str, str, str]]:
        return self.keys if self.keys is not None else [_report_key(config) for config in configs]

    def positions(self, count: int) -> Sequence[int]:
        if self.keys is None:
            return range(count)
        return sorted(range(count), key=self.keys.__getitem__)


def _path_stand_in(key: tuple[str, str, str, str]) -> ConfigFile:
    path, client, file_kind, absolute_path = key
    return ConfigFile(path=path, absolute_path=absolute_path, client=client, file_kind=file_kind,
                      scope=Scope.UNKNOWN, document=Document("json", ()))


def scan_paths(
    paths: Iterable[Path],
    settings: ScanSettings = ScanSettings(),
    catalogue: Catalogue | None = None,
    root: Path | None = None,
    discovery: Discovery | None = None,
    progress: Callable[[str], None] | None = None,
    activity: Activity | None = None,
) -> ScanResult:
    """Scan ``paths``, or the candidates of an already made ``discovery`` (a workstation sweep);
    ``progress`` hears how far the reading has got (the CLI shows it on a terminal); with
    ``activity`` (a sweep's records), the rules also judge what the records say was used.

    Each file goes through the per-file stage (``engine.per_file``: parse, model, credentials, the
    rules that judge one file) and leaves only what reports and the cross-file rules need; those
    rules, the rule notes and triage then run here over every file's outcome.
    """
    catalogue = catalogue or default_catalogue()
    paths = list(paths)
    found = discovery if discovery is not None else discover(paths, catalogue, root=root,
                                                             include_ignored=settings.include_ignored,
                                                             spread=_discovery_spread(settings.jobs))
    policy = resolve_policy(settings, found.root, paths)
    rules = selected_rules(settings, policy=policy) if settings.run_rules else ()
    if activity is None:  # the rules that judge activity records run only when a sweep read them
        rules = tuple(rule for rule in rules if not rule.info.needs_activity)
    options = replace(settings.options, policy=policy,
                      extra_shared_accounts=settings.options.extra_shared_accounts + policy.shared_accounts)
    searched = settings.detect_credentials or any(rule.info.needs_credentials for rule in rules)
    families: tuple = ()
    if searched:
        from mcpiam.secrets.families import load_families

        # A user's own families are checked against their examples; the shipped ones are
        # checked by the test suite, so a plain scan skips that work.
        families = tuple(load_families(settings.rules_dirs, check_examples=bool(settings.rules_dirs)))

    def in_parent(rule: Rule) -> bool:
        # Activity records belong to the whole machine: the rules reading them see every config.
        return rule.info.cross_file or (activity is not None and (rule.info.needs_activity
                                                                  or rule.info.reads_activity))

    parent_rules = tuple(rule for rule in rules if in_parent(rule))
    work = FileWork(catalogue=catalogue, per_file_rules=tuple(rule for rule in rules if not in_parent(rule)),
                    keepers=tuple(rule for rule in parent_rules if rule.keeps is not None),
                    options=options, families=families, detect=searched, keep_text=settings.source_text)
    notes: list[Note] = list(found.notes)
    admitted: list[Candidate] = []
    ignored: dict[int, list[Note]] = {}  # admitted candidate -> notes of the ignored ones just before it
    for candidate in found.candidates:
        if candidate.display == policy.source:
            continue  # the policy file itself is not an MCP config
        if is_ignored_path(policy, candidate.location, candidate.display):
            ignored.setdefault(len(admitted), []).append(Note(candidate.display, "info", "ignored-by-policy",
                                          f"not read: ignore_paths in {policy.source} covers it"))
            continue
        admitted.append(candidate)
    admitted_count, candidate_count = len(admitted), len(found.candidates)
    fences = {candidate.location: candidate.fence for candidate in found.candidates if candidate.fence is not None}
    # From here the candidates live in ``admitted`` alone, which a serial read empties as it goes.
    found = replace(found, candidates=())
    discovery = None  # nor through the argument (a sweep's caller may still hold its own)
    read = _in_discovery_order(read_candidates(admitted, work, settings.jobs), ignored, notes, progress,
                               candidate_count)
    allowlist = tuple((entry.fingerprint, entry.reason) for entry in policy.allowlist)
    triage_settings = replace(settings.triage, allowed_fingerprints=(
        settings.triage.allowed_fingerprints + allowlist))
    ran = [rule.info.id for rule in rules]
    context = _Context(found=found, paths=tuple(paths), policy=policy, options=options, work=work,
                       in_parent=parent_rules, triage=triage_settings, ran=tuple(ran), fences=fences,
                       summarise_unowned=settings.summarise_unowned, select=settings.select, activity=activity)
    # The allow-list's unused entries and a baseline's stale ones are judged against every finding
    # at once, and activity records against every config: such scans keep them in memory.
    packed = (admitted_count >= PACK_THRESHOLD and settings.triage.baseline is None and not policy.allowlist
              and activity is None)
    judged = _judged_packed(read, context) if packed else _judged_in_memory(read, context)
    if progress is not None:
        progress(f"checking {len(judged.configs)} config files")
    findings, configs, set_aside, scan = judged.findings, judged.configs, judged.triage, judged.scan
    notes.extend(judged.env_notes)
    if activity is not None:
        notes.extend(activity.notes)
    notes.extend(  # allow-list entries this scan could have used but did not, like stale baseline entries
        Note(policy.source or "", "warning", "unused-allowlist-entry", unused_allowlist_message(index, entry),
             entry.span)
        for index, entry in unused_allowlist_entries(policy, judged.made, configs, ran, [
            rule.info.id for rule in all_rules() if activity is not None or not rule.info.needs_activity], paths)
    )
    for rule in rules:
        if rule.notes is not None:
            notes.extend(rule.notes(scan))
    return ScanResult(
        root=str(found.root),
        findings=findings,
        notes=tuple(sorted(notes, key=lambda n: (n.path, n.code, n.message))),
        configs=configs,
        rules=tuple(rule.info for rule in rules),
        fail_on=settings.fail_on,
        tool_version=__version__,
        files_considered=found.files_considered,
        allowlisted=sum(1 for item in set_aside.suppressed if item.source == "policy"),
        policy=policy.source,
        triage=set_aside,
        fingerprint_key_id=key_identifier(options.fingerprint_key),
        applied_policy=policy,
        credentials=scan.credentials,
        secret_locations=judged.secret_locations if searched else None,
        activity=scan.activity,
    )
