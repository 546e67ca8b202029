"""The rules grammar: a normalised request becomes spec conditions, or says what it missed.

A request is read in four passes:
1. time expressions become window placeholders (`timeparse`);
2. words become items by longest match against the lexicon (misspellings corrected first);
3. items are split into clauses at joining words ("and", "with", "who", "or", "but", ",");
4. each clause becomes conditions: customer attributes, an activity aggregate over a source
   (purchases, campaign events, web sessions, support tickets), a ranking, a named segment or a
   catalog term (whose `means` text is parsed by this same grammar).
Whatever carries meaning but maps to nothing is reported in `unrecognized`, never dropped.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from assistant.catalog import Catalog
from assistant.rules import (
    after_break,
    all_channels,
    birthday_month,
    comparison,
    exceptions,
    first_window,
    from_event,
    same_thing,
    sequence,
    signup_window,
    together,
)
from assistant.rules.bounds import Bound, bound_of, other_bound, times_of
from assistant.rules.clause import ClauseFacts, as_number, one_row_per_event
from assistant.rules.combine import (
    Tagged,
    absorb_into_terms,
    all_of,
    apply_term_overrides,
    dedupe,
    either,
    is_unnarrowed,
    listed,
    negate_condition,
    not_either,
    only_then_never,
    or_values,
    same_column_value,
    share_windows,
    uses_window,
    with_window,
)
from assistant.rules.coverage import NAMED_UNUSED, numbers_of, unaccounted, walk
from assistant.rules.glosses import labelled, unglossed
from assistant.rules.homonyms import Homonym, locates, resolve_homonyms
from assistant.rules.items import Item, coordinate_values, merge_ranges, only_after_verb
from assistant.rules.lexicon import Lexicon, Meaning, phrase_key, singular_word
from assistant.rules.periods import find_every, split_window
from assistant.rules.steps import same_time_said
from assistant.rules.text import Token, normalize, tokenize
from assistant.rules.timeparse import PLAUSIBLE_YEARS, TimeParser
from assistant.rules.vocabulary import UNIT_DAYS, band_bounds, band_satisfies, vocabulary_for
from assistant.spec import (
    Activity,
    ActivityCondition,
    AfterEvent,
    AndGroup,
    AttributeCondition,
    CompareCondition,
    Condition,
    NotGroup,
    OrGroup,
    RankCondition,
    SegmentRef,
    ShareOf,
    field_values,
    property_kind,
)
from assistant.windows import (
    AllTime,
    Before,
    Month,
    Since,
    Window,
    add_months,
    describe,
    resolve,
)

MAX_TERM_DEPTH = 2


def _contradictions(conditions: list[Condition]) -> list[str]:
    """A condition and its own negation side by side ('don't live in Tennessee but bought at
    our Tennessee store', read as living in Tennessee twice): no one can be both, so a word
    was read as the wrong thing; said, never answered with an empty segment."""
    said = []
    for c in conditions:
        inner = c.condition if isinstance(c, NotGroup) else None
        if isinstance(c, AttributeCondition) and c.op == "!=":
            inner = c.model_copy(update={"op": "="})
        if isinstance(c, ActivityCondition) and c.op == "=" and c.value == 0:
            # "used to shop in store but haven't been back in a year", read as both in the year
            some = c.model_copy(update={"op": ">=", "value": 1})
            if some in conditions:
                said.append(
                    f"{c.activity.source.replace('_', ' ')} (both asked for and excluded in the "
                    "same time: one of them names another thing)"
                )
        if inner is not None and inner in conditions:
            what = inner.attribute if isinstance(inner, AttributeCondition) else "a condition"
            value = getattr(inner, "value", "")
            said.append(
                f"{what} {value} (both asked for and excluded: one of them names another thing)"
            )
    return said


_NEXT_WHO = re.compile(r"[\s,]+(?:and|but)\s+(?:who|that)\s+(?:also\s+)?(?:have\s+|has\s+)?")

_COMBINED = re.compile(
    r"\s*,?\s*\b(?:all\s+)?(?:combined|put\s+together|together|added\s+together|in\s+total)\b"
)


def _said(text: str, phrases: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(p)}\b", text) for p in phrases)


def _give(result: ParseResult, given: list[Condition] | None, unused: str) -> None:
    """The conditions a whole-request reading gave, or its words reported as not used."""
    if given is None:
        result.unrecognized.append(unused)
    else:
        result.conditions = given


# Negation words that exclude people rather than deny a doing
_EXCLUDING = frozenset(
    {
        "excluding",
        "exclude",
        "except",
        "minus",
        "leave out",
        "leaving out",
        "leaving aside",
        "leave aside",
        "setting aside",
        "set aside",
        "putting aside",
        "put aside",
        "everyone but",
        "everybody but",
        "anyone but",
        "all but",
        "omit",
        "omitting",
        "other than",
        "apart from",
        "aside from",
    }
)


@dataclass
class ParseResult:
    conditions: list[Condition] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    mentions: set[str] = field(default_factory=set)  # attributes / sources the request names
    refusal: str | None = None
    normalized: str = ""
    unknown_words: list[str] = field(default_factory=list)  # words the lexicon does not know
    # How many conditions there are when every one is a guess (an activity implied by a bare
    # value: "our flagship store"), else 0.
    guesses: int = 0
    # Property names of clauses that made nothing ("customers with a gender who opened an
    # email"): a mention when the request makes nothing at all ("drop the region filter"),
    # else a word no condition uses.
    named_only: list[str] = field(default_factory=list)
    # Names of two rival places that nothing in the request tells apart ("Victoria").
    homonyms: list[Homonym] = field(default_factory=list)
    # A ranking word with no measure or size ("the top accounts in EMEA"): the word.
    unranked: str | None = None
    # Vague words the catalog says to ask about ("our best customers"): the word and readings.
    vague: list[Homonym] = field(default_factory=list)
    # Segment models two of whose labels were said together ("champions and loyal customers").
    either_models: set[str] = field(default_factory=set)

    @property
    def understood(self) -> bool:
        return bool(self.conditions or self.windows or self.mentions)


# words that start a catalog verb phrase but are no verb ("at a store")
_PREPOSITIONS = frozenset({"at", "in", "on", "from", "through", "via", "to", "by", "with", "for"})


class RequestParser:
    """Parses one request against a catalog and lexicon, anchored at the data's as_of date."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon, as_of: date) -> None:
        self.catalog = catalog
        self.lexicon = lexicon
        self.as_of = as_of
        self.times = TimeParser(as_of)
        self.vocab = vocabulary_for(catalog)
        # Properties with unknowns: "not women" must keep customers of unknown gender.
        self.nullable = {
            name
            for (table, column), name in self.vocab.property_of.items()
            if catalog.column(table, column).null_means
        }
        self.roles = catalog.roles
        self._term_sources: dict[str, set[str]] = {}  # see term_sources
        self._time_text: dict[str, str] = {}  # placeholder -> the time's words in the request

    # -- entry point -----------------------------------------------------------------------------

    def parse(self, text: str, *, depth: int = 0, context: set[str] | None = None) -> ParseResult:
        """`context`: activity sources of the segment being refined ("only sms campaigns" after
        "clicked a campaign" names the campaign channel, not a contact preference)."""
        outer = self._time_text  # a catalog term's definition is parsed in the middle of a clause
        unless = exceptions.split(text) if not depth else None
        if unless is not None:
            return self._with_exception(*unless, context)
        text, every = (
            all_channels.taken_out(text, self._made, self.catalog) if not depth else (text, None)
        )
        text, from_first = first_window.taken_out(text) if not depth else (text, None)
        text, birthday = birthday_month.taken_out(text) if not depth else (text, None)
        text, from_signup = signup_window.taken_out(text) if not depth else (text, None)
        text, said_break = after_break.taken_out(text) if not depth else (text, None)
        text, from_anchor = from_event.taken_out(text) if not depth else (text, None)
        if said_break is not None:
            text = self._came_back(text)
        try:
            result = self._unmade_every(self._uncompared(self._parse(text, depth, context)))
        finally:
            self._time_text = outer
        if every is not None:
            result.assumptions.append(f"'{every.words}' = every channel, counted together")
        if from_first is not None:
            # "… in their first 90 days after their first purchase": from that day on
            given = first_window.given(result.conditions, from_first, self._one_activity)
            why = "no single activity to give it to, or no activity it counts from"
            _give(result, given, f"{from_first.words} ({why})")
            if given is not None and from_first.again:
                result.unrecognized = [u for u in result.unrecognized if u != "again"]
        if birthday is not None:
            # "… during their own birthday month": each customer's own month
            known = self.catalog.roles.birthday is not None
            given = birthday_month.given(result.conditions) if known else None
            why = "no single activity to give it to" if known else "this data has no birthday"
            _give(result, given, f"{birthday.words} ({why})")
        if from_signup is not None:
            self._from_signup(result, from_signup)
        if said_break is not None:
            # "… after a break of 90 days": the one activity's rows that follow such a break
            given = after_break.given(result.conditions, said_break)
            _give(result, given, f"{said_break.words} (no single activity to give the break to)")
        if from_anchor is not None:
            # "… and then cancelled within 30 days of raising it": from each anchor row
            given = from_event.given(result.conditions, from_anchor)
            why = "no single activity after another to time"
            _give(result, given, f"{from_anchor.words} ({why})")
            spans = [
                c.after
                for c in walk(given or [])
                if isinstance(c, ActivityCondition) and c.after is not None
                if c.after.which == "each"
            ]
            for after in spans:
                # the span is from any one of the earlier events: the note said their first
                said = self._after_note(after.model_copy(update={"which": "first"}))
                result.assumptions = [
                    self._after_note(after) if a == said else a for a in result.assumptions
                ]
            if spans:
                result.assumptions.append(f"'{from_anchor.words}' = from any one of them")
        if not depth:
            self._reread(result)
            result.conditions = _either_label(result.conditions, result)
            result.unrecognized += _contradictions(result.conditions)
        return result

    def _reread(self, result: ParseResult) -> None:
        """Shapes only the whole request shows: 'toys and groceries in the same order', 'got a
        win-back email but never opened it'."""
        if result.refusal:
            return
        for module in (together, same_thing):
            found = module.reread(result.normalized, result.conditions, self.catalog)
            if found is None:
                continue
            result.conditions = found.conditions
            if found.settles:
                result.unrecognized = [u for u in result.unrecognized if found.settles not in u]
            result.assumptions.append(found.note)

    def _with_exception(self, asked: str, kept: str, context: set[str] | None) -> ParseResult:
        """'… but not the ones on trial unless they have 5 or more users': not on trial, or
        with 5 or more users."""
        result = self.parse(asked, context=context)
        anyway = self.parse(kept, context=context)
        understood = anyway.conditions and not anyway.unknown_words and not anyway.unrecognized
        loosened = (
            exceptions.with_exception(result.conditions, anyway.conditions, asked)
            if understood
            else None
        )
        if loosened is None:
            result.unrecognized.append(f"unless {kept} (no single exclusion it is an exception to)")
            return result
        result.conditions = loosened
        result.assumptions += [a for a in anyway.assumptions if a not in result.assumptions]
        result.assumptions.append(f"'unless {kept}' = kept even when excluded before it")
        return result

    def _from_signup(self, result: ParseResult, said: signup_window.FromSignup) -> None:
        """'… within their first 7 days': the one activity's rows from each customer's signup."""
        given = signup_window.given(result.conditions, said) if self.roles.signup else None
        why = "this data has no signup date" if not self.roles.signup else "no single activity"
        _give(result, given, f"{said.words} ({why} to count it from)")

    def _came_back(self, text: str) -> str:
        """'came back' with no activity said: the catalog's purchases, done again."""
        purchases = self.catalog.roles.purchases
        if purchases is None or not after_break.came_back(text):
            return text
        return after_break.with_purchases(text, self.catalog.events[purchases].noun)

    def _made(self, words: str) -> list[Condition]:
        """The conditions words alone make, when every word of them is understood."""
        alone = self.parse(words, depth=1)
        return [] if alone.unknown_words or alone.unrecognized else alone.conditions

    def _one_activity(self, words: str) -> Activity | None:
        """The one activity words alone name ('purchase', 'catalog order'), or None."""
        alone = self.parse(words, depth=1)
        found = [c for c in walk(alone.conditions) if isinstance(c, ActivityCondition)]
        if len(found) != 1 or alone.unknown_words or alone.unrecognized:
            return None
        return found[0].activity

    def _label_defined(self, label: str, rest: str) -> bool:
        """Whether `label` names nothing about who the customers are and `rest` makes
        conditions of its own: then the rest defines the label."""
        head = self.parse(label, depth=1)
        if any(isinstance(c, AttributeCondition) for c in walk(head.conditions)):
            return False
        made = self.parse(rest, depth=1)
        return bool(made.conditions) and not made.refusal

    def _reads(self, words: str, depth: int) -> bool:
        """Whether words alone make a condition with no word the lexicon does not know."""
        if depth > 0:
            return False
        alone = self.parse(words, depth=depth + 1)
        return bool(alone.conditions) and not alone.unknown_words and not alone.refusal

    def _names_values(self, words: str, depth: int) -> bool:
        """Whether words alone name a value of something ('spend per store ticket': the store)."""
        if depth > 0:
            return True
        alone = self.parse(words, depth=depth + 1)
        members = {m for e in self.catalog.events.values() for m in e.union or []}

        def narrows(c: Condition) -> bool:
            if isinstance(c, AttributeCondition):
                return True
            if not isinstance(c, ActivityCondition):
                return False
            act = c.activity
            event = self.catalog.events[act.source]
            said = {
                k: v
                for k, v in act.filters.items()
                if event.defaults.get(k) != v and not _restates(event.where, v)
            }
            return bool(said or act.predicates) or act.source in members

        return any(narrows(c) for c in walk(alone.conditions))

    def _unmade_every(self, result: ParseResult) -> ParseResult:
        """'gave 5 stars on every ticket they rated': a condition on all of a customer's rows
        that no share condition made is reported, never read as 'at least one'."""
        if result.refusal or not result.normalized:
            return result
        m = self._every_event.search(result.normalized)
        if m is None or any(getattr(c, "measure", "") == "share" for c in walk(result.conditions)):
            return result
        note = f"{m.group(0)} (a condition on every one of them I could not make)"
        if note not in result.unrecognized:
            result.unrecognized.append(note)
        return result

    @property
    def _every_event(self) -> re.Pattern[str]:
        return self.catalog.cached("rules.every_event", _every_pattern)

    def _uncompared(self, result: ParseResult) -> ParseResult:
        """'… whose online spend over that period was lower than what they spent in store':
        a comparison that was said but could not be made is reported, never read as the two
        activities on their own."""
        if result.refusal or not result.normalized:
            return result
        if any(isinstance(c, CompareCondition) for c in walk(result.conditions)):
            return result
        average = _AVERAGE_OF_OTHERS.search(result.normalized)
        if average is not None:
            # "spent more than the average man who bought from us": an average over other
            # customers is no condition the grammar makes
            note = f"{average.group(0)} (a comparison with other customers' average I cannot make)"
            if note not in result.unrecognized:
                result.unrecognized.append(note)
            return result
        found = comparison.split(result.normalized)
        if found is None:
            return result
        note = f"{found.words} (a comparison I could not make from these words)"
        if note not in result.unrecognized:
            result.unrecognized.append(note)
        return result

    def _parse(self, text: str, depth: int, context: set[str] | None) -> ParseResult:
        result = ParseResult()
        refusal = self._refusal(text)
        if refusal:
            result.refusal = refusal
            return result
        labelled_gloss = None
        if depth == 0:
            text, labelled_gloss = labelled(
                text, self.lexicon, self._label_defined, frozenset(self._entity_words())
            )
        text, glosses = unglossed(
            text,
            self.lexicon,
            lambda aside: self._reads(aside, depth),
            lambda aside: self._names_values(aside, depth),
        )
        if labelled_gloss is not None:
            glosses.insert(0, labelled_gloss)
        result.assumptions += [g.note for g in glosses]
        normalized = normalize(text)
        result.normalized = normalized
        normalized = self._respelled(normalized)
        normalized = self._opened_other_rows(normalized)
        normalized = self._rather_than(normalized, result)
        normalized = self._single_activity(normalized)
        normalized = self._shared_noun(normalized)
        normalized = self._verb_around_values(normalized)
        normalized = self._about_one(normalized)
        normalized = self._went_value(normalized)
        normalized = self._actors_who(normalized)
        normalized = self._after_the_event(normalized)
        normalized = same_time_said(normalized, self.times)
        found = comparison.split(normalized)
        if found is not None:
            compared = self._comparison(found, depth, context)
            if compared is not None:
                return compared
        normalized, per = self._rank_groups(normalized)
        if per is not None:
            made = self._parse_ranked_per(normalized, per, depth, context)
            if made is not None:
                return made
        ordered = sequence.split(normalized, self._starts_with_time)
        if ordered is not None:
            made = self._ordered(ordered, depth, context)
            if made is not None:
                return made
        normalized = self._time_typos(normalized, result)
        normalized = self._un_words(normalized, result)
        # "rated every one of those tickets a 4 or a 5": every one of them, a share of all
        normalized = self.catalog.cached("rules.rated_every", _rated_every_pattern).sub(
            r"only ever \1 ", normalized
        )
        normalized = self._year_before_noun(normalized)
        with_placeholders, times = self.times.extract(normalized)
        with_placeholders = self._keep_verb_particles(with_placeholders, times)
        with_placeholders = self._priced_items(with_placeholders)
        # "footwear or apparel but not both": one of them and not the other
        with_placeholders, not_both = re.subn(
            r"[\s,]*\b(?:but|and)\s+not\s+both\b", "", with_placeholders
        )
        with_placeholders, every = find_every(with_placeholders)
        result.unrecognized += self._unmade_structures(with_placeholders, text.lower())
        windows = {t.placeholder: t.window for t in times}
        self._time_text = {t.placeholder: t.text for t in times}
        result.windows = [t.window for t in times]
        skip = frozenset({"term"}) if depth else frozenset()
        items = self._items(tokenize(with_placeholders), windows, result, skip)
        items = coordinate_values(items, lambda a, b: locates(a, b, self.catalog))
        items, result.homonyms = resolve_homonyms(items, self.catalog)
        items = self._agent_ages(items)
        items = self._any_channel_said(items)
        items, coordinated = _labels_of_named_models(items, self._short_label)
        result.either_models |= coordinated
        clauses, joiners = self._continuations(*self._clauses(items))
        tagged: list[Tagged] = []
        previous: set[str] = set(context or ())
        earlier: list[Tagged] = []
        read: list[ClauseFacts] = []
        last_window: Window | None = None
        pending: tuple[Bound, list[str]] | None = None
        for index, clause in enumerate(clauses):
            clause, anchor = self._anchor(clause, previous)
            if anchor is not None:
                anchor = _as_said_before(anchor, earlier)
            if anchor is not None and anchor.activity.source == EARLIER:
                result.unrecognized.append("their last one (no single activity before it)")
                anchor = None
            facts = ClauseFacts.read(clause, self, previous)
            self._time_from_context(facts, last_window, read, result)
            unused = self._unused_window(read[-1], result) if read else None
            if (
                read
                and read[-1].window is not None
                and (not read[-1].has_content() or unused is not None)
                and facts.window is None
                and facts.has_content()
                and not any(
                    isinstance(t.condition, ActivityCondition | RankCondition) for t in tagged
                )
            ):
                # "last month, which accounts used forecasts?", "accounts where last month nobody
                # exported a report": a time with nothing before it to apply to is the next
                # clause's.
                facts.window = read[-1].window
                facts.leading_time = True
                read[-1].window = None
                if unused is not None:
                    # "paying accounts that have in the last 3 months nobody logged in": the
                    # time the clause before could not use is this one's
                    result.unrecognized.remove(unused)
            read.append(facts)
            last_window = facts.window or last_window
            if anchor is None and facts.back_reference == "since_then" and facts.window is None:
                # "left something in their cart this week and haven't purchased since": after
                # their first such event of that time; "haven't bought anything since": after
                # their latest (a purchase between two returns is not one since returning)
                anchor = self._earlier_anchor(earlier, dated=True, latest=facts.negated)
            if anchor is None and facts.back_reference == "afterwards":
                anchor = self._earlier_anchor(earlier, dated=True)
                if anchor is None:
                    result.unrecognized.append(
                        f"{self._back_word(facts)} (no single earlier activity to count from)"
                    )
            if self._times_alone(clause, tagged, result):
                continue
            named = len(result.named_only)
            made = self._clause(facts, result, depth)
            made, pending = self._range_halves(clause, made, earlier, pending, named, result)
            made = self._did_too(clause, made, earlier, result)
            made = self._but_not_the_same(facts, made, earlier, result)
            if anchor is not None:
                made = self._after(made, anchor, result)
            if facts.window is not None and not uses_window(made, facts):
                made = self._dated_statuses(made, facts.window, result)
            if facts.window is not None and not uses_window(made, facts):
                ranked = self._ranking_dated(facts, made, tagged, index, result)
                if ranked is not None:
                    tagged = ranked
                else:
                    made = made + self._window_alone(facts, earlier, result)
            who = self._who_did(facts, made, [t for t in tagged if t.clause == index - 1])
            self._each_did_not(facts, [t for t in tagged if t.clause == index - 1], result)
            if who is not None:
                # "more than 3 admins who logged in last week": that many different admins
                # among the logins
                counted = next(t for t in tagged if t.clause == index - 1).condition
                plural = self.catalog.events[counted.activity.source].plural_noun
                stale = f" read as customers with {plural} of it"
                result.assumptions = [a for a in result.assumptions if not a.endswith(stale)]
                tagged = [t for t in tagged if t.clause != index - 1]
                made = [Tagged(who)]
                if who.field:
                    result.assumptions.append(
                        f"'{_num(who.value)} … who …' = {_num(who.value)} different "
                        f"{who.field.replace('_', ' ')}s among the "
                        f"{self.catalog.events[who.activity.source].plural_noun}"
                    )
            made = self._negated_doers(read, made, tagged, index, result)
            merged = self._same_rows(facts, made, tagged, index, joiners, result)
            if merged is not None:
                made, earlier = [], [merged]
            tagged += [replace(t, clause=index) for t in made]
            previous = set(facts.sources()) or previous
            earlier = made or earlier
        result.guesses = len(tagged) if all(t.guess for t in tagged) else 0
        unions = self.unions
        tagged = share_windows(tagged, read, joiners, result, unions)
        conditions = self._combine(tagged, joiners, result)
        if not_both:
            conditions = self._not_both(conditions, result)
        result.conditions = only_then_never(dedupe(conditions), result)
        for unit, placeholder, words in every:
            self._each_period(unit, windows.get(placeholder), words, result)
        if result.conditions and not depth:
            for span in result.named_only:
                if span not in result.unrecognized:
                    result.unrecognized.append(span)
            result.unrecognized = self._named_and_used(result.unrecognized, result.conditions)
        for window in result.windows:
            result.assumptions.append(resolve(window, self.as_of).label)
        return result

    def _named_and_used(self, spans: list[str], conditions: list[Condition]) -> list[str]:
        """Without the properties reported as named but unused whose table another condition
        reads ('retail customers on a plan with a monthly price of $199': the plan's price is
        the condition on the plan)."""
        tables = set()
        columns = set()  # "loyalty tier not gold": the very column has a condition
        for c in walk(conditions):
            if isinstance(c, AttributeCondition) and (
                at := self.catalog.property_column(c.attribute)
            ):
                tables.add(at[0])
                columns.add((at[0], at[1]))
        tables.discard(self.catalog.entity.table)

        def used(span: str) -> bool:
            if not span.endswith(NAMED_UNUSED):
                return False
            meanings = self.lexicon.phrases.get(phrase_key(span[: -len(NAMED_UNUSED)]), [])
            named = {m.table for m in meanings if m.kind == "column"}
            said = {(m.table, m.column) for m in meanings if m.kind == "column"}
            return bool(named) and (named <= tables or bool(said & columns))

        return [s for s in spans if not used(s)]

    def _after_the_event(self, text: str) -> str:
        """'returned something … but still bought after the return', '… placed an order since
        that ticket': 'after/since the <event>' said of an event named before it is 'after
        that' (after that earlier activity, not from the start of its time)."""
        nouns = {n for e in self.catalog.events.values() for n in (e.noun, e.plural_noun) if n}
        heads = nouns | {n.split()[-1] for n in nouns}
        said = "|".join(re.escape(n) for n in sorted(heads, key=len, reverse=True))
        pattern = rf"\b(?:again\s+)?(?:after|since) (?:the|that|this|those|these|their) ({said})\b"
        for m in reversed(list(re.finditer(pattern, text))):
            noun = m.group(1)
            if re.search(rf"\b{re.escape(noun.split()[-1][:5])}", text[: m.start()]):
                text = text[: m.start()] + "after that" + text[m.end() :]
        return text

    def _rather_than(self, text: str, result: ParseResult) -> str:
        """'mostly buy on the web rather than in store or from the catalog': after a share,
        what it is rather than is the rest of the same activity, already counted by the
        share; said in the assumptions."""
        pattern = r"\s*\b(?:rather than|instead of|as opposed to)\b.*?(?=,|\bwho\b|\band who\b|$)"
        m = re.search(pattern, text)
        if m is None:
            return text  # the common case: no share pattern is built
        words = self.lexicon.grammar.get("share_words", [])
        shares = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        if not shares or not re.search(rf"\b(?:{shares})\b|\d%", text):
            return text
        result.assumptions.append(
            f"'{m.group(0).strip()}' is the rest of the activity the share is out of"
        )
        return (text[: m.start()] + " " + text[m.end() :]).strip()

    @cached_property
    def _year_noun(self) -> re.Pattern[str]:
        nouns = {w for e in self.catalog.events.values() for w in (e.noun, e.plural) if w}
        nouns |= set(self.lexicon.grammar.get("money_verbs", []))
        said = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
        # only after a possessive: "with 2000 purchases" is a count
        return re.compile(
            rf"\b(their|whose|his|her|its|the)\s+((?:19|20)\d\d)\s+({said})\b"
            rf"(?!\s+(?:in|during)\s)"
        )

    def _year_before_noun(self, text: str) -> str:
        """'whose 2002 purchases', 'their 2025 spend': the activity in that year."""
        return self._year_noun.sub(r"\1 \3 in \2", text)

    def _un_words(self, text: str, result: ParseResult) -> str:
        """'unmarried', 'unengaged': a word the lexicon does not know that is 'un' and one it
        does is that word negated."""
        words = text.split()
        for k, word in enumerate(words):
            rest = word[2:]
            if not word.startswith("un") or len(rest) < 4 or word in self.lexicon.vocabulary:
                continue
            if rest.isalpha() and rest in self.lexicon.vocabulary:
                result.assumptions.append(f"read '{word}' as 'not {rest}'")
                words[k] = f"not {rest}"
        return " ".join(words)

    def _time_typos(self, text: str, result: ParseResult) -> str:
        """'shoped online sinse july': a misspelt time word is corrected before the times are
        read (the lexicon's own corrections come after, and do not know time words)."""
        words = text.split()
        for k, word in enumerate(words):
            if len(word) < 3 or not word.isalpha() or word in self.lexicon.vocabulary:
                continue
            if word in _TIME_WORDS:
                continue
            close = difflib.get_close_matches(word, _TIME_WORDS, n=1, cutoff=0.8)
            if close and self._makes_a_time(words, k, close[0]):
                result.assumptions.append(f"read '{word}' as '{close[0]}'")
                words[k] = close[0]
        return " ".join(words)

    def _makes_a_time(self, words: list[str], k: int, better: str) -> bool:
        """Whether word k, read as `better`, becomes part of a time ('sinse july'), not a
        word of its own ('bought pasta' is not 'bought past')."""
        before = " ".join(words[:k])
        after = " ".join(words[k + 1 :])
        marked = " ".join(p for p in (before, f"{better}", after) if p)
        times = self.times.extract(marked)[1]
        return any(re.search(rf"\b{re.escape(better)}\b", t.text) for t in times)

    def _shared_noun(self, text: str) -> str:
        """'a four-year or advanced degree': the noun after an 'or' list is each item's, when
        with it both name values of one column ('4-year degree', 'advanced degree') and the
        first alone names none."""
        tokens = list(re.finditer(r"[\w'$%&+-]+", text))
        words = [t.group(0) for t in tokens]
        for i in range(len(words) - 2, 0, -1):
            if words[i] not in ("or", "and"):
                continue
            for after, noun in ((1, 1), (1, 2), (2, 1)):
                right = words[i + 1 : i + 1 + after + noun]
                columns = self._value_columns(right)
                if len(right) < after + noun or not columns:
                    continue
                tail = right[after:]
                for before in (1, 2):
                    left = words[max(0, i - before) : i]
                    if len(left) < before or self._value_columns(left) & columns:
                        continue
                    if self._value_columns(left + tail) & columns:
                        end = tokens[i - 1].end()
                        return self._shared_noun(f"{text[:end]} {' '.join(tail)}{text[end:]}")
        return text

    def _value_columns(self, words: list[str]) -> set[tuple[str | None, str | None]]:
        key = phrase_key(" ".join(words))
        return {(m.table, m.column) for m in self.lexicon.phrases.get(key, []) if m.kind == "value"}

    def _respelled(self, text: str) -> str:
        """Shorthand and misspellings the grammar lists ('tix', 'pymts') said in full."""
        pattern = self._respelling_pattern
        if pattern is None:
            return text
        spelled = self.lexicon.grammar.get("respellings", {})
        return pattern.sub(lambda m: spelled[m.group(0)], text)

    @property
    def _respelling_pattern(self) -> re.Pattern[str] | None:
        # built once per catalog (a parser is made per request); the lexicon is the catalog's
        return self.catalog.cached("rules.respellings", lambda _c: self._respellings())

    def _respellings(self) -> re.Pattern[str] | None:
        known, vocabulary = self.lexicon.phrases, self.lexicon.vocabulary
        words = sorted(
            (
                w
                for w in self.lexicon.grammar.get("respellings", {})
                # a word the catalog names is its own, unless only as a filler ("custs")
                if not any(m.kind != "stopword" for m in known.get(tuple(w.split()), []))
                and (tuple(w.split()) in known or w not in vocabulary)
            ),
            key=len,
            reverse=True,
        )
        if not words:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")

    def _opened_other_rows(self, text: str) -> str:
        """'opened a delivery ticket': 'opened' names a value of one event (an opened email);
        before the noun of another event's rows it is that row's coming to be, said as 'had'."""
        m = _OPENED.search(text)
        if m is None:
            return text
        own = {x.table for x in self.lexicon.phrases.get((m.group(1),), []) if x.kind == "value"}
        words = m.group(3).split()
        for k, word in enumerate(words):
            tables = {  # the head noun of each event's rows ('ticket' of 'support ticket')
                e.table for e in self.catalog.events.values() if e.table
                and word in (e.noun.split()[-1], e.plural_noun.split()[-1])
            }  # fmt: skip
            if len(tables) == 1 and own and not tables & own:
                said = " ".join(words[: k + 1])
                rest = " ".join(words[k + 1 :])
                return (
                    text[: m.start()] + f"had {m.group(2)} {said} {rest}".rstrip() + text[m.end() :]
                )
        return text

    def _names_a_value(self, word: str) -> bool:
        meanings = self.lexicon.phrases.get((word,), [])
        return any(m.kind == "value" for m in meanings)

    @cached_property
    def _verb_phrases(self) -> tuple[set[str], list[tuple[re.Pattern[str], str]]]:
        """Each event verb said as 'verb a noun' ('raised a ticket', 'submitted a support
        ticket'), as a pattern on the verb and the noun that finds it with other words between
        the article and the noun ('raised a delivery ticket'), and the phrase to say it with."""
        said = {v for e in self.catalog.events.values() for v in e.verbs}
        found: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {}
        for phrase in sorted(said, key=lambda p: (len(p), p)):
            m = re.fullmatch(r"([a-z]+) (?:a|an|the) ((?:[a-z]+ )*)([a-z]+)", phrase)
            if m is None or (m.group(1), m.group(3)) in found or m.group(1) in _PREPOSITIONS:
                continue  # the shortest phrase of a verb and a noun says it
            verb, inner, noun = m.groups()
            pattern = re.compile(rf"\b({verb}) (a|an|the) ((?:[a-z][\w-]* ){{1,2}}?)({noun})\b")
            found[(verb, noun)] = (pattern, inner)
        return said, list(found.values())

    def _verb_around_values(self, text: str) -> str:
        """'raised a delivery ticket': the verb phrase 'raised a ticket' with the words between
        said after it ('raised a ticket for delivery'), where they name what it was about."""
        said, patterns = self._verb_phrases
        for pattern, inner in patterns:
            for m in reversed(list(pattern.finditer(text))):
                verb, det, middle, noun = m.groups()
                whole = f"{verb} {det} {middle}{noun}"
                if whole in said or f"{verb} a {middle}{noun}" in said:
                    continue  # a verb phrase of its own ("raised a support ticket")
                if inner and middle.startswith(inner):
                    middle = middle[len(inner) :]
                if not middle or not all(self._names_a_value(w) for w in middle.split()):
                    continue  # only values of the row move ("a delivery ticket")
                text = (
                    text[: m.start()]
                    + f"{verb} {det} {inner}{noun} for {middle.strip()}"
                    + text[m.end() :]
                )
        return text

    def _about_one(self, text: str) -> str:
        """'phoned support about a return': what it was about is the value said in the plural
        ('returns', a ticket topic), not another activity, when only the plural is a value."""
        is_value = self._names_a_value

        def said(m: re.Match[str]) -> str:
            word = m.group(2)
            for plural in (f"{word}s", f"{word}es"):
                if not is_value(word) and is_value(plural):
                    return f"{m.group(1)} {plural}"
            return m.group(0)

        return re.sub(r"\b(about|regarding|concerning) (?:a|an|the|one) ([a-z]+)\b", said, text)

    def _went_value(self, text: str) -> str:
        """'had an invoice go overdue', 'a ticket that went urgent': the row has that value
        ('go' only says it came to have it)."""

        def said(m: re.Match[str]) -> str:
            return m.group(2) if self._names_a_value(m.group(2)) else m.group(0)

        return re.sub(r"\b(go|goes|went|gone|going|turn|turns|turned)\s+([a-z]+)\b", said, text)

    def _single_activity(self, text: str) -> str:
        """'whose single order came through the app': 'single' before an event's noun is a
        number (one), not a value a customer has (a marital status)."""
        if "single" not in text:
            return text
        return self._single_before_event.sub("exactly 1 ", text)

    def _actors_who(self, text: str) -> str:
        """'where 20 or more different people used the product': a number of the rows other
        events name as who did them (users), then what they did, is that many different ones who
        did it; said as 'N users who …'."""
        found = self.catalog.cached("rules.actor_nouns", _actor_nouns)
        if not found or not re.search(r"\d", text):
            return text
        pattern, plural = found

        def who(m: re.Match[str]) -> str:
            rest = text[m.end() :].split()
            length, meanings = self.lexicon.match(rest, 0) if rest else (0, [])
            if not length or not any(self._done(meaning) for meaning in meanings[:1]):
                return m.group(0)
            return f"{m.group('count')} {plural[m.group('noun')]} who "

        return pattern.sub(who, text)

    def _done(self, meaning: Meaning) -> bool:
        """A verb or measure, or a value of an event's rows ('logged in'): something done."""
        if meaning.kind in ("verb", "measure"):
            return True
        return meaning.kind == "value" and not self.vocab.is_property(meaning.table, meaning.column)

    @property
    def _single_before_event(self) -> re.Pattern[str]:
        return self.catalog.cached("rules.single_before_event", _single_pattern)

    def _rank_groups(self, text: str) -> tuple[str, tuple[str, str] | None]:
        """'the top 5 spenders in each country': (the request without 'in each country', (the
        property, the words)) when a ranking is said and the words name a customer property."""
        if not re.search(r"\b(?:top|bottom|best|biggest|highest|lowest|largest)\b", text):
            return text, None
        m = _PER_GROUP.search(text)
        if m is None:
            return text, None
        said = m.group("what").split()
        # "in each <adjective> state": one word that names a value may stand before the
        # group's name; it stays in the request, as a condition of its own
        for skip in (0, 1):
            for size in (2, 1):  # "each sales region" before "each sales"
                if len(said) < skip + size:
                    continue
                name = self._property_named(" ".join(said[skip : skip + size]))
                if name is None or (skip and not self._names_a_value(said[0])):
                    continue
                end = m.start("what") + len(" ".join(said[: skip + size]))
                kept = " ".join(said[:skip])
                rest = re.sub(r"\s+", " ", (text[: m.start()] + f" {kept} " + text[end:]).strip())
                return rest, (name, text[m.start() : end].strip())
        return text, None

    def _entity_words(self) -> set[str]:
        """The catalog's own nouns for its customers ('account', 'accounts', 'companies')."""
        entity = self.catalog.entity
        synonyms = self.catalog.tables[entity.table].synonyms
        return {w.lower() for w in (entity.noun, entity.plural, *synonyms)}

    def _property_named(self, words: str) -> str | None:
        """The customer property the words name as a whole ('country', 'sales region')."""
        items = self._items(tokenize(words), {}, ParseResult(), frozenset({"term"}))
        if len(items) != 1:
            return None
        for meaning in items[0].meanings:
            if meaning.kind == "column" and meaning.table and meaning.column:
                name = self.vocab.property_name(meaning.table, meaning.column)
                if name is not None:
                    return name
        return None

    def _parse_ranked_per(
        self, text: str, per: tuple[str, str], depth: int, context: set[str] | None
    ) -> ParseResult | None:
        """The request read without its 'in each X', then its ranking made per X."""
        result = self.parse(text, depth=depth, context=context)
        ranks = [c for c in result.conditions if isinstance(c, RankCondition)]
        if len(ranks) != 1:
            return None
        name, words = per
        result.conditions = [
            c.model_copy(update={"per": name}) if c is ranks[0] else c for c in result.conditions
        ]
        result.mentions.add(f"attribute:{name}")
        result.assumptions.append(f"'{words}': ranked within each {name.replace('_', ' ')}")
        return result

    def _starts_with_time(self, words: str) -> bool:
        return self.times.extract(words)[0].lstrip().startswith("__t")

    def _ordered(
        self, found: sequence.Ordered, depth: int, context: set[str] | None
    ) -> ParseResult | None:
        """'churned last quarter after raising a billing ticket': the activity before 'after'
        counts only its rows after the customer's first such ticket (None: not two activities
        this can order, and the request is read as it stands)."""
        result = self.parse(found.first, depth=depth, context=context)
        other = self.parse(found.other, depth=depth, context=context)
        if result.refusal or other.unrecognized or len(other.conditions) != 1:
            return None
        anchor_of = other.conditions[0]
        if not isinstance(anchor_of, ActivityCondition) or anchor_of.op not in (">=", ">"):
            return None
        counted = self._counted_before(result, anchor_of, found)
        if counted is not None:
            return counted
        which = "first" if found.side == "after" else "last"
        span = sequence.span_length(found.span)
        anchor = AfterEvent(
            activity=anchor_of.activity,
            which=which,  # type: ignore[arg-type]
            side=found.side,  # type: ignore[arg-type]
            window=anchor_of.window,
            within=span,
        )
        conditions = list(result.conditions)
        for k in reversed(range(len(conditions))):
            c = conditions[k]
            if isinstance(c, ActivityCondition) and c.measure == "count" and c.after is None:
                if c.activity == anchor.activity:
                    return None
                conditions[k] = c.model_copy(update={"after": anchor})
                break
        else:
            return None
        result.conditions = conditions
        result.unrecognized = [u for u in result.unrecognized if not u.startswith(found.side)]
        if found.span and span is None:
            result.unrecognized.append(
                f"{found.span} {found.side} … (a time counted from each customer's own event "
                "is not a condition I can make; any time is used)"
            )
        noun = self.catalog.events[anchor.activity.source].noun
        result.assumptions.append(
            f"'{found.side} …' = {found.side} each customer's own {which} {noun} of that kind "
            "(their time, not a calendar date)"
        )
        result.assumptions += [a for a in other.assumptions if a not in result.assumptions]
        return result

    def _counted_before(
        self, result: ParseResult, other: ActivityCondition, found: sequence.Ordered
    ) -> ParseResult | None:
        """'churned in the last 6 months after having paid at least 6 invoices': a number of the
        other activity is how many of it came by the time of the first one (their own first
        such event, in its time), not just one before it."""
        if found.side != "after" or other.measure != "count" or other.value < 2 or found.span:
            return None
        events = [
            c
            for c in result.conditions
            if isinstance(c, ActivityCondition) and c.measure == "count"
        ]
        if len(events) != 1 or events[0].after is not None or events[0].op not in (">=", ">"):
            return None
        if events[0].activity == other.activity:
            return None
        by = AfterEvent(
            activity=events[0].activity, which="first", side="by", window=events[0].window
        )
        result.conditions = [
            *result.conditions,
            other.model_copy(update={"after": by, "window": AllTime()}),
        ]
        result.unrecognized = [u for u in result.unrecognized if not u.startswith(found.side)]
        noun = self.catalog.events[events[0].activity.source].noun
        result.assumptions.append(
            f"'after having …' = that many by each customer's own first {noun} (their time)"
        )
        return result

    def _compared_with_property(
        self, left: ParseResult, found: comparison.Split
    ) -> tuple[list[Condition], CompareCondition] | None:
        """'accounts with more users than their plan includes': the right side names one
        numeric customer property and no condition; the left side's own activity is compared
        with it."""
        acts = [c for c in left.conditions if isinstance(c, ActivityCondition)]
        if len(acts) != 1 or acts[0].after is not None or acts[0].measure not in ("count", "sum"):
            return None
        for text in (*found.shorter, found.right):
            right = self.parse(text, depth=1)
            # "starter accounts … than their plan includes": what both sides say (starter) is
            # shared; the right side's own words name the one property
            named = [
                m.split(":", 1)[1]
                for m in right.mentions - left.mentions
                if m.startswith("attribute:")
            ]
            own = [  # "… than their plan includes": the property named, not a condition on it
                c
                for c in right.conditions
                if not (isinstance(c, AttributeCondition) and c.op == "not_null")
            ]
            if any(c not in left.conditions for c in own) or len(named) != 1:
                continue
            if property_kind(self.catalog, named[0])[0] != "number":
                continue
            side = comparison.side_of(acts[0], acts[0].window)
            try:
                made = CompareCondition(
                    left=side,
                    op=found.op,  # type: ignore[arg-type]
                    right_property=named[0],
                    factor=found.factor,
                )
            except ValueError:
                return None
            shared = [c for c in left.conditions if c is not acts[0]]
            return shared, made
        return None

    def _comparison(
        self, found: comparison.Split, depth: int, context: set[str] | None
    ) -> ParseResult | None:
        """'spent more on the web than in store': each side read as a request of its own, then
        one comparison of the activity each adds (None: not a comparison this can make, and
        the request is read as it stands, which says so)."""
        left = self.parse(found.left, depth=depth, context=context)
        if left.refusal or left.homonyms:
            return None
        if found.average is not None:
            return self._compared_with_average(left, found, depth, context)
        for text in (*found.shorter, found.right):
            right = self.parse(text, depth=depth, context=context)
            if right.refusal or right.homonyms or set(right.unrecognized) - set(left.unrecognized):
                continue
            made = comparison.compare(
                left.conditions, right.conditions, found, self.as_of, right.windows
            )
            if made is not None:
                break
        else:
            rest = self._more_than_the_rest(left, found, depth, context)
            if rest is not None:
                return rest
            made = self._compared_with_property(left, found)
            if made is None:
                return self._compared_after_a_clause(found, depth, context)
            right = ParseResult()
        shared, compared = made
        compared = self._both_money(compared, found)
        shared = [self._same_money(c, compared, found) for c in shared]
        if (
            found.words.endswith("of …")
            and compared.right is not None
            and compared.op in (">", ">=")
        ):
            # "returned more than 20% of what they spent": a part of nothing is no part, so
            # only customers with some of the right side's activity
            base = ActivityCondition(activity=compared.right.activity, window=compared.right.window)
            if base not in shared:
                shared.append(base)
            noun = self.catalog.events[base.activity.source].noun
            left.assumptions.append(
                f"only {self.catalog.entity.plural} with at least one {noun}: a part of nothing "
                "is no part"
            )
        result = left
        result.conditions = [*shared, compared]
        result.unrecognized = list(dict.fromkeys([*left.unrecognized, *right.unrecognized]))
        result.assumptions = list(dict.fromkeys([*left.assumptions, *right.assumptions]))
        result.windows = [*left.windows, *(w for w in right.windows if w not in left.windows)]
        result.mentions |= right.mentions
        result.unknown_words = list(dict.fromkeys([*left.unknown_words, *right.unknown_words]))
        result.assumptions.append(
            f"'{found.words}' compares each customer's own figures on the two sides"
        )
        if found.relative is not None and compared.right is None:
            result.unrecognized.append(f"{found.words} (a time for a property: not used)")
        if found.relative is not None and compared.right is not None:
            window = compared.right.window
            result.assumptions.append(resolve(window, self.as_of).label)
        return result

    def _compared_after_a_clause(
        self, found: comparison.Split, depth: int, context: set[str] | None
    ) -> ParseResult | None:
        """'customers who bought in all three channels and who spent more on the web than in
        stores': the clause before the comparison is read on its own (its store purchases
        would otherwise be the right side's, leaving that side nothing of its own)."""
        common = os.path.commonprefix([found.left, found.right])
        joins = list(_NEXT_WHO.finditer(common))
        if not joins or depth:
            return None
        cut = joins[-1]
        head = common[: cut.start()].strip(" ,")
        who = re.match(r"^(.*?\b(?:who|that)\b)", head)
        if who is None:
            return None
        lead = who.group(1)
        inner = replace(
            found,
            left=f"{lead} {found.left[cut.end() :]}",
            right=f"{lead} {found.right[cut.end() :]}",
            shorter=(),
        )
        compared = self._comparison(inner, depth, context)
        before = self.parse(head, depth=depth, context=context)
        if compared is None or before.unrecognized or before.unknown_words:
            return None
        compared.conditions = [*before.conditions, *compared.conditions]
        compared.assumptions = list(dict.fromkeys([*before.assumptions, *compared.assumptions]))
        return compared

    def _more_than_the_rest(
        self, left: ParseResult, found: comparison.Split, depth: int, context: set[str] | None
    ) -> ParseResult | None:
        """'more catalog orders than web orders and store tickets combined': one channel more
        than all the others together, which is more than half of all of them (the share of
        the all-channel event that is that channel's)."""
        if found.factor != 1 or found.op != ">" or not _COMBINED.search(found.right):
            return None
        right = self.parse(_COMBINED.sub("", found.right), depth=depth, context=context)
        if right.unrecognized or right.unknown_words:
            return None
        mine = [c for c in left.conditions if c not in right.conditions]
        theirs = [c for c in right.conditions if c not in left.conditions]
        acts = [c for c in mine + theirs if isinstance(c, ActivityCondition)]
        if len(mine) != 1 or len(theirs) < 2 or len(acts) != len(mine) + len(theirs):
            return None
        if any(
            c.activity.filters or c.activity.predicates or not comparison._plain(c) for c in acts
        ):
            return None
        sources = [c.activity.source for c in acts]
        union = next(
            (n for n, e in self.catalog.events.items() if sorted(e.union or []) == sorted(sources)),
            None,
        )
        windows = {c.window for c in acts}
        if union is None or len(windows) != 1:
            return None
        (one,) = mine
        money = one.measure == "sum"
        amount = self.catalog.events[union].amount
        share = ActivityCondition(
            activity=Activity(source=union),
            measure="share",
            field=amount if money else None,
            share_of=ShareOf(member=one.activity.source),
            window=one.window,
            op=">",
            value=50,
        )
        shared = [c for c in left.conditions if c in right.conditions]
        result = left
        result.conditions = [*shared, share]
        result.assumptions = list(dict.fromkeys([*left.assumptions, *right.assumptions]))
        name = self.catalog.events[one.activity.source].plural_noun
        result.assumptions.append(
            f"more {name} than all the others combined = more than half of their "
            f"{self.catalog.events[union].plural_noun}" + (" (by spend)" if money else "")
        )
        return result

    def _same_money(
        self, other: Condition, compared: CompareCondition, found: comparison.Split
    ) -> Condition:
        """'spent more on the web than in stores and more on the web than through the
        catalog': the second comparison has no verb of its own; it is spend as the first."""
        money = self.lexicon.grammar.get("money_verbs", [])
        if not (
            isinstance(other, CompareCondition)
            and other.right is not None
            and compared.right is not None
            and {compared.left.measure, compared.right.measure} == {"sum"}
            and {other.left.measure, other.right.measure} == {"count"}
            and _said(found.right, money)
        ):
            return other
        update = {}
        for name, side in (("left", other.left), ("right", other.right)):
            amount = self.catalog.events[side.activity.source].amount
            if amount is None:
                return other
            update[name] = side.model_copy(update={"measure": "sum", "field": amount})
        return other.model_copy(update=update)

    def _both_money(self, compared: CompareCondition, found: comparison.Split) -> CompareCondition:
        """'spent more on the web than at our stores': the money verb is both sides', so a side
        read as a count ('at our stores' names the store purchases) is their spend too."""
        sides = (compared.left, compared.right)
        if compared.right is None:
            return compared
        money = self.lexicon.grammar.get("money_verbs", [])
        measures = {s.measure for s in sides}
        # "returned more than 20% of what they spent": a part of money is money too
        part = found.words.endswith("of …") and measures <= {"sum", "count"}
        if part and _said(found.right, money):
            pass
        elif measures != {"sum", "count"} or not (
            _said(found.left, money) and _said(found.right, money)
        ):
            return compared
        update = {}
        for name, side in (("left", compared.left), ("right", compared.right)):
            amount = self.catalog.events[side.activity.source].amount
            if side.measure == "count":
                if amount is None:
                    return compared
                update[name] = side.model_copy(update={"measure": "sum", "field": amount})
        return compared.model_copy(update=update)

    def _compared_with_average(
        self, left: ParseResult, found: comparison.Split, depth: int, context: set[str] | None
    ) -> ParseResult | None:
        """'starter accounts that logged in more last month than the average pro account': the
        group's words read alone say whom the figure is averaged over."""
        group = ParseResult()
        by = None
        if found.average_by:
            by = self._property_named(found.average_by)
            if by is None:
                return None  # "in their own <words>": no property of theirs
        averaged = found.average or ""
        people = bool(_PEOPLE_AVERAGED.search(averaged))  # "the average buyer's"
        said = set(found.left.split())
        figures = [c for c in left.conditions if isinstance(c, ActivityCondition)]
        if figures and figures[-1].measure == "avg" and not people:
            # "double the average order value across all orders": the words that name the
            # figure's own events again say no group
            for phrase in self._event_phrases(figures[-1].activity.source):
                averaged = re.sub(rf"\b{re.escape(phrase)}\b", " ", averaged)
            averaged = " ".join(w for w in averaged.split() if w not in said)
        if averaged:
            group = self.parse(averaged, depth=depth, context=context)
            if group.refusal or group.unrecognized or group.unknown_words or group.homonyms:
                return None
            if group.named_only:
                return None  # a property named with no value and no "in their own …"
        if left.unrecognized:
            return None
        money = set(self.lexicon.grammar.get("money_verbs", []))
        amount = None
        if said & money and figures:
            amount = self.catalog.events[figures[-1].activity.source].amount
        # an average figure against the average of every such event, unless people are averaged
        events = found.overall or not people
        # "the average account in their industry": every account of that industry, those with
        # none counting 0; "the average buyer in their country": the buyers only
        everyone = by is not None and bool(set(averaged.split()) & self._entity_words())
        made = comparison.compare_average(
            left.conditions,
            group.conditions,
            found,
            amount,
            over_events=events,
            by=by,
            everyone=everyone,
        )
        if made is None:
            return None
        others, compared = made
        left.conditions = [*others, compared]
        left.assumptions.append(
            f"'{found.words}' compares each customer's own figure with that average"
        )
        left.mentions |= group.mentions
        return left

    def _entity_words(self) -> set[str]:
        """The catalog's own nouns for its customers ('account', 'accounts', 'companies')."""
        entity = self.catalog.entity
        synonyms = self.catalog.tables[entity.table].synonyms
        return {w.lower() for w in (entity.noun, entity.plural, *synonyms)}

    def _property_named(self, words: str) -> str | None:
        """The one customer property the words name ('state', 'industry'), or None."""
        for key in (words, words.rstrip("s")):
            names = self._properties_of(self.lexicon.phrases.get(phrase_key(key), []))
            if len(names) == 1:
                return names.pop()
        return None

    def _properties_of(self, meanings: list[Meaning]) -> set[str]:
        """The customer properties among a word's column meanings."""
        names = {
            self.vocab.property_name(m.table, m.column)
            for m in meanings
            if m.kind == "column" and self.vocab.is_property(m.table, m.column)
        }
        return {n for n in names if n is not None}

    def _event_phrases(self, source: str) -> list[str]:
        """The catalog's phrases for a plain count or average of the event or of a union
        holding it ('orders', 'ticket', 'average order value', 'aov'), longest first: none
        narrows it."""
        events = self.catalog.events
        words: set[str] = set()
        for measure in self.catalog.measures.values():
            if measure.aggregate not in ("avg", "count") or measure.filters or measure.predicates:
                continue
            event = events.get(measure.event)
            if measure.event == source or (event is not None and source in (event.union or [])):
                words |= {phrase.lower() for phrase in measure.phrases}
        return sorted(words, key=len, reverse=True)

    def _each_period(
        self, unit: str | None, window: Window | None, words: str, result: ParseResult
    ) -> None:
        """'bought in every month of this quarter': the activity of that window, once in each
        of its periods; said, never dropped, when there is no such activity or period."""
        periods = split_window(window, unit, self.as_of) if window is not None else None
        found = False
        if periods:
            out = []
            for c in result.conditions:
                if isinstance(c, ActivityCondition) and c.window == window and c.op in (">=", ">"):
                    c = AndGroup(conditions=[c.model_copy(update={"window": p}) for p in periods])
                    found = True
                out.append(c)
            result.conditions = out
        if not found or periods is None:
            result.unrecognized.append(f"{words} … (a condition in every period)")
            return
        spans = ", ".join(f"{p.start:%Y-%m-%d} … {p.end:%Y-%m-%d}" for p in periods[:4])
        more = f" and {len(periods) - 4} more" if len(periods) > 4 else ""
        result.assumptions.append(f"'{words}' = in each of {len(periods)} periods: {spans}{more}")

    def _anchor(
        self, clause: list[Item], previous: set[str]
    ) -> tuple[list[Item], AfterEvent | None]:
        """'… haven't ordered since their last delivery complaint': the words after 'since
        their last/first' name the activity whose latest (earliest) row the clause counts from."""
        since = self.lexicon.grammar.get("since_words", ["since", "after"])
        for k, item in enumerate(clause):
            if item.text not in since:
                continue
            j = k + 1
            while j < len(clause) and clause[j].kind == "stopword":
                j += 1
            if j >= len(clause) or clause[j].kind not in ("recency", "first"):
                continue
            named = clause[j].kind == "recency" and clause[j].meaning.source
            rest = clause[j:] if named else clause[j + 1 :]  # "since their last ticket"
            anchor = ClauseFacts.read(rest, self, previous)
            sources = anchor.sources()
            activity = None
            if rest and sources:
                filters, predicates, _, _ = anchor.activity_shape(sources[0])
                try:
                    activity = Activity(source=sources[0], filters=filters, predicates=predicates)
                except ValueError:
                    activity = None
            elif rest and all(i.text in _PRONOUNS or i.value == 1 for i in rest):
                # "haven't ordered since their last one": the activity said before it
                activity = Activity(source=EARLIER)
            elif rest:
                # "since their last abandoned cart": a catalog term's own activity
                activity = self._term_activity(" ".join(i.text for i in rest))
            if activity is None:
                continue
            which = "first" if clause[j].kind == "first" else "last"
            return clause[:k], AfterEvent(activity=activity, which=which)
        return clause, None

    def _term_activity(self, words: str) -> Activity | None:
        """The one activity the words' reading counts (a term's, without its time)."""
        if not words.strip() or re.search(r"__t\d+__", words):
            return None
        read = self.parse(words, depth=1)
        acts = [c for c in read.conditions if isinstance(c, ActivityCondition)]
        if len(acts) != 1 or len(read.conditions) != 1 or read.unrecognized:
            return None
        return acts[0].activity

    def _each_did_not(self, facts: ClauseFacts, before: list[Tagged], result: ParseResult) -> None:
        """'accounts which have an admin that didn't log in': whether one of those people did
        not do something is a condition on each of them, which the grammar cannot make (it would
        read as nobody at all doing it); said, never read silently."""
        if not facts.negated or not facts.items or facts.items[0].joined_by not in ("who", "that"):
            return
        if len(before) != 1 or not isinstance(before[0].condition, ActivityCondition):
            return
        found = self.catalog.cached("rules.actor_nouns", _actor_nouns)
        counted = self.catalog.events[before[0].condition.activity.source]
        if found is None or counted.plural_noun not in found[1].values():
            return
        said = re.sub(r"__t\d+__", lambda m: self._time_text.get(m.group(0), ""), facts.text())
        plural = counted.plural_noun
        note = f"{' '.join(said.split())} (what each of those {plural} did not do: I cannot check)"
        if note not in result.unrecognized:
            result.unrecognized.append(note)

    def _who_did(
        self, facts: ClauseFacts, made: list[Tagged], before: list[Tagged]
    ) -> ActivityCondition | None:
        """'at least 2 users who exported a report': a count of one event's rows (users), then
        'who' and an activity of another event whose rows name them (an export's user). The
        count is of the different ones among that activity's rows; the counted rows' filters
        ('admins') become the activity's own where its rows reach the same columns."""
        if not facts.items or facts.items[0].joined_by not in ("who", "that") or facts.negated:
            return None
        if len(made) != 1 or len(before) != 1:
            return None
        did, counted = made[0].condition, before[0].condition
        if not (isinstance(did, ActivityCondition) and isinstance(counted, ActivityCondition)):
            return None
        if did.measure != "count" or (did.op, did.value) != (">=", 1) or did.after is not None:
            return None
        if counted.measure != "count" or counted.after is not None:
            return None
        if not isinstance(counted.window, AllTime) or did.activity.predicates:
            return None
        catalog, graph = self.catalog, self.catalog.graph
        rows = catalog.events[counted.activity.source]
        if rows.union or not rows.table or counted.activity.predicates:
            return None
        keys = catalog.tables[rows.table].key
        key = keys[0] if len(keys) == 1 else None
        link = None
        declared = list(catalog.events[did.activity.source].fields)
        for fname in [*declared, *graph.event_fields(did.activity.source)]:
            ref = graph.member_field_ref(did.activity.source, fname)
            if ref and key and f"{ref[0]}.{ref[1]} -> {rows.table}.{key}" in catalog.relations:
                link = fname
                break
        if link is None:
            return None
        filters = dict(did.activity.filters)
        theirs = {
            graph.member_field_ref(did.activity.source, f): f
            for f in graph.event_fields(did.activity.source)
        }
        for name, value in counted.activity.filters.items():
            place = graph.member_field_ref(counted.activity.source, name)
            if place not in theirs:
                return None
            filters[theirs[place]] = value
        none = (counted.op, counted.value) == ("=", 0)  # "no admins who logged in"
        try:
            activity = Activity(source=did.activity.source, filters=filters)
            return ActivityCondition(
                activity=activity,
                measure="count" if none else "distinct",
                field=None if none else link,
                op=counted.op,
                value=counted.value,
                window=did.window,
            )
        except ValueError:
            return None

    @staticmethod
    def _earlier_anchor(
        earlier: list[Tagged], *, dated: bool = False, latest: bool = False
    ) -> AfterEvent | None:
        """'unsubscribed from email but have still made a purchase since then': without an
        earlier time, 'since then' is since the customer's first such earlier event. `dated`
        ('clicked an SMS campaign last week but did not purchase afterwards'): their first such
        event in the earlier activity's own window."""
        merged = absorb_into_terms(earlier)  # "unsubscribed from email": the term's own event
        acts = [t.condition for t in merged if isinstance(t.condition, ActivityCondition)]
        firsts = {a.after.model_dump_json() for a in acts if a.after is not None}
        firsts = {f.replace('"side":"before"', '"side":"by"') for f in firsts}
        if acts and len(firsts) == 1 and all(a.after is not None for a in acts):
            # "first ordered online and later shopped in store": after that first one
            first = acts[0].after
            if first.which == "first" and first.side in ("before", "by"):
                return AfterEvent(activity=first.activity, which="first", window=first.window)
        if len(acts) != 1 or acts[0].op not in (">", ">=") or acts[0].measure != "count":
            return None
        window = acts[0].window if dated else AllTime()
        which = "last" if latest else "first"
        return AfterEvent(activity=acts[0].activity, which=which, window=window)

    @staticmethod
    def _back_word(facts: ClauseFacts) -> str:
        return next((i.text for i in facts.items if i.kind == "afterwards"), "afterwards")

    def _after(self, made: list[Tagged], anchor: AfterEvent, result: ParseResult) -> list[Tagged]:
        out = []
        for t in made:
            c = t.condition
            if isinstance(c, ActivityCondition) and c.measure == "count" and c.after is None:
                c = c.model_copy(update={"after": anchor})
                result.assumptions.append(self._after_note(anchor))
            out.append(replace(t, condition=c))
        return out

    def _after_note(self, anchor: AfterEvent) -> str:
        noun = self.catalog.events[anchor.activity.source].noun
        if not isinstance(anchor.window, AllTime):
            noun += f" of {resolve(anchor.window, self.as_of).label}"
        which = "" if anchor.which == "each" else f"{anchor.which} "
        return (
            f"counted after each customer's own {which}{noun} (the time is theirs, not a "
            "calendar date)"
        )

    def _about_other_table(self, source: str, name: str) -> bool:
        event = self.catalog.events[source]
        if event.union or not event.table:
            return True
        return bool(self.catalog.graph.field(source, name).tables - {event.table})

    def _but_not_the_same(
        self, facts: ClauseFacts, made: list[Tagged], earlier: list[Tagged], result: ParseResult
    ) -> list[Tagged]:
        """'were sent a win-back email but never opened one': the negated activity after 'but'
        is about the same things as the one before it (a win-back email), in what it does not
        say itself."""
        first = facts.items[0].joined_by if facts.items else ""
        if first != "but" or not facts.negated:
            return made
        before = [t.condition for t in earlier if isinstance(t.condition, ActivityCondition)]
        out = []
        for t in made:
            c = t.condition
            if (
                isinstance(c, ActivityCondition)
                and c.op == "="
                and c.value == 0
                and len(before) == 1
                and before[0].activity.source == c.activity.source
            ):
                mine = c.activity.filters
                source = c.activity.source
                # what the rows are about (a campaign's type); a field of the rows themselves
                # only when this part names none of its own ('… but none of the admins did';
                # not 'used forecasting but never invited anyone')
                own = any(not self._about_other_table(source, k) for k in mine)
                extra = {
                    k: v
                    for k, v in before[0].activity.filters.items()
                    if k not in mine and (not own or self._about_other_table(source, k))
                }
                if extra and mine:
                    activity = c.activity.model_copy(update={"filters": {**extra, **mine}})
                    c = c.model_copy(update={"activity": activity})
                    result.assumptions.append(
                        "'but not …' is about the same kind of "
                        f"{self.catalog.events[c.activity.source].plural_noun} as before it"
                    )
            out.append(replace(t, condition=c))
        return out

    def refuses(self, text: str) -> bool:
        """Whether the request is one the assistant refuses (changing data, files, prompts…)."""
        return self._refusal(text) is not None

    def _refusal(self, text: str) -> str | None:
        patterns = self.lexicon.grammar.get("refuse", {})
        messages = {
            "modify": "I can only build read-only segments: changing, deleting or exporting data "
            "from the database is not something I do.",
            "files": "I can only read the customer database; reading files or web addresses is "
            "not allowed.",
            "prompt": "I can't share or change my instructions. Describe the customers you are "
            "looking for instead.",
            "sql": "That looks like SQL. Run your own SQL through the SQL editor or `segment-"
            "assistant sql`, where the guard checks it; here, describe the customers in words.",
        }
        for name, pattern in patterns.items():
            if re.search(pattern, text, flags=re.IGNORECASE | re.DOTALL):
                return messages.get(name, "I can't help with that request.")
        return None

    # -- pass 2: items ---------------------------------------------------------------------------

    def _items(
        self,
        tokens: list[Token],
        windows: dict[str, Window],
        result: ParseResult,
        skip: frozenset[str],
    ) -> list[Item]:
        words = [self._corrected(t, result) for t in tokens]
        items: list[Item] = []
        deferred: tuple[int, Item, int, list[str]] | None = None
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.text in windows:
                items.append(Item("time", token.text, window=windows[token.text]))
                i += 1
                continue
            if deferred is not None and i == deferred[0]:
                items.append(deferred[1])
                items += self._inner_values(deferred[3], deferred[1].meanings, skip)
                i += deferred[2]
                deferred = None
                continue
            length, meanings = self.lexicon.match(words, i, skip)
            weak = not length or (length == 1 and meanings[0].kind in ("column", "stopword"))
            if weak and deferred is None and token.kind == "word":
                deferred = self._split_phrase(tokens, words, i, skip)
                if deferred is not None:
                    i += 1
                    continue
                split = self._split_term(words, i, skip)
                if split is not None:
                    # "repeat catalog buyers": the term 'repeat buyers', then 'catalog'
                    items += split[1:]
                    i += split[0]
                    continue
            exact = self.lexicon.grammar.get("exactly_before_number", [])
            if token.is_number and items and items[-1].text in exact and items[-1].kind != "time":
                # "only one user": 'only' before a number is exactly that many
                items[-1] = Item("comparator", items[-1].text, [Meaning("comparator", name="=")])
            elif (
                token.is_number
                and len(items) >= 2
                and items[-2].text in exact
                and items[-1].kind in ("verb", "measure")
                and i + 1 < len(tokens)
                and tokens[i + 1].text in ("time", "times")
            ):
                # "only ordered once" (1 times): 'only' before the verb of a count of times
                only = items.pop(-2)
                items.append(Item("comparator", only.text, [Meaning("comparator", name="=")]))
            quantified = bool(items) and items[-1].kind in ("comparator", "negation", "between")
            if token.is_number and (length < 2 or quantified):
                # "1 time buyers" is a phrase; "at least 1 purchase" is a number and a measure.
                items.append(Item("number", token.text, value=token.value, number_kind=token.kind))
                i += 1
                continue
            decade = re.fullmatch(r"(\d{3}|\d)0s", token.text)
            if decade:
                low = int(decade.group(1)) * 10
                items.append(Item("decade", token.text, value=low, high=low + 9))
                i += 1
                continue
            if length:
                text = " ".join(words[i : i + length])
                units = [m for m in meanings if m.kind == "unit"]
                if units and items and items[-1].kind == "number":
                    meanings = units  # "over 1 year ago": after a number, 'year' is a unit
                if (
                    meanings[0].kind in ("verb", "measure")
                    and items
                    and items[-1].kind == "stopword"
                    and items[-1].text == "only"
                ):
                    # "who only buy online": all of the activity (a count after the verb makes
                    # it 'exactly' instead: "only ordered once")
                    items[-1] = Item("share", "only", [Meaning("share", name="all")])
                items.append(Item(meanings[0].kind, text, meanings=meanings))
                items += self._inner_values(words[i : i + length], meanings, skip)
                i += length
                continue
            items.append(Item("word", token.text))
            i += 1
        return merge_ranges(only_after_verb(items))

    def _split_phrase(
        self, tokens: list[Token], words: list[str], i: int, skip: frozenset[str]
    ) -> tuple[int, Item, int, list[str]] | None:
        """'created more than 10 reports', 'exported 3 or more reports': a verb phrase the
        lexicon knows ('created reports') with its quantity in the middle. Returns where the
        phrase resumes, its item (read after the quantity) and how many words it takes there."""
        j = i + 1
        numbered = False
        while j < len(tokens) and j - i <= 6:
            if tokens[j].is_number:
                numbered, j = True, j + 1
                continue
            length, meanings = self.lexicon.match(words, j, skip)
            # "household has 4 or more dependents": the number's comparator may follow it
            between = ("comparator",) if numbered else ("comparator", "stopword")
            if length and meanings[0].kind in between:
                j += length
                continue
            break
        if not numbered or j >= len(tokens):
            return None
        joined = [words[i], *words[j:]]
        length, meanings = self.lexicon.match(joined, 0, skip)
        kinds = ("value", "verb", "measure", "predicate", "column")
        if length < 2 or meanings[0].kind not in kinds:
            return None
        first, own = self.lexicon.match(words, i, skip)
        if first and own[0].kind == "stopword" and meanings[0].kind != "column":
            return None  # a filler word starts only a property's name ("household … dependents")
        phrase = joined[:length]
        return j, Item(meanings[0].kind, " ".join(phrase), meanings=meanings), length - 1, phrase

    def _split_term(
        self, words: list[str], i: int, skip: frozenset[str]
    ) -> tuple[int, Item, Item] | None:
        """'repeat catalog buyers', 'frequent app shoppers': a vague word's phrase with one
        value said inside it. Returns the words taken, the term and the value."""
        for size in (1, 2):
            inner = self.lexicon.phrases.get(tuple(words[i + 1 : i + 1 + size]), [])
            inner = [m for m in inner if m.kind not in skip]
            if not inner or inner[0].kind not in ("value", "verb"):
                continue
            joined = [words[i], *words[i + 1 + size :]]
            length, meanings = self.lexicon.match(joined, 0, skip)
            if length < 2 or meanings[0].kind != "term":
                continue
            term = Item("term", " ".join(joined[:length]), meanings=meanings)
            value = Item(inner[0].kind, " ".join(words[i + 1 : i + 1 + size]), meanings=inner)
            return length + size, term, value
        return None

    def _inner_values(
        self, words: list[str], meanings: list[Meaning], skip: frozenset[str]
    ) -> list[Item]:
        """Values named inside a longer phrase: the 'email' in 'opened an email'."""
        first = meanings[0]
        if (
            len(words) < 2
            or first.kind != "value"
            or self.vocab.is_property(first.table, first.column)
        ):
            return []
        outer = {(m.table, m.column) for m in meanings}
        # "created reports": 'reports' is another column of the same row (the event's feature),
        # the same thing said twice, not a second filter.
        tables = {m.table for m in meanings}
        # "browsed in the app": 'in the app' names a purchase channel, but no field of a
        # browsing session; only a field of the phrase's own events can be said inside it
        fields = self._fields_of_tables(tables)
        found: list[Item] = []
        for start in range(len(words)):
            for length in range(len(words) - start, 0, -1):
                if length == len(words):
                    continue
                named = self.lexicon.phrases.get(tuple(words[start : start + length]), [])
                if any((m.table, m.column) in outer for m in named):
                    continue  # another name for the same thing, e.g. 'push' in 'push notification'
                inner = [
                    m
                    for m in named
                    if m.kind == "value"
                    and not self.vocab.is_property(m.table, m.column)
                    and m.table not in tables
                    and f"{m.table}.{m.column}" in fields
                ]
                if inner:
                    found.append(Item("value", " ".join(words[start : start + length]), inner))
                    break
        return found

    @cached_property
    def unions(self) -> dict[str, list[str]]:
        """Each union event and its member events."""
        return {n: e.union for n, e in self.catalog.events.items() if e.union}

    def _fields_of_tables(self, tables: set[str | None]) -> set[str]:
        """The qualified columns behind the fields of every event whose rows are in `tables`."""
        graph, found = self.catalog.graph, set()
        for name, event in self.catalog.events.items():
            if event.table in tables:
                found |= {f.sql for f in graph.event_fields(name).values()}
        return found

    def _corrected(self, token: Token, result: ParseResult) -> str:
        if token.kind != "word" or token.text.startswith("__t"):
            return token.text
        if token.text in self.lexicon.vocabulary:
            return token.text
        better = self.lexicon.correct(token.text)
        if better:
            note = f"read '{token.text}' as '{better}'"
            if note not in result.assumptions:
                result.assumptions.append(note)
            return better
        return token.text

    # -- pass 3: clauses -------------------------------------------------------------------------

    def _clauses(self, items: list[Item]) -> tuple[list[list[Item]], list[str]]:
        """Split at joining words; joiners[i] is how clause i attaches to clause i-1 (the
        first item of a clause remembers the word that opened it)."""
        clauses: list[list[Item]] = [[]]
        joiners = ["and"]
        opened_by = ""
        for k, item in enumerate(items):
            if item.kind == "conjunction" and _joins_place_names(items, k):
                clauses[-1].append(item)  # the place reader's list of names
                continue
            if item.kind == "conjunction" and _joins_one_column(items, k):
                # "a high or urgent priority bug or outage ticket": each 'or' list is one
                # condition on its column, inside the clause, not two clauses
                continue
            content = [i for i in clauses[-1] if i.kind not in ("stopword", "word", "negation")]
            if item.kind == "negation" and content:
                # "women not in Texas": the negation covers what follows it, not the women.
                clauses.append([])
                joiners.append("and")
            if item.kind == "conjunction":
                # "exclude anyone who returned something": the negation carries on past 'who'.
                leading = (
                    clauses[-1] and not content and any(i.kind == "negation" for i in clauses[-1])
                )
                if clauses[-1] and not leading:
                    clauses.append([])
                    joiners.append(item.meaning.name)
                    opened_by = item.text
                elif item.meaning.name in ("or", "but"):
                    joiners[-1] = item.meaning.name
                if not clauses[-1] and item.text in ("with", "without"):
                    opened_by = item.text  # ", and with preferred status"
                continue
            if opened_by and not clauses[-1]:
                item = replace(item, joined_by=opened_by)
            opened_by = ""
            clauses[-1].append(item)
            if self._negated_adjective(clauses[-1], items[k + 1 :]):
                # "not married women in Texas": the negation is the adjective's alone
                clauses.append([])
                joiners.append("and")
        if not clauses[-1] and len(clauses) > 1:
            clauses.pop()
            joiners.pop()
        # "… but clicked none", "bought zero": a negation after the activity, with nothing of
        # its own after it, negates that activity.
        k = 1
        while k < len(clauses):
            alone = [i for i in clauses[k] if i.kind != "stopword"]
            # "bought nothing this year": the same, with the activity's time after it
            timed = (
                alone
                and alone[0].kind == "negation"
                and alone[0].text in ("nothing", "none", "zero", "not any")
                and not alone[0].joined_by
                and all(i.kind == "time" for i in alone[1:])
            )
            if alone and (timed or all(i.kind == "negation" for i in alone)) and clauses[k - 1]:
                clauses[k - 1] = clauses[k - 1] + clauses[k]
                del clauses[k]
                del joiners[k]
                continue
            k += 1
        return clauses, joiners

    def _negated_adjective(self, clause: list[Item], after: list[Item]) -> bool:
        """Whether the clause is a negation and one customer value, with another customer's
        value of another property right after it."""
        said = [i for i in clause if i.kind != "stopword"]
        nxt = next((i for i in after if i.kind != "stopword"), None)
        if len(said) != 2 or said[0].kind != "negation" or nxt is None:
            return False
        if said[0].text not in ("not", "non", "non-"):
            return False
        first, second = self._customer_value(said[1]), self._customer_value(nxt)
        return first is not None and second is not None and first != second

    def _customer_value(self, item: Item) -> tuple[str | None, str | None] | None:
        if item.kind != "value":
            return None
        found = {
            (m.table, m.column)
            for m in item.meanings
            if m.kind == "value" and self.vocab.is_property(m.table, m.column)
        }
        return found.pop() if len(found) == 1 else None

    def _priced_items(self, text: str) -> str:
        """'an item over $300', 'a single electronics item for more than $500': the money is
        the price of one item (as 'an item priced over $300'), not a total spent."""
        nouns = [n for n in self.lexicon.grammar.get("thing_nouns", []) if not n.endswith("s")]
        nouns = sorted({*nouns, "piece"}, key=len, reverse=True)
        comparators = sorted(
            (p for ps in self.lexicon.grammar.get("comparators", {}).values() for p in ps),
            key=len,
            reverse=True,
        )
        pattern = (
            r"\b((?:an?|one|1|any|single)\s+(?:[a-z&']+\s+){0,2}?(?:"
            + "|".join(map(re.escape, nouns))
            + r"))\s+(?:(?:for|at|costing|that cost|which cost|worth)\s+)?("
            + "|".join(map(re.escape, comparators))
            + r")\s+(?=\$)"
        )
        return re.sub(pattern, r"\1 priced \2 ", text)

    @staticmethod
    def _unmade_structures(text: str, said_text: str) -> list[str]:
        """Shapes of a request that no condition here makes, said rather than dropped: a
        condition in every one of several periods ('in each of the last 3 months'), two
        things in one event ('in the same order'), a most within one period ('in a single
        month')."""
        said = []
        each = r"(?<!times )(?<!time )\b(?:in\s+)?(?:each|every)\s+(?:one\s+)?(?:of\s+)?__t\d+__"
        for m in re.finditer(each, text):
            said.append(f"{m.group(0).split('__t')[0].strip()} … (a condition in every period)")
        every = r"\b(?:in\s+)?(?:each|every)\s+(?:single\s+)?(?:day|week|month|quarter|year)\b"
        for m in re.finditer(every, text):
            said.append(f"{m.group(0).strip()} (a condition in every period)")
        for m in re.finditer(r"\b(?:in|on|within)\s+(?:the\s+)?same\s+([a-z]+)", text):
            said.append(f"{m.group(0)} (two things in one {m.group(1)})")
        periods = r"\b(?:more|less|fewer)\b[^_]*?__t\d+__\s+than\s+(?:in\s+|during\s+)?__t\d+__"
        if re.search(periods, text):
            said.append("more … than … (comparing two periods is not a condition I can make)")
        single = r"\b(?:in|within|during)\s+(?:a|one)\s+single\s+(day|week|month|year|quarter)\b"
        for m in re.finditer(single, said_text):
            said.append(f"{m.group(0)} (the most in any one {m.group(1)})")
        return said

    def _keep_verb_particles(self, text: str, times: list[Any]) -> str:
        """'logged in last week': the time is 'last week'; 'in' stays with the verb when the
        word before it and 'in' (or 'on') form a phrase the lexicon knows."""
        for t in times:
            lead = t.text.split(" ", 1)[0]
            if lead not in ("in", "on", "during", "over", "for"):
                continue
            before = text.split(t.placeholder)[0].split()
            if before and (before[-1], lead) in self.lexicon.phrases:
                text = text.replace(f" {t.placeholder}", f" {lead} {t.placeholder}", 1)
        return text

    def _time_from_context(
        self,
        facts: ClauseFacts,
        last_window: Window | None,
        read: list[ClauseFacts],
        result: ParseResult,
    ) -> None:
        """'… in 2002 who didn't buy on the web that year', '… since then', '… last year but
        not in store': a clause without a time of its own takes the earlier one."""
        if facts.window is not None or last_window is None:
            return
        if facts.back_reference == "afterwards":
            return  # after each customer's own earlier event, not a calendar time
        if facts.back_reference == "same_time":
            facts.window = last_window
            result.assumptions.append("'that …' = the same period as earlier in the request")
        elif facts.back_reference == "since_then" and facts.negated:
            # "bought in store in 2001 and not since": none after that period is over
            resolved = resolve(last_window, self.as_of)
            if resolved.end is not None and resolved.end.date() <= self.as_of:
                start = resolved.end.date()
                facts.window = Since(start=start)
                result.assumptions.append(
                    f"'not since' = none from {start.isoformat()} (the end of the earlier "
                    "period) on"
                )
        elif facts.back_reference in ("since_then", "before_then"):
            # from the start of the earlier period up to today, or all history before it
            start = resolve(last_window, self.as_of).start
            if start is not None:
                day = start.date()
                before = facts.back_reference == "before_then"
                facts.window = Before(end=day) if before else Since(start=day)
                said = (
                    f"'before that' = all history before {day.isoformat()}"
                    if before
                    else f"'since then' = from {day.isoformat()}"
                )
                tail = "" if before else " up to today"
                result.assumptions.append(f"{said} (the start of the earlier period){tail}")
        elif (
            read
            and facts.items
            and facts.items[0].joined_by == "with"
            and not facts.negated
            and facts.numbers
            and read[-1].window is not None
            and read[-1].sources()
            and facts.sources() == read[-1].sources()
        ):
            # "an AOV of $150 to $250 over the past year, with a minimum of two orders": a count
            # said with 'with' after a time of the same activity qualifies it in that time
            facts.window = last_window
            facts.carried = True
            result.assumptions.append("'with …' counts in the same period as before it")
        elif (
            read
            and not facts.negated
            and read[-1].window is not None
            and read[-1].sources()
            and facts.sources() == read[-1].sources()
            and any(i.text in _BACK_TO_ROWS for i in facts.items)
        ):
            # "two or more tickets in the past six months where the ones they rated average
            # below 3": those rows are the ones of that time
            facts.window = last_window
            facts.carried = True
            result.assumptions.append("'the ones …' are the rows said before, of that period")
        elif (
            read
            and facts.items
            and facts.negated
            and "never" not in facts.negation_words  # "… in 2002 but never online": at no time
            and (
                facts.items[0].joined_by == "but"
                # "browsed last week without buying": the same week
                or (facts.items[0].kind == "negation" and facts.items[0].text == "without")
            )
        ):
            facts.window = last_window
            facts.carried = True
            word = "without" if facts.items[0].joined_by != "but" else "but not"
            result.assumptions.append(f"'{word} …' is about the same period as before it")

    def _continuations(
        self, clauses: list[list[Item]], joiners: list[str]
    ) -> tuple[list[list[Item]], list[str]]:
        """'haven't engaged with any win-back campaign in the last 3 months': a clause after
        'with' that only qualifies the activity before it (its values and time) belongs to
        that activity, so a negation covers the whole phrase."""
        out, outj = [clauses[0]], [joiners[0]]
        aside = False  # the clause before was an aside merged into its activity
        for clause, joiner in zip(clauses[1:], joiners[1:], strict=True):
            starts_with = bool(clause) and clause[0].joined_by in ("with", "that", "which")
            if (
                starts_with
                and self._qualifies(clause)
                and (self._has_activity(out[-1]) or self._names_rows(out[-1], clause))
                and self._fits_rows_of(clause, out[-1])
            ):
                out[-1] = out[-1] + clause
                continue
            bounded = self._row_bound_only(clause, out[-1], with_channel=starts_with)
            if bounded and self._has_activity(out[-1]) and joiner == "and":
                # "bought premium items (current price over $90)", "orders with a total over
                # $50 in store": a comparison on the rows' own field narrows the activity.
                out[-1] = out[-1] + clause
                aside = True
                continue
            if aside and joiner == "and" and self._channel_only(clause, out[-1]):
                # "… (current price over $90) in store": the sentence resumes after the aside
                out[-1] = out[-1] + clause
                aside = False
                continue
            aside = False
            if joiner == "and" and self._any_channel_only(clause) and out[-1]:
                # "never purchased anything, in any channel": says the activity before it is
                # of every channel, which it already is
                out[-1] = out[-1] + clause
                continue
            if self._only_a_number(out[-1]) and any(i.kind == "rank" for i in clause):
                # "the 50 accounts that paid us the most": the number is the ranking's size.
                out[-1] = out[-1] + clause
                continue
            if self._only_a_number(clause) and (
                self._names_a_property(out[-1]) or any(i.kind == "field" for i in out[-1])
            ):
                # "buying potential (over $10,000)": an aside with only a number restates the
                # property before it.
                out[-1] = out[-1] + clause
                continue
            out.append(clause)
            outj.append(joiner)
        return out, outj

    def _any_channel_said(self, items: list[Item]) -> list[Item]:
        """'returned something because the package was damaged … - any channel': 'any channel'
        beside another activity says that activity is of every channel, which it already is;
        it is no purchase of its own."""
        events = self.catalog.events

        def any_channel(i: Item) -> bool:
            return (
                i.kind == "verb"
                and bool(i.meaning.source and events[i.meaning.source].union)
                and re.search(r"\b(?:any|every|all|each|across|combined)\b", i.text) is not None
            )

        said = [i for i in items if any_channel(i)]
        others = [
            i
            for i in items
            if not any_channel(i)
            and (
                i.kind in ("verb", "measure") or (i.kind == "value" and self._an_activity(i, set()))
            )
        ]
        if not said or not others:
            return items
        return [Item("stopword", i.text) if any_channel(i) else i for i in items]

    def _agent_ages(self, items: list[Item]) -> list[Item]:
        """'<brand> buyers under 35': a bare age-like number right after a word for the people
        who do something ('buyers', 'shoppers') is their age, not a count of what they did
        (a count names what it counts: 'under 35 orders')."""
        if not self.roles.age:
            return items
        out = list(items)
        for k in range(len(out) - 2, 0, -1):
            agent, comparator, number = out[k - 1], out[k], out[k + 1]
            after = out[k + 2] if k + 2 < len(out) else None
            if agent.kind != "verb" or not agent.text.endswith("ers"):
                continue
            if comparator.kind != "comparator" or not _age_like(number):
                continue
            if after is not None and after.kind != "conjunction":
                continue  # "outdoor buyers over 20 in the last year": a count in a time
            joiner = Item("conjunction", ",", meanings=[Meaning("conjunction", name="and")])
            out.insert(k, joiner)
        return out

    def _flag_alone(
        self, facts: ClauseFacts, result: ParseResult, beside: list[Tagged] | None = None
    ) -> list[Tagged]:
        """'email opt-in, not sms opt-in': a yes/no property named on its own is true (with a
        negation, false); another property 'on file' after 'with' is known (not null). Beside
        other properties' values ('men with preferred status in Texas'), only a property one
        has or has not."""
        content = [i for i in facts.items if i.kind not in ("stopword", "negation")]
        columns = [i for i in content if i.kind == "column"]
        if beside:
            if len(columns) != 1 or any(
                i.kind != "value" or not self._names_a_property([i])
                for i in content
                if i.kind != "column"
            ):
                return []
        elif len(content) != 1 or content[0].kind != "column":
            return []
        if facts.unknown:
            return []
        named = columns[0]
        names = self._properties_of(named.meanings)
        if len(names) != 1:
            return []
        (name,) = names
        with_it = facts.items[0].joined_by in ("with", "without") or any(
            i.text in _HAVING for i in facts.items[: facts.items.index(named)]
        )
        sides = self._two_sided(name) if with_it else None
        if beside and (
            sides is None
            or facts.negated
            or any(getattr(t.condition, "attribute", None) == name for t in beside)
        ):
            return []
        if property_kind(self.catalog, name)[0] == "boolean":
            op, value = "=", not facts.negated
        elif sides is not None:
            # "with preferred status": the side of a yes/no column that is not a negation;
            # "with a loyalty tier": any tier but none
            yes, label = sides
            if yes == "none":
                op, value = ("=" if facts.negated else "!="), "none"
                label = f"no {named.text}" if facts.negated else f"any {named.text} but none"
            elif facts.negated:
                return []  # the other side is said in the catalog's words ("not preferred")
            else:
                op, value = "=", yes
            result.assumptions.append(f"with {named.text} = {label}")
        elif (
            facts.items[0].joined_by in ("with", "without")
            or any(i.kind == "negation" and i.text == "without" for i in facts.items)
        ) and (
            any(i.kind == "stopword" and i.text in _KNOWN_WORDS for i in facts.items)
            or (_had_as_thing(facts.items, content[0]) and not self._enumerated(name))
        ):
            # "the ones with an email address (on file)": known (without one: not known)
            op, value = ("is_null" if facts.negated else "not_null"), None
            result.assumptions.append(f"with {content[0].text} = {content[0].text} is known")
        else:
            return []
        facts.negation_used = facts.negated
        result.mentions.add(f"attribute:{name}")
        return [Tagged(AttributeCondition(attribute=name, op=op, value=value))]

    def _two_sided(self, name: str) -> tuple[str, str] | None:
        """A listed property that one has or has not: two values of which one is said as the
        other's negation ('preferred customers' / 'not preferred'), giving the one that is
        had and its label; or a property with a 'none' value, giving 'none'."""
        place = self.catalog.property_column(name)
        values = self.catalog.column(*place).values if place is not None else None
        if not values:
            return None
        if "none" in values:
            return "none", ""
        if len(values) != 2:
            return None
        labels = {k: (v.label or str(k)).lower() for k, v in values.items()}
        negative = [k for k, lab in labels.items() if _NEGATIVE_LABEL.match(lab)]
        if len(negative) != 1:
            return None
        (yes,) = [k for k in labels if k != negative[0]]
        return str(yes), labels[yes]

    def _enumerated(self, name: str) -> bool:
        """A property with listed values ('with a gender' names no value of it)."""
        place = self.catalog.property_column(name)
        return place is not None and bool(self.catalog.column(*place).values)

    def _names_rows(self, before: list[Item], clause: list[Item]) -> bool:
        """'reported an outage with a poor rating': the clause before names rows of one event
        by a value (an outage ticket), and the clause's predicate is about the same rows."""
        tables = {
            m.table
            for i in before
            if i.kind == "value"
            for m in i.meanings[:1]
            if not self.vocab.is_property(m.table, m.column)
        }
        said = [i for i in clause if i.kind == "predicate"]
        return bool(tables and said) and all(i.meaning.table in tables for i in said)

    def _fits_rows_of(self, clause: list[Item], before: list[Item]) -> bool:
        """'10+ users that logged in this week': a login is no field of a user row, so the
        clause is an activity of its own (the users who did it), not a filter on the users.
        True when every value of the clause is a field the earlier activity's rows have (or
        the earlier activity names no event)."""
        sources = {
            self.catalog.measures[m.name].event
            for i in before
            if i.kind == "measure"
            for m in i.meanings[:1]
            if m.name in self.catalog.measures
        }
        sources |= {i.meaning.source for i in before if i.kind == "verb" and i.meaning.source}
        if not sources:
            return True
        fields = {
            ref.sql
            for source in sources
            if source in self.catalog.events
            for ref in self.catalog.graph.event_fields(source).values()
        }
        # only values that name rows of an event (a login), not what a customer is (an iPhone)
        values = [
            i
            for i in clause
            if i.kind == "value"
            and not any(self.vocab.is_property(m.table, m.column) for m in i.meanings)
        ]
        return all(any(f"{m.table}.{m.column}" in fields for m in i.meanings) for i in values)

    def _qualifies(self, clause: list[Item]) -> bool:
        content = [i for i in clause if i.kind not in ("stopword", "time")]
        return bool(content) and all(
            i.kind == "predicate"
            or (
                i.kind in ("value", "column")
                and any(not self.vocab.is_property(m.table, m.column) for m in i.meanings)
            )
            for i in content
        )

    def _row_bound_only(
        self, clause: list[Item], before: list[Item], *, with_channel: bool
    ) -> bool:
        """A comparison on a numeric field of the rows, and nothing else ('current price over
        $90'); after 'with', also the channel of the activity before ('… in store')."""
        content = [i for i in clause if i.kind not in ("stopword", "time")]
        if not content or not any(i.kind == "number" for i in content):
            return False
        facts = ClauseFacts(content, self)
        rows = [
            i for i in content if i.kind in ("column", "field") and facts._row_field_meanings(i)
        ]
        if not rows:
            return False
        for item in content:
            if item.kind in ("comparator", "number") or item in rows:
                continue
            if with_channel and self._channel_only([item], before):
                continue
            narrows = item.kind == "value" and any(
                m.kind == "value" and not self.vocab.is_property(m.table, m.column)
                for m in item.meanings
            )
            if with_channel and narrows:
                continue  # "… with a list price over $200 in the app"
            return False
        return True

    def _any_channel_only(self, clause: list[Item]) -> bool:
        """Only a verb naming an event that joins others ('in any channel', 'anywhere')."""
        events = self.catalog.events
        content = [i for i in clause if i.kind not in ("stopword",)]
        return bool(content) and all(
            i.kind == "verb" and i.meaning.source and events[i.meaning.source].union
            for i in content
        )

    def _channel_only(self, clause: list[Item], before: list[Item]) -> bool:
        """Only verbs naming members of a union the clause before names ('in store' after
        'bought')."""
        events = self.catalog.events
        content = [i for i in clause if i.kind not in ("stopword",)]
        unions = {
            m.source
            for i in before
            for m in i.meanings
            if m.kind in ("verb", "measure") and m.source and events[m.source].union
        }
        members = {m for u in unions for m in events[u].union or []}
        return bool(content) and all(
            i.kind == "verb" and i.meaning.source in members for i in content
        )

    @staticmethod
    def _only_a_number(clause: list[Item]) -> bool:
        content = [i for i in clause if i.kind != "stopword"]
        return (
            bool(content)
            and all(i.kind in ("comparator", "number", "range") for i in content)
            and any(i.kind in ("number", "range") for i in content)
        )

    def _names_a_property(self, clause: list[Item]) -> bool:
        if self._has_activity(clause):
            return False
        return any(
            i.kind in ("column", "value")
            and any(self.vocab.is_property(m.table, m.column) for m in i.meanings)
            for i in clause
        )

    @staticmethod
    def _has_activity(clause: list[Item]) -> bool:
        return any(i.kind in ("verb", "measure", "term", "predicate") for i in clause)

    # -- pass 4: one clause ----------------------------------------------------------------------

    def _clause(self, facts: ClauseFacts, result: ParseResult, depth: int) -> list[Tagged]:
        out: list[Tagged] = [Tagged(c) for c in self._place_names(facts, result)]
        for item in facts.unknown:
            _note_unknown(result, item)
        out += self._terms(facts, result, depth)
        out += [Tagged(c) for c in self._segments(facts, result)]
        out += [Tagged(c) for c in self._attributes(facts, result)]
        out += [Tagged(c) for c in self._derived(facts, result)]
        out += self._activities(facts, result)
        out = self._narrow_negated_terms(out, result)
        out = self._things_of_channel_terms(out, result)
        if facts.negated and out and not facts.negation_used:
            out = absorb_into_terms(out, self.unions)
            out = [Tagged(negate_condition(all_of([t.condition for t in out]), self.nullable))]
        out = self._usual_property(facts, out, result)
        if not out:
            out = self._flag_alone(facts, result)
        elif all(isinstance(t.condition, AttributeCondition) for t in out):
            out += self._flag_alone(facts, result, beside=out)
        if not out:
            # "customers for more than 2 years and …": a quantity no condition here took
            spans = [f"{span} (nothing here to apply it to)" for span in numbers_of(facts)]
            result.named_only += spans
        if not out and not facts.unknown:
            result.named_only += [
                f"{i.text}{NAMED_UNUSED}"
                for i in facts.items
                if i.kind == "column"
                and any(self.vocab.is_property(m.table, m.column) for m in i.meanings)
            ]
        for span in unaccounted(facts, [t.condition for t in out]):
            if span not in result.unrecognized:
                result.unrecognized.append(span)
        return out

    def _things_of_channel_terms(self, out: list[Tagged], result: ParseResult) -> list[Tagged]:
        """'bought shoes in both store and online': a term of plain activities in channels
        (members of one union) beside what was bought, in any channel, is those things bought
        in each of the term's channels."""
        events = self.catalog.events
        plain = [
            t
            for t in out
            if t.term
            and is_unnarrowed(t.condition)
            and (t.condition.op, t.condition.value, t.condition.measure) == (">=", 1, "count")
        ]
        things = [t for t in out if not t.term and t not in plain]
        if not plain or len(things) != 1 or len(plain) + 1 != len(out):
            return out
        thing = things[0].condition
        if not isinstance(thing, ActivityCondition) or not thing.activity.filters:
            return out
        members = set(events[thing.activity.source].union or [])
        if not members or not all(t.condition.activity.source in members for t in plain):
            return out
        merged = []
        for t in plain:
            c = t.condition
            assert isinstance(c, ActivityCondition)
            fields = self.catalog.graph.event_fields(c.activity.source)
            if not all(name in fields for name in thing.activity.filters):
                return out
            activity = c.activity.model_copy(update={"filters": dict(thing.activity.filters)})
            window = thing.window if c.window in (None, AllTime()) else c.window
            merged.append(
                replace(t, condition=c.model_copy(update={"activity": activity, "window": window}))
            )
        result.assumptions.append("what was bought is bought in each of the term's channels")
        return merged

    def _narrow_negated_terms(self, out: list[Tagged], result: ParseResult) -> list[Tagged]:
        """'never bought anything at the ought shop': a term that is no activity of an event
        ('never purchased') and, in the same clause, one plain activity of that event or of one
        of its members (store purchases at that store) are one condition: none of those."""
        events = self.catalog.events
        terms = [
            t
            for t in out
            if t.term
            and isinstance(t.condition, ActivityCondition)
            and t.condition.measure == "count"
            and (t.condition.op, t.condition.value) == ("=", 0)
        ]
        if len(terms) != 1 or sum(t.term == terms[0].term for t in out) != 1:
            return out  # 'lapsed outdoor buyers': a term of more than none is not narrowed
        term = terms[0]
        source = term.condition.activity.source
        plain = [
            t
            for t in out
            if not t.term
            and isinstance(t.condition, ActivityCondition)
            and t.condition.measure == "count"
            and (t.condition.op, t.condition.value) == (">=", 1)
            and isinstance(t.condition.window, AllTime)
            and (
                t.condition.activity.source == source
                or t.condition.activity.source in (events[source].union or [])
            )
        ]
        if len(plain) != 1:
            return out
        narrowed = plain[0].condition.model_copy(
            update={"op": "=", "value": 0, "window": term.condition.window}
        )
        result.assumptions.append(
            f"'{term.term.replace('_', ' ')}' narrowed to "
            f"{events[narrowed.activity.source].plural_noun} of the kind named"
        )
        return [
            Tagged(narrowed, term=term.term, clause=term.clause) if t is term else t
            for t in out
            if t is not plain[0]
        ]

    def _usual_property(
        self, facts: ClauseFacts, out: list[Tagged], result: ParseResult
    ) -> list[Tagged]:
        """'people who mainly shop on desktop': 'mostly' with a customer property and no value
        of the activity is the property itself (a customer's recorded device, channel … is
        already their usual one); the bare verb only says what it is about."""
        if not facts.share_word or facts.share_all or not facts.customer_values:
            return out
        if any(getattr(t.condition, "measure", None) == "share" for t in out):
            return out
        bare = [
            t
            for t in out
            if t.bare_activity
            and is_unnarrowed(t.condition)
            and isinstance(t.condition.window, AllTime)
        ]
        kept = [t for t in out if t not in bare]
        if not kept:
            return out
        facts.share_used = True
        named = ", ".join(p.replace("_", " ") for p in facts.customer_values)
        result.assumptions.append(
            f"'{facts.share_word}' read as the customer's recorded {named} (their usual one)"
        )
        return kept

    def _place_names(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        """'people in Fairview', 'everyone in Jefferson County', 'customers in Lakewood, TX':
        words the catalog does not know right after 'in' name a place of a geography property
        whose values are not listed (the narrowest one, or the one named right after them, as
        'county'); the name is compared as said, in title case."""
        places = self._free_places()
        if not places or facts.has_activity():
            return []  # "bought in bulk": where they live is said apart from what they did
        found: list[Condition] = self._named_places(facts, result)
        items = facts.items
        k, last = 0, -1
        while k < len(items):
            lead = items[k - 1].text.split()[-1] if k else ""  # "living in Jackson County"
            end = k
            while end < len(items) and items[end].kind == "word":
                end += 1
            # "Franklin County women": before a place property's name, no 'in' is needed
            named_after = end > k and end < len(items) and self._names_free_place(items[end])
            # "in Lakewood or Fairview": a name right after the one before and 'or' is another
            listed = lead == "or" and k - 1 == last and found and end > k
            if items[k].kind != "word" or (
                lead not in ("in", "from", "near", "around") and not named_after and not listed
            ):
                k += 1
                continue
            if listed and isinstance(found[-1], AttributeCondition):
                name = _place_name(i.text for i in items[k:end])
                before = found[-1]
                names = before.value if isinstance(before.value, list) else [before.value]
                found[-1] = before.model_copy(update={"op": "in", "value": [*names, name]})
                facts.unknown = [u for u in facts.unknown if u not in items[k:end]]
                result.assumptions.append(
                    f"'{name}' read as a {before.attribute.replace('_', ' ')} name too"
                )
                k = last = end
                continue
            words = [i.text for i in items[k:end]]
            prop = places[-1]
            after = items[end] if end < len(items) else None
            if after is not None and after.kind == "column":
                named = [
                    p
                    for m in after.meanings
                    if (p := self.vocab.property_name(m.table, m.column)) and self._free_text(p)
                ]
                if named:
                    prop = named[0]
                    words.append(after.text)
            name = _place_name(words)
            found.append(AttributeCondition(attribute=prop, op="=", value=name))
            facts.unknown = [u for u in facts.unknown if u not in items[k:end]]
            result.mentions.add(f"attribute:{prop}")
            result.assumptions.append(
                f"'{name}' read as a {prop.replace('_', ' ')} name (not a listed value: "
                "spelled as in the data?)"
            )
            k = last = end
        return found

    def _named_places(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        """'customers in Washington County': a value of one property ('Washington', a state)
        followed by the name of a free-text place property ('county') is a name of that place,
        not the value."""
        found: list[Condition] = []
        items = facts.items
        for a, b in zip(items, items[1:], strict=False):
            if a.kind != "value" or b.kind != "column":
                continue
            named = [
                p
                for m in b.meanings
                if (p := self.vocab.property_name(m.table, m.column)) and self._free_text(p)
            ]
            own = [
                (p, m.value)
                for m in a.meanings
                if (p := self.vocab.property_name(m.table, m.column)) and p not in named
            ]
            if not named or not own:
                continue
            for prop, value in own:
                values = facts.customer_values.get(prop, [])
                if value in values:
                    values.remove(value)
                if not values:
                    facts.customer_values.pop(prop, None)
                if a.text in facts.value_words.get(prop, []):
                    facts.value_words[prop].remove(a.text)
            name = " ".join(w.capitalize() for w in f"{a.text} {b.text}".split())
            found.append(AttributeCondition(attribute=named[0], op="=", value=name))
            result.mentions.add(f"attribute:{named[0]}")
            result.assumptions.append(
                f"'{name}' read as a {named[0].replace('_', ' ')} name, not "
                f"'{a.text}' the {own[0][0].replace('_', ' ')}"
            )
        return found

    def _names_free_place(self, item: Item) -> bool:
        return item.kind == "column" and any(
            (p := self.vocab.property_name(m.table, m.column)) and self._free_text(p)
            for m in item.meanings
        )

    def _free_places(self) -> list[str]:
        """The geography properties (roles, broad to narrow) whose values are not listed."""
        return [name for name in self.roles.geography or [] if self._free_text(name)]

    def _free_text(self, name: str) -> bool:
        place = self.catalog.property_column(name)
        if place is None or property_kind(self.catalog, name)[0] != "text":
            return False
        return not self.catalog.column(*place).values

    def _dated_statuses(
        self, made: list[Tagged], window: Window, result: ParseResult
    ) -> list[Tagged]:
        """'accounts we lost in the last 90 days': a stored status with a time is the event
        the catalog defines by that status (churn: status 'churned', dated churned_on)."""
        out = []
        for t in made:
            c = t.condition
            event = self._status_event(c) if isinstance(c, AttributeCondition) else None
            if event is None:
                out.append(t)
                continue
            out.append(Tagged(ActivityCondition(activity=Activity(source=event), window=window)))
            result.assumptions.append(
                f"'{c.value}' with a time = {self.catalog.events[event].plural_noun} then"
            )
        return out

    def _status_event(self, cond: AttributeCondition) -> str | None:
        if cond.op != "=" or not isinstance(cond.value, str):
            return None
        place = self.catalog.property_column(cond.attribute)
        if place is None:
            return None
        said = f"{place[0]}.{place[1]} = '{cond.value}'"
        for name, event in self.catalog.events.items():
            if event.time and event.where and " ".join(event.where.split()) == said:
                return name
        return None

    def _ranking_dated(
        self,
        facts: ClauseFacts,
        made: list[Tagged],
        tagged: list[Tagged],
        index: int,
        result: ParseResult,
    ) -> list[Tagged] | None:
        """'top 50 spenders, last 12 months': a time alone after a ranking of all time is the
        ranking's own time (None when that is not the case)."""
        if made or facts.negated or facts.has_content() or facts.window is None:
            return None
        before = [t for t in tagged if t.clause == index - 1]
        if not before or not all(
            isinstance(t.condition, RankCondition) and isinstance(t.condition.window, AllTime)
            for t in before
        ):
            return None
        window = facts.window
        result.assumptions.append(f"'{describe(window)}' applied to the ranking before it")
        return [
            replace(t, condition=t.condition.model_copy(update={"window": window}))
            if t.clause == index - 1
            else t
            for t in tagged
        ]

    def _unused_window(self, facts: ClauseFacts, result: ParseResult) -> str | None:
        """The note reporting the clause's time as used by nothing in it, if there is one."""
        if facts.window is None:
            return None
        label = resolve(facts.window, self.as_of).label
        note = f"{label} (nothing in that part of the request to apply it to)"
        return note if note in result.unrecognized else None

    def _did_too(
        self, clause: list[Item], made: list[Tagged], earlier: list[Tagged], result: ParseResult
    ) -> list[Tagged]:
        """'… nor a member has logged in during the last 30 days, but at least one viewer did':
        a clause ending in 'did' says the activity before it again, with its own who and how
        many."""
        if not clause or clause[-1].kind != "stopword" or clause[-1].text not in _PRO_VERBS:
            return made
        if len(made) != 1 or not earlier:
            return made
        said, before = made[0].condition, earlier[-1].condition
        if not (
            isinstance(said, ActivityCondition)
            and isinstance(before, ActivityCondition)
            and said.activity.source == before.activity.source
            and (
                said.window is None
                or said.window.kind == "all_time"
                or said.window == before.window
            )
            and not any(i.kind == "verb" for i in clause)
        ):
            return made
        filters = {**before.activity.filters, **said.activity.filters}
        again = before.model_copy(
            update={
                "activity": before.activity.model_copy(update={"filters": filters}),
                "op": said.op,
                "value": said.value,
            }
        )
        result.assumptions.append(f"'{clause[-1].text}' = the activity said before it, again")
        return [replace(made[0], condition=again)]

    def _times_alone(self, clause: list[Item], tagged: list[Tagged], result: ParseResult) -> bool:
        """'bought beauty on buy now pay later (Klarna) a couple of times or more': a clause of
        only a number of times, after an aside, is how often the activity before it was done."""
        times = times_of(clause)
        if times is None or not tagged:
            return False
        last = tagged[-1].condition
        if not (
            isinstance(last, ActivityCondition)
            and last.measure == "count"
            and (last.op, last.value) == (">=", 1)
            and last.after is None
        ):
            return False
        counted = last.model_copy(update={"op": times.op, "value": as_number(times.value)})
        tagged[-1] = replace(tagged[-1], condition=counted)
        result.assumptions.append(f"'{times.text}' is how often the activity before it was done")
        return True

    def _range_halves(
        self,
        clause: list[Item],
        made: list[Tagged],
        earlier: list[Tagged],
        pending: tuple[Bound, list[str]] | None,
        named: int,
        result: ParseResult,
    ) -> tuple[list[Tagged], tuple[Bound, list[str]] | None]:
        """'over $40,000 but under 100000', 'at least 5 and at most 7 purchases': a clause of only
        a comparison bounds the figure beside it from the other side (`named`: how many unused
        spans there were before this clause). Returns the clause's conditions and the bound
        still waiting for a figure after it."""
        bound = bound_of(clause)
        if bound is not None and earlier:
            other = other_bound(earlier[-1].condition, bound)
            if other is not None:
                if isinstance(other, ActivityCondition) and bound.window is not None:
                    # "at least $150 and at most $250 over the past year": both bounds' time
                    earlier[-1].condition = earlier[-1].condition.model_copy(
                        update={"window": bound.window}
                    )
                del result.named_only[named:]
                result.assumptions.append(f"'{bound.text}' bounds the same figure as before it")
                return [Tagged(other)], None
        again = self._same_figure_then(bound, made, earlier)
        if again is not None:
            del result.named_only[named:]
            result.assumptions.append(
                f"'{bound.text}' = the figure before it again, for {describe(again.window)}"
            )
            return [Tagged(again)], None
        if bound is not None and not made:
            return made, (bound, result.named_only[named:])
        if pending is not None and made:
            first, spans = pending
            other = other_bound(made[0].condition, first)
            if other is not None:
                result.named_only = [n for n in result.named_only if n not in spans]
                result.assumptions.append(f"'{first.text}' bounds the same figure as after it")
                return [Tagged(other), *made], None
        return made, None

    def _negated_doers(
        self,
        read: list[ClauseFacts],
        made: list[Tagged],
        tagged: list[Tagged],
        index: int,
        result: ParseResult,
    ) -> list[Tagged]:
        """'accounts whose admins haven't signed in for 30 days': the doers said after 'whose'
        are also who did not do it (no admin's login), not only who the account has."""
        if index == 0 or len(read) < 2 or len(made) != 1 or not read[-1].negated:
            return made
        said, doers = made[0].condition, read[-2]
        if not isinstance(said, ActivityCondition) or (said.op, said.value) != ("=", 0):
            return made
        first = next((i for i in doers.items if i.kind != "stopword"), None)
        if doers.verbs or first is None or first.joined_by != "whose":
            return made
        before = [t for t in tagged if t.clause == index - 1]
        if len(before) != 1 or not isinstance(before[0].condition, ActivityCondition):
            return made
        who = before[0].condition.activity
        fields = self.catalog.graph.event_fields(said.activity.source)
        if not who.filters or who.predicates or any(k not in fields for k in who.filters):
            return made
        if set(who.filters) & set(said.activity.filters):
            return made
        filters = {**said.activity.filters, **who.filters}
        activity = said.activity.model_copy(update={"filters": filters})
        result.assumptions.append(f"'{first.text}' are also the ones who did not do it")
        return [replace(made[0], condition=said.model_copy(update={"activity": activity}))]

    def _same_rows(
        self,
        facts: ClauseFacts,
        made: list[Tagged],
        tagged: list[Tagged],
        index: int,
        joiners: list[str],
        result: ParseResult,
    ) -> Tagged | None:
        """'put something in their cart during a visit and left without checking out': a clause
        naming no event of its own, only other fields of the rows the clause before it had, is
        about those same rows (one session that added to cart and did not convert). Returns the
        clause before, made one with it, or None."""
        if index == 0 or joiners[index] != "and" or facts.verbs or facts.measures:
            return None
        if facts.negated or len(made) != 1 or made[0].term:
            return None
        before = [t for t in tagged if t.clause == index - 1]
        if len(before) != 1 or before[0].term:
            return None
        said, rows = made[0].condition, before[0].condition
        if not all(
            isinstance(c, ActivityCondition)
            and c.measure == "count"
            and (c.op, c.value) == (">=", 1)
            and c.after is None
            and not c.activity.together
            for c in (said, rows)
        ):
            return None
        if said.activity.source != rows.activity.source or not said.activity.filters:
            return None
        if not all(isinstance(v, bool) for v in said.activity.filters.values()):
            # "use the API and forecasting both": a kind of row is another row; only a yes/no
            # of the row ('left without checking out') says how the same row went
            return None
        if set(said.activity.filters) & set(rows.activity.filters) or not rows.activity.filters:
            return None  # "bought outdoor gear and apparel": two values of one field, two rows
        if said.window not in (None, AllTime(), rows.window):
            return None
        filters = {**rows.activity.filters, **said.activity.filters}
        predicates = [*rows.activity.predicates, *said.activity.predicates]
        activity = rows.activity.model_copy(update={"filters": filters, "predicates": predicates})
        before[0].condition = rows.model_copy(update={"activity": activity})
        result.assumptions.append(
            f"'{facts.text()}' read as the same {self.catalog.events[rows.activity.source].noun}"
            " as before it (it names none of its own)"
        )
        return before[0]

    @staticmethod
    def _same_figure_then(
        bound: Bound | None, made: list[Tagged], earlier: list[Tagged]
    ) -> ActivityCondition | None:
        """'two or more store visits in 2001 but at most one in 2002': a comparison with a time
        of its own and nothing else is the figure before it again, in that time."""
        if bound is None or made or not earlier or bound.window is None:
            return None
        before = earlier[-1].condition
        if not isinstance(before, ActivityCondition) or before.window in (None, AllTime()):
            return None
        if before.window == bound.window or before.after is not None:
            return None
        counted = before.measure in ("count", "distinct")
        if bound.money == counted or before.measure not in ("count", "distinct", "sum"):
            return None  # "3 orders in 2001 but under $100 in 2002": another figure
        return before.model_copy(
            update={"op": bound.op, "value": as_number(bound.value), "window": bound.window}
        )

    def _window_alone(
        self, facts: ClauseFacts, earlier: list[Tagged], result: ParseResult
    ) -> list[Tagged]:
        """A time with nothing to apply it to in its own clause: "bought outdoor gear but not
        in the last 90 days" repeats the earlier activity with that window; otherwise the time
        is reported, never silently dropped."""
        window = facts.window
        assert window is not None
        activities = [t.condition for t in earlier if isinstance(t.condition, ActivityCondition)]
        if not activities and not facts.has_content():
            return []  # a time on its own: a follow-up may apply it ("make it the last 90 days")
        if not activities or facts.has_content():
            label = resolve(window, self.as_of).label
            result.unrecognized.append(
                f"{label} (nothing in that part of the request to apply it to)"
            )
            return []
        made: list[Tagged] = []
        for condition in activities:
            dated = condition.model_copy(update={"window": window})
            if facts.negated and dated.measure == "count" and dated.op in (">=", ">", "="):
                # "3+ purchases but nothing in the last 12 months": none of that activity then,
                # not "fewer than 3 of them"
                dated = dated.model_copy(update={"op": "=", "value": 0})
            made.append(
                Tagged(NotGroup(condition=dated) if facts.negated and dated.op != "=" else dated)
            )
        result.assumptions.append(
            f"'{describe(window)}' applied to the activity before it in the request"
        )
        return made

    def _terms(self, facts: ClauseFacts, result: ParseResult, depth: int) -> list[Tagged]:
        out: list[Tagged] = []
        things = set(self.lexicon.grammar.get("thing_nouns", []))
        for item, after in zip(facts.items, [*facts.items[1:], None], strict=False):
            if item.kind == "term" and after is not None and after.text in things:
                # "our new thing": the word describes a product, not the customers
                facts.terms = [m for m in facts.terms if m is not item.meaning]
                result.unknown_words.append(f"{item.text} {after.text}")
                result.unrecognized.append(
                    f"{item.text} {after.text} (a kind of product this data does not describe)"
                )
        for meaning in facts.terms:
            term = self.catalog.terms[meaning.name]
            if term.choices:
                said = next(i.text for i in facts.term_items if i.meaning is meaning)
                result.vague.append(Homonym(said, said, tuple(term.choices)))
                result.mentions.add(f"term:{meaning.name}")
                continue
            if depth >= MAX_TERM_DEPTH:
                result.unrecognized.append(meaning.name)
                continue
            inner = self.parse(term.means, depth=depth + 1)
            result.unrecognized += inner.unrecognized
            conditions = inner.conditions
            own = self._tables_of(conditions)
            window = facts.window if self._window_is_the_terms(facts, meaning, own) else None
            if window is None and "never" in facts.negation_words:
                window = AllTime()  # "never engaged": at no time, whatever window the term has
            if window is not None:
                conditions = [with_window(c, window) for c in conditions]
            label = meaning.name.replace("_", " ")
            result.assumptions.append(f"'{label}' = {term.means} (catalog term)")
            result.mentions.add(f"term:{meaning.name}")
            out += [Tagged(c, term=meaning.name) for c in conditions]
        return out

    def _short_label(self, model: str, word: str) -> Meaning | None:
        """The label of `model` a short word names when the model is said before it ('c' after
        'class b or'), else None."""
        aliases = self.lexicon.grammar.get("model_aliases", {}).get(model, [])
        for alias in aliases:
            for m in self.lexicon.phrases.get((*phrase_key(alias), *phrase_key(word)), []):
                if m.kind == "segment_model" and m.name == model:
                    return m
        return None

    def term_sources(self, name: str) -> set[str]:
        """The activity sources a catalog term's meaning counts ('never purchased': purchases),
        read once per parser."""
        cache = self._term_sources
        if name not in cache:
            term = self.catalog.terms.get(name)
            cache[name] = set()
            if term is not None and term.means:
                inner = self.parse(term.means, depth=MAX_TERM_DEPTH)
                cache[name] = {
                    c.activity.source for c in inner.conditions if isinstance(c, ActivityCondition)
                }
        return cache[name]

    def _tables_of(self, conditions: list[Condition]) -> set[str]:
        """The tables the events the conditions count reach with their fields (a union's:
        its members')."""
        tables: set[str] = set()
        for c in conditions:
            if not isinstance(c, ActivityCondition):
                continue
            event = self.catalog.events[c.activity.source]
            for m in event.union or [c.activity.source]:
                for ref in self.catalog.graph.event_fields(m).values():
                    tables |= set(ref.tables)
        return tables

    def _window_is_the_terms(self, facts: ClauseFacts, meaning: Meaning, own: set[str]) -> bool:
        """'at-risk enterprise accounts with a billing ticket this year': the time is the
        ticket's, said after it; a term takes the clause's time only when no activity of its
        own stands between the term and the time."""
        kinds = [i.kind for i in facts.items]
        if "time" not in kinds:
            return True
        at = next(
            (k for k, i in enumerate(facts.items) if i.meanings and i.meaning is meaning), None
        )
        when = kinds.index("time")
        if at is None or when < at:
            return True
        return not any(self._an_activity(i, own) for i in facts.items[at + 1 : when])

    def _an_activity(self, item: Item, own: set[str]) -> bool:
        """An activity of its own: a verb, a measure, or a value of another event's rows
        ('a text message campaign' after 'engaged' is the term's own event)."""
        if item.kind in ("verb", "measure", "predicate"):
            return True
        if item.kind != "value" or not item.meanings:
            return False
        m = item.meaning
        return not self.vocab.is_property(m.table, m.column) and m.table not in own

    def _segments(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        conditions: list[Condition] = []
        for meaning in facts.segments:
            result.mentions.add(f"segment_ref:{meaning.name}")
            conditions.append(SegmentRef(model=meaning.name, label=meaning.value))
        return conditions

    def _attributes(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        conditions: list[Condition] = []
        for column, values in facts.customer_values.items():
            result.mentions.add(f"attribute:{column}")
            kind = property_kind(self.catalog, column)[0]
            typed: list[Any] = [v == "true" if kind == "boolean" else v for v in values]
            if kind == "text" and len(typed) == 1:
                typed = self._ordinal_values(facts, column, typed[0], result)
            if kind == "boolean" and len(set(typed)) == 1 or len(typed) == 1:
                conditions.append(AttributeCondition(attribute=column, op="=", value=typed[0]))
            else:
                conditions.append(AttributeCondition(attribute=column, op="in", value=typed))
            words = facts.value_words.get(column, [])
            listed = all(
                re.search(rf"\b{re.escape(a)}\s*(?:,|\bor\b)\s*(?:or\s+)?{re.escape(b)}\b", said)
                for a, b in zip(words, words[1:], strict=False)
                for said in [result.normalized]
            )
            if len(words) > 1 and kind != "boolean" and not listed:
                # "Bavarians in Texas": nobody has two regions, so the words can only mean either.
                named = " and ".join(f"'{w}'" for w in words)
                result.assumptions.append(
                    f"{named} read as either (a customer has one {column.replace('_', ' ')})"
                )
        banded = self._numeric_bands(facts)
        if banded is not None:
            conditions.append(banded)
        for table, column in facts.columns:
            prop = self.vocab.property_name(table, column)
            if prop is not None:
                result.mentions.add(f"attribute:{prop}")
            elif table in self.vocab.table_source:
                result.mentions.add(f"source:{self.vocab.table_source[table]}")
        conditions += self._absent_columns(facts, result)
        for column in facts.unknown_columns:
            result.mentions.add(f"attribute:{column}")
            conditions.append(AttributeCondition(attribute=column, op="is_null"))
        return conditions

    def _ordinal_values(
        self, facts: ClauseFacts, prop: str, value: str, result: ParseResult
    ) -> list[Any]:
        """'high school or less', 'gold or higher': a value followed by an at-most / at-least
        word means it and the values listed before (after) it in the catalog, whose order is
        the column's order; unknown / other values are never part of a range."""
        words = facts.value_words.get(prop, [])
        ops = {">=", ">", "<=", "<"}

        def ranks(item: Item) -> bool:
            # "gold or higher", "at least silver"; never a preposition ("look after the French")
            return item.kind == "comparator" and item.text not in _PLACE_WORDS

        def counted(k: int) -> bool:
            # "gold members with more than 3 orders": the comparator is the number's
            return k < len(facts.items) and facts.items[k].kind in ("number", "range")

        after = [
            facts.items[k + 1].meaning.name
            for k, item in enumerate(facts.items[:-1])
            if item.text in words and ranks(facts.items[k + 1]) and not counted(k + 2)
        ]
        # "at least a four-year degree", "no more than high school": the comparator before it
        for k, item in enumerate(facts.items):
            if item.text not in words:
                continue
            j = k - 1
            while j >= 0 and facts.items[j].kind == "stopword":
                j -= 1
            if j >= 0 and ranks(facts.items[j]) and not (j and counted(j - 1)):
                # ("ladies 55 or more living in Florida": the comparator is the number's)
                after.append(facts.items[j].meaning.name)
        op = next((o for o in after if o in ops), None)
        if op is None:
            return [value]
        table, column = self.catalog.property_column(prop)
        keys = list(self.catalog.column(table, column).values or {})
        if value not in keys:
            return [value]
        unknown = {w for phrase in self.lexicon.grammar.get("unknown", []) for w in phrase.split()}
        unknown |= {"other", "none", "n/a"}

        def ordered(key: str) -> bool:
            label = self.catalog.column(table, column).values[key].label or key
            return not ({key.lower(), *label.lower().split()} & unknown)

        index = keys.index(value)
        span = keys[: index + 1] if op in ("<=", "<") else keys[index:]
        if op in ("<", ">"):
            span = [k for k in span if k != value]
        chosen = [k for k in span if ordered(k)] or [value]
        facts.comparators = [c for c in facts.comparators if c != op]
        said = {"<=": "or less", "<": "less than", ">=": "or more", ">": "more than"}[op]
        result.assumptions.append(
            f"'{words[0]}' {said} = "
            + ", ".join(chosen)
            + f" (the {prop.replace('_', ' ')} values in the catalog's order)"
        )
        return chosen

    def _absent_columns(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        """'without a loyalty tier', 'no gender recorded': the column's 'none' value, or NULL."""
        if not facts.negated or facts.numbers or facts.unknown_flag:
            return []
        found: list[Condition] = []
        # "loyalty tier != none", "tier is not none": not without one, with one
        twice = "none" in facts.negation_words and len(facts.negation_words) > 1
        for table, column in facts.columns:
            prop = self.vocab.property_name(table, column)
            if prop is None or prop in facts.customer_values or table is None or column is None:
                continue
            col = self.catalog.column(table, column)
            values = col.values or {}
            if twice:
                present = (
                    AttributeCondition(attribute=prop, op="!=", value="none")
                    if "none" in values
                    else AttributeCondition(attribute=prop, op="not_null")
                )
                found.append(present)
            elif "none" in values:
                found.append(AttributeCondition(attribute=prop, op="=", value="none"))
            elif _counts(col.type):
                # "men who don't have any kids": a count of them is 0 (NULL is not knowing)
                found.append(AttributeCondition(attribute=prop, op="=", value=0))
            elif prop in self.nullable:
                found.append(AttributeCondition(attribute=prop, op="is_null"))
        if found:
            facts.negation_used = True
        return found

    def _numeric_bands(self, facts: ClauseFacts) -> Condition | None:
        """'earning over 100k', 'more than 200 employees': bands of a banded column by number."""
        column = facts.banded_column()
        if column is None:
            return None
        table, stored = self.catalog.property_column(column)
        values = self.catalog.column(table, stored).values or {}
        op, value = facts.comparison()
        low, high = value if isinstance(value, list) else [value, value]
        chosen = [
            key
            for key in values
            if (bounds := band_bounds(key)) is not None and band_satisfies(bounds, op, low, high)
        ]
        facts.numbers_used = True
        if not chosen:
            return None
        if len(chosen) == 1:
            return AttributeCondition(attribute=column, op="=", value=chosen[0])
        return AttributeCondition(attribute=column, op="in", value=chosen)

    def _dated_properties(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        """'born before 1970', 'women born in the 1990s', 'born after 1985', 'accounts created
        in the last 30 days': a named date (or birth-year) property with a time or a year."""
        found: list[Condition] = []
        for table, column in facts.columns:
            prop = self.vocab.property_name(table, column)
            if prop is None or prop in facts.customer_values:
                continue
            kind = property_kind(self.catalog, prop)[0]
            is_birth = prop == self.roles.birth
            month = self._month_of(facts, table, column, kind)
            if month is not None:
                # "a birthday in December": a month-number property and a month.
                found.append(AttributeCondition(attribute=prop, op="=", value=month))
                facts.dated = True
                facts.window = None
                result.mentions.add(f"attribute:{prop}")
                continue
            if kind != "date" and not is_birth:
                continue
            if facts.has_activity() and not is_birth:
                continue  # "accounts created …" only when the clause is about no activity
            years = self._year_span(facts) if is_birth or kind == "date" else None
            if isinstance(facts.window, Month) and not facts.window.year and kind != "date":
                continue  # "born in March" on a birth-year column: no year to compare
            if facts.ago and facts.numbers and kind == "date" and years is None:
                # "accounts created more than 2 years ago": the date is before that day.
                op, value = facts.comparison()
                unit = facts.unit or "days"
                flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "="}
                if op == "between":
                    days = sorted(ago(self.as_of, float(v), unit) for v in value)
                    found.append(_range_condition(prop, kind, days[0], days[1]))
                else:
                    day = ago(self.as_of, float(value), unit).isoformat()
                    found.append(AttributeCondition(attribute=prop, op=flipped[op], value=day))
            elif facts.window is not None:
                window = resolve(facts.window, self.as_of)
                first = None if window.start is None else window.start.date()
                last = (window.end - timedelta(days=1)).date()
                found.append(_range_condition(prop, kind, first, last))
            elif years is not None:
                found.append(_range_condition(prop, kind, *years))
            else:
                continue
            facts.dated = True
            facts.numbers_used = True
            # "online shoppers born after 1985": the year is the birth's, not a count.
            facts.numbers = [n for n in facts.numbers if not 1800 <= (n.value or 0) <= 2200]
            facts.window = None
            result.mentions.add(f"attribute:{prop}")
        return found

    @staticmethod
    def _month_of(
        facts: ClauseFacts, table: str | None, column: str | None, kind: str
    ) -> int | None:
        if kind != "number" or not isinstance(facts.window, Month) or facts.window.year:
            return None
        return facts.window.month if "month" in (column or "").lower().split("_") else None

    @staticmethod
    def _year_span(facts: ClauseFacts) -> tuple[date | None, date | None] | None:
        """A decade ('the 1990s') or a year with a comparison ('after 1985') as dates."""
        for n in facts.numbers:
            low, high = int(n.value or 0), int(n.high or n.value or 0)
            if n.kind == "decade" and low < 100:
                # "born in the seventies": a two-digit decade of a year is of the 1900s
                # (the 00s and 10s of the 2000s).
                century = 2000 if low < 20 else 1900
                low, high = low + century, high + century
            if not 1800 <= low <= 2200:
                continue
            if n.kind in ("decade", "range"):
                return date(low, 1, 1), date(high, 12, 31)
            op = facts.comparators[0] if facts.comparators else "="
            if op in (">", ">="):
                return date(low + (op == ">"), 1, 1), None
            if op in ("<", "<="):
                return None, date(low - (op == "<"), 12, 31)
            return date(low, 1, 1), date(low, 12, 31)
        return None

    def _numeric_properties(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        """'accounts with more than 1000 employees': a number next to a numeric property."""
        if facts.has_activity() or not facts.numbers or facts.numbers_used:
            return []
        prop = facts.numeric_property()
        if prop is None:
            return []
        op, value = facts.comparison()
        if not facts.comparators and op == ">=" and facts.money is not None and facts.rate_text:
            # "a plan that costs $199 a month": a price is that price (a count with no
            # comparison is at least that many)
            op = "="
        facts.numbers_used = True
        result.mentions.add(f"attribute:{prop}")
        return [AttributeCondition(attribute=prop, op=op, value=value)]

    def _derived(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        conditions: list[Condition] = self._dated_properties(facts, result)
        if conditions:
            return conditions
        numeric = self._numeric_properties(facts, result)
        conditions += numeric
        # "moms with 3 or more kids in the central time zone": the number is the kids', a band
        # of another property beside it still holds
        said = {c.attribute for c in numeric if isinstance(c, AttributeCondition)}
        for band in facts.bands:
            made = self._band(band)
            if isinstance(made, AttributeCondition) and made.attribute in said:
                continue
            result.mentions.add(f"attribute:{band.name}")
            conditions.append(made)
        if numeric:
            return conditions
        roles = self.roles
        if facts.signup and roles.signup:
            result.mentions.add(f"attribute:{roles.signup}")
            conditions += self._signup(facts, result)
        elif (
            facts.age_word
            and facts.numbers
            and roles.tenure
            and (not roles.age or facts.unit in ("days", "weeks", "months"))
        ):
            # "accounts less than 30 days old", "accounts over 2 years old" (no one's age
            # here): how long the customer has been one
            result.mentions.add(f"attribute:{roles.tenure}")
            op, value = facts.comparison(scale=facts.unit_days() if facts.unit else 365)
            conditions.append(AttributeCondition(attribute=roles.tenure, op=op, value=value))
        elif facts.is_age_clause() and roles.age:
            result.mentions.add(f"attribute:{roles.age}")
            op, value = facts.comparison()
            conditions.append(AttributeCondition(attribute=roles.age, op=op, value=value))
            if not facts.age_word:
                result.assumptions.append(f"'{facts.number_text()}' read as an age")
        elif facts.tenure and roles.tenure and (facts.numbers or facts.unit):
            result.mentions.add(f"attribute:{roles.tenure}")
            whole = self._whole_tenure(facts, result)
            if whole is not None:
                conditions.append(whole)
            else:
                op, value = facts.comparison(scale=facts.unit_days())
                conditions.append(AttributeCondition(attribute=roles.tenure, op=op, value=value))
        elif (
            facts.signup
            or (facts.tenure and not roles.tenure)
            or (facts.age_word and facts.numbers)
        ):
            what = "signup date" if facts.signup else "tenure" if facts.tenure else "age"
            result.unrecognized.append(f"{facts.text()} (this data has no {what})")
        return conditions

    def _whole_tenure(self, facts: ClauseFacts, result: ParseResult) -> Condition | None:
        """'customers for between 6 and 12 months': a tenure range in whole months or years,
        as an age range is in whole years (12 months and 20 days is still 12 months), on the
        signup date. ('more than 2 years' stays the time elapsed.)"""
        signup = self.roles.signup
        if signup is None or facts.unit not in ("months", "years") or not facts.numbers:
            return None
        op, value = facts.comparison()
        if op != "between" or not all(float(v).is_integer() for v in value):
            return None
        per = 12 if facts.unit == "years" else 1
        low, high = (int(v) * per for v in value)
        latest = _edge_day(self.as_of, low, lambda m: m >= low, max)
        earliest = _edge_day(self.as_of, high + per, lambda m: m < high + per, min)
        if latest is None or earliest is None:
            return None
        result.assumptions.append(
            f"'{facts.number_text()} {facts.unit}' = whole {facts.unit} as of "
            f"{self.as_of.isoformat()}: signed up {earliest} … {latest}"
        )
        span = [earliest.isoformat(), latest.isoformat()]
        return AttributeCondition(attribute=signup, op="between", value=span)

    def _band(self, band: Meaning) -> Condition:
        low, high = band.get("min"), band.get("max")
        derived = self.catalog.derived[band.name]
        attribute = derived.bands_on or band.name
        if property_kind(self.catalog, attribute)[0] == "date":
            # Generations are birth-year ranges: compare the date, not an age that moves.
            start = f"{int(low)}-01-01" if low is not None else None
            end = f"{int(high)}-12-31" if high is not None else None
            if start and end:
                return AttributeCondition(attribute=attribute, op="between", value=[start, end])
            if start:
                return AttributeCondition(attribute=attribute, op=">=", value=start)
            return AttributeCondition(attribute=attribute, op="<=", value=end)
        if low is not None and high is not None:
            return AttributeCondition(attribute=attribute, op="between", value=[low, high])
        if low is not None:
            return AttributeCondition(attribute=attribute, op=">=", value=low)
        return AttributeCondition(attribute=attribute, op="<=", value=high)

    def _signup(self, facts: ClauseFacts, result: ParseResult) -> list[Condition]:
        signup = self.roles.signup
        assert signup is not None
        if facts.window is not None:
            window = resolve(facts.window, self.as_of)
            last = (window.end - timedelta(days=1)).date().isoformat()
            if window.start is None:
                return [AttributeCondition(attribute=signup, op="<=", value=last)]
            first = window.start.date().isoformat()
            return [AttributeCondition(attribute=signup, op="between", value=[first, last])]
        if facts.numbers and facts.ago:
            if not self.roles.tenure:
                result.unrecognized.append(f"{facts.text()} (this data has no tenure)")
                return []
            op, value = facts.comparison(scale=facts.unit_days())
            return [AttributeCondition(attribute=self.roles.tenure, op=op, value=value)]
        return []

    # -- activities ------------------------------------------------------------------------------

    def _activities(self, facts: ClauseFacts, result: ParseResult) -> list[Tagged]:
        sources = facts.sources()
        out: list[Tagged] = []
        for source in sources:
            result.mentions.add(f"source:{source}")
            out += self._activity(source, facts, result, primary=source == sources[0])
            if facts.sources_taken:
                break
        for value in facts.activity_values:
            # A recognised value that no activity here can use must be said, never dropped.
            if not any(self.vocab.value_target(value, source) for source in sources):
                result.unrecognized.append(f"{value.value} ({value.table}.{value.column})")
        return out

    def _activity(
        self, source: str, facts: ClauseFacts, result: ParseResult, *, primary: bool
    ) -> list[Tagged]:
        filters, predicates, measure, fieldname = facts.activity_shape(source)
        event = self.catalog.events[source]
        for name in list(filters):
            # "paid late": a value of the column the event's own rows are chosen by, other
            # than theirs (payments are the paid invoices), is said, not a filter that no row
            # can meet
            ref = self.catalog.graph.member_field_ref(source, name)
            value = filters[name]
            if ref is None or not isinstance(value, list) or not event.where:
                continue
            column = f"{ref[0]}.{ref[1]}"
            fixed = re.findall(rf"{re.escape(column)}\s*=\s*'([^']*)'", event.where)
            left_out = re.findall(rf"{re.escape(column)}\s*<>\s*'([^']*)'", event.where)
            if left_out and any(str(v) in left_out for v in value):
                # "accounts with a void invoice": these events are the rows without that value
                del filters[name]
                result.unrecognized.append(
                    f"{' or '.join(str(v) for v in value)} ({event.plural_noun} are "
                    f"{column} <> '{left_out[0]}')"
                )
                continue
            if fixed and any(str(v) not in fixed for v in value):
                del filters[name]
                result.unrecognized.append(
                    f"{' or '.join(str(v) for v in value)} ({event.plural_noun} are "
                    f"{column} = '{fixed[0]}')"
                )
        try:
            activity = Activity(
                source=source,
                filters=filters,
                predicates=predicates,
                each_total=facts.each_totals.get(source),
            )
        except ValueError as exc:
            result.unrecognized.append(f"{facts.text()} ({_first_error(exc)})")
            return []
        window = facts.window or self._measure_window(facts, source, result) or AllTime()
        # an average over order lines is the lines' total per distinct order (the compiler's
        # avg over an event with an instance); a min or max per order has no such form
        per_event = measure in ("min", "max") and fieldname == event.amount
        if per_event and not one_row_per_event(self.catalog, source):
            # a min/max over order lines is not the smallest/largest order: say so, never guess
            result.unrecognized.append(
                f"{facts.text()} (an {measure} per {event.noun}: this data's rows are "
                f"the lines of {event.plural_noun}, and no measure gives it)"
            )
            return []
        times = facts.money is None and facts.times_counted()  # "paid twice": a count
        amount = facts.money is not None or (facts.money_verb and facts.numbers and not times)
        if amount and measure == "count":
            if event.amount is None:
                result.unrecognized.append(f"{facts.text()} ({event.plural_noun} have no amount)")
                return []
            measure, fieldname = "sum", event.amount
        if facts.rank and primary:
            if not facts.numbers and not facts.measure_named:
                # "the best ones": best by what, and how many? Say so rather than guess.
                result.unrecognized.append(f"{facts.rank_text} (top by what, and how many?)")
                result.unranked = facts.rank_text
                return []
            return [Tagged(self._rank(facts, activity, measure, fieldname, window, result))]
        named = facts.sources()
        recency_source = facts.recency_source or (named[0] if named else None)
        # "last purchase more than 90 days ago", "most recent order older than four months"
        dated = facts.ago or (facts.unit is not None and bool(facts.numbers))
        recent = facts.recency and source == (recency_source or self.vocab.default_source())
        if recent and dated:
            return self._recency(activity, facts, window, result)
        if recent and facts.window is not None and not facts.numbers and not facts.negated:
            return self._last_in(activity, facts, facts.window, result)
        if (
            facts.negated
            and isinstance(facts.window, Since)
            and not facts.back_reference
            and not facts.carried  # "raised a ticket since March but no overdue invoices"
            # "leave out anyone who returned something since Christmas": an exclusion of
            # what was done since, not a "haven't … since"
            and not set(facts.negation_words) & _EXCLUDING
            # "haven't paid since June": no amount said, so none of the event (not $0)
            and (measure == "count" or (measure == "sum" and facts.money is None))
            and not facts.numbers
            and primary
        ):
            return self._not_since(activity, facts, facts.window, result)
        if facts.share_all and facts.numbers and not facts.numbers_filter:
            # "only ever bought once": exactly, not a share ("only ever rated 4 or 5": the
            # numbers are the rating every one of them has, a share of all)
            facts.share_word = ""
            facts.comparators = facts.comparators or ["="]
        if facts.share_word and primary and measure in ("count", "sum"):
            # "the catalog makes up more than 50% of their total spend": the member's share
            part = self._share_part(activity, facts.sources()) or activity
            mostly = self._mostly(part, facts, window, result, measure, fieldname)
            if mostly is not None:
                if part is not activity:
                    facts.sources_taken = True
                return [Tagged(mostly)]
        if facts.first_word and measure == "count" and not isinstance(window, AllTime):
            return self._first(activity, window, result)
        last_said = (
            facts.recency
            and not facts.recency_used
            and (
                recent or self._union_of(source) == (recency_source or self.vocab.default_source())
            )
        )
        if (
            (facts.first_word or last_said)
            and measure == "count"
            and isinstance(window, AllTime)
            and (activity.filters or activity.predicates or self._union_of(activity.source))
            and not (facts.numbers or facts.negated)
        ):
            return self._first_was(activity, "first" if facts.first_word else "last", facts, result)
        has_quantity = (
            primary and not facts.numbers_filter and (facts.numbers or facts.money is not None)
        )
        if (
            has_quantity
            and measure != "share"
            and facts.numbers[:1]
            and (facts.numbers[0].number_kind == "percent")
        ):
            # "more than 60% of their orders online": a share of the activity itself; "returned
            # more than 20% of their orders": of another activity, never a count of 20
            number = facts.numbers[0]
            part = self._share_part(activity, facts.sources())
            if primary and part is not None and re.search(r"%\s+of\b", self._clause_text(facts)):
                share = self._mostly(
                    part, facts, window, result, measure, fieldname, percent=number
                )
                if share is not None:
                    facts.sources_taken = True
                    facts.used_numbers.add(id(number))
                    return [Tagged(share)]
            facts.used_numbers.add(id(number))
            result.unrecognized.append(
                f"{facts.number_text() or number.text} (a percentage of another activity is not "
                "a condition I can make)"
            )
            return []
        first = facts.numbers[0] if facts.numbers else None
        if (
            has_quantity
            and measure == "count"
            and first is not None
            and first.kind == "number"
            and first.number_kind == "number"
            and not facts.comparators
            and PLAUSIBLE_YEARS[0] <= (first.value or 0) <= PLAUSIBLE_YEARS[1]
            and float(first.value or 0).is_integer()
        ):
            # "bought from the catalog in each quarter of 2002": a year no time took, not
            # 2002 purchases
            facts.used_numbers.add(id(first))
            result.unrecognized.append(f"{first.text} (a year, but no time here takes it)")
            has_quantity = False
        if has_quantity:
            op, value = facts.comparison(
                money=measure in ("sum", "avg") and fieldname != "item_count"
            )
        else:
            op, value = ">=", 1
        # With a vague word in the clause ("haven't engaged with any win-back campaign"), the
        # filters join the word's own activity and the negation covers the two together.
        term_here = any(t.name for t in facts.terms)
        if facts.negated and not has_quantity and not term_here:
            op, value = "=", 0
            facts.negation_used = True
        try:
            condition = ActivityCondition(
                activity=activity,
                measure=measure,
                field=fieldname,
                op=op,
                value=value,
                window=window,
            )
        except ValueError as exc:
            result.unrecognized.append(f"{facts.text()} ({_first_error(exc)})")
            return []
        bare = not has_quantity and (not facts.negated or term_here) and measure == "count"
        guess = facts.implied_source == source
        if guess:
            result.assumptions.append(
                f"'{facts.implied_by}' read as customers with {event.plural_noun} of it"
            )
        return [Tagged(condition, bare_activity=bare, guess=guess and not facts.verbs)]

    def _measure_window(
        self, facts: ClauseFacts, source: str, result: ParseResult
    ) -> Window | None:
        """'top 20 accounts by MRR': a measure that is a rate over a period is over it."""
        for m in facts.measures:
            measure = self.catalog.measures.get(m.name)
            if measure is not None and measure.window is not None and measure.event == source:
                label = resolve(measure.window, self.as_of).label
                result.assumptions.append(f"'{m.name}' is over the {label} (its definition)")
                return measure.window
        return None

    def _recency(
        self, activity: Activity, facts: ClauseFacts, window: Window, result: ParseResult
    ) -> list[Tagged]:
        """'last purchase more than 4 months ago', 'last logged in over 60 days ago', 'most
        recent order between 3 and 12 months ago': days since the latest such event, counted on
        the calendar at as_of (4 months before 30 Sep is 30 May: 123 days); a range of months
        ago is a window of months, as 'the last 12 months' is. Someone who never did it has no
        last time: a recency that never-doers would meet needs at least one."""
        unit = facts.unit or "days"
        number = facts.numbers[0] if facts.numbers else None
        if number is not None:
            facts.used_numbers.add(id(number))
        low = 1.0 if number is None else float(number.value or 0)

        def days(n: float) -> int:
            return (self.as_of - ago(self.as_of, n, unit)).days

        if number is not None and number.kind in ("range", "decade"):
            high = float(number.high or low)
            op, value = "between", [days(low), days(high)]
            if unit in ("months", "years") and low.is_integer() and high.is_integer():
                # "between 4 and 6 months ago": the last one in the months from 6 months
                # before the end of today up to 4 months before it, as a window of months is
                end = self.as_of + timedelta(days=1)
                months = 12 if unit == "years" else 1
                since = (self.as_of - add_months(end, -int(low) * months)).days + 1
                value = [since, (self.as_of - add_months(end, -int(high) * months)).days]
        else:
            op = facts.comparators[0] if facts.comparators else ">="
            value = days(low)
        facts.negation_used = False
        facts.recency_used = True
        made = [
            Tagged(
                ActivityCondition(
                    activity=activity,
                    measure="days_since_last",
                    op=op,
                    value=value,
                    window=window,
                )
            )
        ]
        noun = self.catalog.events[activity.source].noun
        if unit in ("months", "years", "weeks"):
            first = value[0] if isinstance(value, list) else value
            shown = unit[:-1] if low == 1 else unit
            result.assumptions.append(
                f"{_num(low)} {shown} before {self.as_of.isoformat()} = {first} days (on the "
                "calendar)"
            )
        if op in (">", ">="):
            made.insert(0, Tagged(ActivityCondition(activity=activity, op=">=", value=1)))
            result.assumptions.append(
                f"a last {noun} long ago needs at least one {noun} (never = no last one)"
            )
        return made

    def _last_in(
        self, activity: Activity, facts: ClauseFacts, window: Window, result: ParseResult
    ) -> list[Tagged]:
        """'customers whose last order was in March': one in that time and none after it."""
        facts.recency_used = True
        during = Tagged(ActivityCondition(activity=activity, op=">=", value=1, window=window))
        end = resolve(window, self.as_of).end.date()
        if end > self.as_of:
            return [during]  # the time reaches today: nothing can come after it
        noun = self.catalog.events[activity.source].noun
        result.assumptions.append(
            f"'last {noun} in …' = at least one {noun} then and none from {end.isoformat()} on"
        )
        after = ActivityCondition(activity=activity, op="=", value=0, window=Since(start=end))
        return [during, Tagged(after)]

    def _not_since(
        self, activity: Activity, facts: ClauseFacts, window: Since, result: ParseResult
    ) -> list[Tagged]:
        """'haven't bought since March', 'haven't shopped with us since 2001': they did it
        before and not from then on. A bare year names the last year they did it in."""
        start = window.start
        text = next((self._time_text[i.text] for i in facts.items if i.text in self._time_text), "")
        if re.fullmatch(r"(?:ever\s+)?since\s+\d{4}", text.strip()):
            start = date(start.year + 1, 1, 1)
        noun = self.catalog.events[activity.source].noun
        facts.negation_used = True
        result.assumptions.append(
            f"'not since …' = at least one {noun} before {start.isoformat()} and none on or "
            "after it"
        )
        none = ActivityCondition(activity=activity, op="=", value=0, window=Since(start=start))
        return [Tagged(ActivityCondition(activity=activity, op=">=", value=1)), Tagged(none)]

    def _first_was(
        self, activity: Activity, which: str, facts: ClauseFacts, result: ParseResult
    ) -> list[Tagged]:
        """'whose very first order was in the app', 'whose last purchase was online': they
        have such a row, and no row of the event at all before (after) their first (last)
        one."""
        facts.recency_used = True
        side = "before" if which == "first" else "after"
        anchor = AfterEvent(activity=activity, which=which, side=side)  # type: ignore[arg-type]
        # "whose first purchase was from the catalog": no purchase of any channel before it
        counted = self._union_of(activity.source) or activity.source
        none = ActivityCondition(activity=Activity(source=counted), op="=", value=0, after=anchor)
        noun = self.catalog.events[counted].noun
        result.assumptions.append(
            f"'{which} {noun} was …' = no {noun} of any kind {side} their {which} such {noun}"
        )
        if which != "first":
            return [Tagged(none)]
        tied = anchor.model_copy(update={"side": "by"})
        others = [
            ActivityCondition(activity=other, op="=", value=0, after=tied)
            for other in self._other_kinds(activity, counted)
        ]
        if others:
            result.assumptions.append(
                f"a {noun} of another kind at the same time as the first such one (the same day, "
                "where only days are kept) is a tie, "
                "not a first"
            )
            return [Tagged(none), *(Tagged(o) for o in others)]
        return [Tagged(none)]

    def _other_kinds(self, activity: Activity, counted: str) -> list[Activity]:
        """The rows of `counted` that are not of `activity`'s kind: the union's other members,
        or the other values of its one enumerated filter on the event's own row (another
        channel), never of a field of its lines."""
        event = self.catalog.events[counted]
        if event.union and activity.source in event.union and not activity.filters:
            return [Activity(source=m) for m in event.union if m != activity.source]
        if activity.source != counted or len(activity.filters) != 1 or activity.predicates:
            return []
        ((name, value),) = activity.filters.items()
        ref = self.catalog.graph.event_fields(counted).get(name)
        if not isinstance(value, list) or ref is None or set(ref.tables) != {event.table}:
            return []  # a field of the order's lines: items of one order are no tie
        rest = [v for v in field_values(self.catalog, counted, name) if v not in value]
        return [Activity(source=counted, filters={name: rest})] if rest else []

    def _union_of(self, source: str) -> str | None:
        """The event that joins `source` with others (purchases of every channel), if any."""
        return next((n for n, members in self.unions.items() if source in members), None)

    def _first(self, activity: Activity, window: Window, result: ParseResult) -> list[Tagged]:
        """'first store purchase in the last 90 days': one in the window and none before it."""
        start = resolve(window, self.as_of).start
        during = ActivityCondition(activity=activity, op=">=", value=1, window=window)
        if start is None:
            return [Tagged(during)]
        before = ActivityCondition(
            activity=activity, op="=", value=0, window=Before(end=start.date())
        )
        noun = self.catalog.events[activity.source].noun
        result.assumptions.append(
            f"a first {noun} in that time = at least one then and none before "
            f"{start.date().isoformat()}"
        )
        return [Tagged(during), Tagged(before)]

    @staticmethod
    def _clause_text(facts: ClauseFacts) -> str:
        return " ".join(i.text for i in facts.items)

    def _share_part(self, activity: Activity, sources: list[str]) -> Activity | None:
        """The part a percentage is a share of: the activity itself, or with two sources one of
        which holds the other ("the catalog makes up 50% of their total spend", "catalog spend is
        at least half of their total spend"), the member."""
        if len(set(sources)) == 1:
            return activity
        if len(set(sources)) != 2 or activity.filters or activity.predicates:
            return None
        for member in sources:
            if any(member in (self.catalog.events[s].union or []) for s in sources):
                return Activity(source=member)
        return None

    def _mostly(
        self,
        activity: Activity,
        facts: ClauseFacts,
        window: Window,
        result: ParseResult,
        measure: str,
        fieldname: str | None,
        percent: Item | None = None,
    ) -> Condition | None:
        """'shop mostly in the app', 'more than half of their orders had a discount', 'mostly
        buy online' (a channel that is an event of its own: the share of all purchases that are
        web orders), 'more than half of their money online' (the share of spend): more than
        half of the activity has the clause's values."""
        source = activity.source
        member = None
        unions = [n for n, e in self.catalog.events.items() if source in (e.union or [])]
        if unions and not activity.filters and not activity.predicates:
            member, source = source, unions[0]
        elif not activity.filters and not activity.predicates:
            return None
        event = self.catalog.events[source]
        share = ShareOf(filters=activity.filters, predicates=activity.predicates, member=member)
        weighted = (measure == "sum" and fieldname is not None) or (
            facts.money_verb and event.amount is not None
        )
        if facts.share_all and facts.money is None and measure != "sum":
            weighted = False  # "paid by card for every order": every order, not the money
        if weighted and event.amount is not None:
            fieldname = event.amount
        every = facts.share_all
        op, value = (">=", 100) if every else (">", 50)
        portion = "all of" if every else "more than half of"
        if percent is not None:
            # "more than 60% of their orders online": the share the request gives
            op = facts.comparators[0] if facts.comparators else ">="
            value = as_number(percent.value or 0)
            portion = f"{op} {_num(value)}% of"
        condition = ActivityCondition(
            activity=Activity(source=source),
            measure="share",
            field=fieldname if weighted else None,
            share_of=share,
            op=op,
            value=value,
            window=window,
        )
        facts.numbers_used = True
        what = f"their spend on {event.plural_noun}" if weighted else f"their {event.plural_noun}"
        if member is not None:
            what += f" being {self.catalog.events[member].plural_noun}"
        said = facts.share_word or (percent.text if percent is not None else "")
        result.assumptions.append(f"'{said}' = {portion} {what}")
        return condition

    def _rank(self, facts, activity, measure, fieldname, window, result) -> Condition:
        direction = facts.rank.name
        number = facts.numbers[0] if facts.numbers else None
        if number is not None:
            facts.used_numbers.add(id(number))
        if number is None:
            n, unit = 10.0, "percent"
            result.assumptions.append(f"'{direction}' without a size read as {direction} 10%")
        else:
            n = number.value
            unit = "percent" if number.number_kind == "percent" else "customers"
        amount = self.catalog.events[activity.source].amount
        if measure == "count" and (not facts.measure_named or facts.money_verb) and amount:
            measure, fieldname = "sum", amount
            result.assumptions.append(
                f"ranked by spend ({amount.replace('_', ' ')} of "
                f"{self.catalog.events[activity.source].plural_noun})"
            )
        facts.negation_used = False
        return RankCondition(
            activity=activity,
            measure=measure,
            field=fieldname,
            window=window,
            direction=direction,
            n=n,
            unit=unit,
        )

    # -- combining clauses -----------------------------------------------------------------------

    @staticmethod
    def _not_both(conditions: list[Condition], result: ParseResult) -> list[Condition]:
        """'bought footwear or apparel but not both': the 'or' before it, and not all of it."""
        last = conditions[-1] if conditions else None
        if isinstance(last, ActivityCondition):
            # "bought footwear or apparel": one activity with a list of two values
            lists = [(k, v) for k, v in last.activity.filters.items() if isinstance(v, list)]
            if len(lists) == 1 and len(lists[0][1]) == 2:
                name, pair = lists[0]
                each = [
                    last.model_copy(
                        update={
                            "activity": last.activity.model_copy(
                                update={"filters": {**last.activity.filters, name: [v]}}
                            )
                        }
                    )
                    for v in pair
                ]
                last = OrGroup(conditions=each)
                conditions = [*conditions[:-1], last]
        if isinstance(last, OrGroup) and len(last.conditions) == 2:
            result.assumptions.append("'… or … but not both' = one of them, and not the two")
            both = NotGroup(condition=AndGroup(conditions=list(last.conditions)))
            return [*conditions, both]
        result.unrecognized.append("but not both (no 'either … or …' before it)")
        return conditions

    @staticmethod
    def _neither(previous: list[Condition], current: list[Tagged]) -> list[Condition] | None:
        """An 'or' item with no verb of its own after a 'none of' activity: the negation covers
        it too ('never bought online or in the app' = neither online nor in the app)."""
        last = previous[-1] if previous else None
        if not (isinstance(last, ActivityCondition) and last.op == "=" and last.value == 0):
            return None
        if not current or not all(
            t.bare_activity
            and isinstance(t.condition, ActivityCondition)
            and t.condition.op == ">="
            and t.condition.value == 1
            and t.condition.measure == last.measure
            for t in current
        ):
            return None
        out: list[Condition] = []
        for t in current:
            c = t.condition
            assert isinstance(c, ActivityCondition)
            window = c.window if c.window not in (None, AllTime()) else last.window
            out.append(c.model_copy(update={"op": "=", "value": 0, "window": window}))
            if last.window in (None, AllTime()) and window not in (None, AllTime()):
                # "did not buy online or in store last year": the time after the list is both's
                previous[-1] = last = last.model_copy(update={"window": window})
        return out

    def _combine(
        self, tagged: list[Tagged], joiners: list[str], result: ParseResult
    ) -> list[Condition]:
        unions = self.unions
        tagged = apply_term_overrides(tagged, result, unions)
        by_clause: dict[int, list[Tagged]] = {}
        for t in tagged:
            by_clause.setdefault(t.clause, []).append(t)
        groups: list[list[Condition]] = []
        clauses = sorted(by_clause)
        for at, index in enumerate(clauses):
            conditions = [t.condition for t in by_clause[index]]
            joiner = joiners[index] if index < len(joiners) else "and"
            skipped = range(clauses[at - 1] + 1 if at else 0, index)
            if any(k < len(joiners) and joiners[k] == "or" for k in skipped):
                # "points or loyalty tier != gold": the "or" before a clause that only names
                # what the next one (its negation) is about joins that next one
                joiner = "or"
            neither_value = (
                not_either(groups[-1], conditions) if joiner == "or" and groups else None
            )
            if neither_value is not None:
                # "who aren't gold or platinum": neither value
                groups[-1] = neither_value
                result.assumptions.append("'not … or …' = neither of them")
                continue
            merged = or_values(groups[-1], conditions) if joiner == "or" and groups else None
            neither = (
                self._neither(groups[-1], by_clause[index]) if joiner == "or" and groups else None
            )
            if neither is not None:
                # "never bought anything online or in the app": none of either
                groups.append(neither)
                result.assumptions.append("'never … or …' = none of either")
            elif merged is not None:
                groups[-1] = merged
            elif joiner == "or" and groups:
                groups[-1] = [either(all_of(groups[-1]), all_of(conditions), result)]
            elif (
                joiner == "and"
                and groups
                and (pair := same_column_value(groups[-1], conditions)) is not None
            ):
                same, other = pair
                groups[-1][same] = either(groups[-1][same], conditions[other], result)
                groups[-1] += conditions[:other] + conditions[other + 1 :]
                result.assumptions.append(
                    "values of the same attribute joined by 'and' read as "
                    "either of them (nobody has both)"
                )
            else:
                groups.append(conditions)
        return [c for group in groups for c in group]


# "in each country", "for every sales region", "per region", "within each plan"
# Words that say a property is known ("an email address on file").
_PEOPLE_AVERAGED = re.compile(
    r"'s?\b|\b(?:customer|shopper|buyer|account|user|man|men|woman|women|person|people|member|"
    r"client|spender|household|company|companies)s?\b"
)
_AVERAGE_OF_OTHERS = re.compile(
    r"\b(?:more|less|fewer|higher|lower|bigger|greater|larger|smaller|above|below|under|over)"
    r"(?:\s+(?:\S+\s+){0,8}?than)?\s+(?:the\s+|an?\s+)?(?:\d+%?\s+)?"
    r"(?:average|typical|median|mean|usual)\s+(?:\d+\s+)?(?!order\b|basket\b|ticket\b|purchase\b)"
    r"(?:customer|customers|shopper|shoppers|buyer|buyers|account|accounts|user|users|man|men|"
    r"woman|women|person|people|member|members|client|clients|[a-z]+\s+(?:customer|account|"
    r"buyer|shopper|user|client)s?)\b"
)


# Words that stand for the verb said before them ("but at least one viewer did").
_PRO_VERBS = frozenset({"did", "do", "does", "had", "has", "have"})

# Comparator words that are also prepositions of time or place: no rank of a value.
_PLACE_WORDS = frozenset({"after", "before", "over", "under", "beyond"})


def _restates(where: str | None, value: Any) -> bool:
    """'completed orders' when an order is a completed transaction anyway."""
    return bool(where) and isinstance(value, list) and len(value) == 1 and f"'{value[0]}'" in where


def _labels_of_named_models(
    items: list[Item], short_label: Callable[[str, str], Meaning | None]
) -> tuple[list[Item], set[str]]:
    """'RFM champions and loyal customers', 'the RFM Can't Lose Them and At Risk groups': a word
    joined by 'and' or 'or' to a label of a segment model that is also one of its labels is that
    label, not the catalog term of the same name. Returns the items and the models whose labels
    were said together (a customer has one label of a model: the two are either of them)."""
    out = list(items)
    coordinated: set[str] = set()
    for j, named in enumerate(items):
        # "B or C in the pareto split": letters listed before the model said after them
        if named.kind != "model_alias":
            continue
        k = j - 1
        while k >= 0 and out[k].kind == "stopword":
            k -= 1
        run: list[int] = []
        while k >= 0 and (label := short_label(named.meaning.name, out[k].text)) is not None:
            run.append(k)
            out[k] = Item("segment_model", out[k].text, [label])
            k -= 1
            if k >= 0 and out[k].kind == "conjunction":
                k -= 1
        if len(run) > 1:
            coordinated.add(named.meaning.name)
        basis = out[j + 1 : j + 3]
        if [i.text for i in basis[:1]] == ["by"] and [i.kind for i in basis[1:]] == ["measure"]:
            # "the pareto split by revenue": what the model ranks by, not a condition
            out[j + 1] = replace(out[j + 1], kind="stopword")
            out[j + 2] = Item("stopword", out[j + 2].text)
    for k in range(2, len(out)):
        first, joiner, item = out[k - 2], out[k - 1], out[k]
        if first.kind != "segment_model" or joiner.kind != "conjunction":
            continue
        if joiner.meaning.name not in ("and", "or", ","):
            continue
        model = first.meaning.name
        labels = [m for m in item.meanings if m.kind == "segment_model" and m.name == model]
        short = short_label(model, item.text) if item.kind in ("word", "stopword") else None
        if short is not None:
            # "ABC class B or C": a letter after the list is the model's label too
            out[k] = Item("segment_model", item.text, [short])
            coordinated.add(model)
            _within_either(out, k - 1)
            continue
        if item.kind not in ("term", "segment_model") or not labels:
            continue
        if labels[0].value == first.meaning.value:
            continue
        rest = [m for m in item.meanings if m.kind not in ("segment_model", "term")]
        out[k] = replace(item, kind="segment_model", meanings=[*labels, *rest])
        coordinated.add(model)
        _within_either(out, k - 1)
    return out, coordinated


def _within_either(items: list[Item], joiner: int) -> None:
    """An 'or' between two labels of one model joins only them ('pro accounts in class B or C'
    is pro and either label, not pro B accounts or any C account): the labels become one either
    condition, so the 'or' no longer splits the request."""
    if items[joiner].meaning.name == "or":
        items[joiner] = Item("stopword", items[joiner].text)


def _either_label(conditions: list[Condition], result: ParseResult) -> list[Condition]:
    """The labels of one model said together, as one 'either' at the first one's place (the
    rest of the request still applies to both: 'RFM champions and loyal customers in Texas')."""
    out = list(conditions)
    for model in sorted(result.either_models):
        same = [c for c in out if isinstance(c, SegmentRef) and c.model == model]
        if len({r.label for r in same}) < 2:
            continue
        first = out.index(same[0])
        out = [c for c in out if not any(c is r for r in same)]
        out.insert(first, OrGroup(conditions=list(same)))
        labels = " and ".join(f"'{r.label.replace('_', ' ')}'" for r in same)
        result.assumptions.append(f"{labels} read as either (a customer has one {model} label)")
    return out


def _had_as_thing(items: list[Item], named: Item) -> bool:
    """'with an email address', 'with no email address', 'without a phone': the property is
    named as a thing one has (or has not)."""
    before = items[: items.index(named)]
    while before and before[-1].kind == "stopword" and before[-1].text in ("a", "an", "any"):
        before.pop()
        if not before or before[-1].kind != "negation":
            return True
    return bool(before) and before[-1].kind == "negation" and before[-1].text in ("no", "without")


_HAVING = frozenset({"with", "have", "has", "having", "hold", "holds", "holding"})
_NEGATIVE_LABEL = re.compile(r"(?:not|non|no|without|un)\b")
_KNOWN_WORDS = frozenset(
    {"on file", "on record", "recorded", "known", "provided", "listed", "saved", "filled in"}
)
_OPENED = re.compile(
    r"\b(opened|opens|open|opening)\s+(an?|the|one|some|\d+)\s+((?:[a-z-]+\s+){0,2}[a-z-]+)\b"
)


def event_nouns(catalog: Catalog) -> list[str]:
    """The words a request counts an event's rows in: each event's noun and plural, and the
    one-word nouns of count measures ('orders'), longest first. No verbs or agent nouns."""
    nouns = {e.noun for e in catalog.events.values()}
    nouns |= {e.plural_noun for e in catalog.events.values()}
    for measure in catalog.measures.values():
        if measure.aggregate == "count":
            nouns |= {
                p for p in measure.phrases if " " not in p and not p.endswith(("ed", "ing", "ers"))
            }
    nouns |= {single for n in nouns if (single := singular_word(n))}
    return sorted(nouns, key=len, reverse=True)


def _actor_nouns(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """A pattern for 'N (different) <people>' where the people are the rows of an event whose
    table other events reach the customer through (an account's users: a usage event's customer
    is its user's account), and each word's plural noun."""
    lines = {e.lines for e in catalog.events.values() if e.lines}  # an order's lines are no people
    through = {
        e.customer.split(".")[0]
        for name, e in catalog.events.items()
        if e.customer and "." in e.customer and name not in lines
    }
    plural: dict[str, str] = {}
    for event in catalog.events.values():
        table = event.table
        if not table or event.union or table not in through:
            continue
        words = {event.plural_noun, *catalog.tables[table].synonyms}
        for word in words:
            if word and " " not in word:
                plural.setdefault(word, event.plural_noun)
        for column in catalog.tables[table].columns.values():
            for value in (column.values or {}).values():
                # "3 admins exported a report": the people named by a value of theirs
                for word in (value.label, *value.synonyms):
                    if word and word.endswith("s") and word.lower() == word:
                        plural.setdefault(word, word)
    if not plural:
        return None
    nouns = "|".join(re.escape(w) for w in sorted(plural, key=len, reverse=True))
    return (
        re.compile(
            r"(?P<count>\b\d+(?:\s+or\s+(?:more|fewer|less))?)\s+"
            r"(?:(?:different|distinct|unique|separate|individual)\s+)?"
            rf"(?P<noun>{nouns})\s+(?!(?:who|that|which|of|and|or|in|on|with|whose)\b)"
        ),
        plural,
    )


def _single_pattern(catalog: Catalog) -> re.Pattern[str]:
    words = "|".join(re.escape(n) for n in event_nouns(catalog))
    return re.compile(rf"\bsingle\s+(?=(?:{words})\b)")


# "every", "each one of those", "all of their": every one of a customer's rows
_EVERY_ONE = (
    r"(?:(?:every|each)(?:\s+one\s+of\s+(?:their|the|those|these))?|"
    r"all\s+(?:of\s+)?(?:their|his|her|its|the|those|these))"
)


def _every_pattern(catalog: Catalog) -> re.Pattern[str]:
    words = "|".join(re.escape(n) for n in event_nouns(catalog))
    return re.compile(rf"\b{_EVERY_ONE}\s+(?:single\s+)?(?:{words})\b")


def _rated_every_pattern(catalog: Catalog) -> re.Pattern[str]:
    words = "|".join(re.escape(n) for n in event_nouns(catalog))
    return re.compile(
        rf"\b(rated|gave|scored|marked)\s+{_EVERY_ONE}\s+(?:single\s+)?(?:{words})\s+"
        rf"(?:(?:an?|as)\s+)?(?=\d)"
    )


def _age_like(item: Item) -> bool:
    """A plain whole number (or range) a person's age could be."""
    if item.number_kind not in ("number", "") or item.kind not in ("number", "range"):
        return False
    values = [item.value, item.high] if item.kind == "range" else [item.value]
    return all(v is not None and 14 <= v <= 110 and float(v).is_integer() for v in values)


_PER_GROUP = re.compile(
    r"\b(?:(?:in|for|within|across|from)\s+(?:each|every)|per)\s+(?P<what>[a-z]+(?:\s+[a-z]+){0,2})"
    r"(?=$|[\s,])"
)


def whole_months(start: date, end: date) -> int:
    """Whole months from start to end; the last day of a month reaches any later day of the
    month it ends in (31 Mar to 30 Sep is 6 months), as DuckDB's date_sub('month') counts."""
    months = (end.year - start.year) * 12 + end.month - start.month
    month_end = (end + timedelta(days=1)).day == 1
    if end.day < start.day and not month_end:
        months -= 1
    return months


def _edge_day(as_of: date, months: int, ok: Any, pick: Any) -> date | None:
    """The latest (pick=max) or earliest (pick=min) day near as_of - months whose whole months
    to as_of satisfy ok; None when no day near it does."""
    guess = add_months(as_of, -months)
    days = [guess + timedelta(days=d) for d in range(-4, 5)]
    fits = [d for d in days if ok(whole_months(d, as_of))]
    return pick(fits) if fits else None


def _place_name(words: Iterable[str]) -> str:
    """A place name as the data spells most ('red hill': 'Red Hill')."""
    return " ".join(w.capitalize() for w in " ".join(words).split())


# Words pointing back at the rows the clause before counted ("where the ones they rated …").
_BACK_TO_ROWS = frozenset(("the ones", "those ones", "of them", "of those", "among them"))


def _joins_place_names(items: list[Item], k: int) -> bool:
    """Item k is an 'or' between two runs of unknown words, the first said after 'in' ('in
    Lakewood or Fairview'): two names of one place property (the place reader's)."""
    if items[k].meaning.name != "or" or k == 0 or k + 1 >= len(items):
        return False
    if items[k - 1].kind != "word" or items[k + 1].kind != "word":
        return False
    j = k - 1
    while j > 0 and items[j - 1].kind == "word":
        j -= 1
    return j > 0 and items[j - 1].text.split()[-1] in ("in", "from", "near", "around")


def _joins_one_column(items: list[Item], k: int) -> bool:
    """Item k is an 'or' between two values of one column (the column coordination chose)."""
    if items[k].meaning.name != "or" or k == 0 or k + 1 >= len(items):
        return False
    if not (items[k - 1].meanings and items[k + 1].meanings):
        return False  # a number, an unknown word
    before, after = items[k - 1].meaning, items[k + 1].meaning
    return (
        before.kind == after.kind == "value"
        and (before.table, before.column) == (after.table, after.column)
        and before.column is not None
    )


def _range_condition(
    prop: str, kind: str, first: date | None, last: date | None
) -> AttributeCondition:
    """A date range on a date property, or the same years on a year-number property."""
    if kind == "date":
        low = None if first is None else first.isoformat()
        high = None if last is None else last.isoformat()
    else:
        low = None if first is None else first.year
        high = None if last is None else last.year
    if low is not None and high is not None:
        return AttributeCondition(attribute=prop, op="between", value=[low, high])
    if low is not None:
        return AttributeCondition(attribute=prop, op=">=", value=low)
    return AttributeCondition(attribute=prop, op="<=", value=high)


def ago(as_of: date, n: float, unit: str) -> date:
    """The day N units before as_of, months and years on the calendar (clamped to month ends)."""
    if unit in ("months", "years") and float(n).is_integer():
        return add_months(as_of, -int(n) * (12 if unit == "years" else 1))
    return as_of - timedelta(days=round(n * UNIT_DAYS.get(unit, 1)))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_TIME_WORDS = [
    "since", "last", "past", "previous", "ago", "during", "between", "within", "before",
    "after", "until", "today", "yesterday", "week", "weeks", "month", "months", "year",
    "years", "quarter", "quarters", "days", "weekend", "january", "february", "march",
    "april", "june", "july", "august", "september", "october", "november", "december",
]  # fmt: skip
EARLIER = "__earlier__"  # an anchor said as 'their last one': the activity said before it
_PRONOUNS = {"one", "ones", "it", "them", "that", "this"}


def _as_said_before(anchor: AfterEvent, earlier: list[Tagged]) -> AfterEvent:
    """'clicked a promo email … but haven't bought since their last click': the click is the
    one just said, with all its qualifiers, when the words after 'since' are a part of it."""
    if anchor.activity.source == EARLIER:
        acts = [t.condition for t in earlier if isinstance(t.condition, ActivityCondition)]
        if len(acts) == 1:
            return anchor.model_copy(update={"activity": acts[0].activity})
        return anchor
    said = [
        t.condition.activity
        for t in earlier
        if isinstance(t.condition, ActivityCondition)
        and t.condition.activity.source == anchor.activity.source
    ]
    if len(said) != 1:
        return anchor
    before, named = said[0], anchor.activity
    within = all(
        set(map(str, listed(v))) <= set(map(str, listed(before.filters.get(k, []))))
        for k, v in named.filters.items()
    )
    if within and set(named.predicates) <= set(before.predicates):
        return anchor.model_copy(update={"activity": before})
    return anchor


def _counts(sql_type: str | None) -> bool:
    return (sql_type or "").upper() in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT")


def _note_unknown(result: ParseResult, item: Item) -> None:
    if item.text not in result.unrecognized:
        result.unrecognized.append(item.text)
    if item.text not in result.unknown_words:
        result.unknown_words.append(item.text)


def _first_error(exc: Exception) -> str:
    text = str(exc).splitlines()
    for line in text:
        if "Value error" in line or "Input should be" in line:
            return line.strip()
    return text[-1] if text else "not expressible"
