"""The policy-wide filters the engine applies to a scan, each in one function: ignored paths,
rule switches, severity overrides and allow-listed findings."""

from __future__ import annotations

from collections.abc import Iterable
from mcpiam.core.valuetype import replace

from mcpiam.core.globs import anchored_glob_match
from mcpiam.core.findings import Finding
from mcpiam.policy.model import Policy


def path_matches(pattern: str, path: str) -> bool:
    """Glob on a path relative to the scan root: ``**`` spans folders, a bare name matches at any
    depth, and a pattern naming a folder (``examples`` or ``examples/``) covers what is inside."""
    pattern = pattern.strip().removeprefix("./").lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern:
        pattern = "**/" + pattern
    return anchored_glob_match(path, pattern) or anchored_glob_match(path, pattern.rstrip("/") + "/**")


def is_ignored_path(policy: Policy, absolute_path: str, display_path: str) -> bool:
    path = policy.relative_path(absolute_path, display_path)
    return any(path_matches(pattern, path) for pattern in policy.ignore_paths)


def apply_to_findings(policy: Policy, findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings with the policy's severity overrides applied. (Its allow-list is applied by
    ``mcpiam.triage.apply`` with the other suppressions, so ``--no-ignores`` shows those findings too.)"""
    kept: list[Finding] = []
    for finding in findings:
        severity = policy.severity_for(finding.rule_id)
        kept.append(replace(finding, severity=severity) if severity is not None else finding)
    return tuple(kept)
