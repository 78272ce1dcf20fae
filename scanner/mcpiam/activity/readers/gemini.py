"""Gemini CLI chats, reference §3: ``~/.gemini/tmp/<slug or sha256>/chats/session-*.jsonl`` (since
Apr 2026) and the legacy whole-file ``session-*.json`` (``JSON.stringify(conv, null, 2)``).

A message is appended again each time it changes, under the same id: the last copy wins, and
``{"$rewindTo": id}`` drops the messages after ``id``. The server of a call comes from its
``displayName`` (``"<tool> (<server> MCP Server)"``); without one, a ``mcp_<server>_<tool>`` name is
split by the config keys later, and a legacy ``<server>__<tool>`` at the ``__``. Status ``cancelled``
(or an ``[Operation Cancelled]`` / ``denied by policy`` response) is a denial, ``error`` an error.
The legacy file is read line by line too: one message at a time, never the whole file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mcpiam.activity.calls import (
    DENIED,
    ERROR,
    EXACT,
    JOINED,
    SUCCESS,
    Call,
    ReadContext,
    json_records,
    name_column,
    parse_time,
)
from mcpiam.activity.lines import Line, pretty_array_items
from mcpiam.core.valuetype import replace

DISPLAY_NAME = re.compile(r"^(?P<tool>.+) \((?P<server>.+) MCP Server\)$")
DENIAL_MARKS = ("[Operation Cancelled]", "denied by policy", "User denied execution")


def split_call(tool_call: dict[str, Any]) -> tuple[str, str, str] | None:
    """(server, tool, form) of a tool call; None for a built-in tool."""
    name = tool_call.get("name")
    if not isinstance(name, str) or not name:
        return None
    shown = tool_call.get("displayName")
    if isinstance(shown, str):
        found = DISPLAY_NAME.match(shown)
        if found:
            return found["server"], found["tool"], EXACT
    if name.startswith("mcp_"):
        return "", name, JOINED
    server, separator, tool = name.partition("__")
    if separator and server and tool:
        return server, tool, EXACT
    return None


def _error_text(tool_call: dict[str, Any]) -> str:
    result = tool_call.get("result")
    if isinstance(result, list) and result and isinstance(result[0], dict):
        response = (result[0].get("functionResponse") or {}).get("response")
        if isinstance(response, dict) and isinstance(response.get("error"), str):
            return response["error"]
    return ""


def _outcome(tool_call: dict[str, Any]) -> str:
    status = tool_call.get("status")
    error = _error_text(tool_call)
    if status == "cancelled" or any(mark in error for mark in DENIAL_MARKS):
        return DENIED
    if status == "error" or error:
        return ERROR
    if status == "success":
        return SUCCESS
    return ""


class _Chat:
    """The calls of one chat, message by message, so a re-appended message replaces its copy."""

    def __init__(self, context: ReadContext) -> None:
        self.context = context
        self.session = ""
        self.project = (context.projects_by_folder or {}).get(context.folder)
        self.messages: dict[str, list[Call]] = {}  # insertion order is message order

    def header(self, record: dict[str, Any]) -> None:
        if isinstance(record.get("sessionId"), str):
            self.session = record["sessionId"]
        digest = record.get("projectHash")
        if self.project is None and isinstance(digest, str):
            self.project = (self.context.projects_by_folder or {}).get(digest)

    def rewind(self, message_id: Any) -> None:
        if message_id not in self.messages:
            return
        ids = list(self.messages)
        for later in ids[ids.index(message_id) + 1:]:
            del self.messages[later]

    def message(self, record: dict[str, Any], line: int, text: str) -> None:
        message_id = record.get("id")
        tool_calls = record.get("toolCalls")
        if not isinstance(message_id, str):
            return
        calls: list[Call] = []
        for tool_call in tool_calls if isinstance(tool_calls, list) else ():
            if not isinstance(tool_call, dict):
                continue
            names = split_call(tool_call)
            if names is None:
                continue
            server, tool, form = names
            moment = parse_time(tool_call.get("timestamp")) or parse_time(record.get("timestamp"))
            call_id = str(tool_call.get("id") or f"{message_id}/{len(calls)}")
            calls.append(Call(self.context.client, server, tool, call_id, self.session, self.project, moment,
                              _outcome(tool_call), self.context.display, line,
                              name_column(text, tool_call["name"]), form))
        self.messages.pop(message_id, None)  # a re-appended message moves to its latest place
        self.messages[message_id] = calls

    def calls(self) -> Iterator[Call]:
        unique: dict[str, Call] = {}
        for calls in self.messages.values():
            for call in calls:
                unique[call.call_id] = call
        return iter(unique.values())


def _jsonl(lines: Iterable[Line], chat: _Chat) -> None:
    first = True
    for line, record in json_records(lines, chat.context):
        if first and "sessionId" in record and "type" not in record:
            chat.header(record)
        elif "$rewindTo" in record:
            chat.rewind(record["$rewindTo"])
        elif "$set" not in record:
            chat.message(record, line.number, line.text)
        first = False


def _legacy(lines: Iterable[Line], chat: _Chat) -> None:
    """The pretty-printed legacy file: top-level fields at indent 2, each message an object at
    indent 4 in "messages", parsed alone. The line of a call is that of its "name" field."""
    lines = iter(lines)
    for line in lines:
        text = line.text
        if text.startswith('  "messages": ['):
            for block, whole in pretty_array_items(lines):
                if whole:
                    _legacy_message(block, chat)
                else:
                    chat.context.note("info", "partial-record-line",
                                      "the last message is partly written (the client was still writing); not read",
                                      block[0].number)
        elif text.startswith('  "') and not text.startswith('   '):
            try:
                chat.header(json.loads("{" + text.rstrip().rstrip(",") + "}"))
            except (ValueError, RecursionError):
                pass


def _legacy_message(block: list[Line], chat: _Chat) -> None:
    joined = "\n".join(line.text for line in block).rstrip().rstrip(",")
    try:
        record = json.loads(joined)
    except (ValueError, RecursionError):
        chat.context.note("warning", "malformed-record-line", "not a JSON message; skipped", block[0].number)
        return
    if not isinstance(record, dict):
        return
    chat.message(record, block[0].number, "")
    # Point each call at the line of its own "name" field.
    placed: list[Call] = []
    for call in chat.messages.get(str(record.get("id")), []):
        name = call.tool if call.form == JOINED else None
        for line in block:
            needle = f'"name": {json.dumps(name)}' if name else '"name": "'
            if needle in line.text and (name or _names_call(line.text, call)):
                placed.append(replace(call, line=line.number, column=line.text.index(needle) + 10))
                break
        else:
            placed.append(call)
    chat.messages[str(record.get("id"))] = placed


def _names_call(text: str, call: Call) -> bool:
    return call.tool in text or (call.server and call.server in text)


def read(lines: Iterable[Line], context: ReadContext) -> Iterator[Call]:
    chat = _Chat(context)
    if context.file_name.endswith(".json"):
        _legacy(lines, chat)
    else:
        _jsonl(lines, chat)
    yield from chat.calls()
