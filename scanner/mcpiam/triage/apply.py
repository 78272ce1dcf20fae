"""Triage: the one place that sets findings aside, by inline suppression, fingerprint list or baseline.

Called once by the engine on the sorted findings. Order: inline ``mcpiam: ignore[...]`` directives
with a reason (unless ignores are off), then fingerprints allow-listed by the policy file (same
switch), then the baseline. What is set aside is counted and kept for the reports; baseline entries
for files and rules this scan covered that matched nothing are listed as stale, and so are the
policy's allow-list entries (``unused_allowlist_entries``; the engine reports them as notes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from mcpiam.core.valuetype import dataclass
from pathlib import Path

from mcpiam.triage.baseline import Baseline, BaselineEntry, key_id, rebase_path, rebased
from mcpiam.core.findings import Finding
from mcpiam.core.redact import shown
from mcpiam.model.servers import ConfigFile
from mcpiam.policy.model import AllowedFinding, Policy
from mcpiam.model.suppressions import Directive, directives


@dataclass(frozen=True, slots=True)
class TriageSettings:
    """What may set findings aside: inline suppressions, allow-list and baseline."""

    inline_ignores: bool = True  # False: --no-ignores, every finding shown (audits)
    baseline: Baseline | None = None
    # Fingerprints set aside by the policy file, each with its reason (the hook for plain JSON).
    allowed_fingerprints: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
    """A finding set aside, with what set it aside (inline directive or policy) and why."""

    finding: Finding
    source: str  # inline | policy
    reason: str


@dataclass(frozen=True, slots=True)
class Triage:
    """What triage set aside, for the reports (never secret: findings carry no values)."""

    suppressed: tuple[SuppressedFinding, ...] = ()
    baselined: tuple[Finding, ...] = ()
    stale: tuple[BaselineEntry, ...] = ()  # baseline entries for scanned files that matched nothing
    baseline: str | None = None  # the baseline file used, as given
    ignores: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """Whether the reports should mention triage at all."""
        return bool(self.suppressed or self.baseline is not None or not self.ignores or self.warnings)


def suppress_by_fingerprint(
    findings: Sequence[Finding], allowed: Iterable[tuple[str, str]]
) -> tuple[list[Finding], list[SuppressedFinding]]:
    """Split findings by a fingerprint -> reason list (the policy file's allowlist)."""
    reasons = dict(allowed)
    kept: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    for finding in findings:
        reason = reasons.get(finding.fingerprint)
        if reason is None:
            kept.append(finding)
        else:
            suppressed.append(SuppressedFinding(finding, "policy", reason))
    return kept, suppressed


def suppress_inline(
    findings: Sequence[Finding], configs: Sequence[ConfigFile]
) -> tuple[list[Finding], list[SuppressedFinding]]:
    """Split findings by the ``mcpiam: ignore[...]`` directives (with a reason) of their own file."""
    by_path: dict[str, tuple[Directive, ...]] = {}
    for config in configs:
        found = directives(config.document)
        if found:
            by_path[config.path] = by_path.get(config.path, ()) + found
    kept: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    for finding in findings:
        line = finding.location.span.start_line
        match = next((d for d in by_path.get(finding.location.path, ())
                      if d.covers(finding.rule_id, line)), None)
        if match is None:
            kept.append(finding)
        else:
            suppressed.append(SuppressedFinding(finding, "inline", match.reason))
    return kept, suppressed


def apply_baseline(
    findings: Sequence[Finding],
    baseline: Baseline,
    scan_root: Path,
    scanned_paths: Iterable[str],
    rule_ids: Iterable[str],
) -> tuple[list[Finding], list[Finding], list[BaselineEntry]]:
    """(new findings, baselined findings, stale entries) for one baseline."""
    known = baseline.fingerprints()
    kept: list[Finding] = []
    baselined: list[Finding] = []
    matched: set[str] = set()
    for finding in findings:
        fingerprint = rebased(finding, scan_root, baseline.directory).fingerprint
        if fingerprint in known:
            baselined.append(finding)
            matched.add(fingerprint)
        else:
            kept.append(finding)
    # Entry paths were written through the output gate (an undecodable byte as \xff): compare alike.
    covered = {shown(rebase_path(path, scan_root, baseline.directory)) for path in scanned_paths}
    ran = set(rule_ids)
    stale = [entry for entry in baseline.entries
             if entry.fingerprint not in matched and entry.path in covered and entry.rule_id in ran]
    return kept, baselined, stale


def unused_allowlist_entries(
    policy: Policy,
    findings: Iterable[Finding],
    configs: Iterable[ConfigFile],
    ran_rule_ids: Iterable[str],
    known_rule_ids: Iterable[str],
    walked_directories: Iterable[Path],
) -> tuple[tuple[int, AllowedFinding], ...]:
    """(index, entry) of the policy's allow-list entries that match none of ``findings`` (every
    finding the rules made, before any suppression) although this scan could have made theirs.

    Like a stale baseline entry, an entry is judged only when its finding could have been found:
    its rule ran (an entry naming no rule: every known rule ran, so with ``--select`` or
    ``--ignore`` it is not judged) and its file was read (an entry naming no path: one of the
    directories walked holds the policy's whole folder, so a pre-commit run on a few files judges
    only the entries naming one of them). A file that did not parse cleanly was read only in part:
    the entries naming it, and those naming no file, are not judged while it stays broken.
    """
    if not policy.allowlist:
        return ()
    found = {finding.fingerprint for finding in findings}
    ran = set(ran_rule_ids)
    every_rule_ran = set(known_rule_ids) <= ran
    configs = list(configs)
    parsed = [config for config in configs if not config.document.errors]
    read = {policy.relative_path(config.absolute_path, config.path) for config in parsed}
    whole_tree = policy.base_dir is not None and len(parsed) == len(configs) and any(
        Path(policy.base_dir).resolve().is_relative_to(directory.resolve())
        for directory in walked_directories if directory.is_dir())
    unused = []
    for index, entry in enumerate(policy.allowlist):
        if entry.fingerprint in found:
            continue
        rule_ran = entry.rule in ran if entry.rule is not None else every_rule_ran
        file_read = entry.path in read if entry.path is not None else whole_tree
        if rule_ran and file_read:
            unused.append((index, entry))
    return tuple(unused)


def unused_allowlist_message(index: int, entry: AllowedFinding) -> str:
    """The note for an unused entry: which entry, never its fingerprint (a secret pasted there by
    mistake must not be echoed) nor its reason."""
    named = ", ".join(part for part in (f"rule {entry.rule}" if entry.rule else "",
                                        f"path {entry.path}" if entry.path else "") if part)
    return (f"allowlist[{index}]{f' ({named})' if named else ''} matches no finding in this scan: the "
            "finding it accepted is gone, so remove the entry (it would hide that finding if it came back)")


def triage(
    findings: Sequence[Finding],
    configs: Sequence[ConfigFile],
    scan_root: Path,
    rule_ids: Iterable[str],
    settings: TriageSettings,
    fingerprint_key: bytes,
) -> tuple[tuple[Finding, ...], Triage]:
    """The findings to report and what was set aside (see the module docstring for the order)."""
    kept = list(findings)
    suppressed: list[SuppressedFinding] = []
    if settings.inline_ignores:
        kept, inline = suppress_inline(kept, configs)
        kept, by_policy = suppress_by_fingerprint(kept, settings.allowed_fingerprints)
        suppressed = inline + by_policy
    baselined: list[Finding] = []
    stale: list[BaselineEntry] = []
    warnings: list[str] = []
    baseline = settings.baseline
    if baseline is not None:
        kept, baselined, stale = apply_baseline(
            kept, baseline, scan_root, [config.path for config in configs], rule_ids
        )
        if baseline.key_id and baseline.key_id != key_id(fingerprint_key):
            warnings.append("the baseline was written with a different fingerprint key: credential "
                            "findings in it cannot match (use the same --fingerprint-key)")
    return tuple(kept), Triage(
        suppressed=tuple(suppressed),
        baselined=tuple(baselined),
        stale=tuple(stale),
        baseline=baseline.source if baseline is not None else None,
        ignores=settings.inline_ignores,
        warnings=tuple(warnings),
    )
