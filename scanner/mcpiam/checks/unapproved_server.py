"""
## What it flags
When the policy file lists `approved_servers`, a server that matches none of them, reported at
the server's name. Without a policy, or with an empty list, the rule does nothing. Entries that
only name a server configured elsewhere, and a server's own published manifest (`server.json`,
`manifest.json`), are not judged.

With `mcpiam sweep --activity`, servers seen in use are judged too: each unapproved server the
clients' records show called (configured or not; one defined nowhere is matched by its name) is
reported at its call, with the client, project and time. When a session called an approved server
first and the unapproved one after it (an approved first hop, an unapproved second hop), the
finding names both calls.

## Why it matters
Every MCP server is code that runs with the developer's or the service's credentials, and
often fetched from a registry at start-up. An allow-list of reviewed servers keeps an unvetted
package, a typo-squatted name or an unknown remote endpoint from being handed a token
(OWASP ASI04, Agentic Supply Chain Vulnerabilities; OWASP NHI3).

## Example
```yaml
# .mcpiam.yaml
approved_servers:
  - match: {package: "@modelcontextprotocol/server-github"}
```

```json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-githu"]}}}
```

## Use instead
```yaml
# .mcpiam.yaml
approved_servers:
  - match: {package: "@modelcontextprotocol/server-github"}
```

```json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}
```

## Options
`approved_servers` in the policy file: each entry has a `match` (by `name`, `path`, `package`
or `url`, as in `owners`) and an optional `note`. See `docs/policy.md`.

## References
- https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/
- https://owasp.org/www-project-non-human-identities-top-10/2025/3-vulnerable-third-party-nhi/
"""

from __future__ import annotations

from collections.abc import Iterator
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.checks._activity import call_location, client_name
from mcpiam.checks._ownership import finding_at_name, identity_hint, judged_servers
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity
from mcpiam.policy.matching import ServerFacts, is_approved, server_matches

if TYPE_CHECKING:
    from mcpiam.activity.usage import SessionStep, Usage

RULE = RuleInfo(
    id="unapproved-server",
    severity=Severity.HIGH,
    summary="An MCP server is not on the policy's list of approved servers.",
    docs=__doc__ or "",
    tags=("supply-chain", "policy"),
    controls=("OWASP-ASI04", "OWASP-NHI3"),
    reads_activity=True,
)


def check(scan: ScanInput) -> Iterator[Finding]:
    policy = scan.options.policy
    if not policy.approved_servers:
        return
    for config, server in judged_servers(scan):
        if not is_approved(policy, config, server):
            yield finding_at_name(
                RULE, config, server,
                f"Server '{server.name}'{identity_hint(server)} is not on the approved_servers list "
                f"in {policy.source}.",
            )
    if scan.activity is not None:
        yield from _used(scan, scan.activity)  # type: ignore[arg-type]


def _step_text(step: "SessionStep") -> str:
    """"'github' (create_pull_request, 2026-10-20T09:00:01Z in /home/u/app)": a call's server, tool,
    time and project."""
    from mcpiam.activity.calls import iso

    project = f" in {step.place.project}" if step.place.project else ""
    return f"'{step.server}' ({step.tool}, {iso(step.place.time) or 'time unknown'}{project})"


def _used(scan: ScanInput, usage: "Usage") -> Iterator[Finding]:
    """Unapproved servers the records show called, with the approved call before them in a session."""
    from mcpiam.activity.calls import iso

    policy = scan.options.policy
    configured = {(config.client, server.name): (config, server) for config, server in judged_servers(scan)}
    verdicts: dict[tuple[str, str], bool] = {}

    def approved(client: str, name: str) -> bool:
        if (client, name) not in verdicts:
            found = configured.get((client, name))
            if found is not None:
                verdicts[(client, name)] = is_approved(policy, *found)
            else:  # defined nowhere: only its name can be matched
                facts = ServerFacts(name, "", None, None)
                verdicts[(client, name)] = any(server_matches(entry.match, facts) for entry in policy.approved_servers)
        return verdicts[(client, name)]

    for used in usage.servers:
        if used.calls == 0 or used.last_call is None or approved(used.client, used.server):
            continue
        hop = _second_hop(usage, used.client, used.server, approved)
        where = used.last_call if hop is None else hop[1].place
        projects = f" in {', '.join(used.projects)}" if used.projects else ""
        message = (f"Server '{used.server}' is not on the approved_servers list in {policy.source}, and "
                   f"{client_name(used.client)} called it {used.calls} time{'s' if used.calls != 1 else ''} "
                   f"(last {iso(used.last_seen) or 'at an unknown time'}{projects}).")
        related = ()
        if hop is not None:
            first, second = hop
            message += (f" In session {second.place.session} ({client_name(second.client)}) it was called as "
                        f"{_step_text(second)} after approved server {_step_text(first)}: an approved first hop, "
                        "an unapproved second hop.")
            related = (call_location(first.place, first.tool),)
        location = call_location(where, hop[1].tool if hop else (used.tools[-1] if used.tools else used.server))
        yield Finding(rule_id=RULE.id, severity=RULE.severity, message=message, location=location,
                      related=related, server=used.server, client=used.client,
                      subject_key=f"in-use/{used.client}/{used.server}")


def _second_hop(usage: "Usage", client: str, server: str,
                approved) -> "tuple[SessionStep, SessionStep] | None":  # type: ignore[no-untyped-def]
    """The first session in which an approved server was called before this one."""
    for step in usage.steps:
        if step.client != client or step.server != server or step.place.time is None:
            continue
        for earlier in usage.steps:
            if (earlier.client == client and earlier.place.session == step.place.session
                    and earlier.server != server and earlier.place.time is not None
                    and earlier.place.time <= step.place.time and approved(client, earlier.server)):
                return earlier, step
    return None
