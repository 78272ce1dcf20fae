"""Which policy entries cover a server: owners by first match, CODEOWNERS as a fallback, approvals.

Used by the ownership rules and by the inventory: one answer to "who owns this".
"""

from __future__ import annotations

import fnmatch
from mcpiam.core.valuetype import dataclass

from mcpiam.model.identity import Package, docker_name, package_of, pypi_name, url_of
from mcpiam.model.servers import ConfigFile, Server
from mcpiam.policy.apply import path_matches
from mcpiam.policy.codeowners import codeowners_of
from mcpiam.policy.model import CodeOwnersRule, OwnerEntry, Policy, ServerMatch


ECOSYSTEMS = ("npm", "pypi", "docker", "go", "jsr", "command")  # the prefixes a package pattern may name


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who owns a server and which policy entry or CODEOWNERS rule says so."""

    owner: str
    entry: OwnerEntry | None  # the owners entry; None when the owner comes from CODEOWNERS
    source: str  # "policy" | "codeowners"
    codeowners_rule: CodeOwnersRule | None = None  # the CODEOWNERS line, when source is "codeowners"

    @property
    def matched_by(self) -> tuple[str, ...]:
        """What the owner was matched on: the fields the owners entry gives, or the path for CODEOWNERS."""
        return self.entry.match.fields if self.entry is not None else ("path",)


def package_matches(pattern: str, package: Package | None) -> bool:
    """``pattern`` with an ecosystem prefix (``npm:``, ``pypi:``, ``docker:``, ``go:``, ``jsr:``,
    ``command:``) is matched against ``ecosystem:name``, otherwise against the name; versions and
    tags are ignored."""
    if package is None:
        return False
    ecosystem, colon, name_pattern = pattern.partition(":")
    if colon and ecosystem in ECOSYSTEMS:
        return ecosystem == package.ecosystem and _name_matches(name_pattern, package)
    return _name_matches(pattern, package)


def _name_matches(pattern: str, package: Package) -> bool:
    pattern = pattern.strip()
    if package.ecosystem == "pypi":
        pattern = pypi_name(pattern)
    elif package.ecosystem == "docker":
        pattern = docker_name(pattern)
    elif package.ecosystem in ("npm", "jsr"):
        pattern = pattern.lower()
    return fnmatch.fnmatchcase(package.name, pattern)


def url_matches(pattern: str, url: str | None) -> bool:
    """Host/path glob: ``api.githubcopilot.com/mcp``, ``*.example.com``, ``https://host/path/*``;
    a pattern without a path matches the host with any path."""
    if url is None:
        return False
    wanted = _url_pattern(pattern)
    if not wanted:
        return False
    if "/" not in wanted:
        return fnmatch.fnmatchcase(url.split("/", 1)[0], wanted)
    return fnmatch.fnmatchcase(url, wanted)


def _url_pattern(pattern: str) -> str:
    """A URL glob in the form ``url_of`` gives: no scheme, user, query or trailing slash; host lower-cased."""
    text = pattern.strip()
    scheme_end = text.find("://")
    if scheme_end != -1:
        text = text[scheme_end + 3:]
    text = text.split("?", 1)[0].split("#", 1)[0]
    host, slash, path = text.partition("/")
    host = host.rpartition("@")[2].lower()
    return (host + slash + path).rstrip("/")


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What a policy match looks at, worked out once per server."""

    name: str
    path: str  # the config's path relative to the policy's folder (else as displayed)
    package: Package | None
    url: str | None  # host[:port]/path

    @classmethod
    def of(cls, policy: Policy, config: ConfigFile, server: Server) -> "ServerFacts":
        return cls(server.name, policy.relative_path(config.absolute_path, config.path),
                   package_of(server), url_of(server))


def server_matches(match: ServerMatch, facts: ServerFacts) -> bool:
    """Whether every field the match gives is satisfied by one of its globs."""
    checks = (
        (match.names, lambda pattern: fnmatch.fnmatchcase(facts.name, pattern)),
        (match.paths, lambda pattern: path_matches(pattern, facts.path)),
        (match.packages, lambda pattern: package_matches(pattern, facts.package)),
        (match.urls, lambda pattern: url_matches(pattern, facts.url)),
    )
    given = [(patterns, fits) for patterns, fits in checks if patterns]
    return bool(given) and all(any(fits(pattern) for pattern in patterns) for patterns, fits in given)


def owner_entry_for(policy: Policy, config: ConfigFile, server: Server) -> OwnerEntry | None:
    """The first owners entry covering the server."""
    if not policy.owners:
        return None
    facts = ServerFacts.of(policy, config, server)
    return next((entry for entry in policy.owners if server_matches(entry.match, facts)), None)


def ownership_of(policy: Policy, config: ConfigFile, server: Server) -> Ownership | None:
    """Who owns a server: the first matching owners entry, else (when enabled) CODEOWNERS."""
    entry = owner_entry_for(policy, config, server)
    if entry is not None:
        return Ownership(entry.owner, entry, "policy")
    if policy.owners_from_codeowners:
        rule = codeowners_of(policy.codeowners, policy.relative_path(config.absolute_path, config.path))
        if rule is not None and rule.owners:
            return Ownership(" ".join(rule.owners), None, "codeowners", rule)
    return None


def is_approved(policy: Policy, config: ConfigFile, server: Server) -> bool:
    facts = ServerFacts.of(policy, config, server)
    return any(server_matches(entry.match, facts) for entry in policy.approved_servers)
