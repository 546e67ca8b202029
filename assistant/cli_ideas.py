"""`segment-assistant ideas ["<request>"]`: suggested segmentation ideas for a segment.

Registered on the main typer app in cli.py; the shared options live in cli_common.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from assistant.cli_common import (
    AsOfOption,
    BackendOption,
    CassetteOption,
    CatalogOption,
    DbOption,
    FormatOption,
    ModelOption,
    OutputFormat,
    console,
    emit_json,
    err_console,
    open_assistant,
    parse_as_of,
)
from assistant.ideas import IdeasResult, suggest_ideas


def ideas(
    request: str | None = typer.Argument(
        None, help='The segment to build on, e.g. "outdoor buyers" (omit for all customers).'
    ),
    db: Path | None = DbOption,
    catalog: Path | None = CatalogOption,
    backend: str = BackendOption,
    fmt: OutputFormat = FormatOption,
    as_of: str | None = AsOfOption,
    model: str | None = ModelOption,
    cassette: Path | None = CassetteOption,
    limit: int = typer.Option(8, "--limit", min=4, max=8, help="How many ideas (4-8)."),
) -> None:
    """Suggest ways to split, narrow or extend a segment, each with its own counted SQL."""
    from assistant.answer import Session

    assistant = open_assistant(db, catalog, backend, model, cassette)
    executor = assistant.executor
    anchor = parse_as_of(as_of) or assistant.as_of
    spec, sql = None, None
    if request:
        session = Session()
        result = assistant.ask(request, session, ideas=False, profile=False, as_of=anchor)
        if not result.ok:
            err_console.print(f"[bold red]Error:[/] {result.error or result.clarification}")
            raise typer.Exit(1)
        spec, sql = session.current, (None if session.current else result.sql)
    found = suggest_ideas(executor, spec, anchor, assistant.catalog, parent_sql=sql, limit=limit)
    if fmt is OutputFormat.json:
        emit_json(found.model_dump(mode="json"))
    else:
        print_ideas(found)


def print_ideas(found: IdeasResult) -> None:
    parent = found.parent
    console.print(
        f"[bold]{parent.title}[/]: {parent.count:,} customers ({parent.share:.1%} of the base)"
    )
    table = Table(show_lines=True)
    for column in ("#", "Idea", "Type", "Customers", "Flags", "Why"):
        table.add_column(column)
    for rank, idea in enumerate(found.ideas, 1):
        name = idea.title
        if idea.parts:
            name += "\n" + "\n".join(
                f"  • {p.label}: {p.count:,}" + (f" ({', '.join(p.flags)})" if p.flags else "")
                for p in idea.parts
            )
        table.add_row(
            str(rank),
            name,
            idea.type,
            f"{idea.count:,} ({idea.share:.1%})",
            ", ".join(idea.flags),
            idea.rationale,
        )
    console.print(table)
