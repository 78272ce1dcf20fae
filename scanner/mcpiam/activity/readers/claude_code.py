"""Claude Code session transcripts (``~/.claude/projects/<slug>/<session>.jsonl``), reference §1.

An MCP call is a ``tool_use`` block named ``mcp__<server>__<tool>`` in an ``assistant`` line (one
API response is split over several lines sharing a message id: a call is counted once, by its
``tool_use`` id); its outcome is the ``tool_result`` with that id in a later ``user`` line:
``is_error`` with the rejection text is a denial, other ``is_error`` an error. ``progress`` lines
repeat calls and are not counted; built-in tools (``Read``, ``Bash``, ``ReadMcpResourceTool``...)
have plain names and are not MCP tool calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mcpiam.activity.calls import DENIED, ERROR, SUCCESS, Call, ReadContext, json_records, name_column, parse_time, text_of
from mcpiam.activity.lines import Line
from mcpiam.core.valuetype import replace

MCP_PREFIX = "mcp__"
REJECTION = "The user doesn't want to proceed with this tool use"
REJECTED_RESULT = "User rejected tool use"


def split_name(name: str) -> tuple[str, str] | None:
    """``mcp__<server>__<tool>`` to (server, tool); None for a built-in tool."""
    if not name.startswith(MCP_PREFIX):
        return None
    server, separator, tool = name[len(MCP_PREFIX):].partition("__")
    if not separator or not server or not tool:
        return None
    return server, tool


def _outcome(block: dict[str, Any], record: dict[str, Any]) -> str:
    if block.get("is_error") is not True:
        return SUCCESS
    if text_of(block.get("content")).startswith(REJECTION) or record.get("toolUseResult") == REJECTED_RESULT:
        return DENIED
    return ERROR


def _blocks(record: dict[str, Any]) -> list[dict[str, Any]]:
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


def read(lines: Iterable[Line], context: ReadContext) -> Iterator[Call]:
    pending: dict[str, Call] = {}
    seen: set[str] = set()
    for line, record in json_records(lines, context):
        kind = record.get("type")
        if kind == "assistant":
            for block in _blocks(record):
                if block.get("type") != "tool_use" or not isinstance(block.get("name"), str):
                    continue
                names = split_name(block["name"])
                call_id = block.get("id")
                if names is None or not isinstance(call_id, str) or call_id in seen:
                    continue
                seen.add(call_id)
                cwd = record.get("cwd")
                pending[call_id] = Call(
                    client=context.client, server=names[0], tool=names[1], call_id=call_id,
                    session=str(record.get("sessionId") or ""), project=cwd if isinstance(cwd, str) else None,
                    time=parse_time(record.get("timestamp")), outcome="", file=context.display,
                    line=line.number, column=name_column(line.text, block["name"]))
        elif kind == "user":
            for block in _blocks(record):
                if block.get("type") == "tool_result" and block.get("tool_use_id") in pending:
                    call = pending.pop(block["tool_use_id"])
                    yield replace(call, outcome=_outcome(block, record))
    yield from pending.values()  # no result recorded (yet)
