"""The default, human-readable report: each finding with the source line it points at.

A finding opens with ``path:line:col: severity rule-id [fingerprint]`` (a form editors and
terminals turn into a link), then the source line with a caret under the value, the message,
``help:`` with the remedy and the command that explains the rule. Further findings about the same
value follow under that one location and source line. The source line passes the output gate
word by word, and every credential the scan found on it is shown as ``***``, whole; it is cut
around the caret to the width given. ``concise`` keeps the older form, one greppable line per
finding (``path:line:col: severity rule-id message``), for logs and editors.

Notes about the input follow the findings of their file (warnings always, info only when
verbose); a summary line ends the report. This module imports nothing heavy: it is the
pre-commit path.
"""

from __future__ import annotations

from collections import defaultdict
from types import MappingProxyType

from mcpiam.core.document import Document, Span
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.core.redact import REDACTED, shown_pieces
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
    short_fingerprint,
)
from mcpiam.core.notes import GIT_IGNORED_NOTE, UNOWNED_SERVERS_NOTE, Note
from mcpiam.engine.result import ScanResult

# When the output is no terminal (a file, a pipe, CI logs): wide enough for most source lines.
DEFAULT_WIDTH = 100
_NARROWEST = 40  # below this a cut source line says too little; wider output wraps instead
_TAB = "    "  # a tab in a source line, shown as spaces so the caret lines up

# SGR codes; applied only when the caller asks for colour (it checks the terminal and the
# NO_COLOR / FORCE_COLOR conventions).
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
_HELP = "1;36"


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{style}m{text}\x1b[0m" if color and style else text


def _position(path: str, span: Span | None) -> str:
    if span is None:
        return clean(path)
    return f"{clean(path)}:{span.start_line}:{span.start_column}"


# --- the source line under a finding -------------------------------------------------------------


def _masks_on_line(secrets: list[Span], line: int) -> list[tuple[int, int | None]]:
    """The 0-based column ranges of the credentials on ``line`` (end None: to the end of the
    line, for a secret that goes on to the next one)."""
    ranges = []
    for span in secrets:
        if span.start_line <= line <= span.end_line:
            start = span.start_column - 1 if span.start_line == line else 0
            ranges.append((start, span.end_column - 1 if span.end_line == line else None))
    return ranges


def shown_source_line(text: str, masks: list[tuple[int, int | None]]) -> tuple[str, list[int], list[int]]:
    """``text`` as the report shows it: each masked range as one ``***``, the rest through the
    output gate word by word, tabs as spaces. With it, for each character of ``text``, where its
    shown form starts and ends, so a caret can be placed under any input column."""
    masked = [False] * len(text)
    for start, end in masks:
        for column in range(max(start, 0), min(len(text) if end is None else end, len(text))):
            masked[column] = True
    parts: list[str] = []
    starts = [0] * (len(text) + 1)
    ends = [0] * (len(text) + 1)
    position = 0
    run_start = 0
    while run_start < len(text):
        run_end = run_start
        while run_end < len(text) and masked[run_end] == masked[run_start]:
            run_end += 1
        pieces = [(text[run_start:run_end], REDACTED)] if masked[run_start] else \
            shown_pieces(text[run_start:run_end])
        index = run_start
        for raw, out in pieces:
            out = _TAB if raw == "\t" else out
            if out == raw:  # shown as written: each character keeps its own place
                starts[index:index + len(raw)] = range(position, position + len(raw))
                ends[index:index + len(raw)] = range(position + 1, position + len(raw) + 1)
            else:  # a secret, withheld word or escape: each character maps to the whole replacement
                starts[index:index + len(raw)] = [position] * len(raw)
                ends[index:index + len(raw)] = [position + len(out)] * len(raw)
            parts.append(out)
            position += len(out)
            index += len(raw)
        run_start = run_end
    starts[len(text)] = ends[len(text)] = position
    return "".join(parts), starts, ends


def _caret_range(span: Span, line: int, length: int, starts: list[int], ends: list[int]) -> tuple[int, int]:
    """Where the caret runs on the shown line: from the value's first column to its last on this
    line (the line's end when it goes on), at least one character wide."""
    first = min(max(span.start_column - 1, 0), length)
    last = length if span.end_line != line else min(max(span.end_column - 1, first + 1), length)
    begin = starts[first]
    finish = ends[last - 1] if last > first else begin + 1
    return begin, max(finish, begin + 1)


def _cut(shown: str, begin: int, finish: int, room: int) -> tuple[str, int, int]:
    """The shown line cut to ``room`` characters around the caret, each cut marked with ``…``."""
    if len(shown) <= room:
        return shown, begin, finish
    keep = room - 2
    left = max(0, min(begin - keep // 3, len(shown) - keep))
    prefix = "…" if left > 0 else ""
    suffix = "…" if left + keep < len(shown) else ""
    window = shown[left:left + keep]
    begin = begin - left + len(prefix)
    finish = min(finish - left, keep) + len(prefix)
    return prefix + window + suffix, begin, max(finish, begin + 1)


_WORD_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_LONGEST_WORD_KEPT = 256  # a word cut by the window and longer than this is left out, not cut


def _window(text: str, first: int, last: int, room: int) -> tuple[int, int]:
    """The part of a long line worth gating: ``room`` characters either side of the value, moved
    out to whole words, since the gate judges a whole word (a token cut in two could pass it as
    two harmless halves). A word longer than ``_LONGEST_WORD_KEPT`` at an edge is left out."""
    start, end = max(0, first - room), min(len(text), last + room)
    if 0 < start < len(text) and text[start] in _WORD_CHARACTERS and text[start - 1] in _WORD_CHARACTERS:
        reach = start
        while reach > 0 and start - reach < _LONGEST_WORD_KEPT and text[reach - 1] in _WORD_CHARACTERS:
            reach -= 1
        if reach > 0 and text[reach - 1] in _WORD_CHARACTERS:  # too long: skip the word instead
            while start < first and text[start] in _WORD_CHARACTERS:
                start += 1
        else:
            start = reach
    if 0 < end < len(text) and text[end] in _WORD_CHARACTERS and text[end - 1] in _WORD_CHARACTERS:
        reach = end
        while reach < len(text) and reach - end < _LONGEST_WORD_KEPT and text[reach] in _WORD_CHARACTERS:
            reach += 1
        if reach < len(text) and text[reach] in _WORD_CHARACTERS:
            while end > last and text[end - 1] in _WORD_CHARACTERS:
                end -= 1
        else:
            end = reach
    return start, end


def _snippet(lines: list[str] | None, span: Span, secrets: list[Span], width: int,
             style: str, color: bool) -> list[str]:
    """The source line a finding points at, with a caret under the value; nothing when the line
    is not known (the file was not read as text)."""
    line = span.start_line
    if lines is None or not 1 <= line <= len(lines):
        return []
    text = lines[line - 1]
    gutter = " " * len(str(line))
    room = max(width - len(gutter) - 3, _NARROWEST)
    first = min(max(span.start_column - 1, 0), len(text))
    last = len(text) if span.end_line != line else min(max(span.end_column - 1, first + 1), len(text))
    start, end = _window(text, first, last, room)
    masks = [(mask_start - start, None if mask_end is None else mask_end - start)
             for mask_start, mask_end in _masks_on_line(secrets, line)]
    shown, starts, ends = shown_source_line(text[start:end], masks)
    moved = Span(1, span.start_column - start, 1 if span.end_line == line else 2, span.end_column - start)
    begin, finish = _caret_range(moved, 1, end - start, starts, ends)
    if start > 0:
        shown, begin, finish = "…" + shown, begin + 1, finish + 1
    if end < len(text):
        shown += "…"
    shown, begin, finish = _cut(shown.rstrip(), begin, finish, room)
    bar = _paint("|", _DIM, color)
    caret = " " * begin + _paint("^" * (finish - begin), style, color)
    # The source line and its caret only: the location line above already opens the finding, and
    # a first run should fit on a screen (issue 16: the demo in fewer than 20 lines).
    return [f"{_paint(str(line), _DIM, color)} {bar} {shown}".rstrip(), f"{gutter} {bar} {caret}"]


def _source_lines(document: Document) -> list[str] | None:
    """The document's lines as spans count them (split at ``\n``, a ``\r`` before it dropped)."""
    if document.text is None:
        return None
    return [line.removesuffix("\r") for line in document.text.split("\n")]


def _wrapped(text: str, first: str, rest: str, width: int) -> list[str]:
    """``text`` broken at spaces to ``width`` (a word longer than that stays whole)."""
    lines: list[str] = []
    current = first
    bare = True  # nothing after the prefix yet
    for word in text.split(" "):
        if not bare and len(current) + 1 + len(word) > width:
            lines.append(current)
            current, bare = rest + word, False
            continue
        current += word if bare else " " + word
        bare = False
    lines.append(current)
    return lines


def _finding_block(finding: Finding, color: bool, width: int, first_at_place: bool,
                   snippet: list[str]) -> list[str]:
    """A finding in the full form; the location line and source line only for the first finding
    about a value (later ones follow under them, opened by ``+``)."""
    style = _SEVERITY_STYLE[finding.severity]
    severity = _paint(finding.severity.value, style, color)
    title = f"{severity} {clean(finding.rule_id)} [{short_fingerprint(finding)}]"
    lines: list[str] = []
    if first_at_place:
        location = finding.location
        lines.append(f"{_paint(_position(location.path, location.span) + ':', _BOLD, color)} {title}")
        lines += snippet
    else:
        lines.append(f"  + {title}")
    lines += _wrapped(clean(finding.message), "  = ", "    ", width)
    if finding.help:
        remedy = _wrapped(clean(finding.help), "  = help: ", "    ", width)
        remedy[0] = "  = " + _paint("help:", _HELP, color) + remedy[0][len("  = help:"):]
        lines += remedy
    for related in ordered_related(finding.related):
        where = _position(related.path, related.span)
        pointer = f" {clean(related.pointer)}" if related.pointer else ""
        lines.append(_paint(f"  = related: {where}{pointer}", _DIM, color))
    lines.append(_paint(f"  = see: mcpiam explain {clean(finding.rule_id)}", _DIM, color))
    return lines


def _concise_lines(finding: Finding, color: bool, same_place: bool = False) -> list[str]:
    """A finding's one line; under the previous finding's location when it reports the same value."""
    location = finding.location
    head = "   " if same_place else _paint(_position(location.path, location.span) + ":", _BOLD, color)
    severity = _paint(finding.severity.value, _SEVERITY_STYLE[finding.severity], color)
    lines = [f"{head} {severity} {clean(finding.rule_id)} {clean(finding.full_message)}"]
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


def summary_line(result: ScanResult) -> str:
    """The report's summary line without colour and without the triage details that follow it
    (what ``-o FILE`` echoes on standard error)."""
    return _summary(result, 0, False).split("\n", 1)[0]


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


def _secret_spans(locations: tuple[Location, ...]) -> dict[str, list[Span]]:
    spans: dict[str, list[Span]] = defaultdict(list)
    for location in locations:
        spans[location.path].append(location.span)
    return spans


def render(result: ScanResult, *, color: bool = False, verbose: bool = False, width: int = DEFAULT_WIDTH,
           concise: bool = False) -> str:
    """The text report; ``verbose`` adds info-level notes, ``color`` adds ANSI styling, ``width``
    is the column count lines are fitted to, ``concise`` gives one line per finding."""
    findings_by_path: dict[str, list[Finding]] = defaultdict(list)
    # Credentials git history holds but the files no longer do (scan --history): grouped apart,
    # under "history", and without a source line (today's line is not the one the commit wrote).
    history_by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in ordered_findings(result.findings):
        if finding.history is not None and not finding.history.present_at_head:
            history_by_path[finding.location.path].append(finding)
        else:
            findings_by_path[finding.location.path].append(finding)
    notes_by_path: dict[str, list[Note]] = defaultdict(list)
    closing_notes: list[Note] = []  # about the whole scan, not one file: shown above the summary
    hidden = 0
    for note in ordered_notes(result.notes):
        if note.code == UNOWNED_SERVERS_NOTE:
            closing_notes.append(note)
            continue
        if note.level == "info" and not verbose:
            hidden += 1
            continue
        notes_by_path[note.path].append(note)

    headers: dict[str, str] = {}
    documents: dict[str, Document] = {}
    for config in ordered_configs(result.configs):
        headers.setdefault(config.path, f"{clean(config.path)} ({clean(config.client)}, {config.scope.value})")
        documents.setdefault(config.path, config.document)
    source_lines: dict[str, list[str] | None] = {}  # split once per file with findings
    # Without the credentials' places no source line is safe to show: the scan did not look.
    secrets = _secret_spans(result.secret_locations) if result.secret_locations is not None else None

    blocks: list[str] = []
    for path in sorted(set(findings_by_path) | set(notes_by_path)):
        lines = [_paint(headers.get(path, clean(path)), _BOLD + ";4", color)]
        # Several rules about one value share its location (and its source line, shown once).
        by_place: dict[Span | None, list[Finding]] = {}
        for finding in findings_by_path[path]:
            by_place.setdefault(finding.location.span, []).append(finding)
        for span, place_findings in by_place.items():
            if concise:
                for index, finding in enumerate(place_findings):
                    lines += _concise_lines(finding, color, same_place=index > 0)
                continue
            if secrets is not None and path not in source_lines:
                source_lines[path] = _source_lines(documents[path]) if path in documents else None
            snippet = [] if secrets is None or span is None else _snippet(
                source_lines[path], span, secrets.get(path, []), width,
                _SEVERITY_STYLE[place_findings[0].severity], color)
            if len(lines) > 1:
                lines.append("")
            for index, finding in enumerate(place_findings):
                lines += _finding_block(finding, color, width, index == 0, snippet)
        if notes_by_path[path] and not concise and len(lines) > 1:
            lines.append("")
        lines += [_note_line(note, color) for note in notes_by_path[path]]
        blocks.append("\n".join(lines))
    if history_by_path:
        covered = result.history
        title = "history" + (f" ({covered.commits} commits read)" if covered is not None else "")
        lines = [_paint(title, _BOLD + ";4", color)]
        for path in sorted(history_by_path):
            for finding in history_by_path[path]:
                if concise:
                    lines += _concise_lines(finding, color, same_place=False)
                else:
                    if len(lines) > 1:
                        lines.append("")
                    lines += _finding_block(finding, color, width, True, [])
        blocks.append("\n".join(lines))
    blocks.extend(clean(note.message) if concise else "\n".join(_wrapped(clean(note.message), "", "  ", width))
                  for note in closing_notes)
    blocks.append(_summary(result, hidden, color))
    return "\n\n".join(blocks)
