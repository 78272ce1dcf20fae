"""The outcome of one scan, handed to the reporters: findings, notes, inventory and totals."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.checks.base import RuleInfo
from scanner.document import Span
from scanner.findings import Finding, Severity
from scanner.model import ConfigFile
from scanner.policy.model import Policy
from scanner.triage import Triage


@dataclass(frozen=True, slots=True)
class Note:
    """A message about input that is not a finding: a skipped binary file, a BOM, a link loop."""

    path: str
    level: str  # warning | info
    code: str
    message: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found, ready for any report format."""

    root: str  # the scan root, absolute
    findings: tuple[Finding, ...]  # sorted, filtered
    notes: tuple[Note, ...]
    configs: tuple[ConfigFile, ...]
    rules: tuple[RuleInfo, ...]  # every rule that ran (for SARIF rule metadata)
    fail_on: Severity
    tool_version: str
    files_considered: int = 0
    allowlisted: int = 0  # findings dropped because the policy allow-lists their fingerprint
    policy: str | None = None  # the policy file used, as displayed; None when there was none
    triage: Triage = Triage()  # what suppressions and the baseline set aside
    fingerprint_key_id: str = ""  # scanner.checks.base.key_identifier of the fingerprint key
    applied_policy: Policy = Policy()  # the policy the rules saw (the inventory resolves owners with it)

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity.rank >= self.fail_on.rank)
