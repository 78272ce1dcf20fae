"""Claude Desktop MCP logs, reference §4: ``mcp-server-<name>.log`` (one per server; the name is
the config key) and ``mcp.log`` (every server, repeating the per-server lines: read for
credentials only).

A call is a ``Message from client`` line whose JSON-RPC method is ``tools/call`` (or the July 2026
abbreviated ``method="tools/call" id=5``, which names no tool); its outcome is the ``Message from
server`` reply with the same id: ``error`` or ``result.isError`` is an error. JSON-RPC ids restart
at 0 when a server restarts, so a new call with a pending id closes the old one. Denials never
reach the server and are not logged; there is no session or project.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mcpiam.activity.calls import ERROR, SUCCESS, Call, ReadContext, parse_time
from mcpiam.activity.lines import Line
from mcpiam.core.valuetype import replace

SERVER_LOG = re.compile(r"^mcp-server-(?P<server>.+)\.log$")
_LINE = re.compile(r"^(?P<time>\S+) (?:\[[^\]]*\] )*Message from (?P<side>client|server): (?P<body>.*)$")
_ABBREVIATED = re.compile(r'^method="(?P<method>[^"]*)" id=(?P<id>\S+)')
UNKNOWN_TOOL = "(not logged)"  # the abbreviated lines name no tool


def _message(body: str) -> dict[str, Any] | None:
    """The JSON-RPC message at the start of ``body`` (a ``{ metadata: ... }`` tail may follow)."""
    try:
        message, _ = json.JSONDecoder().raw_decode(body)
    except (ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


def _outcome(reply: dict[str, Any]) -> str:
    if "error" in reply:
        return ERROR
    result = reply.get("result")
    return ERROR if isinstance(result, dict) and result.get("isError") is True else SUCCESS


def read(lines: Iterable[Line], context: ReadContext) -> Iterator[Call]:
    named = SERVER_LOG.match(context.file_name)
    if named is None:  # mcp.log: every line repeats a per-server log's
        for _ in lines:
            pass
        return
    server = named["server"]
    pending: dict[str, Call] = {}
    for line in lines:
        found = _LINE.match(line.text)
        if found is None:
            continue
        body = found["body"]
        if found["side"] == "client":
            abbreviated = _ABBREVIATED.match(body)
            message = None if abbreviated else _message(body)
            if abbreviated is not None:
                method, request_id, tool = abbreviated["method"], abbreviated["id"], UNKNOWN_TOOL
                column = found.start("body") + 1
            elif message is not None:
                params = message.get("params")
                method, request_id = message.get("method"), json.dumps(message.get("id"))
                tool = params.get("name") if isinstance(params, dict) else None
                column = found.start("body") + body.find(json.dumps(tool)) + 2 if isinstance(tool, str) else 1
            else:
                continue
            if method != "tools/call" or not isinstance(tool, str) or not tool:
                continue
            if request_id in pending:  # the server restarted: ids count from 0 again
                yield pending.pop(request_id)
            pending[request_id] = Call(context.client, server, tool, f"{line.number}", "", None,
                                       parse_time(found["time"]), "", context.display, line.number, column)
        else:
            message = _message(body)
            request_id = json.dumps(message.get("id")) if message is not None else None
            if request_id in pending and message is not None:
                yield replace(pending.pop(request_id), outcome=_outcome(message))
    yield from pending.values()
