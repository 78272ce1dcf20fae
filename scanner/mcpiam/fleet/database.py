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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.core.safe_open import read_prefix
from mcpiam.core.valuetype import dataclass
from mcpiam.fleet.read import MAX_INPUT_BYTES, HostRecord, ResultInputError

if TYPE_CHECKING:
    import duckdb

TABLES = ("hosts", "users", "configs", "servers", "credential_occurrences", "findings", "owners",
          "host_rules", "resolved", "activity_windows", "activity_tools", "activity_servers")
UNKEYED_TABLES = ("teams",)  # the organisation's own data, loaded apart from any result (``fleet.teams``)
VIEWS = ("fleet_servers", "credential_reuse", "ownership", "changes", "server_usage")
# The record's rows per table (HostRecord field -> table).
RECORD_TABLES = (("host", "hosts"), ("users", "users"), ("configs", "configs"), ("servers", "servers"),
                 ("credentials", "credential_occurrences"), ("findings", "findings"), ("owners", "owners"),
                 ("rules", "host_rules"), ("activity_windows", "activity_windows"),
                 ("activity_tools", "activity_tools"), ("activity_servers", "activity_servers"))
# Tables whose rows have a history: the key that says "the same row" across two results of a host,
# and what a fixed row records (identity, detail).
HISTORY = {
    "servers": (("path", "route"), "server", "identity", "server"),
    "credential_occurrences": (("fingerprint", "path", "route"), "credential", "fingerprint", "family"),
    "findings": (("fingerprint",), "finding", "rule_id", "fingerprint"),
}
# The write-ahead log grows to this before DuckDB compresses it into the file. At DuckDB's default
# (16 MiB) every batch of 1,000 sweeps was checkpointed, recompressing each table's last, partly
# filled row group each time: 3.0 s of 17 s CPU at 10,000 sweeps went to COMMIT; at 256 MiB, 1.3 s
# (COMMIT and the final checkpoint), peak RSS 629 -> 775 MiB (the rows not yet checkpointed).
CHECKPOINT_THRESHOLD = "256MiB"
BATCH_HOSTS = 1000  # results staged per load: bounds the memory a batch takes (~0.4 GiB at 78 KiB a sweep)
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
    connection = _open(path, {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                              "checkpoint_threshold": CHECKPOINT_THRESHOLD})
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


Columns = dict[str, list[tuple[str, str]]]  # a record table's (column, type) pairs


def _columns(connection: duckdb.DuckDBPyConnection) -> Columns:
    """Each record table's (column, type) pairs, history columns left out: read once an ingest
    (a catalogue query per table and statement cost 0.7 s of CPU at 10,000 sweeps)."""
    rows = connection.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                              "WHERE table_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY table_name, ordinal_position",
                              [[table for _, table in RECORD_TABLES]]).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {table: [] for _, table in RECORD_TABLES}
    for table, name, kind in rows:
        if name not in ("first_seen", "last_seen"):
            columns[table].append((name, kind))
    return columns


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

    def add(self, record: HostRecord, ordinal: int | None = None) -> None:
        ordinal = self.count if ordinal is None else ordinal
        self.count += 1
        for field, table in RECORD_TABLES:
            rows = getattr(record, field)
            if field == "host":
                rows = (rows,)
            self.writers[table].writerows((ordinal, *(_NULL if v is None else v for v in row)) for row in rows)

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def _create_stage(connection: duckdb.DuckDBPyConnection, columns_of: Columns) -> None:
    """Empty staging tables stage_<table>: each table's columns, led by the result's ordinal."""
    for _, table in RECORD_TABLES:
        columns = [("ordinal", "INTEGER"), *columns_of[table]]
        connection.execute(f"CREATE OR REPLACE TEMP TABLE stage_{table} ("
                           + ", ".join(f"{_quoted(name)} {kind}" for name, kind in columns) + ")")


def _append_csv(connection: duckdb.DuckDBPyConnection, stage: _Stage, columns_of: Columns) -> None:
    """The CSV files of Python-read results into the staging tables."""
    stage.close()
    if not stage.count:
        return
    for _, table in RECORD_TABLES:
        columns = [("ordinal", "INTEGER"), *columns_of[table]]
        spec = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns) + "}"
        path = os.path.join(stage.directory, f"{table}.csv").replace("'", "''")
        connection.execute(f"INSERT INTO stage_{table} SELECT * FROM read_csv('{path}', "
                           f"auto_detect=false, header=false, delim=',', quote='\"', escape='\"', nullstr='nan', "
                           f"allow_quoted_nulls=false, columns={spec})")


def _keep_newest(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """stage_keep: each staged host's newest result of the batch; returns every staged host name,
    once per result."""
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_keep AS
        SELECT host, ordinal, {_SEEN} AS seen FROM stage_hosts
        QUALIFY row_number() OVER (PARTITION BY host ORDER BY {_SEEN} DESC NULLS LAST, ordinal DESC) = 1""")
    return [row[0] for row in connection.execute("SELECT host FROM stage_hosts").fetchall()]


def _drop_superseded(connection: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """Drop staged results older than the one the database holds; (older, replaced) hosts."""
    older = [row[0] for row in connection.execute(
        "SELECT k.host FROM stage_keep k JOIN hosts h USING (host) WHERE k.seen < h.last_seen ORDER BY 1").fetchall()]
    if older:
        connection.execute("DELETE FROM stage_keep WHERE host IN (SELECT unnest(?::VARCHAR[]))", [older])
    replaced = [row[0] for row in connection.execute(
        "SELECT host FROM stage_keep JOIN hosts USING (host) ORDER BY 1").fetchall()]
    return older, replaced


def _apply(connection: duckdb.DuckDBPyConnection, replacing: bool, columns_of: Columns) -> None:
    """The kept staged rows into the tables; with ``replacing``, the held rows of those hosts are
    first compared (first_seen kept, vanished rows recorded as resolved) and removed."""
    for _, table in RECORD_TABLES:
        names = [name for name, _ in columns_of[table]]
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


def _finish_batch(connection: duckdb.DuckDBPyConnection, columns_of: Columns) -> tuple[list[str], list[str], list[str]]:
    """The staged batch into the tables: (every staged host name, older, replaced)."""
    names = _keep_newest(connection)
    if not names:
        return [], [], []
    older, replaced = _drop_superseded(connection)
    _apply(connection, bool(replaced), columns_of)
    return names, older, replaced


class _Totals:
    """What an ingest did, batch after batch."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.older: set[str] = set()
        self.replaced: set[str] = set()

    def add(self, batch: tuple[list[str], list[str], list[str]]) -> None:
        names, older, replaced = batch
        for name in names:
            self.names[name] = self.names.get(name, 0) + 1
        self.older.update(older)
        self.replaced.update(replaced)

    def summary(self) -> IngestSummary:
        repeated = sorted(name for name, count in self.names.items() if count > 1)
        # A host repeated within this ingest replaced its own earlier batch: not a replacement of the database's.
        return IngestSummary(sum(self.names.values()), tuple(sorted(self.replaced - set(repeated))),
                             tuple(sorted(self.older)), tuple(repeated))


@contextmanager
def _batch(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One batch, one transaction: a host's rows are replaced whole or not at all."""
    connection.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _transaction(connection: duckdb.DuckDBPyConnection, work: Callable[[str], None]) -> None:
    """``work(temporary folder)``, each batch its own transaction (``_batch``): one transaction
    for a whole fleet held every row in memory (2.3 GiB for 10,000 sweeps). Whether to keep what
    was loaded is the caller's: the CLI ingests into a copy of the database file and puts it in
    place only when the ingest is kept."""
    with tempfile.TemporaryDirectory(prefix="mcpiam-fleet-") as directory:
        work(directory)
    for _, table in RECORD_TABLES:
        connection.execute(f"DROP TABLE IF EXISTS stage_{table}")


def ingest(connection: duckdb.DuckDBPyConnection, records: Iterable[HostRecord], *,
           batch_hosts: int = BATCH_HOSTS) -> IngestSummary:
    """Load results already read (``read.load_record``), a batch at a time, in one transaction."""
    totals = _Totals()
    columns_of = _columns(connection)

    def work(directory: str) -> None:
        stage = _Stage(directory)
        for record in records:
            stage.add(record)
            if stage.count >= batch_hosts:
                with _batch(connection):
                    _create_stage(connection, columns_of)
                    _append_csv(connection, stage, columns_of)
                    totals.add(_finish_batch(connection, columns_of))
                stage = _Stage(directory)
        with _batch(connection):
            _create_stage(connection, columns_of)
            _append_csv(connection, stage, columns_of)
            totals.add(_finish_batch(connection, columns_of))

    _transaction(connection, work)
    return totals.summary()


def ingest_files(connection: duckdb.DuckDBPyConnection, files: Iterable[str], problems: list[str], *,
                 progress: Callable[[int, str], None] | None = None,
                 batch_hosts: int = BATCH_HOSTS) -> IngestSummary:
    """Load result files: JSON documents parsed by DuckDB (``fast``), the rest read in Python
    (``read``), which names every file that is not a result in ``problems``."""
    from mcpiam.catalogue import default_catalogue
    from mcpiam.fleet.fast import eligible, gate_staged, stage_documents
    from mcpiam.fleet.read import load_record, make_gate

    system_variables = tuple(sorted(default_catalogue().system_path_variables))
    gate = make_gate()
    totals = _Totals()
    columns_of = _columns(connection)

    def run_batch(directory: str, batch: list[str]) -> None:
        documents: list[tuple[int, bytes, str, str]] = []
        slow: list[int] = []
        for ordinal, name in enumerate(batch):
            data = read_prefix(name, MAX_INPUT_BYTES, whole=True)
            if isinstance(data, bytes) and _utf8(data) and eligible(data):
                documents.append((ordinal, data, gate(name) or "", gate(Path(name).stem) or ""))
            else:
                slow.append(ordinal)
        with _batch(connection):
            _create_stage(connection, columns_of)
            slow += stage_documents(connection, directory, documents, system_variables)
            del documents
            stage = _Stage(directory)
            for ordinal in sorted(slow):
                try:
                    stage.add(load_record(Path(batch[ordinal]), batch[ordinal], gate), ordinal)
                except ResultInputError as error:
                    problems.append(str(error))
            _append_csv(connection, stage, columns_of)
            gate_staged(connection, tuple(table for _, table in RECORD_TABLES),
                        columns_of.__getitem__)
            totals.add(_finish_batch(connection, columns_of))

    def work(directory: str) -> None:
        batch: list[str] = []
        for count, name in enumerate(files, start=1):
            if progress is not None:
                progress(count, name)
            batch.append(name)
            if len(batch) >= batch_hosts:
                run_batch(directory, batch)
                batch = []
        if batch:
            run_batch(directory, batch)

    _transaction(connection, work)
    return totals.summary()


def _utf8(data: bytes) -> bool:
    if data.isascii():  # mcpiam writes JSON with every non-ASCII character escaped: the usual case
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
