"""The segment workspace: saved segments that can be refreshed, compared and exported.

Saved segments live in their own small DuckDB file, separate from the read-only data. Every call
opens that file only for its own duration, under an exclusive `fcntl` lock on a sibling lock file,
so two processes (or threads) never hold it open together and a writer never sees a half-written
state. Writes run in a transaction: a crash mid-write leaves the previous state.

A saved segment stores its *definition* (guarded SQL), not its members: refreshing re-runs the
definition on the current data, so membership is dynamic and the size history shows how it moved.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, Field, field_validator

from assistant.catalog import Catalog, load_catalog
from assistant.config import default_workspace_path
from assistant.executor import ExecutionError, Executor
from assistant.guard import GuardError, check_sql
from assistant.profile import count_segment

NAME_PATTERN = re.compile(r"[A-Za-z0-9_\- ]{1,64}")
EXPORT_BATCH_ROWS = 5_000
ExportFormat = Literal["csv", "parquet"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS segments (
        key VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, request VARCHAR, spec VARCHAR,
        sql VARCHAR NOT NULL, backend VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, refreshed_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS segment_history (
        key VARCHAR NOT NULL, refreshed_at TIMESTAMP NOT NULL, data_as_of DATE,
        count BIGINT NOT NULL, share DOUBLE NOT NULL)""",
)


class WorkspaceError(Exception):
    """Something the user asked of the workspace that cannot be done; the message says why."""


# --- models at the boundary ----------------------------------------------------------------------


def validate_name(name: str) -> str:
    """A segment name: 1–64 letters, digits, spaces, '-' or '_', not starting or ending in space."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise WorkspaceError(
            f"Invalid segment name {name!r}: use 1–64 characters, only letters, digits, spaces, "
            "'-' and '_'."
        )
    if name != name.strip():
        raise WorkspaceError(
            f"Invalid segment name {name!r}: it may not start or end with a space."
        )
    return name


def _key(name: str) -> str:
    # Names are matched case-insensitively so "VIP" and "vip" cannot become two segments.
    return name.casefold()


class SavedSegmentIn(BaseModel):
    """What a user saves: a name, the SQL that selects the members and how it came about."""

    name: str
    sql: str
    request: str | None = None
    spec: dict[str, Any] | None = None
    backend: str = "sql"

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        try:
            return validate_name(value)
        except WorkspaceError as err:
            raise ValueError(str(err)) from err

    @field_validator("spec", mode="before")
    @classmethod
    def _spec_as_json(cls, value: Any) -> Any:
        # A SegmentSpec (or any model) is stored as its JSON form so the workspace needs no import.
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class HistoryPoint(BaseModel):
    """The segment's size at one refresh, measured on data as of `as_of`."""

    refreshed_at: datetime
    as_of: date | None
    count: int
    share: float


class SavedSegment(BaseModel):
    """A saved segment with its latest size; `history` is filled by `show` and `refresh`."""

    name: str
    request: str | None
    spec: dict[str, Any] | None
    sql: str
    backend: str
    created_at: datetime
    refreshed_at: datetime
    count: int | None = None
    share: float | None = None
    as_of: date | None = None
    history: list[HistoryPoint] = Field(default_factory=list)
    error: str | None = None  # set by refresh when this segment could not be re-run


class Comparison(BaseModel):
    """Overlap of two segments' current members."""

    a: str
    b: str
    only_a: int
    both: int
    only_b: int
    jaccard: float  # |A ∩ B| / |A ∪ B|, 0.0 when both are empty


class ExportResult(BaseModel):
    name: str
    path: Path
    format: ExportFormat
    fields: list[str]
    rows: int
    # "any" (reachable on at least one contact channel), a channel, or "all" (no consent filter)
    reach: str = "all"
    excluded: int = 0  # members left out because they cannot be contacted that way


# --- the workspace -------------------------------------------------------------------------------


class Workspace:
    """Saved segments in one DuckDB file at `path` (created on the first save)."""

    def __init__(self, path: Path | str, catalog: Catalog | None = None) -> None:
        self.path = Path(path)
        # What the data means (entity, anchor, reach); default: the demo catalog.
        self.catalog = catalog or load_catalog()
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @classmethod
    def for_data(cls, db_path: Path | None = None, catalog: Catalog | None = None) -> Workspace:
        """The workspace configured for a data file (see `config.default_workspace_path`)."""
        return cls(default_workspace_path(db_path), catalog)

    # --- storage plumbing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """Lock, open, yield, close; yields None for a read when nothing was ever saved."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                if not write and not self.path.exists():
                    yield None
                    return
                con = self._open()
                try:
                    yield con
                finally:
                    con.close()
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            con = duckdb.connect(str(self.path))
        except duckdb.Error as err:
            raise WorkspaceError(
                f"The workspace file {self.path} could not be opened: {err}"
            ) from err
        try:
            for statement in _SCHEMA:
                con.execute(statement)
        except duckdb.Error as err:
            con.close()
            raise WorkspaceError(f"{self.path} is not a usable segment workspace: {err}") from err
        return con

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._connect(write=True) as con:
            assert con is not None
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # --- public API -------------------------------------------------------------------------------

    def save(
        self, segment: SavedSegmentIn, executor: Executor, *, overwrite: bool = False
    ) -> SavedSegment:
        """Guard and count the segment, then store it with its first history point.

        Overwriting replaces the definition and starts a new history: old sizes measured a
        different definition and would mislead.
        """
        if not overwrite and self._exists(segment.name):
            raise _duplicate(segment.name)
        sql = _guard(segment.sql, executor)
        point = _measure(sql, executor, self.catalog)
        now = point.refreshed_at
        key = _key(segment.name)
        with self._transaction() as con:
            if _row(con, key) is not None:
                if not overwrite:
                    raise _duplicate(segment.name)
                _delete_rows(con, key)
            con.execute(
                "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [key, segment.name, segment.request, _dump_spec(segment.spec), sql]
                + [segment.backend, now, now],
            )
            _insert_point(con, key, point)
        return self.show(segment.name)

    def list(self) -> list[SavedSegment]:
        """Every saved segment (by name) with its latest size; history is left out."""
        with self._connect(write=False) as con:
            if con is None:
                return []
            rows = con.execute(f"{_SELECT_WITH_LATEST} ORDER BY s.key").fetchall()
        return [_segment_from_row(row) for row in rows]

    def show(self, name: str) -> SavedSegment:
        """One saved segment with its whole size history, oldest first."""
        key = _key(validate_name(name))
        with self._connect(write=False) as con:
            row = None if con is None else _row(con, key)
            if con is None or row is None:
                raise self._unknown(name, con)
            history = con.execute(
                "SELECT refreshed_at, data_as_of, count, share FROM segment_history "
                "WHERE key = ? ORDER BY refreshed_at, rowid",
                [key],
            ).fetchall()
        segment = _segment_from_row(row)
        segment.history = [
            HistoryPoint(refreshed_at=r[0], as_of=r[1], count=r[2], share=r[3]) for r in history
        ]
        return segment

    def refresh(self, name: str | None, executor: Executor) -> list[SavedSegment]:
        """Re-run saved definitions on the current data and append their sizes to the history.

        `None` refreshes every segment. A segment that no longer passes the guard or fails to run
        is returned with `error` set and its history untouched; the others still refresh.
        """
        targets = [self.show(name)] if name is not None else self.list()
        return [self._refresh_one(segment, executor) for segment in targets]

    def _refresh_one(self, segment: SavedSegment, executor: Executor) -> SavedSegment:
        key = _key(segment.name)
        try:
            point = _measure(_guard(segment.sql, executor), executor, self.catalog)
            with self._transaction() as con:
                if _row(con, key) is None:  # deleted while we were counting
                    raise self._unknown(segment.name, con)
                _insert_point(con, key, point)
                con.execute(
                    "UPDATE segments SET refreshed_at = ? WHERE key = ?", [point.refreshed_at, key]
                )
        except WorkspaceError as err:
            segment.error = str(err)
            return segment
        return self.show(segment.name)

    def compare(self, a: str, b: str, executor: Executor) -> Comparison:
        """How many current members are only in `a`, in both, and only in `b`."""
        seg_a, seg_b = self.show(a), self.show(b)
        sql_a, sql_b = _guard(seg_a.sql, executor), _guard(seg_b.sql, executor)
        query = f"""
            WITH seg_a AS (SELECT DISTINCT customer_id FROM ({sql_a}) AS qa),
                 seg_b AS (SELECT DISTINCT customer_id FROM ({sql_b}) AS qb)
            SELECT count(*) FILTER (WHERE seg_b.customer_id IS NULL),
                   count(*) FILTER (WHERE seg_a.customer_id IS NOT NULL
                                    AND seg_b.customer_id IS NOT NULL),
                   count(*) FILTER (WHERE seg_a.customer_id IS NULL)
            FROM seg_a FULL OUTER JOIN seg_b ON seg_a.customer_id = seg_b.customer_id"""
        only_a, both, only_b = _run(executor, query).rows[0]
        union = only_a + both + only_b
        return Comparison(
            a=seg_a.name,
            b=seg_b.name,
            only_a=only_a,
            both=both,
            only_b=only_b,
            jaccard=round(both / union, 4) if union else 0.0,
        )

    def export(
        self,
        name: str,
        executor: Executor,
        path: Path | str,
        *,
        fmt: ExportFormat = "csv",
        fields: Sequence[str] | None = None,
        reach: str = "any",
    ) -> ExportResult:
        """Write the segment's current members with the chosen customer fields to `path`.

        By default only members reachable on at least one contact channel are written (consent
        given and never unsubscribed there, as the catalog's contact roles say); `reach` names
        one channel, or "all" for every member. The file appears complete or not at all: rows
        go to a temporary file beside the target, which is flushed to disk and then renamed.
        """
        if fmt not in ("csv", "parquet"):
            raise WorkspaceError(f"Unknown export format {fmt!r}: use 'csv' or 'parquet'.")
        entity = self.catalog.entity
        customer_columns = executor.schema().get(entity.table, {})
        chosen = _export_fields(fields or _default_fields(self.catalog), customer_columns)
        segment = self.show(name)
        sql = _guard(segment.sql, executor)
        count, _ = _count(sql, executor, self.catalog)
        columns = ", ".join(f'{entity.table}."{f}"' for f in chosen)
        reach, where = self._reach_filter(reach, executor)
        result = _run(
            executor,
            f"""WITH seg AS (SELECT DISTINCT customer_id FROM ({sql}) AS q)
            SELECT {columns} FROM {entity.table}
            JOIN seg ON seg.customer_id = {entity.table}.{entity.key}
            WHERE {where}
            ORDER BY {entity.table}.{entity.key}""",
            max_rows=max(count, 1),
        )
        if result.truncated:
            raise WorkspaceError(
                f"Segment {segment.name!r} changed size while it was being exported."
            )
        target = Path(path)
        types = [customer_columns[f] for f in chosen]
        writer = _write_csv if fmt == "csv" else _write_parquet
        _write_atomically(target, lambda tmp: writer(tmp, chosen, types, result.rows))
        return ExportResult(
            name=segment.name,
            path=target,
            format=fmt,
            fields=chosen,
            rows=len(result.rows),
            reach=reach,
            excluded=count - len(result.rows),
        )

    def _reach_filter(self, reach: str, executor: Executor) -> tuple[str, str]:
        """(what the export keeps, its SQL condition): reachable on any contact channel, on one
        channel, or everyone ("all", and always when the catalog names no contact channels)."""
        from assistant.roles import reachable_sql

        channels = list(self.catalog.roles.contact)
        if reach == "all" or not channels:
            return "all", "TRUE"
        if reach != "any" and reach not in channels:
            raise WorkspaceError(
                f"Unknown contact channel {reach!r}: use one of {', '.join(channels)}, any or all."
            )
        try:
            as_of = executor.anchor(self.catalog.anchor_sql) or date.today()
        except ExecutionError:
            as_of = date.today()
        wanted = channels if reach == "any" else [reach]
        parts = [reachable_sql(self.catalog, channel, as_of) for channel in wanted]
        return reach, "(" + " OR ".join(parts) + ")"

    def delete(self, name: str) -> None:
        """Forget a saved segment and its history."""
        key = _key(validate_name(name))
        if not self.path.exists():
            raise self._unknown(name, None)
        with self._transaction() as con:
            if _row(con, key) is None:
                raise self._unknown(name, con)
            _delete_rows(con, key)

    # --- helpers needing the instance -------------------------------------------------------------

    def _exists(self, name: str) -> bool:
        with self._connect(write=False) as con:
            return con is not None and _row(con, _key(name)) is not None

    def _unknown(self, name: str, con: duckdb.DuckDBPyConnection | None) -> WorkspaceError:
        names = [] if con is None else _names(con)
        known = ", ".join(repr(n) for n in names) if names else "none saved yet"
        return WorkspaceError(f"No saved segment named {name!r} (saved segments: {known}).")


# --- storage helpers -----------------------------------------------------------------------------

_SELECT_WITH_LATEST = """
    SELECT s.name, s.request, s.spec, s.sql, s.backend, s.created_at, s.refreshed_at,
           h.count, h.share, h.data_as_of
    FROM segments s
    LEFT JOIN (SELECT key, count, share, data_as_of, refreshed_at FROM segment_history
               QUALIFY row_number() OVER (PARTITION BY key ORDER BY refreshed_at DESC,
                                                           rowid DESC) = 1) h USING (key)"""


def _names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM segments ORDER BY key").fetchall()]


def _row(con: duckdb.DuckDBPyConnection, key: str) -> tuple | None:
    return con.execute(f"{_SELECT_WITH_LATEST} WHERE s.key = ?", [key]).fetchone()


def _segment_from_row(row: tuple) -> SavedSegment:
    name, request, spec, sql, backend, created_at, refreshed_at, count, share, as_of = row
    return SavedSegment(
        name=name,
        request=request,
        spec=None if spec is None else json.loads(spec),
        sql=sql,
        backend=backend,
        created_at=created_at,
        refreshed_at=refreshed_at,
        count=count,
        share=share,
        as_of=as_of,
    )


def _insert_point(con: duckdb.DuckDBPyConnection, key: str, point: HistoryPoint) -> None:
    con.execute(
        "INSERT INTO segment_history VALUES (?, ?, ?, ?, ?)",
        [key, point.refreshed_at, point.as_of, point.count, point.share],
    )


def _delete_rows(con: duckdb.DuckDBPyConnection, key: str) -> None:
    con.execute("DELETE FROM segment_history WHERE key = ?", [key])
    con.execute("DELETE FROM segments WHERE key = ?", [key])


def _dump_spec(spec: dict[str, Any] | None) -> str | None:
    return None if spec is None else json.dumps(spec, default=str)


def _duplicate(name: str) -> WorkspaceError:
    return WorkspaceError(
        f"A segment named {name!r} already exists; choose another name or overwrite it."
    )


# --- running definitions on the data -------------------------------------------------------------


def _guard(sql: str, executor: Executor) -> str:
    # Run every time: the catalog or the data may have changed since the SQL was saved.
    try:
        return check_sql(sql, executor.schema(), binder=executor.explain).sql
    except (GuardError, ExecutionError) as err:
        raise WorkspaceError(f"The segment's SQL was refused: {err.reason}") from err


def _run(executor: Executor, sql: str, *, max_rows: int | None = None):
    try:
        return executor.query(sql, max_rows=max_rows)
    except ExecutionError as err:
        raise WorkspaceError(f"The segment could not be run: {err.reason}") from err


def _count(sql: str, executor: Executor, catalog: Catalog) -> tuple[int, int]:
    try:
        return count_segment(executor, sql, catalog)
    except ExecutionError as err:
        raise WorkspaceError(f"The segment could not be counted: {err.reason}") from err


def _measure(sql: str, executor: Executor, catalog: Catalog) -> HistoryPoint:
    count, base = _count(sql, executor, catalog)
    try:
        as_of = executor.anchor(catalog.anchor_sql)
    except ExecutionError:
        # The size still counts; the history point just cannot say which day it describes.
        as_of = None
    return HistoryPoint(
        refreshed_at=datetime.now(),
        as_of=as_of,
        count=count,
        share=round(count / base, 4) if base else 0.0,
    )


# --- exports -------------------------------------------------------------------------------------


def _default_fields(catalog: Catalog) -> list[str]:
    """The catalog's export fields, else the key and any name/email columns it has."""
    entity = catalog.entity
    if entity.fields:
        return list(entity.fields)
    return [entity.key]


def _export_fields(fields: Sequence[str] | None, customer_columns: dict[str, str]) -> list[str]:
    chosen = [f.strip() for f in (fields or []) if f.strip()]
    if not chosen:
        raise WorkspaceError("Choose at least one field to export.")
    unknown = [f for f in chosen if f not in customer_columns]
    if unknown:
        raise WorkspaceError(
            f"Unknown export field(s) {', '.join(map(repr, unknown))}; customers have: "
            f"{', '.join(customer_columns)}."
        )
    duplicates = sorted({f for f in chosen if chosen.count(f) > 1})
    if duplicates:
        raise WorkspaceError(f"Export field(s) listed twice: {', '.join(duplicates)}.")
    return chosen


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write via a temp file in the target's directory, fsync it, then rename it into place."""
    directory = target.parent
    if not directory.is_dir():
        raise WorkspaceError(f"Cannot export to {target}: the folder {directory} does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform allows opening a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _batches(rows: Sequence[tuple]) -> Iterator[Sequence[tuple]]:
    size = EXPORT_BATCH_ROWS  # read at call time so it can be tuned
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _write_batch(writer: Any, batch: Sequence[tuple]) -> None:
    writer.writerows(batch)


def _write_csv(tmp: Path, fields: list[str], types: list[str], rows: Sequence[tuple]) -> None:
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for batch in _batches(rows):
            _write_batch(writer, batch)


def _write_parquet(tmp: Path, fields: list[str], types: list[str], rows: Sequence[tuple]) -> None:
    import pandas as pd

    frame = pd.DataFrame.from_records(list(rows), columns=fields, coerce_float=False)
    frame = frame.astype(object).where(frame.notna(), None)
    # A private in-memory engine, not the sandbox: the sandbox may not write files by design.
    con = duckdb.connect(":memory:")
    try:
        con.register("export_rows", frame)
        casts = ", ".join(
            f'CAST("{f}" AS {t}) AS "{f}"' for f, t in zip(fields, types, strict=True)
        )
        target = str(tmp).replace("'", "''")
        con.execute(f"COPY (SELECT {casts} FROM export_rows) TO '{target}' (FORMAT parquet)")
    finally:
        con.close()
