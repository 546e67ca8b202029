"""Normalising request text: case, contractions, number words, money and percentages.

Lexicon phrases go through the same normalisation, so "one-time buyer" in the catalog and
"One-time buyers" in a request meet as the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Phrases that stand for a number in marketers' writing.
NUMBER_PHRASES = {
    "a couple of": "2", "a couple": "2", "couple of": "2", "a few": "3", "a dozen": "12",
    "a hundred": "one hundred", "a thousand": "one thousand", "once": "1 times", "twice": "2 times",
    "thrice": "3 times", "a single": "1",
}  # fmt: skip
CONTRACTIONS = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "n't": " not",
    "'ve": " have", "'re": " are", "'ll": " will", "'d": " would", "i'm": "i am",
}  # fmt: skip
# Contractions typed without the apostrophe ("havent logged in"); none is also an English word.
_BARE_NOT = re.compile(r"\b(have|has|had|did|do|does|is|are|was|were|could|would|should)nt\b")
_ONE_UNIT_FOR = re.compile(
    r"\b(for|within|over|in|more than|less than|under|at least|at most|longer than)"
    r" an? (year|month|week|day|quarter)\b"
)

# "in their forties", "born in the seventies": decades in words
DECADES = {
    "twenties": "20s", "thirties": "30s", "forties": "40s", "fifties": "50s", "sixties": "60s",
    "seventies": "70s", "eighties": "80s", "nineties": "90s",
}  # fmt: skip
_DECADE_WORD = re.compile(r"\b(?:the\s+)?(" + "|".join(DECADES) + r")\b")
_NUMBER_WORD = "|".join(sorted([*UNITS, *TENS, *SCALES], key=len, reverse=True))
_NUMBER_RUN = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and\s+)?(?:{_NUMBER_WORD}))*\b")
_MONEY = re.compile(r"(?:\$|€|£|usd\s*)\s*(\d[\d,]*(?:\.\d+)?)(?:\s*(k|m)\b)?")
_SUFFIXED = re.compile(r"\b(\d+(?:\.\d+)?)(k|m)\b")
# "sports 12m", "no web order 6m": a bare small number of m is months, unless money is spoken of
# just before it ("revenue over 2m")
_MONTHS_SHORT = re.compile(
    r"(?<![$£€\d.,])\b([1-9]|[1-3]\d)m\b(?!\s*(?:arr|mrr|revenue|sales|spend|dollars|usd|eur|gbp|"
    r"in\s+(?:revenue|sales|spend)|users|customers|accounts|rows|records|views|impressions)\b)"
)
_DURATION_BEFORE = re.compile(
    r"\b(?:longer|shorter|lasting|sessions?|minutes?|mins?)\W+(?:\w+\W+){0,2}$"
)
_MONEY_BEFORE = re.compile(
    r"(?:spen[dt]\w*|revenue|sales|income|earn\w*|worth|paid|pay\w*|budget|billed|value|"
    r"turnover|arr|mrr|profit|\$|£|€|usd|eur|gbp|dollars?)\W+(?:\w+\W+){0,2}$"
)


def _months_unless_money(m: re.Match[str]) -> str:
    said = m.string[: m.start()].lower()
    if _MONEY_BEFORE.search(said) or _DURATION_BEFORE.search(said):
        return m.group(0)
    before = m.string[: m.start()].lower()
    if re.search(r"\b(?:last|past|in|within|for|over|than|least|most|under|every|per)\s+$", before):
        return f"{m.group(1)} months"
    return f"in the last {m.group(1)} months"


_THOUSANDS = re.compile(r"\b(\d{1,3}(?:,\d{3})+)\b")
_ONE_UNIT_AGO = re.compile(r"\ban? (year|month|week|day|quarter|hour)s?\b(?=\s+(?:ago|back)\b)")
# Analysts' shorthand: "recency > 90d", "frequency >= 3", "10+ logins last 30d", "6mo", "2wks".
_SYMBOLS = (
    (">=", " at least "), ("=>", " at least "), ("<=", " at most "), ("=<", " at most "),
    (">", " more than "), ("<", " less than "), ("==", " exactly "), ("=", " exactly "),
)  # fmt: skip
_UNIT_SUFFIX = re.compile(r"\b(\d+)\s*(d|days?|w|wks?|mo|mos|mths?|y|yrs?|h|hrs?)\b")
_UNIT_WORDS = {"d": "days", "w": "weeks", "wk": "weeks", "wks": "weeks", "mo": "months",
               "mos": "months", "mth": "months", "mths": "months", "y": "years", "yr": "years",
               "yrs": "years", "h": "hours", "hr": "hours", "hrs": "hours"}  # fmt: skip
# "last yr", "this qtr", "past mo": a calendar word's shorthand after the word that places it.
_PLACED_UNIT = re.compile(r"\b(last|past|this|previous|prior)\s+(yr|mo|mth|wk|qtr|q)\b(?!-)")
_PLACED_WORDS = {"yr": "year", "mo": "month", "mth": "month", "wk": "week", "qtr": "quarter",
                 "q": "quarter"}  # fmt: skip
# "bought in store in 2001 and not since": a "since" that ends its clause points back.
_BARE_SINCE = re.compile(
    r"\bsince(?=\s*(?:$|[,;.!?]|\b(?:and|but|or|then|thx|thanks|thank\s+you|ty|pls|please|asap|"
    r"cheers)\b))(?!\s*then\b)"
)
_YEAR = r"(?:19|20)\d\d"
_A_YEAR = rf"{_YEAR}|[a-z]+ {_YEAR}"  # "2001", "march 2002"
_BOTH_TIMES = re.compile(rf"\b(in|during)\s+both\s+({_A_YEAR})\s+and\s+({_A_YEAR})\b")
_YEAR_LIST = re.compile(
    rf"\b(in|during)\s+({_YEAR})((?:\s*,\s*{_YEAR})+)\s*,?\s*(?:and|&)\s+({_YEAR})\b"
)
# "2+ catalog orders <365d", "logins < 30 days": things done within that trailing span (a
# recency, "days since last order < 30", is a number of days, left to the comparison).
_WITHIN_SPAN = re.compile(
    r"(?<=[a-z])(?<!day)(?<!\bi)(?<!\bha)(?<!\bwa)s\s*<\s*=?\s*(\d+)\s*"
    r"(d|days?|w|wks?|weeks?|mo|mos|mths?|months?|y|yrs?|years?)\b(?!\s*(?:ago|old))"
)
_BARE_SPAN = re.compile(
    r"(?<!last )(?<!past )(?<!in )(?<!within )(?<!for )(?<!over )(?<!than )(?<!least )"
    r"(?<!most )(?<!under )(?<![\w$.])(\d+)(d|w|wk|wks|mo|mos|mth|mths|y|yr|yrs)\b(?!\s*ago)"
)
# "us" as the pronoun only where a verb of doing business comes before it ("shopped with us",
# "visited us"); elsewhere it may be the country, however it is written ("customers from us").
_BUSINESS = (
    r"(?:shop|shopped|shopping|shops|buy|bought|buying|buys|order|ordered|ordering|orders|"
    r"purchase|purchased|purchasing|purchases|spend|spent|spending|spends|stayed|been|money|"
    r"business|signed up|registered)"
)
_WITH_US = re.compile(rf"\b({_BUSINESS})\s+(?:with|from|at)\s+us\b(?!-)")
# After a verb in the past ("phoned us", "rated us") or a verb of contact in any form ("call us",
# "emails us", "writing us") lowercase "us" is the pronoun: the country is not what one phones.
_CONTACT = "|".join(
    [
        *(
            f"{verb}(?:s|es|ing)?"
            for verb in ("visit", "contact", "join", "email", "e-mail", "call", "phone", "ring",
                         "text", "ping", "reach", "follow", "pay", "tell", "review", "recommend",
                         "refer")
        ),
        # verbs that drop their e before -ing: rate, rating
        *(f"{stem}(?:e|es|ing)" for stem in ("rat", "writ", "leav", "choos", "messag")),
    ]
)  # fmt: skip
_PRONOUN_US = re.compile(
    rf"\b([a-z]+ed|told|wrote|sent|gave|rang|left|paid|chose|met|saw|found|brought|"
    rf"{_CONTACT})\s+us\b(?!-)"
)
_DOLLARS_AFTER = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(?:dollars|bucks|usd|euros?|pounds|quid|eur|gbp)\b"
)


@dataclass(frozen=True)
class Token:
    """A word of the normalised request. `kind` is word, number, money, percent or date."""

    text: str
    kind: str = "word"
    value: float | None = None
    position: int = 0

    @property
    def is_number(self) -> bool:
        return self.kind in ("number", "money", "percent")


def count_said(said: str) -> int | None:
    """A count as said: '90', 'a' / 'an' (one), 'six', 'twenty five'."""
    said = said.lower().strip()
    if said in ("a", "an"):
        return 1
    if said.isdigit():
        return int(said)
    return words_to_number(said)


def words_to_number(run: str) -> int | None:
    """'twenty five' -> 25, 'two hundred' -> 200, 'one thousand five hundred' -> 1500."""
    total, current = 0, 0
    for word in re.split(r"[\s-]+", run.strip()):
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word in SCALES:
            scale = SCALES[word]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
        else:
            return None
    return total + current


_NOT_NEVER = re.compile(
    r"\b(?:not|except(?:\s+for)?|excluding|exclude|leave\s+out|leaving\s+out|without)\s+"
    r"(the ones|those|the people|people|anyone|anybody|customers|accounts|the customers|"
    r"the accounts)\s+(who|that)\s+"
    r"((?:have\s+|has\s+|had\s+)?)(?:never|(?<=have )not|(?<=has )not|(?<=had )not|"
    r"(?:did|do|does)\s+not)\s+"
)
_NOT_WITHOUT = re.compile(
    r"\b(?:not|except(?:\s+for)?|excluding|exclude|leave\s+out|leaving\s+out)\s+"
    r"(the ones|those|the people|people|anyone|anybody|customers|accounts|the customers|"
    r"the accounts)\s+(?:without|with\s+no)\s+(?:an?\s+|any\s+)?"
)
_NOT_THIS_MONTH = re.compile(
    r"\s*[(,]?\s*\b(?:not counting|excluding|not including|leaving out|without)\s+(?:the\s+)?"
    r"(?:current|this|present|ongoing|partial)\s+month\b\s*\)?"
)
_EXCLUDED_TOO = re.compile(
    r"\b(exclude|excluding|leave out|leaving out|except(?: for)?|omit|omitting|minus|but not)\b"
    r"([^.;:!?]*?)\band\s+(?=(?:anyone|anybody|everyone|everybody|those|people|customers|"
    r"accounts|users|shoppers|the ones)\s+(?:who|that|whose|with)\b)"
)
# "in twenty twenty five", "since nineteen ninety": a year said the way it is spoken
_SPOKEN_YEAR = re.compile(
    r"\b(?P<lead>in|since|during|from|before|after|until|through|of|year|by)\s+"
    r"(?P<century>nineteen|twenty)\s+(?P<rest>oh\s+(?:one|two|three|four|five|six|seven|eight|"
    r"nine)|(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|"
    r"(?:" + "|".join(TENS) + r")(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)\b"
    r"(?![\s-](?:one|two|three|four|five|six|seven|eight|nine)\b)"
    r"(?!\s+(?:days?|weeks?|months?|years?|times|orders?|purchases?|items?|dollars)\b)"
)


def _spoken_year(match: re.Match[str]) -> str:
    rest = words_to_number(match.group("rest").removeprefix("oh").strip())
    if rest is None or not 0 < rest < 100:
        return match.group(0)
    century = 1900 if match.group("century") == "nineteen" else 2000
    return f"{match.group('lead')} {century + rest}"


def _number_run(match: re.Match[str]) -> str:
    """A run of number words as digits; 'and' joins parts of one number only after a scale
    ('two hundred and fifty'), else it joins two numbers ('between two and five')."""
    parts = re.split(r"(?<!hundred)(?<!thousand)(?<!million)\s+and\s+", match.group(0))
    return " and ".join(str(words_to_number(p) or p) for p in parts)


def _scaled(number: str, suffix: str | None) -> str:
    value = float(number.replace(",", ""))
    value *= {"k": 1000, "m": 1_000_000}.get(suffix or "", 1)
    return str(int(value)) if value == int(value) else str(value)


# A fraction said in words, as a percentage (comparison.py reads the same table).
FRACTION_PERCENTS = {
    "half": "50",
    "a half": "50",
    "1 half": "50",
    "a third": "33.333333",
    "1 third": "33.333333",
    "2 thirds": "66.666667",
    "a quarter": "25",
    "1 quarter": "25",
    "3 quarters": "75",
    "a fifth": "20",
    "1 fifth": "20",
    "a tenth": "10",
    "1 tenth": "10",
}
# Not "the first half of 2025" (a time); only a share of something of theirs or of all.
_FRACTION_OF = re.compile(
    r"(?<!first )(?<!second )(?<!last )(?<!latter )(?<!back )(?<!front )(?<!other )\b("
    + "|".join(sorted((k.replace(" ", r"\s+") for k in FRACTION_PERCENTS), key=len, reverse=True))
    + r")\s+of\s+(?=(?:their|the|all|them|its|his|her|those|these|everything)\b)"
)


_SCALED_PAIR = re.compile(r"\bbetween (\d+) and (\$)(\d{4,})\b")


def _scaled_pair(m: re.Match[str]) -> str:
    """'between 20 and $40000' (said "twenty and forty thousand"): 20 is $20000 too."""
    low, sign, high = int(m.group(1)), m.group(2), int(m.group(3))
    for scale in (1_000_000, 1000):
        if low < 1000 and high % scale == 0 and low * scale <= high and high // scale < 1000:
            return f"between {sign}{low * scale} and {sign}{high}"
    return m.group(0)


_SENT_BACK = re.compile(
    r"\b(sent|send|sends|sending|took|take|takes|brought|bring|brings|bringing)\s+"
    r"((?:(?:an?|the|some|their|his|her|it|one|stuff|something|anything|items?|orders?|"
    r"products?|purchases?)\s+){1,3})back\b"
)


# "finance ask - …", "marketing request: …": a business function asking (not an industry)
_FUNCTIONS = (
    "finance|marketing|sales|cs|crm|ops|operations|exec|leadership|board|hr|legal|product|"
    "growth|revops|analytics|data|management"
)
_ASKED_BY = re.compile(
    rf"^(?:{_FUNCTIONS})\s+(?:team\s+)?(?:ask|asks|request|question|query|brief)\s*[-:]\s+"
)


_SHARE_OF = {"quartile": 25, "quintile": 20, "decile": 10, "tercile": 33, "half": 50}


# Ways of saying a thing that the grammar reads in one form, rewritten to it in this order
# (pattern, replacement) by `normalize`.
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# the done form of a nominalised doing ("the making of two orders": made two orders)
_DONE = {
    "sending": "sent", "taking": "took", "bringing": "brought", "making": "made",
    "placing": "placed", "buying": "bought", "opening": "opened", "raising": "raised",
    "filing": "filed", "submitting": "submitted", "logging": "logged", "paying": "paid",
    "purchasing": "purchased", "ordering": "ordered", "returning": "returned",
}  # fmt: skip
_MONTH_LIST = _MONTHS.split("|")
# "by whom X was done": the doing is X itself ("the sending back of …" is already "sent back")
_PASSIVE_BLANK = re.compile(r"done|carried out|performed|completed")


def _after_month(word: str, month: str, year: str | None) -> str:
    """'since the end of June 2002': since July 1 2002 (December: January of the next year)."""
    k = _MONTH_LIST.index(month)
    if k == 11:
        nxt = "january 1" + (f" {int(year) + 1}" if year else "")
    else:
        nxt = f"{_MONTH_LIST[k + 1]} 1" + (f" {year}" if year else "")
    return f"{word} {nxt}"


_SAID_OTHERWISE: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # "brought it back to a shop": returned in one
    (
        re.compile(r"\bback\s+to\s+(?:an?|the|one\s+of\s+(?:our|the))\s+(shops?|stores?)\b"),
        "back in store",
    ),
    # "sent a catalog order back", "took the shoes back": the phrasal verb said whole, as the
    # catalogs list it ("sent back a catalog order")
    (
        re.compile(
            r"\b(sent|send|sends|sending|took|take|takes|taking|brought|bring|brings|bringing)\s+"
            r"((?:(?:an?|the|their|one|some|any|\d+|[a-z]+)\s+){0,2}(?:order|orders|item|items|"
            r"purchase|purchases|product|products|stuff|something|anything|things?|it|them))"
            r"\s+back\b"
        ),
        r"\1 back \2",
    ),
    # "started out ordering online and only later began shopping in store": the first one,
    # then the other ('began' / 'started' before a verb in -ing only says when)
    (
        re.compile(r"\b(?:started|starting|began|begun)\s+(?:out\s+|off\s+)?by\s+(?=[a-z]+ing\b)"),
        "first ",
    ),
    (re.compile(r"\b(?:started|starting)\s+(?:out|off)\s+(?=[a-z]+ing\b)"), "first "),
    (
        re.compile(
            r"\b(later|then|since)\s+(?:on\s+)?(?:began|begun|started|starting)\s+(?=[a-z]+ing\b)"
        ),
        r"\1 ",
    ),
    (re.compile(r"\b(?:began|started)\s+(?=[a-z]+ing\b)"), "first "),
    # "exactly one purchase ever, and that purchase was more than 12 months ago": when it was
    # is when their latest one was (a recency, not a count of 12)
    (
        re.compile(
            r"(,\s*(?:and\s+)?|\band\s+)(?:that|this|which)\s+([a-z]+)\s+(?:was|were|happened)\s+"
            r"(?=(?:(?:more|less)\s+than|over|under|at\s+least|at\s+most)\s+[\w\s]{1,20}?\bago\b)"
        ),
        r"\1their last \2 was ",
    ),
    # "whose only order was over a year ago": one of them ever, and that one is the latest
    (
        re.compile(
            r"\bwhose\s+(?:one\s+and\s+)?only\s+(?:one\s+)?([a-z]+?)s?\s+(was|were|happened|came)\b"
        ),
        r"with exactly one \1 ever, whose last \1 \2",
    ),
    # "since the start of July", "since New Year": from that day
    (
        re.compile(
            rf"\b(since|from|after)\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?=(?:{_MONTHS})\b)"
        ),
        r"\1 ",
    ),
    (
        re.compile(
            r"\b(?:since|from)\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+"
            r"(year|month|quarter|week)\b"
        ),
        r"this \1",
    ),
    # "last December", "this past March": the latest one, as a month said alone is
    (
        re.compile(rf"\b(?:last|previous|this\s+past)\s+(?=(?:{_MONTHS})\b(?!\s+(?:19|20)\d\d))"),
        "",
    ),
    # "last December's buyers", "2025's top spenders": the people of that time
    (
        re.compile(
            r"\b((?:last|this|previous|past)\s+(?:year|month|quarter|week|summer|winter|spring|"
            rf"autumn|fall)|{_MONTHS}|(?:19|20)\d\d)'s\s+([a-z]+(?:\s+[a-z]+)?)"
            r"(?=\s+(?:who|that|which|with|in|from|but|and)\b|[,.;]|$)"
        ),
        r"\2 in \1",
    ),
    (
        re.compile(r"\b(since|from|after)\s+(?:the\s+)?new\s+year(?:'s)?(?:\s+day)?\b"),
        r"\1 january 1",
    ),
    # "male 25-44 usa footwear 6mo": a range of two-digit numbers said right after who the
    # people are is their age, not a count of what follows
    (
        re.compile(
            r"\b(males?|females?|men|women|man|woman|guys|ladies|girls|boys|people|adults|"
            r"customers|shoppers)\s+([1-9]\d)\s*(?:-|–|to)\s*([1-9]\d)\b(?!\s*(?:%|k\b|[a-z]*\s*ago\b|"
            r"times\b|orders?\b|purchases?\b|visits?\b|logins?\b|sessions?\b|days?\b|weeks?\b|"
            r"months?\b|employees\b|users\b|seats\b))(?!\s*,?\s*(?:years?\s+old|yo)\b)(?!\s*(?:y/?o|yrs?)\b)"
        ),
        r"\1 aged \2-\3,",
    ),
    # "are not opt in for email", "opt-in to sms": the consent as the catalogs word it
    (re.compile(r"\bopt(?:ed)?[\s-]?in(?:ed)?\s+(?:for|to|into|on|of)\s+"), "opted in to "),
    # "between 1st and 24th December", "from the 1st to the 24th of December": both days
    (
        re.compile(
            r"\b(between|from)\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(and|to|until|till|through|-)\s+"
            rf"(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS})\b"
        ),
        r"\1 \5 \2 \3 \5 \4",
    ),
    # days known by name: "since Christmas Day", "before Valentine's Day"
    (re.compile(r"\bchristmas\s+day\b"), "december 25"),
    (re.compile(r"\bchristmas\s+eve\b"), "december 24"),
    (re.compile(r"\bboxing\s+day\b"), "december 26"),
    (re.compile(r"\bnew\s+year'?s\s+eve\b"), "december 31"),
    (re.compile(r"\bnew\s+year'?s\s+day\b"), "january 1"),
    (re.compile(r"\bvalentine'?s\s+day\b"), "february 14"),
    (re.compile(r"\bhalloween\b"), "october 31"),
    # "the same quarter the year before", "the same period last year": the earlier time, a year
    # back (said so the time parser does not read "last year" as a time of its own)
    (
        re.compile(
            r"\b(?:in\s+|during\s+)?(?:the\s+)?same\s+(?:quarter|month|week|period|time|months|"
            r"weeks|season|window)\s+(?:of\s+)?(?:the\s+year\s+before|the\s+previous\s+year|the\s+prior\s+"
            r"year|last\s+year|a\s+year\s+(?:earlier|before|ago|prior)|one\s+year\s+(?:earlier|"
            r"before|ago)|the\s+year\s+prior)\b"
        ),
        " in the year earlier period",
    ),
    # "online shoppers who redeemed a coupon on their order": the same orders, with one
    (
        re.compile(
            r"\b(?:who|that|and)\s+(?:also\s+)?(?:used|redeemed|applied|had|got|received)\s+"
            r"(an?|any|some)\s+([a-z]+(?:\s+[a-z]+)?)\s+(?:on|in|with|for)\s+(?:their|the|that|those|"
            r"these|each|its|his|her)\s+(?:same\s+)?(?:orders?|purchases?|transaction(?:s)?|baskets?|"
            r"invoices?|bookings?)\b"
        ),
        r"with \1 \2",
    ),
    # "whose returns come to at least a quarter of …", "amount to over $500": the figure is
    # compared, the verb says nothing ("came to us through social" is another 'come to')
    (
        re.compile(
            r"\b(?:come|comes|came|coming|amount|amounts|amounted|amounting)\s+to\s+(?=(?:at\s+"
            r"least|at\s+most|more|less|fewer|over|under|above|below|no\s+more|no\s+less|"
            r"about|roughly|around|half|an?\s+(?:third|quarter|fifth|tenth)|\$|\d)\b|\$)"
        ),
        "",
    ),
    # "gave one of their support tickets a 1 or 2 star rating": one of them is a ticket (the
    # 'one' is no number of the rating)
    (
        re.compile(
            r"(?<!only )(?<!just )(?<!exactly )(?<!least )(?<!most )(?<!than )(?<!but )"
            r"\b(?:one|1)\s+of\s+(?:their|its|his|her)\s+((?:[a-z]+\s+)?[a-z]+?)s\b"
        ),
        r"a \1",
    ),
    # "neither opened nor clicked anything we sent them": what the customer did not do is the
    # thing; that it was sent is no activity of its own
    (
        re.compile(
            r"\b(anything|something|any\s+of\s+(?:them|those|these)|what|messages|emails|campaigns)"
            r"\s+(?:that\s+|which\s+)?we(?:'ve|\s+have|\s+had)?\s+(?:sent|send|emailed|mailed)"
            r"(?:\s+(?:to\s+)?(?:them|him|her|you))?\b"
        ),
        r"\1",
    ),
    # "…, even though at least five of our messages were delivered": a concession is one more
    # condition
    (re.compile(r",?\s*\b(?:even\s+though|although|even\s+if|though)\b"), " and"),
    # "a 1- or 2-star rating", "3- to 5-star": the noun after the second number is the first's
    (
        re.compile(r"\b(\d+)-\s+(or|to|and|through)\s+(\d+)-([a-z]+)\b"),
        r"\1 \2 \3 \4",
    ),
    # "in towns called Lakewood or Red Hill", "from a city named Fairview": the names are the
    # places (the noun only says what kind of place, which the place reader works out)
    (
        re.compile(
            r"\b(in|from|near|around)\s+(?:an?\s+|the\s+|any\s+)?(?:towns?|cit(?:y|ies)|places?|"
            r"villages?|municipalit(?:y|ies))\s+(?:called|named)\s+"
        ),
        r"\1 ",
    ),
    # "did not place a single web order", "place 3 orders": the verb, not 'place' (a town)
    (
        re.compile(
            r"\b(did\s+not|didn'?t|never|not|to|who|that|they|and|or|would|will|could|can|"
            r"does\s+not|doesn'?t|do\s+not|don'?t)\s+place\s+(?=(?:an?|any|one|a\s+single|"
            r"another|more|fewer|their|at\s+least|at\s+most|no|\d+|two|three|four|five|six|"
            r"seven|eight|nine|ten|several|multiple|orders?|purchases?)\b)"
        ),
        r"\1 placed ",
    ),
    # the passive voice and nominalisations: "by whom a purchase was made" (who made a purchase),
    # "with no purchase having been made by them since", "the sending back of two orders"
    (
        re.compile(rf"\b(?:the\s+)?({'|'.join(_DONE)})\s+(back\s+)?of\s+"),
        lambda m: f"{_DONE.get(m.group(1), m.group(1))} {m.group(2) or ''}",
    ),
    (
        re.compile(r"\bby\s+whom\s+(.+?)\s+(?:is|are|was|were)\s+(?:held|had|kept|owned)\b"),
        r"with \1",
    ),
    (
        re.compile(
            r"\bby\s+whom\s+(.+?)\s+(?:was|were|has\s+been|have\s+been|had\s+been|is|are)\s+"
            r"(done|made|placed|carried\s+out|performed|completed|raised|filed|opened|clicked|"
            r"submitted|sent|received|bought|purchased|ordered|returned|used|redeemed)\b"
        ),
        lambda m: f"who {'' if _PASSIVE_BLANK.fullmatch(m.group(2)) else m.group(2)} {m.group(1)}",
    ),
    (
        re.compile(
            r"\bhaving\s+been\s+(?:done|made|placed|carried\s+out|raised|filed|"
            r"opened|submitted|sent|recorded|logged)(?:\s+by\s+(?:them|him|her|it|the\s+\w+))?"
        ),
        "",
    ),
    (
        re.compile(
            r"\bto\s+whom\s+(.+?)\s+(?:is|was|are|were|has\s+been|have\s+been)\s+(?:currently\s+)?"
            r"(?:assigned|given|attached|applied)\b"
        ),
        r"with \1",
    ),
    # "… sent three push notifications in the last 90 days who didn't open any of them": the
    # rows said before, not opened ('who' starts no new person: 'them' are those rows)
    (
        re.compile(
            r"\b(?:and\s+)?(?:who|that)\s+((?:did|do|does|have|has|had)\s+not|never)\s+([a-z]+)\s+"
            r"(?=(?:any|a\s+single\s+one|one|either|a\s+single)\s+of\s+(?:them|those|these)\b)"
        ),
        r"but \1 \2 ",
    ),
    # "at least three orders since July, no more than one of which used a discount": of those
    # orders (the plural noun said before 'of which')
    (
        re.compile(
            r"\b([a-z]+s)\b((?:\s+(?!of\b)[\w-]+){0,6}?)\s*,?\s+((?:no\s+more\s+than|not\s+more\s+than|"
            r"at\s+most|at\s+least|only|exactly|fewer\s+than|less\s+than|more\s+than|over|under)\s+"
            r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)|all|none|most|each)\s+of\s+"
            r"which\s+"
        ),
        r"\1\2 and \3 of those \1 ",
    ),
    # "… in the past year but never left a rating on any of those tickets": those rows are the
    # ones said before, of that time
    (
        re.compile(
            r"\b((?:(?:any|none|all|each|either|every\s+one|one)\s+of|on|for|across|among)\s+"
            r"(?:those|these)\s+[a-z]+)\b"
            r"(?!\s+(?:in|during|over|from|within)\s+(?:that|the\s+same|this)\b)"
        ),
        r"\1 in that period",
    ),
    # "home goods make up more than half of their item spend": a share ('make up' is also
    # 'make-up', a beauty product, split at the hyphen)
    (
        re.compile(
            r"\b(?:make|makes|made|making)\s+up\s+(?=(?:more|less|over|under|at\s+least|at\s+most|"
            r"about|around|nearly|almost|half|most|the\s+(?:majority|bulk|largest|biggest)|a\s+"
            r"(?:majority|third|quarter|fifth)|\d))"
        ),
        "account for ",
    ),
    # "live enterprise logos": 'live' as an adjective is a live subscription ('live' is
    # otherwise where people live, a filler)
    (
        re.compile(
            r"\blive\s+((?:[a-z-]+\s+){0,2}?)(logos?|accounts?|customers?|clients?|subscribers?|"
            r"tenants?|companies|workspaces?)\b"
        ),
        r"\1\2 with a live subscription",
    ),
    # "whose subscription is still active": with an active subscription (its status, not the
    # activity a bare "active" means)
    (
        re.compile(
            r"\bwhose\s+(subscription|subscriptions|account|membership|contract|plan)\s+(?:is|are)\s+"
            r"(?:still\s+|currently\s+)?(active|live|current|cancelled|canceled|paused|suspended)\b"
        ),
        r"with an \2 \1",
    ),
    # "where no login has been recorded": no login
    (
        re.compile(
            r"\b(?:where|for\s+which|for\s+whom)\s+(no|any|an?|\d+|at\s+least\s+\d+)\s+([a-z]+)\s+"
            r"(?:has|have|had|was|were)\s+been\s+(?:recorded|logged|registered|seen|made|tracked|"
            r"captured)\b"
        ),
        r"with \1 \2",
    ),
    (re.compile(r"\b(?:restricted|limited|narrowed)\s+to\s+(?:those|the\s+ones|ones)\b"), "and"),
    # "the top 50 web spenders of 2002, then drop anyone who returned …": all but them
    (
        re.compile(
            r"(?<=[a-z0-9])\s*,?\s+(?:and\s+|but\s+)?(?:then\s+)?(?:drop|remove|exclude|take\s+out|"
            r"filter\s+out|strip\s+out|knock\s+out|throw\s+out|leave\s+out|weed\s+out)\s+"
            r"(?=(?:anyone|anybody|everyone|those|people|customers|the\s+ones|any\s+\w+\s+who)\b)"
        ),
        ", excluding ",
    ),
    (
        re.compile(
            r"\b(?:accounts|accounted|account)\s+for\b(?=\s+(?:(?:at\s+least|more\s+than|over|under|"
            r"less\s+than|at\s+most|about|roughly)\s+)?(?:half|a\s+third|a\s+quarter|the\s+majority|"
            r"most|\d+\s*%))"
        ),
        "makes up",
    ),
    # "catalog orders made up more than half of what they spent": a share of their spend, not
    # a comparison of two figures of theirs
    (
        re.compile(
            r"\b(makes?|made|making)\s+up\s+((?:at\s+least|more\s+than|over|under|less\s+than|"
            r"at\s+most|about|roughly)\s+)?(half|a\s+third|a\s+quarter)\s+of\s+(?=what\b)"
        ),
        lambda m: (
            f"{m.group(1)} up {m.group(2) or ''}"
            f"{FRACTION_PERCENTS[' '.join(m.group(3).split())]}% of "
        ),
    ),
    # "since the end of June 2002": from the first of the month after it
    (
        re.compile(
            rf"\b(since|after|from)\s+the\s+end\s+of\s+({_MONTHS})\b(?:\s+((?:19|20)\d\d))?"
        ),
        lambda m: _after_month(m.group(1), m.group(2), m.group(3)),
    ),
    # "more as 5 orders": more than (said as in German or Spanish)
    (
        re.compile(r"\b(more|less|fewer|older|younger|bigger|higher|lower)\s+as\s+(?=\$?\d)"),
        r"\1 than ",
    ),
    (
        re.compile(
            r"\b(women|men|people|persons|ladies|gentlemen)\s+of\s+(more|less)"
            r"\s+than\s+(\d+)\s+years\b(?!\s+(?:with|as|of\s+membership|since|tenure))"
        ),
        r"\1 aged \2 than \3",
    ),
    # "who opened no email in that period": who have not opened any
    (
        re.compile(
            r"\b(opened|clicked|bought|ordered|purchased|placed|raised|filed|used|received|"
            r"returned|visited|made|paid)\s+no\s+(?!(?:fewer|less|more|later|earlier)\s+than\b)"
            r"(?=[a-z])"
        ),
        r"have not \1 any ",
    ),
    # "opened a mail from us": an email (as said in some languages)
    (re.compile(r"\b(an?|the|our|any|every|no)\s+mail\b(?!\s*-?\s*orders?\b)"), r"\1 email"),
    (re.compile(r"\b(\d+|our|the|any|no)\s+mails\b"), r"\1 emails"),
    # "CSAT: at least one of them rated 1 or 2": a row so rated
    (re.compile(r"\bat\s+least\s+one\s+of\s+them\s+(?:was\s+|being\s+)?(?=rated|scored)"), ""),
    # "in the latest six months", "the most recent 3 months": the last ones
    (
        re.compile(
            r"\b(?:latest|most\s+recent)\s+(?=\d+\s+(?:days|weeks|months|years|quarters)\b)"
        ),
        "last ",
    ),
    # "churned in the september": the month (an article a non-native speaker adds)
    (
        re.compile(rf"\b(in|during|since|from|before|until)\s+the\s+(?=(?:{_MONTHS})\b)"),
        r"\1 ",
    ),
    # "200 <= employees <= 2000": the property between both
    (
        re.compile(r"\b(\d[\d,.]*)\s*<=\s*([a-z][a-z _]*?)\s*<=\s*(\d[\d,.]*)"),
        r"\2 between \1 and \3",
    ),
    (
        re.compile(r"\b(\d[\d,.]*)\s*<\s*([a-z][a-z _]*?)\s*<\s*(\d[\d,.]*)"),
        r"\2 more than \1 and less than \3",
    ),
    # "haven't got any overdue invoices": none of them
    (
        re.compile(
            r"\b(?:have\s*n[o']t|has\s*n[o']t|have\s+not|has\s+not)\s+got\s+(?:any\s+|an?\s+)"
        ),
        "have no ",
    ),
    # "raised a ticket since March but have no overdue invoices": what they have now, not a
    # second thing done in that time
    (re.compile(r"\bbut\s+(?:(?:they|who|that)\s+)?(have|has|having)\s+no\b"), r"and \1 no"),
    # "the mens which are single": the men ('mens' before who/which is no department)
    (re.compile(r"\b(men|women)s(?=\s+(?:which|who|that)\b)"), r"\1"),
    # "top quartile", "the bottom decile": that share
    (
        re.compile(
            r"\b(top|bottom|upper|lower|highest|lowest)\s+(quartile|quintile|decile|tercile|half)\b"
        ),
        lambda m: f"{m.group(1)} {_SHARE_OF[m.group(2)]}%",
    ),
    # "our 2002 in-store buyers": the buyers of that year
    (
        re.compile(
            r"(?<!the )(?<!top )(?<!bottom )(?<!first )(?<!last )\b((?:19|20)\d\d)\s+"
            r"((?:(?![a-z-]*est\b|most\b|top\b)[a-z-]+\s+){0,2}?(?:shoppers|buyers|customers|"
            r"purchasers|spenders|clients|accounts|users|orderers))\b"
        ),
        r"\2 in \1",
    ),
    # "(all categories, all channels)", "(any channel)": a bracket saying nothing is left out
    (
        re.compile(
            r"\s*\((?:\s*(?:across\s+|in\s+|from\s+)?(?:all|any|every)\s+(?:categories|channels|"
            r"products|stores|shops|regions|brands|items|kinds|types|departments|sites|plans)\s*"
            r"(?:,|and|&)?)+\s*\)"
        ),
        "",
    ),
    # "edu packimporto products (either numbered brand)", "(any of them)": a bracket saying the
    # values named before it are all meant, as the list already says
    (
        re.compile(
            r"\s*\(\s*(?:either|any|each|all|both)\s+(?:(?:of\s+(?:them|those|these|the\s+two))|"
            r"(?:[a-z]+\s+)?(?:one|brands?|kinds?|types?|versions?|variants?|labels?|lines?|"
            r"numbers?))\s*\)"
        ),
        "",
    ),
    # "whose most recent purchase, in any channel, was …": the same aside between commas
    (
        re.compile(
            r"\s*,\s*(?:across\s+|in\s+|from\s+|through\s+)?(?:all|any|every)\s+(?:channels?|"
            r"stores?|shops?|regions?|categories|departments|sites)\s*,"
        ),
        "",
    ),
    # "the average 2002 buyer", "2025 shoppers": who bought in that year
    (
        re.compile(r"\b((?:19|20)\d\d)\s+(buyers?|shoppers?|purchasers?|spenders?)\b"),
        r"\2 in \1",
    ),
    # "the company-wide AOV (total revenue divided by total orders)": a bracket defining the
    # ratio just named, which the measure already is
    (
        re.compile(r"\s*\((?:[^()]*\bdivided\s+by\b[^()]*|[^()]*\w\s*/\s*(?:total\s+)?\w[^()]*)\)"),
        "",
    ),
    # "avg basket (spend per store ticket)": the ratio's own words may say which events ('store
    # tickets'), so they stay as the measure's 'per …'
    (
        re.compile(
            r"\s*\(\s*(?:total\s+|the\s+)?(?:spend|revenue|sales|amount|value|money)\s+per\s+"
            r"([^()]*?)\s*\)"
        ),
        r" per \1",
    ),
    # "spent over $500 on a single order": one order of that size, not a sum of them
    (
        re.compile(
            r"\b(?:spent|spend|spends|spending|paid|pay)\s+((?:over|more\s+than|above|at\s+least|"
            r"upwards\s+of|in\s+excess\s+of|under|less\s+than|below)\s+)?(\$?\s?\d[\d,.]*k?)\s+"
            r"(?:on|in|with|for)\s+(?:a\s+single|one\s+single|just\s+one|one|an?)\s+"
            r"((?:[a-z-]+\s+)?(?:order|purchase|transaction|basket|invoice|booking))\b"
        ),
        lambda m: f"with a {m.group(3)} {m.group(1) or 'of at least '}{m.group(2)}",
    ),
    # "total 2002 spend", "their 2025 revenue": the figure of that year
    (
        re.compile(
            r"(?<!the )(?<!top )(?<!bottom )\b((?:19|20)\d\d)\s+(spend|spending|revenue|sales|"
            r"order\s+value|billings?|turnover)\b"
        ),
        r"\2 in \1",
    ),
    # "whose 12-month revenue", "30-day active users": the figure of the last 12 months
    (re.compile(r"\b(?:last|past|trailing)-(?=\d+-(?:day|week|month|quarter|year)\b)"), ""),
    (
        re.compile(
            r"\b(?<!first )(\d+)-(day|week|month|quarter|year)\s+(?!(?:old|period|window|"
            r"span|gap|break|tenure|plan|contract|subscription|trial|mark|anniversary|streak|lag|"
            r"lookback|look-back|rolling)\b)([a-z][a-z-]*)"
        ),
        r"\3 in the last \1 \2s",
    ),
    # "over the trailing 12 months", "TTM revenue": the last 12 months
    (re.compile(r"\btrailing\s+(?=(?:\d+|one|two|three|six|twelve)\b)"), "last "),
    (re.compile(r"\bttm\b"), "last 12 months"),
]


_EXCLUDING_WORD = re.compile(
    r"\b(excluding|excl|except(?:\s+for)?|leaving\s+aside|setting\s+aside|putting\s+aside|minus|"
    r"other\s+than|apart\s+from|aside\s+from|everyone\s+but|anyone\s+but|but\s+not|"
    r"leaving\s+out|leave\s+out|not\s+counting|without\s+counting)\s+"
)
# where a list of excluded things has its next item: a comma, or "and"/"or" before someone
_NEXT_EXCLUDED = re.compile(
    r"\s*,\s*(?:and\s+|or\s+)?(?!and\b|or\b|in\b|during\b|over\b|since\b|from\b|within\b|"
    r"last\b|this\b|who\b|that\b|which\b)|\s+(?:and|or)\s+(?=(?:anyone|anybody|those|people|"
    r"customers|accounts|users|shoppers|buyers|clients|companies|everyone|the\s+ones)\b)"
)


# a few words of values with no clause of their own ("the healthcare and fintech ones")
_BARE_VALUES = re.compile(
    r"(?!.*\b(?:who|that|which|whose|with|without|in|during|since|over|from|last|this)\b)"
    r"(?:[\w'-]+\s+){0,5}[\w'-]+"
)


def excluded_each(text: str) -> str:
    """'leaving aside free-plan accounts, churned ones and anyone who raised an urgent ticket':
    every item of the list after an exclusion word is excluded, each said with the word (read
    as one sentence the later items would be conditions of their own, silently)."""
    m = _EXCLUDING_WORD.search(text)
    if m is None:
        return text
    end = re.search(r"[.;!?]|\s+but\s+(?!not\b)", text[m.end() :])
    stop = m.end() + end.start() if end else len(text)
    tail = text[m.end() : stop]
    if not re.search(r"\b(?:and|or)\b", tail.rsplit(",", 1)[-1]):
        return text  # "excluding test accounts, customers who …": no list, a new clause
    items = [p for p in _NEXT_EXCLUDED.split(tail) if p and p.strip()]
    if len(items) < 2 and _BARE_VALUES.fullmatch(tail.strip()):
        # "everyone but the healthcare and fintech ones": neither value
        items = re.split(r"\s+(?:and|or)\s+", tail.strip())
    if len(items) < 2:
        return text
    word = m.group(1)
    said = f", {word} ".join(item.strip() for item in items)
    return text[: m.end()] + said + text[stop:]


_SNAKE_SPAN = re.compile(r"\b([a-z]+(?:_[a-z]+)*)_(\d+)(d|w|wk|m|mo|mth|y|yr)\b")
_SNAKE_PERIOD = re.compile(
    r"\b([a-z]+(?:_[a-z]+)*)_(last|this|prev|previous)_(qtr|quarter|month|mo|week|wk|year|yr)\b"
)
_SNAKE_ALL = re.compile(r"\b([a-z]+(?:_[a-z]+)*)_(ytd|mtd|ltd|lifetime|ever|all_time|total)\b")
_SNAKE_UNITS = {"d": "days", "w": "weeks", "wk": "weeks", "m": "months", "mo": "months",
                "mth": "months", "y": "years", "yr": "years"}  # fmt: skip
_SNAKE_PERIODS = {"qtr": "quarter", "mo": "month", "wk": "week", "yr": "year"}


def _snake_figures(text: str) -> str:
    """'spend_12m > 1k', 'app_orders_last_qtr >= 1', 'revenue_ytd': an analyst's column-like
    names for a figure over a time, in words ('spend in the last 12 months')."""

    def words(name: str) -> str:
        return name.replace("_", " ")

    text = _SNAKE_SPAN.sub(
        lambda m: f"{words(m.group(1))} in the last {m.group(2)} {_SNAKE_UNITS[m.group(3)]}", text
    )
    text = _SNAKE_PERIOD.sub(
        lambda m: (
            f"{words(m.group(1))} "
            f"{'last' if m.group(2).startswith('prev') else m.group(2)} "
            f"{_SNAKE_PERIODS.get(m.group(3), m.group(3))}"
        ),
        text,
    )
    alltime = ("ltd", "lifetime", "all_time", "total")
    return _SNAKE_ALL.sub(
        lambda m: f"{words(m.group(1))} {'ever' if m.group(2) in alltime else m.group(2)}", text
    )


_TIME_WORDS = (
    r"(?:(?:in|during|over|within)\s+the\s+(?:last|past)\s+\d+\s+(?:days|weeks|months|years)|"
    r"(?:in|during)\s+(?:19|20)\d\d|(?:last|this)\s+(?:week|month|quarter|year))"
)
_TIME_SAID = re.compile(rf"\b{_TIME_WORDS}\b")
_NEITHER_TIMED = re.compile(
    r"\bneither\s+(?P<a>(?:(?!\bnor\b)[^,;])+?)\s+nor\s+(?P<b>(?:(?!\b(?:but|and|who|that)\b)"
    rf"[^,;])+?)\s+(?P<w>{_TIME_WORDS})\b"
)
_SPAN_SAID = re.compile(r"\b(?:last|past|previous|prior)\s+\d+\s+(days|weeks|months|years)\b")
_SPAN_UNSAID = re.compile(
    r"\b((?:last|past|previous|prior)\s+\d+)(?=\s*(?:$|[,.;?!]|\band\b|\bbut\b|\bor\b))"
)


def _unitless_span(text: str) -> str:
    """'… in the last 30 days but not in the last 90': 90 of the unit said before it."""
    out, last = [], 0
    for m in _SPAN_UNSAID.finditer(text):
        said = _SPAN_SAID.findall(text[: m.start()])
        if not said:
            continue
        out += [text[last : m.end()], f" {said[-1]}"]
        last = m.end()
    return "".join(out) + text[last:]


_N_OF_M = re.compile(
    r"\b(\d+)\s+(?:different\s+|distinct\s+)?of\s+(?:our|the|all|all\s+of\s+our|all\s+the|its|"
    r"their)\s+(\d+)\s+(?:different\s+|distinct\s+)?(?=[a-z])"
)


def normalize(text: str) -> str:
    """Lower-case, expand contractions and number words, mark money as `$N` and tidy spacing."""
    # emoji and other pictographs say a mood, never a condition ("… since 🙏 thx")
    text = "".join(" " if unicodedata.category(ch) == "So" else ch for ch in text)
    # "Gen Z + Millennials", "tx + ga": a list
    text = re.sub(r"(?<=[A-Za-z])\s+\+\s+(?=[A-Za-z])", " and ", text)
    # "visited us", "bought from us", "shopped with us": the pronoun, not the country (which
    # is written "US", or "in the us")
    text = _WITH_US.sub(r"\1", text)
    # "accounts with us for more than a year", "members (with us for 2+ years)": been with us
    text = re.sub(
        r"(?<!been )\b(?:(?:who|that)\s+(?:are|is)\s+)?with\s+us\s+(?=for\b)",
        "who have been ",
        text,
        flags=re.I,
    )
    text = _PRONOUN_US.sub(r"\1", text)
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(?<=\d)\s*[–—]\s*(?=\d)", "-", text)  # "aged 35–54": a range
    text = _snake_figures(text)
    # "no one who's churned": nobody (not the number one)
    text = re.sub(r"\bno(?:\s+|-)one\b", "nobody", text)
    # "since mid-July": from the 15th
    text = re.sub(rf"\bmid[\s-]?({_MONTHS})\b", r"\1 15", text)
    for short, full in CONTRACTIONS.items():
        text = text.replace(short, full)
    text = _BARE_NOT.sub(r"\1 not", text)
    # "more then fifty users", "less then 3 orders": the comparison's 'than', misspelt
    text = re.sub(
        r"\b(more|less|fewer|greater|higher|lower|bigger|smaller|older|younger|longer|rather|"
        r"other|better|worse)\s+then\b(?!\s+[a-z]+ed\b)",  # "bought more, then returned"
        r"\1 than",
        text,
    )
    # "an email list of Canadian customers", "a call list for": the deliverable, not a condition
    text = re.sub(
        r"\b(?:an?|the|my|our|one)\s+(?:(?:e-?mail|mailing|sms|text|call|contact|target|audience|"
        r"customer|send|push)\s+)?list\s+(?:of|for|with)\s+",
        "",
        text,
    )
    for pattern, said in _SAID_OTHERWISE:
        text = pattern.sub(said, text)
    # "bought in one of our stores": in our stores (one of them is no count)
    text = re.sub(r"\b(in|at|from|through)\s+one\s+of\s+(our|the|their)\s+", r"\1 \2 ", text)
    # "… and scored it 1 or 2": the same row's rating
    text = re.sub(
        r"\band\s+(?:scored|rated|gave|marked)\s+(?:it|that(?:\s+one)?|them|those)\s+(?:an?\s+)?"
        r"(?=\d)",
        "rated ",
        text,
    )
    # "in the whole of last year", "the entire year": the period itself
    text = re.sub(
        r"\bthe\s+(?:whole|entire|full)\s+(?:of\s+)?(?=(?:last|this|20\d\d|19\d\d)\b)",
        "",
        text,
    )
    # "exactly two orders ever, and both of them placed online": every one of them, so only
    text = re.sub(
        r"\b(?:and\s+)?(?:all|both|each|every\s+one)\s+of\s+(?:them|those)\s+(?:(?:were|was)\s+)?"
        r"(?:(?:placed|made|bought|done|purchased)\s+)?(?=[a-z])",
        "only ever ",
        text,
    )
    # "… - find them", ", pull those for me please": the command, not a pronoun for a thing
    text = re.sub(
        r"\s*[-\u2013\u2014,;:.]?\s*(?:(?:please|pls|can you|could you)\s+)?(?:find|get|pull|list|"
        r"show|give me|grab|fetch)\s+(?:me\s+)?(?:them|those|these)(?:\s+(?:for\s+me|up))?"
        r"(?:\s+(?:please|pls|thanks))?\s*[.!?]?\s*$",
        "",
        text,
    )
    # "… but footwear never has been", "and shoes have not been bought": the passive, negated
    text = re.sub(
        r"\b(but|and)\s+(?!(?:has|have|had|they|we|it|he|she|you|i|who|that|which|there)\b)"
        r"([a-z][a-z&' -]{0,30}?)\s+(?:(?:has|have|had)\s+)?(never|not)\s+"
        r"(?:(?:has|have|had)\s+)?been(?!\s+(?:back|in|to|with|active|seen|around|since)\b)"
        r"(?:\s+(?:bought|purchased|ordered))?\b",
        lambda m: (
            f"{m.group(1)} {'never bought' if m.group(3) == 'never' else 'did not buy'} "
            f"{m.group(2)}"
        ),
        text,
    )
    # "more than 30 users or more than 5000 employees": a second condition, not "30 or more"
    text = re.sub(
        r"(?<=[a-z]) or (?=(?:more|less|fewer) than \$?\d|(?:over|under|at least|at most) \$?\d)",
        " or with ",
        text,
    )
    # "in Williamson County, where the store is, who …": an aside about the place
    text = re.sub(
        r",\s*where\s+(?:the|our|their|its)\s+[a-z ]{1,30}?\s+(?:is|are)(?:\s+located)?\s*(?=,)",
        "",
        text,
    )
    # "the whole of Germany", "all of the UK": the place itself
    text = re.sub(r"\b(?:the\s+)?(?:whole|entire)\s+of\s+(?=[a-z])", "", text)
    # "customers who don't own a car": without one
    text = re.sub(
        r"\b(?:who\s+)?(?:do|does|did)\s+not\s+(?:have|own|possess)\s+(?=(?:an?|any)\s)",
        "without ",
        text,
    )
    # "reported an outage and gave that ticket a poor rating": the same row, said again
    text = re.sub(
        r"\band\s+(?:gave|left|put)\s+(?:(?:that|this|the|the\s+same)\s+[a-z]+|it|them)\s+"
        r"(?=an?\s)",
        "with ",
        text,
    )
    # "a <thing> or a <thing>": one list of things, its second article said again
    text = re.sub(r"\b(an?\s+[a-z-]+)\s+or\s+an?\s+(?=[a-z])", r"\1 or ", text)
    # "either online or from the catalog": 'either' marks the list, the 'or' joins it
    text = re.sub(r"\beither\s+(?=[^,.;!?]*?\bor\b)", "", text)
    # typed shorthand: "w/ bad credit", "w/o kids", "born btwn 1950 and 1960", "a 2-yr degree"
    text = re.sub(r"\bw/o\b", "without", text)
    text = re.sub(r"\btz\b", "time zone", text)
    text = re.sub(r"\bpayed\b", "paid", text)
    text = re.sub(r"\binstore\b", "in store", text)
    text = re.sub(r"\bw/(?=\s|$)", "with", text)
    text = re.sub(r"\b(?:btwn|btw|bw)\b(?=\s+\$?\d)", "between", text)
    text = re.sub(r"(?<![\w/])b/w(?=\s)", "between", text)
    # "six-figure-plus earners", "gold-plus members", "50-plus": that or more
    text = re.sub(r"(?<=[a-z0-9])-plus\b", " or more", text)
    # "100k and up", "$500 and above": that much or more
    text = re.sub(
        r"(\$?\d[\d,.]*\s*k?)\s+(?:and|&)\s+(?:up|upwards|above|higher|over)\b", r"\1 or more", text
    )
    text = re.sub(r"\b(\d+)[- ](?:yr|year)s?[- ](?=degree|college)", r"\1 year ", text)
    # "email opt-in = Y, sms opt-in = N": a yes/no field set to yes (said alone) or no (not)
    end = r"(?=\s*(?:$|[,;.]|\band\b))"
    text = re.sub(rf"\s*(?:==?|:)\s*(?:y|yes|true){end}", "", text)
    text = re.sub(
        rf"(^|[,;]\s*|\band\s+)([a-z][a-z -]*?)\s*(?:==?|:)\s*(?:n|no|false){end}",
        r"\1not \2",
        text,
    )
    # "abc class = a", "loyalty tier != none": a property set to a short value (a class letter)
    # or not set to a value is the property and its value ("exactly" is for numbers)
    text = re.sub(r"\s*(?:!=|<>)\s*(?=['\"]?[a-z])", " not ", text)
    text = re.sub(r"(?<![<>!=])\s*==?\s*(?=['\"]?[a-z]{1,2}['\"]?(?:\s|$|,))", " ", text)
    text = re.sub(r"(?<=[a-z_])==?(?=[a-z])", " ", text)  # "channel=web"
    text = _WITHIN_SPAN.sub(
        lambda m: (
            f"s in the last {m.group(1)} "
            + _UNIT_WORDS.get(m.group(2), m.group(2).rstrip("s") + "s")
        ),
        text,
    )
    for symbol, words in _SYMBOLS:
        text = text.replace(symbol, words)
    # "2+ orders 90d", "0 logins 30d": analysts' shorthand for the trailing period
    text = re.sub(r"\s+", " ", text)
    text = _BARE_SPAN.sub(lambda m: f"in the last {m.group(1)} {_UNIT_WORDS[m.group(2)]}", text)
    text = re.sub(r"\b(\d+)-(mo|mos|mth|mths|wk|wks)\b", r"\1 \2", text)  # "12-mo revenue"
    text = _UNIT_SUFFIX.sub(
        lambda m: f"{m.group(1)} {_UNIT_WORDS.get(m.group(2), m.group(2))}", text
    )
    text = _PLACED_UNIT.sub(lambda m: f"{m.group(1)} {_PLACED_WORDS[m.group(2)]}", text)
    text = re.sub(r"\b(\d+)\s+qtrs?\b", r"\1 quarters", text)
    text = _BARE_SINCE.sub("since then", text)
    # "shopped in both 2001 and 2002": a time for each, as "in 2001 and in 2002"
    text = _BOTH_TIMES.sub(r"\1 \2 and \1 \3", text)
    # "in 2000, 2001 and 2002": the same, for a list of years
    text = _YEAR_LIST.sub(
        lambda m: f"{m.group(1)} " + f" and {m.group(1)} ".join(re.findall(_YEAR, m.group(0))),
        text,
    )
    # "the last 3 months (not counting the current month)": whole months before this one
    text, whole = _NOT_THIS_MONTH.subn("", text)
    if whole:
        text = re.sub(
            r"\b(last|past|previous|prior)\s+(\d+)\s+(?:calendar\s+)?months\b",
            r"\1 \2 full months",
            text,
        )
    # "bought since 3 months", "nothing since half a year" (said the way French and German
    # say 'for'): in the last 3 months
    text = re.sub(r"\bsince\s+half\s+(?:a|an|1)\s+year\b", "in the last 6 months", text)
    text = re.sub(
        r"\bsince\s+(\d+|a|an)\s+(day|week|month|year)s?\b(?!\s+(?:ago|back|before))",
        lambda m: f"in the last {1 if m.group(1) in ('a', 'an') else m.group(1)} {m.group(2)}s",
        text,
    )
    # "… in the last 6 months, but shopped in store during those 6 months": the same period
    text = re.sub(
        r"\b(?:in|during|over|within|for|throughout)\s+(?:those|these|the\s+same|that|this)\s+"
        rf"(?:(?:\d+|{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}))*\s+)?"
        r"(?:days|weeks|months|quarters|years)\b",
        "in that period",
        text,
    )
    # "they've ordered on the web before, but …": at some time up to now ("before that",
    # "before March" say when)
    text = re.sub(
        r"(?<=[a-z])(?<!days)(?<!day)(?<!weeks)(?<!week)(?<!months)(?<!month)(?<!years)"
        r"(?<!year)(?<!quarters)(?<!quarter)(?<!period)(?<!that)(?<!one)(?<!the)"
        r"\s+(?:before|previously|in\s+the\s+past)(?=\s*(?:,|$|\bbut\b))",
        " at any time",
        text,
    )
    # "… and since then have not paid any invoice": not paid since then (the back reference
    # said first is the same as said after)
    text = re.sub(
        r"\b(and|but)\s+since\s+then\s+((?:they\s+)?(?:have|has|had|did|do|does)\s+(?:not|never)"
        r"\s+[^,;]*?)(?=\s*(?:,|;|$|\band\b|\bbut\b))",
        r"\1 \2 since then",
        text,
    )
    # "neither an admin nor a member has logged in": the verb is both's
    text = re.sub(
        r"\bneither\s+((?:an?|the|any|their|our)\s+[a-z]+)\s+nor\s+((?:an?|the|any|their|our)\s+"
        r"[a-z]+)\s+((?:has|have|had|did|does|do|was|were|is|are)\b[^,;]*)",
        r"neither \1 \3 nor \2 \3",
        text,
    )
    # "have neither exported data nor called the API in the last 90 days": the time is both's
    text = _NEITHER_TIMED.sub(
        lambda m: (
            m.group(0)
            if _TIME_SAID.search(m.group("a"))
            else f"neither {m.group('a')} {m.group('w')} nor {m.group('b')} {m.group('w')}"
        ),
        text,
    )
    # "opened an email in the last 30 days but hasn't bought in the last 90": the unit of the
    # span said before
    text = _unitless_span(text)
    # "a promotional campaign that was pushing Apparel": the campaign's own subject
    text = re.sub(
        r"\b(campaigns?|e-?mails?|promotions?|promos?|offers?|newsletters?|messages?|ads?|mailings?)"
        r"\s+(?:that|which)\s+(?:was|were|is|are)\s+(?:pushing|promoting|advertising|featuring|"
        r"selling|plugging|about)\s+",
        r"\1 for ",
        text,
    )
    # "delivery ticket(s)": tickets
    text = re.sub(r"\b([a-z]+)\(s\)", r"\1s", text)
    # "more of 2 children" (said the way French and Spanish say 'more than'): more than 2
    text = re.sub(r"\b(more|less|fewer)\s+of\s+(?=\d)", r"\1 than ", text)
    # "Men in Texas, but not the ones who never ordered online": the ones who did
    text = _NOT_NEVER.sub(r"only \1 \2 \3", text)
    # "everybody, but not the ones without a purchase": the ones with one
    text = _NOT_WITHOUT.sub(r"only \1 with ", text)
    # "clients that have 65 years or more": aged 65 or more
    text = re.sub(
        r"\b(?:have|has|are)\s+(\d{1,3})\s+years(?:\s+old)?\b(?!\s+(?:with|as|of|since|at|ago))",
        r"aged \1",
        text,
    )
    # "in calendar 2002", "calendar year 2002", "CY2002": the year
    text = re.sub(r"\b(?:the\s+)?(?:calendar\s+(?:year\s+)?|cy\s?)((?:19|20)\d\d)\b", r"\1", text)
    # "excluding business accounts and anyone who contacted support": both are left out
    text = _EXCLUDED_TOO.sub(r"\1\2and excluding ", text)
    # "the 90-day window immediately before the last 90 days": the 90 days before them
    text = re.sub(
        r"\b(\d+)[\s-](day|week|month)s?\s+(?:window|period|span|stretch|timeframe)\b",
        r"\1 \2s",
        text,
    )
    text = re.sub(r"\b(?:immediately|just|directly|right)\s+(?=before\b|prior to\b)", "", text)
    # "the past fortnight": two weeks; "spend > 1000 & orders >= 5": and
    text = re.sub(r"\b(?:an?|one)\s+fortnight\b", "2 weeks", text)
    text = re.sub(r"\bfortnights?\b", "2 weeks", text)
    text = re.sub(r"\s&\s", " and ", text)
    text = re.sub(r"\b(a|one) single\b(?! (?:day|week|month|quarter|year)\b)", "a", text)
    text = re.sub(r"(\w)'s\b", r"\1", text)
    for phrase, number in NUMBER_PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", number, text)
    text = _DECADE_WORD.sub(lambda m: m.group(0).replace(m.group(1), DECADES[m.group(1)]), text)
    text = _SPOKEN_YEAR.sub(_spoken_year, text)
    text = _NUMBER_RUN.sub(_number_run, text)
    # "at least eight of our ten departments": eight different ones (ten is how many there are)
    text = _N_OF_M.sub(
        lambda m: f"{m.group(1)} different " if int(m.group(1)) < int(m.group(2)) else m.group(0),
        text,
    )
    # "more than a year ago", "an hour ago": one of the unit
    text = _ONE_UNIT_AGO.sub(r"1 \1", text)
    # "haven't logged in for a week": one of the unit
    text = _ONE_UNIT_FOR.sub(r"\1 1 \2", text)
    text = _MONEY.sub(lambda m: "$" + _scaled(m.group(1), m.group(2)), text)
    text = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), text)
    text = _MONTHS_SHORT.sub(_months_unless_money, text)
    text = _SUFFIXED.sub(lambda m: _scaled(m.group(1), m.group(2)), text)
    text = _DOLLARS_AFTER.sub(lambda m: "$" + _scaled(m.group(1), None), text)
    text = re.sub(r"\be-?mail", "email", text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # e-mail, in-store, non-binary, win-back
    text = re.sub(r"(\d)\s*\+", r"\1 or more", text)  # 3+ purchases
    text = re.sub(r"\b(\d*[1-9])s\b", r"\1", text)  # "under 25s"; decades like "30s" stay
    text = re.sub(r"(\d)\s*(?:percent|pct)\b", r"\1%", text)
    # "finance ask - accounts whose …", "for the finance team": who asks, not who is wanted
    text = _ASKED_BY.sub("", text)
    text = re.sub(rf"\s*\bfor (?:the|our|my) (?:{_FUNCTIONS}) team\b", "", text)
    # "whose most recent payment is more than 60 days old": how long ago the payment was
    text = re.sub(
        r"\b((?:last|latest|most recent)\s+(?:[a-z]+\s+){1,4}?\d+\s+(?:days?|weeks?|months?|"
        r"years?))\s+old\b",
        r"\1 ago",
        text,
    )
    # "sent an order back", "took it back": returned
    text = _SENT_BACK.sub(r"returned \2", text)
    # analysts' "L12M", "L90D", "L4W": the last 12 months, 90 days, 4 weeks
    text = re.sub(
        r"\bl(\d+)([dwmy])\b",
        lambda m: f"in the last {m.group(1)} {_UNIT_WORDS.get(m.group(2), 'months')}",
        text,
    )
    # "half of their 2025 orders": the orders of 2025 ("their orders in 2025")
    text = re.sub(
        r"\b(their|his|her|its)\s+((?:19|20)\d{2})\s+(?!(?:and|or|to|through|until)\b)([a-z]+)",
        r"\1 \3 in \2",
        text,
    )
    # "iphone users w an abandoned cart": "w" before an article is "with"
    text = re.sub(r"\bw\s+(?=(?:a|an|the|no|any|at|more|less|over|under|\d)\b)", "with ", text)
    # "between twenty and forty thousand dollars": the scale is both numbers'
    text = _SCALED_PAIR.sub(_scaled_pair, text)
    # "living in the city of Fairview", "in the state of Texas": the place is the name
    text = re.sub(r"\bthe (?:city|town|village|state|province|county) of (?=[a-z])", "", text)
    # "at least half of their orders", "a third of the users": a share, as a percentage (to
    # six places: the compiler compares shares within a millionth of a percent)
    text = _FRACTION_OF.sub(
        lambda m: f"{FRACTION_PERCENTS[' '.join(m.group(1).split())]}% of ", text
    )
    text = re.sub(r"[()\[\]{}]", " , ", text)  # an aside is a clause of its own
    text = re.sub(r"[!?;:\"]", " ", text)
    text = re.sub(r"(?<!\d)\.(?!\d)|(?<=\d)\.(?!\d)", " ", text)
    text = excluded_each(text)
    return re.sub(r"\s+", " ", text).strip()


_TOKEN = re.compile(
    r"\$\d+(?:\.\d+)?|\d{4}-\d{2}-\d{2}|\d{3}0s\b|\d0s\b|\d+(?:\.\d+)?%|\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?|__t\d+__|[a-z0-9&']+|,"
)


def tokenize(normalized: str) -> list[Token]:
    """Split a normalised request into typed tokens (ranges like 25-34 become n, to, m)."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(normalized):
        piece = match.group(0)
        if piece.startswith("$"):
            tokens.append(Token(piece, "money", float(piece[1:])))
        elif piece.endswith("%"):
            tokens.append(Token(piece, "percent", float(piece[:-1])))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", piece):
            tokens.append(Token(piece, "date"))
        elif re.fullmatch(r"\d+(?:\.\d+)?-\d+(?:\.\d+)?", piece):
            low, high = piece.split("-")
            tokens += [
                Token(low, "number", float(low)),
                Token("to"),
                Token(high, "number", float(high)),
            ]
        elif re.fullmatch(r"\d+(?:\.\d+)?", piece):
            tokens.append(Token(piece, "number", float(piece)))
        elif piece.strip("'"):  # a lone quote is not a word
            tokens.append(Token(piece.strip("'")))
    return [Token(t.text, t.kind, t.value, i) for i, t in enumerate(tokens)]
