"""
## What it flags
A value written as a reference (`${GITHUB_TOKEN}`, `$API_KEY`, `${env:X}`, `{env:X}`,
`${input:id}`, …) in a syntax that the client reading the file does **not** expand. Claude
Desktop, for example, passes `env` values to the server exactly as written, so
`"GITHUB_TOKEN": "${GITHUB_TOKEN}"` hands the server the fifteen characters `${GITHUB_TOKEN}`.
Which client expands which syntax in which file comes from the client catalogue.

## Why it matters
It is not a leak, so this is a low-severity finding, but it is a broken credential path: the
server fails to authenticate, and the usual "fix" under time pressure is to paste the real token
into the file. Flagging the reference lets the owner pick a mechanism the client supports before
that happens. It also keeps mcpiam honest: such a value is neither treated as a secret nor
silently accepted as a safe reference.

## Example
In Claude Desktop's `claude_desktop_config.json`:
```json file=claude_desktop_config.json
{"mcpServers": {"github": {"command": "npx",
  "args": ["-y", "@modelcontextprotocol/server-github"],
  "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}"}}}}
```

## Use instead
Launch the server through a wrapper that injects the secret from a secret store, for example
with 1Password's CLI:
```json file=claude_desktop_config.json
{"mcpServers": {"github": {"command": "op",
  "args": ["run", "--", "npx", "-y", "@modelcontextprotocol/server-github"],
  "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "op://Engineering/github-mcp/token"}}}}
```
or move the server to a client that expands references (`${env:X}` in VS Code, `${X}` in
Claude Code's `.mcp.json`).

## Options
None. The catalogue (`scanner/mcpiam/catalogue/clients.yaml`) records, per client and file, which
reference syntaxes are expanded; values in files of an unknown client are assumed expanded.

## References
- https://modelcontextprotocol.io/docs/develop/connect-local-servers
- https://code.claude.com/docs/en/mcp
- https://developer.1password.com/docs/cli/secrets-environment-variables/
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location, Severity

RULE = RuleInfo(
    id="unexpanded-reference",
    severity=Severity.LOW,
    summary="A reference is written in a syntax its client does not expand, so the server gets the text.",
    docs=__doc__ or "",
    tags=("secret", "correctness"),
    controls=("OWASP-NHI2",),
    needs_credentials=True,
)

PLACES = {
    "env": "env value", "header": "header", "arg": "argument", "flag-value": "argument",
    "pair": "KEY=VALUE setting", "url-password": "URL user info", "url-query": "URL query parameter",
    "field": "value",
}


def check(scan: ScanInput) -> Iterator[Finding]:
    seen: set[tuple] = set()
    for reference in scan.unexpanded_references:
        occurrence = reference.occurrence
        candidate = reference.candidate
        # One value is looked at whole and in parts (after "Bearer", after "--flag="): report
        # each reference once, as seen in the whole value.
        ident = (reference.config.path, candidate.value.route, reference.span, occurrence.text)
        if ident in seen:
            continue
        seen.add(ident)
        where = PLACES.get(candidate.place, "value")
        named = candidate.context and not (candidate.place == "arg" and candidate.context == "args")
        name = f" '{candidate.context}'" if named else ""
        server = reference.server.name if reference.server else None
        of_server = f" of server '{server}'" if server else ""
        yield Finding(
            rule_id=RULE.id,
            severity=RULE.severity,
            message=(
                f"'{occurrence.text}' in {where}{name}{of_server} is written as a "
                f"{occurrence.description}, which {reference.client_name} does not expand in this "
                f"file: the server receives the text '{occurrence.text}' itself. Inject the secret "
                "with a wrapper (e.g. `op run --`) or use a syntax this client expands."
            ),
            location=Location(reference.config.path, reference.span, candidate.value.route),
            server=server,
            client=reference.config.client,
            subject_key=occurrence.text,
            properties=(("syntax", occurrence.syntax),),
        )
