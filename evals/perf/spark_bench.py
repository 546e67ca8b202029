"""`make bench` (Spark part): the same segments on DuckDB and on Spark, at 100k and 1M customers.

For each scale it reuses the bench database (bench.py builds it), writes its Parquet files once
(`data export`), and times, in this same run, each segment's compiled query (the rules backend's
reading of evals/perf/workload.py SEGMENTS, guarded once in DuckDB SQL) fetching every customer
id: on a plain read-only DuckDB connection over the file, and on Spark (local mode, the same
thread count) over the Parquet files. Both warm (one run first), median of --repeats. The
customers are compared too: a timing of a wrong answer would be worthless.

Spark's start-up (JVM, session, reading the Parquet footers) is reported on its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import SEED, ensure_database  # noqa: E402
from timing import median_ms  # noqa: E402
from workload import ROOT, SEGMENTS  # noqa: E402

from assistant.backends.base import Turn  # noqa: E402
from assistant.backends.rules import RulesBackend  # noqa: E402
from assistant.catalog import load_catalog  # noqa: E402
from assistant.compiler import compile_spec  # noqa: E402
from assistant.parquet_export import export_parquet  # noqa: E402

AS_OF = date(2026, 9, 30)
SEGMENT_COUNT = 8  # the first eight workload segments: varied kinds, each a few seconds on Spark
RESULTS = HERE / "results" / "spark-latest.json"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    catalog = load_catalog()
    backend = RulesBackend(catalog)
    sqls = [_compiled(backend, catalog, request) for request in SEGMENTS[:SEGMENT_COUNT]]
    report: dict[str, Any] = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "segments": SEGMENTS[:SEGMENT_COUNT],
        "repeats": args.repeats,
        "seed": SEED,
        "scales": {},
    }
    for customers in (int(s) for s in args.scales.split(",")):
        db, _ = ensure_database(args.data_dir, customers, rebuild=False)
        folder = args.data_dir / f"parquet-{customers}"
        if not (folder / "customers.parquet").exists():
            print(f"writing Parquet for {customers:,} customers into {folder} …", flush=True)
            export_parquet(db, folder)
        report["scales"][str(customers)] = measure(db, folder, sqls, args.repeats)
        print(render_scale(customers, report["scales"][str(customers)]), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"written: {RESULTS}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100000,1000000")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args(argv)


def _compiled(backend: RulesBackend, catalog, request: str) -> str:
    reading = backend.interpret(Turn(request=request, as_of=AS_OF))
    assert reading.spec is not None, f"the workload segment {request!r} has no reading"
    return compile_spec(reading.spec, AS_OF, catalog).sql


def measure(db: Path, folder: Path, sqls: list[str], repeats: int) -> dict[str, Any]:
    import duckdb

    from assistant.executor import SandboxSettings
    from assistant.spark_engine import SparkExecutor

    settings = SandboxSettings(timeout_s=600, max_rows=10_000_000)
    started = time.perf_counter()
    spark = SparkExecutor(folder, settings)
    spark.schema()  # session up, every Parquet file registered
    startup_s = time.perf_counter() - started
    con = duckdb.connect(str(db), read_only=True, config={"threads": settings.threads})
    rows = []
    for sql in sqls:
        ids = f"SELECT DISTINCT customer_id FROM ({sql}) AS q"
        duck_ids = {r[0] for r in con.execute(ids).fetchall()}
        spark_ids = {r[0] for r in spark.query(ids).rows}
        rows.append(
            {
                "customers": len(duck_ids),
                "same_customers": duck_ids == spark_ids,
                "duckdb_ms": round(median_ms(lambda q=ids: con.execute(q).fetchall(), repeats), 1),
                "spark_ms": round(median_ms(lambda q=ids: spark.query(q), repeats), 1),
            }
        )
    con.close()
    duck = statistics.median(r["duckdb_ms"] for r in rows)
    sparked = statistics.median(r["spark_ms"] for r in rows)
    return {
        "spark_startup_s": round(startup_s, 1),
        "duckdb_median_ms": duck,
        "spark_median_ms": sparked,
        "spark_over_duckdb": round(sparked / duck, 1) if duck else None,
        "all_same_customers": all(r["same_customers"] for r in rows),
        "segments": rows,
    }


def render_scale(customers: int, figures: dict[str, Any]) -> str:
    return (
        f"{customers:>9,} customers: DuckDB median {figures['duckdb_median_ms']:,.0f} ms, "
        f"Spark median {figures['spark_median_ms']:,.0f} ms "
        f"({figures['spark_over_duckdb']}x), Spark start-up {figures['spark_startup_s']} s, "
        f"same customers: {figures['all_same_customers']}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
