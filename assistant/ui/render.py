"""Turning answers, profiles and samples into chat Markdown, headline HTML and chart data.

Everything here is a pure function of data: no Gradio, no database. Text that came from a
person or a model is escaped, so it is shown, never interpreted as markup.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd

from assistant.answer import Answer
from assistant.profile import Profile, Share
from assistant.ui.state import IdeaView, Segment

BREAKDOWN_TITLES = {
    "gender": "Gender",
    "age_band": "Age band",
    "country": "Country",
    "loyalty_tier": "Loyalty tier",
}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def escape(text: str) -> str:
    """Plain text safe to drop into Markdown: no HTML, no emphasis, no links."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(str(text), quote=False))


def size_text(count: int, share: float, base: int) -> str:
    return f"{count:,} customers ({share:.1%} of {base:,})"


# --- chat messages -------------------------------------------------------------------------------


def answer_markdown(answer: Answer) -> str:
    """The assistant's chat reply to one turn."""
    if answer.reset:
        return "Started over. Describe a new audience."
    parts: list[str] = []
    if answer.error:
        label = "Refused" if answer.refused else "Could not answer"
        parts.append(f"**{label}:** {escape(answer.error)}")
    if answer.clarification:
        parts.append(escape(answer.clarification))
        if answer.suggestions:
            parts.append("Pick a suggestion below or rephrase.")
    if answer.count is not None:
        parts.append(_segment_markdown(answer))
    if answer.unrecognized:
        words = ", ".join(f"“{escape(w)}”" for w in answer.unrecognized)
        parts.append(f"**Not understood** (left out of the segment): {words}")
    return "\n\n".join(parts) or "No answer."


def _segment_markdown(answer: Answer) -> str:
    lines = [f"**{size_text(answer.count or 0, answer.share or 0.0, answer.base_count or 0)}**"]
    if answer.explanation:
        lines.append(escape(answer.explanation))
    if len(answer.funnel) > 1:
        lines.append(funnel_markdown([(s.label, s.count) for s in answer.funnel]))
    if answer.assumptions:
        lines.append("**Assumptions**\n" + "\n".join(f"- {escape(a)}" for a in answer.assumptions))
    return "\n\n".join(lines)


def funnel_markdown(steps: list[tuple[str, int]]) -> str:
    """Count after each condition, as a Markdown table."""
    rows = ["| Funnel step | Customers |", "|---|---:|"]
    rows += [f"| {escape(label)} | {count:,} |" for label, count in steps]
    return "\n".join(rows)


def sql_run_markdown(segment: Segment) -> str:
    return (
        f"**{size_text(segment.count, segment.share, segment.base_count)}** from the edited SQL. "
        "Follow-ups start a new segment, since edited SQL has no plain-words definition."
    )


def idea_markdown(idea: IdeaView, segment: Segment) -> str:
    return (
        f"**Idea: {escape(idea.title)}** — "
        f"**{size_text(segment.count, segment.share, segment.base_count)}**\n\n"
        f"{escape(idea.rationale)}"
    )


# --- the segment panel ---------------------------------------------------------------------------


def headline_html(segment: Segment | None) -> str:
    """The current segment's size as a headline figure (data-count lets tests read it)."""
    if segment is None:
        return (
            '<div class="headline empty"><div class="headline-label">Current segment</div>'
            '<div class="headline-count" data-count="">—</div>'
            '<div class="headline-sub">Describe an audience to see its size.</div></div>'
        )
    title = html.escape(segment.request or "Edited SQL")
    return (
        '<div class="headline"><div class="headline-label">Current segment</div>'
        f'<div class="headline-count" data-count="{segment.count}">{segment.count:,}</div>'
        f'<div class="headline-sub">customers · {segment.share:.1%} of {segment.base_count:,}</div>'
        f'<div class="headline-title">{title}</div></div>'
    )


def kpi_html(profile: Profile | None) -> str:
    """Revenue, purchases, AOV and recency over the profile's 12-month window."""
    if profile is None:
        return ""
    days = profile.median_days_since_last_purchase
    cards = [
        ("Revenue (12m)", f"{profile.revenue_12m:,.0f}"),
        ("Purchases (12m)", f"{profile.purchases_12m:,}"),
        ("Buyers (12m)", f"{profile.buyers_12m:,}"),
        ("Avg order value", "n/a" if profile.aov_12m is None else f"{profile.aov_12m:,.2f}"),
        ("Median days since purchase", "n/a" if days is None else f"{days:,.0f}"),
    ]
    body = "".join(
        f'<div class="kpi"><div class="kpi-value">{value}</div>'
        f'<div class="kpi-label">{label}</div></div>'
        for label, value in cards
    )
    window = html.escape(profile.window)
    return f'<div class="kpis">{body}</div><div class="kpi-window">12-month window: {window}</div>'


def shares_frame(shares: list[Share], *, value_name: str = "customers") -> pd.DataFrame:
    """One chart's data: a row per value with its count (or spend) and share."""
    return pd.DataFrame(
        {
            "value": [s.value for s in shares],
            value_name: [s.count for s in shares],
            "share": [s.share for s in shares],
        }
    )


def profile_frames(profile: Profile | None) -> dict[str, pd.DataFrame]:
    """Chart data keyed 'top_categories' and the breakdown names (empty without a profile)."""
    frames = {"top_categories": shares_frame([], value_name="spend")}
    frames |= {name: shares_frame([]) for name in BREAKDOWN_TITLES}
    if profile is None:
        return frames
    frames["top_categories"] = shares_frame(profile.top_categories, value_name="spend")
    for name in BREAKDOWN_TITLES:
        frames[name] = shares_frame(profile.breakdowns.get(name, []))
    return frames


def sample_frame(sample: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(sample) if sample else pd.DataFrame()


def ideas_note(ideas: list[IdeaView], note: str) -> str:
    if note:
        return note
    if not ideas:
        return "Ideas for related segments appear here once you have a segment."
    return "Related segments worth a look — click one to run it:"


def idea_label(idea: IdeaView) -> str:
    size = "" if idea.count is None else f" · {idea.count:,}"
    return f"{idea.title}{size}"


def status_markdown(backend: str, db_path: str, as_of: date | None) -> str:
    data = (
        f"as of **{as_of.isoformat()}**"
        if as_of
        else "**not available** (run `segment-assistant data build`)"
    )
    return f"Backend **{escape(backend)}** · data {escape(db_path)} {data}"
