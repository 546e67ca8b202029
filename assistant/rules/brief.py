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
# "Min orders: 2", "Minimum API calls: 25", "Max tickets: 3"
_BOUND_KEY = re.compile(
    r"^(?P<side>min(?:imum)?|max(?:imum)?)\.?\s+(?P<what>[A-Za-z][\w /&'-]{0,40}?)\s*(?::|=)",
    re.IGNORECASE,
)
_KEYED = re.compile(r"^(?P<key>[A-Za-z][\w /&'().-]{0,48}?)\s*(?::|=)\s+(?P<value>.+)$")
_YES = {"yes", "y", "true", "on", "required", "must", "opted in"}
_NO = {"no", "n", "false", "off", "not", "opted out"}
_NONE = {*_NO, "none", "nothing", "n/a"}
_ANY = {"all", "any", "everyone", "everybody", "n/a", "na", "-", "tbd", "all regions"}
_WHO = re.compile(r"\b(?:who|that|which|whose|where|with|without)\s*:?\s*$", re.IGNORECASE)
_TIME_ONLY = re.compile(
    r"^(?:in|during|over|for|within|from|since)?\s*(?:the\s+)?(?:calendar\s+(?:year\s+)?)?"
    r"(?:(?:last|past|previous|this)\s+(?:\w+\s+)?(?:days?|weeks?|months?|quarters?|years?|"
    r"fortnight)|(?:19|20)\d\d|q[1-4]\s+(?:19|20)\d\d|(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december)(?:\s+(?:19|20)\d\d)?|ytd|year to date)"
    r"\s*(?:only)?$",
    re.IGNORECASE,
)


# "at least one of them …": a bullet about the rows of the bullet before
_BACK = re.compile(r"\b(?:of|among)\s+(?:them|those|these)\b", re.IGNORECASE)


@dataclass
class Flattened:
    text: str
    notes: list[str] = field(default_factory=list)


def flattened(
    request: str, grammar: dict[str, Any], understood: Callable[[str], bool]
) -> Flattened | None:
    """The brief as one sentence, or None when the request is no brief. `understood(words)`
    says whether words alone read in full as an audience (such a line is never a title)."""
    found = _lead_and_bullets(request)
    if found is None:
        return None
    lead, bullets, colon = found
    words = grammar.get("brief", {})
    notes: list[str] = []
    parts: list[str] = []
    if lead:
        if _is_title(lead, words.get("titles", []), understood, colon):
            notes.append(f"'{lead}' read as the brief's title, not a condition")
        else:
            parts.append(lead.rstrip(":").strip())
    window = None  # the time the bullet before said, for a 'Min …:' bullet after it
    for bullet in bullets:
        said = _condition_of(bullet, words, notes)
        if said is None:
            continue
        if parts and (_TIME_ONLY.match(said.rstrip(". ")) or _time_keyed(bullet, words)):
            parts[-1] = f"{parts[-1]} {said}"  # "- in calendar 2002": the time of the bullet before
            window = said
        elif window is not None and (_BOUND_KEY.match(bullet.strip()) or _BACK.search(said)):
            # "Window: 30d | Min API calls: 25": the least of the same behaviour, in that time;
            # "CSAT: at least one of them rated 1 or 2": of the rows the time said
            parts.append(f"{said} {window}")
        else:
            parts.append(said)
            window = None
    return Flattened(text=_joined(parts), notes=notes)


def _lead_and_bullets(request: str) -> tuple[str, list[str], bool] | None:
    """The lines before the conditions, the conditions, and whether the lead must end in a colon
    to be a title: bulleted lines, cells of a pasted row ('Segment | Country = UK | Age 25-34'),
    or 'Key: value.' sentences of a pasted ticket."""
    lines = [line for line in request.splitlines() if line.strip()]
    bullets = [m.group("text") for line in lines if (m := _BULLET.match(line))]
    if bullets:
        return " ".join(line.strip() for line in lines if not _BULLET.match(line)), bullets, True
    if request.count("|") >= 2:
        cells = [c.strip() for c in request.split("|") if c.strip()]
        if len(cells) >= 2 and not _KEYED.match(cells[0]):
            return cells[0], cells[1:], False
        return "", cells, False
    keyed_lines = [line.strip() for line in lines if _KEYED.match(line.strip().rstrip(". "))]
    if len(lines) >= 2 and len(keyed_lines) == len(lines):
        # "Objective: win-back / Target: … / Geo: Eastern time zone", one key a line
        return "", [line.rstrip(". ") for line in keyed_lines], False
    sentences = [p.strip() for p in re.split(r"(?<=[.;])\s+", request.strip()) if p.strip()]
    keyed = [k for k, p in enumerate(sentences) if _KEYED.match(p.rstrip(". "))]
    if len(keyed) >= 2 and keyed == list(range(keyed[0], len(sentences))):
        lead = " ".join(sentences[: keyed[0]]).rstrip(". ")
        return lead, [p.rstrip(". ") for p in sentences[keyed[0] :]], False
    return None


# A ticket or issue reference before a brief's first key ("TICKET-2231", "JIRA 88", "#412")
_REFERENCE = re.compile(r"^(?:#\s*\d+|[A-Za-z]+[-_ #]?\d+)$")
_SQL_IN = re.compile(r"\b(?P<not>NOT\s+)?IN\s*\((?P<values>[^()]+)\)")


def sql_like(request: str) -> str:
    """'value_tier IN (Top, High) AND region = AMER': a list in SQL's brackets said as words
    ('value tier Top or High'); the rest the grammar reads as it is."""

    def listed(m: re.Match[str]) -> str:
        values = [v.strip(" '\"") for v in m.group("values").split(",") if v.strip(" '\"")]
        said = " or ".join(values)
        return f"not {said}" if m.group("not") else said

    return _SQL_IN.sub(listed, request)


def untitled(
    request: str,
    grammar: dict[str, Any],
    understood: Callable[[str], bool],
    about: Callable[[str], set[str]] | None = None,
) -> tuple[str, str | None]:
    """'Sustainability push for the client: eco-conscious shoppers in Germany …': the request
    without a title before its colon, and the title (None when there is none). `about` gives
    what the words alone name conditions about (a property, an activity)."""
    head, colon, rest = request.partition(":")
    if not colon or not rest.strip() or "\n" in head or len(head.split()) > 8:
        return request, None
    titled = _is_title(f"{head}:", grammar.get("brief", {}).get("titles", []), understood)
    spelt = about is not None and _spelt_out(head, rest, about)
    if not titled and not spelt and not _gloss(head, rest, understood):
        return request, None
    return rest.strip(), head.strip()


# "customers with …", "accounts that …": an audience said in full, from its noun
_IN_FULL = re.compile(
    r"^\s*(?:all\s+|the\s+|any\s+)?(?:customers|clients|accounts|people|shoppers|buyers|"
    r"users|members|folks|those|ones|anyone|everyone|companies)\s+(?:who|that|with|whose|"
    r"which)\b",
    re.IGNORECASE,
)


def _spelt_out(head: str, rest: str, about: Callable[[str], set[str]]) -> bool:
    """'First order and then nothing since: customers with exactly one purchase ever, …': a
    lead whose every condition is about something the audience said in full after the colon
    names again, in its own words; the lead is its headline, not more conditions."""
    if _WHO.search(head) or not _IN_FULL.match(rest):
        return False
    lead, spelt = about(head), about(rest.strip())
    return bool(lead) and lead <= spelt


def _gloss(head: str, rest: str, understood: Callable[[str], bool]) -> bool:
    """'Our best people: ABC class A accounts that …': a few words before the colon that name
    no condition of their own, glossing the audience spelt out after it."""
    return (
        len(head.split()) <= GLOSS_WORDS
        and not _WHO.search(head)
        and not understood(head)
        and understood(rest.strip())
    )


# The longest lead before a colon read as a gloss of the audience after it
GLOSS_WORDS = 4


def _is_title(
    lead: str, titles: list[str], understood: Callable[[str], bool], colon: bool = True
) -> bool:
    """'Email brief:', 'Segment for the online preview event:' (but never 'women who:', nor
    'high value segment:', which reads in full as an audience)."""
    head = lead.rstrip().rstrip(":")
    if (colon and not lead.rstrip().endswith(":")) or _WHO.search(head):
        return False
    said = re.sub(r"\([^)]*\)", " ", lead.lower())  # "Haircare cross-sell (SMS):"
    named = any(re.search(rf"\b{re.escape(t)}(?:\b|_)", said) for t in titles)
    return named and not understood(said.strip().rstrip(":"))


def _time_keyed(bullet: str, words: dict[str, Any]) -> bool:
    m = _KEYED.match(bullet.strip())
    return m is not None and m.group("key").strip().lower() in words.get("time_keys", [])


def _condition_of(bullet: str, words: dict[str, Any], notes: list[str]) -> str | None:
    """The bullet as words of a condition; None (with a note) when it is about the send."""
    m = _KEYED.match(bullet.strip())
    if m is None:
        return bullet.strip().rstrip(";,")
    key, value = m.group("key").strip().replace(".", ""), m.group("value").strip().rstrip(";,.")
    reference, dash, named = key.rpartition(" - ")
    if dash and _REFERENCE.match(reference.strip()):
        # "TICKET-2231 - Audience: catalog buyers": the ticket's number, then the key
        notes.append(f"'{reference.strip()}' read as a reference, not a condition")
        key = named.strip()
    lowered = key.lower()
    if lowered in words.get("send_keys", []):
        notes.append(f"'{bullet.strip()}' is about the send, not who is in it")
        return None
    if lowered in words.get("audience_keys", []) or lowered in words.get("time_keys", []):
        return value
    answer = value.lower().rstrip("!")
    if answer in _ANY:
        notes.append(f"'{bullet.strip()}' sets no condition")
        return None
    # "Income: 100-200k; 200k+", "Loyalty tier: none / bronze": either value
    value = re.sub(r"\s*;\s*|\s+/\s+", " or ", value)
    if answer in _YES:
        return key
    if answer in _NO:
        return f"not {key}"
    if answer in ("none", "zero", "0", "nothing"):
        return f"no {key}"  # "Cars: none": none of them
    bound = _BOUND_KEY.match(f"{key}:")
    if bound is not None:
        # "Min orders: 2", "Max tickets: 3": at least (at most) that many of them
        least = "at least" if bound.group("side").lower().startswith("min") else "at most"
        return f"{least} {value} {bound.group('what').strip()}"
    if re.search(r"\bor\b", value) and any(p.strip().lower() in _NONE for p in value.split(" or ")):
        # "Loyalty tier: none / bronze": no tier, or bronze
        said = [
            f"no {key}" if p.strip().lower() in _NONE else f"{key} {p.strip()}"
            for p in value.split(" or ")
        ]
        return " or ".join(said)
    aside = re.search(r"\s*\(([^)]*)\)", key)
    if aside is None:
        return f"{key} {value}"
    # "Category bought (last 12 mo): Beauty": the bracket's time after the value
    when = aside.group(1).strip()
    if re.match(r"\d", when):
        when = f"last {when}"
    if re.match(r"(?:last|past|previous)\b", when):
        when = f"in the {when}"
    return f"{key[: aside.start()]}{key[aside.end() :]} {value} {when}"


def _joined(parts: list[str]) -> str:
    """Bullets as clauses of one sentence; a bullet that starts with a joining word keeps it."""
    out = parts[0] if parts else ""
    for part in parts[1:]:
        first = part.split(maxsplit=1)[0].lower()
        joiner = "" if first in ("and", "but", "or", "with", "without", "who", "that") else "and "
        out = f"{out}, {joiner}{part}"
    return out
