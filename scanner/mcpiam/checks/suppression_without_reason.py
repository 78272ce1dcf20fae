"""
## What it flags
An inline suppression comment, `mcpiam: ignore[rule-id]`, that gives no reason after the rule
list. Such a directive is not applied: the finding it meant to hide is still reported.

## Why it matters
A suppression is a decision that a finding is acceptable; without the reason, the next reviewer
cannot tell a known test fixture from a live credential someone wanted to get past a pre-commit
hook. Requiring a reason keeps every exception reviewable in the diff that adds it.

## Example
```yaml
mcpServers:
  tickets:
    # mcpiam: ignore[insecure-transport]
    url: http://tickets.internal.example/mcp
```

## Use instead
```yaml
mcpServers:
  tickets:
    # mcpiam: ignore[insecure-transport] reachable only on the build network, see SEC-142
    url: http://tickets.internal.example/mcp
```

## Options
A directive covers its own line and, when it is on a line of its own, the next line holding a
key or value; several rule ids may be listed (`ignore[embedded-secret, unscoped-token]`).
Directives work in every format with comments (JSONC, YAML, TOML), and in `.json` files too, read
as JSONC; where a client rejects comments, use the policy file's fingerprint list instead.
`--no-ignores` turns every suppression off for audits.

## References
- https://docs.zizmor.sh/usage/#ignoring-results
- https://github.com/Yelp/detect-secrets#inline-allowlisting
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.model.suppressions import directives

RULE = RuleInfo(
    id="suppression-without-reason",
    severity=Severity.LOW,
    summary="An inline mcpiam: ignore[...] suppression gives no reason, so it is not applied.",
    docs=__doc__ or "",
    tags=("hygiene",),
)


def check(scan: ScanInput) -> Iterator[Finding]:
    for config in scan.configs:
        for directive in directives(config.document):
            if directive.has_reason:
                continue
            named = ", ".join(directive.rule_ids) or "no rule"
            yield Finding(
                rule_id=RULE.id,
                severity=RULE.severity,
                message=f"suppression of {named} gives no reason, so it is not applied; "
                        "write why after the rule list",
                location=Location(path=config.path, span=directive.comment.span),
                client=config.client,
                subject_key=",".join(directive.rule_ids),
            )
