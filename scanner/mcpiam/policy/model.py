"""The policy as the scan uses it: frozen data built from a validated ``.mcpiam.yaml``."""

from __future__ import annotations

from mcpiam.core.valuetype import dataclass
from pathlib import PurePath

from mcpiam.core.document import Span
from mcpiam.core.findings import Severity


@dataclass(frozen=True, slots=True)
class ServerMatch:
    """Which servers a policy entry covers: every non-empty field must match (any of its globs)."""

    names: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields this match gives, as the policy file names them: name, path, package, url."""
        given = (("name", self.names), ("path", self.paths), ("package", self.packages), ("url", self.urls))
        return tuple(name for name, patterns in given if patterns)


@dataclass(frozen=True, slots=True)
class OwnerEntry:
    """An owners registry entry: who owns the servers it matches, and why they exist."""

    match: ServerMatch
    owner: str
    purpose: str | None = None
    secret_source: str | None = None
    revocation: str | None = None
    line: int = 0  # where the entry starts in the policy file, for messages

    @property
    def missing_fields(self) -> tuple[str, ...]:
        """The record-keeping fields this entry leaves out, in the order the docs list them."""
        fields = (("purpose", self.purpose), ("secret_source", self.secret_source),
                  ("revocation", self.revocation))
        return tuple(name for name, value in fields if not value)


@dataclass(frozen=True, slots=True)
class ApprovedServer:
    """A server the policy approves, by the facts it must match."""

    match: ServerMatch
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RuleOverride:
    """A policy switch for one rule: off, or at another severity."""

    rule_id: str
    enabled: bool | None = None  # None: unchanged
    severity: Severity | None = None  # None: the rule's own severity


@dataclass(frozen=True, slots=True)
class AllowedFinding:
    """An allow-listed finding: its fingerprint and the reason it is accepted."""

    fingerprint: str
    reason: str
    rule: str | None = None  # the finding's rule id, when the entry gives it
    path: str | None = None  # the finding's file relative to the policy's folder, when given
    span: Span | None = None  # where the entry is written in the policy file, for notes


@dataclass(frozen=True, slots=True)
class CodeOwnersRule:
    """One CODEOWNERS line: a gitignore-style pattern and its owners (none: explicitly unowned)."""

    pattern: str
    owners: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything a policy file says; ``Policy()`` is "no policy file"."""

    source: str | None = None  # the policy file as displayed; None when there is none
    # Absolute directory that paths in the policy (and CODEOWNERS) are relative to: the policy
    # file's own folder when it was found in the tree, else the scan root. None: display paths.
    base_dir: str | None = None
    owners: tuple[OwnerEntry, ...] = ()
    owners_from_codeowners: bool = False
    codeowners_source: str | None = None  # the CODEOWNERS file read, when owners_from_codeowners
    codeowners: tuple[CodeOwnersRule, ...] = ()
    approved_servers: tuple[ApprovedServer, ...] = ()
    rules: tuple[RuleOverride, ...] = ()
    ignore_paths: tuple[str, ...] = ()
    allowlist: tuple[AllowedFinding, ...] = ()
    shared_accounts: tuple[str, ...] = ()
    dormant_days: int | None = None  # dormant-server's N (None: the rule's default, 30)

    def relative_path(self, absolute_path: str, display_path: str) -> str:
        """A config's path as the policy's globs see it: relative to ``base_dir`` when inside it."""
        if self.base_dir is None:
            return display_path
        try:
            return PurePath(absolute_path).relative_to(self.base_dir).as_posix()
        except ValueError:
            return display_path

    @property
    def disabled_rules(self) -> tuple[str, ...]:
        return tuple(o.rule_id for o in self.rules if o.enabled is False)

    def severity_for(self, rule_id: str) -> Severity | None:
        for override in self.rules:
            if override.rule_id == rule_id and override.severity is not None:
                return override.severity
        return None

    @property
    def allowed_fingerprints(self) -> frozenset[str]:
        return frozenset(entry.fingerprint for entry in self.allowlist)
