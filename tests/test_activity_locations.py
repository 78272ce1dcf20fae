"""Where records are found beyond the defaults: Codex under ``$CODEX_HOME`` (openai/codex
codex-rs/utils/home-dir/src/lib.rs) and Gemini project folders named by their ``.project_root``
marker (google-gemini/gemini-cli packages/core/src/config/projectRegistry.ts)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mcpiam.catalogue import default_catalogue
from mcpiam.discover.homes import Home, SweepPlan
from mcpiam.engine.sweep import run_sweep

NOW = datetime(2026, 10, 31, tzinfo=timezone.utc)
ROOT = "/home/u/src/renamed"


def sweep(home: Path, env: tuple[tuple[str, str], ...] = ()):  # type: ignore[no-untyped-def]
    plan = SweepPlan("linux", (Home(home, "u", "~", env),))
    return run_sweep(plan, catalogue=default_catalogue(), hostname="host", now=NOW, activity=True).scan


def _codex_home(directory: Path) -> None:
    """A Codex home: one configured server, one call in a rollout, one in an archived copy of it."""
    directory.mkdir(parents=True)
    (directory / "config.toml").write_text('[mcp_servers.docs]\ncommand = "npx"\nargs = ["docs-mcp"]\n',
                                           encoding="utf-8")
    records = [
        {"timestamp": "2026-10-10T10:00:00.000Z", "type": "session_meta", "payload": {"id": "s1", "cwd": "/w/api"}},
        {"timestamp": "2026-10-10T10:00:01.000Z", "type": "response_item",
         "payload": {"type": "function_call", "name": "mcp__docs__search", "arguments": "{}", "call_id": "c1"}},
        {"timestamp": "2026-10-10T10:00:02.000Z", "type": "response_item",
         "payload": {"type": "function_call_output", "call_id": "c1", "output": "[]"}},
    ]
    name = "rollout-2026-10-10T10-00-00-0199a000-0000-7000-8000-000000000009.jsonl"
    text = "".join(json.dumps(record) + "\n" for record in records)
    for folder in ("sessions/2026/10/10", "archived_sessions"):
        (directory / folder).mkdir(parents=True)
        (directory / folder / name).write_text(text, encoding="utf-8")


def test_codex_records_and_config_under_codex_home_are_read(tmp_path: Path) -> None:
    home = tmp_path / "u"
    home.mkdir()
    _codex_home(home / "agents" / "codex")
    result = sweep(home, (("CODEX_HOME", str(home / "agents" / "codex")),))
    usage = result.activity
    docs = usage.server("codex", "docs")
    assert docs is not None and (docs.status, docs.calls, docs.config_file) == ("used", 1, "~/agents/codex/config.toml")
    assert docs.projects == ("/w/api",)


def test_without_the_variable_codex_home_is_the_default(tmp_path: Path) -> None:
    home = tmp_path / "u"
    home.mkdir()
    _codex_home(home / "agents" / "codex")
    assert sweep(home).activity.server("codex", "docs") is None  # nothing at ~/.codex, and no override
    _codex_home(home / ".codex")
    docs = sweep(home).activity.server("codex", "docs")
    assert docs is not None and (docs.calls, docs.config_file) == (1, "~/.codex/config.toml")


def _gemini_chat(home: Path, folder: str) -> None:
    (home / ".gemini").mkdir(parents=True, exist_ok=True)
    (home / ".gemini/settings.json").write_text(json.dumps({"mcpServers": {"docs": {"command": "npx"}}}),
                                                encoding="utf-8")
    chat = home / ".gemini/tmp" / folder / "chats/session-2026-10-12T10-00-aaaa0000.jsonl"
    chat.parent.mkdir(parents=True)
    call = {"id": "t1", "name": "mcp_docs_search", "args": {}, "status": "success", "displayName": "search (docs MCP Server)",
            "timestamp": "2026-10-12T10:00:05.000Z"}
    records = [{"sessionId": "g1", "projectHash": "0" * 64, "startTime": "2026-10-12T10:00:00.000Z", "kind": "main"},
               {"id": "m1", "timestamp": "2026-10-12T10:00:05.000Z", "type": "gemini", "content": "", "toolCalls": [call]}]
    chat.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def gemini_projects(home: Path) -> tuple[str, ...]:
    tools = [tool for tool in sweep(home).activity.tools if tool.client == "gemini-cli"]
    assert [(tool.server, tool.tool, tool.calls) for tool in tools] == [("docs", "search", 1)]
    return tools[0].projects


def test_a_gemini_folder_is_named_by_its_project_root_marker(tmp_path: Path) -> None:
    home = tmp_path / "u"
    _gemini_chat(home, "renamed-1")
    assert gemini_projects(home) == ()  # no projects.json entry, no marker: the project is not known
    (home / ".gemini/tmp/renamed-1/.project_root").write_text(ROOT, encoding="utf-8")  # as the CLI writes it
    assert gemini_projects(home) == (ROOT,)


def test_the_marker_wins_over_a_stale_projects_json(tmp_path: Path) -> None:
    home = tmp_path / "u"
    _gemini_chat(home, "app")
    (home / ".gemini/projects.json").write_text(json.dumps({"projects": {"/old/app": "app"}}), encoding="utf-8")
    assert gemini_projects(home) == ("/old/app",)
    (home / ".gemini/tmp/app/.project_root").write_text(ROOT + "\n", encoding="utf-8")
    assert gemini_projects(home) == (ROOT,)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary", b"relative/path", b"", b"/a\n/b"])
def test_an_unusable_marker_is_noted_by_path_not_content(tmp_path: Path, content: bytes) -> None:
    home = tmp_path / "u"
    _gemini_chat(home, "app")
    (home / ".gemini/tmp/app/.project_root").write_bytes(content)
    result = sweep(home)
    tools = [tool for tool in result.activity.tools if tool.client == "gemini-cli"]
    assert tools[0].projects == () and tools[0].calls == 1
    notes = [note for note in result.notes if note.path.endswith(".project_root")]
    assert [(note.path, note.level, note.code) for note in notes] == [
        ("~/.gemini/tmp/app/.project_root", "warning", "malformed-project-root")]
    assert "relative" not in notes[0].message and "binary" not in notes[0].message


def test_a_compressed_codex_rollout_is_a_warning_not_a_silent_skip(tmp_path: Path) -> None:
    home = tmp_path / "u"
    home.mkdir()
    _codex_home(home / ".codex")
    rollout = next((home / ".codex/sessions").rglob("rollout-*.jsonl"))
    compressed = rollout.with_name(rollout.name.replace("0009", "0010") + ".zst")
    compressed.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(64)))  # a zstd frame's magic, then noise
    result = sweep(home)
    notes = [note for note in result.notes if note.code == "record-not-read"]
    shown = "~/.codex/sessions/2026/10/10/" + compressed.name
    assert [(note.path, note.level) for note in notes] == [(shown, "warning")]
    assert "zstd" in notes[0].message
    assert result.activity.server("codex", "docs").calls == 1  # the plain rollout is still counted once


def test_nesting_deeper_than_the_parser_goes_is_a_malformed_record_in_every_format(tmp_path: Path) -> None:
    """A hostile line of 100,000 "[" made json.loads raise RecursionError, an internal error."""
    import sqlite3

    deep = "[" * 100_000
    home = tmp_path / "u"
    files = {
        ".claude/projects/-p/s.jsonl": deep,
        ".codex/sessions/2026/10/01/rollout-2026-10-01T10-00-00-x.jsonl": deep,
        ".gemini/tmp/p/chats/session-2026-10-01T10-00-aaaa0000.jsonl": deep,
        ".gemini/tmp/p/chats/session-2026-10-01T10-00-bbbb0000.json": '{\n  "messages": [\n    {\n' + deep + "\n    }\n  ]\n}",
        ".config/Claude/logs/mcp-server-x.log": "2026-10-01T00:00:00.000Z [x] [info] Message from client: " + deep,
        ".config/Code/User/workspaceStorage/h/chatSessions/s.jsonl": deep,
        ".config/Code/User/workspaceStorage/h/workspace.json": '{"folder": ' + deep,
        ".gemini/projects.json": deep,
    }
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text + "\n", encoding="utf-8")
    database = home / ".config/Cursor/User/globalStorage/state.vscdb"
    database.parent.mkdir(parents=True)
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    connection.execute("INSERT INTO cursorDiskKV VALUES (?, ?)", ("bubbleId:c:b", deep))
    connection.commit()
    connection.close()
    result = sweep(home)
    assert result.activity.tools == ()
    malformed = {note.path for note in result.notes if note.code.startswith("malformed")}
    # A Claude Desktop log line's body need not be JSON: one that is not is passed over, as before.
    quiet = ("workspace.json", ".log")
    assert malformed >= {"~/" + name for name in files if not name.endswith(quiet)} | {
        "~/.config/Cursor/User/globalStorage/state.vscdb"}
