"""
## What it flags
With `mcpiam sweep --activity`, a configured MCP server of a client whose activity records were
read, with no recorded call in the last N days (30 by default), reported at the server's name in
each config that defines it. Clients whose records were not found are not judged.

## Why it matters
A configured server keeps its credential and its reach whether anyone uses it or not: a token
nobody has needed for a month is a standing privilege that can only be abused (OWASP NHI1,
Improper Offboarding). Revoking or removing it costs nothing to the people who do not use it.

## Example
```json file=.claude.json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}
```

```jsonl file=.claude/projects/-home-u-app/s1.jsonl
{"type":"user","sessionId":"s1","cwd":"/home/u/app","timestamp":"2026-10-20T09:00:00.000Z","message":{"role":"user","content":"hello"}}
```

## Use instead
```json file=.claude.json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}
```

```jsonl file=.claude/projects/-home-u-app/s1.jsonl
{"type":"assistant","sessionId":"s1","cwd":"/home/u/app","timestamp":"2026-10-20T09:00:00.000Z","message":{"id":"m1","content":[{"type":"tool_use","id":"t1","name":"mcp__github__get_me","input":{}}]}}
```

## Options
`dormant_days` in the policy file sets N (an integer, at least 1). `--since DATE` bounds the
records read; a call before it does not count.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/
- https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks._activity import client_name
from mcpiam.checks._ownership import finding_at_name, judged_servers
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity

DEFAULT_DAYS = 30

RULE = RuleInfo(
    id="dormant-server",
    severity=Severity.MEDIUM,
    summary="A configured MCP server has no recorded use in the last N days.",
    docs=__doc__ or "",
    tags=("activity", "offboarding"),
    controls=("OWASP-NHI1", "OWASP-ASI03"),
    needs_activity=True,
)


def check(scan: ScanInput) -> Iterator[Finding]:
    usage = scan.activity
    if usage is None:
        return
    # Imported here: a scan without activity (the pre-commit hook) never loads datetime.
    from datetime import timedelta

    from mcpiam.activity.calls import iso

    days = scan.options.policy.dormant_days or DEFAULT_DAYS
    cutoff = usage.window_to - timedelta(days=days)  # type: ignore[attr-defined]
    for config, server in judged_servers(scan):
        if config.client not in usage.clients_read:  # type: ignore[attr-defined]
            continue
        used = usage.server(config.client, server.name)  # type: ignore[attr-defined]
        last = used.last_seen if used is not None else None
        if last is not None and last >= cutoff:
            continue
        since = f" (last call {iso(last)})" if last is not None else ""
        records = iso(usage.window_from)  # type: ignore[attr-defined]
        span = f"; the records go back to {records}" if records else ""
        yield finding_at_name(
            RULE, config, server,
            f"Server '{server.name}' has no recorded call by {client_name(config.client)} in the {days} days "
            f"before {iso(usage.window_to)}{since}{span}. Revoke its credential or remove it.",  # type: ignore[attr-defined]
            properties=(("days", str(days)), ("last_seen", iso(last) or "")),
        )
