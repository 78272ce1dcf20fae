"""
## What it flags
With `mcpiam sweep --activity`, a literal credential stored in an AI client's own records: a
Claude Code session transcript or prompt history (`~/.claude/projects/*/*.jsonl`,
`~/.claude/history.jsonl`), a Codex rollout or history (`~/.codex/sessions/...`,
`~/.codex/history.jsonl`), a Gemini CLI chat or prompt log (`~/.gemini/tmp/*/chats/`, `logs.json`),
a Claude Desktop MCP log (`mcp-server-*.log`, `mcp.log`), a Cursor chat database
(`state.vscdb`) or a VS Code chat session (`workspaceStorage/*/chatSessions/*.jsonl`, or `*.json` from older builds). The token families and the placeholder filter are those of a config scan; each
copy is reported at its file, line and column (the column within the JSONL line; in a database,
within the value named by the finding's route), and copies of the same value share a fingerprint.

## Why it matters
Clients store prompts, replies, tool arguments and tool results verbatim. A token pasted into a
prompt or returned by a tool stays on disk, readable by anything running as the user and copied
into backups, until the client deletes the file (Claude Code after `cleanupPeriodDays`, 30 days by
default; Codex and Gemini CLI keep sessions until they are removed by hand). A config scanner never
looks there.

## Example
```jsonl file=.claude/projects/-home-u-app/s1.jsonl
{"type":"user","sessionId":"s1","cwd":"/home/u/app","timestamp":"2026-10-20T09:00:00.000Z","message":{"role":"user","content":"use github_pat_11ABCDEFG0123456789abc_0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuV"}}
```

## Use instead
```jsonl file=.claude/projects/-home-u-app/s1.jsonl
{"type":"user","sessionId":"s1","cwd":"/home/u/app","timestamp":"2026-10-20T09:00:00.000Z","message":{"role":"user","content":"the token is in GITHUB_TOKEN; read it from the environment"}}
```

## Options
`--activity` (with `mcpiam sweep`) turns the rule on; `--rules DIR` adds token families and
`--fingerprint-key` sets the fingerprints' key, as for `embedded-secret`. Rotate the credential
first; deleting the record only shortens how long the copy lives.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/2-secret-leakage/
- https://code.claude.com/docs/en/settings
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from mcpiam.checks._activity import client_name
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location, Severity

RULE = RuleInfo(
    id="credential-in-agent-history",
    severity=Severity.HIGH,
    summary="A literal credential is stored in an AI client's session transcript, prompt history or MCP log.",
    docs=__doc__ or "",
    tags=("secret", "activity"),
    controls=("OWASP-NHI2", "OWASP-ASI03"),
    needs_activity=True,
)


def check(scan: ScanInput) -> Iterator[Finding]:
    usage = scan.activity
    if usage is None:
        return
    copies = Counter(credential.fingerprint for credential in usage.credentials)  # type: ignore[attr-defined]
    for credential in usage.credentials:  # type: ignore[attr-defined]
        others = copies[credential.fingerprint] - 1
        also = f" The same value is stored in {others} other place{'s' if others != 1 else ''} of agent records." if others else ""
        message = (
            f"{credential.family_name} ({credential.preview}) is stored in {client_name(credential.client)}'s "
            f"{credential.record}.{also} Rotate it: the client keeps this file {credential.cleanup}, "
            "and anything running as the user can read it."
        )
        yield Finding(
            rule_id=RULE.id,
            severity=max(credential.severity, RULE.severity, key=lambda severity: severity.rank),
            message=message,
            location=Location(credential.file, credential.span, credential.route),
            client=credential.client,
            subject_key=credential.fingerprint,
            properties=(("fingerprint", credential.fingerprint), ("preview", credential.preview),
                        ("family", credential.family_id), ("record", credential.record),
                        ("copies", str(others + 1))),
        )
