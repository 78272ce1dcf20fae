"""``sweep -f ndjson --activity``: the activity object cut in lines (a window, a line per tool row and
per server-status row, the host identity on each), and a fleet ingest that puts those lines into the
activity tables exactly as it puts the JSON sweep's ``activity`` object (the JSON goes through
DuckDB's reader, the NDJSON through Python's: both paths are compared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleet_helpers import GITHUB_PACKAGE, KEY, WEEK_2, write_claude_home
from mcpiam.checks.base import ScanOptions
from mcpiam.cli.main import main
from mcpiam.discover.homes import Home, SweepPlan
from mcpiam.engine.scan import ScanSettings
from mcpiam.engine.sweep import run_sweep
from mcpiam.fleet.database import connect
from mcpiam.fleet.read import ResultInputError, load_record
from mcpiam.report.sweep import render_sweep

ACTIVITY_TABLES = ("activity_windows", "activity_tools", "activity_servers")


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One laptop swept with --activity, as JSON and as NDJSON: GitHub's server used (a success, a
    denial), Slack configured and never used (dormant), puppeteer called but configured nowhere."""
    base = tmp_path_factory.mktemp("ndjson-activity")
    home = base / "ana"
    write_claude_home(home, {"github": GITHUB_PACKAGE, "slack": "@modelcontextprotocol/server-slack"}, [
        ("2026-11-01T10:00:00.000Z", "github", "delete_repository", "success"),
        ("2026-11-02T10:00:00.000Z", "github", "delete_repository", "denied"),
        ("2026-11-03T10:00:00.000Z", "puppeteer", "navigate", "error")])
    settings = ScanSettings(options=ScanOptions(fingerprint_key=KEY))
    result = run_sweep(SweepPlan("linux", (Home(home, "ana"),)), settings, hostname="lap-ana", now=WEEK_2,
                       activity=True)
    as_json, as_lines = base / "lap-ana.json", base / "lap-ana.ndjson"
    as_json.write_text(render_sweep(result, "json"), encoding="utf-8")
    as_lines.write_text(render_sweep(result, "ndjson") + "\n", encoding="utf-8")
    return as_json, as_lines


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_activity_rows_are_lines_with_the_host_on_each(sweeps: tuple[Path, Path]) -> None:
    as_json, as_lines = sweeps
    activity = json.loads(as_json.read_text(encoding="utf-8"))["activity"]
    lines = records(as_lines)
    kinds = [line["type"] for line in lines]
    assert kinds[kinds.index("activity_window"):] == (
        ["activity_window"] + ["activity_tool"] * 2 + ["activity_server"] * 3)
    own = ("type", "host", "fingerprint_key")
    assert [{k: v for k, v in line.items() if k not in own} for line in lines if line["type"] == "activity_tool"] \
        == activity["tools"]
    assert [{k: v for k, v in line.items() if k not in own} for line in lines if line["type"] == "activity_server"] \
        == activity["servers"]
    window = next(line for line in lines if line["type"] == "activity_window")
    assert window["window"] == activity["window"] and set(window) == {*own, "window"}
    assert {line["host"]["hostname"] for line in lines} == {"lap-ana"}
    assert lines[0]["fingerprint_key"] and all(line["fingerprint_key"] == lines[0]["fingerprint_key"] for line in lines)
    statuses = {(line["server"], line["status"]) for line in lines if line["type"] == "activity_server"}
    assert statuses == {("github", "used"), ("slack", "dormant"), ("puppeteer", "unknown")}
    github = next(line for line in lines if line["type"] == "activity_tool" and line["server"] == "github")
    assert github["calls"] == 2 and github["outcomes"] == {"success": 1, "error": 0, "denied": 1}


def test_a_sweep_without_activity_has_no_activity_line(tmp_path: Path) -> None:
    write_claude_home(tmp_path / "bob", {"github": GITHUB_PACKAGE}, [
        ("2026-11-01T10:00:00.000Z", "github", "create_issue", "success")])
    result = run_sweep(SweepPlan("linux", (Home(tmp_path / "bob", "bob"),)), ScanSettings(), hostname="lap-bob",
                       now=WEEK_2)
    assert not [line for line in render_sweep(result, "ndjson").splitlines() if '"type":"activity_' in line]


def table_rows(db: Path) -> dict[str, list[tuple]]:
    connection = connect(db)
    try:
        return {table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in ACTIVITY_TABLES}
    finally:
        connection.close()


def test_fleet_ingest_stores_ndjson_activity_as_it_stores_json(sweeps: tuple[Path, Path], tmp_path: Path) -> None:
    as_json, as_lines = sweeps
    assert load_record(as_lines, "x") == load_record(as_json, "x")
    from_json, from_lines = tmp_path / "json.duckdb", tmp_path / "lines.duckdb"
    assert main(["fleet", "ingest", str(as_json), "--db", str(from_json)]) == 0
    assert main(["fleet", "ingest", str(as_lines), "--db", str(from_lines)]) == 0
    by_json, by_lines = table_rows(from_json), table_rows(from_lines)
    assert by_lines == by_json
    assert [len(by_json[table]) for table in ACTIVITY_TABLES] == [1, 2, 3]


def rewrite(path: Path, lines: list[dict]) -> None:
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")


def test_bad_activity_lines_are_named_by_their_line(sweeps: tuple[Path, Path], tmp_path: Path) -> None:
    lines = records(sweeps[1])
    window = next(i for i, line in enumerate(lines) if line["type"] == "activity_window")
    path = tmp_path / "s.ndjson"
    broken = [dict(line) for line in lines]
    broken[window + 1]["calls"] = "ten"
    rewrite(path, broken)
    with pytest.raises(ResultInputError,
                       match=rf"s\.ndjson:{window + 2}: not an mcpiam NDJSON sweep: at /activity/tools/0/calls"):
        load_record(path)
    rewrite(path, [*lines[:window], *lines[window + 1:]])  # the window line lost
    with pytest.raises(ResultInputError, match=rf"s\.ndjson:{window + 1}: an activity_tool record before "):
        load_record(path)
    rewrite(path, [*lines, lines[window]])
    with pytest.raises(ResultInputError, match=rf"s\.ndjson:{len(lines) + 1}: a second activity_window record "
                                               rf"\(the first is on line {window + 1}\)"):
        load_record(path)
    rewrite(path, [*lines, {**lines[-1], "host": {**lines[-1]["host"], "hostname": "other"}}])
    with pytest.raises(ResultInputError, match=rf"s\.ndjson:{len(lines) + 1}: not a server, finding or activity"):
        load_record(path)
