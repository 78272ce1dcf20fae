"""
## What it flags
A config file that a client would read (it sits where a client looks, or it was named on the
command line) but that does not parse: a JSON syntax error, invalid YAML or TOML, an alias bomb.
The finding points at the first error; whatever could be recovered from the rest of the file is
still scanned.

## Why it matters
A broken file hides its servers from review: what a client does with it depends on that client's
own parser, and a scanner that stops at the error would miss every secret after it.

## Example
```json
{"mcpServers": {"github": {"command": "npx" "args": []}}}
```

## Use instead
```json
{"mcpServers": {"github": {"command": "npx", "args": []}}}
```

## Options
None. Comments and trailing commas in `.json` files are tolerated (published MCP snippets use
them, and JSONC clients accept them); they are not reported by this rule.

## References
- https://www.rfc-editor.org/rfc/rfc8259
- https://yaml.org/spec/1.2.2/
- https://toml.io/en/v1.0.0
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location, Severity

RULE = RuleInfo(
    id="config-parse-error",
    severity=Severity.MEDIUM,
    summary="An MCP config file does not parse; the scan covers only what could be recovered.",
    docs=__doc__ or "",
    tags=("correctness",),
)


def check(scan: ScanInput) -> Iterator[Finding]:
    for config in scan.configs:
        errors = config.document.errors
        if not errors:
            continue
        first = min(errors, key=lambda p: (p.span.start_line, p.span.start_column))
        more = f" ({len(errors) - 1} more error(s) in this file)" if len(errors) > 1 else ""
        yield Finding(
            rule_id=RULE.id,
            severity=RULE.severity,
            message=f"{config.document.format.upper()} does not parse: {first.message}{more}",
            location=Location(path=config.path, span=first.span),
            client=config.client,
            subject_key=first.code,
        )
