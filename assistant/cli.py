"""The `segment-assistant` command line."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.cli_common import (
    AsOfOption,
    BackendOption,
    CassetteOption,
    CatalogOption,
    DbOption,
    FormatOption,
    ModelOption,
    OutputFormat,
    RecordOption,
    answer_payload,
    catalog_or_exit,
    console,
    db_path,
    dialect_or_exit,
    dialect_sql,
    emit_json,
    err_console,
    open_assistant,
    open_executor,
    parse_as_of,
    segment_payload,
)
from assistant.cli_eval import eval_command
from assistant.cli_ideas import ideas
from assistant.cli_llm import llm_app
from assistant.cli_segments import segments_app

app = typer.Typer(
    help="Segment Assistant: describe an audience in plain words, get a guarded, profiled segment.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="Build and inspect the demo retail database.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(llm_app, name="llm")
app.add_typer(segments_app, name="segments", help="Save, refresh, compare and export segments.")
app.command("eval")(eval_command)
app.command("ideas")(ideas)


@data_app.command("build")
def data_build(
    customers: int = typer.Option(50_000, min=10, help="How many customers to generate."),
    seed: int = typer.Option(42, help="Random seed: the same seed and size give the same data."),
    as_of: str = typer.Option("2026-09-30", help="The last day of activity in the data."),
    path: Path | None = typer.Option(None, "--path", help="Where to write the DuckDB file."),
) -> None:
    """Generate the demo retail database (customers, their orders, campaigns, sessions…)."""
    from assistant.datagen import build_demo_database

    target = db_path(path)
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


@data_app.command("tpcds")
def data_tpcds(
    sf: float = typer.Option(
        1.0, "--sf", min=0.001, help="TPC-DS scale factor (1 = 100k customers)."
    ),
    path: Path = typer.Option(Path("data/tpcds.duckdb"), "--path", help="Where to write it."),
) -> None:
    """Generate a TPC-DS database (DuckDB's dsdgen, via a scratch venv with duckdb 1.5.5)."""
    from assistant.demo.tpcds import TpcdsBuildError, build_tpcds

    def report(line: str) -> None:
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)

    try:
        build_tpcds(path, sf, progress=report)
    except TpcdsBuildError as err:
        err_console.print(f"[bold red]Error:[/] {err}", highlight=False)
        raise typer.Exit(1) from None


@data_app.command("saas")
def data_saas(
    accounts: int = typer.Option(2000, min=10, help="How many customer accounts to generate."),
    seed: int = typer.Option(7, help="Random seed: the same seed and size give the same data."),
    path: Path = typer.Option(Path("data/saas.duckdb"), "--path", help="Where to write it."),
) -> None:
    """Generate the B2B SaaS demo database (accounts, users, usage, invoices, tickets)."""
    import time

    from assistant.demo.saas import build_saas

    began = time.perf_counter()
    build_saas(path, accounts=accounts, seed=seed)
    console.print(
        f"Built [bold]{path}[/] in {time.perf_counter() - began:.1f} s; "
        "ask it with --catalog schemas/saas.yaml"
    )


@data_app.command("export")
def data_export(
    to: Path = typer.Option(..., "--to", help="Folder for the Parquet files (made if missing)."),
    db: Path | None = DbOption,
    catalog: Path | None = CatalogOption,
) -> None:
    """Write every table as Parquet (one file per table) for Spark, with the catalog beside."""
    import shutil

    from assistant.catalog import CatalogError, catalog_path_for
    from assistant.parquet_export import export_parquet

    source = db_path(db)
    try:
        written = export_parquet(source, to)
    except FileNotFoundError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc
    try:
        shutil.copyfile(catalog_path_for(source, catalog), to / "catalog.yaml")
    except CatalogError as exc:
        err_console.print(f"[yellow]No catalog copied:[/] {exc}")
    for table in written:
        console.print(f"  {table.table:<24} {table.rows:>12,}  {table.path}")
    console.print(f"[bold]{len(written)}[/] tables written to {to}")


@data_app.command("info")
def data_info(db: Path | None = DbOption, catalog: Path | None = CatalogOption) -> None:
    """Show the as_of date, seed and row counts of a database."""
    from assistant.catalog import CatalogError, catalog_for
    from assistant.pipeline import data_as_of

    executor = open_executor(db)
    try:
        as_of = data_as_of(executor, catalog_for(executor.db_path, catalog, set(executor.schema())))
    except CatalogError:
        as_of = None
    console.print(f"[bold]{executor.db_path}[/]  as_of {as_of or 'unknown (no catalog)'}")
    for table in sorted(executor.schema()):
        n = executor.scalar(f'SELECT count(*) FROM "{table}"')
        console.print(f"  {table:<20} {n:>12,}")


catalog_app = typer.Typer(
    help="Draft a catalog from a database (`catalog --db X -o Y` is `catalog draft`), or check one."
)
app.add_typer(catalog_app, name="catalog")
CatalogOutput = typer.Option(None, "--output", "-o", help="Write the YAML to this file.")


@catalog_app.callback(invoke_without_command=True)
def catalog(ctx: typer.Context, db: Path | None = DbOption, output: Path | None = CatalogOutput):
    """Draft a catalog YAML from any DuckDB database (`catalog draft`), or `catalog check` one."""
    if ctx.invoked_subcommand is None:
        _catalog_draft(db, output)


@catalog_app.command("draft")
def catalog_draft(db: Path | None = DbOption, output: Path | None = CatalogOutput) -> None:
    """Draft a version-2 catalog: entity, relations, events, measures, values, properties."""
    _catalog_draft(db, output)


def _catalog_draft(db: Path | None, output: Path | None) -> None:
    from assistant.introspect import draft

    target = db_path(db)
    if not target.exists():
        err_console.print(f"[bold red]Error:[/] no database at {target}.")
        raise typer.Exit(2)
    result = draft(target)
    out = console if output else err_console
    if output:
        output.write_text(result.text)
    else:
        sys.stdout.write(result.text)
    lines = len(result.text.splitlines())
    summary = [
        f"Draft catalog {'written to ' + str(output) if output else 'of ' + str(target)} "
        f"({lines} lines, {result.todo_count} TODO, {result.seconds:.1f} s)",
        f"  entity     {result.entity} (key {result.key})",
        f"  relations  {len(result.relations)} (+{len(result.alternatives)} as comments)",
        f"  events     {len(result.events)}: {', '.join(result.events) or 'none'}",
        f"  anchor     {result.anchor or 'no date found'}",
        "Needs a person:",
        *(f"  - {note}" for note in result.needs_person),
    ]
    for line in summary:
        out.print(line, highlight=False, markup=False, soft_wrap=True)


@catalog_app.command("check")
def catalog_check(
    file: Path = typer.Argument(..., help="The catalog YAML to check."),
    db: Path | None = DbOption,
) -> None:
    """Bind a catalog to a database: tables, columns, types, anchor, every event, measure and
    property compiled and EXPLAINed (read-only); exits 1 on errors."""
    from assistant.introspect import check_catalog

    target = db_path(db)
    if not target.exists():
        err_console.print(f"[bold red]Error:[/] no database at {target}.")
        raise typer.Exit(2)
    report = check_catalog(file, target)
    console.print(
        f"{file}: {len(report.checked)} fragments bound, {len(report.errors)} errors"
        + (f"; anchor {report.anchor}" if report.anchor else ""),
        highlight=False,
    )
    for error in report.errors:
        console.print(f"  [bold red]error[/] {error}", highlight=False, soft_wrap=True)
    if report.needs_person:
        console.print("Needs a person:")
        for note in report.needs_person:
            console.print(f"  - {note}", highlight=False, markup=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("sql")
def sql(
    query: str = typer.Argument(..., help="A read-only SELECT returning customer_id."),
    fmt: OutputFormat = FormatOption,
    db: Path | None = DbOption,
    catalog: Path | None = CatalogOption,
) -> None:
    """Validate, run and profile a hand-written segment query."""
    from assistant.answer import sql_query_error
    from assistant.pipeline import run_sql
    from assistant.render import print_segment_result

    executor = open_executor(db)
    result = run_sql(executor, query, catalog_or_exit(db, catalog, executor))
    failure = sql_query_error(executor, query, result.error) if result.error else None
    if fmt is OutputFormat.json:
        emit_json(segment_payload(result, failure))
    else:
        print_segment_result(console, result, failure)
    if result.error:
        raise typer.Exit(1)


@app.command("ask")
def ask(
    request: str = typer.Argument(..., help='The audience in plain words, e.g. "lapsed VIPs".'),
    backend: str = BackendOption,
    model: str | None = ModelOption,
    fmt: OutputFormat = FormatOption,
    db: Path | None = DbOption,
    catalog: Path | None = CatalogOption,
    as_of: str | None = AsOfOption,
    cassette: Path | None = CassetteOption,
    record: Path | None = RecordOption,
    profile: bool = typer.Option(False, "--profile", help="Also print the segment's profile."),
    count_only: bool = typer.Option(
        False, "--count", help="Only the count and its funnel (fastest: no profile or ideas)."
    ),
    dialect: str | None = typer.Option(
        None,
        "--dialect",
        help="Also show the segment's SQL for spark, trino, snowflake, bigquery or postgres.",
    ),
    engine: str = typer.Option(
        "duckdb", "--engine", help="duckdb (the --db file) or spark (the --data folder)."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="Folder of Parquet files for --engine spark (`data export`)."
    ),
) -> None:
    """Turn a plain-English request into a counted, explained segment."""
    from assistant.render import print_answer

    if dialect:
        dialect_or_exit(dialect)  # an unknown dialect fails before any work
    assistant = open_assistant(db, catalog, backend, model, cassette, record, engine, data)
    # Ideas on Spark cost minutes per answer in local mode: the segment, funnel and profile only.
    ideas = engine != "spark" and not count_only
    result = assistant.ask(request, as_of=parse_as_of(as_of), ideas=ideas, profile=not count_only)
    translated = dialect_sql(result.sql, dialect) if dialect and result.sql else None
    if fmt is OutputFormat.json:
        payload = answer_payload(result)
        if dialect:
            payload["dialect"] = {"name": dialect, "sql": translated}
        payload["engine"] = engine
        emit_json(payload)
    else:
        print_answer(console, result, show_profile=profile)
        if translated:
            console.print(f"[bold]SQL for {dialect}:[/]")
            console.print(translated, markup=False, highlight=False, soft_wrap=True)
    if result.error:
        raise typer.Exit(1)


CHAT_HELP = """Describe an audience; follow-ups refine it ("only women", "what about Canada
instead", "make it the last 6 months", "exclude gold members").
Commands: :sql (show the SQL), :json (the last answer as JSON), :profile (who is in it),
:history (what you asked), :reset (start over), :help, :quit. Up/down arrows recall requests."""


@app.command("chat")
def chat(
    backend: str = BackendOption,
    model: str | None = ModelOption,
    db: Path | None = DbOption,
    catalog: Path | None = CatalogOption,
    as_of: str | None = AsOfOption,
    cassette: Path | None = CassetteOption,
    record: Path | None = RecordOption,
) -> None:
    """A terminal conversation that refines one segment turn by turn."""
    from assistant.answer import Session
    from assistant.render import print_answer, profile_renderables

    assistant = open_assistant(db, catalog, backend, model, cassette, record)
    session, last = Session(), None
    anchor = parse_as_of(as_of)
    console.print(
        f"[bold]Segment Assistant[/] — backend {assistant.backend.name}, "
        f"data {assistant.executor.db_path}"
    )
    console.print(CHAT_HELP)
    if sys.stdin.isatty():
        import readline  # noqa: F401  (gives input() line editing and up/down history)
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
        elif line == ":history":
            for number, asked in enumerate(session.history, 1):
                console.print(f"{number:>3}  {asked}")
        elif line == ":sql":
            console.print(session.current_sql or "No segment yet.")
        elif line == ":json":
            console.print_json(data=answer_payload(last) if last else None, default=str)
        elif line == ":profile":
            if last and last.profile:
                for part in profile_renderables(last.profile):
                    console.print(part)
            else:
                console.print("No segment yet.")
        else:
            last = assistant.ask(line, session, as_of=anchor)
            print_answer(console, last)


@app.command("ui")
def ui(
    host: str = typer.Option("127.0.0.1", help="Address to bind; the default keeps it local."),
    port: int = typer.Option(7860, help="Port to serve on."),
    db: Path | None = DbOption,
    backend: str = BackendOption,
    model: str | None = ModelOption,
    cassette: Path | None = CassetteOption,
    catalog: Path | None = CatalogOption,
    auth: str | None = typer.Option(None, help="Require a login, given as user:password."),
    workspace: Path | None = typer.Option(
        None, help="Saved segments file (default: beside the database)."
    ),
) -> None:
    """Open the chat UI in the browser (Gradio, local, no telemetry)."""
    from assistant.ui import launch

    target = db_path(db)
    if not target.exists():
        from assistant.executor import BUILD_HINT

        err_console.print(f"[bold red]Error:[/] no database at {target}; {BUILD_HINT}.")
        raise typer.Exit(2)
    catalog_or_exit(target, catalog)  # a clear error before the server starts
    try:
        launch(host=host, port=port, db=target, backend=backend, auth=auth,
               workspace=workspace, model=model, cassette=cassette, catalog=catalog)  # fmt: skip
    except ValueError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


if __name__ == "__main__":
    app()
