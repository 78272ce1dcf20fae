"""``scan --suggest-allowlist``: the policy entries that would accept the findings shown.

Printed as a YAML ``allowlist:`` block for the policy file (``.mcpiam.yaml``), one entry per
finding with its fingerprint, rule and path, and an empty ``reason`` the user must fill in: the
policy refuses an entry without one, so nothing is accepted without a word on why.
"""

from __future__ import annotations

import json

from mcpiam.engine.result import ScanResult
from mcpiam.report._shared import clean, ordered_findings, plural


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is one)."""
    return json.dumps(text, ensure_ascii=True)


def _portable_path(path: str) -> bool:
    """Whether the finding's path can name it in a policy: relative to the scan root (the policy
    reads it so) and shown as written (the output gate withheld nothing)."""
    return not path.startswith(("/", "~")) and ":" not in path[:3] and clean(path) == path


def render_allowlist(result: ScanResult) -> str:
    findings = ordered_findings(result.findings)
    where = clean(result.policy) if result.policy else ".mcpiam.yaml"
    lines = [
        f"# {plural(len(findings), 'finding')} to accept: add the entries below to `allowlist:` in {where},",
        "# write each one's reason (required), then run `mcpiam policy check`.",
        "allowlist:" if findings else "allowlist: []",
    ]
    for finding in findings:
        location = finding.location
        span = location.span
        lines.append(f"  # {finding.severity.value} {clean(finding.rule_id)} at "
                     f"{clean(location.path)}:{span.start_line}:{span.start_column}")
        lines.append(f"  - fingerprint: {_quoted(finding.fingerprint)}")
        lines.append(f"    rule: {_quoted(finding.rule_id)}")
        if _portable_path(location.path):
            lines.append(f"    path: {_quoted(location.path)}")
        lines.append('    reason: ""')
    return "\n".join(lines)
