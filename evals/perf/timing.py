"""Timing helpers for the benchmark: percentiles, repeated runs and the bare-DuckDB baseline."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def machine_info() -> dict[str, Any]:
    """When and where a benchmark ran: its figures compare only within one machine and run."""
    import os
    import platform
    from datetime import datetime

    import duckdb

    return {
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}-{os.cpu_count()}cpu",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def peak_mb() -> float:
    """The largest resident size of this process so far, in MB."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "max_ms": round(max(values), 3),
    }


def timed_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    return statistics.median(timed_ms(fn)[0] for _ in range(repeats))


def bare_duckdb_ms(db_path: Path, sqls: list[str], repeats: int, threads: int) -> list[dict]:
    """Median time of each query on a plain read-only DuckDB connection, fetching every row.

    Runs in a child process: DuckDB allows one configuration per open file and process, and the
    benchmark's own sandboxed Executor already holds this file.
    """
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_bare_worker, (str(db_path), sqls, repeats, threads))


def _bare_worker(db_path: str, sqls: list[str], repeats: int, threads: int) -> list[dict]:
    import resource

    import duckdb

    con = duckdb.connect(db_path, read_only=True, config={"threads": threads})
    results = []
    for sql in sqls:
        con.execute(sql).fetchall()  # warm the same caches the product's path gets warmed
        ms = median_ms(lambda sql=sql: con.execute(sql).fetchall(), repeats)
        rows = len(con.execute(sql).fetchall())
        results.append({"bare_ms": round(ms, 2), "rows": rows})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    con.close()
    return [{**r, "worker_peak_mb": round(peak_mb, 1)} for r in results]
