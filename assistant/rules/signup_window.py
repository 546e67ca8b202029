"""A time counted from each customer's own signup: "sent an invite within their first 7 days",
"bought within 30 days of signing up".

The words are taken out of the request before it is read (the time parser would read "within 7
days" as the last 7 days), and the span is given to the one activity the request names
(`ActivityCondition.since_signup`). When there is no single activity to give it to, or the data has
no signup date, the words are reported, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.rules.coverage import walk
from assistant.rules.text import count_said
from assistant.spec import ActivityCondition, AndGroup, Condition, NotGroup, OrGroup
from assistant.windows import Trailing

_N = r"(?P<n>\d+|[a-z]+(?:[\s-][a-z]+)?)"
_UNIT = r"(?P<unit>day|week|month)s?"
_SIGNUP = (
    r"(?:signing\s+up|sign(?:ed)?[\s-]?up|signup|joining|joined|registering|registered|"
    r"registration|becoming\s+a\s+customer|account\s+creation|creating\s+(?:their|an|the)\s+"
    r"account|(?:their|its|the)\s+(?:signup|sign[\s-]up)(?:\s+date)?)"
)
_PATTERNS = (
    # "within 7 days of signing up", "in the first 2 weeks after they joined"
    re.compile(
        rf"\b(?:with)?in\s+(?:the\s+|their\s+|its\s+)?(?:first\s+)?{_N}\s+{_UNIT}\s+"
        rf"(?:of|after|from|since)\s+(?:(?:they|it)\s+)?{_SIGNUP}\b",
        re.IGNORECASE,
    ),
    # "within their first 7 days", "in their first month as a customer"
    re.compile(
        rf"\b(?:with)?in\s+(?:their|its)\s+(?:very\s+)?first\s+(?:{_N}\s+)?{_UNIT}"
        r"(?:\s+(?:as\s+a\s+customer|with\s+us|on\s+the\s+product|of\s+(?:their\s+)?"
        r"(?:membership|account|trial|subscription)))?\b",
        re.IGNORECASE,
    ),
)
# "counting the sign-up day as day 1": the convention the span already follows
_DAY_ONE = re.compile(
    r",?\s*\(?\s*(?:counting|with|treating)\s+the\s+sign[\s-]?up\s+day\s+as\s+day\s+(?:1|one)\s*\)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FromSignup:
    span: Trailing
    words: str  # as said


def taken_out(text: str) -> tuple[str, FromSignup | None]:
    """The request without its 'within N days of signing up' words, and the span they say."""
    for pattern in _PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        n = _count(m.group("n"))
        if n is None or n < 1:
            continue
        rest = _DAY_ONE.sub("", text[: m.start()] + " " + text[m.end() :])
        unit = f"{m.group('unit').lower()}s"
        return " ".join(rest.split()), FromSignup(Trailing(n=n, unit=unit), m.group(0).strip())
    return text, None


def given(conditions: list[Condition], said: FromSignup) -> list[Condition] | None:
    """The conditions with the span given to their one activity; None when there is not
    exactly one activity to give it to."""
    found = [c for c in walk(conditions) if isinstance(c, ActivityCondition)]
    if len(found) != 1 or found[0].after is not None:
        return None
    return [_with_span(c, said.span) for c in conditions]


def _with_span(condition: Condition, span: Trailing) -> Condition:
    if isinstance(condition, ActivityCondition):
        return condition.model_copy(update={"since_signup": span})
    if isinstance(condition, AndGroup | OrGroup):
        inner = [_with_span(c, span) for c in condition.conditions]
        return condition.model_copy(update={"conditions": inner})
    if isinstance(condition, NotGroup):
        return condition.model_copy(update={"condition": _with_span(condition.condition, span)})
    return condition


def _count(said: str | None) -> int | None:
    return 1 if said is None else count_said(said)  # "in their first month": one
