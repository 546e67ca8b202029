"""A time that is each customer's own: "ordered from the catalog during their own birthday month
last year", "bought something in the month of their birthday".

The words are taken out of the request before it is read (they name no calendar month), and
the one activity the request names keeps only its rows in the customer's birthday month
(`ActivityCondition.in_birthday_month`); any other time said still applies. With no single
activity, or no birthday in the data, the words are reported, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.rules.coverage import replaced, walk
from assistant.spec import ActivityCondition, Condition

_PATTERN = re.compile(
    r"\b(?:during|in|within|over)\s+(?:(?:their|his|her|its|the\s+customer'?s|the)\s+)?"
    r"(?:own\s+)?(?:birthday|birth)\s+month\b|\b(?:during|in)\s+the\s+month\s+of\s+"
    r"(?:their|his|her)\s+(?:own\s+)?(?:birthday|birth)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InBirthdayMonth:
    words: str  # as said


def taken_out(text: str) -> tuple[str, InBirthdayMonth | None]:
    """The request without its 'during their birthday month' words, and those words."""
    m = _PATTERN.search(text)
    if m is None:
        return text, None
    rest = " ".join((text[: m.start()] + " " + text[m.end() :]).split())
    return rest, InBirthdayMonth(m.group(0).strip())


def given(conditions: list[Condition]) -> list[Condition] | None:
    """The conditions with their one activity kept to the birthday month; None when there is
    not exactly one activity."""
    found = [c for c in walk(conditions) if isinstance(c, ActivityCondition)]
    if len(found) != 1:
        return None
    (target,) = found
    return replaced(conditions, target, target.model_copy(update={"in_birthday_month": True}))
