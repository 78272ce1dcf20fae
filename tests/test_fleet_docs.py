"""docs/fleet.md's queries, each run on a small fleet whose answers are known (an IAM team copies
them: they must not drift from the views)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from mcpiam.fleet.database import VIEWS, connect, ingest
from mcpiam.fleet.read import load_record

from fleet_helpers import WEEK_2, small_fleet

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
    return connection, base


def run(database, title: str) -> list[tuple]:
    connection, base = database
    statements = [part.strip() for part in QUERIES[title].split(";") if part.strip()]
    for statement in statements[:-1]:
        connection.execute(statement.replace("'teams.csv'", f"'{base / 'teams.csv'}'"))
    return connection.execute(statements[-1]).fetchall()


def test_every_view_the_docs_name_is_shipped() -> None:
    for view in VIEWS:
        assert f"`{view}`" in DOC
    assert len(QUERIES) == 5


def test_hosts_where_a_classic_pat_is_shared_by_more_than_one_user(database) -> None:
    # bob replaced the shared PAT in week 2: ana and dan still share it.
    assert run(database, "Hosts where a classic PAT is shared by more than one user") == [
        ("lap-ana", "ana", 2), ("lap-dan", "dan", 2)]


def test_servers_without_an_owner_by_team(database) -> None:
    assert run(database, "Servers without an owner, by team") == [("red", 4, 3), ("blue", 2, 1)]


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


def test_the_portable_views_agree_with_the_shipped_ones(database) -> None:
    connection, _ = database
    portable = DOC.split("The views in portable SQL")[1].split("```sql\n")[1].split("```")[0]
    blocks = dict(re.findall(r"-- (\w+)[^\n]*\n(.*?;)", portable, flags=re.DOTALL))
    assert set(blocks) == set(VIEWS)
    shipped = {
        "fleet_servers": "SELECT kind, identity, hosts, accounts, occurrences, owned FROM fleet_servers",
        "credential_reuse": "SELECT fingerprint, family, hosts, accounts, occurrences, first_seen, last_seen "
                            "FROM credential_reuse",
        "ownership": "SELECT host, servers, owned, basis, percent FROM ownership",
        "changes": "SELECT change, kind, host, \"user\", identity, detail, changed_at FROM changes WHERE kind <> 'host'",
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
