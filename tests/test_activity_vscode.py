"""The VS Code chat session reader on its own: the journal's replay (Initial, Set, Push with a cut,
Delete), tool names without VS Code's prefix, the workspace folder, and a journal that lost its
start. The whole-home counts are in test_activity_readers.py (tests/activity_records.py)."""

from __future__ import annotations

import json

import pytest

from mcpiam.activity.calls import ReadContext
from mcpiam.activity.lines import Line
from mcpiam.activity.readers.vscode_chat import read, tool_name, workspace_folder


def part(call_id: str, label: str = "github", tool: str = "mcp_github_list_issues", **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"kind": "toolInvocationSerialized", "toolCallId": call_id, "toolId": tool, "isComplete": True,
            "source": {"type": "mcp", "label": label, "collectionId": "c", "definitionId": f"c.{label}"}, **extra}


def replay(records: list[dict]) -> tuple[list, list]:
    notes: list = []
    context = ReadContext("vscode", "s.jsonl", "s.jsonl", lambda *args: notes.append(args),
                          {"h1": "/w/app"}, "h1")
    lines = [Line(number, json.dumps(record), True) for number, record in enumerate(records, 1)]
    return list(read(lines, context)), notes


def session(*requests: dict) -> dict:
    return {"kind": 0, "v": {"version": 3, "sessionId": "s1", "requests": list(requests)}}


def request(at: int, *parts: dict) -> dict:
    return {"requestId": str(at), "timestamp": at, "response": list(parts)}


def test_the_last_state_of_each_call_counts_once() -> None:
    calls, notes = replay([
        session(request(1791450000000, part("c1", isComplete=False))),
        {"kind": 1, "k": ["requests", 0, "response", 0], "v": part("c1", isConfirmed={"type": 0})},
        {"kind": 1, "k": ["requests", 0, "response", 0], "v": part("c1", isConfirmed={"type": 0})},
    ])
    assert [(c.server, c.tool, c.outcome, c.line, c.project, c.session) for c in calls] == [
        ("github", "list_issues", "denied", 3, "/w/app", "s1")]
    assert calls[0].time is not None and calls[0].time.isoformat() == "2026-10-08T09:00:00+00:00"
    assert notes == []


def test_a_push_with_a_cut_drops_what_came_after() -> None:
    calls, _ = replay([
        session(request(1, part("c1")), request(2, part("c2"))),
        {"kind": 2, "k": ["requests"], "i": 1, "v": [request(3, part("c3", resultError="x"))]},
        {"kind": 2, "k": ["requests", 1, "response"], "v": [part("c4", isConfirmed={"type": 5})]},
        {"kind": 3, "k": ["requests", 0, "response", 0]},
    ])
    assert [(c.call_id, c.outcome) for c in calls] == [("c3", "error"), ("c4", "denied")]


def test_set_of_a_request_and_of_the_whole_list() -> None:
    calls, _ = replay([
        session(request(1, part("c1"))),
        {"kind": 1, "k": ["requests", 1], "v": request(2, part("c2"))},  # one past the end: appended
        {"kind": 1, "k": ["requests", 0, "timestamp"], "v": 1791536400000},
    ])
    assert [(c.call_id, c.time.day if c.time else None) for c in calls] == [("c1", 9), ("c2", 1)]
    calls, _ = replay([session(request(1, part("c1"))), {"kind": 1, "k": ["requests"], "v": []}])
    assert calls == []


def test_built_in_tools_and_other_parts_do_not_count() -> None:
    calls, _ = replay([session(request(1, {"value": "text"}, {"kind": "thinking"},
                                       part("b1", source={"type": "internal", "label": "Built-In"}),
                                       {**part("e1"), "source": {"type": "extension", "label": "X"}}))])
    assert calls == []


def test_a_journal_without_its_start_is_a_warning_by_line() -> None:
    calls, notes = replay([{"kind": 2, "k": ["requests", 0, "response"], "v": [part("c1")]}])
    assert calls == []
    assert [(level, code, line) for level, code, _, line in notes] == [("warning", "stray-session-change", 1)]
    calls, notes = replay([session(), {"kind": 1, "k": ["requests", 4, "response", 0], "v": part("c1")}])
    assert calls == [] and [code for _, code, _, _ in notes] == ["stray-session-change"]


@pytest.mark.parametrize(("tool_id", "label", "expected"), [
    ("mcp_github_list_issues", "github", "list_issues"),
    ("mcp_github2_list_issues", "github", "list_issues"),  # a second server with the same prefix
    ("mcp_my_server_run", "My Server", "run"),
    ("mcp_io.github.ups_resolve", "io.github.upstash/context7", "resolve"),  # the prefix is cut to 13
    ("mcp_context7_resolve", "io.github.upstash/context7", "mcp_context7_resolve"),  # from a title: kept whole
])
def test_tool_name_drops_the_prefix_vscode_gave(tool_id: str, label: str, expected: str) -> None:
    assert tool_name(tool_id, label) == expected


@pytest.mark.parametrize(("data", "expected"), [
    (b'{"folder": "file:///home/u/my%20app"}', "/home/u/my app"),
    (b'{"folder": "file:///c%3A/Users/u/app"}', "c:/Users/u/app"),
    (b'{"folder": "vscode-remote://ssh-remote%2Bhost/home/u/app"}', None),
    (b'{"workspace": "file:///home/u/all.code-workspace"}', None),
    (b"\xff\xfe", None),
])
def test_workspace_folder(data: bytes, expected: str | None) -> None:
    assert workspace_folder(data) == expected


def read_whole(session_data: dict | str, name: str = "s.json") -> tuple[list, list]:
    """An older build's whole-file session, written as chatSessionStore.ts writes it:
    JSON.stringify(session, undefined, 2)."""
    notes: list = []
    context = ReadContext("vscode", name, name, lambda *args: notes.append(args), {"h1": "/w/app"}, "h1")
    text = session_data if isinstance(session_data, str) else json.dumps(session_data, indent=2, ensure_ascii=False)
    rows = text.split("\n")
    lines = [Line(number, row, number < len(rows)) for number, row in enumerate(rows, 1)]
    return list(read(lines, context)), notes


def whole(*requests: dict) -> dict:
    return {"version": 3, "requesterUsername": "u", "initialLocation": "panel", "requests": list(requests),
            "sessionId": "old-1", "creationDate": 1791450000000}


def test_a_whole_file_session_counts_with_the_journal_rules_at_each_tool_id_line() -> None:
    calls, notes = read_whole(whole(
        request(1791450000000, part("c1"), part("c2", isConfirmed={"type": 5}), {"value": "text"}),
        request(1791536400000, part("c3", resultError="x"), part("c1"),  # c1 again: one call
                part("b1", tool="copilot_readFile", source={"type": "internal", "label": "Built-In"}))))
    assert [(c.call_id, c.server, c.tool, c.outcome, c.session, c.project) for c in calls] == [
        ("c1", "github", "list_issues", "success", "old-1", "/w/app"),
        ("c2", "github", "list_issues", "denied", "old-1", "/w/app"),
        ("c3", "github", "list_issues", "error", "old-1", "/w/app")]
    text = json.dumps(whole(request(1, part("c1"), part("c2"))), indent=2).split("\n")
    tool_lines = [number for number, row in enumerate(text, 1) if '"toolId"' in row]
    calls, _ = read_whole(whole(request(1, part("c1"), part("c2"))))
    assert [(c.line, c.column) for c in calls] == [(tool_lines[0], text[tool_lines[0] - 1].index('"mcp_') + 2),
                                                   (tool_lines[1], text[tool_lines[1] - 1].index('"mcp_') + 2)]
    assert calls[0].time is not None and calls[0].time.year == 1970
    assert notes == []


def test_a_whole_file_session_cut_short_or_not_indented_is_noted_by_line() -> None:
    text = json.dumps(whole(request(1, part("c1")), request(2, part("c2"))), indent=2)
    calls, notes = read_whole(text[:text.index('"toolCallId": "c2"')])
    assert [c.call_id for c in calls] == ["c1"]
    second = [number for number, row in enumerate(text.split("\n"), 1) if row == "    {"][1]
    assert [(level, code, line) for level, code, _, line in notes] == [("info", "partial-record-line", second)]
    calls, notes = read_whole(json.dumps(whole(request(1, part("c1")))))  # one line: not VS Code's layout
    assert calls == [] and [(level, code, line) for level, code, _, line in notes] == [
        ("warning", "malformed-record-line", 1)]
    calls, notes = read_whole(whole())
    assert calls == [] and notes == []
