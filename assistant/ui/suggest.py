"""Ideas for related segments, adapted from `assistant.ideas` for the ideas panel.

The ideas engine is optional here: when it is missing or fails, the panel says so and the rest
of the page keeps working.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from pydantic import ValidationError

from assistant.executor import Executor
from assistant.spec import SegmentSpec
from assistant.ui.state import IdeaView, Segment

MAX_IDEAS = 6
log = logging.getLogger(__name__)


def suggest(executor: Executor, segment: Segment, as_of: date) -> tuple[list[IdeaView], str]:
    """Up to MAX_IDEAS ideas for the segment, and a note when there are none to show."""
    try:
        from assistant.ideas import suggest_ideas
    except ImportError:
        return [], "Ideas are not available in this version."
    try:
        result = suggest_ideas(executor, segment.spec, as_of, parent_sql=segment.sql)
    except Exception as exc:  # the ideas engine is a separate component: never let it break a turn
        log.exception("suggest_ideas failed")
        return [], f"No ideas this time ({type(exc).__name__}: {exc})."
    ideas = [_view(idea) for idea in getattr(result, "ideas", [])][:MAX_IDEAS]
    return ideas, "" if ideas else "No related segments worth suggesting for this one."


def _spec(data: dict[str, Any]) -> SegmentSpec | None:
    # Without its spec an idea still runs (by its SQL); follow-ups then start a new segment.
    try:
        return SegmentSpec.model_validate(data)
    except ValidationError:
        return None


def _view(idea: Any) -> IdeaView:
    spec = getattr(idea, "spec", None)
    if isinstance(spec, dict):
        spec = _spec(spec)
    return IdeaView(
        title=str(idea.title),
        type=str(getattr(idea, "type", "")),
        rationale=str(getattr(idea, "rationale", "") or ""),
        sql=str(idea.sql),
        spec=spec if isinstance(spec, SegmentSpec) else None,
        count=getattr(idea, "count", None),
        share=getattr(idea, "share", None),
    )
