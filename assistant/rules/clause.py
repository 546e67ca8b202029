"""What one clause of a request says, sorted by kind and resolved in context."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.rules.items import Item
from assistant.rules.lexicon import Meaning
from assistant.rules.vocabulary import UNIT_DAYS, Vocabulary, band_bounds
from assistant.spec import property_kind, type_kind
from assistant.windows import Window

if TYPE_CHECKING:
    from assistant.rules.parser import RequestParser


class ClauseFacts:
    """What one clause says, sorted by kind."""

    def __init__(self, items: list[Item], parser: RequestParser) -> None:
        self.items = items
        self.parser = parser
        self.vocab: Vocabulary = parser.vocab
        self.negated = False
        self.negation_used = False
        self.comparators: list[str] = []
        self.numbers: list[Item] = []
        self.money: float | None = None
        self.window: Window | None = None
        self.customer_values: dict[str, list[str]] = {}
        self.unknown_columns: list[str] = []
        self.activity_values: list[Meaning] = []
        self.measures: list[Meaning] = []
        self.predicates: list[Meaning] = []
        self.verbs: list[str] = []
        self.terms: list[Meaning] = []
        self.segments: list[Meaning] = []
        self.bands: list[Meaning] = []
        self.derived: list[Meaning] = []
        self.rank: Meaning | None = None
        self.recency = False
        self.recency_source: str | None = None
        self.recency_text = ""
        self.recency_used = False  # a condition is on the latest such event
        self.first_word = ""  # "first purchase": the first ever fell in the clause's time
        self.previous: set[str] = set()  # the activity sources of the clause before
        self.predicate_items: list[Item] = []
        self.fields: list[Meaning] = []  # "rated 4 or 5": an event field the numbers compare
        self.numbers_filter = False  # the numbers went to a field filter, not a count
        # (table, column) of the property values the clause names
        self.value_columns: list[tuple[str | None, str | None]] = []
        self.share_all = False  # "only ever", "exclusively": all of the activity, not most
        self.aggregate = ""  # "average rating": the numbers compare avg(field), not each row
        self.leading_time = False  # the time was said before the clause ("in May, who …")
        self.back_reference = ""  # "that year" / "since then": the earlier clause's time
        self.carried = False  # the time is the earlier clause's ("… but not …")
        self.money_verb = False  # "spent": the clause's amount is money on its activity
        self.share_word = ""  # "mostly": more than half of the activity has the clause's values
        self.dated = False  # a date property took the clause's time ("born before 1970")
        self.signup = False
        self.tenure = False
        self.age_word = False
        self.ago = False
        self.unit: str | None = None
        self.unknown: list[Item] = []
        self.value_words: dict[str, list[str]] = {}  # column -> the words that named its values
        self.negation_words: list[str] = []
        self.term_items: list[Item] = []
        self.rank_text = ""
        self.model_aliases: list[str] = []
        self.unknown_flag = False
        self.numbers_used = False  # every number of the clause went to a condition
        self.used_numbers: set[int] = set()  # ids of the number items a condition took
        self.share_used = False  # the share word was read some other way than a share
        self.sources_taken = False  # one condition took every source (a member's share)
        self.columns: list[tuple[str | None, str | None]] = []
        self.implied_source: str | None = None
        self.implied_by = ""
        self.measure_named = False
        # "2 orders over $50", "items with a current price over $90": a comparison on each
        # row's own field (the event's amount when `meanings` is None), not on a total.
        self.row_bounds: list[RowBound] = []
        self.each_totals: dict[str, dict[str, Any]] = {}  # an event's own total, by source
        self.aggregate_field: list[Meaning] = []  # "average order value": avg of that column
        self._aggregate_at = -1  # where a ranking word became an aggregate ("biggest order")
        self.per_event = False  # "spent more than $100 per order": the average order
        # "returned more than 2 items": a counted noun's field, summed over the verb's event
        self.counted_field: str | None = None
        self.counted_text = ""
        self.counted_used = False
        self.rate_text = ""  # "twice a month": a rate per period no condition measures
        self.noun_events: set[str] = set()  # events only a noun named ("items": purchases)
        # "bought on promotion": a union's yes/no field standing for its members' predicate
        self.union_flags: dict[str, dict[str, Any]] = {}
        self.stray_values: list[Meaning] = []  # values of no event the clause's verbs name

    @classmethod
    def read(
        cls, items: list[Item], parser: RequestParser, previous: set[str] | None = None
    ) -> ClauseFacts:
        """`previous`: the activity sources of the clause before ("bought in the app and in
        store": 'store' is a purchase channel, not where the customer was acquired)."""
        facts = cls(items, parser)
        facts.previous = set(previous or ())
        for item in items:
            facts._take(item)
        facts._row_bounds()
        facts._prefer_named_model()
        facts._demote_ambiguous_measures()
        facts._nouns_follow_verbs()
        facts._possessive_doers()
        facts._members_over_unions()
        facts._predicates_in_context()
        facts._resolve_values(previous or set())
        facts._values_name_members()
        return facts

    def _row_bounds(self) -> None:
        """Comparisons on each row's own field, taken out of the clause's totals:

        - a numeric field of an event named just before a comparison ("current price over
          $90", "priced above $100", "with a discount of more than $10");
        - a money amount right after a counted event noun ("2 orders over $50", "at least one
          purchase of more than $200"): each such event's own amount.
        """
        items = self.items
        self._largest_as_aggregate()
        self._rates()
        for k, item in enumerate(items):
            bound = self._bound_after(k)
            if bound is None:
                continue
            comparators, number = bound
            if self.aggregate and self._after_aggregate(k):
                # "average order value over $150": the aggregate's, not each row's
                if item.kind == "column" and self._row_field_meanings(item):
                    self.aggregate_field = self._row_field_meanings(item)
                continue
            if item.kind == "predicate" and self._column_inside(item):
                # "with a discount over $10": the amount of the discount, not only that one was
                # given (the bound implies the predicate)
                column = self._column_inside(item)
                self.predicates = [p for p in self.predicates if p is not item.meaning]
                self.predicate_items = [p for p in self.predicate_items if p is not item]
                item = column
            fields = self._row_field_meanings(item) if item.kind in ("column", "field") else []
            if fields:
                # "more than 5 tickets rated under 3": the 3 is each ticket's, the 5 a count
                self._take_bound(RowBound(item, fields, comparators, number))
                if item.kind == "field":
                    self.fields = [f for f in self.fields if f not in item.meanings]
            elif (
                item.kind == "measure"
                and number.number_kind == "money"
                and not self.money_verb
                and self._counted(k)
                and _plain_count(self.vocab, item.meaning.name)
            ):
                self._take_bound(RowBound(item, None, comparators, number))

    def _column_inside(self, item: Item) -> Item | None:
        """The last words of a phrase as a column of event rows ('with a discount')."""
        words = item.text.split()
        for start in range(1, len(words)):
            length, meanings = self.parser.lexicon.match(words[start:], 0)
            if length == len(words) - start and meanings and meanings[0].kind == "column":
                column = Item("column", " ".join(words[start:]), meanings=meanings)
                if self._row_field_meanings(column):
                    return column
        return None

    def times_counted(self) -> bool:
        """'paid twice', 'spent money 3 times': a number followed by 'times' counts events."""
        words = self.parser.lexicon.grammar.get("times_words", [])
        return any(
            item.kind == "number" and k + 1 < len(self.items) and self.items[k + 1].text in words
            for k, item in enumerate(self.items)
        )

    def _rates(self) -> None:
        """'spent more than $100 per order': money, a rate word and a counted event noun is
        each event's amount on average; 'twice a month': a rate word before a unit is a rate
        per period (reported by the coverage check, no condition measures it)."""
        rate = self.parser.lexicon.grammar.get("rate_words", [])
        items = self.items
        for k in range(1, len(items) - 1):
            if items[k].text not in rate:
                continue
            before, after = items[k - 1], items[k + 1]
            if after.kind == "unit":
                self.rate_text = f"{items[k].text} {after.text}"
                continue
            # "spend per store ticket": values between the rate word and the event noun say
            # which events; the amount before it is each one's on average
            j = k + 1
            while j < len(items) - 1 and items[j].kind in ("value", "verb"):
                j += 1
            counted = items[j].kind == "measure" and _plain_count(self.vocab, items[j].meaning.name)
            # "paid a single invoice" is one invoice: after words, only 'per' makes a ratio
            said = before.kind == "number" or items[k].text == "per"
            if counted and said and not self.aggregate and self._amount(before):
                self.per_event = True

    def _amount(self, item: Item) -> bool:
        """Whether an item says money: an amount ('$100', or '30k' after 'spent'), a verb of
        spending or a measure of money summed ('spend', 'revenue')."""
        if item.kind == "number":
            return item.number_kind == "money" or (self.money_verb and not self.times_counted())
        if item.kind == "money_verb":
            return True
        if item.kind != "measure":
            return False
        shape = self.vocab.measures.get(item.meaning.name)
        return bool(
            shape and shape.measure == "sum" and shape.field == self.vocab.amount(shape.source)
        )

    def _largest_as_aggregate(self) -> None:
        """'whose biggest order was over $500': a ranking word before an event noun that is
        compared to an amount is that event's largest (smallest) amount, not a top-N."""
        for k, item in enumerate(self.items):
            if item.kind != "rank" or item.meaning.name not in ("top", "bottom"):
                continue
            j = k + 1
            while j < len(self.items) and self.items[j].kind == "stopword":
                j += 1
            if j >= len(self.items):
                continue
            noun = self.items[j]
            counted = noun.kind == "measure" and _plain_count(self.vocab, noun.meaning.name)
            if not (counted or self._row_field_meanings(noun)) or self._bound_after(j) is None:
                continue
            single = not noun.text.endswith("s")  # "biggest order was over 500": one order's
            if self._bound_after(j)[1].number_kind != "money" and not single:
                continue
            self.aggregate = "max" if item.meaning.name == "top" else "min"
            self.rank = None
            self.rank_text = ""
            self._aggregate_at = k

    def _counted_column(self, source: str) -> str | None:
        """A text field of `source` named right after a count ('3 brands', '5 different
        colors'): the count is of its different values."""
        graph = self.parser.catalog.graph
        for k, item in enumerate(self.items):
            if item.kind != "column":
                continue
            j = k - 1
            while j >= 0 and self.items[j].kind in ("stopword", "comparator"):
                j -= 1
            if j < 0 or self.items[j].kind != "number" or self.items[j].number_kind == "money":
                continue
            for m in item.meanings:
                if m.kind != "column" or self.vocab.is_property(m.table, m.column):
                    continue
                target = self.vocab.value_target(m, source)
                if target and type_kind(graph.event_fields(source)[target[1]].type) == "text":
                    return target[1]
        return None

    def _counted_days(self, source: str) -> str | None:
        """'logged in on at least 5 different days': a count of days said with 'on' is of the
        event's day field (a DATE field of its rows), when it has one; None otherwise."""
        items = self.items
        for k, item in enumerate(items):
            if item.kind != "unit" or item.text not in ("day", "days"):
                continue
            j = k - 1
            while j >= 0 and items[j].kind == "stopword" and items[j].text != "on":
                j -= 1
            if j < 0 or items[j].kind != "number" or items[j].number_kind == "money":
                continue
            j -= 1
            while j >= 0 and items[j].kind in ("comparator", "stopword") and items[j].text != "on":
                j -= 1
            if j < 0 or items[j].text != "on":
                continue  # "in 5 days", "for 30 days": a time, not a count of days
            days = [
                name
                for name, ref in self.parser.catalog.graph.event_fields(source).items()
                if (ref.type or "").upper() == "DATE"  # a day, not a time of day
            ]
            if len(days) == 1:
                self.unit = None
                return days[0]
        return None

    def _aggregates_event(self) -> bool:
        """'their average order', 'the biggest ticket': the aggregate word is said of the
        event itself (no number needed: an average of orders is of their amounts)."""
        return any(
            item.kind in ("verb", "measure") and self._after_aggregate(k)
            for k, item in enumerate(self.items)
        )

    def _after_aggregate(self, k: int) -> bool:
        """Item k follows an aggregate word ('average order', 'mean basket value')."""
        j = k - 1
        while j >= 0 and self.items[j].kind in ("stopword", "verb", "value"):
            j -= 1
        return j >= 0 and (self.items[j].kind == "aggregate" or j == self._aggregate_at)

    def _counted(self, k: int) -> bool:
        """A count stands before item k ('2 orders', '3 or more purchases', 'no orders'), or
        the noun is one of them ('an order over $200', 'never placed a single order')."""
        j = k - 1
        while j >= 0 and self.items[j].kind == "comparator":
            j -= 1
        if j < 0:
            return False
        before = self.items[j]
        if before.kind == "number":
            return before.number_kind != "money"
        singles = self.parser.lexicon.grammar.get("one_of_words", [])
        return before.kind == "negation" or before.text in singles

    def _bound_after(self, k: int) -> tuple[list[Item], Item] | None:
        """The comparison right after item k: (its comparators, the number), if any."""
        j = k + 1
        while j < len(self.items) and self.items[j].kind == "stopword":
            j += 1
        comparators = []
        while j < len(self.items) and self.items[j].kind == "comparator":
            comparators.append(self.items[j])
            j += 1
        if not comparators or j >= len(self.items) or self.items[j].kind != "number":
            return None
        if self.items[j].number_kind == "percent":
            return None  # "a discount on at least 75% of their purchases": a share, not a field
        return comparators, self.items[j]

    def _row_field_meanings(self, item: Item) -> list[Meaning]:
        """The meanings of a column word that name a numeric field of some event's rows."""
        vocab = self.vocab
        graph = self.parser.catalog.graph
        out = []
        for m in item.meanings:
            if m.kind == "field" and m.source:
                ref = graph.event_fields(m.source).get(m.name)
                if ref is not None and type_kind(ref.type) == "number":
                    out.append(m)
                continue
            if m.kind != "column" or vocab.is_property(m.table, m.column):
                continue
            for event, fname in vocab.value_fields.get((m.table or "", m.column or ""), []):
                if type_kind(graph.event_fields(event)[fname].type) == "number":
                    out.append(m)
                    break
        return out

    def _take_bound(self, bound: RowBound) -> None:
        self.row_bounds.append(bound)
        if bound.number in self.numbers:
            self.numbers.remove(bound.number)
        self.used_numbers.add(id(bound.number))
        if bound.number.number_kind == "money" and self.money == bound.number.value:
            others = [n for n in self.numbers if n.number_kind == "money"]
            self.money = others[0].value if others else None
        for c in bound.comparators:
            name = c.meaning.name
            if name in self.comparators:
                at = len(self.comparators) - 1 - self.comparators[::-1].index(name)
                del self.comparators[at]

    def row_filter(self, source: str) -> dict[str, Any]:
        """The row bounds as filters of `source`'s fields; each bound used is marked."""
        vocab = self.vocab
        catalog = self.parser.catalog
        event = catalog.events[source]
        out: dict[str, Any] = {}
        for bound in self.row_bounds:
            name = None
            if bound.meanings is None:
                if self.vocab.measure_source(bound.item.meaning.name) == source:
                    name = event.amount if one_row_per_event(catalog, source) else None
                    if name is None and event.amount and (event.instance or event.union):
                        # "a web order over $500" where an order's amount is on its lines:
                        # the order's own total
                        ftype = catalog.graph.event_fields(source)[event.amount].type
                        self.each_totals[source] = bound.range(ftype)
                        bound.used = True
                        continue
            else:
                for m in bound.meanings:
                    if m.kind == "field":
                        if m.source == source:
                            name = m.name
                            break
                        continue
                    target = vocab.value_target(m, source)
                    if target is not None:
                        name = target[1]
                        break
            if name is None:
                continue
            ftype = catalog.graph.event_fields(source)[name].type
            out[name] = bound.range(ftype)
            bound.used = True
        return out

    def _prefer_named_model(self) -> None:
        """'loyal customers according to RFM': the named model's label, not the catalog term."""
        for item in self.term_items:
            labels = [
                m
                for m in item.meanings
                if m.kind == "segment_model" and m.name in self.model_aliases
            ]
            if labels:
                self.terms.remove(item.meaning)
                self.segments.append(labels[0])

    def _demote_ambiguous_measures(self) -> None:
        """'returns' is a measure, but next to 'support tickets' it is a ticket topic."""
        for item in [i for i in self.items if i.kind == "measure"]:
            measure = item.meaning
            vocab = self.vocab
            own = vocab.measure_source(measure.name) or ""
            others = {
                vocab.measure_source(m.name)
                for m in self.measures
                if m is not measure and vocab.measure_source(m.name)
            } | set(self.verbs)
            others |= self._predicate_sources()
            values = [
                m
                for m in item.meanings
                if m.kind == "value" and vocab.table_source.get(m.table or "") in others
            ]
            if values and own not in others:
                self.measures.remove(measure)
                self.activity_values.append(Item("value", item.text, values))

    def _nouns_follow_verbs(self) -> None:
        """'returned an order': the order is the verb's event (a return), not a second
        activity; a plain count of one event yields to a verb naming another event of the
        same rows. Without a number, a counted noun after a verb ('bought children's items')
        is only the bought things' name, not a sum of them."""
        catalog = self.vocab.catalog
        events = catalog.events
        for m in list(self.measures):
            measure = catalog.measures[m.name]
            counted = measure.aggregate == "sum" and measure.unit == "count"
            money = measure.aggregate == "sum" and measure.field == events[measure.event].amount
            others = [v for v in self.verbs if v != measure.event and events[v].amount]
            doing = bool(self.verbs) or any(
                _plain_count(self.vocab, n.name) for n in self.measures if n is not m
            )
            returned = [
                v
                for v in self.verbs
                if v != measure.event and measure.event not in (events[v].union or [])
            ]
            counts = [n for n in self.numbers if n.number_kind != "money"]
            orders = measure.aggregate == "count" and not measure.filters
            if (
                (counted or orders)
                and returned
                and self.numbers
                and not counts
                and self.money is not None
            ):
                # "returned catalog items worth over $500", "sent back more than $1,000 worth of
                # web orders": the things returned, and the money the returns' own amount
                self.measures.remove(m)
                self._verb_of_channel(measure.event)
                self.money_verb = True
                continue
            if _plain_count(self.vocab, m.name) and returned and counts and self._verb_before(m):
                # "returned more than 2 orders": the orders counted are the returned ones (the
                # verb's events; 'web orders' its web member)
                self.measures.remove(m)
                self._verb_of_channel(measure.event)
                continue
            if counted and returned and self.numbers and self.times_counted():
                # "returned items in store more than twice": the times count the returns
                self.measures.remove(m)
                continue
            if counted and returned and self.numbers:
                # "returned more than 2 items", "bought 3 items in store": the count is of the
                # verb's own rows
                self.measures.remove(m)
                self.counted_field = measure.field
                self.counted_text = next(
                    (i.text for i in self.items if i.kind == "measure" and i.meaning is m), ""
                )
                continue
            if counted and doing and not self.numbers and self.money is None:
                # the noun still names its event ('catalog items': the catalog's)
                self.measures.remove(m)
                if measure.event not in self.verbs:
                    self.verbs.append(measure.event)
                    self.noun_events.add(measure.event)
            elif money and others and self.money is not None:
                # "returned $1,000 worth": the money is the verb's event's amount
                self.measures.remove(m)
                self.money_verb = True
        verb_tables = {events[v].table: v for v in self.verbs if events[v].table}
        for m in list(self.measures):
            shape = self.vocab.measures.get(m.name)
            if shape is None or shape.filters or shape.predicates or shape.measure != "count":
                continue
            verb = verb_tables.get(events[shape.source].table)
            if verb is not None and verb != shape.source:
                self.measures.remove(m)

    def _predicates_in_context(self) -> None:
        """'catalog orders that used a promotion': of the events a predicate's words name, the
        one the clause (or the clause before) is about."""
        vocab = self.vocab
        named = set(self.verbs) | {s for m in self.measures if (s := vocab.measure_source(m.name))}
        context = named or self.previous
        chosen = []
        for item in self.predicate_items:
            here = [m for m in item.meanings if m.kind == "predicate" and m.source in context]
            default = {self.vocab.default_source()} - {None}
            if not here and self._as_union_flag(item, context or default):
                continue
            chosen.append(here[0] if here else item.meaning)
        if self.predicate_items:
            self.predicates = chosen

    def _as_union_flag(self, item: Item, context: set[str]) -> bool:
        """'bought on promotion', 'used a coupon in 2002': a predicate only the members of a
        union event have, when the clause is about the union, is the union's shared yes/no
        field whose SQL is the predicate's own in every member (no single channel's rows)."""
        catalog = self.vocab.catalog
        graph = catalog.graph
        names = {m.name for m in item.meanings if m.kind == "predicate"}
        for union in [c for c in context if catalog.events[c].union]:
            members = catalog.events[union].union or []
            for name in names:
                if not all(name in (catalog.events[m].predicates or {}) for m in members):
                    continue
                for fname in graph.event_fields(union):
                    if all(
                        _same_sql(graph.field(m, fname).sql, catalog.events[m].predicates[name].sql)
                        for m in members
                        if fname in graph.event_fields(m)
                    ) and all(fname in graph.event_fields(m) for m in members):
                        self.union_flags.setdefault(union, {})[fname] = True
                        return True
        return False

    def _members_over_unions(self) -> None:
        """'bought electronics in store': 'bought' names any channel (a union event), 'in store'
        one of its members; the member is what the clause is about."""
        events = self.vocab.catalog.events
        # the clause's first union verb is what it is about ("returned items they bought from
        # the catalog": returns); a union a noun added later ("items") renames no channel back
        said = [v for v in self.verbs if events[v].union and v not in self.noun_events]
        for union in said[:1]:
            self._channel_of_another_union(union)
        for union in [v for v in self.verbs if v in self.noun_events and events[v].union]:
            members = set(events[union].union or [])
            if any(
                v not in members and any(v in (e.union or []) for e in events.values())
                for v in self.verbs
            ):
                # "items were returned to a store": the items are the returned ones
                self.verbs = [v for v in self.verbs if v != union]
        named = set(self.verbs) | {
            s for m in self.measures if (s := self.vocab.measure_source(m.name))
        }
        for union in [v for v in named if events[v].union]:
            members = [m for m in events[union].union if m in self.previous]
            if not named & set(events[union].union) and members:
                # "store customers who bought menswear": bought in store, as said just before.
                self.verbs = [members[0] if v == union else v for v in self.verbs]
                self._count_member_rows(union)
                continue
            if named & set(events[union].union):
                self.verbs = [v for v in self.verbs if v != union]
                self.measures = [
                    m
                    for m in self.measures
                    if not (
                        self.vocab.measure_source(m.name) == union
                        and _plain_count(self.vocab, m.name)
                    )
                ]

    def _possessive_doers(self) -> None:
        """'accounts whose users exported data': the counted noun after 'whose' / 'their', with
        no number, names who did the activity that follows it, not a count of its own event."""
        if self.numbers or not self.items:
            return
        vocab = self.vocab
        for k, item in enumerate(self.items):
            if item.kind != "measure" or item.meaning not in self.measures:
                continue
            opened = item.joined_by == "whose" or (k > 0 and self.items[k - 1].text == "their")
            source = vocab.measure_source(item.meaning.name)
            if not opened or not _plain_count(vocab, item.meaning.name):
                continue
            rest = [i for i in self.items[k + 1 :] if i.kind != "stopword"]
            if not rest:
                continue
            after = rest[0]
            targets = {m.source for m in after.meanings if m.kind == "verb"}
            targets |= {
                c
                for m in after.meanings
                if m.kind == "value"
                for c in self.vocab.catalog.events
                if vocab.value_target(m, c)
            }
            if targets and source not in targets:
                self.measures.remove(item.meaning)

    def _verb_of_channel(self, event: str) -> None:
        """The noun's event names the verb's channel when it is one member of a union ('web
        orders' after 'returned': the web member of returns); a union or an event of no union
        (the demo's orders, whose returns are rows of the same table) names none."""
        events = self.vocab.catalog.events
        member = any(event in (e.union or []) for e in events.values())
        if member and event not in self.verbs:
            self.verbs.append(event)

    def _verb_before(self, measure: Meaning) -> bool:
        """A verb of another event stands right before the measure's noun (numbers,
        comparators and filler between): 'returned more than 2 orders'."""
        k = next((k for k, i in enumerate(self.items) if measure in i.meanings), -1)
        j = k - 1
        while j >= 0 and self.items[j].kind in ("stopword", "comparator", "number", "range"):
            j -= 1
        return k > 0 and j >= 0 and self.items[j].kind == "verb"

    def _count_member_rows(self, union: str) -> None:
        """'store customers who bought 3 items': the counted things are the member's own rows
        (summed over the store's lines), not the union's in any channel."""
        catalog = self.vocab.catalog
        for m in list(self.measures):
            measure = catalog.measures[m.name]
            if measure.event != union or not self.numbers or self.counted_field:
                continue
            if measure.aggregate == "sum" and measure.unit == "count":
                self.measures.remove(m)
                self.counted_field = measure.field
                self.counted_text = next(
                    (i.text for i in self.items if i.kind == "measure" and i.meaning is m), ""
                )

    def _values_name_members(self) -> None:
        """'bought at the Ese store': 'bought' names any channel (a union event), the value
        a field only one member's rows have (the store); that member is what was done."""
        events = self.vocab.catalog.events
        target = self.vocab.value_target
        for union in [v for v in self.verbs if events[v].union]:
            if not self.activity_values or any(target(v, union) for v in self.activity_values):
                continue
            members = [
                m for m in events[union].union if any(target(v, m) for v in self.activity_values)
            ]
            if len(members) == 1:
                member = members[0]
                self.verbs = [member if v == union else v for v in self.verbs]
                self.verbs = list(dict.fromkeys(self.verbs))

    def _channel_of_another_union(self, union: str) -> None:
        """'returned catalog items': 'catalog' names the catalog member of the purchases union,
        but the clause is about returns; members of two unions listed in the same channel order
        correspond, so it is the returns union's catalog member."""
        events = self.vocab.catalog.events
        mine = events[union].union or []
        for index, verb in enumerate(self.verbs):
            if verb in mine or verb == union:
                continue
            others = [u for u, e in events.items() if e.union and verb in e.union and u != union]
            if not others or len(events[others[0]].union) != len(mine):
                continue
            self.verbs[index] = mine[events[others[0]].union.index(verb)]
            # "returned items bought from the catalog": the items are the returned ones, so the
            # other union ('items' of purchases in any channel) is no activity of its own
            self.verbs = [v for v in self.verbs if v != others[0]]

    def _take(self, item: Item) -> None:
        kind = item.kind
        if kind == "verb" and any(m.kind == "money_verb" for m in item.meanings):
            self.money_verb = True  # "paid us more than 5000": money, as after "paid"
        if kind == "time":
            self.window = item.window
        elif kind in ("number", "range", "decade"):
            if item.number_kind == "money":
                self.money = item.value
            self.numbers.append(item)
        elif kind == "negation":
            self.negated = True
            self.negation_words.append(item.text)
        elif kind == "comparator":
            self.comparators.append(item.meaning.name)
        elif kind == "term":
            self.terms.append(item.meaning)
            self.term_items.append(item)
        elif kind == "segment_model":
            self.segments.append(preferred_model(item.meanings))
        elif kind == "model_alias":
            self.model_aliases.append(item.meaning.name)
        elif kind == "rank":
            self.rank = item.meaning
            self.rank_text = item.text
        elif kind == "measure":
            self.measures.append(item.meaning)
            self.measure_named = True
        elif kind == "field":
            self.fields.append(item.meaning)
        elif kind == "predicate":
            self.predicate_items.append(item)
            self.predicates.append(item.meaning)
        elif kind == "verb":
            self.verbs.append(item.meaning.source or self.vocab.default_source())
        elif kind == "value":
            self.activity_values.append(item)  # resolved once the whole clause is known
            self.columns += [(m.table, m.column) for m in item.meanings if m.kind == "column"]
        elif kind == "band":
            self.bands.append(item.meaning)
        elif kind == "column":
            self.columns += [(m.table, m.column) for m in item.meanings if m.kind == "column"]
        elif kind == "derived":
            roles = self.vocab.catalog.roles
            if item.meaning.name == roles.tenure:
                self.tenure = True
            elif item.meaning.name == roles.age:
                self.age_word = True
            else:
                self.derived.append(item.meaning)
        elif kind == "first":
            self.first_word = item.text
        elif kind in ("same_time", "since_then", "before_then", "afterwards"):
            self.back_reference = kind
        elif kind == "money_verb":
            self.money_verb = True
        elif kind == "share":
            self.share_word = item.text
            self.share_all = item.meaning.name == "all"
        elif kind == "aggregate":
            self.aggregate = item.meaning.name
        elif kind == "recency":
            self.recency = True
            self.recency_text = item.text
            self.recency_source = item.meaning.source
        elif kind == "signup":
            self.signup = True
        elif kind == "age":
            self.age_word = True
        elif kind == "unit":
            self.unit = item.meaning.name
        elif kind == "ago":
            self.ago = True
        elif kind == "unknown":
            self.unknown_flag = True
        elif kind == "word":
            self.unknown.append(item)

    def _resolve_values(self, previous: set[str]) -> None:
        """Decide what each value word means here ("email" next to "opened" is a campaign)."""
        items: list[Item] = self.activity_values  # type: ignore[assignment]
        self.activity_values = []
        vocab = self.vocab
        context = set(self.verbs)
        context |= {vocab.measure_source(m.name) for m in self.measures} - {None}
        context |= self._predicate_sources()
        # "… but never bought beauty": the value is the term's activity's (purchases), not
        # the clause before's (browsing)
        context |= self.term_sources()
        context = context or self._sole_value_sources(items) or previous
        # A value of the field an event defaults (its kind: 'opened' for campaign events)
        # names that event, as a verb would.
        for item in [*items, *self.term_items]:  # "unsubscribed from email": a term's event too
            for m in item.meanings:
                context |= vocab.default_field_sources(m)
        if self.unknown_flag:
            self.unknown_columns = [
                name for t, c in self.columns if (name := vocab.property_name(t, c))
            ]
        banded = self.banded_column()
        for item in items:
            if banded and any(m.kind == "column" and m.column == banded for m in item.meanings):
                continue  # "200 employees": the word names the banded column, not a value
            named = [m for m in item.meanings if (m.table, m.column) in self.columns]
            own = [m for m in item.meanings if m.kind == "column"]
            doing = [
                m
                for m in item.meanings
                if m.kind == "value" and any(vocab.value_target(m, c) for c in context)
            ]
            after_verb = any(i.kind == "verb" for i in self.items) and not self._before_any_verb(
                item
            )
            if named and doing and after_verb and not self.numbers and not own:
                # "visited on an android device": after the verb, the word 'device' names the
                # visit's device (a field of its rows), not the customers' own device column
                self.columns = [
                    c for c in self.columns if c not in {(m.table, m.column) for m in named}
                ]
                named = []
            if own and doing and not self.numbers:
                # "bought children's items": next to a verb the word is the bought thing's
                # value, not the customers' column it also names (their children).
                named = []
                self.columns = [
                    c for c in self.columns if c not in {(m.table, m.column) for m in own}
                ]
            meanings = named or values_for_context(vocab, item.meanings, context)
            if self._before_any_verb(item):
                # "how many women … bought shoes online": before the verb the word names who
                # the customers are (gender), not what they bought (womenswear)
                theirs = [
                    m
                    for m in item.meanings
                    if m.kind == "value" and vocab.property_name(m.table, m.column) is not None
                ]
                meanings = theirs or meanings
            first = meanings[0]
            prop = vocab.property_name(first.table, first.column)
            if prop is not None:
                self.value_columns.append((first.table, first.column))
                append_value(self.value_words, prop, item.text)
                for m in meanings:
                    if (m.table, m.column) == (first.table, first.column):
                        append_value(self.customer_values, prop, m.value)
                continue
            self.activity_values += [
                m for m in meanings if (m.table, m.column) == (first.table, first.column)
            ]
            if not context and vocab.value_source(first):
                self.implied_source = vocab.value_source(first)
                self.implied_by = item.text

    def _sole_value_sources(self, items: list[Item]) -> set[str]:
        """'browsed apparel in the app': with no verb, a value only one activity has ('browsed
        apparel', a session's viewed category) says which activity the clause is about, so a
        value several have ('in the app') is that activity's."""
        sole: set[str] = set()
        several: list[set[str | None]] = []
        for item in items:
            if any(m.kind != "value" for m in item.meanings):
                return set()  # a word that also names a column or a property: not this case
            found = {self.vocab.value_source(m) for m in item.meanings}
            if len(found) == 1 and None not in found:
                sole |= found  # type: ignore[arg-type]
            elif len(found) > 1:
                several.append(found)
        if len(sole) != 1 or not several or not all(sole <= found for found in several):
            return set()
        return sole

    def _before_any_verb(self, item: Item) -> bool:
        """The item comes before the clause's first verb, and a verb follows it."""
        for other in self.items:
            if other is item:
                return any(i.kind == "verb" for i in self.items)
            if other.kind in ("verb", "measure", "term", "predicate", "recency"):
                return False
        return False

    # -- derived questions -----------------------------------------------------------------------

    def _predicate_sources(self) -> set[str]:
        return {p.source for p in self.predicates if p.source}

    def term_sources(self) -> set[str]:
        """The activity sources the clause's catalog terms count ('never purchased')."""
        return {
            source
            for item in self.term_items
            for m in item.meanings
            if m.kind == "term"
            for source in self.parser.term_sources(m.name)
        }

    def sources(self) -> list[str]:
        vocab = self.vocab
        found: list[str] = []
        for m in self.measures:
            if vocab.measure_source(m.name):
                found.append(vocab.measure_source(m.name))
        found += [p.source for p in self.predicates if p.source]
        found += [f.source for f in self.fields if f.source]
        found += self.verbs
        found += [u for u in self.union_flags if u not in found]  # "coupon users"
        own = {id(v): vocab.value_source(v) for v in self.activity_values}
        term_sources = sorted(self.term_sources())
        for v in self.activity_values:
            if any(vocab.value_target(v, existing) for existing in found):
                continue  # narrows an activity already named ("win-back email about outdoor")
            if any(
                (other := own[id(w)]) is not None
                and vocab.value_target(v, other)
                and not (own[id(v)] and vocab.value_target(w, own[id(v)]))
                for w in self.activity_values
                if w is not v
            ):
                continue  # "no admin has logged in": the admin narrows the logins' event
            # "online buyers who redeemed the 'ought' promotion": the earlier clause's event,
            # when the value narrows it and the clause names no activity of its own.
            earlier = [p for p in sorted(self.previous) if vocab.value_target(v, p)]
            termed = [t for t in term_sources if vocab.value_target(v, t)]
            # "… but never bought beauty": the clause's term names the activity ('never
            # purchased'), so the value narrows it, not the clause before's browsing
            source = (
                (termed[0] if termed else None)
                or (earlier[0] if earlier and not found else None)
                or vocab.value_source(v)
            )
            if source and self._stray(v, source):
                # "viewed footwear online": 'online' is where purchases happen, not a field of
                # the browsing the verb names; said, not made into a purchase
                if v not in self.stray_values:
                    self.stray_values.append(v)
                continue
            if source:
                found.append(source)
        if not found and self.aggregate_field:
            # "an average invoice amount above $500": the events whose rows have that column
            source = vocab.value_source(self.aggregate_field[0])
            if source:
                found.append(source)
        for bound in self.row_bounds:
            if found or not bound.meanings:
                continue
            # "current price over $90" alone: the events whose rows have that field
            for m in bound.meanings:
                if m.kind == "field":
                    source = m.source
                else:
                    earlier = [p for p in sorted(self.previous) if vocab.value_target(m, p)]
                    source = earlier[0] if earlier else vocab.value_source(m)
                if source:
                    found.append(source)
                    break
        if self.recency and (self.recency_source or not found):
            # "last logged in …": a bare recency word is about the activity the clause names.
            found.append(self.recency_source or vocab.default_source())
        numeric = self.numeric_property()
        if self.rank and not found and not numeric:
            found.append(vocab.default_source())
        if (
            (self.money is not None or self.money_verb)
            and not found
            and not (self.tenure or self.signup or self.banded_column() or numeric)
        ):
            found.append(vocab.default_source())
        return list(dict.fromkeys(found))

    def _stray(self, value: Meaning, source: str) -> bool:
        """A value of another event than the one every verb of the clause names, none of them
        a union or a member of one (whose channels values may pick)."""
        events = self.vocab.catalog.events
        verbs = [v for v in self.verbs if v not in self.noun_events]
        if not verbs or source in verbs or self.measures or self.predicates:
            return False
        related = {source, *(events[source].union or [])}
        related |= {u for u, e in events.items() if source in (e.union or [])}
        if any(v in related or events[v].union for v in verbs):
            return False
        if any(u for u, e in events.items() if e.union and set(verbs) & set(e.union)):
            return False
        return not any(self.vocab.value_target(value, v) for v in verbs)

    def activity_shape(self, source: str) -> tuple[dict[str, Any], list[str], str, str | None]:
        """(filters, predicates, measure, field) of the activity on `source`."""
        vocab = self.vocab
        filters: dict[str, Any] = {}
        predicates: list[str] = []
        measure, fieldname = "count", None
        # "bought 5 items": a plain count of the event yields to a more specific measure.
        ordered = sorted(self.measures, key=lambda m: _plain_count(vocab, m.name))
        for m in ordered:
            shape = vocab.measures.get(m.name)
            if shape and shape.source == source:
                filters.update(shape.filters)
                predicates += [p for p in shape.predicates if p not in predicates]
                measure, fieldname = shape.measure, shape.field
                break
        for p in self.predicates:
            if p.source == source and p.name not in predicates:
                predicates.append(p.name)
        filters.update(self.row_filter(source))
        filters.update(self.union_flags.get(source, {}))
        if self.per_event and measure in ("count", "sum"):
            measure, fieldname = "avg", vocab.amount(source)
        # "average order above 300": an average of orders is of their amounts, even when the
        # number carries no currency sign (a count has no average per order)
        plain = bool(self.numbers) and not self.fields and vocab.amount(source) is not None
        averaged = self.aggregate in ("avg", "min", "max") and (
            self.money is not None or plain or self._aggregates_event()
        )
        if averaged and measure == "count":
            # "average order over $150", "a mean basket value above $150": the aggregate of
            # each event's own amount (or of the column named)
            named = [t[1] for m in self.aggregate_field if (t := vocab.value_target(m, source))]
            measure, fieldname = self.aggregate, (named[0] if named else vocab.amount(source))
        fields = self.parser.catalog.graph.event_fields(source)
        money = measure == "sum" and fieldname == vocab.amount(source)
        if money and self.money is None and self.times_counted():
            measure, fieldname = "count", None  # "paid twice": two payments, not $2
        if measure == "count" and self.counted_field and self.counted_field in fields:
            measure, fieldname = "sum", self.counted_field
            self.counted_used = True
        if measure == "count":
            counted = self._counted_column(source) or self._counted_days(source)
            if counted:
                # "bought from more than 3 brands": how many different ones; "logged in on 5
                # different days": how many different days
                measure, fieldname = "distinct", counted
        for first_meaning in self.fields:
            # the field of this source among the word's meanings ('brands': of each channel)
            item = next((i for i in self.items if first_meaning in i.meanings), None)
            meanings = item.meanings if item is not None else [first_meaning]
            f = next(
                (m for m in meanings if m.kind == "field" and m.source == source), first_meaning
            )
            numbers = [n for n in self.numbers if n.number_kind != "money"]
            if f.source != source or not numbers:
                continue
            if self.aggregate:
                measure, fieldname = self.aggregate, f.name
                continue
            ref = self.parser.catalog.graph.event_fields(source).get(f.name)
            if ref is not None and type_kind(ref.type) == "text":
                # "bought from more than 3 brands": how many different ones
                measure, fieldname = "distinct", f.name
                continue
            # "rated support 4 or 5", "a rating of at least 4": the numbers are the field's.
            self.numbers_filter = True
            first = numbers[0]
            op = self.comparators[0] if self.comparators else "="
            if first.kind in ("range", "decade"):
                filters[f.name] = {"min": first.value, "max": first.high}
            elif op in (">=", ">"):
                filters[f.name] = {"min": first.value + (op == ">"), "max": None}
            elif op in ("<=", "<"):
                filters[f.name] = {"min": None, "max": first.value - (op == "<")}
            else:
                filters[f.name] = [as_number(n.value or 0) for n in numbers]
        for v in self.activity_values:
            target = vocab.value_target(v, source)
            if target is None:
                continue
            name = target[1]
            if vocab.is_boolean(source, name):
                filters[name] = v.value == "true"
            else:
                filters.setdefault(name, [])
                if v.value not in filters[name]:
                    filters[name].append(v.value)
        for table, column in self.columns:
            # "an eco-friendly camping product": a yes/no field of the rows named as an
            # adjective is that field being true
            for event, name in vocab.value_fields.get((table or "", column or ""), []):
                if event == source and vocab.is_boolean(source, name) and name not in filters:
                    filters[name] = True
        return filters, predicates, measure, fieldname

    def is_age_clause(self) -> bool:
        if not self.numbers or self.money is not None or self.measures or self.verbs:
            return False
        if self.banded_column():
            return False
        if any(n.kind == "decade" and (n.value or 0) > 110 for n in self.numbers):
            return False  # "the 1990s" are years, not ages
        if self.age_word or any(n.kind == "decade" for n in self.numbers):
            return True
        plain = [n for n in self.numbers if n.number_kind in ("number", "")]
        no_activity = not self.activity_values and not self.predicates and not self.rank
        return (
            bool(plain)
            and no_activity
            and bool(self.comparators or len(self.numbers) > 1 or plain[0].kind == "range")
            and all(14 <= (n.value or 0) <= 110 for n in plain)
            and not self.unit
            and not self.tenure
            and not self.recency
        )

    def has_activity(self) -> bool:
        ranked = bool(self.rank) and not self.numeric_property()
        return (
            bool(self.verbs or self.measures or self.predicates or self.activity_values or ranked)
            or bool(self.union_flags)
            or self.recency
            or bool(self.terms)
        )

    def numeric_property(self) -> str | None:
        """A numeric customer property the clause names next to a number ('a purchase estimate
        of at least $5,000', 'fewer than two cars'): the number is the property's."""
        if not self.numbers:
            return None
        catalog = self.parser.catalog
        for table, column in self.columns:
            prop = self.vocab.property_name(table, column)
            if prop is None or table is None or column is None:
                continue
            if property_kind(catalog, prop)[0] != "number" or prop == catalog.roles.birth:
                continue
            if not catalog.column(table, column).values:  # banded values: _numeric_bands
                return prop
        for meaning in self.derived:
            derived = catalog.derived[meaning.name]
            if type_kind(derived.type) == "number" and not derived.bands:
                return meaning.name
            on = derived.bands_on
            if on and derived.bands and property_kind(catalog, on)[0] == "number":
                # "an income over $100,000": banded words name the bands, a number the numeric
                # property the bands are cut from
                return on
        return None

    def has_content(self) -> bool:
        """Anything besides a time, a negation and filler words."""
        quiet = ("time", "negation", "stopword", "same_time", "since_then", "before_then")
        return any(i.kind not in quiet for i in self.items)

    def banded_column(self) -> str | None:
        """A mentioned customers column whose values are numeric bands, when a number is given."""
        if not self.numbers:
            return None
        for table, column in [*self.columns, *self.value_columns]:
            prop = self.vocab.property_name(table, column)
            if prop is None or table is None or column is None:
                continue
            values = self.parser.catalog.column(table, column).values or {}
            # Bands like '<25k', '25-50k', '>10000' (an 'Unknown' among them is no band).
            if sum(band_bounds(key) is not None for key in values) >= 2:
                return prop
        return None

    def unit_days(self) -> int:
        return UNIT_DAYS.get(self.unit or "days", 1)

    def number_text(self) -> str:
        kinds = ("comparator", "number", "range", "decade")
        return " ".join(i.text for i in self.items if i.kind in kinds)

    def text(self) -> str:
        return " ".join(i.text for i in self.items)

    def comparison(self, *, scale: int = 1, money: bool = False) -> tuple[str, Any]:
        """The clause's comparison: op and value (a [low, high] pair for ranges)."""
        numbers = self.numbers
        if money:
            numbers = [n for n in numbers if n.number_kind == "money"] or numbers
        if not numbers:
            # "with us longer than a year": a unit without a number is one of it.
            return (self.comparators[0] if self.comparators else ">="), as_number(scale)
        number = numbers[0]
        self.used_numbers.add(id(number))
        if number.kind in ("range", "decade"):
            low, high = number.value * scale, number.high * scale
            return "between", [as_number(low), as_number(high)]
        value = as_number((number.value or 0) * scale)
        op = self.comparators[0] if self.comparators else ">="
        if self.negated and not self.comparators:
            self.negation_used = True
            return "=", 0
        if value == 0 and not self.comparators:
            return "=", 0  # "0 dependents", "0 purchases": none (at least none is everybody)
        return op, value


class RowBound:
    """A comparison on one field of each row: 'current price over $90'."""

    def __init__(
        self, item: Item, meanings: list[Meaning] | None, comparators: list[Item], number: Item
    ) -> None:
        self.item = item
        self.meanings = meanings  # None: the event's own amount ("2 orders over $50")
        self.comparators = comparators
        self.number = number
        self.used = False

    def text(self) -> str:
        return " ".join(i.text for i in (self.item, *self.comparators, self.number))

    def range(self, field_type: str) -> dict[str, Any]:
        """{min, max}, inclusive. A strict bound moves by the field's smallest step (a cent of
        DECIMAL(12,2), one of an integer); a float field has none, and keeps the bound."""
        op = self.comparators[-1].meaning.name
        low = self.number.value or 0
        if self.number.kind in ("range", "decade"):
            return {"min": as_number(low), "max": as_number(self.number.high or low)}
        step = _step(field_type)
        if op in (">", ">="):
            return {"min": as_number(round(low + step * (op == ">"), 6)), "max": None}
        if op in ("<", "<="):
            return {"min": None, "max": as_number(round(low - step * (op == "<"), 6))}
        return {"min": as_number(low), "max": as_number(low)}


def _step(field_type: str) -> float:
    t = field_type.upper()
    match = re.match(r"(?:DECIMAL|NUMERIC)\s*\(\s*\d+\s*,\s*(\d+)\s*\)", t)
    if match:
        return 10.0 ** -int(match.group(1))
    if any(w in t for w in ("INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT")):
        return 1.0
    return 0.0


def one_row_per_event(catalog: Any, source: str) -> bool:
    """Each row of the event is one event (an order, not an order's lines): its amount is the
    event's own. A union is when each member is."""
    event = catalog.events[source]
    if event.union:
        return all(one_row_per_event(catalog, m) for m in event.union)
    if not event.instance:
        return True
    key = catalog.tables[event.table].key
    keys = [key] if isinstance(key, str) else list(key or [])
    return keys == [event.instance]


def values_for_context(
    vocab: Vocabulary, meanings: list[Meaning], context: set[str]
) -> list[Meaning]:
    values = [m for m in meanings if m.kind == "value"]
    in_context = [m for m in values if any(vocab.value_target(m, s) for s in context)]
    if in_context:
        # A category next to a campaign or browsing verb narrows that activity, not purchases.
        return by_specificity(vocab, in_context)
    customers = [m for m in values if vocab.is_property(m.table, m.column)]
    if customers:
        return customers
    return by_specificity(vocab, values)


def by_specificity(vocab: Vocabulary, values: list[Meaning]) -> list[Meaning]:
    # Prefer the first event's tables (catalog order) over the same value elsewhere.
    return sorted(values, key=lambda m: vocab.specificity(m.table))


def _plain_count(vocab: Vocabulary, name: str) -> bool:
    shape = vocab.measures.get(name)
    return bool(shape and shape.measure == "count" and not shape.filters and not shape.predicates)


def preferred_model(meanings: list[Meaning]) -> Meaning:
    order = ["lifecycle", "rfm", "abc", "value_tier", "engagement_tier"]
    models = [m for m in meanings if m.kind == "segment_model"]
    return sorted(models, key=lambda m: order.index(m.name) if m.name in order else 99)[0]


def append_value(target: dict[str, list[str]], key: str | None, value: str | None) -> None:
    if key is None or value is None:
        return
    target.setdefault(key, [])
    if value not in target[key]:
        target[key].append(value)


def as_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _same_sql(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())
