"""What a reader hands on for one recorded MCP tool call: names, ids, time, outcome and position.

Never the call's arguments or result: a reader reads them only to tell the outcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from mcpiam.activity.lines import Line
from mcpiam.core.valuetype import dataclass

SUCCESS, ERROR, DENIED = "success", "error", "denied"
OUTCOMES = (SUCCESS, ERROR, DENIED)

# How a recorded server name relates to the config key (mcpiam.activity.usage maps it back).
EXACT = "exact"  # the config key as written (Claude Code, Codex invocation.server, Gemini displayName)
SANITISED = "sanitised"  # the key with characters outside [A-Za-z0-9_] made "_" (Codex tool names)
JOINED = "joined"  # "mcp_<server>_<tool>" with no way to split it but the config keys (Gemini)


@dataclass(frozen=True, slots=True)
class Call:
    """One MCP tool call as a client recorded it."""

    client: str  # catalogue client id
    server: str  # as recorded; for JOINED, "" (the tool holds the joined name)
    tool: str
    call_id: str
    session: str  # "" when the format has none (Claude Desktop)
    project: str | None
    time: datetime | None  # UTC
    outcome: str  # success | error | denied | "" (no result recorded)
    file: str  # displayed path of the record
    line: int
    column: int  # 1-based code points, of the tool's name in the line
    form: str = EXACT
    route: tuple[str, ...] = ()  # in a database: the table and key of the record (line/column within it)


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a reader knows besides the file's lines."""

    client: str
    display: str  # the file as shown (~/.claude/projects/...)
    file_name: str
    # Notes without the file's content: (level, code, message, line).
    note: Callable[[str, str, str, int | None], None]
    # Gemini: project folders by tmp folder name (slug or sha256 of the root), from projects.json.
    projects_by_folder: dict[str, str] | None = None
    folder: str = ""  # the record's project folder name, where the layout has one


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 text or epoch seconds/milliseconds as UTC; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """A time as reports write it: ISO 8601 UTC to the second, with Z."""
    if moment is None:
        return None
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def name_column(text: str, name: str) -> int:
    """The 1-based column of the quoted ``name`` in a JSON line (of the first letter), else 1."""
    found = text.find(json.dumps(name)[:-1] + '"')
    return found + 2 if found >= 0 else 1


def json_records(lines: Iterable[Line], context: ReadContext) -> Iterator[tuple[Line, dict[str, Any]]]:
    """The JSON object on each line. A line that is not one is noted by number only (its text may
    be a prompt or a secret): the last line of a file still being written as a partial line
    (info), any other as a malformed record (warning)."""
    for line in lines:
        if not line.text.strip():
            continue
        try:
            record = json.loads(line.text)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
            if not line.complete:
                context.note("info", "partial-record-line",
                             "the last line is partly written (the client was still writing); not read",
                             line.number)
            else:
                context.note("warning", "malformed-record-line", "not a JSON record; skipped", line.number)
            continue
        if isinstance(record, dict):
            yield line, record


def text_of(content: Any) -> str:
    """The first text of a message content (a string, or a list of {"type": "text"} items), for
    telling an outcome apart only; never kept."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        for item in content:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                return item["text"]
            if isinstance(item, str):
                return item
    return ""
