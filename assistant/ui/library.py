"""The "Saved" tab's handlers: save, list, inspect, refresh, compare and export segments.

They wrap `assistant.workspace.Workspace`; every failure comes back as a message to show.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from assistant.ui.render import escape
from assistant.ui.state import AppContext, ChatState
from assistant.workspace import SavedSegmentIn, WorkspaceError

EXPORT_FIELDS = ("customer_id", "first_name", "last_name", "email", "country", "region")
TABLE_COLUMNS = ["name", "customers", "share", "data as of", "refreshed", "definition"]


def save_current(ctx: AppContext, state: ChatState, name: str, *, overwrite: bool = False) -> str:
    """Save the segment on screen under `name`."""
    if state.segment is None:
        return "Nothing to save yet: ask for a segment first."
    segment = state.segment
    try:
        saved = ctx.workspace.save(
            SavedSegmentIn(
                name=(name or "").strip(),
                sql=segment.sql,
                request=segment.request,
                spec=segment.spec,
                backend=segment.backend,
            ),
            ctx.executor,
            overwrite=overwrite,
        )
    except (WorkspaceError, ValueError) as exc:
        return f"**Not saved:** {escape(_first_error(exc))}"
    return f"Saved **{escape(saved.name)}** ({saved.count or 0:,} customers)."


def _first_error(exc: Exception) -> str:
    # pydantic's message lists every error with a docs URL; the first error's text is enough.
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return str(errors()[0].get("msg", exc)).removeprefix("Value error, ")
    return str(exc)


def saved_table(ctx: AppContext) -> pd.DataFrame:
    """Every saved segment with its latest size."""
    try:
        segments = ctx.workspace.list()
    except WorkspaceError:
        segments = []
    rows = [
        [
            s.name,
            s.count,
            None if s.share is None else f"{s.share:.1%}",
            None if s.as_of is None else s.as_of.isoformat(),
            s.refreshed_at.strftime("%Y-%m-%d %H:%M"),
            s.request or "SQL",
        ]
        for s in segments
    ]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def saved_names(ctx: AppContext) -> list[str]:
    try:
        return [s.name for s in ctx.workspace.list()]
    except WorkspaceError:
        return []


def history(ctx: AppContext, name: str | None) -> tuple[str, pd.DataFrame]:
    """A saved segment's definition and its size at every refresh."""
    empty = pd.DataFrame({"refreshed": [], "customers": []})
    if not name:
        return "Choose a saved segment.", empty
    try:
        segment = ctx.workspace.show(name)
    except WorkspaceError as exc:
        return f"**Error:** {escape(str(exc))}", empty
    frame = pd.DataFrame(
        {
            "refreshed": _when_labels([p.refreshed_at for p in segment.history]),
            "customers": [p.count for p in segment.history],
        }
    )
    sizes = " → ".join(f"{p.count:,}" for p in segment.history)
    text = (
        f"**{escape(segment.name)}**: {escape(segment.request or 'hand-written SQL')}\n\n"
        f"Size history ({len(segment.history)} measurement(s)): {sizes}"
    )
    return text, frame


def _when_labels(times: list[datetime]) -> list[str]:
    """One label per measurement for the size-history chart's axis.

    Text, not timestamps: a time axis over refreshes seconds apart labels its ticks in
    milliseconds (".500 .500"). ISO text sorts in time order; a repeat gets a " (2)".
    """
    labels: list[str] = []
    for when in times:
        label = when.strftime("%Y-%m-%d %H:%M:%S")
        repeats = sum(1 for seen in labels if seen.split(" (")[0] == label)
        labels.append(f"{label} ({repeats + 1})" if repeats else label)
    return labels


def refresh(ctx: AppContext, name: str | None) -> str:
    """Re-run one saved segment (or all of them when `name` is empty) on the current data."""
    try:
        refreshed = ctx.workspace.refresh(name or None, ctx.executor)
    except WorkspaceError as exc:
        return f"**Error:** {escape(str(exc))}"
    if not refreshed:
        return "Nothing saved yet."
    lines = [
        f"- {escape(s.name)}: "
        + (f"**not refreshed** — {escape(s.error)}" if s.error else f"{s.count or 0:,} customers")
        for s in refreshed
    ]
    return "Refreshed:\n" + "\n".join(lines)


def compare(ctx: AppContext, a: str | None, b: str | None) -> str:
    """How two saved segments overlap today."""
    if not a or not b:
        return "Choose two saved segments to compare."
    try:
        result = ctx.workspace.compare(a, b, ctx.executor)
    except WorkspaceError as exc:
        return f"**Error:** {escape(str(exc))}"
    return (
        f"| only {escape(result.a)} | in both | only {escape(result.b)} | overlap (Jaccard) |\n"
        f"|---:|---:|---:|---:|\n"
        f"| {result.only_a:,} | {result.both:,} | {result.only_b:,} | {result.jaccard:.1%} |"
    )


def export_csv(ctx: AppContext, name: str | None) -> tuple[str | None, str]:
    """Write a saved segment's members to a fresh CSV file for download.

    The path is a `str` (Gradio's File refuses a `Path`) inside `ctx.export_dir`, a folder the
    app lets Gradio serve (`allowed_paths`).
    """
    if not name:
        return None, "Choose a saved segment to download."
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=ctx.export_dir))
    target = folder / f"{_slug(name)}.csv"
    try:
        result = ctx.workspace.export(name, ctx.executor, target, fmt="csv", fields=EXPORT_FIELDS)
    except WorkspaceError as exc:
        return None, f"**Error:** {escape(str(exc))}"
    message = f"{result.rows:,} members of **{escape(result.name)}** exported."
    if result.excluded:
        message += (
            f" {result.excluded:,} who cannot be contacted on any channel (no consent or "
            "unsubscribed) are left out."
        )
    return str(result.path), message


def delete(ctx: AppContext, name: str | None) -> str:
    if not name:
        return "Choose a saved segment to delete."
    try:
        ctx.workspace.delete(name)
    except WorkspaceError as exc:
        return f"**Error:** {escape(str(exc))}"
    return f"Deleted **{escape(name)}**."


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "segment"
