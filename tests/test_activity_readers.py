"""The activity readers on a generated home with every supported format: counts, outcomes,
statuses, notes and credential positions exact."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from activity_records import CANARY, EXPECTED_SERVERS, EXPECTED_TOOLS, build_home
from mcpiam.activity import lines as lines_module
from mcpiam.activity.calls import ReadContext
from mcpiam.activity.lines import LineReader
from mcpiam.activity.readers import reader
from mcpiam.catalogue import default_catalogue
from mcpiam.engine.sweep import make_plan, run_sweep
from mcpiam.secrets.families import expand_example

NOW = datetime(2026, 10, 31, tzinfo=timezone.utc)


def sweep_home(home: Path, **options):  # type: ignore[no-untyped-def]
    catalogue = default_catalogue()
    plan, _ = make_plan(home=home, platform="linux", all_users=False, projects=False, system_root=None,
                        environ={}, catalogue=catalogue)
    return run_sweep(plan, catalogue=catalogue, hostname="host", now=NOW, activity=True, **options)


@pytest.fixture(scope="module")
def token() -> str:
    return expand_example("ghp_{github_crc:30}")


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory, token: str):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("home") / "u"
    home.mkdir()
    build_home(home, token)
    return home, sweep_home(home)


def test_every_tool_counted_once_with_its_outcomes(swept) -> None:  # type: ignore[no-untyped-def]
    usage = swept[1].scan.activity
    got = {(t.client, t.server, t.tool): (t.calls, list(t.projects), t.sessions, dict(t.outcomes))
           for t in usage.tools}
    assert got == EXPECTED_TOOLS


def test_every_server_has_its_status(swept) -> None:  # type: ignore[no-untyped-def]
    usage = swept[1].scan.activity
    got = {(s.client, s.server): (s.status, s.calls, s.config_file) for s in usage.servers}
    assert got == EXPECTED_SERVERS


def test_last_seen_and_window(swept) -> None:  # type: ignore[no-untyped-def]
    usage = swept[1].scan.activity
    github = usage.server("claude-code", "github")
    assert github.last_seen == datetime(2026, 10, 23, 12, 0, tzinfo=timezone.utc)
    assert github.tools == ("create_pull_request", "search_issues")
    assert usage.window_from == datetime(2026, 10, 1, 10, 0, 2, tzinfo=timezone.utc)  # the first Codex call
    assert usage.window_to == NOW


def test_since_bounds_the_window(tmp_path: Path, token: str) -> None:
    home = tmp_path / "u"
    home.mkdir()
    build_home(home, token)
    usage = sweep_home(home, since=datetime(2026, 10, 20, tzinfo=timezone.utc)).scan.activity
    assert usage.window_from == datetime(2026, 10, 20, tzinfo=timezone.utc)
    statuses = {(s.client, s.server): s.status for s in usage.servers}
    assert statuses[("codex", "my-docs")] == "dormant"  # its only call was on 1 October
    assert statuses[("claude-code", "github")] == "used"


def test_malformed_and_partial_lines_are_noted_by_number_only(swept) -> None:  # type: ignore[no-untyped-def]
    notes = [n for n in swept[1].scan.notes if n.code in ("malformed-record-line", "partial-record-line")]
    assert [(n.path, n.level, n.code, n.span.start_line if n.span else None) for n in notes] == [
        ("~/.claude/projects/-home-u-src-app/sess-1.jsonl", "warning", "malformed-record-line", 14),
        ("~/.claude/projects/-home-u-src-app/sess-1.jsonl", "info", "partial-record-line", 17),
        # The whole-file session cut inside its second request: the request's first line.
        ("~/.config/Code/User/globalStorage/emptyWindowChatSessions/4d3c2b1a-empty.json", "info",
         "partial-record-line", 64),
        ("~/.config/Code/User/workspaceStorage/5f2c0e4d9b1a/chatSessions/0a1b2c3d-vs.jsonl", "warning",
         "malformed-record-line", 7),
        ("~/.config/Code/User/workspaceStorage/5f2c0e4d9b1a/chatSessions/0a1b2c3d-vs.jsonl", "info",
         "partial-record-line", 9),
        ("~/.config/Cursor/User/globalStorage/state.vscdb", "warning", "malformed-record-line", None),
    ]
    assert all(CANARY not in n.message for n in swept[1].scan.notes)


def test_credentials_at_their_line_and_column_in_every_record(swept, token: str) -> None:  # type: ignore[no-untyped-def]
    home, result = swept
    found = result.scan.activity.credentials
    places = {(c.client, c.file) for c in found}
    assert places == {
        ("claude-code", "~/.claude/projects/-home-u-src-app/sess-1.jsonl"),
        ("claude-code", "~/.claude/history.jsonl"),
        ("codex", "~/.codex/sessions/2026/10/01/rollout-2026-10-01T10-00-00-0199a000-0000-7000-8000-000000000001.jsonl"),
        ("codex", "~/.codex/archived_sessions/rollout-2026-10-01T10-00-00-0199a000-0000-7000-8000-000000000001.jsonl"),
        ("codex", "~/.codex/history.jsonl"),
        ("gemini-cli", "~/.gemini/tmp/web/chats/session-2026-10-02T10-00-abcd1234.jsonl"),
        ("gemini-cli", "~/.gemini/tmp/web/logs.json"),
        ("gemini-cli", next(c.file for c in found if c.file.endswith("ffff0000.json"))),
        ("claude-desktop", "~/.config/Claude/logs/mcp-server-notes.log"),
        ("claude-desktop", "~/.config/Claude/logs/mcp.log"),
        ("cursor", "~/.config/Cursor/User/globalStorage/state.vscdb"),
        ("vscode", "~/.config/Code/User/workspaceStorage/5f2c0e4d9b1a/chatSessions/0a1b2c3d-vs.jsonl"),
        ("vscode", "~/.config/Code/User/workspaceStorage/5f2c0e4d9b1a/chatSessions/9e8d7c6b-old.json"),
        ("vscode", "~/.config/Code/User/globalStorage/emptyWindowChatSessions/4d3c2b1a-empty.json"),
    }
    in_database = [c for c in found if c.route]
    assert sorted(c.route[1] for c in in_database) == ["bubbleId:comp-1:b1", "bubbleId:comp-1:b2",
                                                        "bubbleId:comp-1:b3", "bubbleId:comp-1:b4"]
    import sqlite3

    database = sqlite3.connect(home / ".config/Cursor/User/globalStorage/state.vscdb")
    for credential in in_database:
        (value,) = database.execute("SELECT value FROM cursorDiskKV WHERE key = ?", (credential.route[1],)).fetchone()
        line = value.split("\n")[credential.span.start_line - 1]
        assert line[credential.span.start_column - 1:credential.span.end_column - 1] == token
    database.close()
    for credential in found:
        if credential.route:
            continue
        text = (home / credential.file.removeprefix("~/")).read_text(encoding="utf-8").split("\n")
        line = text[credential.span.start_line - 1]
        start, end = credential.span.start_column - 1, credential.span.end_column - 1
        assert line[start:end] == token
        assert credential.preview == f"ghp_…{token[-4:]}"
    assert len({c.fingerprint for c in found}) == 1
    # Every copy in the session: the prompt, the tool result, and the malformed line.
    session = [c.span.start_line for c in found if c.file.endswith("sess-1.jsonl")]
    assert session == [2, 7, 14]


def test_a_token_after_an_escaped_line_break_is_found(tmp_path: Path, token: str) -> None:
    home = tmp_path / "u"
    (home / ".claude/projects/-p").mkdir(parents=True)
    line = '{"type":"user","message":{"content":"paste:\\n' + token + '"}}\n'
    (home / ".claude/projects/-p/s.jsonl").write_text(line, encoding="utf-8")
    found = sweep_home(home).scan.activity.credentials
    assert [(c.span.start_line, c.span.start_column) for c in found] == [(1, line.index(token) + 1)]


def _read(path: Path, name: str, client: str = "claude-code") -> tuple[list, list]:
    notes: list = []
    context = ReadContext(client, path.name, path.name, lambda *args: notes.append(args))
    reader_lines = LineReader(str(path), path.name, None, None)
    calls = list(reader(name)(reader_lines.lines(), context))
    return calls, notes + reader_lines.notes


def test_an_overlong_line_is_skipped_and_reading_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines_module, "MAX_LINE_BYTES", 256)
    path = tmp_path / "s.jsonl"
    call = ('{"type":"assistant","sessionId":"s","message":{"content":[{"type":"tool_use","id":"t1",'
            '"name":"mcp__github__get_me"}]}}')
    path.write_text('{"type":"user","message":{"content":"' + CANARY * 100 + '"}}\n' + call + "\n", encoding="utf-8")
    calls, notes = _read(path, "claude_code")
    assert [(c.server, c.tool, c.line) for c in calls] == [("github", "get_me", 2)]
    assert [(n.code, n.span.start_line) for n in notes] == [("long-record-line", 1)]


def test_a_file_refused_by_the_fence_is_noted(tmp_path: Path) -> None:
    (tmp_path / "real.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "real.jsonl")
    from mcpiam.core.safe_open import Fence

    reader_lines = LineReader(str(tmp_path / "link.jsonl"), "link.jsonl", Fence.around(tmp_path / "elsewhere"), None)
    assert list(reader_lines.lines()) == []
    assert [n.code for n in reader_lines.notes] == ["link-outside-tree"]


def test_binary_garbage_gives_notes_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\x00\xff\xfe" * 1000 + b"\n" + bytes(range(256)) + b"\n")
    for name in ("claude_code", "codex", "gemini", "claude_desktop"):
        calls, notes = _read(path, name)
        assert calls == []
        assert {n[1] for n in notes} <= {"malformed-record-line"}


def test_links_out_of_the_home_and_fifos_are_noted_not_read(tmp_path: Path, token: str) -> None:
    import os

    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text('{"type":"user","message":{"content":"' + token + '"}}\n', encoding="utf-8")
    home = tmp_path / "u"
    (home / ".claude/projects/-p").mkdir(parents=True)
    (home / ".claude/projects/-p/linked.jsonl").symlink_to(outside)
    os.mkfifo(home / ".claude/projects/-p/pipe.jsonl")
    result = sweep_home(home)
    assert result.scan.activity.credentials == ()
    notes = {(n.path, n.code) for n in result.scan.notes}
    assert ("~/.claude/projects/-p/linked.jsonl", "link-outside-home") in notes
    assert ("~/.claude/projects/-p/pipe.jsonl", "special-file") in notes
    assert all("config" not in n.message for n in result.scan.notes)
