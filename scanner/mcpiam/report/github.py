"""GitHub Actions annotations (``--format github``): one workflow command per finding at or above
``--fail-on`` (``::error file=F,line=L,col=C,...::message``), which GitHub shows on the pull
request's diff without code scanning. GitHub keeps at most 10 error annotations per step, so the
most severe come first and a notice counts the ones left out.

The same lines are rendered from a scan result or from a SARIF file mcpiam wrote (the Action
scans once, writes SARIF, and annotates from it: ``python -m mcpiam.report.github SARIF FAIL_ON``).
Every string from the input passes the output gate, then GitHub's workflow-command escaping.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote

from mcpiam.core.findings import Severity
from mcpiam.core.redact import shown_on_terminal
from mcpiam.core.valuetype import dataclass
from mcpiam.engine.result import ScanResult

# "Each step can create up to 10 warning annotations and 10 error annotations" (GitHub Actions
# limits); lines past that are dropped silently by the runner, so the report stops before them.
ANNOTATION_LIMIT = 10
TITLE = "mcpiam"
SARIF_SIZE_LIMIT = 1 << 30  # far above any report; a larger file is refused, never read whole


@dataclass(frozen=True, slots=True)
class Annotation:
    """One finding as GitHub needs it: where, how severe, which rule, what to say."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Severity
    rule_id: str
    message: str


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``escapeProperty``): also ``:`` and ``,``, which
    would end the property list or the property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_line(annotation: Annotation) -> str:
    properties = {
        "file": annotation.path,
        "line": str(annotation.line),
        "col": str(annotation.column),
        "endLine": str(annotation.end_line),
        "endColumn": str(annotation.end_column),
        "title": f"{TITLE} {annotation.rule_id} ({annotation.severity.value})",
    }
    listed = ",".join(f"{key}={escape_property(shown_on_terminal(value))}" for key, value in properties.items())
    return f"::error {listed}::{escape_data(shown_on_terminal(annotation.message))}"


def annotation_lines(annotations: Iterable[Annotation], fail_on: Severity) -> list[str]:
    """The error commands for the annotations at or above ``fail_on``, most severe first, at most
    ``ANNOTATION_LIMIT``; then one notice counting any left out."""
    failing = sorted((a for a in annotations if a.severity.rank >= fail_on.rank),
                     key=lambda a: (-a.severity.rank, a.path, a.line, a.column, a.rule_id, a.message))
    lines = [command_line(annotation) for annotation in failing[:ANNOTATION_LIMIT]]
    left_out = len(failing) - ANNOTATION_LIMIT
    if left_out > 0:
        lines.append(f"::notice title={TITLE}::{len(failing)} findings at or above {fail_on.value}; "
                     f"GitHub shows {ANNOTATION_LIMIT} annotations per step, so {left_out} more are "
                     "only in the report (the log, the SARIF file or code scanning).")
    return lines


def render(result: ScanResult, *, color: bool = False, verbose: bool = False) -> str:
    """``--format github``: the annotations of a scan result (no colour, no notes: the runner reads
    these lines, people read the annotations)."""
    del color, verbose
    annotations = [
        Annotation(finding.location.path, finding.location.span.start_line, finding.location.span.start_column,
                   finding.location.span.end_line, finding.location.span.end_column, finding.severity,
                   finding.rule_id, finding.full_message)
        for finding in result.findings
    ]
    return "\n".join(annotation_lines(annotations, result.fail_on))


def annotations_from_sarif(log: dict) -> list[Annotation]:
    """The findings of a SARIF log written by ``mcpiam scan --format sarif`` (severity in each
    result's properties; URIs relative to the scan root, percent-encoded)."""
    found = []
    for run in log.get("runs", []):
        for result in run.get("results", []):
            location = result["locations"][0]["physicalLocation"]
            region = location["region"]
            column = region.get("startColumn", 1)  # a file-level place (history gone from HEAD): line 1
            found.append(Annotation(
                unquote(location["artifactLocation"]["uri"]), region["startLine"], column,
                region.get("endLine", region["startLine"]), region.get("endColumn", column + 1),
                Severity.parse(result["properties"]["severity"]), result["ruleId"], result["message"]["text"],
            ))
    return found


def main(argv: Sequence[str]) -> int:
    """``python -m mcpiam.report.github SARIF FAIL_ON``: print the annotations of a SARIF file."""
    if len(argv) != 2:
        print("usage: python -m mcpiam.report.github SARIF_FILE FAIL_ON", file=sys.stderr)
        return 2
    from mcpiam.core.safe_open import Refusal, read_prefix

    shown_path = shown_on_terminal(argv[0])
    try:
        fail_on = Severity.parse(argv[1])
    except ValueError:
        print(f"mcpiam: error: unknown severity {shown_on_terminal(argv[1])!r}", file=sys.stderr)
        return 2
    data = read_prefix(Path(argv[0]), SARIF_SIZE_LIMIT, whole=True)
    if isinstance(data, Refusal):
        print(f"mcpiam: error: cannot read {shown_path}: {data.message}", file=sys.stderr)
        return 2
    try:
        annotations = annotations_from_sarif(json.loads(data))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        print(f"mcpiam: error: {shown_path} is not a SARIF file written by mcpiam scan", file=sys.stderr)
        return 2
    lines = annotation_lines(annotations, fail_on)
    if lines:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
