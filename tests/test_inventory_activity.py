"""``mcpiam inventory --activity``: each server of a home's inventory with its last use, calls in
the last 30 days and tools used, from records whose counts are known (tests/activity_records.py,
and a small home written here with calls on both sides of the 30-day line). Where no record of a
server's client was read, every format says "not read" (JSON: null), never 0; without
``--activity`` no format gains a usage column or key."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from activity_records import EXPECTED_SERVERS, build_home
from mcpiam.cli.main import main
from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]
EPOCH_2026_10_31 = "1793404800"
HOME_ARGS = ["--platform", "linux"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inventory-activity") / "u"
    path.mkdir()
    return build_home(path, expand_example("ghp_{github_crc:30}"))


def _claude_call(tool_id: str, name: str, at: str, *, denied: bool = False) -> list[dict]:
    base = {"cwd": "/home/v/app", "sessionId": "s-" + at[:10], "version": "2.1.59", "isSidechain": False}
    result = {"tool_use_id": tool_id, "type": "tool_result", "content": "ok"}
    if denied:
        result.update(is_error=True, content="The user doesn't want to proceed with this tool use. The tool use "
                                             "was rejected (eg. if it was a file edit, the new_string was NOT written "
                                             "to the file). STOP what you are doing and wait for the user to tell "
                                             "you how to proceed.")
    return [
        {**base, "type": "assistant", "uuid": "a-" + tool_id, "timestamp": at,
         "message": {"id": "m-" + tool_id, "role": "assistant",
                     "content": [{"type": "tool_use", "id": tool_id, "name": name, "input": {}}]}},
        {**base, "type": "user", "uuid": "u-" + tool_id, "timestamp": at,
         "message": {"role": "user", "content": [result]}},
    ]


@pytest.fixture(scope="module")
def small_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Claude Code: github called 2026-09-10 (41 days before 2026-10-31) and twice on 2026-10-20 (one
    denied), slack never; a VS Code server, whose records mcpiam has no reader for."""
    path = tmp_path_factory.mktemp("inventory-30d") / "v"
    path.mkdir()
    (path / ".claude.json").write_text(json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]},
        "slack": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack"]}}}, indent=2),
        encoding="utf-8")
    vscode = path / ".config/Code/User"
    vscode.mkdir(parents=True)
    (vscode / "mcp.json").write_text(json.dumps({"servers": {"jira": {"command": "npx", "args": ["jira-mcp"]}}}),
                                     encoding="utf-8")
    records = [*_claude_call("t1", "mcp__github__search_issues", "2026-09-10T08:00:00.000Z"),
               *_claude_call("t2", "mcp__github__create_issue", "2026-10-20T09:00:00.000Z"),
               *_claude_call("t3", "mcp__github__create_issue", "2026-10-20T09:30:00.000Z", denied=True),
               *_claude_call("t4", "Bash", "2026-10-20T09:40:00.000Z")]  # a built-in tool: not a server's
    session = path / ".claude/projects/-home-v-app/s.jsonl"
    session.parent.mkdir(parents=True)
    session.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_10_31)
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def inventory(home: Path, fmt: str, capsys, monkeypatch, *extra: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = run(["inventory", "--activity", "--home", str(home), *HOME_ARGS, "-f", fmt, *extra],
                         capsys, monkeypatch)
    assert code == 0, err
    return out


def schema() -> dict:
    return json.loads((ROOT / "scanner/mcpiam/report/inventory.schema.json").read_text(encoding="utf-8"))


def by_server(document: dict) -> dict[tuple[str, str], dict]:
    return {(server["client"], server["server"]): server["activity"] for server in document["servers"]}


def test_json_gives_each_configured_server_its_known_usage(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(inventory(home, "json", capsys, monkeypatch))
    jsonschema.validate(document, schema())
    assert document["activity"] == {
        "window": {"from": "2026-10-01T10:00:02Z", "to": "2026-10-31T00:00:00Z"},
        "clients_read": ["claude-code", "claude-desktop", "codex", "cursor", "gemini-cli", "vscode"], "recent_days": 30}
    servers = by_server(document)
    configured = {key: value for key, value in EXPECTED_SERVERS.items() if value[0] != "unknown"}
    assert set(servers) == set(configured)  # a server no config defines is the usage view's, not a row
    for key, (status, calls, _) in configured.items():
        assert (servers[key]["status"], servers[key]["calls"], servers[key]["calls_30d"]) == (status, calls, calls), key
    assert servers[("claude-code", "github")] == {
        "records_read": True, "status": "used", "last_used": "2026-10-23T12:00:00Z", "calls": 3, "calls_30d": 3,
        "tools_used": ["create_pull_request", "search_issues"]}
    assert servers[("claude-code", "slack")] == {
        "records_read": True, "status": "dormant", "last_used": None, "calls": 0, "calls_30d": 0, "tools_used": []}


def test_calls_30d_counts_only_the_last_30_days(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    servers = by_server(json.loads(inventory(small_home, "json", capsys, monkeypatch)))
    assert servers[("claude-code", "github")] == {
        "records_read": True, "status": "used", "last_used": "2026-10-20T09:30:00Z", "calls": 3, "calls_30d": 2,
        "tools_used": ["create_issue", "search_issues"]}
    # --since bounds the window: the September call is out of it, and so out of both counts.
    servers = by_server(json.loads(inventory(small_home, "json", capsys, monkeypatch, "--since", "2026-10-01")))
    assert (servers[("claude-code", "github")]["calls"], servers[("claude-code", "github")]["calls_30d"]) == (2, 2)


def test_a_client_whose_records_were_not_read_is_not_zero(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(inventory(small_home, "json", capsys, monkeypatch))
    jsonschema.validate(document, schema())
    assert document["activity"]["clients_read"] == ["claude-code"]
    assert by_server(document)[("vscode", "jira")] == {
        "records_read": False, "status": None, "last_used": None, "calls": None, "calls_30d": None,
        "tools_used": None}
    rows = {(row["client"], row["server"]): row
            for row in csv.DictReader(io.StringIO(inventory(small_home, "csv", capsys, monkeypatch)))}
    assert [rows[("vscode", "jira")][key] for key in ("last_used", "calls_30d", "tools_used")] == ["not read"] * 3
    assert [rows[("claude-code", "slack")][key] for key in ("last_used", "calls_30d", "tools_used")] == [
        "none recorded", "0", ""]
    assert [rows[("claude-code", "github")][key] for key in ("last_used", "calls_30d", "tools_used")] == [
        "2026-10-20T09:30:00Z", "2", "create_issue; search_issues"]


def test_the_table_ends_with_the_usage_columns(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lines = inventory(small_home, "table", capsys, monkeypatch).splitlines()
    assert lines[0].endswith("OWNER SOURCE  LAST USED             CALLS (30 D)  TOOLS USED")
    rows = {line.split()[3]: line for line in lines[1:]}
    assert rows["github"].endswith("2026-10-20T09:30:00Z  2             create_issue, search_issues")
    assert rows["slack"].endswith("none recorded         0             -")
    assert rows["jira"].endswith("not read              not read      not read")


def test_the_review_sheet_weighs_each_server_against_its_use(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = {row["server"]: row for row in csv.DictReader(io.StringIO(inventory(small_home, "review", capsys, monkeypatch)))}
    header = list(rows["github"])
    assert header[header.index("scope_findings") + 1:] == ["last_used", "calls_30d", "tools_used", "decision", "reviewer"]
    assert (rows["github"]["last_used"], rows["github"]["calls_30d"], rows["github"]["tools_used"]) == (
        "2026-10-20T09:30:00Z", "2", "create_issue; search_issues")
    assert (rows["slack"]["last_used"], rows["slack"]["calls_30d"]) == ("none recorded", "0")
    assert rows["jira"]["calls_30d"] == "not read"
    markdown = inventory(small_home, "review-md", capsys, monkeypatch)
    assert "| Last used | Calls (30 d) | Tools used | Decision (keep / modify / revoke) |" in markdown
    assert "| 2026-10-20T09:30:00Z | 2 | create_issue<br>search_issues |" in markdown


def test_the_ai_bom_carries_the_usage_as_properties(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bom = json.loads(inventory(small_home, "cyclonedx", capsys, monkeypatch))
    properties = {}
    for component in bom["components"]:
        named = [(p["name"], p["value"]) for p in component["properties"]]
        properties[dict(named)["mcpiam:server"]] = named
    assert ("mcpiam:last-used", "2026-10-20T09:30:00Z") in properties["github"]
    assert ("mcpiam:calls-30d", "2") in properties["github"]
    assert [value for name, value in properties["github"] if name == "mcpiam:tool-used"] == ["create_issue", "search_issues"]
    assert ("mcpiam:calls-30d", "0") in properties["slack"]
    assert ("mcpiam:calls-30d", "not read") in properties["jira"]


def test_without_activity_no_format_has_a_usage_column(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(small_home)
    code, out, _ = run(["inventory", "-f", "json", ".claude.json"], capsys, monkeypatch)
    document = json.loads(out)
    assert code == 0 and "activity" not in document and all("activity" not in s for s in document["servers"])
    _, out, _ = run(["inventory", "-f", "csv", ".claude.json"], capsys, monkeypatch)
    assert out.splitlines()[0].endswith(",owner,owner_source")
    _, out, _ = run(["inventory", "-f", "review", ".claude.json"], capsys, monkeypatch)
    assert "last_used" not in out.splitlines()[0]


@pytest.mark.parametrize("argv", [
    ["inventory", "--home", "."],  # the home goes with --activity
    ["inventory", "--since", "2026-10-01"],
    ["inventory", "--activity", "some-repo"],  # --activity inventories a home, not PATHS
])
def test_usage_errors_exit_2(argv: list[str], small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(small_home)
    code, _, err = run(argv, capsys, monkeypatch)
    assert code == 2
    assert "--activity" in err


def test_the_documented_command_runs_and_gives_the_documented_columns(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = (ROOT / "docs" / "inventory.md").read_text(encoding="utf-8")
    section = page[page.index("## When each server was last used"):]
    command = next(line for line in section.splitlines() if line.startswith("mcpiam inventory --activity"))
    argv = [str(small_home) if word == "DIR" else word for word in command.split()[1:]]
    code, out, _ = run(argv, capsys, monkeypatch)
    header = out.splitlines()[0].split(",")
    assert code == 0 and header[-3:] == ["last_used", "calls_30d", "tools_used"]
    assert all(f"`{key}`" in section for key in header[-3:])


def test_what_could_not_be_read_is_said_on_standard_error(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(["inventory", "--activity", "--home", str(home), *HOME_ARGS, "-f", "csv"], capsys, monkeypatch)
    assert code == 0 and "sess-1.jsonl:14: not a JSON record; skipped" in err
    assert "sess-1.jsonl" not in out


def test_the_sweep_environment_variables_do_not_break_a_plain_inventory(small_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """MCPIAM_HOME, MCPIAM_PLATFORM and MCPIAM_SINCE are sweep's too: set, they leave a plain
    inventory of PATHS alone; written as flags without --activity, they are a usage error."""
    monkeypatch.chdir(small_home)
    for name, value in (("MCPIAM_HOME", str(small_home)), ("MCPIAM_PLATFORM", "linux"), ("MCPIAM_SINCE", "2026-10-01")):
        monkeypatch.setenv(name, value)
    code, out, _ = run(["inventory", "-f", "csv", ".claude.json"], capsys, monkeypatch)
    assert code == 0 and out.splitlines()[0].endswith(",owner,owner_source")
    code, out, _ = run(["inventory", "--activity", "-f", "csv"], capsys, monkeypatch)  # the variables apply here
    assert code == 0 and out.splitlines()[0].endswith(",tools_used")
