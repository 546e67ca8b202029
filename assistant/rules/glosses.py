"""Asides in brackets that spell out what the words before them mean.

"women on the west coast (CA, OR, WA)", "top value tier (top 10% by 12-mo revenue)", "avg basket
(spend per store ticket)": the bracket restates a catalog term, a named segment or a measure the
request has just used, so it is read once, as the catalog's, and the reading says so. "parents (at
least one dependent)": the bracket defines words the catalog does not know, so it is read in their
place. A bracket that adds something ("Texas (not Austin)", "(only women)") or whose words are not
understood on their own is left in the request as a clause of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.rules.lexicon import Lexicon, phrase_key

_BRACKET = re.compile(r"\s*\(([^()]{1,120})\)")
# Words that make a bracket add to what is before it rather than restate it.
_ADDS = frozenset(
    (
        *("not", "no", "never", "except", "excluding", "exclude", "without", "only", "but"),
        *("also", "plus", "especially", "mainly", "mostly", "besides", "ignoring", "minus"),
    )
)
_NAMED = ("term", "segment_model", "model_alias")
# "win-back candidates: 3+ purchases …", "reactivated customers - bought in the last 90 days …"
_EXPLAINS = re.compile(
    r"\s*(?:they|they'?ve|they'?re|these\s+are|those\s+are|i\.?e\.?|meaning|that\s+is|"
    r"defined\s+as|=|ones?\s+who|people\s+who)\b",
    re.I,
)
_GRADED = re.compile(
    r"\b(high|low|big|heavy|light|large|small)[- ]([a-z]+)\s+([a-z]+)\s*\(([^()]*\d[^()]*)\)",
    re.I,
)
_LABELLED = re.compile(r"^\s*([a-z][\w' ,-]{0,60}?)\s*(?::|\s[-–—]{1,2}\s)\s*(\S.*)$", re.S | re.I)
_LONGEST = 5


@dataclass(frozen=True)
class Gloss:
    said: str  # the words glossed ("west coast")
    aside: str  # the bracket's words ("CA, OR, WA")
    defines: bool = False  # the bracket is read in place of words the catalog does not know
    labels: bool = False  # the words name what follows them ("win-back candidates: …")

    @property
    def note(self) -> str:
        if self.labels:
            return f"'{self.said}' read as the name of what follows it"
        if self.defines:
            return f"'{self.said}' read as '{self.aside}' (as the brackets say)"
        return f"'({self.aside})' read as spelling out what '{self.said}' means"


def unglossed(
    text: str,
    lexicon: Lexicon,
    understood: Callable[[str], bool],
    names_values: Callable[[str], bool],
) -> tuple[str, list[Gloss]]:
    """The request with each bracket that glosses the words before it read once.

    `understood(words)` says whether the bracket's words alone are read in full (a bracket that is
    not is kept, so whatever in it the grammar misses is reported); `names_values(words)` whether
    they name a value (a channel, a category), which a measure's bracket then adds."""
    text, glosses = _graded(text, lexicon)
    out, last = [], 0
    for m in _BRACKET.finditer(text):
        before, aside = text[last : m.start()], m.group(1).strip()
        if _adds(aside) or re.fullmatch(r"e?s", aside):
            continue  # "ticket(s)": a plural, not an aside
        said = _named_before(before, lexicon)
        measured = said is not None and _measured(said, lexicon)
        if measured and (re.search(r"\d", aside) or names_values(aside)):
            # "orders (at least 3)", "avg basket (spend per store ticket)": a number or a value
            # after a measure adds to it
            continue
        if not measured and not understood(aside):
            continue  # (how a measure is worked out may use words of its own: "quantity x price")
        if said is None and _share_said(aside, lexicon, 0):
            # "mostly just logging in (more than half of all their events are logins)"
            said = _share_said(before, lexicon)
        if said is not None:
            out.append(before)
            glosses.append(Gloss(said=said, aside=aside))
        else:
            unknown = _unknown_before(before, lexicon)
            if unknown is None:
                continue
            out.append(f"{before[: unknown.start()]} {aside}")
            glosses.append(Gloss(said=unknown.group(0).strip(), aside=aside, defines=True))
        last = m.end()
    out.append(text[last:])
    return "".join(out), glosses


def _graded(text: str, lexicon: Lexicon) -> tuple[str, list[Gloss]]:
    """'high-LTV custs ($150k+ lifetime)': a grade of a measure with a bracket of a number
    after it says what the grade means, so the number is the measure's ('custs with ltv
    $150k+ lifetime'); the grade's own tier is not read as well."""
    glosses: list[Gloss] = []

    def graded(m: re.Match[str]) -> str:
        measure, who, aside = m.group(2), m.group(3), m.group(4).strip()
        kinds = {k.kind for k in lexicon.phrases.get(phrase_key(measure), [])}
        if "measure" not in kinds or _adds(aside):
            return m.group(0)
        glosses.append(Gloss(said=f"{m.group(1)} {measure}", aside=aside, defines=True))
        return f"{who} with {measure} {aside}"

    return _GRADED.sub(graded, text), glosses


def labelled(
    text: str,
    lexicon: Lexicon,
    defines: Callable[[str, str], bool],
    audience: frozenset[str] = frozenset(),
) -> tuple[str, Gloss | None]:
    """A short label before a colon or a dash, of words the catalog does not know or of a term
    of its, and what the label means after it: the writer's own definition is read in its place
    (the catalog's term would say something else). `defines(label, rest)` says whether the label
    names no property of the customers and the rest makes conditions."""
    m = _LABELLED.match(text)
    if m is None:
        return text, None
    label, rest = m.group(1).strip(), m.group(2)
    words = phrase_key(label)
    if not 0 < len(words) <= 6 or any(w.isdigit() for w in words):
        return text, None
    # A term of the catalog's is the writer's own only when what follows explains it ("gone
    # quiet online: they've …"); "high value segment: no app orders" adds to it.
    unknown = not all(_known(w, lexicon) for w in words) and all(
        _only_filler(w, lexicon) for w in words
    )
    # "slipping store regulars: customers with two or more …" defines the label as well
    # (a named segment model's own rules are what the words after it restate: "RFM Champions:
    # the accounts that paid most recently …")
    modelled = _names_term(words, lexicon, ("segment_model", "model_alias"))
    explains = _EXPLAINS.match(rest) is not None or (not modelled and _who_are(rest, audience))
    named = unknown or (_names_term(words, lexicon) and explains)
    if not named or not defines(label, rest):
        return text, None
    return rest, Gloss(said=label, aside=rest, defines=True, labels=True)


def _who_are(rest: str, audience: frozenset[str]) -> bool:
    """Whether the text starts by saying who the audience is ('customers with …')."""
    m = re.match(
        r"\s*(?:all\s+|any\s+|the\s+)?([a-z]+)\s+(?:who|that|with|whose|which)\b", rest, re.I
    )
    return m is not None and m.group(1).lower() in audience


def _only_filler(word: str, lexicon: Lexicon) -> bool:
    """Whether a label's word says nothing itself: unknown, or a filler ('customers'); 'store
    ops question - …' names the store."""
    kinds = {m.kind for m in lexicon.phrases.get((word,), [])}
    return not kinds or bool(kinds & {"stopword", "conjunction", "ago"})


def _names_term(words: tuple[str, ...], lexicon: Lexicon, kinds: tuple[str, ...] = _NAMED) -> bool:
    return any(
        m.kind in kinds
        for i in range(len(words))
        for n in range(1, min(_LONGEST, len(words) - i) + 1)
        for m in lexicon.phrases.get(words[i : i + n], [])
    )


def _named_before(before: str, lexicon: Lexicon) -> str | None:
    """The catalog term, named segment or measure ('avg basket', 'item spend') the text ends
    with, in its words, else None."""
    words = list(phrase_key(before))
    for n in range(min(_LONGEST, len(words)), 0, -1):
        tail = tuple(words[-n:])
        kinds = {m.kind for m in lexicon.phrases.get(tail, [])}
        if kinds & set(_NAMED):
            return " ".join(tail)
        if n == 1 and "measure" in kinds and len(words) > 1:
            # "avg basket (spend per store ticket)", "their item spend (quantity x unit price)"
            return " ".join(words[-2:])
    return None


def _share_said(text: str, lexicon: Lexicon, within: int = _LONGEST + 1) -> str | None:
    """The words from a share word ('mostly', 'more than half of') to the end of the text, when
    one comes among its last `within` words (0: anywhere), else None."""
    words = list(phrase_key(text))
    start = max(0, len(words) - within) if within else 0
    for i in range(start, len(words)):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            meanings = lexicon.phrases.get(tuple(words[i : i + n]), [])
            if any(m.kind == "share" and m.name != "all" for m in meanings):
                return " ".join(words[i:])
    return None


def _measured(said: str, lexicon: Lexicon) -> bool:
    """Whether the glossed words end in a measure ('item spend') rather than name a term."""
    last = tuple(said.split()[-1:])
    return any(m.kind == "measure" for m in lexicon.phrases.get(last, []))


def _unknown_before(before: str, lexicon: Lexicon) -> re.Match[str] | None:
    """The run of words the lexicon does not know that the text ends with ('parents')."""
    m = re.search(r"(?:\s*\b[A-Za-z][\w'-]*)+\s*$", before)
    if m is None:
        return None
    words = m.group(0).split()
    unknown = 0
    for word in reversed(words):
        if _known(word, lexicon):
            break
        unknown += 1
    if not unknown:
        return None
    return re.search(rf"(?:\s*\b[A-Za-z][\w'-]*){{{unknown}}}\s*$", before)


def _known(word: str, lexicon: Lexicon) -> bool:
    key = phrase_key(word)
    return not key or all(w in lexicon.vocabulary or (w,) in lexicon.phrases for w in key)


def _adds(aside: str) -> bool:
    words = phrase_key(aside)
    return bool(words) and (words[0] in ("and", "or") or any(w in _ADDS for w in words))
