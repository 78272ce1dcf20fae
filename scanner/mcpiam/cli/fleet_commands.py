"""The fleet commands: ``mcpiam merge`` (one report of many results) and ``mcpiam fleet ingest |
export | query`` (a DuckDB fleet database of them). Registered on the ``mcpiam`` group by
``mcpiam.cli.main``; DuckDB is loaded only when one of these runs.

Exit codes as ``main``'s (restated here, as ``entry`` does, so that this module does not import
``main``, which imports it): 0 clean, 1 a credential reused across accounts, 2 usage or input error.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

import click

from mcpiam.core.redact import shown_on_terminal
from mcpiam.cli.output import write_output as _write

if TYPE_CHECKING:
    from mcpiam.fleet.database import IngestSummary

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
PROGRESS_EVERY_SECONDS = 0.5
SHOWN_PROBLEMS = 50  # bad inputs named one a line; the rest counted




def _progress() -> Callable[[int, str], None] | None:
    """A line on standard error every half second, only when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(count: int, name: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            click.echo(f"\rmcpiam: reading result {count:,} ({shown_on_terminal(name)[-60:]})\x1b[K",
                       err=True, nl=False)
    return show


def _database_path(db: Path) -> Path:
    """The database file: a regular file or none yet; never through a link."""
    if os.path.islink(db) or (os.path.exists(db) and not os.path.isfile(db)):
        raise click.UsageError(f"--db {shown_on_terminal(os.fspath(db))}: not a regular file")
    return db


def _connect(opener, db: Path | None):  # type: ignore[no-untyped-def]
    """A database connection, or a usage error naming why the file cannot be opened."""
    from mcpiam.fleet.database import DatabaseUnavailable

    try:
        return opener(db) if db is not None else opener()
    except DatabaseUnavailable as error:
        raise click.UsageError(f"--db {shown_on_terminal(os.fspath(db or ''))}: cannot be opened: "
                               f"{shown_on_terminal(str(error))}") from None


class _Target:
    """Where an ingest writes: the database itself, or (when a bad input must leave it untouched,
    without --skip-invalid) a copy put in its place only once every input was read. Each batch of
    results is its own transaction: one transaction for a whole fleet kept every row in memory."""

    def __init__(self, db: Path | None, in_place: bool) -> None:
        self.db = db
        self.path = db
        if db is not None and not in_place:
            self.path = db.with_name(f".{db.name}.ingest-{os.getpid()}")
            if db.exists():
                import shutil

                shutil.copyfile(db, self.path)

    def open(self):  # type: ignore[no-untyped-def]
        from mcpiam.fleet.database import connect

        return _connect(connect, self.path)

    def finish(self, connection, keep: bool) -> None:  # type: ignore[no-untyped-def]
        connection.close()
        if self.path == self.db or self.path is None or self.db is None:
            return
        if keep:
            os.replace(self.path, self.db)
        else:
            self.path.unlink(missing_ok=True)
        Path(f"{self.path}.wal").unlink(missing_ok=True)


def _load(connection, arguments: tuple[str, ...], skip_invalid: bool,  # type: ignore[no-untyped-def]
          name_skipped: bool = True) -> tuple[IngestSummary, list[str]]:
    """Ingest every result the arguments name; without ``skip_invalid`` a bad input is a usage
    error naming every bad input, and nothing is loaded."""
    from mcpiam.fleet.database import ingest_files
    from mcpiam.fleet.sources import expand_inputs

    inputs = expand_inputs(arguments, sys.stdin)
    problems = list(inputs.problems)
    progress = _progress()
    summary = ingest_files(connection, inputs.files, problems, progress=progress)
    if progress is not None:
        click.echo("\r\x1b[K", err=True, nl=False)
    if problems and not skip_invalid:
        for problem in problems[:SHOWN_PROBLEMS]:
            click.echo(f"mcpiam: error: {shown_on_terminal(problem)}", err=True)
        if len(problems) > SHOWN_PROBLEMS:
            click.echo(f"mcpiam: error: ... and {len(problems) - SHOWN_PROBLEMS} more", err=True)
        raise click.UsageError(f"{len(problems)} input(s) are not mcpiam JSON results (named above); nothing "
                               "was loaded (--skip-invalid loads the others)")  # the caller drops the copy it loaded into
    for problem in problems if name_skipped else ():
        click.echo(f"mcpiam: warning: skipped {shown_on_terminal(problem)}", err=True)
    return summary, problems


_inputs_argument = click.argument("inputs", nargs=-1, metavar="RESULTS...")
_skip_option = click.option("--skip-invalid", is_flag=True, envvar="MCPIAM_SKIP_INVALID",
                            help="Skip (and name on standard error) inputs that are not mcpiam results; "
                                 "without it, exit 2 naming every one and load nothing.")


@click.command()
@_inputs_argument
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif", "csv", "markdown"]),
              default="text", show_default=True, envvar="MCPIAM_MERGE_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the report to FILE instead of standard output.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=None, envvar="MCPIAM_FLEET_DB",
              metavar="FILE", help="Load the results into this fleet database (mcpiam fleet ingest) and "
                                   "report all it holds; without it, an in-memory database.")
@_skip_option
def merge(inputs: tuple[str, ...], fmt: str, output: str | None, db: Path | None, skip_invalid: bool) -> int:
    """Correlate the JSON results of many sweeps or scans into one fleet report.

    RESULTS are files, folders (their *.json results), glob patterns, @FILE (a list of paths,
    one a line) or - (the list on standard input). Reports servers across the fleet, credentials
    reused across machines or users (the inputs must share one --fingerprint-key), ownership
    coverage by host and the servers and hosts each owner has, and counts by rule. Exit 1 when
    a credential is reused across machines or users, 2 when an input is not an mcpiam result.
    """
    from mcpiam.fleet.merge import fleet_report
    from mcpiam.fleet.render import render_merge

    if not inputs and db is None:
        raise click.UsageError("name the results to merge (files, folders, globs, @list or -), or --db")
    target = _Target(_database_path(db) if db is not None else None, in_place=skip_invalid or not inputs)
    connection = target.open()
    kept = False
    try:
        summary, problems = _load(connection, inputs, skip_invalid, name_skipped=False)  # the report names them
        report = fleet_report(connection, summary if inputs else None, skipped=tuple(problems))
        kept = True
    finally:
        target.finish(connection, kept)
    for warning in report.warnings:
        click.echo(f"mcpiam: warning: {shown_on_terminal(warning)}", err=True)
    _write(render_merge(report, fmt), output)
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


@click.group()
def fleet() -> None:
    """A fleet database (DuckDB) of many sweeps: ingest results, load teams, query its views, export Parquet."""


_db_option = click.option("--db", type=click.Path(path_type=Path, dir_okay=False), required=True,
                          envvar="MCPIAM_FLEET_DB", metavar="FILE", help="The fleet database file.")


@fleet.command(name="ingest")
@_inputs_argument
@_db_option
@_skip_option
def fleet_ingest(inputs: tuple[str, ...], db: Path, skip_invalid: bool) -> int:
    """Load sweep and scan results (RESULTS: files, folders, globs, @FILE lists or -) into the
    database; a newer result of a host replaces its rows and keeps when each was first seen."""
    if not inputs:
        raise click.UsageError("name the results to ingest (files, folders, globs, @list or -)")
    target = _Target(_database_path(db), in_place=skip_invalid)
    connection = target.open()
    kept = False
    try:
        summary, problems = _load(connection, inputs, skip_invalid)
        hosts = connection.execute("SELECT count(*) FROM hosts").fetchone()[0]
        kept = True
    finally:
        target.finish(connection, kept)
    loaded = summary.read - len(summary.older)
    parts = [f"{loaded:,} result(s) loaded", f"{len(summary.replaced):,} host(s) replaced by a newer result"]
    if summary.older:
        parts.append(f"{len(summary.older):,} older than the one held, not loaded")
    if summary.repeated:
        parts.append(f"{len(summary.repeated):,} host(s) named by several inputs (the newest kept)")
    if problems:
        parts.append(f"{len(problems):,} invalid input(s) skipped")
    click.echo(shown_on_terminal(f"{db}: " + "; ".join(parts) + f"; {hosts:,} host(s) in the database"), err=True)
    return EXIT_CLEAN


@fleet.command(name="teams")
@click.argument("teams_file", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@_db_option
def fleet_teams(teams_file: Path, db: Path) -> int:
    """Load your directory's teams (FILE: a CSV whose header names the columns user and team, one
    membership a line) into the database's teams table, replacing the teams it held."""
    from mcpiam.fleet.teams import TeamsFileError, load_teams, read_teams

    try:
        memberships = read_teams(teams_file, shown_on_terminal(os.fspath(teams_file)))
    except TeamsFileError as error:
        raise click.UsageError(str(error)) from None
    target = _Target(_database_path(db), in_place=True)
    connection = target.open()
    try:
        load_teams(connection, memberships)
        users = connection.execute('SELECT count(DISTINCT "user"), count(DISTINCT team) FROM teams').fetchone()
    finally:
        target.finish(connection, True)
    click.echo(shown_on_terminal(f"{db}: {users[0]:,} user(s) in {users[1]:,} team(s) loaded"), err=True)
    return EXIT_CLEAN


@fleet.command(name="query")
@_db_option
@click.argument("sql")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True, help="Output format.")
def fleet_query(db: Path, sql: str, fmt: str) -> int:
    """Run one SQL query (read-only) over the database's tables and views; print its rows."""
    from mcpiam.fleet.database import QueryError, connect_read_only, run_query
    from mcpiam.fleet.render import render_rows

    if not os.path.isfile(_database_path(db)):
        raise click.UsageError(f"--db {shown_on_terminal(os.fspath(db))}: no such database (mcpiam fleet ingest makes it)")
    connection = _connect(connect_read_only, db)
    try:
        columns, rows = run_query(connection, sql)
    except QueryError as error:
        raise click.UsageError(f"the query failed: {error}") from None
    finally:
        connection.close()
    _write(render_rows(columns, rows, fmt), None)
    return EXIT_CLEAN


@fleet.command(name="export")
@_db_option
@click.option("--parquet", "directory", type=click.Path(path_type=Path, file_okay=False), required=True,
              metavar="DIR", help="Write every table as Parquet under DIR (a new or empty folder).")
def fleet_export(db: Path, directory: Path) -> int:
    """Write the database's tables as hive-partitioned Parquet (one folder per table)."""
    from mcpiam.fleet.database import connect_for_export
    from mcpiam.fleet.export import ExportRefused, export_parquet

    if not os.path.isfile(_database_path(db)):
        raise click.UsageError(f"--db {shown_on_terminal(os.fspath(db))}: no such database (mcpiam fleet ingest makes it)")
    connection = _connect(connect_for_export, db)
    try:
        written = export_parquet(connection, directory)
    except ExportRefused as refused:
        raise click.UsageError(f"--parquet {shown_on_terminal(os.fspath(directory))}: {refused}") from None
    finally:
        connection.close()
    rows = ", ".join(f"{table} {count:,}" for table, count in written.items())
    click.echo(shown_on_terminal(f"{directory}: rows written: {rows}"), err=True)
    return EXIT_CLEAN
