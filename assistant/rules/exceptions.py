"""An exclusion with an exception: "Healthcare accounts, but not the ones on trial unless they
already have 5 or more users", "everyone in Kentucky except the people who didn't buy in 2002 -
unless they're under 30, those I keep".

The words after "unless" are read on their own as who is kept anyway, and the one exclusion before
them (else the restriction said last) becomes "that, or kept anyway": X AND (NOT Y OR Z). When
there is no single exclusion for the exception to belong to, or its words are not understood, it
is reported, never dropped.
"""

from __future__ import annotations

import re

from assistant.rules.combine import all_of
from assistant.spec import (
    ActivityCondition,
    AttributeCondition,
    Condition,
    NotGroup,
    OrGroup,
)

_UNLESS = re.compile(r"\s*[,;:\-–—]?\s*\bunless\b\s+(?P<kept>.+)$", re.IGNORECASE | re.DOTALL)
# "… unless they're platinum; those I want regardless": what follows says they are kept
_KEEP_WORDS = re.compile(
    r"\s*[,;:\-–—.]?\s*(?:(?:those|them|these|they)\s+(?:i|we)\s+(?:want|keep|need)(?:\s+to\s+"
    r"keep)?(?:\s+(?:regardless|anyway|anyhow|too|as\s+well|in))?|keep\s+(?:those|them|these)"
    r"(?:\s+(?:in|anyway|regardless))?|(?:in\s+which\s+case|then)\s+keep\s+them(?:\s+in)?)\s*[.!]?\s*$",
    re.IGNORECASE,
)
_EXCLUDING = re.compile(
    r"\b(?:not|except|excluding|exclude|leave\s+out|leaving\s+out|without|only|n't)\b|n't\b",
    re.IGNORECASE,
)
_THEY = re.compile(r"^(?:they|they're|they are|it's|it is|the account|the customer)\s+", re.I)


def split(text: str) -> tuple[str, str] | None:
    """(what is asked with the exclusion, who is kept anyway) or None without 'unless'."""
    m = _UNLESS.search(text)
    if m is None or not text[: m.start()].strip():
        return None
    kept = _KEEP_WORDS.sub("", m.group("kept")).strip(" .;,")
    kept = _THEY.sub("", kept)
    kept = re.sub(r"^(?:already|still)\s+", "", kept)
    return text[: m.start()], kept


def with_exception(
    conditions: list[Condition], kept: list[Condition], asked: str
) -> list[Condition] | None:
    """The conditions with their one exclusion loosened by who is kept anyway; None when there is
    not exactly one exclusion."""
    negative = [k for k, c in enumerate(conditions) if _excludes(c)]
    if len(negative) > 1 or not kept or not conditions:
        return None
    if not negative and not _EXCLUDING.search(asked):
        return None  # "women in Texas unless they are platinum": nothing was left out
    # the one exclusion, else the restriction said last ("but not the ones without a purchase")
    k = negative[0] if negative else len(conditions) - 1
    anyway = all_of(kept)
    return [*conditions[:k], OrGroup(conditions=[conditions[k], anyway]), *conditions[k + 1 :]]


def _excludes(c: Condition) -> bool:
    if isinstance(c, NotGroup):
        return True
    if isinstance(c, ActivityCondition):
        return c.measure == "count" and (c.op, c.value) == ("=", 0)
    if isinstance(c, AttributeCondition):
        return c.op in ("!=", "not_in", "is_null")
    return False
