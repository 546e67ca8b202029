"""`segment-assistant eval`: run prompt regression suites and write JSON + Markdown reports.

The lead registers `eval_command` on the main typer app as the `eval` command.
"""

from __future__ import annotations

from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.backends.base import BackendError
from assistant.backends.factory import make_backend
from assistant.catalog import CatalogError
from assistant.evals.baseline import compare_reports, render_comparison
from assistant.evals.report import RunMeta, build_report, load_report, write_report
from assistant.evals.runner import (
    DEFAULT_EVAL_CUSTOMERS,
    DEFAULT_EVAL_DIR,
    DEFAULT_TPCDS_DB,
    TPCDS_DB_ENV,
    TargetError,
    resolve_targets,
    run_schemas,
)
from assistant.evals.suite import SuiteError, load_cases

DEFAULT_SUITES = [Path("evals/suites"), Path("evals/heldout"), Path("evals/dev")]
DEFAULT_REPORT_DIR = Path("evals/reports")
SCRIPTED_NOTE = (
    "the replay cassette holds SCRIPTED answers (hand-written gold specs served by a local test "
    "server), not a real language model's answers"
)

REAL_NOTE = (
    "the replay cassette holds a REAL local model's answers (recorded with --record from "
    "llama-server; the model latency shown is the server's, as recorded)"
)


def case_ids(values: list[str] | None) -> list[str] | None:
    """Case ids from --cases values: ids, comma lists, or YAML files listing {case: id} items."""
    if not values:
        return None
    ids: list[str] = []
    for value in values:
        path = Path(value)
        if path.suffix in (".yaml", ".yml") and path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            items = data.get("cases", []) if isinstance(data, dict) else data
            ids += [item["case"] if isinstance(item, dict) else str(item) for item in items]
        else:
            ids += [part.strip() for part in value.split(",") if part.strip()]
    return ids


def eval_command(
    suites: list[Path] | None = typer.Argument(
        None, help="Suite files or folders (default: evals/suites evals/heldout evals/dev)."
    ),
    backend: str = typer.Option("rules", "--backend", help="rules, openai or replay."),
    model: str | None = typer.Option(None, "--model", help="LLM model name (openai backend)."),
    prompt_dir: Path | None = typer.Option(None, "--prompt-dir", help="Prompt templates folder."),
    db: Path | None = typer.Option(
        None,
        "--db",
        help="The database of the suites' own schema (one not built in), or, when every suite "
        "is of one schema, that schema's database instead of the default (the demo seeds).",
    ),
    catalog: Path | None = typer.Option(
        None, "--catalog", help="The catalog of --db (default: beside it, or the demo's)."
    ),
    tpcds_db: Path | None = typer.Option(
        None,
        "--tpcds-db",
        envvar=TPCDS_DB_ENV,
        help=f"TPC-DS database for `schema: tpcds` suites (default {DEFAULT_TPCDS_DB}).",
    ),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Demo databases with seeds 1..N."),
    customers: int = typer.Option(DEFAULT_EVAL_CUSTOMERS, "--customers", min=10),
    data_dir: Path = typer.Option(DEFAULT_EVAL_DIR, "--data-dir", help="Cache of eval databases."),
    report: Path | None = typer.Option(
        DEFAULT_REPORT_DIR, "--report", help="Folder for report.json and report.md."
    ),
    baseline: Path | None = typer.Option(None, "--baseline", help="A previous JSON report."),
    tolerance: float = typer.Option(0.0, "--tolerance", help="Allowed accuracy drop (0.02 = 2%)."),
    record: Path | None = typer.Option(None, "--record", help="Record LLM answers to a cassette."),
    cassette: Path | None = typer.Option(None, "--cassette", help="Cassette for --backend replay."),
    cases: list[str] | None = typer.Option(
        None, "--cases", help="Only these case ids (comma list, or a YAML file of {case: id})."
    ),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Cases run in parallel."),
    note: str | None = typer.Option(None, "--note", help="A note stored in the report."),
) -> None:
    """Run eval suites: execution accuracy over several seeds, checks, latency, tokens, cost.

    Each suite's `schema:` (default retail, the demo) picks its data: the demo seeds, the TPC-DS
    database with schemas/tpcds.yaml, or --db/--catalog for any other schema.
    """
    err = Console(stderr=True)
    paths = suites or DEFAULT_SUITES
    try:
        selected = load_cases(paths, only=case_ids(cases))
        schemas = list(dict.fromkeys(case.schema_name for case in selected))
        targets = resolve_targets(
            schemas,
            db=db,
            catalog=catalog,
            tpcds_db=tpcds_db,
            seeds=seeds,
            data_dir=data_dir,
            customers=customers,
        )
        backends = {
            name: make_backend(
                backend,
                catalog=target.catalog,
                model=model,
                cassette=cassette,
                record=record,
                prompt_dir=prompt_dir,
            )
            for name, target in targets.items()
            if target.catalog is not None and not target.skipped
        }
    except (SuiteError, BackendError, TargetError, CatalogError) as problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2) from None
    for name, target in targets.items():
        if target.skipped:
            count = sum(case.schema_name == name for case in selected)
            err.print(f"[yellow]skipping {count} {name} cases: {target.skipped}[/yellow]")
    runnable = [case for case in selected if case.schema_name in backends]
    if selected and not runnable:
        err.print("[red]no case can run: every selected suite's schema was skipped[/red]")
        raise typer.Exit(2)
    if backend == "replay" and note is None and cassette and "scripted" in cassette.name:
        note = SCRIPTED_NOTE
    elif backend == "replay" and note is None and cassette and cassette.name.startswith("real-"):
        note = REAL_NOTE
    with _progress(err) as bar:
        task = bar.add_task(f"eval ({backend})", total=len(runnable))
        results, runs = run_schemas(
            runnable,
            targets,
            backends,
            jobs=jobs,
            progress=lambda r: bar.update(task, advance=1, description=_label(r)),
        )
    first = next((run for run in runs.values() if not run.skipped), None)
    chosen = next(iter(backends.values()), None)
    meta = RunMeta(
        backend=backend,
        model=getattr(chosen, "model", None),
        prompt_dir=str(prompt_dir) if prompt_dir else None,
        cassette=str(cassette) if cassette else None,
        databases=[name for run in runs.values() for name in run.databases],
        seeds=first.seeds if first else [],
        as_of=first.as_of if first else None,
        suites=[str(p) for p in paths],
        schemas=runs,
        note=note,
    )
    result = build_report(meta, results)
    _summary(err, result)
    if report is not None:
        json_path, md_path = write_report(result, report)
        err.print(f"report: {json_path} and {md_path}")
    if baseline is not None:
        comparison = compare_reports(result, load_report(baseline), tolerance)
        typer.echo(render_comparison(comparison))
        if comparison.failed:
            raise typer.Exit(1)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _label(result) -> str:
    mark = "ok" if result.passed else "FAIL"
    return f"{result.id} {mark}"[:40]


def _summary(console: Console, report) -> None:
    t = report.totals
    console.print(
        f"{t.passed}/{t.cases} passed ({t.accuracy:.1%}); execution accuracy "
        f"{t.execution_accuracy.passed}/{t.execution_accuracy.total}; valid SQL "
        f"{t.valid_sql.passed}/{t.valid_sql.total}; p50 {t.latency_p50_ms:.0f} ms, "
        f"p95 {t.latency_p95_ms:.0f} ms"
    )
    if t.llm is not None:
        m = t.llm
        console.print(
            f"model: {m.requests} requests, {m.calls} calls; clean JSON {m.clean_json_rate:.1%}, "
            f"recovered {m.recovered_json}; repairs/request {m.repairs_per_request:.2f}; cut off "
            f"{m.truncated}; prompt tokens median {m.prompt_size_median:.0f}, max "
            f"{m.prompt_size_max}; model latency p50 {m.model_latency_p50_ms / 1000:.1f} s, "
            f"p95 {m.model_latency_p95_ms / 1000:.1f} s"
        )
    if len(report.per_schema) > 1 or t.empty_gold:
        for name, rate in report.per_schema.items():
            empty = sum(bool(c.empty_gold) for c in report.cases if c.schema_name == name)
            console.print(f"  {name}: {rate.passed}/{rate.total} passed; empty gold {empty}")
