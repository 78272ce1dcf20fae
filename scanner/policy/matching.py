"""Which policy entries cover a server: owners by first match, CODEOWNERS as a fallback, approvals.

Used by the ownership rules, and meant for the inventory as well: one answer to "who owns this".
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from scanner.identity import Package, package_of, pypi_name, url_of
from scanner.model import ConfigFile, Server
from scanner.policy.apply import path_matches
from scanner.policy.codeowners import codeowners_of
from scanner.policy.model import OwnerEntry, Policy, ServerMatch


@dataclass(frozen=True, slots=True)
class Ownership:
    owner: str
    entry: OwnerEntry | None  # the owners entry; None when the owner comes from CODEOWNERS
    source: str  # "policy" | "codeowners"


def package_matches(pattern: str, package: Package | None) -> bool:
    """``pattern`` with an ecosystem prefix (``npm:``, ``pypi:``, ``docker:``, ``command:``) is
    matched against ``ecosystem:name``, otherwise against the name; versions and tags are ignored."""
    if package is None:
        return False
    ecosystem, colon, name_pattern = pattern.partition(":")
    if colon and ecosystem in ("npm", "pypi", "docker", "command"):
        return ecosystem == package.ecosystem and _name_matches(name_pattern, package)
    return _name_matches(pattern, package)


def _name_matches(pattern: str, package: Package) -> bool:
    pattern = pattern.strip()
    if package.ecosystem == "pypi":
        pattern = pypi_name(pattern)
    elif package.ecosystem in ("npm", "docker"):
        pattern = pattern.lower()
        for prefix in ("docker.io/library/", "docker.io/"):
            if package.ecosystem == "docker" and pattern.startswith(prefix):
                pattern = pattern[len(prefix):]
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


def server_matches(match: ServerMatch, config: ConfigFile, server: Server, path: str | None = None) -> bool:
    """Whether every field the match gives is satisfied by one of its globs; ``path`` is the
    config's path relative to the policy (default: as displayed)."""
    if not (match.names or match.paths or match.packages or match.urls):
        return False
    if match.names and not any(fnmatch.fnmatchcase(server.name, p) for p in match.names):
        return False
    path = config.path if path is None else path
    if match.paths and not any(path_matches(p, path) for p in match.paths):
        return False
    if match.packages:
        package = package_of(server)
        if not any(package_matches(p, package) for p in match.packages):
            return False
    if match.urls:
        url = url_of(server)
        if not any(url_matches(p, url) for p in match.urls):
            return False
    return True


def owner_entry_for(policy: Policy, config: ConfigFile, server: Server) -> OwnerEntry | None:
    """The first owners entry covering the server."""
    path = policy.relative_path(config.absolute_path, config.path)
    for entry in policy.owners:
        if server_matches(entry.match, config, server, path):
            return entry
    return None


def ownership_of(policy: Policy, config: ConfigFile, server: Server) -> Ownership | None:
    """Who owns a server: the first matching owners entry, else (when enabled) CODEOWNERS."""
    entry = owner_entry_for(policy, config, server)
    if entry is not None:
        return Ownership(entry.owner, entry, "policy")
    if policy.owners_from_codeowners:
        rule = codeowners_of(policy.codeowners, policy.relative_path(config.absolute_path, config.path))
        if rule is not None and rule.owners:
            return Ownership(" ".join(rule.owners), None, "codeowners")
    return None


def is_approved(policy: Policy, config: ConfigFile, server: Server) -> bool:
    path = policy.relative_path(config.absolute_path, config.path)
    return any(server_matches(entry.match, config, server, path) for entry in policy.approved_servers)
