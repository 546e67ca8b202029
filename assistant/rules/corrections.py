"""A request that corrects itself as it goes: "silver members - no wait, bronze - who signed up
this year", "in the past month - make it 2 months - but didn't buy", "over $200 actually $250",
"pro accounts in germany... sorry no, I meant france".

The correction is the words after a marker ("sorry", "no wait", "I mean", "make it", "actually"
before a number) up to the next break in the sentence; what it corrects is before it. A number or
a time replaces the last number or time said before it, in the text; anything else (a value, a
place) replaces what the parse of the words before it says about the same thing, as a follow-up
"bronze instead" would. The rest of the request after the correction is read as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FILLER = r"(?:sorry|oops|whoops|no\s+wait|wait|correction|scratch\s+that|er+m?|um+|uh+|hmm+)"
_SAY = r"(?:i\s+meant?|make\s+(?:it|that)|it\s+should\s+be|should\s+be|change\s+(?:it|that)\s+to)"
# "lifecycle at risk - no, the lapsed ones -": a bare "no," between breaks
_BARE_NO = re.compile(r"(?:[;(–—-]|\s-)\s*no\s*[,:]\s*(?=\S)", re.IGNORECASE)
_MARKERS = (
    # after a break in the sentence: "- no wait, bronze", ", er I mean the whole of Germany"
    re.compile(
        rf"(?:\.{{2,}}|[,;.!(–—-])\s*(?:\b{_FILLER}\b[\s,.!:–—-]*)+(?:no\b[\s,.!–—-]*)?"
        rf"(?:{_SAY}\b[\s,:]*)?(?=\S)",
        re.IGNORECASE,
    ),
    re.compile(rf"(?:\.{{2,}}|[,;(–—-])\s*(?:no\b[\s,]*)?{_SAY}\b[\s,:]*(?=\S)", re.IGNORECASE),
    _BARE_NO,
    # "over $200 actually $250", "90 days, no, 60": a number said again
    re.compile(
        r"(?:(?:[,;(–—-]\s*|\s)(?:actually|or\s+rather|rather)|[,;(–—-]\s*no)\b[\s,]*"
        r"(?=[$£€]?\d)",
        re.IGNORECASE,
    ),
)
# where the correction ends: a break in the sentence or the next clause
_FIX_END = re.compile(
    r"\s*(?:[,;()–—]|\s-\s|\.(?:\s|$))|\s+(?=(?:who|that|which|whose|but)\b)",
    re.IGNORECASE,
)
_UNIT = r"(?:days?|weeks?|months?|years?|quarters?|fortnights?|%|percent)"
_NUMBER = r"(?:[$£€]\s?)?\d[\d,]*(?:\.\d+)?k?\+?"
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|ninety|a|an)"
)
# a correction that is only a number or a time: "2 months", "$250", "60"
_QUANTITY = re.compile(rf"^(?:{_NUMBER}|{_NUMBER_WORDS})(?:\s*{_UNIT})?$", re.IGNORECASE)
_SAID_NUMBER = re.compile(_NUMBER, re.IGNORECASE)
_LEADING_QUANTITY = re.compile(
    rf"{_NUMBER}(?:\s*{_UNIT}(?![a-z]))?|{_NUMBER_WORDS}\s*{_UNIT}(?![a-z])", re.IGNORECASE
)
_SAID_TIME = re.compile(
    rf"(?:\b(?:{_NUMBER}|{_NUMBER_WORDS})\s*)?\b{_UNIT}(?![a-z])", re.IGNORECASE
)


# "the lapsed ones": the value itself
_THE_ONES = re.compile(r"^(?:the|those)\s+(?=\S+(?:\s+\S+)?\s+ones?$)|\s+ones?$", re.IGNORECASE)


# "in the last year, I mean the past 12 months": a time said again replaces the last time
_A_TIME = re.compile(
    r"^(?:(?:in|during|over|within)\s+)?(?:the\s+)?(?:last|past|previous|prior)\s+\S.*$",
    re.IGNORECASE,
)
_A_TIME_SAID = re.compile(
    r"\b(?:(?:in|during|over|within)\s+)?(?:the\s+)?(?:last|past|previous|prior)\s+"
    r"(?:\d+\s+|[a-z]+\s+(?=(?:days|weeks|months|years|quarters)\b))?"
    r"(?:days?|weeks?|months?|years?|quarters?|fortnight)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Correction:
    text: str  # the request with the correction applied in words, or without it
    fix: str | None  # what the words before it get instead ("bronze"); None when applied
    said: str  # the marker and the correction, as said


def found(request: str) -> Correction | None:
    """The request's first self-correction; None when it makes none."""
    keyed = bool(re.search(r"[:=|]|\s[-–—]\s*(?:yes|y)\b", request, re.IGNORECASE))
    for pattern in _MARKERS:
        if keyed and pattern is _BARE_NO:
            continue  # "email opt-in - no, sms opt-in - yes": an answer, not a correction
        for m in pattern.finditer(request):
            before = request[: m.start()].rstrip(" -–—,;:.")
            if not before.strip():
                continue
            quantity = _LEADING_QUANTITY.match(request, m.end())
            end = _FIX_END.search(request, m.end())
            stop = end.start() if end and end.start() > m.end() else len(request)
            if quantity is not None and _QUANTITY.match(quantity.group(0).strip()):
                stop = quantity.end()
            fix = _THE_ONES.sub("", request[m.end() : stop].strip(" .!"))
            after = request[stop:].lstrip(" ,;-–—)")
            if not fix:
                continue
            said = request[m.start() : stop].strip(" ,;-–—")
            applied = _in_words(before, fix)
            if applied is not None:
                return Correction(_joined(applied, after), None, said)
            if _QUANTITY.match(fix):
                continue  # a number with nothing before it to correct
            return Correction(_joined(before, after), fix, said)
    return None


def _in_words(before: str, fix: str) -> str | None:
    """A number or time put in place of the last one said before it."""
    if _A_TIME.match(fix):
        said = list(_A_TIME_SAID.finditer(before))
        if said:
            last = said[-1]
            lead = "" if re.match(r"(?:in|during|over|within)\b", fix, re.IGNORECASE) else "in "
            return before[: last.start()] + lead + fix + before[last.end() :]
    if not _QUANTITY.match(fix):
        return None
    unit = re.search(_UNIT, fix, re.IGNORECASE)
    pattern = _SAID_TIME if unit else _SAID_NUMBER
    said = list(pattern.finditer(before))
    if not said:
        return None
    last = said[-1]
    return before[: last.start()] + fix + before[last.end() :]


def _joined(before: str, after: str) -> str:
    return f"{before.rstrip(' -–—,;:')} {after}".strip()


def all_found(request: str) -> tuple[str, list[str], list[str]]:
    """The request with every correction of a number or time applied, without the other
    corrections; those corrections ("bronze"); and every correction as said."""
    fixes: list[str] = []
    said: list[str] = []
    for _ in range(4):  # a request corrects itself a few times at most
        got = found(request)
        if got is None:
            break
        request = got.text
        said.append(got.said)
        if got.fix is not None:
            fixes.append(got.fix)
    return request, fixes, said
