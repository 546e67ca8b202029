"""A time counted from each customer's own first row of an activity: "spent more than $30,000
in their first 90 days after their first purchase", "made a purchase within 30 days of their
first return", "bought again within 30 days of their first order".

The words are taken out of the request before it is read (the time parser would read "within
30 days" as the last 30 days of the calendar). The anchor's words are read alone and must name
one activity; the span then goes to the one activity the rest of the request names
(`ActivityCondition.since_first`, the anchor's day being day 1). "again" after the same
activity counts one more than said: the first one is in the span too. Otherwise the words are
reported, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.rules.coverage import replaced, walk
from assistant.rules.text import count_said
from assistant.spec import Activity, ActivityCondition, Condition, SinceFirst
from assistant.windows import AllTime, Trailing

_PATTERN = re.compile(
    r"\b(?:with)?in\s+(?:the\s+|their\s+|its\s+)?(?:first\s+)?(?P<n>\d+|an?|[a-z]+)\s+"
    r"(?P<unit>day|week|month|year)s?\s+(?:of|after|from|since|following)\s+(?:their|the|his|"
    r"her|its)\s+(?:very\s+)?first\s+(?P<anchor>[a-z-]+(?:\s+(?!and\b|but\b|who\b|that\b|"
    r"with\b|in\b|or\b)[a-z-]+){0,2})",
    re.IGNORECASE,
)
_AGAIN = re.compile(r"\b(?:again|another|a\s+second|once\s+more|a\s+repeat)\b")


@dataclass(frozen=True)
class FromFirst:
    span: Trailing
    anchor: str  # the anchor's words ("purchase", "catalog order")
    words: str  # as said
    again: bool  # "bought again within …": the first one is counted too


def taken_out(text: str) -> tuple[str, FromFirst | None]:
    """The request without its 'within N days of their first X' words, and what they say."""
    m = _PATTERN.search(text)
    if m is None:
        return text, None
    said = m.group("n").lower()
    n = 1 if said in ("a", "an") else count_said(said)
    if n is None or n < 1:
        return text, None
    rest = " ".join((text[: m.start()] + " " + text[m.end() :]).split())
    again = _AGAIN.search(text[: m.start()]) is not None
    span = Trailing(n=n, unit=f"{m.group('unit').lower()}s")
    return rest, FromFirst(span, m.group("anchor"), m.group(0).strip(), again)


def given(
    conditions: list[Condition], said: FromFirst, anchor_of: Callable[[str], Activity | None]
) -> list[Condition] | None:
    """The conditions with the span given to their one activity; None when the anchor names no
    single activity or there is not exactly one activity to give it to."""
    anchor = anchor_of(said.anchor)
    found = [c for c in walk(conditions) if isinstance(c, ActivityCondition)]
    if anchor is None or len(found) != 1 or found[0].after is not None:
        return None
    (target,) = found
    if target.since_signup is not None or not _undated(target):
        return None
    update: dict = {"since_first": SinceFirst(activity=anchor, within=said.span)}
    again = said.again and target.activity.source == anchor.source
    counted = target.measure == "count" and target.op in (">=", ">")
    if again and counted and isinstance(target.value, int | float):
        update["value"] = target.value + 1  # the first one is in its own span
    spanned = target.model_copy(update={**update, "window": AllTime()})
    return replaced(conditions, target, spanned)


def _undated(condition: ActivityCondition) -> bool:
    return condition.window is None or condition.window.kind == "all_time"
