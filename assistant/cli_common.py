"""Helpers shared by the CLI's commands: options, output and opening the data."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from assistant.config import default_db_path

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


DbOption = typer.Option(None, "--db", help="DuckDB file to query (default: data/retail.duckdb).")
CatalogOption = typer.Option(
    None,
    "--catalog",
    help="Catalog YAML that says what the data means (default: $SEGMENT_ASSISTANT_CATALOG, "
    "else X.catalog.yaml beside X.duckdb, else the demo catalog for the demo data).",
)
FormatOption = typer.Option(OutputFormat.text, "--format", help="text for people, json for tools.")


def db_path(path: Path | None) -> Path:
    return path or default_db_path()


def open_executor(db: Path | None):
    """An executor on the data, or a clear exit when the database is missing."""
    from assistant.executor import BUILD_HINT, ExecutionError, Executor

    path = db_path(db)
    if not path.exists():
        err_console.print(f"[bold red]Error:[/] no database at {path}; {BUILD_HINT}.")
        raise typer.Exit(2)
    try:
        return Executor(path)
    except ExecutionError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def open_spark(data: Path | None):
    """A Spark executor on a folder of Parquet files, or a clear exit."""
    from assistant.executor import ExecutionError
    from assistant.spark_engine import SparkExecutor

    if data is None or not data.is_dir():
        err_console.print(
            f"[bold red]Error:[/] --engine spark needs --data DIR, a folder of Parquet files "
            f"({'none given' if data is None else f'{data} is not a folder'}); write one with "
            "`segment-assistant data export --db FILE --to DIR`."
        )
        raise typer.Exit(2)
    executor = SparkExecutor(data)
    try:
        executor.schema()
    except ExecutionError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc
    return executor


def dialect_or_exit(dialect: str) -> None:
    """A clear exit for a dialect the assistant does not write."""
    from assistant.dialects import DialectError, check_dialect

    try:
        check_dialect(dialect)
    except DialectError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def dialect_sql(sql: str, dialect: str) -> str:
    """The segment's SQL in another dialect, or a clear exit for an unknown one."""
    from assistant.dialects import DialectError, transpile

    try:
        return transpile(sql, dialect)
    except DialectError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def catalog_or_exit(db: Path | None, catalog: Path | None, executor=None):
    """The catalog for the data, or a clear exit saying how to draft one."""
    from assistant.catalog import CatalogError, catalog_for

    tables = set(executor.schema()) if executor is not None else None
    try:
        return catalog_for(db_path(db), catalog, tables)
    except CatalogError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def open_assistant(
    db: Path | None,
    catalog: Path | None,
    backend: str = "rules",
    model: str | None = None,
    cassette: Path | None = None,
    record: Path | None = None,
    engine: str = "duckdb",
    data: Path | None = None,
):
    """The Assistant façade on the data and its catalog, or a clear exit."""
    from assistant.api import Assistant

    if engine == "spark":
        executor = open_spark(data)
        loaded = catalog_or_exit(executor.db_path, catalog, executor)
    elif engine == "duckdb":
        executor = open_executor(db)
        loaded = catalog_or_exit(db, catalog, executor)
    else:
        err_console.print(f"[bold red]Error:[/] unknown engine {engine!r}; use duckdb or spark.")
        raise typer.Exit(2)
    chosen = backend_or_exit(backend, model, cassette, record, catalog=loaded)
    return Assistant(executor, loaded, chosen)


def emit_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")


# A refused or failed query has no size: these are null in its JSON, never 0 (0 means nobody).
NO_COUNT = {"count": None, "share": None, "base_count": None}


def answer_payload(answer) -> dict:
    """`ask --format json`: the Answer, with `error` as {kind, code, reason} when it has one."""
    payload = answer.model_dump(mode="json")
    if answer.error is not None:
        failure = answer.failure
        if failure is None:  # an Answer built outside answer() (tests, evals)
            from assistant.answer import QueryError

            kind = "refused" if answer.refused else "failed"
            failure = QueryError(kind=kind, code="error", reason=answer.error)
        payload |= NO_COUNT | {"error": failure.model_dump(mode="json")}
    return payload


def segment_payload(result, failure=None) -> dict:
    """`sql --format json`: the SegmentResult, with `error` as {kind, code, reason} and null
    counts when the query was refused or failed (`failure` classifies `result.error`)."""
    payload = result.model_dump(mode="json")
    if result.error is not None:
        if failure is None:
            from assistant.answer import QueryError

            failure = QueryError(kind="failed", code="error", reason=result.error)
        payload |= NO_COUNT | {"error": failure.model_dump(mode="json")}
    return payload


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


def backend_or_exit(
    name: str,
    model: str | None,
    cassette: Path | None,
    record: Path | None = None,
    catalog=None,
):
    from assistant.backends.base import BackendError
    from assistant.backends.factory import make_backend

    try:
        return make_backend(name, catalog=catalog, model=model, cassette=cassette, record=record)
    except BackendError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def parse_as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        err_console.print(f"[bold red]Error:[/] --as-of needs a date like 2026-09-30, not {text!r}")
        raise typer.Exit(2) from exc
