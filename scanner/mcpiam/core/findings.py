"""Findings: what a rule reports, where, and how bad it is.

A finding carries a location already resolved to a span (rules pass the located value they are
about and never compute positions), a severity, and a fingerprint that survives line shifts.
No field of a finding ever holds a secret value: secrets appear only as a redacted preview and a
keyed hash.
"""

from __future__ import annotations

from mcpiam.core.digest import sha256
from mcpiam.core.valuetype import dataclass, field
from enum import Enum

from mcpiam.core.document import Route, Span, format_route


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def sarif_level(self) -> str:
        return {"critical": "error", "high": "error", "medium": "warning"}.get(self.value, "note")

    @property
    def security_severity(self) -> str:
        """GitHub's numeric security severity (>9 critical, 7-8.9 high, 4-6.9 medium, 0.1-3.9 low)."""
        return {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}[self.value]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        return cls(text.strip().lower())


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: the displayed path, the exact span, and the key route."""

    path: str  # as displayed: relative to the scan root when inside it, POSIX separators
    span: Span
    route: Route = ()

    @property
    def pointer(self) -> str:
        return format_route(self.route)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where in git history a finding's credential was written (``scan --history``); never the value.

    ``commits`` counts the commits that wrote a file version holding it (at any path), ``paths``
    the paths that held it; ``removed_*`` is the last commit that took it out of this path, when
    it is no longer there at HEAD."""

    commit: str  # full id of the earliest commit that wrote it at this path
    commit_date: str  # that commit's date, ISO 8601 UTC
    present_at_head: bool
    commits: int = 1
    paths: int = 1
    removed_commit: str | None = None
    removed_date: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule found, at one location; never holds a secret value."""

    rule_id: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Location, ...] = ()
    server: str | None = None
    client: str | None = None
    # Identity of the thing flagged beyond its route (e.g. a keyed hash of a secret); never the value.
    subject_key: str = ""
    # Extra, non-secret facts for machine output (token family, redacted preview, ...).
    properties: tuple[tuple[str, str], ...] = field(default=())
    # Set for a finding read from git history (``scan --history``): the commit that introduced it.
    history: Provenance | None = None
    # The remedy, in a sentence or two: the text report prints it as ``help:`` under the message;
    # every other output reads ``full_message``, the message and the remedy in one text.
    help: str = ""
    # The fingerprint, kept on first use: sorting, triage and every report ask for it again (~250
    # times in a ten-config hook run). "" until then; no part in equality, hash or repr.
    fingerprint_memo: str = field(default="", init=False, repr=False, compare=False)

    @property
    def full_message(self) -> str:
        """The message followed by the remedy: what JSON, SARIF and the concise text print."""
        return f"{self.message} {self.help}" if self.help else self.message

    @property
    def fingerprint(self) -> str:
        """Stable identity: rule, path, route and subject; no line numbers, so edits elsewhere keep it.
        A file name that is not UTF-8 is hashed as its bytes (``os.fsdecode`` surrogates undone)."""
        if self.fingerprint_memo:
            return self.fingerprint_memo
        material = "\x1f".join(
            [self.rule_id, self.location.path, self.location.pointer, self.subject_key]
        )
        try:
            data = material.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate that is not an undecoded byte: kept as written
            data = material.encode("utf-8", "surrogatepass")
        made = sha256(data).hexdigest()[:32]
        object.__setattr__(self, "fingerprint_memo", made)  # the frozen guard refuses setattr
        return made

    def sort_key(self) -> tuple:
        return (
            self.location.path,
            self.location.span.start_line,
            self.location.span.start_column,
            self.rule_id,
            self.message,
        )
