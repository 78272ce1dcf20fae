"""
## What it flags
When the policy file lists `approved_servers`, a server that matches none of them, reported at
the server's name. Without a policy, or with an empty list, the rule does nothing. Entries that
only name a server configured elsewhere, and a server's own published manifest (`server.json`,
`manifest.json`), are not judged.

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

from mcpiam.checks._ownership import finding_at_name, identity_hint, judged_servers
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity
from mcpiam.policy.matching import is_approved

RULE = RuleInfo(
    id="unapproved-server",
    severity=Severity.HIGH,
    summary="An MCP server is not on the policy's list of approved servers.",
    docs=__doc__ or "",
    tags=("supply-chain", "policy"),
    controls=("OWASP-ASI04", "OWASP-NHI3"),
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
