"""docs/fleet.md's queries, each run on a small fleet whose answers are known (an IAM team copies
them: they must not drift from the views)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from mcpiam.fleet.database import VIEWS, connect, ingest
from mcpiam.fleet.read import load_record

from mcpiam.fleet.teams import load_teams, read_teams

from fleet_helpers import WEEK_2, activity_fleet, small_fleet

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "fleet.md").read_text(encoding="utf-8")
QUERIES = dict(re.findall(r"^### (.+?)\n.*?```sql\n(.*?)```", DOC, flags=re.MULTILINE | re.DOTALL))
WEEK_2_NAIVE = WEEK_2.replace(tzinfo=None)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    base = tmp_path_factory.mktemp("fleet")
    fleet = small_fleet(base)
    connection = connect()
    ingest(connection, [load_record(path) for path in fleet["week_1"]])
    ingest(connection, [load_record(path) for path in fleet["week_2"]])
    load_teams(connection, read_teams(base / "teams.csv", "teams.csv"))
    return connection


@pytest.fixture(scope="module")
def activity_database(tmp_path_factory):
    connection = connect()
    ingest(connection, [load_record(path) for path in activity_fleet(tmp_path_factory.mktemp("activity"))])
    return connection


def run(connection, title: str) -> list[tuple]:
    return connection.execute(QUERIES[title]).fetchall()


def test_every_view_the_docs_name_is_shipped() -> None:
    for view in VIEWS:
        assert f"`{view}`" in DOC
    assert len(QUERIES) == 7
    assert all(query.count(";") == 1 for query in QUERIES.values())  # one statement, as fleet query takes it


def test_hosts_where_a_classic_pat_is_shared_by_more_than_one_user(database) -> None:
    # bob replaced the shared PAT in week 2: ana and dan still share it.
    assert run(database, "Hosts where a classic PAT is shared by more than one user") == [
        ("lap-ana", "ana", 2), ("lap-dan", "dan", 2)]


def test_servers_without_an_owner_by_team(database) -> None:
    assert run(database, "Servers without an owner, by team") == [("red", 4, 3), ("blue", 2, 1)]


def test_servers_without_an_owner_by_team_counts_users_no_team_names(database, tmp_path: Path) -> None:
    (tmp_path / "teams.csv").write_text("user,team\nana,red\nbob,red\nbob,platform\n", encoding="utf-8")
    load_teams(database, read_teams(tmp_path / "teams.csv", "teams.csv"))
    try:
        # dan (lap-dan) and carol (build-1) are in no team; bob's two servers count for both his teams.
        assert run(database, "Servers without an owner, by team") == [
            ("(no team)", 3, 2), ("red", 3, 2), ("platform", 2, 1)]
    finally:
        load_teams(database, [("ana", "red"), ("bob", "red"), ("dan", "red"), ("carol", "blue")])


def test_hosts_that_called_delete_tools_of_the_github_server(activity_database) -> None:
    # bob's delete was in September (more than a month before the sweeps); eve's server is "gh".
    rows = run(activity_database, "Hosts that called `delete_*` tools of the GitHub server in the last month")
    assert rows == [("lap-eve", "gh", "delete_branch", 2, 1, datetime(2026, 11, 5, 11, 0)),
                    ("lap-ana", "github", "delete_repository", 1, 0, datetime(2026, 11, 1, 10, 0))]


def test_servers_configured_on_many_laptops_and_used_on_few(activity_database) -> None:
    rows = run(activity_database, "Servers configured on many laptops and used on few")
    # Slack: on two laptops, never called. GitHub: on five, four swept with --activity (lap-old
    # was not), called on three (dan never did), 5 calls in all.
    assert rows == [
        ("package", "npx @modelcontextprotocol/server-slack", 2, 2, 0, 0, None),
        ("package", "npx @modelcontextprotocol/server-github", 5, 4, 3, 5, datetime(2026, 11, 5, 11, 0))]


def test_server_usage_names_the_servers_called_but_configured_nowhere(activity_database) -> None:
    rows = activity_database.execute("SELECT kind, identity, configured_hosts, used_hosts, calls, tools "
                                     "FROM server_usage ORDER BY kind, identity").fetchall()
    assert rows == [
        ("package", "npx @modelcontextprotocol/server-github", 5, 3, 5,
         ["create_issue", "delete_branch", "delete_file", "delete_repository"]),
        ("package", "npx @modelcontextprotocol/server-slack", 2, 0, 0, []),
        ("unconfigured", "puppeteer", 0, 1, 1, ["navigate"])]


def test_activity_rows_hold_names_counts_and_times_only(activity_database) -> None:
    assert activity_database.execute(
        "SELECT host, client, server, tool, calls, first_call, last_call, projects, sessions, success, error, denied "
        "FROM activity_tools WHERE host = 'lap-eve'").fetchall() == [
        ("lap-eve", "claude-code", "gh", "delete_branch", 2, datetime(2026, 11, 5, 10, 0),
         datetime(2026, 11, 5, 11, 0), 1, 1, 1, 0, 1)]
    assert activity_database.execute(
        "SELECT host, client, server, config_file, status, calls FROM activity_servers WHERE host IN "
        "('lap-ana', 'lap-dan') ORDER BY host, server").fetchall() == [
        ("lap-ana", "claude-code", "github", "~/.claude.json", "used", 2),
        ("lap-ana", "claude-code", "puppeteer", None, "unknown", 1),
        ("lap-ana", "claude-code", "slack", "~/.claude.json", "dormant", 0),
        ("lap-dan", "claude-code", "github", "~/.claude.json", "dormant", 0),
        ("lap-dan", "claude-code", "slack", "~/.claude.json", "dormant", 0)]
    # lap-old was swept without --activity: no window, so no "not used" can be said of it.
    assert activity_database.execute("SELECT host, window_from FROM activity_windows ORDER BY host").fetchall() == [
        ("lap-ana", datetime(2026, 11, 1, 10, 0)), ("lap-bob", datetime(2026, 9, 1, 10, 0)),
        ("lap-dan", None), ("lap-eve", datetime(2026, 11, 5, 10, 0))]


def test_credentials_first_seen_this_week(database) -> None:
    rows = run(database, "Credentials first seen this week")
    assert [row[1:] for row in rows] == [("github-classic-pat", WEEK_2_NAIVE, 1)]  # bob's new PAT


def test_what_was_fixed_this_week(database) -> None:
    rows = run(database, "What was fixed this week")
    assert {(kind, host, at) for kind, host, _, _, at in rows} == {
        ("credential", "lap-bob", WEEK_2_NAIVE), ("finding", "lap-bob", WEEK_2_NAIVE)}
    assert [detail for kind, _, _, detail, _ in rows if kind == "credential"] == ["github-classic-pat"]
    assert {identity for kind, _, identity, _, _ in rows if kind == "finding"} == {"embedded-secret", "unscoped-token"}


def test_ownership_coverage_by_host(database) -> None:
    # No policy on any laptop: nothing owned.
    assert run(database, "Ownership coverage by host, worst first") == [
        ("build-1", 2, 0, 0.0), ("lap-ana", 1, 0, 0.0), ("lap-bob", 2, 0, 0.0), ("lap-dan", 1, 0, 0.0)]


@pytest.mark.parametrize("fleet_of", ["database", "activity_database"])
def test_the_portable_views_agree_with_the_shipped_ones(fleet_of: str, request) -> None:
    connection = request.getfixturevalue(fleet_of)
    portable = DOC.split("The views in portable SQL")[1].split("```sql\n")[1].split("```")[0]
    blocks = dict(re.findall(r"-- (\w+)[^\n]*\n(.*?;)", portable, flags=re.DOTALL))
    assert set(blocks) == set(VIEWS)
    shipped = {
        "fleet_servers": "SELECT kind, identity, hosts, accounts, occurrences, owned FROM fleet_servers",
        "credential_reuse": "SELECT fingerprint, family, hosts, accounts, occurrences, first_seen, last_seen "
                            "FROM credential_reuse",
        "ownership": "SELECT host, servers, owned, basis, percent FROM ownership",
        "changes": "SELECT change, kind, host, \"user\", identity, detail, changed_at FROM changes WHERE kind <> 'host'",
        "server_usage": "SELECT kind, identity, configured_hosts, configured_with_activity, used_hosts, calls, "
                        "last_call FROM server_usage",
    }
    for view, query in shipped.items():
        mine = sorted(connection.execute(query).fetchall(), key=repr)
        theirs = sorted(connection.execute(blocks[view].rstrip(";")).fetchall(), key=repr)
        assert [tuple(round(v, 1) if isinstance(v, float) else v for v in row) for row in theirs] == mine, view


def test_fleet_query_runs_a_doc_query_and_refuses_files_and_writes(tmp_path: Path, capsys) -> None:
    from mcpiam.cli.main import main

    fleet = small_fleet(tmp_path)
    db = tmp_path / "fleet.duckdb"
    assert main(["fleet", "ingest", *map(str, fleet["week_1"] + fleet["week_2"]), "--db", str(db)]) == 0
    capsys.readouterr()
    sql = QUERIES["Hosts where a classic PAT is shared by more than one user"]
    assert main(["fleet", "query", "--db", str(db), sql]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "host     user  accounts", "lap-ana  ana   2", "lap-dan  dan   2"]
    assert main(["fleet", "query", "--db", str(db), "-f", "json", sql]) == 0
    assert capsys.readouterr().out.startswith('[\n  {\n    "accounts": 2,')
    for refused in ("SELECT * FROM read_csv('/etc/passwd')", "DELETE FROM hosts",
                    f"COPY hosts TO '{tmp_path / 'out.csv'}'"):
        assert main(["fleet", "query", "--db", str(db), refused]) == 2, refused
        assert "the query failed" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_the_readme_fleet_block_runs_as_written(tmp_path: Path) -> None:
    """README's three fleet lines, verbatim: a laptop's sweep (of a fake home), the ingest, a query."""
    import json as json_module
    import os
    import shutil
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL) if "fleet ingest" in b)
    lines = [line.split("   #")[0].strip() for line in block.strip().splitlines()]
    assert [line.split()[1] for line in lines] == ["sweep", "fleet", "fleet"]
    home = tmp_path / "home"
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text(json_module.dumps({"mcpServers": {"gh": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],
        "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}), encoding="utf-8")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mcpiam").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mcpiam "$@"\n', encoding="utf-8")
    (bin_dir / "mcpiam").chmod(0o755)
    if shutil.which("hostname") is None:
        (bin_dir / "hostname").write_text("#!/bin/sh\necho laptop-1\n", encoding="utf-8")
        (bin_dir / "hostname").chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    env.update({"HOME": str(home), "ORG_KEY": "test-organisation-key",
                "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}"})
    for line, cwd in zip(lines, (uploads, tmp_path, tmp_path)):
        done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 1), (line, done.stderr)
    assert list(uploads.glob("*.json")) and (tmp_path / "fleet.duckdb").is_file()
    assert "fingerprint" in done.stdout  # the view's header, printed even with no reused credential
