"""Codex CLI rollouts (``~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl``), reference §2.

Three namings of an MCP call are accepted: ``<server>__<tool>`` (about 2025), ``mcp__<server>__<tool>``
(late 2025) and ``namespace: "mcp__<server>__"`` with ``name: <tool>`` (2026), plus the 2026
``mcp_tool_call_end`` event, whose ``invocation.server`` is the raw config key. One call per
``call_id``. Names in tool calls are sanitised (``-`` became ``_``), so they are mapped back
through the config keys. A ``function_call_output`` of ``user rejected MCP tool call`` is a denial,
``err: ...`` an error; ``mcp_tool_call_end`` tells ``isError`` and ``Err`` apart too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mcpiam.activity.calls import (
    DENIED,
    ERROR,
    EXACT,
    SANITISED,
    SUCCESS,
    Call,
    ReadContext,
    json_records,
    name_column,
    parse_time,
)
from mcpiam.activity.lines import Line
from mcpiam.core.valuetype import replace

REJECTED = "user rejected MCP tool call"


def split_name(name: str, namespace: Any) -> tuple[str, str] | None:
    """(server, tool) as written in a function call's names; None for a built-in tool."""
    if isinstance(namespace, str) and namespace.startswith("mcp__"):
        server = namespace[len("mcp__"):].removesuffix("__")
        return (server, name) if server and name else None
    body = name[len("mcp__"):] if name.startswith("mcp__") else name
    server, separator, tool = body.partition("__")
    if not separator or not server or not tool:
        return None  # shell, apply_patch, update_plan, ...: plain names
    return server, tool


def _output_outcome(output: Any) -> str:
    text = output if isinstance(output, str) else ""
    if isinstance(output, dict) and isinstance(output.get("content"), str):
        text = output["content"]
    if text.startswith(REJECTED):
        return DENIED
    if text.startswith("err:"):
        return ERROR
    return SUCCESS


def _end_outcome(result: Any) -> str:
    if isinstance(result, dict) and "Err" in result:
        error = result.get("Err")
        return DENIED if isinstance(error, str) and error.startswith(REJECTED) else ERROR
    ok = result.get("Ok") if isinstance(result, dict) else None
    if isinstance(ok, dict) and ok.get("isError") is True:
        return ERROR
    return SUCCESS


def read(lines: Iterable[Line], context: ReadContext) -> Iterator[Call]:
    session, project = "", None
    calls: dict[str, Call] = {}
    told_by_end: set[str] = set()  # outcomes from mcp_tool_call_end, which outrank the output text
    for line, record in json_records(lines, context):
        payload = record.get("payload")
        if not isinstance(payload, dict):
            continue
        kind, item = record.get("type"), payload.get("type")
        moment = parse_time(record.get("timestamp"))
        if kind == "session_meta":
            session = str(payload.get("id") or session)
            project = payload["cwd"] if isinstance(payload.get("cwd"), str) else project
        elif kind == "response_item" and item == "function_call" and isinstance(payload.get("name"), str):
            call_id = payload.get("call_id")
            names = split_name(payload["name"], payload.get("namespace"))
            if names is None or not isinstance(call_id, str) or call_id in calls:
                continue
            calls[call_id] = Call(context.client, names[0], names[1], call_id, session, project, moment, "",
                                  context.display, line.number, name_column(line.text, payload["name"]),
                                  SANITISED)
        elif kind == "response_item" and item == "function_call_output":
            call_id = payload.get("call_id")
            if call_id in calls and call_id not in told_by_end:
                calls[call_id] = replace(calls[call_id], outcome=_output_outcome(payload.get("output")))
        elif kind == "event_msg" and item == "mcp_tool_call_end":
            call_id = payload.get("call_id")
            invocation = payload.get("invocation")
            if not isinstance(call_id, str) or not isinstance(invocation, dict):
                continue
            server, tool = invocation.get("server"), invocation.get("tool")
            if not isinstance(server, str) or not isinstance(tool, str) or not server or not tool:
                continue
            outcome = _end_outcome(payload.get("result"))
            told_by_end.add(call_id)
            known = calls.get(call_id)
            if known is not None:  # the raw server name replaces the sanitised one
                calls[call_id] = replace(known, server=server, tool=tool, outcome=outcome, form=EXACT)
            else:
                calls[call_id] = Call(context.client, server, tool, call_id, session, project, moment, outcome,
                                      context.display, line.number, name_column(line.text, tool), EXACT)
    yield from calls.values()
