"""
## What it flags
An inline suppression comment, `mcpiam: ignore[rule-id] reason`, that names a rule mcpiam does not
have: a typo (`insecure-transprot`), a rule id from another tool, or an old name. The directive
suppresses nothing for that id; when a known rule id is close, the message suggests it.

## Why it matters
A misspelt suppression looks like a reviewed exception in the diff, yet the finding it meant to
accept is still reported, or, worse, the author believes a finding is accepted that never was.
Reporting it turns a silent no-op into a fix of one word.

## Example
```yaml
mcpServers:
  tickets:
    # mcpiam: ignore[insecure-transprot] reachable only on the build network, see SEC-142
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
`mcpiam rules` lists the rule ids a directive may name. A directive naming several rules is
applied for the known ones; each unknown one is reported. A name that is not shaped like a rule id
(lower-case words joined by hyphens) is not repeated in the message, since it could be anything
pasted into the comment.

## References
- https://docs.zizmor.sh/usage/#ignoring-results
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.model.suppressions import directives

RULE = RuleInfo(
    id="unknown-rule-in-suppression",
    severity=Severity.LOW,
    summary="An inline mcpiam: ignore[...] suppression names a rule that does not exist, so it suppresses nothing.",
    docs=__doc__ or "",
    tags=("hygiene",),
)

# Only a name shaped like a rule id is echoed: a comment may hold anything, a credential included.
_RULE_ID_SHAPE = lazy_compile(r"[a-z0-9]+(?:-[a-z0-9]+){0,7}")


def _known_rule_ids() -> tuple[str, ...]:
    from mcpiam.checks import all_rules  # the registry imports the rule modules: read it at run time

    return tuple(rule.info.id for rule in all_rules())


def _message(unknown: str, known: tuple[str, ...]) -> str:
    if _RULE_ID_SHAPE.fullmatch(unknown) is None:
        return "suppression names a rule id that does not exist, so it suppresses nothing; see `mcpiam rules`"
    import difflib  # only when a directive is wrong: not a cost on every scan

    close = difflib.get_close_matches(unknown, known, n=1, cutoff=0.75)
    hint = f" (did you mean '{close[0]}'?)" if close else "; see `mcpiam rules`"
    return f"suppression names unknown rule '{unknown}', so it suppresses nothing{hint}"


def check(scan: ScanInput) -> Iterator[Finding]:
    known: tuple[str, ...] | None = None
    for config in scan.configs:
        for directive in directives(config.document):
            if known is None:
                known = _known_rule_ids()
            for rule_id in directive.rule_ids:
                if rule_id in known:
                    continue
                yield Finding(
                    rule_id=RULE.id,
                    severity=RULE.severity,
                    message=_message(rule_id, known),
                    location=Location(path=config.path, span=directive.comment.span),
                    client=config.client,
                    subject_key=rule_id,
                )
