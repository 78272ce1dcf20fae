"""A fake home with every supported client's activity records, in each client's real format.

Built at test time (never a real transcript): duplicates, denials, errors, built-in tools that must
not count, a renamed/removed server, legacy formats, a malformed line and a partly written last
line. ``CANARY`` is written into every text field (prompts, replies, tool arguments, tool results,
reasons, instructions, malformed lines), so a test can assert it reaches no output; ``token`` (a
fake credential made at test time) is pasted into prompts, results and logs.
``EXPECTED_TOOLS`` and ``EXPECTED_SERVERS`` are what the usage view must say, exactly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CANARY = "quokkacanary"
APP = "/home/u/src/app"
API = "/home/u/src/api"
WEB = "/home/u/src/web"
OLD = "/home/u/src/old"
VSAPP = "/home/u/src/vsapp"


def _lines(path: Path, records: list, tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((record if isinstance(record, str) else json.dumps(record)) + "\n" for record in records)
    path.write_text(text + tail, encoding="utf-8")


def _claude(home: Path, token: str) -> None:
    (home / ".claude.json").write_text(json.dumps({
        "mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]},
                       "slack": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack"]}},
        "projects": {APP: {"mcpServers": {"linear": {"url": "https://mcp.linear.app/sse"}}}},
    }, indent=2), encoding="utf-8")
    base = {"cwd": APP, "sessionId": "sess-1", "version": "2.1.59", "isSidechain": False, "gitBranch": "main"}

    def assistant(uuid: str, message_id: str, block: dict, at: str) -> dict:
        return {**base, "type": "assistant", "uuid": uuid, "timestamp": at,
                "message": {"id": message_id, "role": "assistant", "content": [block]}}

    def result(uuid: str, tool_id: str, at: str, text: str, is_error: bool = False, **extra) -> dict:
        block = {"tool_use_id": tool_id, "type": "tool_result", "content": [{"type": "text", "text": text}]}
        if is_error:
            block["is_error"] = True
        return {**base, "type": "user", "uuid": uuid, "timestamp": at,
                "message": {"role": "user", "content": [block]}, **extra}

    def use(tool_id: str, name: str) -> dict:
        return {"type": "tool_use", "id": tool_id, "name": name, "input": {"q": CANARY}}

    session = home / ".claude/projects/-home-u-src-app/sess-1.jsonl"
    _lines(session, [
        {"type": "summary", "summary": CANARY, "leafUuid": "u0"},
        {**base, "type": "user", "uuid": "u1", "timestamp": "2026-10-20T09:00:00.000Z",
         "message": {"role": "user", "content": f"{CANARY} please use {token}"}},
        # One response split over two lines sharing a message id: the text, then the call.
        assistant("a1", "msg_1", {"type": "text", "text": CANARY}, "2026-10-20T09:00:01.000Z"),
        assistant("a2", "msg_1", use("toolu_1", "mcp__github__create_pull_request"), "2026-10-20T09:00:01.000Z"),
        assistant("a2b", "msg_1", use("toolu_1", "mcp__github__create_pull_request"), "2026-10-20T09:00:01.000Z"),
        {**base, "type": "progress", "uuid": "p1", "timestamp": "2026-10-20T09:00:02.000Z", "toolUseID": "toolu_1",
         "data": {"type": "mcp_progress", "status": "completed", "serverName": "github",
                  "toolName": "create_pull_request", "elapsedTimeMs": 5}},
        result("u2", "toolu_1", "2026-10-20T09:00:03.000Z", f"{CANARY} created, key {token}"),
        assistant("a3", "msg_2", use("toolu_2", "mcp__github__create_pull_request"), "2026-10-21T10:00:00.000Z"),
        result("u3", "toolu_2", "2026-10-21T10:00:01.000Z",
               "The user doesn't want to proceed with this tool use. The tool use was rejected. "
               f"To tell you how to proceed, the user said:\n{CANARY}", True,
               toolUseResult="User rejected tool use"),
        assistant("a4", "msg_3", use("toolu_3", "Bash"), "2026-10-21T10:01:00.000Z"),
        assistant("a5", "msg_4", {"type": "tool_use", "id": "toolu_4", "name": "ReadMcpResourceTool",
                                  "input": {"server": "github", "uri": CANARY}}, "2026-10-21T10:02:00.000Z"),
        assistant("a6", "msg_5", use("toolu_5", "mcp__puppeteer__navigate"), "2026-10-22T11:00:00.000Z"),
        result("u6", "toolu_5", "2026-10-22T11:00:01.000Z", f"MCP error -32603: {CANARY}", True,
               toolUseResult=f"Error: {CANARY}"),
        f"{{not json {CANARY} {token}",
        assistant("a7", "msg_6", use("toolu_6", "mcp__github__search_issues"), "2026-10-23T12:00:00.000Z"),
        result("u7", "toolu_6", "2026-10-23T12:00:01.000Z", CANARY),
    ], tail='{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_9","name":"mcp__github__' + CANARY)
    subagent = home / ".claude/projects/-home-u-src-app/sess-1/subagents/agent-a1.jsonl"
    _lines(subagent, [
        {**base, "isSidechain": True, "agentId": "a1", "type": "assistant", "uuid": "s1",
         "timestamp": "2026-10-23T12:05:00.000Z",
         "message": {"id": "msg_s1", "content": [use("toolu_s1", "mcp__linear__list_issues")]}},
        result("s2", "toolu_s1", "2026-10-23T12:05:01.000Z", CANARY),
    ])
    _lines(home / ".claude/history.jsonl", [
        {"display": f"{CANARY} {token}", "pastedContents": {"1": {"content": CANARY}},
         "timestamp": 1792486800000, "project": APP, "sessionId": "sess-1"},
    ])


def _codex(home: Path, token: str) -> None:
    (home / ".codex").mkdir(parents=True, exist_ok=True)
    (home / ".codex/config.toml").write_text(
        '[mcp_servers.my-docs]\ncommand = "npx"\nargs = ["-y", "docs-mcp"]\n\n'
        '[mcp_servers.github]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-github"]\n\n'
        '[mcp_servers.unused]\ncommand = "uvx"\nargs = ["unused-mcp"]\n', encoding="utf-8")

    def item(at: str, kind: str, payload: dict) -> dict:
        return {"timestamp": at, "type": kind, "payload": payload}

    records = [
        item("2026-10-01T10:00:00.000Z", "session_meta", {"id": "codex-sess-1", "cwd": API, "cli_version": "0.140.0",
                                                          "base_instructions": {"text": CANARY}}),
        item("2026-10-01T10:00:01.000Z", "response_item", {"type": "message", "role": "user",
                                                           "content": [{"type": "input_text", "text": f"{CANARY} {token}"}]}),
        item("2026-10-01T10:00:01.000Z", "event_msg", {"type": "user_message", "message": f"{CANARY} {token}"}),
        item("2026-10-01T10:00:02.000Z", "response_item", {"type": "function_call", "namespace": "mcp__my_docs__",
                                                           "name": "search", "arguments": json.dumps({"q": CANARY}),
                                                           "call_id": "c1"}),
        item("2026-10-01T10:00:03.000Z", "event_msg", {"type": "mcp_tool_call_end", "call_id": "c1",
                                                       "invocation": {"server": "my-docs", "tool": "search",
                                                                      "arguments": {"q": CANARY}},
                                                       "duration": {"secs": 0, "nanos": 5},
                                                       "result": {"Ok": {"content": [{"type": "text", "text": CANARY}],
                                                                         "isError": False}}}),
        item("2026-10-01T10:00:03.000Z", "response_item", {"type": "function_call_output", "call_id": "c1",
                                                           "output": json.dumps([{"type": "text", "text": CANARY}])}),
        item("2026-10-01T10:01:00.000Z", "response_item", {"type": "function_call", "name": "mcp__github__get_issue",
                                                           "arguments": json.dumps({"n": CANARY}), "call_id": "c2"}),
        item("2026-10-01T10:01:01.000Z", "response_item", {"type": "function_call_output", "call_id": "c2",
                                                           "output": "user rejected MCP tool call"}),
        item("2026-10-01T10:02:00.000Z", "response_item", {"type": "function_call", "name": "shell",
                                                           "arguments": json.dumps({"command": [CANARY]}), "call_id": "c3"}),
        item("2026-10-01T10:02:01.000Z", "response_item", {"type": "function_call_output", "call_id": "c3",
                                                           "output": CANARY}),
        item("2026-10-01T10:03:00.000Z", "response_item", {"type": "function_call", "name": "mcp__removed_srv__do_it",
                                                           "arguments": json.dumps({"x": CANARY}), "call_id": "c4"}),
        item("2026-10-01T10:03:01.000Z", "response_item", {"type": "function_call_output", "call_id": "c4",
                                                           "output": f"err: {CANARY}"}),
        item("2026-10-01T10:04:00.000Z", "response_item", {"type": "function_call", "name": "github__list_prs",
                                                           "arguments": json.dumps({"x": CANARY}), "call_id": "c5"}),
        item("2026-10-01T10:04:01.000Z", "response_item", {"type": "function_call_output", "call_id": "c5",
                                                           "output": CANARY}),
        item("2026-10-01T10:05:00.000Z", "response_item", {"type": "message", "role": "assistant",
                                                           "content": [{"type": "output_text", "text": CANARY}]}),
        item("2026-10-01T10:05:00.000Z", "event_msg", {"type": "agent_message", "message": CANARY}),
    ]
    name = "rollout-2026-10-01T10-00-00-0199a000-0000-7000-8000-000000000001.jsonl"
    _lines(home / ".codex/sessions/2026/10/01" / name, records)
    _lines(home / ".codex/archived_sessions" / name, records)  # the same session, archived: read once
    _lines(home / ".codex/history.jsonl", [{"session_id": "codex-sess-1", "ts": 1790000000, "text": f"{CANARY} {token}"}])


def _gemini(home: Path, token: str) -> None:
    (home / ".gemini").mkdir(parents=True, exist_ok=True)
    (home / ".gemini/settings.json").write_text(json.dumps({"mcpServers": {
        "github-tools": {"command": "npx", "args": ["-y", "gh-tools-mcp"]},
        "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]},
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}}}, indent=2),
        encoding="utf-8")
    (home / ".gemini/projects.json").write_text(json.dumps({"projects": {WEB: "web"}}), encoding="utf-8")

    def call(call_id: str, name: str, status: str, display: str | None = None, error: str | None = None) -> dict:
        response = {"error": error} if error else {"output": CANARY}
        found = {"id": call_id, "name": name, "args": {"q": CANARY}, "status": status,
                 "timestamp": "2026-10-02T10:00:05.000Z",
                 "result": [{"functionResponse": {"id": call_id, "name": name, "response": response}}],
                 "resultDisplay": CANARY}
        if display:
            found["displayName"] = display
        return found

    def gemini(message_id: str, calls: list, at: str = "2026-10-02T10:00:05.000Z") -> dict:
        return {"id": message_id, "timestamp": at, "type": "gemini", "content": CANARY, "model": "gemini-2.5-pro",
                "thoughts": [{"subject": CANARY, "description": CANARY}], "toolCalls": calls}

    chat = home / ".gemini/tmp/web/chats/session-2026-10-02T10-00-abcd1234.jsonl"
    _lines(chat, [
        {"sessionId": "gem-sess-1", "projectHash": hashlib.sha256(WEB.encode()).hexdigest(),
         "startTime": "2026-10-02T10:00:00.000Z", "lastUpdated": "2026-10-02T10:09:00.000Z", "kind": "main"},
        {"id": "m1", "timestamp": "2026-10-02T10:00:01.000Z", "type": "user", "content": f"{CANARY} {token}"},
        gemini("m2", [call("t1", "mcp_github-tools_get_issue", "executing", "get_issue (github-tools MCP Server)")]),
        {"$set": {"lastUpdated": "2026-10-02T10:00:06.000Z"}},
        gemini("m2", [call("t1", "mcp_github-tools_get_issue", "success", "get_issue (github-tools MCP Server)")]),
        gemini("m3", [call("t2", "mcp_fs_read_text", "cancelled",
                           error="[Operation Cancelled] Reason: User denied execution.")]),
        gemini("m4", [call("t3", "read_file", "success")]),
        gemini("m5", [call("t4", "mcp_fs_write_text", "success")]),
        {"$rewindTo": "m4"},
        {"id": "m6", "timestamp": "2026-10-02T10:09:00.000Z", "type": "error", "content": CANARY},
    ])
    legacy = home / ".gemini/tmp" / hashlib.sha256(OLD.encode()).hexdigest() / "chats/session-2026-09-01T10-00-ffff0000.json"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text(json.dumps({
        "sessionId": "gem-legacy-1", "projectHash": hashlib.sha256(OLD.encode()).hexdigest(),
        "startTime": "2026-09-01T10:00:00.000Z", "lastUpdated": "2026-09-01T10:05:00.000Z",
        "messages": [
            {"id": "l1", "timestamp": "2026-09-01T10:00:01.000Z", "type": "user", "content": f"{CANARY} {token}"},
            gemini("l2", [call("lt1", "filesystem__list_directory", "success")], "2026-09-01T10:00:02.000Z"),
        ]}, indent=2), encoding="utf-8")
    (home / ".gemini/tmp/web/logs.json").write_text(json.dumps([
        {"sessionId": "gem-sess-1", "messageId": 0, "type": "user", "message": f"{CANARY} {token}",
         "timestamp": "2026-10-02T10:00:01.000Z"}], indent=2), encoding="utf-8")


def _desktop(home: Path, token: str) -> None:
    config = home / ".config/Claude/claude_desktop_config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"mcpServers": {"notes": {"command": "npx", "args": ["-y", "notes-mcp"]}}}),
                      encoding="utf-8")
    logs = home / ".config/Claude/logs"

    def client(at: str, request_id: int, method: str, tool: str | None = None) -> str:
        params = {"name": tool, "arguments": {"text": CANARY, "key": token}} if tool else {}
        message = {"method": method, "params": params, "jsonrpc": "2.0", "id": request_id}
        return f"{at} [notes] [info] Message from client: {json.dumps(message)} {{ metadata: undefined }}"

    def server(at: str, request_id: int, body: dict) -> str:
        return f"{at} [notes] [info] Message from server: {json.dumps({'jsonrpc': '2.0', 'id': request_id, **body})}"

    per_server = [
        "2026-10-05T08:00:00.000Z [notes] [info] Initializing server...",
        client("2026-10-05T08:00:01.000Z", 0, "tools/list"),
        client("2026-10-05T08:00:02.000Z", 1, "tools/call", "create_note"),
        server("2026-10-05T08:00:03.000Z", 1, {"result": {"content": [{"type": "text", "text": CANARY}]}}),
        client("2026-10-05T08:00:04.000Z", 2, "tools/call", "delete_note"),
        server("2026-10-05T08:00:05.000Z", 2, {"error": {"code": -32603, "message": CANARY}}),
        "2026-10-06T08:00:00.000Z [notes] [info] Server started and connected successfully",
        client("2026-10-06T08:00:01.000Z", 1, "tools/call", "create_note"),
        server("2026-10-06T08:00:02.000Z", 1, {"result": {"content": [{"type": "text", "text": CANARY}], "isError": True}}),
        '2026-10-07T08:00:00.000Z [notes] [info] Message from client: method="tools/call" id=7 params',
    ]
    _lines(logs / "mcp-server-notes.log", per_server)
    _lines(logs / "mcp.log", [line.replace(" [notes] [info]", " [info] [notes]") for line in per_server])


def _cursor(home: Path, token: str) -> None:
    import sqlite3

    (home / ".cursor").mkdir(parents=True, exist_ok=True)
    (home / ".cursor/mcp.json").write_text(json.dumps({"mcpServers": {
        "db-tools": {"command": "npx", "args": ["-y", "db-tools-mcp"]}}}), encoding="utf-8")
    database = home / ".config/Cursor/User/globalStorage/state.vscdb"
    database.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    connection.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")

    def bubble(composer: str, bubble_id: str, tool: dict | None, at: int) -> tuple[str, str]:
        value = {"_v": 3, "bubbleId": bubble_id, "type": 2, "text": f"{CANARY}\n{token}", "createdAt": at}
        if tool is not None:
            value["toolFormerData"] = {"params": json.dumps({"q": CANARY}), "result": json.dumps({"out": CANARY}),
                                       "rawArgs": CANARY, **tool}
        return f"bubbleId:{composer}:{bubble_id}", json.dumps(value)

    rows = [
        ("composerData:comp-1", json.dumps({"composerId": "comp-1", "name": CANARY, "createdAt": 1791000000000})),
        bubble("comp-1", "b1", None, 1791000000000),
        bubble("comp-1", "b2", {"tool": 49, "toolCallId": "tc1", "name": "mcp_db-tools_run_query",
                                "status": "completed"}, 1791000001000),
        bubble("comp-1", "b3", {"tool": 49, "toolCallId": "tc2", "name": "mcp_db-tools_run_query",
                                "status": "cancelled"}, 1791000002000),
        bubble("comp-1", "b4", {"tool": 5, "toolCallId": "tc3", "name": "read_file", "status": "completed"},
               1791000003000),
        ("bubbleId:comp-1:b5", "{not json " + CANARY),
    ]
    connection.executemany("INSERT INTO cursorDiskKV VALUES (?, ?)", rows)
    connection.commit()
    connection.close()


def _vscode(home: Path, token: str) -> None:
    """A VS Code chat session journal (objectMutationLog.ts): a call completed by a later Set, a
    request pushed later, a part pushed and then cut away by a push with "i", a denial, an error
    from a server no config defines, a built-in tool, a malformed line and a partly written one."""
    user = home / ".config/Code/User"
    user.mkdir(parents=True, exist_ok=True)
    (user / "mcp.json").write_text(json.dumps({"servers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]},
        "idle": {"command": "npx", "args": ["-y", "idle-mcp"]}}}, indent=2), encoding="utf-8")
    storage = user / "workspaceStorage/5f2c0e4d9b1a"
    (storage / "chatSessions").mkdir(parents=True)
    (storage / "workspace.json").write_text(json.dumps({"folder": "file://" + VSAPP}), encoding="utf-8")

    def tool(call_id: str, label: str, tool_id: str, *, done: bool = True, confirmed: int | None = 1,
             error: bool = False, source: dict | None = None) -> dict:
        part = {"kind": "toolInvocationSerialized", "toolCallId": call_id, "toolId": tool_id,
                "source": source or {"type": "mcp", "label": label, "serverLabel": CANARY, "instructions": CANARY,
                                     "collectionId": "mcp.config.usrlocal", "definitionId": f"mcp.config.usrlocal.{label}"},
                "invocationMessage": {"value": CANARY}, "pastTenseMessage": {"value": CANARY}, "generatedTitle": CANARY,
                "toolSpecificData": {"kind": "input", "rawInput": {"q": CANARY}}, "isComplete": done,
                "resultDetails": {"input": CANARY, "output": [{"type": "embed", "value": f"{CANARY} {token}"}]}}
        if confirmed is not None:
            part["isConfirmed"] = {"type": confirmed}
        if error:
            part["resultError"] = CANARY
        return part

    def request(request_id: str, at: str, parts: list) -> dict:
        return {"requestId": request_id, "timestamp": at, "message": {"text": f"{CANARY} {token}", "parts": []},
                "response": [{"value": CANARY}, *parts], "modelId": "copilot/gpt-5", "variableData": {"variables": []}}

    october_8, october_9 = 1791450000000, 1791536400000  # 2026-10-08T09:00:00Z, 2026-10-09T09:00:00Z
    built_in = {"type": "internal", "label": "Built-In"}
    _lines(storage / "chatSessions/0a1b2c3d-vs.jsonl", [
        {"kind": 0, "v": {"version": 3, "sessionId": "vs-sess-1", "creationDate": october_8, "customTitle": CANARY,
                          "inputState": {"inputText": CANARY, "attachments": []},
                          "requests": [request("r0", october_8, [tool("c1", "github", "mcp_github_list_issues",
                                                                      done=False, confirmed=None)])]}},
        {"kind": 1, "k": ["requests", 0, "response", 1], "v": tool("c1", "github", "mcp_github_list_issues")},
        {"kind": 2, "k": ["requests"], "v": [request("r1", october_9, [])]},
        {"kind": 2, "k": ["requests", 1, "response"], "v": [tool("b1", "", "copilot_readFile", source=built_in),
                                                          tool("c2", "github", "mcp_github_get_me")]},
        {"kind": 2, "k": ["requests", 1, "response"], "i": 2,  # cuts c2 away before pushing
         "v": [tool("c3", "github", "mcp_github_create_issue", confirmed=0, done=True)]},
        {"kind": 2, "k": ["requests", 1, "response"], "v": [tool("c4", "jira-old", "mcp_jira-old_search", error=True)]},
        "{not json " + CANARY,
        {"kind": 1, "k": ["inputState", "inputText"], "v": f"{CANARY} {token}"},
    ], tail='{"kind":1,"k":["requests",1,"response",2],"v":{"kind":"toolInvocationSerialized","toolCallId":"' + CANARY)

    # Older builds' whole-file sessions (chatSessionStore.ts writeSession: JSON.stringify(ChatModel.toJSON(),
    # undefined, 2), sessionId after the requests): one in the workspace's chatSessions/, a success, a
    # denial and a built-in tool; one of a window without a folder (globalStorage/emptyWindowChatSessions/),
    # an error, then a request VS Code was still writing when the file was read (cut short: not counted).
    october_10 = 1791622800000  # 2026-10-10T09:00:00Z

    def whole(requests: list) -> dict:
        return {"version": 3, "requesterUsername": CANARY, "responderUsername": "GitHub Copilot",
                "initialLocation": "panel", "requests": requests, "sessionId": f"vs-old-{len(requests)}",
                "creationDate": october_10, "lastMessageDate": october_10, "customTitle": CANARY,
                "inputState": {"inputText": CANARY}}

    older = whole([request("o0", october_10, [
        tool("o1", "github", "mcp_github_get_file_contents"), tool("b2", "", "copilot_readFile", source=built_in),
        tool("o2", "github", "mcp_github_get_file_contents", confirmed=0)])])
    (storage / "chatSessions/9e8d7c6b-old.json").write_text(json.dumps(older, indent=2, ensure_ascii=False),
                                                            encoding="utf-8")
    empty_window = user / "globalStorage/emptyWindowChatSessions"
    empty_window.mkdir(parents=True)
    cut = json.dumps(whole([request("e0", october_10, [tool("e1", "github", "mcp_github_search_code", error=True)]),
                            request("e1", october_10, [tool("e2", "github", "mcp_github_fork_repository")])]),
                     indent=2, ensure_ascii=False)
    (empty_window / "4d3c2b1a-empty.json").write_text(cut[:cut.index('"toolCallId": "e2"')], encoding="utf-8")


def build_home(home: Path, token: str) -> Path:
    """Write every client's records and configs under ``home`` (a Linux layout)."""
    _claude(home, token)
    _codex(home, token)
    _gemini(home, token)
    _desktop(home, token)
    _cursor(home, token)
    _vscode(home, token)
    return home


def outcomes(success: int = 0, error: int = 0, denied: int = 0) -> dict[str, int]:
    return {"success": success, "error": error, "denied": denied}


# (client, server, tool) -> (calls, projects, sessions, outcomes)
EXPECTED_TOOLS = {
    ("claude-code", "github", "create_pull_request"): (2, [APP], 1, outcomes(success=1, denied=1)),
    ("claude-code", "github", "search_issues"): (1, [APP], 1, outcomes(success=1)),
    ("claude-code", "linear", "list_issues"): (1, [APP], 1, outcomes(success=1)),
    ("claude-code", "puppeteer", "navigate"): (1, [APP], 1, outcomes(error=1)),
    ("codex", "my-docs", "search"): (1, [API], 1, outcomes(success=1)),
    ("codex", "github", "get_issue"): (1, [API], 1, outcomes(denied=1)),
    ("codex", "github", "list_prs"): (1, [API], 1, outcomes(success=1)),
    ("codex", "removed_srv", "do_it"): (1, [API], 1, outcomes(error=1)),
    ("gemini-cli", "github-tools", "get_issue"): (1, [WEB], 1, outcomes(success=1)),
    ("gemini-cli", "fs", "read_text"): (1, [WEB], 1, outcomes(denied=1)),
    ("gemini-cli", "filesystem", "list_directory"): (1, [], 1, outcomes(success=1)),
    ("claude-desktop", "notes", "create_note"): (2, [], 0, outcomes(success=1, error=1)),
    ("claude-desktop", "notes", "delete_note"): (1, [], 0, outcomes(error=1)),
    ("claude-desktop", "notes", "(not logged)"): (1, [], 0, outcomes()),
    ("cursor", "db-tools", "run_query"): (2, [], 1, outcomes(success=1, denied=1)),
    ("vscode", "github", "list_issues"): (1, [VSAPP], 1, outcomes(success=1)),
    ("vscode", "github", "create_issue"): (1, [VSAPP], 1, outcomes(denied=1)),
    ("vscode", "jira-old", "search"): (1, [VSAPP], 1, outcomes(error=1)),
    ("vscode", "github", "get_file_contents"): (2, [VSAPP], 1, outcomes(success=1, denied=1)),
    ("vscode", "github", "search_code"): (1, [], 1, outcomes(error=1)),
}

# (client, server) -> (status, calls, config file)
EXPECTED_SERVERS = {
    ("claude-code", "github"): ("used", 3, "~/.claude.json"),
    ("claude-code", "linear"): ("used", 1, "~/.claude.json"),
    ("claude-code", "slack"): ("dormant", 0, "~/.claude.json"),
    ("claude-code", "puppeteer"): ("unknown", 1, None),
    ("codex", "my-docs"): ("used", 1, "~/.codex/config.toml"),
    ("codex", "github"): ("used", 2, "~/.codex/config.toml"),
    ("codex", "unused"): ("dormant", 0, "~/.codex/config.toml"),
    ("codex", "removed_srv"): ("unknown", 1, None),
    ("gemini-cli", "github-tools"): ("used", 1, "~/.gemini/settings.json"),
    ("gemini-cli", "fs"): ("used", 1, "~/.gemini/settings.json"),
    ("gemini-cli", "filesystem"): ("used", 1, "~/.gemini/settings.json"),
    ("claude-desktop", "notes"): ("used", 4, "~/.config/Claude/claude_desktop_config.json"),
    ("cursor", "db-tools"): ("used", 2, "~/.cursor/mcp.json"),
    ("vscode", "github"): ("used", 5, "~/.config/Code/User/mcp.json"),
    ("vscode", "idle"): ("dormant", 0, "~/.config/Code/User/mcp.json"),
    ("vscode", "jira-old"): ("unknown", 1, None),
}
