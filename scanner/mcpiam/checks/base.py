"""The rule contract: a rule is a module with metadata, documentation and one check function.

A rule module defines ``RULE = RuleInfo(...)`` and ``def check(scan: ScanInput) -> Iterator[Finding]``.
Its module docstring is its user documentation, in the sections *What it flags*, *Why it matters*,
*Example*, *Use instead*, *Options* and *References* (Markdown, ``## `` headings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from mcpiam.core.digest import hmac_sha256
from mcpiam.core.valuetype import dataclass, field

from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.model.servers import ConfigFile, Server, Value
from mcpiam.policy.model import Policy

DOC_SECTIONS = ("What it flags", "Why it matters", "Example", "Use instead", "Options", "References")


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule is: its id, default severity and documentation."""

    id: str  # kebab-case name of what it flags
    severity: Severity
    summary: str  # one sentence, shown as the SARIF short description
    docs: str  # Markdown, the module docstring
    tags: tuple[str, ...] = ()
    # Controls the rule evidences, e.g. ("OWASP-NHI2", "OWASP-ASI03").
    controls: tuple[str, ...] = ()
    precision: str = "high"  # SARIF precision: very-high | high | medium | low
    needs_credentials: bool = False  # the engine detects credentials only when a rule reads them
    needs_activity: bool = False  # judges the clients' activity records (sweep --activity) only
    # The rule compares files (the same credential or account in several): the engine runs it once
    # over every file's outcome instead of file by file (mcpiam.engine.per_file).
    cross_file: bool = False
    # Reads the activity records when a sweep read them (needs_activity rules do, and
    # unapproved-server for the calls it sees): with records, the engine runs it in its parent
    # over every file's config, as the records belong to the whole machine.
    reads_activity: bool = False


DEFAULT_FINGERPRINT_KEY = b"mcpiam-default-fingerprint-key"
KEY_IDENTIFIER_MESSAGE = b"mcpiam fingerprint key identifier v1"


def key_identifier(key: bytes) -> str:
    """Names a fingerprint key without revealing it: an HMAC of a fixed message under the key.

    Results made with the same key carry the same identifier, so ``mcpiam merge`` can tell
    whether their credential fingerprints are comparable.
    """
    return hmac_sha256(key, KEY_IDENTIFIER_MESSAGE).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Settings passed down to every rule (no global state)."""

    fingerprint_key: bytes = DEFAULT_FINGERPRINT_KEY
    # Extra generic or shared account names (from the policy file) for the shared-account rule.
    extra_shared_accounts: tuple[str, ...] = ()
    # The policy file's content (owners, approved servers, ...); Policy() when there is none.
    policy: Policy = Policy()


@dataclass(frozen=True, slots=True)
class ScanInput:
    """Everything a rule sees: every config file read in this scan, with its servers."""

    configs: tuple[ConfigFile, ...]
    options: ScanOptions = field(default_factory=ScanOptions)
    # Literal credentials found in the configs (mcpiam.secrets.detect.Credential), and values
    # written as references in a syntax their client does not expand (UnexpandedReference).
    credentials: tuple = ()
    unexpanded_references: tuple = ()
    # What the clients' records say was used (mcpiam.activity.usage.Usage); None when the
    # records were not read (a scan, or a sweep without --activity).
    activity: object = None

    def servers(self) -> Iterator[tuple[ConfigFile, Server]]:
        for config in self.configs:
            for server in config.servers:
                yield config, server


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: its info and the function that checks a scan."""

    info: RuleInfo
    check: Callable[[ScanInput], Iterator[Finding]]
    # Optional: notes about input the rule could not judge (mcpiam.engine.result.Note), e.g. file modes
    # on Windows. A module opts in by defining ``def notes(scan: ScanInput) -> Iterator[Note]``.
    notes: Callable[[ScanInput], Iterator] | None = None
    # Optional, for a cross-file rule that reads documents: whether it needs this config's parsed
    # document after the per-file stage (others are dropped). ``def keeps(config) -> bool``.
    keeps: Callable[[ConfigFile], bool] | None = None


def finding_at(
    rule: RuleInfo,
    config: ConfigFile,
    value: Value,
    message: str,
    *,
    server: Server | None = None,
    severity: Severity | None = None,
    subject_key: str = "",
    properties: tuple[tuple[str, str], ...] = (),
    related: tuple[Location, ...] = (),
    help: str = "",
) -> Finding:
    """A finding at a located value; the span comes from the parser, never from the rule.
    ``help`` is the remedy (the text report's ``help:`` line)."""
    return Finding(
        rule_id=rule.id,
        severity=severity or rule.severity,
        message=message,
        location=Location(path=config.path, span=value.span, route=value.route),
        related=related,
        server=server.name if server else None,
        client=config.client,
        subject_key=subject_key,
        properties=properties,
        help=help,
    )
