"""Helpers every renderer shares: canonical ordering, counts and terminal-safe text."""

from __future__ import annotations

from collections.abc import Iterable

from mcpiam.core.document import format_route
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.core.redact import shown_on_terminal
from mcpiam.model.servers import ConfigFile, Server
from mcpiam.core.notes import Note

# Highest first: the order counts are listed in.
SEVERITIES_DESCENDING: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))

SHORT_FINGERPRINT = 8  # hex digits of a fingerprint the text report shows (the policy takes all 32)


def short_fingerprint(finding: Finding) -> str:
    """The start of a finding's fingerprint, enough to tell findings apart and find one in JSON."""
    return finding.fingerprint[:SHORT_FINGERPRINT]


def clean(text: str) -> str:
    """``text`` through the one output gate (``mcpiam.core.redact``), terminal-safe: token-shaped
    words withheld, undecodable bytes, control and bidi-override characters shown as escapes."""
    return shown_on_terminal(text)


def _in_report_order(items: Iterable) -> Iterable | None:
    """The items in report order when the sequence knows it (engine.packed.Packed), else None."""
    in_report_order = getattr(items, "in_report_order", None)
    return in_report_order() if in_report_order is not None else None


def ordered_findings(findings: Iterable[Finding]) -> Iterable[Finding]:
    """Findings in report order: path, position, rule, message; the fingerprint breaks ties.
    A large scan's packed findings that are in that order already are read as they are, one
    file at a time (``mcpiam.engine.packed``), instead of all sorted in memory."""
    presorted = _in_report_order(findings)
    if presorted is not None:
        return presorted
    return sorted(findings, key=lambda f: (*f.sort_key(), f.severity.rank, f.fingerprint))


def ordered_related(locations: Iterable[Location]) -> list[Location]:
    """Related locations by path and position, so a rule's iteration order never shows."""
    return sorted(locations, key=lambda loc: (loc.path, loc.span, loc.pointer))


def note_sort_key(note: Note) -> tuple:
    span = note.span
    position = (span.start_line, span.start_column, span.end_line, span.end_column) if span else (0, 0, 0, 0)
    return (note.path, position, note.level, note.code, note.message)


def ordered_notes(notes: Iterable[Note]) -> list[Note]:
    return sorted(notes, key=note_sort_key)


def ordered_configs(configs: Iterable[ConfigFile]) -> Iterable[ConfigFile]:
    presorted = _in_report_order(configs)
    if presorted is not None:
        return presorted
    return sorted(configs, key=lambda c: (c.path, c.client, c.file_kind, c.absolute_path))


def ordered_servers(servers: Iterable[Server]) -> list[Server]:
    return sorted(servers, key=lambda s: (s.name_span, s.name, format_route(s.route)))


def defined_server_count(configs: Iterable[ConfigFile]) -> int:
    """Servers the configs define; reference-only entries (a name pointing elsewhere) are not counted."""
    return sum(1 for config in configs for server in config.servers if not server.reference_only)


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = {severity: 0 for severity in SEVERITIES_DESCENDING}
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"
