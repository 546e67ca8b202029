"""A return after a break in the customer's own activity: "came back in the last 30 days after a
break of 90 days or more", "ordered last month after 6+ months without buying", "a purchase this
year whose previous purchase was more than 2 years before it", "made their first purchase in
over a year".

The break is each customer's own gap between one row of an activity and their previous one, not a
window of the calendar, so the words are taken out of the request before it is read (the time
parser would read "90 days" as a window, the counts parser "more than 90" as a count) and the
break is given to the one activity the request names (`ActivityCondition.after_break`). "Came
back" with nothing else to say what was done again means the activity the break names, or the
catalog's purchases. With no single activity to give it to the words are reported, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.rules.coverage import replaced, walk
from assistant.rules.text import count_said
from assistant.spec import ActivityCondition, AfterBreak, AndGroup, Condition, NotGroup, OrGroup

_N = r"(?P<n>\d+|an?|[a-z]+(?:[\s-][a-z]+)?)"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_MORE = r"(?P<more>more\s+than|over|longer\s+than|upwards\s+of|in\s+excess\s+of)\s+"
_LEAST = r"(?P<least>at\s+least|a\s+minimum\s+of|no\s+less\s+than|a\s+good)\s+"
_BOUND = rf"(?:{_LEAST}|{_MORE})?"
_OR_MORE = r"(?:\+|\s+or\s+(?:more|longer|over)|\s+plus)?"
_BREAK = (
    r"(?:break|gap|pause|hiatus|absence|lull|silence|quiet\s+spell|quiet\s+period|lapse|"
    r"time\s+away|dry\s+spell|spell\s+away)"
)
_NOUN = (
    r"(?P<noun>orders?|purchases?|transaction(?:s)?|visits?|logins?|bookings?|payments?|"
    r"invoices?|sessions?|sales?|baskets?)"
)
_ITS = r"(?:their|the|his|her|its|your|a)"
_PREVIOUS = r"(?:previous|last|prior|preceding|most\s+recent|earlier)"
_SINCE = rf"(?:\s+(?:since|from|after)\s+{_ITS}\s+{_PREVIOUS}\s+{_NOUN})?"
_NOT_DOING = (
    rf"\s+(?:(?:of\s+)?(?:not|no)\s+|without\s+(?:(?:a|an|any)\s+)?|with\s+no\s+)"
    rf"(?:(?P<doing>[a-z]+ing(?:\s+(?:in|on|up))?)|{_NOUN})"
)
_AWAY = r"\s+(?:away|off|gone|of\s+silence|of\s+nothing|inactive|dormant|quiet)"
_PATTERNS = (
    # "after a (long) break of 90 days or more (since their previous order)"
    re.compile(
        rf"\bafter\s+(?:a|an)\s+(?:long\s+|lengthy\s+|extended\s+)?{_BREAK}\s+of\s+{_BOUND}"
        rf"{_N}{_OR_MORE}\s+{_UNIT}{_OR_MORE}{_SINCE}",
        re.IGNORECASE,
    ),
    # "after a 90-day break", "after a 6+ month gap since their last order"
    re.compile(
        rf"\bafter\s+(?:a|an)\s+{_BOUND}{_N}{_OR_MORE}[\s-]{_UNIT}{_OR_MORE}\s+{_BREAK}{_SINCE}",
        re.IGNORECASE,
    ),
    # "after 90+ days without buying", "after six months of no orders", "after a year away"
    re.compile(
        rf"\bafter\s+{_BOUND}{_N}{_OR_MORE}\s+{_UNIT}{_OR_MORE}(?:{_NOT_DOING}|{_AWAY})",
        re.IGNORECASE,
    ),
    # "whose previous purchase was more than 2 years before it", "their prior order over a
    # year earlier"
    re.compile(
        rf"\b(?:whose|with\s+{_ITS}|and\s+{_ITS}|{_ITS})\s+{_PREVIOUS}\s+{_NOUN}\s+(?:was\s+|"
        rf"being\s+|came\s+|had\s+been\s+)?{_BOUND}{_N}{_OR_MORE}\s+{_UNIT}{_OR_MORE}\s+"
        r"(?:before(?:\s+(?:it|that|then|this|the\s+(?:new|recent|latest)\s+one))?|earlier|prior"
        r"(?:\s+to\s+(?:it|that))?)(?=\s*(?:$|[,.;:)]|and\b|but\b|who\b|with\b|in\b))",
        re.IGNORECASE,
    ),
    # "made their first purchase in over a year"
    re.compile(
        rf"\b(?:{_ITS}\s+)?first\s+{_NOUN}\s+in\s+{_BOUND}{_N}{_OR_MORE}\s+{_UNIT}{_OR_MORE}",
        re.IGNORECASE,
    ),
)
_FIRST_IN = len(_PATTERNS) - 1
# the same break said without its length beside one that has it ("after a long break - …")
_VAGUE = re.compile(
    rf"\s*\bafter\s+(?:a|an|some)\s+(?:long|lengthy|extended|big|good|while)\s+(?:{_BREAK}\s*)?"
    r"(?=[-–—,:;(]|$)",
    re.IGNORECASE,
)
# "bought again after a break": the break already says it is again
_AGAIN = re.compile(r"\s+(?:once\s+)?again\b", re.IGNORECASE)
_CAME_BACK = re.compile(
    r"\b(?:(?:came|come|comes|coming)\s+back|(?:returned|returning)(?!\s+(?:an?|the|some|any|\d|"
    r"their|it|them|items?|orders?|products?|something))|(?:were|are|is|was)\s+back|"
    r"re-?activated|re-?engaged|(?:were|was)\s+won\s+back)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SaidBreak:
    gap: AfterBreak
    words: str  # as said


def taken_out(text: str) -> tuple[str, SaidBreak | None]:
    """The request without its break words, "came back" said as the activity done again."""
    for index, pattern in enumerate(_PATTERNS):
        m = pattern.search(text)
        if m is None:
            continue
        n = count_said(m.group("n"))
        if n is None or n < 1:
            continue
        gap = AfterBreak(n=n, unit=f"{m.group('unit').lower()}s", strict=bool(m.group("more")))
        noun = (m.group("noun") or "").lower().rstrip("s") or None
        again = _again(m, noun)
        if index == _FIRST_IN:
            article = "an" if noun and noun[0] in "aeiou" else "a"
            rest = text[: m.start()] + f"{article} {noun}" + text[m.end() :]
        else:
            rest = text[: m.start()] + " " + text[m.end() :]
            rest = _AGAIN.sub("", _VAGUE.sub("", rest), count=1)
            if again is not None:
                rest = _CAME_BACK.sub(again, rest, count=1)
        return " ".join(rest.split()), SaidBreak(gap, m.group(0).strip())
    return text, None


def _again(m: re.Match[str], noun: str | None) -> str | None:
    """What "came back" stands for: the doing or the thing the break names; None for the
    catalog's purchases (`given` knows them)."""
    doing = m.groupdict().get("doing")
    if doing:
        return doing.lower()
    if noun:
        return f"had {'an' if noun[0] in 'aeiou' else 'a'} {noun}"
    return None


def came_back(text: str) -> bool:
    return _CAME_BACK.search(text) is not None


def with_purchases(text: str, noun: str) -> str:
    """'came back' as having one of the catalog's purchases."""
    article = "an" if noun[:1].lower() in "aeiou" else "a"
    return _CAME_BACK.sub(f"had {article} {noun}", text, count=1)


def given(conditions: list[Condition], said: SaidBreak) -> list[Condition] | None:
    """The conditions with the break given to their one activity done; None when there is not
    exactly one to give it to."""
    found = [c for c in walk(conditions) if isinstance(c, ActivityCondition)]
    done = [c for c in found if _done(c) and not _negated(conditions, c)]
    if len(done) != 1:
        return None
    return replaced(conditions, done[0], done[0].model_copy(update={"after_break": said.gap}))


def _done(c: ActivityCondition) -> bool:
    plain = c.measure == "count" and c.after is None and c.none_on_same is None
    return plain and c.op in (">=", ">") and isinstance(c.value, int | float) and c.value >= 0


def _negated(conditions: list[Condition], target: ActivityCondition) -> bool:
    for c in conditions:
        if isinstance(c, NotGroup) and any(x is target for x in walk([c.condition])):
            return True
        if isinstance(c, AndGroup | OrGroup) and _negated(c.conditions, target):
            return True
    return False
