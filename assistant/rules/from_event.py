"""A time counted from each customer's own earlier event: "reported an outage and then cancelled
within 30 days of raising it", "clicked the email and bought within a week of it".

The words are taken out of the request before it is read (the time parser would read "within 30
days" as the last 30 days of the calendar) and the span is given to the one activity the request
orders after another (`AfterEvent.within`). With no such activity the words are reported, never
dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.rules.coverage import replaced, walk
from assistant.rules.text import count_said
from assistant.spec import ActivityCondition, AfterEvent, Condition
from assistant.windows import Trailing

_PATTERN = re.compile(
    r"\b(?:with)?in\s+(?:the\s+)?(?P<n>\d+|an?|[a-z]+(?:[\s-][a-z]+)?)\s+"
    r"(?P<unit>day|week|month|fortnight)s?"
    r"\s+(?:of|after|from|following)\s+(?:(?:(?:raising|opening|filing|logging|getting|receiving|"
    r"making|placing|doing|clicking|seeing|submitting|sending|reporting)\s+)?"
    r"(?:it|them|this|that\s+one|the\s+same|doing\s+so|(?:that|this|said|the|their)(?:\s+[a-z]+)?)"
    # "within three days of clicking": the doing alone is the earlier event's
    r"|(?:raising|opening|filing|getting|receiving|clicking|seeing|submitting|reporting)"
    r"(?!\s+(?:an?|any|one|some|their|the)\b))"
    r"(?=\s|$|[,.;?!])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FromEvent:
    span: Trailing
    words: str  # as said


def taken_out(text: str) -> tuple[str, FromEvent | None]:
    """The request without its 'within N days of it' words, and the span they say."""
    m = _PATTERN.search(text)
    if m is None:
        return text, None
    n = count_said(m.group("n"))
    if n is None or n < 1:
        return text, None
    unit = m.group("unit").lower()
    if unit == "fortnight":
        unit, n = "day", 14 * n
    unit = f"{unit}s"
    rest = " ".join((text[: m.start()] + " " + text[m.end() :]).split())
    return rest, FromEvent(Trailing(n=n, unit=unit), m.group(0).strip())


def given(conditions: list[Condition], said: FromEvent) -> list[Condition] | None:
    """The conditions with the span given to the one activity ordered after another; None when
    there is not exactly one."""
    ordered = [
        c
        for c in walk(conditions)
        if isinstance(c, ActivityCondition) and c.after is not None and c.after.side == "after"
    ]
    if len(ordered) == 1:
        return _with_span(conditions, ordered[0], said.span, _which(conditions, ordered[0]))
    if ordered:
        return None
    # "reported an outage and did not cancel within 30 days of it": 'it' is the activity said
    # just before the one the span is about
    plain = [c for c in conditions if isinstance(c, ActivityCondition) and c.measure == "count"]
    if len(plain) < 2 or plain[-2].op not in (">=", ">") or plain[-2].after is not None:
        return None
    anchor, target = plain[-2], plain[-1]
    after = AfterEvent(activity=anchor.activity, which="first", window=anchor.window)
    timed = target.model_copy(update={"after": after})
    with_anchor = replaced(conditions, target, timed)
    return _with_span(with_anchor, timed, said.span, "each")


def _which(conditions: list[Condition], target: ActivityCondition) -> str:
    """'whose very first purchase was a catalog order and then … within a fortnight of it': that
    first one (the request says which it was); otherwise any one of the earlier events."""
    anchor = target.after.activity if target.after is not None else None
    first = any(
        isinstance(c, ActivityCondition)
        and c.after is not None
        and c.after.side in ("before", "by")
        and c.after.activity == anchor
        for c in walk(conditions)
    )
    return "first" if first else "each"


def _with_span(
    conditions: list[Condition], target: ActivityCondition, span: Trailing, which: str
) -> list[Condition]:
    assert target.after is not None
    after = target.after.model_copy(update={"within": span, "which": which})
    return replaced(conditions, target, target.model_copy(update={"after": after}))
