"""
## What it flags
A server that has an owner but whose ownership record leaves out its purpose (`purpose`), where
its credential is kept (`secret_source`) or how to revoke it (`revocation`). Reported at the
server's name. A server owned only through CODEOWNERS has no such record and is reported too; a
server with no owner at all is `missing-owner`'s finding, not this one.

## Why it matters
An owner's name alone does not let anyone else act. When a laptop is lost, a token leaks or the
owner leaves, responders need to know what the server is for, which vault entry holds its
secret and the exact steps to revoke it (OWASP NHI1, Improper Offboarding). For a server that
holds no credential, write `secret_source: none`.

## Example
```yaml
# .mcpiam.yaml
owners:
  - match: {package: "@modelcontextprotocol/server-github"}
    owner: "@acme/platform-security"
```

```json
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}
```

## Use instead
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
{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}
```

## Options
The `owners` entries of the policy file; see `missing-owner` and `docs/policy.md`. Turn the rule off with `rules: {incomplete-ownership: {enabled: false}}`.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/1-improper-offboarding/
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks._ownership import finding_at_name, judged_servers
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity
from mcpiam.policy.matching import ownership_of

RULE = RuleInfo(
    id="incomplete-ownership",
    severity=Severity.LOW,
    summary="A server's ownership record lacks its purpose, secret source or revocation path.",
    docs=__doc__ or "",
    tags=("ownership", "policy"),
    controls=("OWASP-NHI1",),
)

RECORD_FIELDS = ("purpose", "secret_source", "revocation")


def _listed(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check(scan: ScanInput) -> Iterator[Finding]:
    policy = scan.options.policy
    for config, server in judged_servers(scan):
        ownership = ownership_of(policy, config, server)
        if ownership is None:
            continue
        if ownership.entry is None:
            missing = RECORD_FIELDS
            where = f"is owned by {ownership.owner} through {policy.codeowners_source}, but the policy " \
                "records no"
        else:
            missing = ownership.entry.missing_fields
            where = f"is owned by {ownership.owner} ({policy.source} line {ownership.entry.line}), but " \
                "the entry records no"
        if missing:
            yield finding_at_name(
                RULE, config, server, f"Server '{server.name}' {where} {_listed(missing)}.",
                properties=(("owner", ownership.owner), ("missing", ",".join(missing))),
            )
