"""`segment-assistant eval`: run prompt regression suites and write JSON + Markdown reports.

The lead registers `eval_command` on the main typer app as the `eval` command.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.backends.base import BackendError
from assistant.backends.factory import make_backend
from assistant.evals.baseline import compare_reports, render_comparison
from assistant.evals.report import RunMeta, build_report, load_report, write_report
from assistant.evals.runner import DEFAULT_EVAL_CUSTOMERS, DEFAULT_EVAL_DIR, ensure_databases
from assistant.evals.runner import run_cases as run_eval_cases
from assistant.evals.suite import SuiteError, load_cases
from assistant.executor import Executor

DEFAULT_SUITES = [Path("evals/suites"), Path("evals/heldout")]
DEFAULT_REPORT_DIR = Path("evals/reports")
SCRIPTED_NOTE = (
    "the replay cassette holds SCRIPTED answers (hand-written gold specs served by a local test "
    "server), not a real language model's answers"
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
        None, help="Suite files or folders (default: evals/suites evals/heldout)."
    ),
    backend: str = typer.Option("rules", "--backend", help="rules, openai or replay."),
    model: str | None = typer.Option(None, "--model", help="LLM model name (openai backend)."),
    prompt_dir: Path | None = typer.Option(None, "--prompt-dir", help="Prompt templates folder."),
    db: Path | None = typer.Option(None, "--db", help="Evaluate on this one database instead."),
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
    """Run eval suites: execution accuracy over several seeds, checks, latency, tokens, cost."""
    err = Console(stderr=True)
    paths = suites or DEFAULT_SUITES
    try:
        selected = load_cases(paths, only=case_ids(cases))
        chosen = make_backend(
            backend, model=model, cassette=cassette, record=record, prompt_dir=prompt_dir
        )
    except (SuiteError, BackendError) as problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2) from None
    if backend == "replay" and note is None and cassette and "scripted" in cassette.name:
        note = SCRIPTED_NOTE
    databases = [db] if db else ensure_databases(seeds, folder=data_dir, customers=customers)
    with ExitStack() as stack:
        executors = [stack.enter_context(Executor(path)) for path in databases]
        with _progress(err) as bar:
            task = bar.add_task(f"eval ({backend})", total=len(selected))
            results = run_eval_cases(
                selected,
                chosen,
                executors,
                jobs=jobs,
                progress=lambda r: bar.update(task, advance=1, description=_label(r)),
            )
        as_of = executors[0].as_of()
    meta = RunMeta(
        backend=backend,
        model=getattr(chosen, "model", None),
        prompt_dir=str(prompt_dir) if prompt_dir else None,
        cassette=str(cassette) if cassette else None,
        databases=[p.name for p in databases],
        seeds=[] if db else list(range(1, seeds + 1)),
        as_of=as_of.isoformat() if as_of else None,
        suites=[str(p) for p in paths],
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
