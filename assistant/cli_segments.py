"""`segment-assistant segments …`: save, list, show, refresh, compare, export, delete."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from assistant.cli_common import (
    CatalogOption,
    DbOption,
    FormatOption,
    OutputFormat,
    catalog_or_exit,
    console,
    db_path,
    emit_json,
    err_console,
)
from assistant.config import default_workspace_path
from assistant.executor import ExecutionError, Executor
from assistant.workspace import (
    Comparison,
    ExportResult,
    SavedSegment,
    SavedSegmentIn,
    Workspace,
    WorkspaceError,
    validate_name,
)

segments_app = typer.Typer(
    help="Saved segments: save a definition, refresh it on new data, compare and export it.",
    no_args_is_help=True,
    add_completion=False,
)

EXPORT_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
WorkspaceOption = typer.Option(
    None, "--workspace", help="Workspace file of saved segments (default: beside the data)."
)


class _Failure(Exception):
    """A user-facing error with the exit status it should end the command with."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def _reporting(fmt: OutputFormat) -> Iterator[None]:
    """Turn expected errors into a message and a non-zero exit, never a traceback."""
    try:
        yield
    except (_Failure, WorkspaceError, ExecutionError) as err:
        status = getattr(err, "status", 1)
        message = getattr(err, "reason", None) or str(err)
        if fmt is OutputFormat.json:
            emit_json({"error": message})
        err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
        raise typer.Exit(status) from err


def _workspace(workspace: Path | None, db: Path | None, catalog: Path | None) -> Workspace:
    return Workspace(workspace or default_workspace_path(db_path(db)), catalog_or_exit(db, catalog))


def _executor(db: Path | None) -> Executor:
    path = db_path(db)
    if not path.is_file():
        raise _Failure(
            f"No database at {path}; run `segment-assistant data build` or pass --db.", status=2
        )
    return Executor(path)


def _segment_json(segment: SavedSegment) -> dict[str, Any]:
    return segment.model_dump(mode="json")


# --- text rendering ------------------------------------------------------------------------------


def _size(segment: SavedSegment) -> str:
    if segment.count is None:
        return "n/a"
    return f"{segment.count:,} ({(segment.share or 0):.1%})"


def _segments_table(segments: list[SavedSegment]) -> Table:
    table = Table(show_edge=False)
    for column in ("name", "customers", "data as of", "refreshed", "status"):
        table.add_column(column, justify="right" if column == "customers" else "left")
    for s in segments:
        status = f"[red]{s.error}[/]" if s.error else "ok"
        refreshed = s.refreshed_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(s.name, _size(s), str(s.as_of or "n/a"), refreshed, status)
    return table


def _print_segment(segment: SavedSegment) -> None:
    console.print(f"[bold]{segment.name}[/]  {_size(segment)} of customers", highlight=False)
    if segment.request:
        console.print(f"request: {segment.request}", highlight=False)
    console.print(f"backend: {segment.backend}   created: {segment.created_at:%Y-%m-%d %H:%M}")
    console.print(segment.sql, markup=False, highlight=False)
    history = Table(title="size history", title_justify="left", show_edge=False)
    for column in ("refreshed", "data as of", "customers", "share"):
        history.add_column(column, justify="left" if column != "customers" else "right")
    for point in segment.history:
        history.add_row(
            f"{point.refreshed_at:%Y-%m-%d %H:%M:%S}",
            str(point.as_of or "n/a"),
            f"{point.count:,}",
            f"{point.share:.1%}",
        )
    console.print(history)


def _print_comparison(c: Comparison) -> None:
    table = Table(show_edge=False)
    for column in (f"only {c.a}", "both", f"only {c.b}", "jaccard"):
        table.add_column(column, justify="right")
    table.add_row(f"{c.only_a:,}", f"{c.both:,}", f"{c.only_b:,}", f"{c.jaccard:.3f}")
    console.print(table)


def _print_export(result: ExportResult) -> None:
    console.print(
        f"Exported {result.rows:,} members of [bold]{result.name}[/] to {result.path} "
        f"({result.format}; {', '.join(result.fields)})",
        highlight=False,
    )
    if result.excluded:
        how = "any channel" if result.reach == "any" else result.reach
        console.print(
            f"Left out {result.excluded:,} members who cannot be contacted on {how} (no consent "
            "or unsubscribed); --reach all writes everyone.",
            highlight=False,
        )


def _output(fmt: OutputFormat, payload: dict[str, Any], text: Callable[[], None]) -> None:
    if fmt is OutputFormat.json:
        emit_json(payload)
    else:
        text()


# --- commands ------------------------------------------------------------------------------------


@segments_app.command("save")
def save(
    name: str = typer.Argument(..., help="1–64 letters, digits, spaces, '-' or '_'."),
    sql: str | None = typer.Option(None, "--sql", help="A read-only SELECT returning customer_id."),
    request: str | None = typer.Option(None, "--request", help="Describe the audience in words."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a segment of that name."),
    backend: str = typer.Option(
        "auto", "--backend", help="For --request: rules, openai, or auto (the LLM if configured)."
    ),
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Save a segment definition and record its current size."""
    with _reporting(fmt):
        if (sql is None) == (request is None):
            raise _Failure("Give exactly one of --sql or --request.", status=2)
        with _executor(db) as executor:
            segment = _segment_in(name, sql, request, executor, backend)
            saved = _workspace(workspace, db, catalog).save(segment, executor, overwrite=overwrite)
        _output(fmt, _segment_json(saved), lambda: _print_segment(saved))


def _segment_in(
    name: str, sql: str | None, request: str | None, executor: Executor, backend: str
) -> SavedSegmentIn:
    validate_name(name)  # before any work, with the workspace's own message
    if sql is not None:
        return SavedSegmentIn(name=name, sql=sql, backend="sql")
    return _segment_from_request(name, request or "", executor, backend)


def _segment_from_request(
    name: str, request: str, executor: Executor, backend_name: str
) -> SavedSegmentIn:
    try:
        from assistant.answer import answer
        from assistant.backends.base import BackendError
        from assistant.backends.factory import make_backend
    except ImportError as err:
        raise _Failure(
            "Saving from --request needs the understanding layer (assistant.answer), which is "
            "not available in this installation; save the SQL with --sql instead."
        ) from err
    try:
        backend = make_backend(backend_name)
    except BackendError as err:
        raise _Failure(str(err), status=2) from err
    result = answer(request, backend=backend, executor=executor, with_profile=False)
    if result.error or result.clarification or not result.sql:
        reason = result.error or result.clarification or "no segment query came out of it"
        raise _Failure(f"The request could not be saved as a segment: {reason}")
    return SavedSegmentIn(
        name=name, sql=result.sql, request=request, spec=result.spec, backend=result.backend
    )


@segments_app.command("list")
def list_segments(
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """List saved segments with their latest size."""
    with _reporting(fmt):
        segments = _workspace(workspace, db, catalog).list()
        payload = {"segments": [_segment_json(s) for s in segments]}
        if fmt is OutputFormat.text and not segments:
            console.print("No saved segments yet.")
            return
        _output(fmt, payload, lambda: console.print(_segments_table(segments)))


@segments_app.command("show")
def show(
    name: str = typer.Argument(...),
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Show a saved segment's definition and size history."""
    with _reporting(fmt):
        segment = _workspace(workspace, db, catalog).show(name)
        _output(fmt, _segment_json(segment), lambda: _print_segment(segment))


@segments_app.command("refresh")
def refresh(
    name: str | None = typer.Argument(None, help="Segment to refresh (default: all)."),
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Re-run saved segments on the current data and record their new sizes."""
    with _reporting(fmt):
        with _executor(db) as executor:
            segments = _workspace(workspace, db, catalog).refresh(name, executor)
        payload = {"segments": [_segment_json(s) for s in segments]}
        _output(fmt, payload, lambda: console.print(_segments_table(segments)))
    failed = [s.name for s in segments if s.error]
    if failed:
        # The per-segment reasons are in the output above; the status tells scripts.
        err_console.print(f"[bold red]Could not refresh:[/] {', '.join(failed)}", highlight=False)
        raise typer.Exit(1)


@segments_app.command("compare")
def compare(
    a: str = typer.Argument(...),
    b: str = typer.Argument(...),
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Overlap of two saved segments on the current data."""
    with _reporting(fmt):
        with _executor(db) as executor:
            comparison = _workspace(workspace, db, catalog).compare(a, b, executor)
        _output(fmt, comparison.model_dump(mode="json"), lambda: _print_comparison(comparison))


@segments_app.command("export")
def export(
    name: str = typer.Argument(...),
    to: Path = typer.Option(..., "--to", help="Target file: .csv or .parquet."),
    fields: str | None = typer.Option(
        None, "--fields", help="Comma-separated customer columns (default: id, names, email)."
    ),
    reach: str = typer.Option(
        "any",
        "--reach",
        help="Who is written: members reachable on any contact channel (default: consent given "
        "and never unsubscribed), on one channel (e.g. email), or all.",
    ),
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Export a segment's current members with the chosen contact fields."""
    with _reporting(fmt):
        file_format = EXPORT_SUFFIXES.get(to.suffix.lower())
        if file_format is None:
            raise _Failure(f"Cannot tell the format of {to}: name it .csv or .parquet.", status=2)
        chosen = None if fields is None else [f.strip() for f in fields.split(",")]
        with _executor(db) as executor:
            result = _workspace(workspace, db, catalog).export(
                name, executor, to, fmt=file_format, fields=chosen, reach=reach
            )
        _output(fmt, result.model_dump(mode="json"), lambda: _print_export(result))


@segments_app.command("delete")
def delete(
    name: str = typer.Argument(...),
    db: Path | None = DbOption,
    workspace: Path | None = WorkspaceOption,
    catalog: Path | None = CatalogOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Delete a saved segment and its history."""
    with _reporting(fmt):
        _workspace(workspace, db, catalog).delete(name)
        _output(fmt, {"deleted": name}, lambda: console.print(f"Deleted {name}.", highlight=False))
