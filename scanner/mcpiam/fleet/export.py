"""The fleet database as Parquet, the interchange Spark, Trino/Athena, BigQuery and Snowflake read:
one folder per table, hive-partitioned by the first character of the host name
(``servers/part=a/data_0.parquet``; ``_`` for a name that starts with anything but a letter or
digit, so no host name becomes a path). ``teams``, which has no host, is one file (``teams/data_0.parquet``)."""

from __future__ import annotations

import os
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.fleet.database import TABLES, UNKEYED_TABLES

if TYPE_CHECKING:
    import duckdb

PARTITION = ("CASE WHEN regexp_matches(lower(substr(host, 1, 1)), '^[a-z0-9]$') "
             "THEN lower(substr(host, 1, 1)) ELSE '_' END")


class ExportRefused(Exception):
    """The target folder is a link, a file, or not empty; nothing was written."""


def export_parquet(connection: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Every table under ``directory`` (created; it must be new or empty): rows written per table."""
    if os.path.islink(directory):
        raise ExportRefused("is a symbolic link")
    if os.path.exists(directory):
        if not os.path.isdir(directory):
            raise ExportRefused("is not a folder")
        if os.listdir(directory):
            raise ExportRefused("is not empty; name a new folder")
    os.makedirs(directory, exist_ok=True)
    written = {}
    for table in TABLES:
        target = os.fspath(directory / table).replace("'", "''")
        written[table] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if not written[table]:  # no partition to write: one empty file keeps the table's schema
            os.makedirs(directory / table / "part=_")
            connection.execute(f"COPY (SELECT * FROM {table}) TO '{target}/part=_/data_0.parquet' (FORMAT parquet)")
            continue
        connection.execute(f"COPY (SELECT *, {PARTITION} AS part FROM {table}) TO '{target}' "
                           "(FORMAT parquet, PARTITION_BY (part), COMPRESSION zstd)")
    for table in UNKEYED_TABLES:
        os.makedirs(directory / table)
        target = os.fspath(directory / table / "data_0.parquet").replace("'", "''")
        written[table] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        connection.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    return written
