"""Every table of a DuckDB database as Parquet files, for engines that read files (Spark).

This is a data command run by the user on their own file, not a query path: it opens the
database read-only with plain DuckDB (the query sandbox cannot write files, by design) and
writes one `<table>.parquet` per table into the target folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    path: Path


def export_parquet(db: Path, to: Path) -> list[ExportedTable]:
    """Write each table (and view) of `db` to `to/<table>.parquet`; returns what was written."""
    if not db.is_file():
        raise FileNotFoundError(f"no database at {db}")
    to.mkdir(parents=True, exist_ok=True)
    done = []
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                "AND NOT internal ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            path = to / f"{table}.parquet"
            quoted = '"' + table.replace('"', '""') + '"'
            target = str(path).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {quoted}) TO '{target}' (FORMAT parquet)")
            rows = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
            done.append(ExportedTable(table, int(rows), path))
    return done
