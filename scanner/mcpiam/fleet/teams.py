"""Your directory's teams for the fleet database: a CSV of ``user,team`` (a header naming both
columns, one membership a line; other columns are ignored), read through ``safe_open`` and
checked whole before anything is loaded. A user in several teams has a line for each.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.core.redact import shown
from mcpiam.core.safe_open import Refusal, read_prefix

if TYPE_CHECKING:
    import duckdb

MAX_TEAMS_BYTES = 64 * 1024 * 1024  # a directory export of a million memberships fits well within
REQUIRED = ("user", "team")


class TeamsFileError(Exception):
    """A teams file that cannot be read or is not a user,team CSV; the message names the file and line."""


def read_teams(path: Path, name: str) -> list[tuple[str, str]]:
    """The file's distinct (user, team) memberships, in file order; every string through the output gate."""
    data = read_prefix(path, MAX_TEAMS_BYTES, whole=True)
    if isinstance(data, Refusal):
        raise TeamsFileError(f"{name}: {data.message}")
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's export may start with a byte order mark
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise TeamsFileError(f"{name}:{line}: not UTF-8 text; expected a CSV of user,team") from None
    if "\x00" in text:
        raise TeamsFileError(f"{name}: a binary file; expected a CSV of user,team")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise TeamsFileError(f"{name}: empty; expected a header line naming the columns user and team")
        names = [column.strip().lower() for column in header]
        missing = [column for column in REQUIRED if column not in names]
        if missing:
            raise TeamsFileError(f"{name}:1: the header names no column {' or '.join(missing)}; expected "
                                 "a header line naming the columns user and team (user,team)")
        user_at, team_at = names.index("user"), names.index("team")
        memberships: dict[tuple[str, str], None] = {}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            line = reader.line_num
            if len(row) != len(header):
                raise TeamsFileError(f"{name}:{line}: {len(row)} column(s) where the header has {len(header)}")
            user, team = row[user_at].strip(), row[team_at].strip()
            if not user or not team:
                raise TeamsFileError(f"{name}:{line}: the {'user' if not user else 'team'} is empty")
            memberships[(shown(user), shown(team))] = None
    except csv.Error as error:
        raise TeamsFileError(f"{name}:{reader.line_num}: not valid CSV ({error})") from None
    return list(memberships)


def load_teams(connection: duckdb.DuckDBPyConnection, memberships: list[tuple[str, str]]) -> None:
    """Replace the database's teams with ``memberships``, in one transaction."""
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute("DELETE FROM teams")
        if memberships:
            connection.execute('INSERT INTO teams SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[])',
                               [[user for user, _ in memberships], [team for _, team in memberships]])
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
