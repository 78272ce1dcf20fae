"""Beyond one machine: the fleet database as partitioned Parquet read back by a second reader
(pyarrow), and sweeps as NDJSON lines (one per server and finding, host identity on each) that
the database ingests as it does the JSON result."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from mcpiam.cli.main import main
from mcpiam.fleet.database import TABLES, connect, ingest
from mcpiam.fleet.read import ResultInputError, load_record

from fleet_helpers import WEEK_1, classic_pat, github_server, small_fleet, write_home

DUCKDB_TO_ARROW = {"VARCHAR": "string", "INTEGER": "int32", "BOOLEAN": "bool", "TIMESTAMP": "timestamp[us]",
                   "BIGINT": "int64"}


def test_the_parquet_export_reads_back_with_pyarrow(tmp_path: Path, capsys) -> None:
    fleet = small_fleet(tmp_path)
    db = tmp_path / "fleet.duckdb"
    assert main(["fleet", "ingest", *map(str, fleet["week_1"] + fleet["week_2"]), "--db", str(db)]) == 0
    out = tmp_path / "parquet"
    assert main(["fleet", "export", "--db", str(db), "--parquet", str(out)]) == 0
    connection = connect(db)
    for table in TABLES:
        dataset = ds.dataset(out / table, format="parquet", partitioning="hive")
        expected = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert dataset.count_rows() == expected, table
        columns = connection.execute("SELECT column_name, data_type FROM information_schema.columns "
                                     "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
        schema = dataset.schema
        assert [(name, DUCKDB_TO_ARROW[kind]) for name, kind in columns] == [
            (field.name, str(field.type)) for field in schema if field.name != "part"], table
    connection.close()
    assert {p.name for p in (out / "servers").iterdir()} == {"part=b", "part=l"}  # build-1, lap-*
    assert (out / "resolved").is_dir() and ds.dataset(out / "owners", partitioning="hive").count_rows() == 0
    assert ds.dataset(out / "teams" / "data_0.parquet").count_rows() == 0  # no teams loaded: the schema kept
    # A second export never writes over the first.
    assert main(["fleet", "export", "--db", str(db), "--parquet", str(out)]) == 2
    assert "is not empty" in capsys.readouterr().err


def sweep(home: Path, fmt: str, out: Path) -> Path:
    code = main(["sweep", "--home", str(home), "--hostname", "lap-ana", "--platform", "linux",
                 "--fingerprint-key", "acme", "-f", fmt, "-o", str(out)])
    assert code in (0, 1)
    return out


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(WEEK_1.timestamp())))
    write_home(tmp_path / "ana", {"github": github_server(classic_pat("ndjson")),
                                  "time": {"command": "uvx", "args": ["mcp-server-time"]}})
    return tmp_path / "ana"


def test_ndjson_is_a_line_per_server_and_finding_with_the_host_on_each(home: Path, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in sweep(home, "ndjson", tmp_path / "s.ndjson").read_text().splitlines()]
    full = json.loads(sweep(home, "json", tmp_path / "s.json").read_text())
    assert [line["type"] for line in lines] == ["sweep"] + ["server"] * 2 + ["finding"] * len(full["findings"])
    for line in lines:
        assert line["host"]["hostname"] == "lap-ana" and line["host"]["time"] == "2026-11-02T09:00:00Z"
        assert line["fingerprint_key"] == full["fingerprint_key"]
    assert [line["server"] for line in lines if line["type"] == "server"] == ["github", "time"]
    assert {line["user"] for line in lines[1:]} == {"ana"}
    assert [{k: v for k, v in line.items() if k not in ("type", "host", "fingerprint_key", "user")}
            for line in lines if line["type"] == "finding"] == full["findings"]
    assert classic_pat("ndjson") not in (tmp_path / "s.ndjson").read_text()


def test_the_database_ingests_ndjson_as_it_does_json(home: Path, tmp_path: Path) -> None:
    from_lines = load_record(sweep(home, "ndjson", tmp_path / "s.ndjson"), "x")
    from_json = load_record(sweep(home, "json", tmp_path / "s.json"), "x")
    assert from_lines == from_json
    connection = connect()
    ingest(connection, [from_lines])
    assert connection.execute("SELECT count(*) FROM servers").fetchone()[0] == 2


def test_a_bad_ndjson_line_is_named_by_its_line(home: Path, tmp_path: Path) -> None:
    path = sweep(home, "ndjson", tmp_path / "s.ndjson")
    lines = path.read_text().splitlines()
    broken = json.loads(lines[3])
    broken["line"] = "ten"
    path.write_text("\n".join([*lines[:3], json.dumps(broken), *lines[4:]]) + "\n")
    with pytest.raises(ResultInputError, match=r"s\.ndjson:4: not an mcpiam NDJSON sweep: at /findings/0/line"):
        load_record(path)
    path.write_text("\n".join([*lines[:2], "{oops", *lines[3:]]))
    with pytest.raises(ResultInputError, match=r"s\.ndjson:3:2: not JSON"):
        load_record(path)


def test_the_parquet_export_carries_activity_and_teams(tmp_path: Path, capsys) -> None:
    from fleet_helpers import activity_fleet

    sweeps = activity_fleet(tmp_path)
    db = tmp_path / "fleet.duckdb"
    assert main(["fleet", "ingest", *map(str, sweeps), "--db", str(db)]) == 0
    (tmp_path / "teams.csv").write_text("user,team\nana,red\neve,blue\n", encoding="utf-8")
    assert main(["fleet", "teams", str(tmp_path / "teams.csv"), "--db", str(db)]) == 0
    out = tmp_path / "parquet"
    assert main(["fleet", "export", "--db", str(db), "--parquet", str(out)]) == 0
    assert "activity_tools 5, activity_servers 7, teams 2" in capsys.readouterr().err
    tools = ds.dataset(out / "activity_tools", format="parquet", partitioning="hive").to_table()
    assert sorted(zip(tools["host"].to_pylist(), tools["tool"].to_pylist())) == [
        ("lap-ana", "create_issue"), ("lap-ana", "delete_repository"), ("lap-ana", "navigate"),
        ("lap-bob", "delete_file"), ("lap-eve", "delete_branch")]
    assert str(tools.schema.field("last_call").type) == "timestamp[us]"
    teams = ds.dataset(out / "teams" / "data_0.parquet").to_table()
    assert sorted(zip(teams["user"].to_pylist(), teams["team"].to_pylist())) == [("ana", "red"), ("eve", "blue")]
