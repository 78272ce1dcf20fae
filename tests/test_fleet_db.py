"""The fleet database: ingest of every result kind, bad inputs, a host's rows replaced by its
newer sweep (first_seen kept, the vanished rows recorded as fixed), inputs from folders, globs,
lists and standard input, and nothing secret in any table."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.fleet.database import TABLES, connect, ingest, ingest_files
from mcpiam.fleet.read import ResultInputError, load_record
from mcpiam.fleet.sources import expand_inputs

from fleet_helpers import WEEK_1, WEEK_2, classic_pat, small_fleet, write_home


@pytest.fixture
def fleet(tmp_path: Path) -> dict[str, list[Path]]:
    return small_fleet(tmp_path)


def counts(connection) -> dict[str, int]:
    return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def test_a_sweep_becomes_rows_of_every_table(fleet) -> None:
    connection = connect()
    summary = ingest(connection, [load_record(path) for path in fleet["week_1"]])
    assert summary.read == 4 and summary.replaced == () and summary.repeated == ()
    found = counts(connection)
    assert found["hosts"] == 4 and found["users"] == 4 and found["configs"] == 4 and found["servers"] == 5
    assert found["resolved"] == 0 and found["host_rules"] > 4 * 10
    # One credential per host; carol's is her own.
    rows = connection.execute("SELECT host, \"user\", family, path, line, \"column\" FROM credential_occurrences "
                              "ORDER BY host").fetchall()
    assert [row[:4] for row in rows] == [("build-1", "carol", "github-classic-pat", "~/.cursor/mcp.json"),
                                         ("lap-ana", "ana", "github-classic-pat", "~/.cursor/mcp.json"),
                                         ("lap-bob", "bob", "github-classic-pat", "~/.cursor/mcp.json"),
                                         ("lap-dan", "dan", "github-classic-pat", "~/.cursor/mcp.json")]
    assert {(line, column) for *_, line, column in rows} == {(10, 42)}  # the token, inside its quotes
    assert connection.execute("SELECT DISTINCT first_seen FROM servers").fetchall() == [(WEEK_1.replace(tzinfo=None),)]


def test_a_scan_result_is_a_host_named_after_its_file(tmp_path: Path) -> None:
    write_home(tmp_path / "repo", {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}})
    out = tmp_path / "ci-runner.json"
    assert main(["scan", str(tmp_path / "repo"), "-f", "json", "-o", str(out), "--fingerprint-key", "k"]) in (0, 1)
    connection = connect()
    ingest(connection, [load_record(out)])
    assert connection.execute("SELECT host, kind, first_seen FROM hosts").fetchall() == [("ci-runner", "scan", None)]
    assert connection.execute("SELECT server, \"user\" FROM servers").fetchall() == [("github", "")]


def test_a_newer_sweep_replaces_the_hosts_rows_and_keeps_first_seen(fleet) -> None:
    connection = connect()
    ingest(connection, [load_record(path) for path in fleet["week_1"]])
    summary = ingest(connection, [load_record(fleet["week_2"][0])])
    assert summary.replaced == ("lap-bob",)
    week_1, week_2 = WEEK_1.replace(tzinfo=None), WEEK_2.replace(tzinfo=None)
    assert connection.execute("SELECT server, first_seen, last_seen FROM servers WHERE host = 'lap-bob' "
                              "ORDER BY server").fetchall() == [("github", week_1, week_2), ("time", week_2, week_2)]
    assert connection.execute("SELECT first_seen, last_seen FROM hosts WHERE host = 'lap-bob'").fetchone() == (
        week_1, week_2)
    # The shared PAT is gone from lap-bob: recorded as fixed there, at the week-2 sweep.
    fixed = connection.execute("SELECT kind, host, detail, resolved_at FROM resolved WHERE kind = 'credential'").fetchall()
    assert fixed == [("credential", "lap-bob", "github-classic-pat", week_2)]
    # Other hosts untouched; lap-bob has exactly its week-2 rows.
    assert connection.execute("SELECT count(*) FROM servers").fetchone()[0] == 6
    assert connection.execute("SELECT count(*) FROM credential_occurrences WHERE host = 'lap-bob'").fetchone()[0] == 1


def test_an_older_sweep_does_not_replace_a_newer_one(fleet) -> None:
    connection = connect()
    ingest(connection, [load_record(fleet["week_2"][0])])
    summary = ingest(connection, [load_record(fleet["week_1"][1])])
    assert summary.older == ("lap-bob",)
    assert connection.execute("SELECT count(*) FROM servers").fetchone()[0] == 2


def test_one_ingest_naming_a_host_twice_keeps_the_newest(fleet) -> None:
    connection = connect()
    summary = ingest(connection, [load_record(fleet["week_2"][0]), load_record(fleet["week_1"][1])])
    assert summary.repeated == ("lap-bob",)
    assert connection.execute("SELECT time FROM hosts").fetchall() == [("2026-11-10T09:00:00Z",)]


def test_the_same_across_batches(fleet) -> None:
    # Batches of one host: every later batch meets the rows an earlier one loaded.
    connection = connect()
    ingest(connection, [load_record(path) for path in [*fleet["week_1"], *fleet["week_2"]]], batch_hosts=1)
    assert connection.execute("SELECT count(*) FROM servers").fetchone()[0] == 6
    assert connection.execute("SELECT count(*) FROM resolved").fetchone()[0] >= 1


@pytest.mark.parametrize(("content", "expected"), [
    ("{\n  \"version\": 1,\n  oops", "3:3: not JSON"),
    ("[1, 2]", "at the top level"),
    ('{"version": 1}', "not an mcpiam JSON result"),
    ("\udcff", "not UTF-8"),
])
def test_a_bad_input_is_named_with_the_place(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "laptop-9.json"
    bad.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ResultInputError) as raised:
        load_record(bad)
    assert "laptop-9.json" in str(raised.value) and expected in str(raised.value)


def test_a_wrong_type_deep_inside_is_explained_by_the_report_schema(fleet) -> None:
    data = json.loads(fleet["week_1"][0].read_text())
    data["findings"][0]["line"] = "six"
    fleet["week_1"][0].write_text(json.dumps(data))
    with pytest.raises(ResultInputError, match=r"at /findings/0/line, the value fails the report schema's 'type'"):
        load_record(fleet["week_1"][0])


def test_ingest_without_skip_invalid_names_every_bad_file_and_loads_nothing(
        fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad-1.json").write_text("{", encoding="utf-8")
    (tmp_path / "bad-2.json").write_text('{"version": 2}', encoding="utf-8")
    db = tmp_path / "fleet.duckdb"
    args = [*map(str, fleet["week_1"]), str(tmp_path / "bad-1.json"), str(tmp_path / "bad-2.json"),
            str(tmp_path / "missing.json")]
    assert main(["fleet", "ingest", *args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "bad-1.json:1:2: not JSON" in err and "bad-2.json: not an mcpiam JSON result" in err
    assert "missing.json: file not found" in err and "3 input(s)" in err and "Traceback" not in err
    assert counts(connect(db))["hosts"] == 0
    assert main(["fleet", "ingest", *args, "--db", str(db), "--skip-invalid"]) == 0
    err = capsys.readouterr().err
    assert err.count("mcpiam: warning: skipped") == 3 and "4 result(s) loaded" in err
    assert counts(connect(db))["hosts"] == 4


def test_inputs_from_folders_globs_lists_and_standard_input(fleet, tmp_path: Path) -> None:
    nested = tmp_path / "uploads" / "2026-11"
    nested.mkdir(parents=True)
    for path in fleet["week_1"]:
        (nested / path.name).write_text(path.read_text(), encoding="utf-8")
    (nested / "notes.txt").write_text("not a result", encoding="utf-8")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(map(str, fleet["week_1"][:2])) + "\n\n", encoding="utf-8")
    assert expand_inputs([str(tmp_path / "uploads")]).files == tuple(
        str(nested / name) for name in sorted(p.name for p in fleet["week_1"]))
    assert expand_inputs([str(tmp_path / "lap-*.week1.json")]).files == tuple(
        str(tmp_path / f"lap-{name}.week1.json") for name in ("ana", "bob", "dan"))
    assert expand_inputs([f"@{listing}"]).files == tuple(map(str, fleet["week_1"][:2]))
    stdin = io.StringIO(str(fleet["week_2"][0]) + "\n")
    assert expand_inputs(["-"], stdin).files == (str(fleet["week_2"][0]),)
    problems = expand_inputs([str(tmp_path / "none-*.json"), str(tmp_path / "gone.json"), "@" + str(tmp_path / "x")])
    assert problems.files == () and len(problems.problems) == 3
    assert "matches no file" in problems.problems[0] and "file not found" in problems.problems[1]


def test_the_cli_reads_a_list_from_standard_input(fleet, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(map(str, fleet["week_1"]))))
    db = tmp_path / "f.duckdb"
    assert main(["fleet", "ingest", "-", "--db", str(db)]) == 0
    assert counts(connect(db))["hosts"] == 4


def test_no_table_holds_a_secret_even_from_an_older_result(fleet, tmp_path: Path) -> None:
    # A result written before the output gate: a token as a server name and inside a path.
    token = classic_pat("leaked-name")
    data = json.loads(fleet["week_1"][0].read_text())
    data["configs"][0]["servers"][0]["server"] = token
    data["configs"][0]["path"] = f"~/{token}/mcp.json"
    data["findings"][0]["message"] = f"quoted {token}"
    fleet["week_1"][0].write_text(json.dumps(data))
    connection = connect()
    ingest(connection, [load_record(fleet["week_1"][0])])
    for table in TABLES:
        assert token not in json.dumps(connection.execute(f"SELECT * FROM {table}").fetchall(), default=str)


def test_the_database_refuses_a_link(tmp_path: Path, capsys) -> None:
    (tmp_path / "real.duckdb").write_bytes(b"")
    (tmp_path / "link.duckdb").symlink_to(tmp_path / "real.duckdb")
    assert main(["fleet", "ingest", str(tmp_path), "--db", str(tmp_path / "link.duckdb")]) == 2
    assert "not a regular file" in capsys.readouterr().err


def table_rows(connection) -> dict[str, list[tuple]]:
    return {table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in TABLES}


def test_duckdb_parses_every_result_as_python_reads_it(fleet, tmp_path: Path) -> None:
    # DuckDB parses the JSON documents (the fast path); Python reads the rest (older results
    # without owner fields, NDJSON, whatever DuckDB refuses). Both must make the same rows.
    golden = Path(__file__).resolve().parents[1] / "testdata" / "merge"
    token = classic_pat("gated")
    named = json.loads(fleet["week_1"][2].read_text())
    named["configs"][0]["servers"][0]["server"] = token  # an older result's token-shaped name: gated
    (tmp_path / "named.json").write_text(json.dumps(named), encoding="utf-8")
    inputs = [*map(str, fleet["week_1"] + fleet["week_2"]), str(tmp_path / "named.json"),
              *(str(path) for path in sorted(golden.glob("*.json")) if path.name != "fleet.out.json")]
    fast, slow = connect(), connect()
    problems: list[str] = []
    ingest_files(fast, inputs, problems, batch_hosts=3)
    ingest(slow, [load_record(Path(name), name) for name in inputs], batch_hosts=3)
    assert problems == []
    assert table_rows(fast) == table_rows(slow)
    assert token not in json.dumps(table_rows(fast), default=str)


def python_reader_refused(monkeypatch) -> None:
    """Holds a test to DuckDB's fast path: Python's reader (the fallback) fails the test if called."""
    import mcpiam.fleet.read

    def refused(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("read by the Python path, not by DuckDB")
    monkeypatch.setattr(mcpiam.fleet.read, "load_record", refused)


def test_duckdb_parsed_strings_pass_the_output_gate_in_every_table(fleet, tmp_path: Path, monkeypatch) -> None:
    # A result DuckDB parses itself (the fast path) with a token as its host, user, home, path,
    # server name and message: the one gate pass over the staged strings withholds it everywhere
    # (the same value in several tables and columns).
    from mcpiam.fleet.fast import eligible

    token = classic_pat("fast-gate")
    data = json.loads(fleet["week_1"][0].read_text())
    data["host"]["hostname"] = f"lap {token}"
    data["host"]["user"] = token
    data["host"]["homes"][0]["user"] = token
    data["configs"][0]["servers"][0]["server"] = token
    data["findings"][0]["message"] = f"quoted {token}"
    data["findings"][0]["route"] = f"/mcpServers/{token}"
    target = tmp_path / "tokens.json"
    target.write_text(json.dumps(data, indent=2), encoding="utf-8")
    assert eligible(target.read_bytes())
    python_reader_refused(monkeypatch)
    connection = connect()
    problems: list[str] = []
    ingest_files(connection, [str(target)], problems)
    assert problems == []
    held = json.dumps(table_rows(connection), default=str)
    assert token not in held
    assert connection.execute("SELECT host FROM hosts").fetchall() == [("lap ***",)]
    assert connection.execute("SELECT DISTINCT \"user\" FROM users").fetchall() == [("***",)]


def test_a_result_with_crlf_line_breaks_reads_as_with_lf(fleet, tmp_path: Path, monkeypatch) -> None:
    # The fast path writes each document on one line of its batch file (\n made spaces; a \r left
    # in the line is JSON whitespace to DuckDB).
    from mcpiam.fleet.fast import eligible

    text = fleet["week_1"][0].read_text(encoding="utf-8")
    python_reader_refused(monkeypatch)
    rows = {}
    for name, breaks in (("lf", "\n"), ("crlf", "\r\n")):
        (tmp_path / name).mkdir()
        target = tmp_path / name / "result.json"
        target.write_bytes(text.replace("\n", breaks).encode("utf-8"))
        assert eligible(target.read_bytes())
        connection = connect()
        problems: list[str] = []
        ingest_files(connection, [str(target)], problems)
        assert problems == []
        rows[name] = {table: held for table, held in table_rows(connection).items() if table != "hosts"}
        rows[name]["hosts"] = connection.execute("SELECT * EXCLUDE (source) FROM hosts").fetchall()
    assert rows["crlf"] == rows["lf"] and rows["lf"]["servers"] and rows["lf"]["credential_occurrences"]


def test_a_file_duckdb_refuses_is_explained_by_python(fleet, tmp_path: Path) -> None:
    data = json.loads(fleet["week_1"][0].read_text())
    data["findings"][2]["line"] = "six"
    fleet["week_1"][0].write_text(json.dumps(data, indent=2))
    (tmp_path / "truncated.json").write_text(fleet["week_1"][1].read_text()[:500], encoding="utf-8")
    problems: list[str] = []
    connection = connect()
    summary = ingest_files(connection, [*map(str, fleet["week_1"]), str(tmp_path / "truncated.json")], problems)
    assert summary.read == 3
    assert len(problems) == 2
    assert "lap-ana.week1.json: not an mcpiam JSON result: at /findings/2/line" in problems[0]
    assert "truncated.json:" in problems[1] and "not JSON" in problems[1]


def test_a_failed_ingest_leaves_the_database_as_it_was(fleet, tmp_path: Path, capsys) -> None:
    db = tmp_path / "db" / "fleet.duckdb"
    db.parent.mkdir()
    assert main(["fleet", "ingest", *map(str, fleet["week_1"]), "--db", str(db)]) == 0
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    assert main(["fleet", "ingest", str(fleet["week_2"][0]), str(tmp_path / "bad.json"), "--db", str(db)]) == 2
    assert sorted(p.name for p in db.parent.iterdir()) == ["fleet.duckdb"]  # the copy it loaded into is gone
    connection = connect(db)
    assert connection.execute("SELECT time FROM hosts WHERE host = 'lap-bob'").fetchone() == ("2026-11-02T09:00:00Z",)
    connection.close()
    assert main(["fleet", "ingest", str(fleet["week_2"][0]), str(tmp_path / "bad.json"), "--db", str(db),
                 "--skip-invalid"]) == 0
    connection = connect(db)
    assert connection.execute("SELECT time FROM hosts WHERE host = 'lap-bob'").fetchone() == ("2026-11-10T09:00:00Z",)


def test_activity_is_parsed_by_duckdb_as_python_reads_it(tmp_path: Path) -> None:
    from fleet_helpers import activity_fleet

    inputs = [str(path) for path in activity_fleet(tmp_path)]
    fast, slow = connect(), connect()
    problems: list[str] = []
    ingest_files(fast, inputs, problems, batch_hosts=2)
    ingest(slow, [load_record(Path(name), name) for name in inputs], batch_hosts=2)
    assert problems == []
    assert table_rows(fast) == table_rows(slow)
    assert [len(table_rows(fast)[table]) for table in ("activity_windows", "activity_tools", "activity_servers")] == [
        4, 5, 7]


def test_a_newer_sweep_replaces_the_hosts_activity(tmp_path: Path) -> None:
    from fleet_helpers import GITHUB_PACKAGE, activity_sweep, write_claude_home

    home = tmp_path / "ana"
    write_claude_home(home, {"github": GITHUB_PACKAGE}, [("2026-11-01T10:00:00.000Z", "github", "delete_file", "success")])
    first = activity_sweep(home, "lap-ana", tmp_path / "1.json", WEEK_1)
    write_claude_home(home, {"github": GITHUB_PACKAGE}, [("2026-11-08T10:00:00.000Z", "github", "get_issue", "error")])
    second = activity_sweep(home, "lap-ana", tmp_path / "2.json", WEEK_2)
    connection = connect()
    ingest_files(connection, [str(first)], [])
    ingest_files(connection, [str(second)], [])
    assert connection.execute("SELECT tool, calls, error FROM activity_tools").fetchall() == [("get_issue", 1, 1)]
    assert connection.execute("SELECT count(*) FROM activity_windows").fetchone() == (1,)


@pytest.mark.parametrize(("change", "place"), [
    (lambda a: a["tools"][0].update(calls=-1), "/activity/tools/0/calls"),
    (lambda a: a["tools"][0].update(last_seen="last tuesday"), "/activity/tools/0/last_seen"),
    (lambda a: a["servers"][0].pop("status"), "/activity/servers/0,"),  # the schema names the object
    (lambda a: a["window"].update(to=None), "/activity/window/to"),
    (lambda a: a.update(tools={}), "/activity/tools"),
])
def test_a_malformed_activity_section_is_named_with_its_place(tmp_path: Path, change, place: str) -> None:
    from fleet_helpers import GITHUB_PACKAGE, activity_sweep, write_claude_home

    home = tmp_path / "ana"
    write_claude_home(home, {"github": GITHUB_PACKAGE}, [("2026-11-01T10:00:00.000Z", "github", "delete_file", "success")])
    path = activity_sweep(home, "lap-ana", tmp_path / "ana.json", WEEK_2)
    data = json.loads(path.read_text())
    change(data["activity"])
    path.write_text(json.dumps(data, indent=2))
    problems: list[str] = []
    connection = connect()
    summary = ingest_files(connection, [str(path)], problems)
    assert summary.read == 0 and len(problems) == 1
    assert f"ana.json: not an mcpiam JSON result: at {place}" in problems[0]
    assert connection.execute("SELECT count(*) FROM activity_tools").fetchone() == (0,)


def test_no_agent_history_text_reaches_any_table(tmp_path: Path) -> None:
    """Every client's records with a canary word in every text field (prompts, replies, arguments,
    results) and a token pasted into them: the database holds the calls' names, counts and times,
    never a word of the text, nor the token."""
    from activity_records import CANARY, EXPECTED_SERVERS, build_home
    from fleet_helpers import activity_sweep

    token = classic_pat("agent-history")
    (tmp_path / "u").mkdir()
    home = build_home(tmp_path / "u", token)
    sweep = activity_sweep(home, "lap-u", tmp_path / "lap-u.json", WEEK_2)
    for connection, load in ((connect(), "fast"), (connect(), "python")):
        if load == "fast":
            problems: list[str] = []
            ingest_files(connection, [str(sweep)], problems)
            assert problems == []
        else:
            ingest(connection, [load_record(sweep)])
        held = json.dumps(table_rows(connection), default=str)
        assert CANARY not in held and token not in held, load
        servers = connection.execute("SELECT client, server FROM activity_servers").fetchall()
        assert set(servers) == set(EXPECTED_SERVERS), load
