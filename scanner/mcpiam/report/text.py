"""The default, human-readable report: findings grouped by file, one greppable line each.

Each finding reads ``path:line:col: severity rule-id message``, a form editors and terminals turn
into a link; further findings about the same value follow on indented lines under that one
location, and related locations follow a finding, indented. Notes about the input follow the findings of
their file (warnings always, info only when verbose); a summary line ends the report. This module
imports nothing heavy: it is the pre-commit path.
"""

from __future__ import annotations

from collections import defaultdict
from types import MappingProxyType

from mcpiam.core.document import Span
from mcpiam.core.findings import Finding, Severity
from mcpiam.report._shared import (
    SEVERITIES_DESCENDING,
    clean,
    defined_server_count,
    ordered_configs,
    ordered_findings,
    ordered_notes,
    ordered_related,
    plural,
    severity_counts,
)
from mcpiam.core.notes import GIT_IGNORED_NOTE, Note
from mcpiam.engine.result import ScanResult

# SGR codes; applied only when the caller asks for colour (it checks the TTY and NO_COLOR).
_SEVERITY_STYLE = MappingProxyType({
    Severity.CRITICAL: "1;35",
    Severity.HIGH: "1;31",
    Severity.MEDIUM: "33",
    Severity.LOW: "36",
    Severity.INFO: "2",
})
_NOTE_STYLE = MappingProxyType({"warning": "33", "info": "2"})
_BOLD = "1"
_DIM = "2"
_GREEN = "32"


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{style}m{text}\x1b[0m" if color and style else text


def _position(path: str, span: Span | None) -> str:
    if span is None:
        return clean(path)
    return f"{clean(path)}:{span.start_line}:{span.start_column}"


def _finding_lines(finding: Finding, color: bool, same_place: bool = False) -> list[str]:
    """A finding's line; under the previous finding's location when it reports the same value."""
    location = finding.location
    head = "   " if same_place else _paint(_position(location.path, location.span) + ":", _BOLD, color)
    severity = _paint(finding.severity.value, _SEVERITY_STYLE[finding.severity], color)
    lines = [f"{head} {severity} {clean(finding.rule_id)} {clean(finding.message)}"]
    for related in ordered_related(finding.related):
        where = _position(related.path, related.span)
        pointer = f" {clean(related.pointer)}" if related.pointer else ""
        lines.append(_paint(f"    related: {where}{pointer}", _DIM, color))
    return lines


def _note_line(note: Note, color: bool) -> str:
    head = _paint(_position(note.path, note.span) + ":", _BOLD, color)
    level = _paint(note.level, _NOTE_STYLE.get(note.level, ""), color)
    return f"{head} {level} [{clean(note.code)}] {clean(note.message)}"


def _summary(result: ScanResult, hidden_notes: int, color: bool) -> str:
    configs = plural(len(result.configs), "config file")
    servers = plural(defined_server_count(result.configs), "server")
    scope = f"in {configs}, {servers}; fail-on: {result.fail_on.value}"
    if result.findings:
        counts = severity_counts(result.findings)
        by_severity = ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES_DESCENDING if counts[s])
        failing = len(result.failing)
        line = f"{plural(len(result.findings), 'finding')} ({by_severity}) {scope} ({failing} failing)"
        line = _paint(line, _SEVERITY_STYLE[Severity.HIGH] if failing else _BOLD, color)
    else:
        line = _paint(f"No findings {scope}", _GREEN, color)
    if result.policy is not None:
        line += f"; policy: {clean(result.policy)}"
        if result.allowlisted:
            line += f" ({plural(result.allowlisted, 'finding')} allow-listed)"
    git_ignored = sum(1 for note in result.notes if note.code == GIT_IGNORED_NOTE)
    if git_ignored:
        line += f"; {plural(git_ignored, 'git-ignored MCP config')} not read (--include-ignored reads them)"
    if hidden_notes:
        line += f"; {plural(hidden_notes, 'info note')} hidden (shown in verbose mode)"
    return line + _triage_summary(result)


def _triage_summary(result: ScanResult) -> str:
    """What suppressions and the baseline set aside, and the baseline entries that went stale."""
    triage = result.triage
    if not triage.active:
        return ""
    parts = []
    if triage.baseline is not None:
        parts.append(f"{len(triage.baselined)} baselined")
    if triage.suppressed:
        parts.append(f"{len(triage.suppressed)} suppressed")
    if not triage.ignores:
        parts.append("suppressions off (--no-ignores)")
    lines = ["; " + ", ".join(parts) if parts else ""]
    if triage.stale:
        lines.append(f"\n{plural(len(triage.stale), 'stale baseline entry', 'stale baseline entries')} "
                     "(no longer found; `mcpiam baseline update` drops them):")
        for entry in sorted(triage.stale, key=lambda e: (e.path, e.rule_id, e.route)):
            lines.append(f"\n    {clean(entry.path)} {clean(entry.rule_id)} {clean(entry.route) or '/'}")
    lines += [f"\nwarning: {clean(warning)}" for warning in triage.warnings]
    return "".join(lines)


def render(result: ScanResult, *, color: bool = False, verbose: bool = False) -> str:
    """The text report; ``verbose`` adds info-level notes, ``color`` adds ANSI styling."""
    findings_by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in ordered_findings(result.findings):
        findings_by_path[finding.location.path].append(finding)
    notes_by_path: dict[str, list[Note]] = defaultdict(list)
    hidden = 0
    for note in ordered_notes(result.notes):
        if note.level == "info" and not verbose:
            hidden += 1
            continue
        notes_by_path[note.path].append(note)

    headers: dict[str, str] = {}
    for config in ordered_configs(result.configs):
        headers.setdefault(config.path, f"{clean(config.path)} ({clean(config.client)}, {config.scope.value})")

    blocks: list[str] = []
    for path in sorted(set(findings_by_path) | set(notes_by_path)):
        lines = [_paint(headers.get(path, clean(path)), _BOLD + ";4", color)]
        # Several rules about one value share its location line (the value is shown once).
        by_place: dict[Span | None, list[Finding]] = {}
        for finding in findings_by_path[path]:
            by_place.setdefault(finding.location.span, []).append(finding)
        for place_findings in by_place.values():
            for index, finding in enumerate(place_findings):
                lines += _finding_lines(finding, color, same_place=index > 0)
        lines += [_note_line(note, color) for note in notes_by_path[path]]
        blocks.append("\n".join(lines))
    blocks.append(_summary(result, hidden, color))
    return "\n\n".join(blocks)
