"""
## What it flags
A server that no entry of the policy's `owners` registry covers, reported at the server's name.
With `owners_from_codeowners: true` in the policy, a server whose config file has a CODEOWNERS
owner counts as owned.

Without any policy file nothing records an owner anywhere, so the scan reports one line instead
of a finding per server: "N servers have no owner; `mcpiam policy init --from-scan` writes a
starter registry" (a note, code `unowned-servers`, in JSON and SARIF). `--select missing-owner`
lists each server as a finding. Entries that only name a server
configured elsewhere, and a server's own published manifest (`server.json`, `manifest.json`),
are not judged.

## Why it matters
Each MCP server holds a credential: a non-human identity acting for the team. When nobody owns
it, nobody rotates the token, notices when the server is no longer needed, or revokes access
when its author leaves (OWASP NHI1, Improper Offboarding). An owners registry is the first thing
an incident responder needs: whom to call about this server and its token.

## Example
```json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                           "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GITHUB_TOKEN}"}}}}
```

## Use instead
Record an owner in `.mcpiam.yaml` at the repository root:

```yaml
# .mcpiam.yaml
owners:
  - match: {package: "@modelcontextprotocol/server-github"}
    owner: "@acme/platform-security"
    purpose: "triage issues in acme/* repositories"
    secret_source: "1Password: Engineering/github-mcp"
    revocation: "https://wiki.acme.dev/runbooks/github-mcp#revoke"
```

```json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                           "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GITHUB_TOKEN}"}}}}
```

## Options
In the policy file: `owners` entries match servers by `name` (glob), `path` (glob on the config
file's path), `package` (the package run, version ignored: `@scope/pkg`, `pypi:mcp-server-git`,
`ghcr.io/org/image`) or `url` (host/path glob); the first matching entry owns the server.
`owners_from_codeowners: true` falls back to `.github/CODEOWNERS`, `CODEOWNERS` or
`docs/CODEOWNERS` (last matching pattern wins). See `docs/policy.md`.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/
- https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks._ownership import finding_at_name, identity_hint, judged_servers
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity
from mcpiam.core.notes import UNOWNED_SERVERS_NOTE, Note
from mcpiam.core.valuetype import replace
from mcpiam.policy.matching import ownership_of

RULE = RuleInfo(
    id="missing-owner",
    severity=Severity.MEDIUM,
    summary="An MCP server has no owner in the policy's owners registry.",
    docs=__doc__ or "",
    tags=("ownership", "policy"),
    controls=("OWASP-NHI1",),
)


STARTER_HINT = "`mcpiam policy init --from-scan` writes a starter registry"


def check(scan: ScanInput) -> Iterator[Finding]:
    policy = scan.options.policy
    if policy.source is None:
        reason = "no policy file (.mcpiam.yaml) records one"
        remedy = STARTER_HINT[:1].upper() + STARTER_HINT[1:] + "."
    else:
        reason = f"no entry under `owners` in {policy.source} matches it"
        if policy.owners_from_codeowners:
            reason += " and no CODEOWNERS line gives one" if policy.codeowners_source else \
                " and there is no CODEOWNERS file"
        remedy = "Add an `owners` entry that matches it by name, path, package or url."
    for config, server in judged_servers(scan):
        if ownership_of(policy, config, server) is None:
            finding = finding_at_name(RULE, config, server,
                                      f"Server '{server.name}'{identity_hint(server)} has no owner: {reason}.")
            yield replace(finding, help=remedy)


def summarised(findings: tuple[Finding, ...], policy_source: str | None,
               selected: tuple[str, ...]) -> tuple[tuple[Finding, ...], Note | None]:
    """Without a policy file, the rule's findings as one note ("N servers have no owner; ..."):
    an owner registry is one decision to make, not one finding per server. Kept as findings
    when a policy exists or the rule was chosen by name (``--select missing-owner``)."""
    if policy_source is not None or RULE.id in selected:
        return findings, None
    unowned = [finding for finding in findings if finding.rule_id == RULE.id]
    if not unowned:
        return findings, None
    return tuple(finding for finding in findings if finding.rule_id != RULE.id), unowned_note(len(unowned))


def unowned_note(count: int) -> Note:
    """The one note that stands for ``count`` missing-owner findings (a large scan adds up its
    files' counts: mcpiam.engine.scan)."""
    servers = "1 server has" if count == 1 else f"{count} servers have"
    return Note("", "warning", UNOWNED_SERVERS_NOTE,
                f"{servers} no owner; {STARTER_HINT} (`--select missing-owner` lists them)")
