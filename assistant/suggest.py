"""Counted choices for a request that names things but no audience.

"The best segment to target for a winter sports campaign" is not a segment, but it names the
Sports category and a season. Instead of the home page's examples, the user gets 2-4 requests
built from those words and the data (Sports buyers last winter, in Sports' own peak months, in
the last 12 months, the best of them), each parsed by the rules grammar, run and counted before
it is offered: a choice that does not parse cleanly or finds nobody is never shown.

The wording lives in the grammar (`suggest:` in schemas/lexicon.yaml): seasons and occasions as
months, and request templates. What is named comes from the catalog through the lexicon; the
peak months from the catalog's purchases and category roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant import roles
from assistant.compiler import compile_spec, sql_literal
from assistant.profile import count_segment
from assistant.rules.lexicon import Lexicon, lexicon_for, phrase_key
from assistant.rules.parser import RequestParser
from assistant.rules.text import normalize
from assistant.spec import ActivityCondition, Condition, SegmentSpec

if TYPE_CHECKING:
    from assistant.catalog import Catalog
    from assistant.executor import Executor

MAX_CHOICES = 4
# Lexicon kinds that name a group of customers or things on their own ("sports", "gold members").
_NAMING = {"value", "segment_model", "model_alias", "term", "band"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


class Choice(BaseModel):
    """A request the user can click, with how many customers it finds and why it is offered."""

    request: str
    count: int
    why: str


@dataclass(frozen=True)
class _Mention:
    """Words of the request that name something, and what they mean on their own."""

    thing: str
    conditions: tuple[Condition, ...]
    category: bool  # a category of what customers buy


@dataclass(frozen=True)
class _Period:
    start: date  # first day of the first month
    months: int
    why: str
    words: str = ""  # the request's words that named it

    @property
    def text(self) -> str:
        last = _add_months(self.start, self.months - 1)
        if last == self.start:
            return f"in {_month_text(self.start)}"
        return f"from {_month_text(self.start)} to {_month_text(last)}"


@dataclass(frozen=True)
class Suggestions:
    choices: list[Choice]
    named: list[str]  # what the request named that the choices are built from ("Sports", "winter")
    reading: str | None = None  # the vague word ("best") the choices are readings of


def choices_for(
    request: str, executor: Executor, as_of: date, catalog: Catalog, *, examples: Iterable[str] = ()
) -> Suggestions:
    """Up to MAX_CHOICES counted requests for `request`: from what it names when it names
    something, else from `examples` (the catalog's, counted the same way)."""
    lexicon = lexicon_for(catalog)
    parser = RequestParser(catalog, lexicon, as_of)
    grammar = lexicon.grammar.get("suggest", {})
    season = _season(request, grammar.get("seasons", {}), as_of)
    # The words of "mother's day" name an occasion, not mothers.
    rest = _without(request, season.words) if season else request
    mentions = _mentions(rest, parser, lexicon)[:2]
    drafts = [
        draft
        for mention in mentions
        for draft in _drafts(mention, season, grammar, executor, as_of, catalog)
    ]
    choices = _counted(drafts, parser, executor, as_of, catalog)
    named = [m.thing for m in mentions] + ([season.words] if season else [])
    if not choices and season is not None:
        templates = grammar.get("season", {})
        purchases = catalog.roles.purchases
        verbs = catalog.events[purchases].verbs if purchases else []
        plural = catalog.entity.plural
        drafts = [
            (templates[key].format(period=season.text, verb=verbs[0], plural=plural), why)
            for key, why in (("buyers", season.why), ("best", "the best of them (RFM champions)"))
            if key in templates and verbs
        ]
        choices, named = _counted(drafts, parser, executor, as_of, catalog), [season.words]
    if not choices:
        word = _said(rest, grammar.get("readings", {}).get("words", []))
        if word is not None:
            drafts = [
                (text.format(plural=catalog.entity.plural), f"one reading of '{word}'")
                for text in grammar["readings"].get("requests", [])
            ]
            choices = _counted(drafts, parser, executor, as_of, catalog)
            if choices:
                return Suggestions(choices, [], reading=word)
    if not choices:
        drafts = [(text, "an example of what you can ask") for text in examples]
        choices, named = _counted(drafts, parser, executor, as_of, catalog), []
    return Suggestions(choices, named)


def counted_readings(
    requests: Iterable[str], executor: Executor, as_of: date, catalog: Catalog
) -> list[Choice]:
    """Readings of one request the backend offers ("Victoria, Australia"), each counted."""
    parser = RequestParser(catalog, lexicon_for(catalog), as_of)
    drafts = [(text, "one reading of the request") for text in requests]
    # the user's own words the reading keeps ("… for a thank-you mailer") are theirs to have
    # said: they are reported with the answer, and do not stop a reading being counted
    return _counted(drafts, parser, executor, as_of, catalog, all_understood=False)


def _said(request: str, phrases: Iterable[str]) -> str | None:
    """The first of `phrases` the request says, as it is written in the grammar."""
    words = f" {' '.join(phrase_key(request))} "
    for phrase in sorted(phrases, key=len, reverse=True):
        if f" {' '.join(phrase_key(phrase))} " in words:
            return phrase
    return None


def _mentions(request: str, parser: RequestParser, lexicon: Lexicon) -> list[_Mention]:
    words = list(phrase_key(request))
    found: list[_Mention] = []
    i = 0
    while i < len(words):
        length, meanings = lexicon.match(words, i)
        if not length:
            i += 1
            continue
        phrase = " ".join(words[i : i + length])
        if {m.kind for m in meanings} & _NAMING:
            mention = _mention(phrase, parser)
            if mention is not None and all(m.thing != mention.thing for m in found):
                found.append(mention)
        i += length
    return found


def _mention(phrase: str, parser: RequestParser) -> _Mention | None:
    parsed = parser.parse(phrase)
    if not parsed.conditions or parsed.unrecognized or parsed.refusal:
        return None
    field = parser.catalog.roles.category
    for condition in parsed.conditions:
        is_activity = isinstance(condition, ActivityCondition)
        values = condition.activity.filters.get(field) if is_activity else None
        if isinstance(values, list) and len(values) == 1:
            return _Mention(str(values[0]), tuple(parsed.conditions), True)
    return _Mention(phrase, tuple(parsed.conditions), False)


def _drafts(
    mention: _Mention,
    season: _Period | None,
    grammar: dict[str, Any],
    executor: Executor,
    as_of: date,
    catalog: Catalog,
) -> list[tuple[str, str]]:
    """(request, why) pairs for one mention, most specific first."""
    if not mention.category:
        templates = grammar.get("other", {})
        return [
            (templates[key].format(thing=mention.thing), why)
            for key, why in (
                ("recent", "bought in the last 3 months"),
                ("best", "the best of them (RFM champions)"),
                ("plain", "all of them"),
            )
            if key in templates
        ]
    templates = grammar.get("category", {})
    periods = [
        (key, period)
        for key, period in (
            ("season", season),
            ("peak", _peak(mention.thing, executor, as_of, catalog)),
        )
        if period is not None and key in templates
    ]
    drafts = [
        (templates[key].format(thing=mention.thing, period=period.text), period.why)
        for key, period in periods
    ]
    for key, why in (
        ("recent", f"bought {mention.thing} in the last 12 months"),
        ("best", "the best of them (RFM champions)"),
        ("lapsed", "a win-back target: no purchase in the last 3 months"),
    ):
        if key in templates:
            drafts.append((templates[key].format(thing=mention.thing), why))
    return drafts


def _season(request: str, seasons: dict[str, list[int]], as_of: date) -> _Period | None:
    """The most recent whole occurrence of a season or occasion the request names."""
    name = _said(request, [name for name, months in seasons.items() if months])
    if name is None:
        return None
    months = seasons[name]
    for years_back in range(3):
        start = date(as_of.year - years_back, months[0], 1)
        if _add_months(start, len(months)) <= _add_months(as_of.replace(day=1), 1):
            said = " ".join(phrase_key(name))
            return _Period(start, len(months), f"the last {normalize(name)}", said)
    return None


def _without(request: str, words: str) -> str:
    return f" {' '.join(phrase_key(request))} ".replace(f" {words} ", " ").strip()


def _peak(category: str, executor: Executor, as_of: date, catalog: Catalog) -> _Period | None:
    """The three consecutive months of the last twelve with the most spend on `category`."""
    rows_sql = roles.category_sql(catalog)
    if rows_sql is None:
        return None
    first = _add_months(as_of.replace(day=1), -11)
    rows = executor.query(
        f"SELECT date_trunc('month', r.ts) AS m, sum(r.amount) FROM ({rows_sql}) AS r "
        f"WHERE r.category = {sql_literal(category)} AND r.ts >= {sql_literal(first)} "
        f"AND r.ts < {sql_literal(as_of + timedelta(days=1))} GROUP BY 1"
    ).rows
    spend = {(m.year, m.month): float(total or 0) for m, total in rows if m is not None}
    if not spend:
        return None
    starts = [_add_months(first, k) for k in range(10)]

    def total(start: date) -> float:
        return sum(spend.get(_ym(_add_months(start, k)), 0.0) for k in range(3))

    best = max(starts, key=lambda start: (total(start), start))
    return _Period(best, 3, f"the three months {category} sells most")


def _counted(
    drafts: list[tuple[str, str]],
    parser: RequestParser,
    executor: Executor,
    as_of: date,
    catalog: Catalog,
    *,
    all_understood: bool = True,
) -> list[Choice]:
    """The drafts that parse (with every word understood, unless told otherwise) and find
    someone, each counted once."""
    choices: list[Choice] = []
    seen: set[str] = set()
    for text, why in drafts:
        if len(choices) == MAX_CHOICES:
            break
        parsed = parser.parse(text)
        if not parsed.conditions or parsed.refusal or (all_understood and parsed.unrecognized):
            continue
        sql = compile_spec(SegmentSpec(conditions=parsed.conditions), as_of, catalog).sql
        if sql in seen:
            continue
        seen.add(sql)
        count, _ = count_segment(executor, sql, catalog)
        if count:
            choices.append(Choice(request=text, count=count, why=why))
    return choices


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _ym(day: date) -> tuple[int, int]:
    return day.year, day.month


def _month_text(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"
