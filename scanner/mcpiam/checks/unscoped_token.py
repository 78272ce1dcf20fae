"""
## What it flags
A literal credential whose *type* grants more than one narrow job: a token that acts as a user
(GitHub classic PAT `ghp_`, Slack user token `xoxp-`), holds admin rights (OpenAI `sk-admin-`,
Anthropic `sk-ant-admin01-`, Supabase `sbp_`) or has unrestricted access (Stripe `sk_live_`, a
long-term AWS `AKIA` key); and JWTs whose decoded claims name an admin or `service_role` role or a
wildcard scope. The facts come from each token family's metadata in `rules/` (`grants`).

A token whose type can be scoped (a Stripe restricted key, an OpenAI project key, a Slack bot
token, a Notion integration token, an Anthropic workspace key, a service account) is not flagged
here, however long it lives: the credential is already reported once, by `embedded-secret`,
whose message and `lifetime` property say whether it expires.

## Why it matters
An MCP server needs a few permissions to do its job; a broad, user or admin token hands the
agent, and anyone who prompt-injects it, everything the issuing account can do. A scoped token
bounds the blast radius of a leak or a misbehaving tool.

## Example
```json
{"mcpServers": {"payments": {"command": "npx", "args": ["-y", "payments-mcp"],
  "env": {"STRIPE_SECRET_KEY": "sk_live_4eC39HqLyjWDarjtT1zdp7dcAbCdEf"}}}}
```

## Use instead
```json
{"mcpServers": {"payments": {"command": "npx", "args": ["-y", "payments-mcp"],
  "env": {"STRIPE_SECRET_KEY": "${STRIPE_RESTRICTED_KEY}"}}}}
```

## Options
None beyond `--rules DIR`: a user family's `grants` is honoured the same way.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/5-overprivileged-nhi/
- https://owasp.org/www-project-non-human-identities-top-10/2025/7-long-lived-secrets/
- https://docs.stripe.com/keys#limit-access
- https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity

RULE = RuleInfo(
    id="unscoped-token",
    severity=Severity.HIGH,
    summary="A credential's type grants broad, user-impersonating or admin access.",
    docs=__doc__ or "",
    tags=("secret", "least-privilege"),
    controls=("OWASP-NHI5", "OWASP-ASI03"),
    needs_credentials=True,
)

GRANT_REASONS = {
    "admin": ("holds administrative rights", Severity.HIGH),
    "broad": ("grants broad, unrestricted access", Severity.HIGH),
    "user": ("acts as a user with all of that user's access", Severity.MEDIUM),
}
ADMIN_ROLES = frozenset({"admin", "service_role", "superuser", "root", "owner"})


def _jwt_reasons(claims: dict[str, str]) -> list[str]:
    """What a JWT's claims grant beyond its family (its lifetime is embedded-secret's fact)."""
    reasons = []
    if claims.get("role", "").lower() in ADMIN_ROLES:
        reasons.append(f"its JWT role is '{claims['role']}'")
    scope = claims.get("scope", claims.get("scp", ""))
    if scope.strip() in {"*", "all"} or " * " in f" {scope} ":
        reasons.append("its JWT scope is a wildcard")
    return reasons


def check(scan: ScanInput) -> Iterator[Finding]:
    for credential in scan.credentials:
        family = credential.family
        if family is None:
            continue
        reasons: list[str] = []
        severity = Severity.MEDIUM
        grant = GRANT_REASONS.get(family.grants.value)
        if grant is not None:
            reasons.append(grant[0])
            severity = grant[1]
        jwt_reasons = _jwt_reasons(dict(credential.claims)) if credential.claims else []
        if jwt_reasons:
            severity = Severity.HIGH
            reasons.extend(jwt_reasons)
        if not reasons:
            continue
        server = credential.server.name if credential.server else None
        yield Finding(
            rule_id=RULE.id,
            severity=severity,
            message=f"{family.name} ({credential.preview}) " + ", ".join(reasons) + ".",
            help=family.remediation.strip(),
            location=credential.location,
            server=server,
            client=credential.config.client,
            subject_key=credential.fingerprint,
            properties=(("fingerprint", credential.fingerprint), ("preview", credential.preview),
                        ("family", family.id), ("grants", family.grants.value),
                        ("lifetime", family.lifetime.value)),
        )
