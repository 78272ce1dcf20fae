"""Cursor's chats in ``User/globalStorage/state.vscdb`` (SQLite), reference §5, confidence L-M.

Read with the standard library's ``sqlite3`` through a read-only, immutable URI
(``?mode=ro&immutable=1``): no lock is taken and no journal written, so a running Cursor is never
disturbed. The file is first admitted as every record file is (``mcpiam.core.safe_open``: inside
the home, owned by its user, not a link out). Table ``cursorDiskKV``: a ``bubbleId:<composer>:<bubble>``
value is one message; its ``toolFormerData`` (``name``, ``status``) is a tool call, an MCP one when
the name is ``mcp_<server>_<tool>`` (split by the config keys, as Gemini's). The composer id is the
session. Status ``completed`` is a success, ``error`` an error, ``cancelled`` or ``rejected`` a
denial. Every value is also searched for credentials, placed at the value's key, line and column.
This follows the reference's description; it could not be checked against Cursor's source.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from mcpiam.activity.calls import DENIED, ERROR, JOINED, SUCCESS, Call, ReadContext, parse_time
from mcpiam.activity.history import CredentialSearch
from mcpiam.core.safe_open import Refusal, open_file
from mcpiam.discover.homes import HomeFile

TABLE = "cursorDiskKV"
STATUS = {"completed": SUCCESS, "success": SUCCESS, "error": ERROR, "failed": ERROR,
          "cancelled": DENIED, "rejected": DENIED}
MAX_VALUE_CHARACTERS = 16 << 20


def _connect(found: HomeFile, context: ReadContext) -> sqlite3.Connection | None:
    descriptor = open_file(found.path, found.fence, found.identity)
    if isinstance(descriptor, Refusal):
        context.note("warning", descriptor.code, f"activity record skipped: {descriptor.message}", None)
        return None
    os.close(descriptor)  # admitted: the same file, inside the fence, owned as the fence demands
    uri = f"file:{quote(os.path.realpath(found.path))}?mode=ro&immutable=1"
    try:
        return sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        context.note("warning", "unreadable", f"activity database not read ({type(error).__name__})", None)
        return None


def _call(key: str, bubble: dict[str, Any], context: ReadContext) -> Call | None:
    tool = bubble.get("toolFormerData")
    if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
        return None
    name = tool["name"]
    if not name.startswith("mcp_"):
        return None  # read_file, run_terminal_cmd, ...: Cursor's own tools
    composer = key.split(":")[1] if key.count(":") >= 2 else ""
    call_id = str(tool.get("toolCallId") or key)
    moment = parse_time(bubble.get("createdAt")) or parse_time(bubble.get("timestamp"))
    return Call(context.client, "", name, call_id, composer, None, moment,
                STATUS.get(str(tool.get("status")), ""), context.display, 1, 1, JOINED, (TABLE, key))


def read_database(found: HomeFile, context: ReadContext, search: CredentialSearch) -> Iterator[Call]:
    connection = _connect(found, context)
    if connection is None:
        return
    seen: set[str] = set()
    try:
        try:
            rows = connection.execute(f"SELECT key, value FROM {TABLE}")  # noqa: S608 - a constant
            for key, value in rows:
                if not isinstance(key, str):
                    continue
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                if not isinstance(value, str) or len(value) > MAX_VALUE_CHARACTERS:
                    continue
                search.search_value((TABLE, key), value)
                if not key.startswith("bubbleId:"):
                    continue
                try:
                    bubble = json.loads(value)
                except (ValueError, RecursionError):
                    context.note("warning", "malformed-record-line", "a chat message that is not JSON; skipped", None)
                    continue
                call = _call(key, bubble, context) if isinstance(bubble, dict) else None
                if call is not None and call.call_id not in seen:
                    seen.add(call.call_id)
                    yield call
        except sqlite3.Error as error:
            context.note("warning", "unreadable", f"activity database not read to its end ({type(error).__name__})",
                         None)
    finally:
        connection.close()
