"""The answer against hand-written SQL: count path, profile, full answer and first answer.

    python evals/perf/answer_bench.py                      # 100k and 1M (data/bench, as bench.py)
    python evals/perf/answer_bench.py --scales 100000 --repeats 3

For each request of `handwritten.yaml` (an analyst's own query for it), in one run:
- the hand-written query on a plain read-only DuckDB connection (child process, warm, every row
  fetched) — after checking it selects exactly the customers the product's answer selects;
- the count path: `answer(..., with_profile=False)` (interpret, compile, guard + bind, funnel);
- the profile: `answer(..., with_ideas=False)` (+ members, profile, sample);
- the full answer: `answer(...)` (+ 4-8 ideas with counts, reach, differentiators, revenue share);
each the median of --repeats after one warm-up, taken in turn with the hand-written query (a
burst of load on the shared machine hits all alike), and as a ratio to the hand-written query.
The first answer is measured in a fresh process, as after `segment-assistant ui` starts: the
traits start building in the background (or are read back from beside the database) while the
first request is counted; then the first full answer. Peak memory is the largest resident size
of the benchmark and of the fresh process. Results: evals/perf/results/answer-*.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from timing import machine_info, peak_mb, timed_ms  # noqa: E402
from workload import ROOT  # noqa: E402

HANDWRITTEN = HERE / "handwritten.yaml"
RESULTS = HERE / "results"
AS_OF = date(2026, 9, 30)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    cases = yaml.safe_load(HANDWRITTEN.read_text())
    report: dict[str, Any] = {"run": _run_info(args), "scales": {}}
    for customers in args.scales:
        db = args.data_dir / f"retail-{customers}.duckdb"
        if not db.exists():
            raise SystemExit(f"{db} is missing: run evals/perf/bench.py first (it builds it)")
        print(f"{customers:,} customers: first answer in a fresh process …", flush=True)
        first = _in_child(_first_answer, str(db), cases[0]["request"])
        print(f"{customers:,} customers: {len(cases)} segments …", flush=True)
        report["scales"][str(customers)] = {"first": first, **measure(db, cases, args.repeats)}
    report["peak_memory_mb"] = peak_mb()
    out = RESULTS / f"answer-{date.today()}-{report['run']['machine']}.json"
    for path in (out, RESULTS / "answer-latest.json"):
        path.write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100000,1000000")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    args.scales = [int(s) for s in str(args.scales).split(",") if s]
    return args


def _run_info(args: argparse.Namespace) -> dict[str, Any]:
    return {**machine_info(), "repeats": args.repeats, "as_of": AS_OF.isoformat()}


# --- one scale -----------------------------------------------------------------------------------


def measure(db: Path, cases: list[dict], repeats: int) -> dict[str, Any]:
    from assistant.answer import answer
    from assistant.backends.rules import RulesBackend
    from assistant.catalog import catalog_for
    from assistant.executor import Executor, SandboxSettings

    ctx = multiprocessing.get_context("spawn")
    with Executor(db, SandboxSettings(timeout_s=300)) as executor, ctx.Pool(1) as hand_worker:
        catalog = catalog_for(db, None, set(executor.schema()))
        backend = RulesBackend(catalog)

        def ask(request: str, **options: Any) -> Any:
            found = answer(request, backend=backend, executor=executor, catalog=catalog, **options)
            if not found.ok:
                raise SystemExit(f"not answered: {request!r}: {found.error}")
            return found

        stages = {"count": {"with_profile": False}, "profile": {"with_ideas": False}, "full": {}}
        rows = []
        for case in cases:
            request = case["request"]
            full = ask(request)  # also the warm-up of every path below
            check = hand_worker.apply(_hand_check, (str(db), case["sql"], full.sql))
            if check["rows"] != full.count or not check["same_customers"]:
                raise SystemExit(
                    f"hand-written SQL for {request!r} selects {check['rows']:,} customers, "
                    f"the answer {full.count:,} (same set: {check['same_customers']})"
                )
            # Interleaved, so a burst of load on this shared machine hits every figure alike.
            times: dict[str, list[float]] = {"hand": [], **{stage: [] for stage in stages}}
            for _ in range(repeats):
                times["hand"].append(hand_worker.apply(_hand_ms, (str(db), case["sql"])))
                for stage, options in stages.items():
                    times[stage].append(timed_ms(lambda r=request, o=options: ask(r, **o))[0])
            row = {"request": request, "count": full.count, "ideas": len(full.ideas.ideas)}
            row |= {f"{k}_ms": round(statistics.median(v), 2) for k, v in times.items()}
            for stage in stages:
                row[f"{stage}_ratio"] = round(row[f"{stage}_ms"] / max(row["hand_ms"], 0.01), 2)
            rows.append(row)
        hand_peak = hand_worker.apply(peak_mb)
    return {
        "segments": rows,
        "median_ratio": {
            stage: round(statistics.median(r[f"{stage}_ratio"] for r in rows), 2)
            for stage in ("count", "profile", "full")
        },
        "median_ms": {
            stage: round(statistics.median(r[f"{stage}_ms"] for r in rows), 1)
            for stage in ("hand", "count", "profile", "full")
        },
        "hand_workerpeak_mb": hand_peak,
    }


# --- child processes (DuckDB allows one configuration per file and process) -------------------


def _in_child(fn: Any, *args: Any) -> Any:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


_CONNECTIONS: dict[str, Any] = {}


def _connection(db: str) -> Any:
    import duckdb

    if db not in _CONNECTIONS:
        _CONNECTIONS[db] = duckdb.connect(db, read_only=True, config={"threads": 2})
    return _CONNECTIONS[db]


def _hand_check(db: str, hand: str, product: str) -> dict[str, Any]:
    """Whether the hand-written query selects the answer's customers (also warms its caches)."""
    con = _connection(db)
    ids = {r[0] for r in con.execute(hand).fetchall()}
    return {
        "rows": len(ids),
        "same_customers": ids == {r[0] for r in con.execute(product).fetchall()},
    }


def _hand_ms(db: str, hand: str) -> float:
    """One run of the hand-written query on a plain read-only connection, every row fetched."""
    return timed_ms(lambda: _connection(db).execute(hand).fetchall())[0]


def _first_answer(db: str, request: str) -> dict[str, Any]:
    """As the UI starts: open, start the traits, count the first request, then answer it."""
    started = time.perf_counter()
    from assistant import traits
    from assistant.answer import answer
    from assistant.backends.rules import RulesBackend
    from assistant.catalog import catalog_for
    from assistant.executor import Executor
    from assistant.profile import catalog_as_of

    executor = Executor(db)
    catalog = catalog_for(Path(db), None, set(executor.schema()))
    backend = RulesBackend(catalog)
    traits.start(executor, catalog, catalog_as_of(executor, catalog))
    opened = time.perf_counter()
    kw = {"backend": backend, "executor": executor, "catalog": catalog}
    counted = answer(request, with_profile=False, **kw)
    count_s = time.perf_counter() - opened
    full = answer(request, **kw)
    full_s = time.perf_counter() - opened
    built = traits.get(executor, catalog, catalog_as_of(executor, catalog))
    return {
        "request": request,
        "count": counted.count,
        "start_s": round(opened - started, 2),
        "first_count_s": round(count_s, 2),
        "first_full_s": round(full_s, 2),
        "full_ok": full.ok,
        "traits_source": built.source,
        "traits_s": built.seconds,
        "peak_mb": peak_mb(),
    }


# --- report --------------------------------------------------------------------------------------


def render(report: dict[str, Any]) -> str:
    lines = []
    for scale, figures in report["scales"].items():
        lines.append(f"\n{int(scale):,} customers")
        lines.append(
            f"  {'request':<66} {'hand':>8} {'count':>7} {'profile':>8} {'full':>7}  (x hand)"
        )
        for row in figures["segments"]:
            lines.append(
                f"  {row['request'][:66]:<66} {row['hand_ms']:>6.0f}ms {row['count_ratio']:>6.2f}x"
                f" {row['profile_ratio']:>7.2f}x {row['full_ratio']:>6.2f}x"
            )
        med = figures["median_ratio"]
        lines.append(
            f"  median ratio: count {med['count']}x, profile {med['profile']}x, full {med['full']}x"
        )
        first = figures["first"]
        lines.append(
            f"  first answer after start: count {first['first_count_s']} s, full "
            f"{first['first_full_s']} s (traits {first['traits_source']} in {first['traits_s']} s; "
            f"process peak {first['peak_mb']} MB)"
        )
    lines.append(f"peak memory of the benchmark: {report['peak_memory_mb']} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
