"""A request written as a brief: a title line, then one condition per bullet.

    Reactivation send:
    - engagement tier = dormant
    - has bought from us at least once
    - email opt-in: yes
    - offer: 10% off

becomes one sentence the grammar reads ("engagement tier dormant and has bought from us at least
once and email opt-in"), and the notes say what was set aside: the title (it names the send, not
who is in it) and the bullets keyed by a word about the send ("offer: …"). A bullet that is only a
time ("- in calendar 2002") is the time of the bullet before it. The words are the grammar's
(`brief` in schemas/lexicon.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+(?P<text>.+?)\s*$")
_KEYED = re.compile(r"^(?P<key>[A-Za-z][\w /&'-]{0,40}?)\s*(?::|=)\s+(?P<value>.+)$")
_YES = {"yes", "y", "true", "on", "required", "must", "opted in"}
_NO = {"no", "n", "false", "off", "not", "opted out"}
_WHO = re.compile(r"\b(?:who|that|which|whose|where|with|without)\s*:?\s*$", re.IGNORECASE)
_TIME_ONLY = re.compile(
    r"^(?:in|during|over|for|within|from|since)?\s*(?:the\s+)?(?:calendar\s+(?:year\s+)?)?"
    r"(?:(?:last|past|previous|this)\s+(?:\w+\s+)?(?:days?|weeks?|months?|quarters?|years?|"
    r"fortnight)|(?:19|20)\d\d|q[1-4]\s+(?:19|20)\d\d|(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december)(?:\s+(?:19|20)\d\d)?|ytd|year to date)"
    r"\s*(?:only)?$",
    re.IGNORECASE,
)


@dataclass
class Flattened:
    text: str
    notes: list[str] = field(default_factory=list)


def flattened(
    request: str, grammar: dict[str, Any], understood: Callable[[str], bool]
) -> Flattened | None:
    """The brief as one sentence, or None when the request has no bullets. `understood(words)`
    says whether words alone read in full as an audience (such a line is never a title)."""
    lines = [line for line in request.splitlines() if line.strip()]
    bullets = [m.group("text") for line in lines if (m := _BULLET.match(line))]
    if not bullets:
        return None
    words = grammar.get("brief", {})
    notes: list[str] = []
    lead = " ".join(line.strip() for line in lines if not _BULLET.match(line))
    parts: list[str] = []
    if lead:
        if _is_title(lead, words.get("titles", []), understood):
            notes.append(f"'{lead}' read as the brief's title, not a condition")
        else:
            parts.append(lead.rstrip(":").strip())
    for bullet in bullets:
        said = _condition_of(bullet, words, notes)
        if said is None:
            continue
        if parts and _TIME_ONLY.match(said.rstrip(". ")):
            parts[-1] = f"{parts[-1]} {said}"  # "- in calendar 2002": the time of the bullet before
        else:
            parts.append(said)
    return Flattened(text=_joined(parts), notes=notes)


def untitled(
    request: str, grammar: dict[str, Any], understood: Callable[[str], bool]
) -> tuple[str, str | None]:
    """'Sustainability push for the client: eco-conscious shoppers in Germany …': the request
    without a title before its colon, and the title (None when there is none)."""
    head, colon, rest = request.partition(":")
    if not colon or not rest.strip() or "\n" in head or len(head.split()) > 8:
        return request, None
    if not _is_title(f"{head}:", grammar.get("brief", {}).get("titles", []), understood):
        return request, None
    return rest.strip(), head.strip()


def _is_title(lead: str, titles: list[str], understood: Callable[[str], bool]) -> bool:
    """'Email brief:', 'Segment for the online preview event:' (but never 'women who:', nor
    'high value segment:', which reads in full as an audience)."""
    head = lead.rstrip().rstrip(":")
    if not lead.rstrip().endswith(":") or _WHO.search(head):
        return False
    said = re.sub(r"\([^)]*\)", " ", lead.lower())  # "Haircare cross-sell (SMS):"
    named = any(re.search(rf"\b{re.escape(t)}\b", said) for t in titles)
    return named and not understood(said.strip().rstrip(":"))


def _condition_of(bullet: str, words: dict[str, Any], notes: list[str]) -> str | None:
    """The bullet as words of a condition; None (with a note) when it is about the send."""
    m = _KEYED.match(bullet.strip())
    if m is None:
        return bullet.strip().rstrip(";,")
    key, value = m.group("key").strip(), m.group("value").strip().rstrip(";,.")
    lowered = key.lower()
    if lowered in words.get("send_keys", []):
        notes.append(f"'{bullet.strip()}' is about the send, not who is in it")
        return None
    if lowered in words.get("audience_keys", []):
        return value
    answer = value.lower().rstrip("!")
    if answer in _YES:
        return key
    if answer in _NO:
        return f"not {key}"
    return f"{key} {value}"


def _joined(parts: list[str]) -> str:
    """Bullets as clauses of one sentence; a bullet that starts with a joining word keeps it."""
    out = parts[0] if parts else ""
    for part in parts[1:]:
        first = part.split(maxsplit=1)[0].lower()
        joiner = "" if first in ("and", "but", "or", "with", "without", "who", "that") else "and "
        out = f"{out}, {joiner}{part}"
    return out
