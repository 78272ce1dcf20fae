"""Triage: the one place that sets findings aside, by inline suppression, fingerprint list or baseline.

Called once by the engine on the sorted findings. Order: inline ``mcpiam: ignore[...]`` directives
with a reason (unless ignores are off), then fingerprints allow-listed by the policy file (same
switch), then the baseline. What is set aside is counted and kept for the reports; baseline entries
for files and rules this scan covered that matched nothing are listed as stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.baseline import Baseline, BaselineEntry, key_id, rebase_path, rebased
from scanner.findings import Finding
from scanner.model import ConfigFile
from scanner.suppressions import Directive, directives


@dataclass(frozen=True, slots=True)
class TriageSettings:
    inline_ignores: bool = True  # False: --no-ignores, every finding shown (audits)
    baseline: Baseline | None = None
    # Fingerprints set aside by the policy file, each with its reason (the hook for plain JSON).
    allowed_fingerprints: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
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
    covered = {rebase_path(path, scan_root, baseline.directory) for path in scanned_paths}
    ran = set(rule_ids)
    stale = [entry for entry in baseline.entries
             if entry.fingerprint not in matched and entry.path in covered and entry.rule_id in ran]
    return kept, baselined, stale


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
