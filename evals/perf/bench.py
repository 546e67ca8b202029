"""`make bench`: speed and size figures of the answer path at 100k and 1M customers, one run.

Builds (or reuses) the demo data under data/bench/, then measures, in this same process:
rules parsing per request, guard time per query, end-to-end answer time of 20 representative
segments against bare DuckDB on the same compiled SQL, LLM prompt size against the full schema
with sample rows, and peak memory. Prints a table and writes JSON to evals/perf/results/.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import pstats
import statistics
import sys
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # run as a script: workload and timing sit beside it

from timing import (  # noqa: E402
    bare_duckdb_ms,
    machine_info,
    median_ms,
    peak_mb,
    summary_ms,
    timed_ms,
)
from workload import ROOT, SEGMENTS, parsing_requests  # noqa: E402

from assistant.answer import answer  # noqa: E402
from assistant.backends.base import Turn  # noqa: E402
from assistant.backends.rules import RulesBackend  # noqa: E402
from assistant.datagen import build_demo_database  # noqa: E402
from assistant.executor import Executor, SandboxSettings  # noqa: E402
from assistant.guard import check_sql  # noqa: E402
from assistant.profile import segment_result  # noqa: E402

AS_OF = date(2026, 9, 30)
SEED = 42
DEFAULT_SCALES = (100_000, 1_000_000)
RESULTS_DIR = HERE / "results"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # Ideas that fail are logged with a traceback by answer(); the report counts them instead.
    logging.getLogger("assistant").setLevel(logging.CRITICAL)
    backend = RulesBackend()
    report: dict[str, Any] = {"run": _run_info(args), "parsing": measure_parsing(backend)}
    report["scales"] = {}
    # Every build first, so no measurement runs beside a build on this small machine.
    databases = {n: ensure_database(args.data_dir, n, args.rebuild) for n in args.scales}
    for customers, (db, build) in databases.items():
        with Executor(db, SandboxSettings(timeout_s=300)) as executor:
            scale = measure_scale(executor, db, backend, args.repeats, args.warmup)
            if customers == max(args.scales):
                report["prompt"] = measure_prompt(executor)
                if args.profile:
                    report["profile_file"] = profile_answer(executor, backend, customers)
        report["scales"][str(customers)] = {"build": build, **scale}
    report["peak_memory_mb"] = peak_mb()
    _write(report, args.out)
    print(render(report))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(map(str, DEFAULT_SCALES)))
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--rebuild", action="store_true", help="build even if the data exists")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--no-warmup", dest="warmup", action="store_false", help="time the first answer too"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one answer (largest)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "latest.json")
    args = parser.parse_args(argv)
    args.scales = [int(s) for s in str(args.scales).split(",") if s]
    return args


def _run_info(args: argparse.Namespace) -> dict[str, Any]:
    return {**machine_info(), "repeats": args.repeats, "as_of": AS_OF.isoformat(), "seed": SEED}


# --- data ----------------------------------------------------------------------------------------


def ensure_database(data_dir: Path, customers: int, rebuild: bool) -> tuple[Path, dict]:
    """The bench database for this size; its build figures come from the build that made it."""
    db = data_dir / f"retail-{customers}.duckdb"
    stats_file = db.with_suffix(".build.json")
    if db.exists() and stats_file.exists() and not rebuild:
        return db, {**json.loads(stats_file.read_text()), "reused": True}
    print(f"building {customers:,} customers into {db} …", flush=True)
    stats = build_demo_database(db, customers=customers, seed=SEED, as_of=AS_OF)
    build = {
        "customers": customers,
        "seconds": round(stats.seconds, 2),
        "bytes": stats.bytes,
        "row_counts": stats.row_counts,
        "seed": SEED,
    }
    stats_file.write_text(json.dumps(build, indent=2))
    return db, {**build, "reused": False}


# --- measurements --------------------------------------------------------------------------------


def measure_parsing(backend: RulesBackend, repeats: int = 5) -> dict[str, Any]:
    """Rules backend interpretation time per request (median of repeats, then percentiles)."""
    requests = parsing_requests()
    times = [
        median_ms(lambda r=r: backend.interpret(Turn(request=r, as_of=AS_OF)), repeats)
        for r in requests
    ]
    return summary_ms(times)


def measure_scale(
    executor: Executor, db: Path, backend: RulesBackend, repeats: int, warmup: bool
) -> dict[str, Any]:
    rows, sqls = [], []
    for request in SEGMENTS:
        runs = [
            timed_ms(lambda r=request: answer(r, backend=backend, executor=executor))
            for _ in range(repeats + warmup)
        ]
        first = runs[0][1]
        if not first.ok:
            raise SystemExit(f"benchmark segment not answered: {request!r}: {first.error}")
        sqls.append(first.sql)
        rows.append(segment_row(executor, first, [ms for ms, _ in runs[warmup:]], repeats))
    bare = bare_duckdb_ms(db, sqls, repeats, executor.settings.threads)
    for row, base in zip(rows, bare, strict=True):
        row["bare_ms"] = base["bare_ms"]
        row["ratio"] = round(row["e2e_ms"] / max(base["bare_ms"], 0.01), 2)
        if base["rows"] != row["count"]:
            raise SystemExit(f"count mismatch for {row['request']}: {base['rows']} bare")
    return {
        "guard": measure_guard(executor, sqls),
        "segments": rows,
        "ratio_median": round(statistics.median(r["ratio"] for r in rows), 2),
        "ratio_total": round(sum(r["e2e_ms"] for r in rows) / sum(r["bare_ms"] for r in rows), 2),
        "ideas_failed": [r["request"] for r in rows if r["ideas_failed"]],
        "bare_worker_peak_mb": bare[-1]["worker_peak_mb"],
    }


def segment_row(
    executor: Executor, first: Any, answer_ms: list[float], repeats: int
) -> dict[str, Any]:
    """One segment's figures: the whole answer, and its count + profile + sample part."""
    current_ms = median_ms(lambda: segment_result(executor, first.sql, AS_OF), repeats)
    e2e = statistics.median(answer_ms)
    return {
        "request": first.request,
        "count": first.count,
        "e2e_ms": round(e2e, 2),
        "segment_result_ms": round(current_ms, 2),
        "ideas_failed": any("could not be computed" in a for a in first.assumptions),
    }


def measure_guard(executor: Executor, sqls: list[str], repeats: int = 5) -> dict[str, Any]:
    """The guard alone (parse, allow-lists, columns) and with the engine's bind (EXPLAIN)."""
    schema = executor.schema()
    alone = [median_ms(lambda s=s: check_sql(s, schema), repeats) for s in sqls]
    bound = [
        median_ms(lambda s=s: check_sql(s, schema, binder=executor.explain), repeats) for s in sqls
    ]
    return {"guard": summary_ms(alone), "guard_with_bind": summary_ms(bound)}


def measure_prompt(executor: Executor) -> dict[str, Any]:
    """LLM prompt tokens for the benchmark requests against the full schema + 3 rows per table."""
    from assistant.backends.openai_backend import LLMSettings, OpenAIBackend
    from assistant.schema_card import full_schema_with_samples_tokens
    from assistant.tokens import count_tokens

    # Nothing is sent: the backend is only asked to build its messages.
    llm = OpenAIBackend(LLMSettings(base_url="http://127.0.0.1:9/v1", model="gpt-4o-mini"))
    card, whole = [], []
    for request in SEGMENTS:
        messages, card_tokens = llm.build_messages(Turn(request=request, as_of=AS_OF))
        card.append(card_tokens)
        whole.append(sum(count_tokens(text) for _, text in messages))
    baseline = full_schema_with_samples_tokens(executor)
    return {
        "card_and_fewshots_tokens_median": statistics.median(card),
        "card_and_fewshots_tokens_max": max(card),
        "whole_prompt_tokens_median": statistics.median(whole),
        "full_schema_with_samples_tokens": baseline,
        "card_vs_full_ratio": round(statistics.median(card) / baseline, 2),
    }


def profile_answer(executor: Executor, backend: RulesBackend, customers: int) -> str:
    """cProfile of the mission request's answer; the top of the listing goes to a text file."""
    profiler = cProfile.Profile()
    profiler.enable()
    for request in SEGMENTS[:3]:
        answer(request, backend=backend, executor=executor)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    path = RESULTS_DIR / f"profile-{customers}.txt"
    path.write_text(out.getvalue())
    return str(path.relative_to(ROOT))


# --- output --------------------------------------------------------------------------------------


def _write(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, default=str)
    out.write_text(text)
    dated = out.parent / f"{date.today().isoformat()}-{report['run']['machine']}.json"
    dated.write_text(text)
    print(f"wrote {out} and {dated}")


def render(report: dict[str, Any]) -> str:
    scales = report["scales"]
    names = list(scales)
    lines = [_row("measure", [f"{int(n):,} customers" for n in names]), "-" * 78]

    def add(label: str, values: list[str]) -> None:
        lines.append(_row(label, values))

    builds = [scales[n]["build"] for n in names]
    add("data build (s)", [f"{b['seconds']:.1f}" + (" (reused)" * b["reused"]) for b in builds])
    add("database size (MB)", [f"{b['bytes'] / 2**20:,.0f}" for b in builds])
    add("transactions", [f"{b['row_counts']['transactions']:,}" for b in builds])
    for key in ("guard", "guard_with_bind"):
        stats = [scales[n]["guard"][key] for n in names]
        add(f"{key} p50/p95 (ms)", [f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f}" for s in stats])
    for i, request in enumerate(SEGMENTS):
        cells = [_segment_cell(scales[n]["segments"][i]) for n in names]
        add(request[:34], cells)
    add("answer/bare ratio (median)", [f"{scales[n]['ratio_median']:.2f}x" for n in names])
    add("answer/bare ratio (total)", [f"{scales[n]['ratio_total']:.2f}x" for n in names])
    for n in names:
        if scales[n]["ideas_failed"]:
            failed = len(scales[n]["ideas_failed"])
            lines.append(f"ideas failed (kept the segment) for {failed} segments at {int(n):,}")
    parsing = report["parsing"]
    lines.append("")
    lines.append(
        f"rules parsing over {parsing['n']} requests: p50 {parsing['p50_ms']:.1f} ms, "
        f"p95 {parsing['p95_ms']:.1f} ms"
    )
    prompt = report.get("prompt")
    if prompt:
        lines.append(
            f"LLM prompt: card + few-shots {prompt['card_and_fewshots_tokens_median']:,.0f} tokens "
            f"(whole prompt {prompt['whole_prompt_tokens_median']:,.0f}) vs full schema + 3 rows "
            f"{prompt['full_schema_with_samples_tokens']:,} tokens"
        )
    lines.append(f"peak memory (this process): {report['peak_memory_mb']:,.0f} MB")
    return "\n".join(lines)


def _segment_cell(row: dict[str, Any]) -> str:
    return f"{row['e2e_ms']:.0f} vs {row['bare_ms']:.0f} ms ({row['ratio']:.1f}x)"


def _row(label: str, values: list[str]) -> str:
    return f"{label:<36}" + "".join(f"{v:>21}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
