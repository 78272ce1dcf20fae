"""The fleet database on DuckDB: its tables (``schema.sql``), its named views (one ``.sql`` file
each) and the ingest of many results, where a newer result of a host replaces that host's rows.

DuckDB is imported here only, and only when a fleet command runs: a scan never loads it.
Rows reach DuckDB through CSV files in a private temporary folder, loaded with ``read_csv`` in
one statement per table and batch (four times faster than handing it Python lists, measured on a
million rows). Keys of the "seen" history: a server by (host, path, route), a credential by
(host, fingerprint, path, route), a finding by (host, fingerprint): no line numbers, so an edit
above a server does not make it new.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from mcpiam.core.valuetype import dataclass
from mcpiam.fleet.read import HostRecord

if TYPE_CHECKING:
    import duckdb

TABLES = ("hosts", "users", "configs", "servers", "credential_occurrences", "findings", "owners",
          "host_rules", "resolved")
VIEWS = ("fleet_servers", "credential_reuse", "ownership", "changes")
# The record's rows per table (HostRecord field -> table).
RECORD_TABLES = (("host", "hosts"), ("users", "users"), ("configs", "configs"), ("servers", "servers"),
                 ("credentials", "credential_occurrences"), ("findings", "findings"), ("owners", "owners"),
                 ("rules", "host_rules"))
# Tables whose rows have a history: the key that says "the same row" across two results of a host,
# and what a fixed row records (identity, detail).
HISTORY = {
    "servers": (("path", "route"), "server", "identity", "server"),
    "credential_occurrences": (("fingerprint", "path", "route"), "credential", "fingerprint", "family"),
    "findings": (("fingerprint",), "finding", "rule_id", "fingerprint"),
}
BATCH_HOSTS = 5000  # results staged per load: bounds the CSV files' size, not the memory
_NULL = float("nan")  # written unquoted as nan, read back as NULL (strings are always quoted)
_SEEN = "TRY_CAST(replace(time, 'Z', '') AS TIMESTAMP)"


@dataclass(frozen=True, slots=True)
class IngestSummary:
    read: int  # results loaded
    replaced: tuple[str, ...]  # hosts the database held before, now replaced by a newer result
    older: tuple[str, ...]  # hosts whose result was older than the one held: not loaded
    repeated: tuple[str, ...]  # hosts named by several inputs of this ingest: the newest kept


def _sql(name: str) -> str:
    return resources.files("mcpiam.fleet").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The database at ``path`` (created when missing), or an in-memory one, with its tables and views."""
    # No extension is ever fetched or loaded behind our back: mcpiam never touches the network.
    connection = _open(path, {"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    connection.execute(_sql("schema"))
    for view in VIEWS:
        connection.execute(_sql(view))
    return connection


class DatabaseUnavailable(Exception):
    """The database file cannot be opened: in use by another process, not a DuckDB file, unreadable."""


def _open(path: Path | None, config: dict[str, object], read_only: bool = False) -> duckdb.DuckDBPyConnection:
    import duckdb

    try:
        return duckdb.connect(os.fspath(path) if path is not None else ":memory:", read_only=read_only,
                              config=config)
    except duckdb.Error as error:
        # DuckDB's first line names the file and the cause (a lock held by another process, a
        # file that is not a database); it never holds a value of a result.
        raise DatabaseUnavailable((str(error).splitlines() or [type(error).__name__])[0]) from None


class QueryError(Exception):
    """A user's query that DuckDB refused; the message is DuckDB's first line."""


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The database for a user's query: read-only, and no file, URL or extension outside it."""
    return _open(path, {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                        "enable_external_access": False, "lock_configuration": True}, read_only=True)


def connect_for_export(path: Path) -> duckdb.DuckDBPyConnection:
    """The database, read-only, to write Parquet from (no extension fetched or loaded)."""
    return _open(path, {"autoinstall_known_extensions": False, "autoload_known_extensions": False},
                 read_only=True)


def run_query(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    import duckdb

    try:
        cursor = connection.execute(sql)
        columns = [column[0] for column in cursor.description or ()]
        return columns, cursor.fetchall()
    except duckdb.Error as error:
        raise QueryError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    rows = connection.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    return [(name, kind) for name, kind in rows if name not in ("first_seen", "last_seen")]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Stage:
    """One batch of results written to CSV files, one per table, each row led by its result's ordinal."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.files = {table: open(os.path.join(directory, f"{table}.csv"), "w", newline="", encoding="utf-8")
                      for _, table in RECORD_TABLES}
        self.writers = {table: csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
                        for table, handle in self.files.items()}
        self.count = 0

    def add(self, record: HostRecord) -> None:
        ordinal = self.count
        self.count += 1
        for field, table in RECORD_TABLES:
            rows = getattr(record, field)
            if field == "host":
                rows = (rows,)
            self.writers[table].writerows((ordinal, *(_NULL if v is None else v for v in row)) for row in rows)

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def _load_stage(connection: duckdb.DuckDBPyConnection, stage: _Stage) -> None:
    """The staged CSV files into temporary tables stage_<table>, keeping only each host's newest
    result of the batch."""
    for _, table in RECORD_TABLES:
        columns = [("ordinal", "INTEGER"), *_columns(connection, table)]
        spec = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns) + "}"
        path = os.path.join(stage.directory, f"{table}.csv").replace("'", "''")
        connection.execute(f"CREATE OR REPLACE TEMP TABLE stage_{table} AS SELECT * FROM read_csv('{path}', "
                           f"auto_detect=false, header=false, delim=',', quote='\"', escape='\"', nullstr='nan', "
                           f"allow_quoted_nulls=false, columns={spec})")
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_keep AS
        SELECT host, ordinal, {_SEEN} AS seen FROM stage_hosts
        QUALIFY row_number() OVER (PARTITION BY host ORDER BY {_SEEN} DESC NULLS LAST, ordinal DESC) = 1""")


def _drop_superseded(connection: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """Drop staged results older than the one the database holds; (older, replaced) hosts."""
    older = [row[0] for row in connection.execute(
        "SELECT k.host FROM stage_keep k JOIN hosts h USING (host) WHERE k.seen < h.last_seen ORDER BY 1").fetchall()]
    if older:
        connection.execute("DELETE FROM stage_keep WHERE host IN (SELECT unnest(?::VARCHAR[]))", [older])
    replaced = [row[0] for row in connection.execute(
        "SELECT host FROM stage_keep JOIN hosts USING (host) ORDER BY 1").fetchall()]
    return older, replaced


def _apply(connection: duckdb.DuckDBPyConnection, replacing: bool) -> None:
    """The kept staged rows into the tables; with ``replacing``, the held rows of those hosts are
    first compared (first_seen kept, vanished rows recorded as resolved) and removed."""
    for _, table in RECORD_TABLES:
        names = [name for name, _ in _columns(connection, table)]
        chosen = ", ".join(f"s.{_quoted(name)}" for name in names)
        kept = f"stage_{table} s JOIN stage_keep k ON s.host = k.host AND s.ordinal = k.ordinal"
        history = HISTORY.get(table)
        if table == "hosts" or history is None:
            if table == "hosts":
                first = "coalesce(h.first_seen, k.seen)" if replacing else "k.seen"
                old = "LEFT JOIN hosts h ON h.host = s.host" if replacing else ""
                select = f"SELECT {chosen}, {first}, k.seen FROM {kept} {old}"
            else:
                select = f"SELECT {chosen} FROM {kept}"
            if replacing:
                connection.execute(f"CREATE OR REPLACE TEMP TABLE stage_rows AS {select}")
                connection.execute(f"DELETE FROM {table} WHERE host IN (SELECT host FROM stage_keep)")
                connection.execute(f"INSERT INTO {table} SELECT * FROM stage_rows")
            else:
                connection.execute(f"INSERT INTO {table} {select}")
            continue
        key, kind, identity, detail = history
        if not replacing:
            connection.execute(f"INSERT INTO {table} SELECT {chosen}, k.seen, k.seen FROM {kept}")
            continue
        same = " AND ".join(f"{{0}}.{_quoted(column)} = {{1}}.{_quoted(column)}" for column in ("host", *key))
        connection.execute(f"CREATE OR REPLACE TEMP TABLE stage_rows AS SELECT {chosen}, k.seen AS seen FROM {kept}")
        connection.execute(f"""
            INSERT INTO resolved
            SELECT '{kind}', t.host, t."user", t.{_quoted(identity)}, t.{_quoted(detail)}, t.path, t.route,
                   t.first_seen, t.last_seen, k.seen
            FROM {table} t JOIN stage_keep k ON t.host = k.host
            WHERE NOT EXISTS (SELECT 1 FROM stage_rows s WHERE {same.format('s', 't')})""")
        connection.execute(f"""
            CREATE OR REPLACE TEMP TABLE stage_old AS
            SELECT host, {', '.join(_quoted(c) for c in key)}, min(first_seen) AS first_seen
            FROM {table} WHERE host IN (SELECT host FROM stage_keep)
            GROUP BY ALL""")
        connection.execute(f"DELETE FROM {table} WHERE host IN (SELECT host FROM stage_keep)")
        connection.execute(f"""
            INSERT INTO {table}
            SELECT s.* EXCLUDE (seen), coalesce(o.first_seen, s.seen), s.seen
            FROM stage_rows s LEFT JOIN stage_old o ON {same.format('o', 's')}""")


def _flush(connection: duckdb.DuckDBPyConnection, stage: _Stage) -> tuple[list[str], list[str]]:
    stage.close()
    if not stage.count:
        return [], []
    _load_stage(connection, stage)
    older, replaced = _drop_superseded(connection)
    _apply(connection, replacing=bool(replaced))
    return older, replaced


def ingest(connection: duckdb.DuckDBPyConnection, records: Iterable[HostRecord], *,
           keep: Callable[[], bool] = lambda: True, batch_hosts: int = BATCH_HOSTS) -> IngestSummary:
    """Load results into the database, a batch at a time, all in one transaction: committed
    when ``keep()`` says so once every record was read (an ingest that met a bad input without
    --skip-invalid loads nothing), rolled back otherwise."""
    older: list[str] = []
    replaced: list[str] = []
    names: dict[str, int] = {}
    read = 0
    connection.execute("BEGIN TRANSACTION")
    try:
        with tempfile.TemporaryDirectory(prefix="mcpiam-fleet-") as directory:
            stage = _Stage(directory)
            for record in records:
                names[record.hostname] = names.get(record.hostname, 0) + 1
                stage.add(record)
                read += 1
                if stage.count >= batch_hosts:
                    batch_older, batch_replaced = _flush(connection, stage)
                    older += batch_older
                    replaced += batch_replaced
                    stage = _Stage(directory)
            batch_older, batch_replaced = _flush(connection, stage)
            older += batch_older
            replaced += batch_replaced
            for _, table in RECORD_TABLES:
                connection.execute(f"DROP TABLE IF EXISTS stage_{table}")
        connection.execute("COMMIT" if keep() else "ROLLBACK")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    repeated = sorted(name for name, count in names.items() if count > 1)
    # A host repeated within this ingest replaced its own earlier batch: not a replacement of the database's.
    return IngestSummary(read, tuple(sorted(set(replaced) - set(repeated))), tuple(sorted(set(older))),
                         tuple(repeated))
