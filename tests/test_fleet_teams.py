"""``mcpiam fleet teams``: a user,team CSV into the fleet database, with a clear error (file and
line) for every way a CSV can be wrong, and nothing loaded then."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.fleet.database import connect
from mcpiam.fleet.teams import TeamsFileError, read_teams

from fleet_helpers import classic_pat, small_fleet

DOC = (Path(__file__).resolve().parents[1] / "docs" / "fleet.md").read_text(encoding="utf-8")


def teams_of(db: Path) -> list[tuple[str, str]]:
    connection = connect(db)
    try:
        return connection.execute('SELECT "user", team FROM teams ORDER BY ALL').fetchall()
    finally:
        connection.close()


def test_the_docs_command_loads_the_teams_and_a_second_load_replaces_them(tmp_path: Path, capsys) -> None:
    fleet = small_fleet(tmp_path)
    db = tmp_path / "fleet.duckdb"
    assert main(["fleet", "ingest", *map(str, fleet["week_1"]), "--db", str(db)]) == 0
    command = next(line for line in re.findall(r"```sh\n(.*?)```", DOC, flags=re.DOTALL) if "fleet teams" in line)
    argv = command.split()[1:]
    assert argv == ["fleet", "teams", "teams.csv", "--db", "fleet.duckdb"]
    argv = [str(tmp_path / a) if a.endswith((".csv", ".duckdb")) else a for a in argv]
    assert main(argv) == 0
    assert "4 user(s) in 2 team(s) loaded" in capsys.readouterr().err
    assert teams_of(db) == [("ana", "red"), ("bob", "red"), ("carol", "blue"), ("dan", "red")]
    # Spreadsheet exports: a byte order mark, CRLF, upper-case header, extra columns, blank lines,
    # a user in two teams, a line repeated.
    (tmp_path / "export.csv").write_bytes(
        b"\xef\xbb\xbfTeam,Email,User\r\nplatform,a@x,ana\r\n\r\nsecurity,a@x,ana\r\nplatform,a@x,ana\r\n")
    assert main(["fleet", "teams", str(tmp_path / "export.csv"), "--db", str(db)]) == 0
    assert teams_of(db) == [("ana", "platform"), ("ana", "security")]
    # The tables the sweeps made are untouched.
    assert main(["fleet", "query", "--db", str(db), "SELECT count(*) AS hosts FROM hosts"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].strip() == "4"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "teams.csv: empty; expected a header line naming the columns user and team"),
    (b"login,group\nana,red\n", "teams.csv:1: the header names no column user or team"),
    (b"user,department\nana,red\n", "teams.csv:1: the header names no column team"),
    (b"user,team\nana,red\nbob\n", "teams.csv:3: 1 column(s) where the header has 2"),
    (b"user,team\nana,red\n,blue\n", "teams.csv:3: the user is empty"),
    (b"user,team\nana,  \n", "teams.csv:2: the team is empty"),
    (b"user,team\nana,red\nb\xffb,blue\n", "teams.csv:3: not UTF-8 text"),
    (b"user,team\n\"ana,red\n", "teams.csv:2: not valid CSV"),
    (b"user,team\x00\n", "teams.csv: a binary file"),
])
def test_a_bad_teams_file_is_named_with_its_line_and_nothing_is_loaded(tmp_path: Path, capsys, content: bytes,
                                                                        message: str) -> None:
    db = tmp_path / "fleet.duckdb"
    (tmp_path / "good.csv").write_text("user,team\nana,red\n", encoding="utf-8")
    assert main(["fleet", "teams", str(tmp_path / "good.csv"), "--db", str(db)]) == 0
    (tmp_path / "teams.csv").write_bytes(content)
    with pytest.raises(TeamsFileError) as raised:
        read_teams(tmp_path / "teams.csv", "teams.csv")
    assert str(raised.value).startswith(message)
    capsys.readouterr()
    assert main(["fleet", "teams", str(tmp_path / "teams.csv"), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and message.split(": ", 1)[1] in err
    assert teams_of(db) == [("ana", "red")]  # the earlier load stands


def test_a_missing_file_a_fifo_and_a_folder_are_refused(tmp_path: Path, capsys) -> None:
    import os

    db = tmp_path / "fleet.duckdb"
    os.mkfifo(tmp_path / "fifo.csv")
    for name in ("missing.csv", "fifo.csv"):
        assert main(["fleet", "teams", str(tmp_path / name), "--db", str(db)]) == 2, name  # never hangs on the FIFO
        assert f"{name}:" in capsys.readouterr().err
    assert main(["fleet", "teams", str(tmp_path), "--db", str(db)]) == 2


def test_a_token_pasted_into_the_teams_file_never_reaches_the_database_or_the_output(tmp_path: Path, capsys) -> None:
    token = classic_pat("teams")
    db = tmp_path / "fleet.duckdb"
    (tmp_path / "teams.csv").write_text(f"user,team\n{token},red\nana,{token}\n", encoding="utf-8")
    assert main(["fleet", "teams", str(tmp_path / "teams.csv"), "--db", str(db)]) == 0
    assert token not in repr(teams_of(db)) and token not in capsys.readouterr().err
    (tmp_path / "teams.csv").write_text(f"user,team\n{token}\n", encoding="utf-8")
    assert main(["fleet", "teams", str(tmp_path / "teams.csv"), "--db", str(db)]) == 2
    assert token not in capsys.readouterr().err
