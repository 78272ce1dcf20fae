"""The usage view of a sweep's activity records: the ``activity`` object of the JSON report and
the text tables of ``mcpiam activity`` and ``mcpiam sweep --activity``.

Names, counts, times, outcomes, paths and positions only (nothing else is in the usage model);
every string passes the one output gate (``shown_data`` for JSON, ``clean`` for text).
"""

from __future__ import annotations

from collections.abc import Sequence

from mcpiam.activity.calls import iso
from mcpiam.activity.usage import Usage
from mcpiam.core.json_text import dumps_indented
from mcpiam.core.redact import shown_data
from mcpiam.report._shared import clean, plural


def activity_data(usage: Usage) -> dict[str, object]:
    """The ``activity`` object of a JSON report (json-report.schema.json, ``$defs/activity``)."""
    return {
        "window": {"from": iso(usage.window_from), "to": iso(usage.window_to)},
        "tools": [{
            "client": tool.client, "server": tool.server, "tool": tool.tool, "calls": tool.calls,
            "first_seen": iso(tool.first_seen), "last_seen": iso(tool.last_seen),
            "projects": list(tool.projects), "sessions": tool.sessions, "outcomes": dict(tool.outcomes),
        } for tool in usage.tools],
        "servers": [{
            "client": server.client, "server": server.server, "config_file": server.config_file,
            "status": server.status, "calls": server.calls, "last_seen": iso(server.last_seen),
        } for server in usage.servers],
    }


def activity_json(usage: Usage) -> str:
    return dumps_indented(shown_data({"activity": activity_data(usage)}))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    cells = [list(header)] + [[clean(cell) for cell in row] for row in rows]
    widths = [max(len(row[index]) for row in cells) for index in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]


def activity_text(usage: Usage) -> str:
    """The usage view: servers with their status, then tools with their outcomes."""
    start = iso(usage.window_from) or "the first record"
    lines = [f"Activity from {start} to {iso(usage.window_to)}: "
             f"{plural(len(usage.servers), 'server')}, "
             f"{plural(sum(tool.calls for tool in usage.tools), 'MCP tool call')}"]
    if not usage.servers:
        lines.append("No activity record with an MCP tool call was found.")
        return "\n".join(lines)
    lines.append("")
    lines += _table(("CLIENT", "SERVER", "STATUS", "CALLS", "30 D", "LAST SEEN", "CONFIG"), [
        (server.client, server.server, server.status, str(server.calls), str(server.recent_calls),
         iso(server.last_seen) or "-", server.config_file or "(none)")
        for server in usage.servers])
    if usage.tools:
        lines.append("")
        lines += _table(("CLIENT", "SERVER", "TOOL", "CALLS", "OK", "ERROR", "DENIED", "SESSIONS", "LAST SEEN",
                         "PROJECTS"), [
            (tool.client, tool.server, tool.tool, str(tool.calls), *(str(count) for _, count in tool.outcomes),
             str(tool.sessions), iso(tool.last_seen) or "-", ", ".join(tool.projects) or "-")
            for tool in usage.tools])
    return "\n".join(lines)
