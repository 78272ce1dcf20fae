"""``--summary frameworks``: findings counted per control of the OWASP NHI and Agentic Top 10s, CSA
MAESTRO, the NIST AI RMF and NIST CSF 2.0 (``frameworks.yaml``)."""

from __future__ import annotations


from mcpiam.core.json_text import dumps_indented
from mcpiam.core.redact import shown_data
from mcpiam.report.frameworks import summarise
from mcpiam.engine.result import ScanResult


def framework_summary_text(result: ScanResult) -> str:
    counts = summarise(result.findings, result.rules)
    header = ("Control", "Title", "Findings", "By severity", "Rules")
    rows = [
        (
            count.control.code,
            count.control.title,
            str(count.findings),
            ", ".join(f"{n} {severity.value}" for severity, n in count.by_severity) or "-",
            ", ".join(count.rules),
        )
        for count in counts
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    frameworks = sorted({count.control.framework for count in counts})
    lines += ["", f"{len(result.findings)} findings; controls from: {'; '.join(frameworks)}."]
    return "\n".join(lines) + "\n"


def framework_summary_json(result: ScanResult) -> str:
    counts = summarise(result.findings, result.rules)
    document = {
        "version": 1,
        "summary": "frameworks",
        "findings": len(result.findings),
        "controls": [
            {
                "id": count.control.id,
                "code": count.control.code,
                "title": count.control.title,
                "framework": count.control.framework,
                "url": count.control.url,
                "findings": count.findings,
                "by_severity": {severity.value: n for severity, n in count.by_severity},
                "rules": list(count.rules),
            }
            for count in counts
        ],
    }
    return dumps_indented(shown_data(document)) + "\n"
