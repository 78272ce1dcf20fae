"""
## What it flags
One literal credential (the same value, recognised by its keyed fingerprint) used by more than
one server entry, config file or client in the scan: a GitHub token pasted into the project's
`.mcp.json`, its `.vscode/mcp.json` and a Continue block; one database password in the
connection strings of two different servers. There is one finding per reused credential, at its
first occurrence, with every other occurrence as a related location. The message counts the
servers, files and clients that share it and never shows the value.

## Why it matters
A credential shared by several servers has several blast radii: a leak from any one of them (a
log, a prompt-injected tool, a compromised package) exposes all of them, the audit trail cannot
tell which server acted, and the credential cannot be revoked for one server without breaking
the others. This is NHI reuse.

## Example
```json
{"mcpServers": {
  "orders-db": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres",
                "postgresql://orders_ro:vT8qLw2Zr5Nx@orders.db.internal/orders"]},
  "billing-db": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres",
                 "postgresql://billing_ro:vT8qLw2Zr5Nx@billing.db.internal/billing"]}}}
```

## Use instead
Give each server its own credential, scoped to what that server does, and keep it out of the
file:
```json
{"mcpServers": {
  "orders-db": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres",
                "postgresql://orders_ro:${env:ORDERS_DB_PASSWORD}@orders.db.internal/orders"]},
  "billing-db": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres",
                 "postgresql://billing_ro:${env:BILLING_DB_PASSWORD}@billing.db.internal/billing"]}}}
```

## Options
`--fingerprint-key` (or `MCPIAM_FINGERPRINT_KEY`): credentials are compared by an HMAC-SHA256
fingerprint, so reuse is found without the values leaving memory; one organisation-wide key
makes the fingerprints comparable across machines (`mcpiam merge`).

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/9-nhi-reuse/
- https://owasp.org/www-project-non-human-identities-top-10/2025/2-secret-leakage/
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity

RULE = RuleInfo(
    id="shared-credential",
    severity=Severity.HIGH,
    summary="One credential is used by several servers, config files or clients.",
    docs=__doc__ or "",
    tags=("secret", "identity"),
    controls=("OWASP-NHI9", "OWASP-NHI2", "OWASP-ASI03"),
    needs_credentials=True,
    cross_file=True,
)

NAMES_SHOWN = 5


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check(scan: ScanInput) -> Iterator[Finding]:
    groups: dict[str, list] = defaultdict(list)
    for credential in scan.credentials:
        groups[credential.fingerprint].append(credential)
    for fingerprint, group in groups.items():
        occurrences = {(c.config.path, c.span): c for c in group}  # one per place written
        ordered = sorted(occurrences.values(), key=lambda c: (c.config.path, c.span))
        holders = {(c.config.path, c.server.route if c.server else None) for c in ordered}
        files = {c.config.path for c in ordered}
        clients = {c.config.client for c in ordered}
        if len(holders) < 2 and len(files) < 2 and len(clients) < 2:
            continue
        first = ordered[0]
        label = next((c.label for c in ordered if c.family is not None), first.label)
        servers = sorted({f"'{c.server.name}' ({c.config.path})" for c in ordered if c.server})
        named = ", ".join(servers[:NAMES_SHOWN]) + (", …" if len(servers) > NAMES_SHOWN else "")
        yield Finding(
            rule_id=RULE.id,
            severity=RULE.severity,
            message=(
                f"The same {label} ({first.preview}) is used by {_plural(len(holders), 'server')} in "
                f"{_plural(len(files), 'file')} across {_plural(len(clients), 'client')}"
                + (f": {named}" if named else "")
                + ". A leak from any of them exposes all, and it cannot be revoked for one without "
                "breaking the others."
            ),
            help="Give each server its own scoped credential.",
            location=first.location,
            related=tuple(
                c.location for c in ordered[1:]
            ),
            server=first.server.name if first.server else None,
            client=first.config.client,
            subject_key=fingerprint,
            properties=(("fingerprint", fingerprint), ("preview", first.preview),
                        ("servers", str(len(holders))), ("files", str(len(files))),
                        ("clients", str(len(clients)))),
        )
