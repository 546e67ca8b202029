"""Ideas and Kotler's checks for the panel: views of what the answer path computed, and the one
computation for segments that did not come from an answer (edited SQL, a clicked idea).

The extras are optional here: when they fail, the panel says so and the rest of the page keeps
working.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pydantic import ValidationError

from assistant.answer import Answer
from assistant.catalog import Catalog
from assistant.executor import Executor
from assistant.ideas import Idea, IdeasResult
from assistant.kotler import EnrichedAnswer, WhyZero, enrich_answer
from assistant.spec import SegmentSpec
from assistant.ui.state import IdeaView, PartView, Segment

MAX_IDEAS = 6
NO_IDEAS = "No related segments worth suggesting for this one."
log = logging.getLogger(__name__)


def extras_for(
    executor: Executor, segment: Segment, as_of: date, catalog: Catalog
) -> tuple[EnrichedAnswer, str]:
    """Ideas, reachability, differentiators, revenue share and why-zero for a segment that has
    no `Answer`; and a note when that failed."""
    # enrich_answer reads only the definition and the count, so a bare Answer stands in: one
    # code path (and one suggest_ideas call) for chat answers and clicked segments alike.
    stand_in = Answer(
        request=segment.request or "",
        backend=segment.backend,
        sql=segment.sql,
        count=segment.count,
        as_of=as_of,
        spec=None if segment.spec is None else segment.spec.model_dump(mode="json"),
    )
    try:
        return enrich_answer(stand_in, executor, segment.spec, catalog), ""
    except Exception as exc:  # the extras are a separate component: never let them break a turn
        log.exception("enrich_answer failed")
        return EnrichedAnswer(), f"No ideas this time ({type(exc).__name__}: {exc})."


def idea_views(result: IdeasResult | None) -> tuple[list[IdeaView], str]:
    """Up to MAX_IDEAS ideas for the panel, and a note when there are none to show."""
    ideas = [_view(idea) for idea in (result.ideas if result else [])][:MAX_IDEAS]
    return ideas, "" if ideas else NO_IDEAS


def nearest_view(why_zero: WhyZero | None) -> IdeaView | None:
    """The nearest non-empty variant of an empty segment, as an idea one click runs."""
    nearest = why_zero.nearest if why_zero else None
    if nearest is None:
        return None
    return IdeaView(
        title=nearest.title,
        type="nearest",
        rationale=f"The nearest variant that is not empty: {nearest.count:,} customers.",
        sql=nearest.sql,
        spec=_spec(nearest.spec),
        count=nearest.count,
    )


def _spec(data: dict[str, Any] | None) -> SegmentSpec | None:
    # Without its spec an idea still runs (by its SQL); follow-ups then start a new segment.
    if data is None:
        return None
    try:
        return SegmentSpec.model_validate(data)
    except ValidationError:
        log.warning("an idea's spec did not validate; it runs by its SQL only")
        return None


def _view(idea: Idea) -> IdeaView:
    headline = next((p.label for p in idea.parts if p.sql == idea.sql), None)
    return IdeaView(
        title=idea.title,
        type=idea.type,
        rationale=idea.rationale,
        sql=idea.sql,
        spec=_spec(idea.spec),
        count=idea.count,
        share=idea.share,
        flags=list(idea.flags),
        parts=[PartView(p.label, p.count, p.share, list(p.flags)) for p in idea.parts],
        headline_part=headline,
    )
