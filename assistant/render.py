"""Terminal rendering of results with rich (the CLI's text format)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from assistant.profile import Profile, SegmentResult, Share


def _shares_table(title: str, shares: list[Share], *, money: bool = False) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("value")
    table.add_column("spend" if money else "customers", justify="right")
    table.add_column("share", justify="right")
    for s in shares:
        table.add_row(s.value, f"{s.count:,}", f"{s.share:.1%}")
    return table


def profile_renderables(profile: Profile) -> list:
    aov = "n/a" if profile.aov_12m is None else f"{profile.aov_12m:,.2f}"
    days = profile.median_days_since_last_purchase
    recency = "n/a" if days is None else f"{days:,.0f} days"
    summary = Table.grid(padding=(0, 2))
    summary.add_row("12-month window", profile.window)
    summary.add_row("revenue", f"{profile.revenue_12m:,.2f}")
    summary.add_row("purchases", f"{profile.purchases_12m:,} by {profile.buyers_12m:,} buyers")
    summary.add_row("average order value", aov)
    summary.add_row("median time since last purchase", recency)
    parts: list = [
        summary,
        _shares_table("top categories (12-month spend)", profile.top_categories, money=True),
    ]
    parts += [
        _shares_table(name.replace("_", " "), shares) for name, shares in profile.breakdowns.items()
    ]
    return parts


def sample_table(sample: list[dict]) -> Table:
    table = Table(title="sample members", title_justify="left", show_edge=False)
    if not sample:
        return table
    for column in sample[0]:
        table.add_column(column)
    for row in sample:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    return table


def print_segment_result(console: Console, result: SegmentResult, failure=None) -> None:
    """The query, then its size and profile; a refused or failed query says which and why."""
    console.print(Panel(Syntax(result.sql, "sql", word_wrap=True), title="SQL", expand=False))
    if result.error:
        label = "Refused" if failure is not None and failure.kind == "refused" else "Not run"
        console.print(f"[bold red]{label}:[/] {result.error}")
        return
    console.print(
        f"[bold]{result.count:,}[/] customers ({result.share:.1%} of {result.base_count:,})"
        f"  [dim]{result.elapsed_ms:,.0f} ms[/]"
    )
    if result.profile:
        console.print(Group(*profile_renderables(result.profile)))
    if result.sample:
        console.print(sample_table(result.sample))


def print_answer(console: Console, answer, *, show_profile: bool = False) -> None:
    """A chat-style answer: the headline, what was understood, the funnel and the SQL."""
    if answer.reset:
        console.print("[bold]Started over.[/] Describe a new audience.")
        return
    if answer.error:
        label = "Refused" if answer.refused else "Error"
        console.print(f"[bold red]{label}:[/] {answer.error}")
    if answer.clarification:
        console.print(f"[bold yellow]?[/] {answer.clarification}")
        counted = {choice.request: choice for choice in getattr(answer, "choices", [])}
        for suggestion in answer.suggestions:
            choice = counted.get(suggestion)
            extra = f"  [dim]{choice.count:,} customers — {choice.why}[/]" if choice else ""
            console.print(f"   • {suggestion}{extra}")
    if answer.unrecognized:
        words = ", ".join(f"'{w}'" for w in answer.unrecognized)
        console.print(f"[yellow]Not understood (left out of the segment):[/] {words}")
    if answer.count is None:
        return
    console.print(
        f"[bold green]{answer.count:,}[/] customers "
        f"({(answer.share or 0):.1%} of {answer.base_count:,})  [dim]{answer.elapsed_ms:,.0f} ms, "
        f"{answer.backend}{' ' + answer.model if answer.model else ''}[/]"
    )
    if answer.explanation:
        console.print(answer.explanation)
    if answer.funnel:
        funnel = Table(title="funnel", title_justify="left", show_edge=False)
        funnel.add_column("step")
        funnel.add_column("customers", justify="right")
        for step in answer.funnel:
            funnel.add_row(step.label, f"{step.count:,}")
        console.print(funnel)
    if answer.assumptions:
        console.print("[dim]Assumptions:[/]")
        for assumption in answer.assumptions:
            console.print(f"[dim]  - {assumption}[/]")
    if answer.sql:
        console.print(Panel(Syntax(answer.sql, "sql", word_wrap=True), title="SQL", expand=False))
    if show_profile and answer.profile:
        console.print(Group(*profile_renderables(answer.profile)))
