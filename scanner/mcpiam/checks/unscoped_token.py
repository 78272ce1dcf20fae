"""
## What it flags
A literal credential whose *type* grants more than one narrow job: a token that acts as a user
(GitHub classic PAT `ghp_`, Slack user token `xoxp-`), holds admin rights (OpenAI `sk-admin-`,
Anthropic `sk-ant-admin01-`, Supabase `sbp_`), has unrestricted access (Stripe `sk_live_`, a
long-term AWS `AKIA` key) or never expires; and JWTs whose decoded claims carry no `exp`, live
longer than a year, name an admin or `service_role` role, or a wildcard scope. The facts come
from each token family's metadata in `rules/` (`grants`, `lifetime`).

## Why it matters
An MCP server needs a few permissions to do its job; a broad or admin token hands the agent, and
anyone who prompt-injects it, everything the issuing account can do, for as long as the token
lives. Scoped, short-lived tokens bound the blast radius of a leak or a misbehaving tool.

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
None beyond `--rules DIR`: a user family's `grants` and `lifetime` are honoured the same way.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/5-overprivileged-nhi/
- https://owasp.org/www-project-non-human-identities-top-10/2025/7-long-lived-secrets/
- https://docs.stripe.com/keys#limit-access
- https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity

RULE = RuleInfo(
    id="unscoped-token",
    severity=Severity.HIGH,
    summary="A credential's type grants broad, user, admin or unbounded access, or never expires.",
    docs=__doc__ or "",
    tags=("secret", "least-privilege"),
    controls=("OWASP-NHI5", "OWASP-NHI7", "OWASP-ASI03"),
    needs_credentials=True,
)

GRANT_REASONS = {
    "admin": ("holds administrative rights", Severity.HIGH),
    "broad": ("grants broad, unrestricted access", Severity.HIGH),
    "user": ("acts as a user with all of that user's access", Severity.MEDIUM),
    "service-account": ("is a service-account credential shared by whatever uses it", Severity.MEDIUM),
}
ADMIN_ROLES = frozenset({"admin", "service_role", "superuser", "root", "owner"})
ONE_YEAR_SECONDS = 366 * 24 * 3600


def _jwt_reasons(claims: dict[str, str]) -> list[str]:
    reasons = []
    if "exp" not in claims:
        reasons.append("its JWT has no expiry (exp)")
    else:
        try:
            exp = int(float(claims["exp"]))
            start = int(float(claims.get("iat", time.time())))
            if exp - start > ONE_YEAR_SECONDS:
                reasons.append("its JWT lives longer than a year")
        except ValueError:
            pass
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
        if family.lifetime.value == "no-expiry":
            reasons.append("never expires")
        claims = dict(credential.claims)
        if claims:
            jwt_reasons = _jwt_reasons(claims)
            if any("role" in r for r in jwt_reasons):
                severity = Severity.HIGH
            reasons.extend(jwt_reasons)
        if not reasons:
            continue
        server = credential.server.name if credential.server else None
        yield Finding(
            rule_id=RULE.id,
            severity=severity,
            message=(
                f"{family.name} ({credential.preview}) " + ", ".join(reasons)
                + f". {family.remediation.strip()}"
            ),
            location=credential.location,
            server=server,
            client=credential.config.client,
            subject_key=credential.fingerprint,
            properties=(("fingerprint", credential.fingerprint), ("preview", credential.preview),
                        ("family", family.id), ("grants", family.grants.value),
                        ("lifetime", family.lifetime.value)),
        )
