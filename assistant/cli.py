"""The `segment-assistant` command line."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.cli_segments import segments_app
from assistant.config import default_db_path

app = typer.Typer(
    help="Segment Assistant: describe an audience in plain words, get a guarded, profiled segment.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="Build and inspect the demo retail database.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(segments_app, name="segments", help="Save, refresh, compare and export segments.")

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


DbOption = typer.Option(None, "--db", help="DuckDB file to query (default: data/retail.duckdb).")
FormatOption = typer.Option(OutputFormat.text, "--format", help="text for people, json for tools.")


def _db(path: Path | None) -> Path:
    return path or default_db_path()


def open_executor(db: Path | None):
    """An executor on the data, or a clear exit when the database is missing."""
    from assistant.executor import BUILD_HINT, ExecutionError, Executor

    path = _db(db)
    if not path.exists():
        err_console.print(f"[bold red]Error:[/] no database at {path}; {BUILD_HINT}.")
        raise typer.Exit(2)
    try:
        return Executor(path)
    except ExecutionError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def emit_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")


@data_app.command("build")
def data_build(
    customers: int = typer.Option(50_000, min=10, help="How many customers to generate."),
    seed: int = typer.Option(42, help="Random seed: the same seed and size give the same data."),
    as_of: str = typer.Option("2026-09-30", help="The last day of activity in the data."),
    path: Path | None = typer.Option(None, "--path", help="Where to write the DuckDB file."),
) -> None:
    """Generate the demo retail database (customers, products, transactions, campaigns…)."""
    from assistant.datagen import build_demo_database

    target = _db(path)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err_console
    ) as progress:
        task = progress.add_task("starting", total=1.0)

        def report(step: str, fraction: float) -> None:
            progress.update(task, description=step, completed=fraction)

        stats = build_demo_database(
            target, customers=customers, seed=seed, as_of=date.fromisoformat(as_of), progress=report
        )
    counts = ", ".join(f"{name} {n:,}" for name, n in stats.row_counts.items())
    console.print(
        f"Built [bold]{target}[/] in {stats.seconds:.1f} s ({stats.bytes / 1e6:,.1f} MB): {counts}"
    )


@data_app.command("info")
def data_info(db: Path | None = DbOption) -> None:
    """Show the as_of date, seed and row counts of a database."""
    executor = open_executor(db)
    as_of = executor.as_of()
    console.print(f"[bold]{executor.db_path}[/]  as_of {as_of or 'unknown (using today)'}")
    for table in sorted(executor.schema()):
        n = executor.scalar(f'SELECT count(*) FROM "{table}"')
        console.print(f"  {table:<20} {n:>12,}")


@app.command("catalog")
def catalog(
    db: Path | None = DbOption,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the YAML to this file."),
) -> None:
    """Draft a catalog YAML from any DuckDB database, ready to annotate with synonyms and terms."""
    from assistant.introspect import draft_catalog

    target = _db(db)
    if not target.exists():
        err_console.print(f"[bold red]Error:[/] no database at {target}.")
        raise typer.Exit(2)
    text = draft_catalog(target)
    if output:
        output.write_text(text)
        console.print(f"Draft catalog written to {output}")
    else:
        sys.stdout.write(text)


@app.command("sql")
def sql(
    query: str = typer.Argument(..., help="A read-only SELECT returning customer_id."),
    fmt: OutputFormat = FormatOption,
    db: Path | None = DbOption,
) -> None:
    """Validate, run and profile a hand-written segment query."""
    from assistant.pipeline import run_sql
    from assistant.render import print_segment_result

    result = run_sql(open_executor(db), query)
    if fmt is OutputFormat.json:
        emit_json(result.model_dump(mode="json"))
    else:
        print_segment_result(console, result)
    if result.error:
        raise typer.Exit(1)


BackendOption = typer.Option(
    "auto",
    "--backend",
    help="rules (offline), openai (OPENAI_BASE_URL/OPENAI_API_KEY), replay, "
    "or auto: the LLM when one is configured, else rules.",
)
ModelOption = typer.Option(
    None, "--model", help="LLM model name (default SEGMENT_ASSISTANT_MODEL)."
)
AsOfOption = typer.Option(
    None, "--as-of", help="Anchor 'last month' etc. at this date (default: the data's as_of)."
)
CassetteOption = typer.Option(None, "--cassette", help="Recorded LLM answers for --backend replay.")
RecordOption = typer.Option(
    None,
    "--record",
    help="With --backend openai: also write every LLM "
    "answer to this cassette, for replay in tests and evals.",
)


def _backend(name: str, model: str | None, cassette: Path | None, record: Path | None = None):
    from assistant.backends.base import BackendError
    from assistant.backends.factory import make_backend

    try:
        return make_backend(name, model=model, cassette=cassette, record=record)
    except BackendError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        err_console.print(f"[bold red]Error:[/] --as-of needs a date like 2026-09-30, not {text!r}")
        raise typer.Exit(2) from exc


@app.command("ask")
def ask(
    request: str = typer.Argument(..., help='The audience in plain words, e.g. "lapsed VIPs".'),
    backend: str = BackendOption,
    model: str | None = ModelOption,
    fmt: OutputFormat = FormatOption,
    db: Path | None = DbOption,
    as_of: str | None = AsOfOption,
    cassette: Path | None = CassetteOption,
    record: Path | None = RecordOption,
    profile: bool = typer.Option(False, "--profile", help="Also print the segment's profile."),
) -> None:
    """Turn a plain-English request into a counted, explained segment."""
    from assistant.answer import answer
    from assistant.render import print_answer

    result = answer(
        request,
        backend=_backend(backend, model, cassette, record),
        executor=open_executor(db),
        as_of=_as_of(as_of),
    )
    if fmt is OutputFormat.json:
        emit_json(result.model_dump(mode="json"))
    else:
        print_answer(console, result, show_profile=profile)
    if result.error:
        raise typer.Exit(1)


CHAT_HELP = """Describe an audience; follow-ups refine it ("only women", "what about Canada
instead", "make it the last 6 months", "exclude gold members").
Commands: :sql (show the SQL), :json (the last answer as JSON), :profile (who is in it),
:reset (start over), :help, :quit."""


@app.command("chat")
def chat(
    backend: str = BackendOption,
    model: str | None = ModelOption,
    db: Path | None = DbOption,
    as_of: str | None = AsOfOption,
    cassette: Path | None = CassetteOption,
    record: Path | None = RecordOption,
) -> None:
    """A terminal conversation that refines one segment turn by turn."""
    from assistant.answer import Session, answer
    from assistant.render import print_answer, profile_renderables

    chosen = _backend(backend, model, cassette, record)
    executor = open_executor(db)
    session, last = Session(), None
    anchor = _as_of(as_of)
    console.print(f"[bold]Segment Assistant[/] — backend {chosen.name}, data {executor.db_path}")
    console.print(CHAT_HELP)
    while True:
        try:
            line = console.input("[bold cyan]› [/]").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not line:
            continue
        if line in (":quit", ":q", ":exit"):
            return
        if line == ":help":
            console.print(CHAT_HELP)
        elif line == ":reset":
            session.reset()
            console.print("Started over.")
        elif line == ":sql":
            console.print(session.current_sql or "No segment yet.")
        elif line == ":json":
            console.print_json(last.model_dump_json() if last else "null")
        elif line == ":profile":
            if last and last.profile:
                for part in profile_renderables(last.profile):
                    console.print(part)
            else:
                console.print("No segment yet.")
        else:
            last = answer(line, backend=chosen, executor=executor, session=session, as_of=anchor)
            print_answer(console, last)


if __name__ == "__main__":
    app()
