"""The outcome of one scan, handed to the reporters: findings, notes, inventory and totals."""

from __future__ import annotations

from collections.abc import Sequence

from mcpiam.core.valuetype import dataclass

from mcpiam.checks.base import RuleInfo
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.core.notes import Note
from mcpiam.model.servers import ConfigFile
from mcpiam.policy.model import Policy
from mcpiam.triage.apply import Triage


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """What a ``scan --history`` covered, for every report format."""

    commits: int  # commits walked
    blobs: int  # distinct file versions read
    shallow: bool  # the clone is shallow: older commits were not there to read
    revision_range: str | None = None
    since: str | None = None
    missing_objects: int = 0


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found, ready for any report format."""

    root: str  # the scan root, absolute
    # Sorted and filtered. A tuple, or for a scan of many files an engine.packed.Packed sequence
    # (kept compressed, read one file's worth at a time): read both as a Sequence.
    findings: Sequence[Finding]
    notes: tuple[Note, ...]
    configs: Sequence[ConfigFile]  # a tuple, or Packed like the findings
    rules: tuple[RuleInfo, ...]  # every rule that ran (for SARIF rule metadata)
    fail_on: Severity
    tool_version: str
    files_considered: int = 0
    allowlisted: int = 0  # findings dropped because the policy allow-lists their fingerprint
    policy: str | None = None  # the policy file used, as displayed; None when there was none
    triage: Triage = Triage()  # what suppressions and the baseline set aside
    fingerprint_key_id: str = ""  # mcpiam.checks.base.key_identifier of the fingerprint key
    applied_policy: Policy = Policy()  # the policy the rules saw (the inventory resolves owners with it)
    # The literal credentials found (mcpiam.secrets.detect.Credential), when any were looked for:
    # the inventory lists them by place, family and fingerprint, never by value.
    credentials: tuple = ()
    history: HistorySummary | None = None  # set by ``scan --history`` (mcpiam.engine.history)
    # Where every credential the scan found sits, suppressed or not, so the text report masks it
    # in any source line it shows; None when no rule searched for credentials (then it shows none).
    secret_locations: tuple[Location, ...] | None = None
    activity: object = None  # mcpiam.activity.usage.Usage of a sweep --activity; None otherwise

    @property
    def failing(self) -> Sequence[Finding]:
        threshold = self.fail_on.rank
        filtered = getattr(self.findings, "filtered", None)  # engine.packed.Packed, never imported by a small scan
        if filtered is not None:
            return filtered(lambda f: f.severity.rank >= threshold)
        return tuple(f for f in self.findings if f.severity.rank >= threshold)
