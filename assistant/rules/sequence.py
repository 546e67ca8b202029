"""Two activities in order, joined by 'after' or 'before': "accounts that churned last quarter
after raising a billing ticket", "churned accounts that had opened a billing ticket before they
cancelled", "customers who bought again after returning something".

The words before the joining word are read as the request; the words after it, alone, as the
activity they are ordered against. The last activity before the joining word counts only its
rows after the customer's first such other row ("after": some row of it comes later than one
of the other), or before their last one ("before").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.rules.text import count_said
from assistant.windows import Trailing

# "after raising …", "before they cancelled", "after having opened …", "after a return"; not
# "after that" (a back reference), "after March" (a time), "after their last …" (an anchor)
_JOIN = re.compile(
    r"^(?P<a>.+?)\s+(?P<rel>after|before)\s+(?P<b>(?!(?:that|then|this|it|which|their\s+(?:last|first"
    r"|most\s+recent|latest|earliest))\b)\S.*)$"
)
_LEAD = re.compile(
    r"^(?:they|he|she|it|the account|the customer|having(?:\s+been)?|their|they(?:'d| had| have)"
    r"|they've)\s+"
)


@dataclass(frozen=True)
class Ordered:
    """The request before the joining word, the other activity's words, and the order."""

    first: str
    other: str
    side: str  # "after": the first activity's rows after the other; "before": before it
    # "in the 30 days before they churned": a span counted from the other event, which no
    # condition here makes (said, and left out of the first activity's time)
    span: str = ""


def split(text: str, is_time: object) -> Ordered | None:
    """The two activities a normalized request orders, or None. `is_time(words)` says whether
    the words after the joining word start with a time ('after march')."""
    m = _JOIN.match(text)
    if m is None:
        return None
    other = m.group("b").strip()
    if is_time(other):  # type: ignore[operator]
        return None
    other = _LEAD.sub("", other)
    if not other or re.match(r"^(?:\$?\d|a\s+(?:year|month|week|day)\b)", other):
        return None
    first = m.group("a").strip()
    span = _SPAN.search(first)
    if span is not None and m.group("rel") == "after" and re.search(r"\blast\b", span.group(0)):
        span = None  # "churned in the last 6 months after having paid …": the churn's own time
    if span is not None:
        first = first[: span.start()].strip()
    said = span.group(0).strip() if span is not None else ""
    return Ordered(first=first, other=other, side=m.group("rel"), span=said)


_SPAN = re.compile(
    r"\s+(?:in|within|during|over)\s+(?:the\s+)?(?:\d+|a|an|one|first|last|same)\s+"
    r"(?:\w+\s+)?(?:hours?|days?|weeks?|months?|years?)\s*$"
)


_LENGTH = re.compile(
    r"^(?:in|within|during|over)\s+(?:the\s+)?(?:(?:last|final|first)\s+)?(?P<n>\d+|an?|one|[a-z]+)"
    r"\s+(?P<unit>day|week|month)s?$"
)


def span_length(span: str) -> Trailing | None:
    """'in the 90 days' (before or after the other event): how long, or None when the words
    say no plain length."""
    m = _LENGTH.match(span.strip())
    if m is None:
        return None
    n = count_said(m.group("n"))
    if n is None or n < 1:
        return None
    return Trailing(n=n, unit=f"{m.group('unit')}s")
