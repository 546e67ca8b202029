"""The sandboxed executor: runs queries on a read-only DuckDB file that cannot reach the outside.

This is the second line of defence behind the guard: even SQL that never went through the guard
cannot write, read files, load extensions or relax these settings, because the configuration is
fixed at connect time and then locked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

CACHE_DB = "segment_cache"  # the in-memory database registered relations live in
IDLE_CURSORS = 4  # kept for reuse per executor; more at once are opened and closed as needed
BUILD_HINT = "run `segment-assistant data build` (or `make data`) to create it"


@dataclass(frozen=True)
class SandboxSettings:
    memory_limit: str = "2GB"
    threads: int = 2
    timeout_s: float = 30.0  # also the engine-wide ceiling: per-query timeouts can only shorten it
    max_rows: int = 10_000


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    truncated: bool
    elapsed_ms: float


class ExecutionError(Exception):
    """A query that could not be run; `kind` is a short code, the message is for people."""

    def __init__(self, message: str, kind: str = "bad_query") -> None:
        super().__init__(message)
        self.kind = kind
        self.reason = message


class QueryTimeout(ExecutionError):
    def __init__(self, timeout_s: float) -> None:
        super().__init__(
            f"The query took longer than {timeout_s:g} s and was stopped. Try a narrower "
            "question (a shorter date window or fewer conditions), or ask for a count.",
            kind="timeout",
        )
        self.timeout_s = timeout_s


def sandbox_config(settings: SandboxSettings) -> dict[str, Any]:
    """Connect-time configuration; `lock_configuration` comes last so nothing can be relaxed."""
    return {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": settings.memory_limit,
        "threads": settings.threads,
        "max_execution_time": max(1, round(settings.timeout_s * 1000)),
        "lock_configuration": True,
    }


class QueryHelpers:
    """What every engine derives from its `query` (DuckDB here, Spark in spark_engine)."""

    def query(self, sql: str, params: Sequence | None = None, **limits: Any) -> QueryResult:
        raise NotImplementedError

    def scalar(self, sql: str, params: Sequence | None = None) -> Any:
        """The first value of the first row, or None when there are no rows."""
        result = self.query(sql, params, max_rows=1)
        return result.rows[0][0] if result.rows else None

    def explain(self, sql: str) -> None:
        """Bind the query without running it; raises ExecutionError with the engine's message."""
        self.query(f"EXPLAIN {sql}", max_rows=1)

    def anchor_value(self, anchor_sql: str) -> date | None:
        """The value of a catalog's anchor expression, as a date."""
        value = self.scalar(f"SELECT {anchor_sql}")
        return value.date() if isinstance(value, datetime) else value


class Executor(QueryHelpers):
    """One shared read-only connection; every query runs on its own cursor (thread-safe)."""

    def __init__(self, db_path: Path | str, settings: SandboxSettings = SandboxSettings()) -> None:
        self.db_path = Path(db_path)
        self.settings = settings
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._schema: dict[str, dict[str, str]] | None = None
        self._closed = False
        # In-memory relations every cursor sees (see `register`): name -> version.
        self._frames: dict[str, int] = {}
        self._versions = 0
        # Cursors back from a finished query or turn, with the frames registered on each: a new
        # cursor cost ~25 ms at 1M customers, registering the traits' columns again.
        self._idle: list[tuple[duckdb.DuckDBPyConnection, dict[str, int]]] = []

    # --- connection ------------------------------------------------------------------------------

    def _connection(self) -> duckdb.DuckDBPyConnection:
        # Opened lazily so an app can start before the data exists and work once it is built.
        with self._lock:
            if self._closed:
                raise ExecutionError("The executor has been closed.", kind="closed")
            if self._con is None:
                self._con = self._connect()
            return self._con

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if not self.db_path.is_file():
            raise ExecutionError(
                f"The database file {self.db_path} does not exist; {BUILD_HINT}.",
                kind="missing_database",
            )
        try:
            return duckdb.connect(
                str(self.db_path), read_only=True, config=sandbox_config(self.settings)
            )
        except duckdb.ConnectionException as err:
            # DuckDB keeps one instance per file and process: all openers must agree on settings.
            raise ExecutionError(
                f"The database file {self.db_path} is already open in this program with different "
                f"settings ({_first_line(err)}); use one Executor per file and settings.",
                kind="database_unavailable",
            ) from err
        except duckdb.IOException as err:
            raise ExecutionError(
                f"The database file {self.db_path} could not be opened ({_first_line(err)}). "
                f"If another program is writing it, wait for it to finish; otherwise {BUILD_HINT}.",
                kind="database_unavailable",
            ) from err
        except duckdb.Error as err:
            raise ExecutionError(
                f"The file {self.db_path} is not a usable DuckDB database ({_first_line(err)}); "
                f"{BUILD_HINT}.",
                kind="bad_database",
            ) from err

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self._connection().cursor()
        self._expose(cursor, {})
        return cursor

    def _borrow(self) -> tuple[duckdb.DuckDBPyConnection, dict[str, int]]:
        """An idle cursor (its relations brought up to date) or a new one."""
        connection = self._connection()
        with self._lock:
            found = self._idle.pop() if self._idle else None
        cursor, seen = found if found is not None else (connection.cursor(), {})
        self._expose(cursor, seen)
        return cursor, seen

    def _expose(self, cursor: duckdb.DuckDBPyConnection, seen: dict[str, int]) -> None:
        """Give the cursor a view of each registered relation it has not seen in this version."""
        for name, version in list(self._frames.items()):
            if seen.get(name) != version:
                quoted = _quoted(name)
                cursor.execute(
                    f"CREATE OR REPLACE TEMP VIEW {quoted} AS SELECT * FROM {CACHE_DB}.{quoted}"
                )
                seen[name] = version

    def _give_back(
        self, cursor: duckdb.DuckDBPyConnection, seen: dict[str, int], reusable: bool
    ) -> None:
        # A cursor whose query failed or was interrupted is closed, never handed out again.
        with self._lock:
            if reusable and not self._closed and len(self._idle) < IDLE_CURSORS:
                self._idle.append((cursor, seen))
                return
        cursor.close()

    def register(self, name: str, frame: Any) -> None:
        """Make a pandas frame readable as `name` by every later query (the customer traits).

        The rows are copied once into an in-memory database attached to this connection (never
        the data file, which stays read-only; the sandbox's settings stay as they are), and each
        cursor gets a view of it. A frame scanned in place cost every query that read it a copy
        of each of its category columns (~35 ms per answer at 1M customers)."""
        cursor = self._connection().cursor()
        try:
            cursor.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {CACHE_DB} (READ_WRITE)")
            cursor.register("incoming_frame", frame)
            target = f"{CACHE_DB}.{_quoted(name)}"
            cursor.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM incoming_frame")
            cursor.unregister("incoming_frame")
        finally:
            cursor.close()
        with self._lock:
            self._versions += 1
            self._frames[name] = self._versions

    def frame(self, sql: str) -> Any:
        """The whole result of a query as a pandas frame (for results too big for `rows`)."""
        cursor = self._cursor()
        try:
            cursor.execute(sql)
            return cursor.df()
        except duckdb.InterruptException as err:
            raise QueryTimeout(self.settings.timeout_s) from err
        except duckdb.Error as err:
            raise _translate(err) from err
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for cursor, _ in self._idle:
                cursor.close()
            self._idle.clear()
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- queries ---------------------------------------------------------------------------------

    def query(
        self,
        sql: str,
        params: Sequence | None = None,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run one statement; at most `max_rows` rows are fetched (`truncated` says if more)."""
        timeout, limit = self._limits(timeout_s, max_rows)
        cursor, seen = self._borrow()
        reusable = False
        try:
            result = self._run(cursor, sql, params, timeout, limit)
            # A statement that leaves something in the session (a temp table, a setting) takes
            # its cursor with it: the next query must not see it.
            reusable = sql.lstrip()[:6].upper() in ("SELECT", "WITH", "EXPLAI", "DESCRI")
            return result
        finally:
            self._give_back(cursor, seen, reusable)

    def _limits(self, timeout_s: float | None, max_rows: int | None) -> tuple[float, int]:
        """A query may shorten the sandbox's time limit, never lengthen it."""
        limit = self.settings.max_rows if max_rows is None else max_rows
        if timeout_s is None:
            return self.settings.timeout_s, limit
        return min(timeout_s, self.settings.timeout_s), limit

    def _run(
        self,
        cursor: duckdb.DuckDBPyConnection,
        sql: str,
        params: Sequence | None,
        timeout: float,
        limit: int,
    ) -> QueryResult:
        # The engine's max_execution_time enforces settings.timeout_s; a shorter per-query limit
        # needs a timer that interrupts only this cursor, leaving other threads' queries alone.
        timer = None
        if timeout < self.settings.timeout_s:
            timer = threading.Timer(timeout, cursor.interrupt)
            timer.daemon = True
        started = time.perf_counter()
        try:
            if timer is not None:
                timer.start()
            cursor.execute(sql, params)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            # Streamed: fetching one row past the cap tells us it was hit without loading the rest.
            rows = cursor.fetchmany(limit + 1) if columns else []
        except duckdb.InterruptException as err:
            raise QueryTimeout(timeout) from err
        except duckdb.Error as err:
            raise _translate(err) from err
        finally:
            if timer is not None:
                timer.cancel()
        elapsed_ms = (time.perf_counter() - started) * 1000
        truncated = len(rows) > limit
        return QueryResult(columns, rows[:limit], truncated, elapsed_ms)

    @contextmanager
    def pinned(self) -> Iterator[PinnedExecutor]:
        """The same interface on one cursor for a run of queries from one thread, so a TEMP
        table one query makes (in memory, gone with the cursor) is seen by the next ones."""
        cursor, seen = self._borrow()
        reusable = False
        try:
            yield PinnedExecutor(self, cursor, seen)
            reusable = _drop_temp_tables(cursor, keep=set(seen))  # the next turn sees none
        finally:
            self._give_back(cursor, seen, reusable)

    def schema(self) -> dict[str, dict[str, str]]:
        """table -> column -> DuckDB type, read from the database file itself (tables and views)."""
        if self._schema is None:
            result = self.query(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = 'main' "
                "AND NOT internal ORDER BY table_name, column_index",
                max_rows=1_000_000,
            )
            schema: dict[str, dict[str, str]] = {}
            for table, column, data_type in result.rows:
                schema.setdefault(table, {})[column] = data_type
            self._schema = schema
        return {table: dict(columns) for table, columns in self._schema.items()}

    def anchor(self, anchor_sql: str) -> date | None:
        """The data's reference date from a catalog's anchor expression (cached per file)."""
        key = (anchor_sql, self._file_version())
        owner = getattr(self, "_parent", None) or self  # a turn's pinned executor shares it
        cache = owner.__dict__.setdefault("_anchors", {})
        if key not in cache:
            cache[key] = self.anchor_value(anchor_sql)
        return cache[key]

    def _file_version(self) -> tuple[int, int]:
        try:
            stat = Path(self.db_path).stat()
        except (OSError, TypeError):
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_size)


class PinnedExecutor(Executor):
    """An Executor whose queries all run on one cursor (see Executor.pinned)."""

    def __init__(
        self, parent: Executor, cursor: duckdb.DuckDBPyConnection, seen: dict[str, int]
    ) -> None:
        super().__init__(parent.db_path, parent.settings)
        self._parent = parent
        self._pinned = cursor
        self._seen = seen  # the frames registered on the cursor (shared with the parent's pool)

    def query(
        self,
        sql: str,
        params: Sequence | None = None,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        timeout, limit = self._limits(timeout_s, max_rows)
        self._sync_frames()
        return self._run(self._pinned, sql, params, timeout, limit)

    def _sync_frames(self) -> None:
        # Relations registered after this turn's cursor was opened (traits built in the
        # background).
        self._parent._expose(self._pinned, self._seen)

    def register(self, name: str, frame: Any) -> None:
        self._parent.register(name, frame)
        self._sync_frames()

    def frame(self, sql: str) -> Any:
        return self._parent.frame(sql)

    def schema(self) -> dict[str, dict[str, str]]:
        return self._parent.schema()

    def close(self) -> None:  # the cursor belongs to the `pinned()` block that made it
        pass


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _drop_temp_tables(cursor: duckdb.DuckDBPyConnection, keep: set[str]) -> bool:
    """Drop what a turn left in its cursor's session (not the registered frames, `keep`);
    False if that cannot be done."""
    try:
        found = cursor.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = 'temp'"
        ).fetchall()
        for name, kind in found:
            if name in keep:
                continue
            what = "VIEW" if "VIEW" in kind else "TABLE"
            cursor.execute(f"DROP {what} IF EXISTS temp.main.{_quoted(name)}")
    except duckdb.Error:
        return False
    return True


def _translate(err: duckdb.Error) -> ExecutionError:
    message = _first_line(err)
    if isinstance(err, duckdb.PermissionException) or _is_sandbox_refusal(message):
        return ExecutionError(
            f"The sandbox does not allow this (it is read-only and cannot reach files or the "
            f"network): {message}",
            kind="not_permitted",
        )
    if isinstance(err, duckdb.OutOfMemoryException):
        return ExecutionError(
            f"The query needed more memory than allowed and was stopped: {message}",
            kind="out_of_memory",
        )
    return ExecutionError(f"The database could not run this query: {message}", kind="bad_query")


def _first_line(err: object) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _is_sandbox_refusal(message: str) -> bool:
    return "read-only" in message or "configuration has been locked" in message
