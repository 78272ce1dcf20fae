"""
## What it flags
With `mcpiam sweep --activity`, MCP tool calls an AI client recorded to a server that no config
found on the machine defines (removed, renamed, or run from a config mcpiam did not read),
reported once per client and server at its last recorded call, with the number of calls, the
tools and projects.

## Why it matters
A server that answers tool calls but appears in no config is outside every review: nobody can
say who approved it, which credential it holds or how to turn it off. If it was removed, its
credentials may still be live (OWASP ASI04, Agentic Supply Chain Vulnerabilities; NHI3).

## Example
```jsonl file=.claude/projects/-home-u-app/s1.jsonl
{"type":"assistant","sessionId":"s1","cwd":"/home/u/app","timestamp":"2026-10-20T09:00:00.000Z","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"mcp__puppeteer__navigate","input":{}}]}}
```

## Use instead
```json file=.claude.json
{"mcpServers": {"puppeteer": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-puppeteer"]}}}
```

```jsonl file=.claude/projects/-home-u-app/s1.jsonl
{"type":"assistant","sessionId":"s1","cwd":"/home/u/app","timestamp":"2026-10-20T09:00:00.000Z","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"mcp__puppeteer__navigate","input":{}}]}}
```

## Options
`--projects` also reads the project configs (`.mcp.json`) that client files list, so a server
defined there is not reported. `--since DATE` bounds the records read.

## References
- https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/
- https://owasp.org/www-project-non-human-identities-top-10/2025/3-vulnerable-third-party-nhi/
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks._activity import call_location, client_name
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity

RULE = RuleInfo(
    id="unconfigured-server-use",
    severity=Severity.MEDIUM,
    summary="An AI client called tools of an MCP server that no config on the machine defines.",
    docs=__doc__ or "",
    tags=("activity", "supply-chain"),
    controls=("OWASP-ASI04", "OWASP-ASI02", "OWASP-NHI3"),
    needs_activity=True,
)


def check(scan: ScanInput) -> Iterator[Finding]:
    usage = scan.activity
    if usage is None:
        return
    # Imported here: a scan without activity (the pre-commit hook) never loads datetime.
    from mcpiam.activity.calls import iso
    from mcpiam.activity.usage import UNKNOWN

    for server in usage.servers:  # type: ignore[attr-defined]
        if server.status != UNKNOWN or server.last_call is None:
            continue
        projects = f" in {', '.join(server.projects)}" if server.projects else ""
        yield Finding(
            rule_id=RULE.id,
            severity=RULE.severity,
            message=(f"{client_name(server.client)} called server '{server.server}' {server.calls} "
                     f"time{'s' if server.calls != 1 else ''} (tools {', '.join(server.tools)}; last "
                     f"{iso(server.last_seen) or 'at an unknown time'}{projects}), but no config found on this "
                     "machine defines it. Find where it runs from and who approved it; if it was removed, "
                     "revoke its credentials."),
            location=call_location(server.last_call, server.tools[-1] if server.tools else server.server),
            server=server.server,
            client=server.client,
            subject_key=f"{server.client}/{server.server}",
            properties=(("calls", str(server.calls)), ("last_seen", iso(server.last_seen) or "")),
        )
