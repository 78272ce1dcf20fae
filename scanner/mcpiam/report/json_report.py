"""The JSON report: findings, notes and the server inventory in one versioned document.

The shape is described by ``json-report.schema.json`` beside this module (``version`` 1) and in
``docs/output.md``. Keys are sorted and lists ordered, and nothing time-dependent is written, so
identical input gives byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.core.json_text import dumps_indented
from mcpiam.core.document import Span
from mcpiam.core.findings import Finding, Location
from mcpiam.report._shared import (
    SEVERITIES_DESCENDING,
    defined_server_count,
    ordered_configs,
    ordered_findings,
    ordered_notes,
    ordered_related,
    ordered_servers,
)
from mcpiam.report.frameworks import controls_of
from mcpiam.report.inventory import server_record
from mcpiam.core.notes import Note
from mcpiam.core.redact import shown_data
from mcpiam.engine.result import ScanResult

REPORT_VERSION = 1
TOOL_NAME = "mcpiam"


def _span(span: Span | None) -> dict[str, int | None]:
    if span is None:
        return {"line": None, "column": None, "end_line": None, "end_column": None}
    return {
        "line": span.start_line,
        "column": span.start_column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def _location(location: Location) -> dict[str, object]:
    return {"path": location.path, "route": location.pointer, **_span(location.span)}


def _history(finding: Finding) -> dict[str, object]:
    mark = finding.history
    if mark is None:
        return {}
    return {"history": {
        "commit": mark.commit, "commit_date": mark.commit_date, "present_at_head": mark.present_at_head,
        "commits": mark.commits, "paths": mark.paths,
        "removed_commit": mark.removed_commit, "removed_date": mark.removed_date,
    }}


def _finding(finding: Finding, result: ScanResult) -> dict[str, object]:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "message": finding.full_message,
        **_location(finding.location),
        "server": finding.server,
        "client": finding.client,
        "fingerprint": finding.fingerprint,
        "failing": finding.severity.rank >= result.fail_on.rank,
        "related": [_location(related) for related in ordered_related(finding.related)],
        "properties": dict(finding.properties),
        **_history(finding),
    }


def _note(note: Note) -> dict[str, object]:
    return {"path": note.path, "level": note.level, "code": note.code, "message": note.message, **_span(note.span)}


def _summary(result: ScanResult) -> dict[str, object]:
    by_severity = {severity.value: 0 for severity in SEVERITIES_DESCENDING}
    by_rule = {rule.id: 0 for rule in result.rules}
    for finding in result.findings:
        by_severity[finding.severity.value] += 1
        by_rule[finding.rule_id] = by_rule.get(finding.rule_id, 0) + 1
    notes = {"warning": 0, "info": 0}
    for note in result.notes:
        notes[note.level] = notes.get(note.level, 0) + 1
    return {
        "findings": len(result.findings),
        "by_severity": by_severity,
        "by_rule": by_rule,
        "fail_on": result.fail_on.value,
        "failing": len(result.failing),
        "configs": len(result.configs),
        "servers": defined_server_count(result.configs),
        "files_considered": result.files_considered,
        "notes": notes,
        "policy": result.policy,
        "allowlisted": result.allowlisted,
    }


def _triage(result: ScanResult) -> dict[str, object]:
    triage = result.triage
    return {
        "baseline": triage.baseline,
        "baselined": len(triage.baselined),
        "ignores": triage.ignores,
        "suppressed": len(triage.suppressed),
        "suppressions": [
            {"fingerprint": item.finding.fingerprint, "rule_id": item.finding.rule_id,
             "source": item.source, "reason": item.reason, **_location(item.finding.location)}
            for item in sorted(triage.suppressed, key=lambda item: item.finding.sort_key())
        ],
        "stale_baseline_entries": [
            entry.as_data() for entry in sorted(triage.stale, key=lambda e: (e.path, e.rule_id, e.route))
        ],
        "warnings": list(triage.warnings),
    }


def fingerprint_key_data(key_id: str) -> dict[str, object]:
    """Which key made the credential fingerprints: its identifier (never the key) and whether it is
    the built-in default, which anyone can use to test a guessed secret against a fingerprint."""
    from mcpiam.checks.base import DEFAULT_FINGERPRINT_KEY, key_identifier

    return {"id": key_id, "default": key_id == key_identifier(DEFAULT_FINGERPRINT_KEY)}


def report_data(result: ScanResult) -> dict[str, object]:
    """The report as plain data (what ``render`` serialises)."""
    data = _report_data(result)
    data["findings"] = list(data["findings"])  # type: ignore[call-overload]
    data["configs"] = list(data["configs"])  # type: ignore[call-overload]
    return data


def _report_data(result: ScanResult) -> dict[str, object]:
    """The report with its two long lists, ``findings`` and ``configs``, as generators."""
    data = _report_sections(result)
    if result.triage.active:
        data["triage"] = _triage(result)
    if result.history is not None:
        covered = result.history
        data["history"] = {"commits": covered.commits, "blobs": covered.blobs, "shallow": covered.shallow,
                           "range": covered.revision_range, "since": covered.since,
                           "missing_objects": covered.missing_objects}
    return data


def _report_sections(result: ScanResult) -> dict[str, object]:
    rules = {rule.id: rule for rule in result.rules}
    extra: dict[str, object] = {}
    if result.fingerprint_key_id:
        extra["fingerprint_key"] = fingerprint_key_data(result.fingerprint_key_id)
    return {
        **extra,
        "version": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": result.tool_version},
        "root": result.root,
        "summary": _summary(result),
        "rules": [
            {
                "id": rule.id,
                "severity": rule.severity.value,
                "summary": rule.summary,
                "tags": list(rule.tags),
                "controls": list(controls_of(rule)),
                "precision": rule.precision,
            }
            for rule in sorted(rules.values(), key=lambda r: r.id)
        ],
        "findings": (_finding(finding, result) for finding in ordered_findings(result.findings)),
        "notes": [_note(note) for note in ordered_notes(result.notes)],
        "configs": (
            {
                "path": config.path,
                "client": config.client,
                "kind": config.file_kind,
                "scope": config.scope.value,
                "format": config.document.format,
                "recognised_by": config.recognised_by,
                "servers": [server_record(config, server, result.applied_policy)
                            for server in ordered_servers(config.servers)],
            }
            for config in ordered_configs(result.configs)
        ),
    }


def render(result: ScanResult, *, color: bool = False, verbose: bool = False) -> str:
    """The JSON report; every note is included whatever ``verbose`` says, ``color`` is ignored."""
    return "".join(render_chunks(result))


def render_chunks(result: ScanResult, extra: dict[str, object] | None = None) -> Iterator[str]:
    """The JSON report in pieces, byte for byte ``json.dumps(shown_data(report_data(result)),
    indent=2, sort_keys=True)``: each finding and config is made, passed through the output gate
    and written on its own, so a report of any size is written without being held in memory.
    ``extra``: more top-level keys (a sweep's host and clients)."""
    data = {**_report_data(result), **(extra or {})}
    yield "{"
    for number, key in enumerate(sorted(data)):
        value = data[key]
        yield f'{"," if number else ""}\n  {dumps_indented(key)}: '
        if isinstance(value, Iterator):
            yield from _streamed_list(value)
        else:
            yield _indented(dumps_indented(shown_data(value)), 1)
    yield "\n}"


def _streamed_list(items: Iterator[object]) -> Iterator[str]:
    """A list at depth 1 of the report, one item at a time ("[]" when empty, as json writes it)."""
    first = True
    for item in items:
        yield f'{"[" if first else ","}\n    {_indented(dumps_indented(shown_data(item)), 2)}'
        first = False
    yield "[]" if first else "\n  ]"


def _indented(text: str, depth: int) -> str:
    """JSON text written at the top level, moved ``depth`` levels in (a JSON string holds no newline)."""
    return text.replace("\n", "\n" + "  " * depth)
