"""The outcome of one scan, handed to the reporters: findings, notes, inventory and totals."""

from __future__ import annotations

from mcpiam.core.valuetype import dataclass

from mcpiam.checks.base import RuleInfo
from mcpiam.core.findings import Finding, Severity
from mcpiam.core.notes import Note
from mcpiam.model.servers import ConfigFile
from mcpiam.policy.model import Policy
from mcpiam.triage.apply import Triage


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
    fingerprint_key_id: str = ""  # mcpiam.checks.base.key_identifier of the fingerprint key
    applied_policy: Policy = Policy()  # the policy the rules saw (the inventory resolves owners with it)
    activity: object = None  # mcpiam.activity.usage.Usage of a sweep --activity; None otherwise

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity.rank >= self.fail_on.rank)
