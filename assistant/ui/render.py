"""Turning answers, profiles and samples into chat Markdown, headline HTML and chart data.

Everything here is a pure function of data: no Gradio, no database. Text that came from a
person or a model is escaped, so it is shown, never interpreted as markup.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from assistant.answer import Answer
from assistant.ideas import NOT_DIFFERENT, TOO_SMALL
from assistant.kotler import Differentiator, Reachability, RevenueShare, WhyZero
from assistant.profile import Profile, Share
from assistant.ui.state import ChatState, IdeaView, PartView, Segment

# Chart slots: top categories, then the profile's breakdowns (which the catalog chooses).
BREAKDOWN_SLOTS = 4
TOP_CATEGORIES_TITLE = "Top categories by 12-month spend"
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
FLAG_LABELS = {TOO_SMALL: "too small", NOT_DIFFERENT: "overlaps parent"}
MAX_PARTS = 6
EMPTY_PROFILE_HTML = (
    '<div class="panel-empty">Who is in the segment — revenue, purchases, top categories and '
    "how its members break down — appears here once you have one.</div>"
)
EMPTY_MEMBERS = "A sample of the segment's members appears here once you have one."
# Below this many, a count axis would tick at 0.5 steps: the axis then runs to this.
MIN_COUNT_AXIS = 10


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
    if answer.why_zero is not None:
        parts.append(why_zero_markdown(answer.why_zero))
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


def why_zero_markdown(why: WhyZero) -> str:
    """Which condition emptied the segment and what to try instead (the button runs it)."""
    if why.emptied_by is None:
        return ""
    labels = [label for label, _ in why.funnel]
    at = labels.index(why.emptied_by) if why.emptied_by in labels else 0
    lines = [f"**Why no one matches:** “{escape(why.emptied_by)}” emptied the segment"]
    lines[0] += f" ({why.funnel[at - 1][1]:,} customers before it, none after)." if at else "."
    if why.nearest is not None:
        lines.append(
            f"**Nearest non-empty variant:** {escape(why.nearest.title)} — "
            f"{why.nearest.count:,} customers. Click **Try instead** below to run it."
        )
    return "\n\n".join(lines)


def sql_editor_text(state: ChatState) -> str:
    """What the SQL editor shows: a refused or failed edit as the analyst typed it (so the
    suggested fix can be made to it), else the current segment's SQL."""
    if state.sql_text is not None:
        return state.sql_text
    return state.segment.sql if state.segment else ""


def sql_error_markdown(reason: str | None, *, refused: bool = True) -> str:
    """Why the edited SQL did not run, shown beside the editor (which keeps the text)."""
    if not reason:
        return ""
    label = "Refused" if refused else "Could not run"
    return f"**{label}:** {escape(reason)} Edit the query above and run it again."


def sql_run_markdown(segment: Segment) -> str:
    return (
        f"**{size_text(segment.count, segment.share, segment.base_count)}** from the edited SQL. "
        "Follow-ups start a new segment, since edited SQL has no plain-words definition."
    )


def idea_markdown(idea: IdeaView, segment: Segment) -> str:
    return (
        f"**{escape(idea.run_title)}** — "
        f"**{size_text(segment.count, segment.share, segment.base_count)}**\n\n"
        f"{escape(idea.rationale)}"
    )


# --- the segment panel ---------------------------------------------------------------------------


def headline_html(segment: Segment | None) -> str:
    """The current segment's size as a headline figure (data-count lets tests read it), with
    its reachability chips once they are known."""
    if segment is None:
        return (
            '<div class="headline empty"><div class="headline-label">Current segment</div>'
            '<div class="headline-count" data-count="">—</div>'
            '<div class="headline-sub">Describe an audience to see its size.</div></div>'
        )
    title = segment_title(segment)
    # The thread as asked ("…; what about France instead") is the tooltip; the title is what
    # is counted now.
    asked = segment.request if segment.request and segment.request != title else None
    tooltip = f' title="Asked: {html.escape(asked)}"' if asked else ""
    reach = segment.extras.reachability if segment.extras else None
    return (
        '<div class="headline"><div class="headline-label">Current segment</div>'
        f'<div class="headline-count" data-count="{segment.count}">{segment.count:,}</div>'
        f'<div class="headline-sub">customers · {segment.share:.1%} of {segment.base_count:,}</div>'
        f'<div class="headline-title"{tooltip}>{html.escape(title)}</div>'
        f"{reach_html(reach)}</div>"
    )


def segment_title(segment: Segment) -> str:
    """What the segment on screen is: its current definition in words."""
    return segment.title or segment.request or "Edited SQL"


def reach_chips(reach: Reachability) -> list[tuple[str, str, int]]:
    """(name, label, members) per chip: each of the catalog's contact channels, any channel,
    and the unsubscribed (a warning, not a channel)."""
    chips = [(name, _channel_label(name), count) for name, count in reach.channels.items()]
    chips.append(("any_channel", "Any channel", reach.any_channel))
    chips.append(("unsubscribed", "Unsubscribed", reach.unsubscribed))
    return chips


def _channel_label(name: str) -> str:
    words = name.replace("_", " ")
    return words.upper() if len(words) <= 3 else words.capitalize()  # sms -> SMS, email -> Email


def reach_html(reach: Reachability | None) -> str:
    """Compact chips: how many members each channel may reach, and how many unsubscribed."""
    if reach is None:
        return ""
    chips = "".join(
        f'<span class="chip{" chip-warn" if name == "unsubscribed" else ""}" '
        f'data-reach="{html.escape(name)}" data-count="{count}" '
        f'title="{reach.share(name):.0%} of the segment">'
        f"<b>{count:,}</b> {html.escape(label)}</span>"
        for name, label, count in reach_chips(reach)
    )
    return f'<div class="reach"><span class="reach-label">Reachable</span>{chips}</div>'


def insights_html(differentiators: list[Differentiator], revenue: RevenueShare | None) -> str:
    """The Profile tab's "is it worth it, is it distinct" card (empty when nothing is known)."""
    rows = []
    if revenue is not None:
        rows.append(
            '<div class="insight-row"><span class="insight-label">Worth</span>'
            f'<span class="insight-revenue">{html.escape(revenue.text)}</span></div>'
        )
    if differentiators:
        items = "".join(f"<li>{html.escape(d.text)}</li>" for d in differentiators)
        rows.append(
            '<div class="insight-row"><span class="insight-label">Stands out</span>'
            f"<ul>{items}</ul></div>"
        )
    return f'<div class="insights">{"".join(rows)}</div>' if rows else ""


def kpi_html(profile: Profile | None) -> str:
    """Revenue, purchases, AOV and recency over the profile's 12-month window."""
    if profile is None:
        return ""
    cards = [
        ("Revenue (12m)", _figure(profile.revenue_12m, ",.0f")),
        ("Purchases (12m)", _figure(profile.purchases_12m, ",")),
        ("Buyers (12m)", _figure(profile.buyers_12m, ",")),
        ("Avg order value", _figure(profile.aov_12m, ",.2f")),
        ("Median days since purchase", _figure(profile.median_days_since_last_purchase, ",.0f")),
    ]
    body = "".join(
        f'<div class="kpi"><div class="kpi-value">{value}</div>'
        f'<div class="kpi-label">{label}</div></div>'
        for label, value in cards
    )
    window = html.escape(profile.window)
    return f'<div class="kpis">{body}</div><div class="kpi-window">12-month window: {window}</div>'


def _figure(value: float | None, spec: str) -> str:
    # A figure the catalog has no role for (or no data) is "n/a", never an error.
    return "n/a" if value is None else format(value, spec)


def shares_frame(shares: list[Share], *, value_name: str = "customers") -> pd.DataFrame:
    """One chart's data: a row per value with its count (or spend) and share."""
    return pd.DataFrame(
        {
            "value": [s.value for s in shares],
            value_name: [s.count for s in shares],
            "share": [s.share for s in shares],
        }
    )


@dataclass(frozen=True)
class Chart:
    """One chart slot's content: its title, data and bar order."""

    title: str
    frame: pd.DataFrame
    sort: str = "-y"

    @property
    def empty(self) -> bool:
        return self.frame.empty


def profile_charts(profile: Profile | None) -> list[Chart]:
    """One Chart per slot: top categories by spend, then up to BREAKDOWN_SLOTS breakdowns (the
    properties the catalog picks, in its order); an unused slot has an empty frame."""
    charts = [
        Chart(
            TOP_CATEGORIES_TITLE,
            shares_frame(profile.top_categories if profile else [], value_name="spend"),
        )
    ]
    breakdowns = list(profile.breakdowns.items()) if profile else []
    for name, shares in breakdowns[:BREAKDOWN_SLOTS]:
        # Bands ("18-24", "25-34") read in their own order, other values by size.
        ordered = bool(shares) and all(s.value[:1].isdigit() for s in shares)
        title = _property_title(profile.breakdown_titles.get(name, name) if profile else name)
        charts.append(Chart(title, shares_frame(shares), "x" if ordered else "-y"))
    while len(charts) < 1 + BREAKDOWN_SLOTS:
        charts.append(Chart("", shares_frame([])))
    return charts


def _property_title(name: str) -> str:
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]


def count_axis_top(frame: pd.DataFrame, *, headroom: bool = False) -> float | None:
    """The top of a chart's count axis: automatic (None), except for small counts, where an
    axis up to the largest value would tick in halves ("0.5", "1.5"). With `headroom` (a line
    chart) it is the next round number above the largest value, so a flat line is not drawn
    on the frame's top edge."""
    numbers = frame.select_dtypes("number").drop(columns=["share"], errors="ignore")
    largest = numbers.max().max() if not numbers.empty else None
    if largest is None or pd.isna(largest) or largest < MIN_COUNT_AXIS:
        return MIN_COUNT_AXIS
    return _round_up(float(largest) * 1.05) if headroom else None


def _round_up(value: float) -> float:
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def sample_frame(sample: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(sample) if sample else pd.DataFrame()


def ideas_note(ideas: list[IdeaView], note: str) -> str:
    if note:
        return note
    if not ideas:
        return "Ideas for related segments appear here once you have a segment."
    return "**Ideas** — related segments worth a look; click a card to run it."


def idea_card_html(idea: IdeaView) -> str:
    """One idea as a clickable card: type, size, flags, why, and a split's parts."""
    size = "" if idea.count is None else f"{idea.count:,}"
    share = "" if idea.share is None else f" · {idea.share:.1%}"
    badges = "".join(
        f'<span class="badge flag">{FLAG_LABELS.get(f, f.replace("_", " "))}</span>'
        for f in idea.flags
    )
    return (
        f'<div class="idea-card" role="button" tabindex="0" '
        f'data-title="{html.escape(idea.run_title)}" data-count="{idea.count or 0}">'
        f'<div class="idea-top"><span class="badge type">{html.escape(idea.type)}</span>'
        f'{badges}<span class="idea-size"><b>{size}</b>{share}</span></div>'
        f'<div class="idea-title">{html.escape(idea.title)}</div>'
        f'<div class="idea-why" title="{html.escape(idea.rationale)}">'
        f"{html.escape(idea.rationale)}</div>"
        f"{_parts_html(idea.parts, idea.headline_part)}</div>"
    )


def _parts_html(parts: list[PartView], headline: str | None) -> str:
    if not parts:
        return ""
    shown = sorted(parts, key=lambda p: -p.count)[:MAX_PARTS]
    items = "".join(
        f'<span class="part{" on" if p.label == headline else ""}'
        f'{" small" if TOO_SMALL in p.flags else ""}">'
        f"{html.escape(p.label)} <b>{p.count:,}</b></span>"
        for p in shown
    )
    more = len(parts) - len(shown)
    if more:
        items += f'<span class="part more">+{more} more</span>'
    return f'<div class="idea-parts">{items}</div>'


def nearest_label(idea: IdeaView) -> str:
    return f"Try instead: {idea.title} · {idea.count or 0:,} customers"


def status_markdown(backend: str, db_path: str, as_of: date | None) -> str:
    data = (
        f"as of **{as_of.isoformat()}**"
        if as_of
        else "**not available** (run `segment-assistant data build`)"
    )
    return f"Backend **{escape(backend)}** · data {escape(db_path)} {data}"
