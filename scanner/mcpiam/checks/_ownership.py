"""Shared by the ownership rules: which servers they judge, and a finding at a server's name."""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location
from mcpiam.core.redact import is_safe_to_show
from mcpiam.model.identity import package_of, url_of
from mcpiam.model.servers import ConfigFile, Scope, Server


def judged_servers(scan: ScanInput) -> Iterator[tuple[ConfigFile, Server]]:
    """Servers a client runs: not an entry naming a server configured elsewhere, and not a
    server's own published manifest (server.json, manifest.json), which describes it for others."""
    for config, server in scan.servers():
        if server.reference_only or config.scope is Scope.SERVER_MANIFEST:
            continue
        yield config, server


def identity_hint(server: Server) -> str:
    """`` (package npm:@x/y)`` or `` (URL host api.example.com)`` for messages; never a secret."""
    package = package_of(server)
    if package is not None:
        return f" (package {package.display})"
    url = url_of(server)
    if url is not None:
        host = url.split("/", 1)[0]
        return f" (URL host {host})" if is_safe_to_show(host) else ""
    return ""


def finding_at_name(rule: RuleInfo, config: ConfigFile, server: Server, message: str,
                    properties: tuple[tuple[str, str], ...] = ()) -> Finding:
    """A finding at the server's name, the one place every server has."""
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        message=message,
        location=Location(path=config.path, span=server.name_span, route=server.route),
        server=server.name,
        client=config.client,
        properties=properties,
    )
