"""A second engine: the same queries on Apache Spark (PySpark in local mode) over Parquet files.

`SparkExecutor` has the interface the rest of the product uses of `assistant.executor.Executor`
(query, scalar, explain, schema, anchor, pinned, close), so answer(), the profile and the ideas
run on it unchanged. Every query arrives in DuckDB SQL, already checked by the guard in that
dialect; it is translated with `assistant.dialects` just before Spark runs it.

The sandbox here: only the Parquet files of one folder are visible (one temporary view per
file), no table or file can be written (the guard admits one read-only SELECT; the members temp
table answer() makes becomes a cached temporary view), each query is a job group cancelled after
the time limit, and at most `max_rows` rows come back to the driver.

Spark starts in 5-15 s; one Spark context is shared by every SparkExecutor of the process, each
with a session of its own (its own temporary views).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from assistant.dialects import transpile
from assistant.executor import (
    ExecutionError,
    QueryHelpers,
    QueryResult,
    QueryTimeout,
    SandboxSettings,
)

SPARK_HINT = (
    "install PySpark (`pip install pyspark`, part of the dev extras) and a Java runtime "
    "(Debian: openjdk-17-jre-headless; `make spark` installs it)"
)
_TEMP_TABLE = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+TEMP(?:ORARY)?\s+TABLE\s+(\w+)\s+AS\s+(.*)$", re.I | re.S
)
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(.*)$", re.I | re.S)
MEMORY_ENV = "SEGMENT_ASSISTANT_SPARK_MEMORY"
DEFAULT_MEMORY = "4g"
_SESSION_LOCK = threading.Lock()
_SESSION: Any = None
# Spark's type names as DuckDB spells them, so the guard sees the schema it knows.
_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
}


def spark_session(threads: int = 2) -> Any:
    """The process's local Spark session (started on first use)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError as err:
                raise ExecutionError(f"Spark is not available: {SPARK_HINT}.", "engine") from err
            scratch = tempfile.mkdtemp(prefix="segment-assistant-spark-")
            builder = (
                SparkSession.builder.master(f"local[{threads}]")
                .appName("segment-assistant")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", str(max(2, threads * 2)))
                # The driver is the whole local cluster: its heap holds broadcast joins.
                .config("spark.driver.memory", os.environ.get(MEMORY_ENV, DEFAULT_MEMORY))
                # DuckDB's semantics for what ANSI mode turns into errors (x / 0 is NULL).
                .config("spark.sql.ansi.enabled", "false")
                .config("spark.sql.warehouse.dir", str(Path(scratch) / "warehouse"))
                .config("spark.local.dir", scratch)
            )
            try:
                _SESSION = builder.getOrCreate()
            except Exception as err:  # Java missing or not starting
                raise ExecutionError(f"Spark could not start ({err}); {SPARK_HINT}.") from err
            _SESSION.sparkContext.setLogLevel("ERROR")
        return _SESSION


class SparkExecutor(QueryHelpers):
    """The Executor interface on the Parquet files of one folder (one table per file)."""

    def __init__(self, data_dir: Path | str, settings: SandboxSettings = SandboxSettings()) -> None:
        self.db_path = Path(data_dir)
        self.settings = settings
        self._schema: dict[str, dict[str, str]] | None = None
        self._tables: list[str] = []  # one temporary view per Parquet file, named for it
        self._lock = threading.Lock()
        self._session: Any = None
        self._prefix = f"sa{uuid.uuid4().hex[:8]}_"

    # --- set-up ----------------------------------------------------------------------------------

    def _spark(self) -> Any:
        with self._lock:
            if self._session is None:
                # Its own session of the shared context: its views are seen by no other executor.
                self._session = spark_session(self.settings.threads).newSession()
                self._register(self._session)
            return self._session

    def _register(self, spark: Any) -> None:
        files = sorted(self.db_path.glob("*.parquet")) if self.db_path.is_dir() else []
        if not files:
            raise ExecutionError(
                f"No Parquet files in {self.db_path}; write them with "
                "`segment-assistant data export --db FILE --to DIR`.",
                kind="missing_database",
            )
        for path in files:
            # Each table is a temporary view of the session: nothing is written anywhere.
            spark.read.parquet(str(path)).createOrReplaceTempView(path.stem)
            self._tables.append(path.stem)

    # --- queries ---------------------------------------------------------------------------------

    def query(
        self,
        sql: str,
        params: Sequence | None = None,
        *,
        timeout_s: float | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        if params:
            raise ExecutionError("Spark queries take no parameters here.", kind="bad_query")
        spark = self._spark()
        timeout = min(timeout_s or self.settings.timeout_s, self.settings.timeout_s)
        limit = self.settings.max_rows if max_rows is None else max_rows
        started = time.perf_counter()
        temp = _TEMP_TABLE.match(sql)
        explain = _EXPLAIN.match(sql)
        if temp is not None:
            name, select = temp.groups()
            frame = self._run(spark, lambda: spark.sql(self._spark_sql(select)).cache(), timeout)
            self._run(spark, frame.count, timeout)  # materialise once, like a temp table
            frame.createOrReplaceTempView(name)
            return QueryResult([], [], False, _ms(started))
        if explain is not None:
            text = f"EXPLAIN {self._spark_sql(explain.group(1))}"
            rows = self._run(spark, lambda: spark.sql(text).collect(), timeout)
            return QueryResult(["plan"], [tuple(r) for r in rows], False, _ms(started))
        frame = self._run(spark, lambda: spark.sql(self._spark_sql(sql)), timeout)
        rows = self._run(spark, lambda: frame.limit(limit + 1).collect(), timeout)
        columns = list(frame.columns)
        values = [tuple(_plain(v) for v in row) for row in rows]
        return QueryResult(columns, values[:limit], len(values) > limit, _ms(started))

    def _spark_sql(self, sql: str) -> str:
        try:
            return transpile(sql, "spark", pretty=False)
        except ValueError as err:
            raise ExecutionError(f"The query could not be translated for Spark: {err}") from err

    def _run(self, spark: Any, work: Any, timeout: float) -> Any:
        """`work()` as a job group cancelled after `timeout` seconds."""
        context = spark.sparkContext
        group = f"{self._prefix}{uuid.uuid4().hex[:8]}"
        timer = threading.Timer(timeout, context.cancelJobGroup, args=(group,))
        timer.daemon = True
        context.setJobGroup(group, "segment-assistant query", interruptOnCancel=True)
        timer.start()
        try:
            return work()
        except Exception as err:
            if not timer.is_alive():
                raise QueryTimeout(timeout) from err
            raise ExecutionError(_spark_message(err)) from err
        finally:
            timer.cancel()

    @contextmanager
    def pinned(self) -> Iterator[SparkExecutor]:
        # Temporary views live in the session, so every query already sees them.
        yield self

    def schema(self) -> dict[str, dict[str, str]]:
        if self._schema is None:
            spark = self._spark()
            schema: dict[str, dict[str, str]] = {}
            for table in self._tables:
                for field in spark.table(table).schema.fields:
                    schema.setdefault(table, {})[field.name] = _duckdb_type(
                        field.dataType.simpleString()
                    )
            self._schema = schema
        return {table: dict(columns) for table, columns in self._schema.items()}

    def anchor(self, anchor_sql: str) -> date | None:
        return self.anchor_value(anchor_sql)

    def close(self) -> None:
        """The session is shared by the process; this executor's views go with it."""

    def __enter__(self) -> SparkExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _duckdb_type(spark_type: str) -> str:
    if spark_type.startswith("decimal"):
        return spark_type.upper()
    return _TYPES.get(spark_type, spark_type.upper())


def _plain(value: Any) -> Any:
    """Spark's Rows (structs) as the dicts DuckDB returns for them, all the way down."""
    if hasattr(value, "asDict"):
        return {key: _plain(item) for key, item in value.asDict().items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _spark_message(err: Exception) -> str:
    """The engine's own reason: a Java error's message, not py4j's "error calling o305"."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    java = next((line for line in lines if line.startswith(": ") and "Exception" in line), None)
    reason = java[2:].split(": ", 1)[-1] if java else (lines[0] if lines else type(err).__name__)
    return f"Spark could not run this query: {reason[:400]}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
