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

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from assistant.catalog import Catalog
from assistant.rules.lexicon import Lexicon, Meaning
from assistant.rules.text import Token, normalize, tokenize
from assistant.rules.timeparse import TimeParser
from assistant.spec import (
    CUSTOMER_COLUMNS,
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    CampaignEvents,
    Condition,
    NotGroup,
    OrGroup,
    Purchases,
    RankCondition,
    SegmentRef,
    SupportTickets,
    WebSessions,
)
from assistant.windows import AllTime, Trailing, Window, describe, resolve

SOURCES = {
    "purchases": Purchases,
    "campaign_events": CampaignEvents,
    "web_sessions": WebSessions,
    "support_tickets": SupportTickets,
}
# Which activity source a table's values narrow.
TABLE_SOURCE = {
    "products": "purchases",
    "transactions": "purchases",
    "transaction_items": "purchases",
    "campaigns": "campaign_events",
    "campaign_events": "campaign_events",
    "web_sessions": "web_sessions",
    "support_tickets": "support_tickets",
}
# Catalog measure name -> (source, source filters, measure, field). Measures missing here are
# understood but cannot be expressed by the spec, and are reported as such.
MEASURES: dict[str, tuple[str, dict[str, Any], str, str | None]] = {
    "purchases": ("purchases", {}, "count", None),
    "spend": ("purchases", {}, "sum", "total_amount"),
    "average_order_value": ("purchases", {}, "avg", "total_amount"),
    "items_purchased": ("purchases", {}, "sum", "item_count"),
    "returns": ("purchases", {"statuses": ["returned"]}, "count", None),
    "cancellations": ("purchases", {"statuses": ["cancelled"]}, "count", None),
    "sessions": ("web_sessions", {}, "count", None),
    "sessions_without_purchase": ("web_sessions", {"converted": False}, "count", None),
    "abandoned_carts": ("web_sessions", {"cart_abandoned": True}, "count", None),
    "support_tickets": ("support_tickets", {}, "count", None),
    "dissatisfied_tickets": ("support_tickets", {"csat_max": 2}, "count", None),
    "campaign_engagements": ("campaign_events", {}, "count", None),
    "campaign_messages": ("campaign_events", {"event_types": ["delivered"]}, "count", None),
    "campaign_opens": ("campaign_events", {"event_types": ["opened"]}, "count", None),
    "campaign_clicks": ("campaign_events", {"event_types": ["clicked"]}, "count", None),
    "campaign_conversions": ("campaign_events", {"event_types": ["converted"]}, "count", None),
    "unsubscribes": ("campaign_events", {"event_types": ["unsubscribed"]}, "count", None),
}
# Catalog predicate (table.name) -> source filters.
PREDICATES: dict[str, tuple[str, dict[str, Any]]] = {
    "engaged": ("campaign_events", {}),
    "abandoned_cart": ("web_sessions", {"cart_abandoned": True}),
    "browsed_without_buying": ("web_sessions", {"converted": False}),
    "dissatisfied": ("support_tickets", {"csat_max": 2}),
    "satisfied": ("support_tickets", {"csat_min": 4}),
}
# (table, column) of an activity value -> (source, list filter field on that source).
VALUE_FILTERS: dict[tuple[str, str], tuple[str, str]] = {
    ("products", "category"): ("purchases", "categories"),
    ("products", "subcategory"): ("purchases", "subcategories"),
    ("products", "brand"): ("purchases", "brands"),
    ("products", "is_eco_friendly"): ("purchases", "eco_friendly"),
    ("transactions", "channel"): ("purchases", "channels"),
    ("transactions", "payment_method"): ("purchases", "payment_methods"),
    ("transactions", "status"): ("purchases", "statuses"),
    ("campaigns", "channel"): ("campaign_events", "channels"),
    ("campaigns", "campaign_type"): ("campaign_events", "campaign_types"),
    ("campaigns", "target_category"): ("campaign_events", "target_categories"),
    ("campaign_events", "event_type"): ("campaign_events", "event_types"),
    ("web_sessions", "device"): ("web_sessions", "devices"),
    ("web_sessions", "browser"): ("web_sessions", "browsers"),
    ("web_sessions", "viewed_category"): ("web_sessions", "viewed_categories"),
    ("web_sessions", "added_to_cart"): ("web_sessions", "added_to_cart"),
    ("web_sessions", "converted"): ("web_sessions", "converted"),
    ("support_tickets", "topic"): ("support_tickets", "topics"),
    ("support_tickets", "channel"): ("support_tickets", "channels"),
}
# A category word next to a campaign or browsing verb narrows that source instead of purchases.
CATEGORY_IN_CONTEXT = {
    "campaign_events": ("campaigns", "target_category"),
    "web_sessions": ("web_sessions", "viewed_category"),
}
BOOLEAN_FILTERS = {"eco_friendly", "added_to_cart", "converted"}
UNIT_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 365}
MAX_TERM_DEPTH = 2


@dataclass
class Item:
    """A recognised stretch of the request."""

    kind: str  # a lexicon kind, or number / time / word (unknown) / range
    text: str
    meanings: list[Meaning] = field(default_factory=list)
    value: float | None = None
    number_kind: str = ""  # number / money / percent
    window: Window | None = None
    high: float | None = None  # for ranges

    @property
    def meaning(self) -> Meaning:
        return self.meanings[0]


@dataclass
class Tagged:
    """A condition and where it came from (a catalog term, or the request itself)."""

    condition: Condition
    term: str | None = None
    clause: int = 0
    bare_activity: bool = False  # "outdoor buyers": a filter with no count of its own


@dataclass
class ParseResult:
    conditions: list[Condition] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    mentions: set[str] = field(default_factory=set)  # attributes / sources the request names
    refusal: str | None = None
    normalized: str = ""

    @property
    def understood(self) -> bool:
        return bool(self.conditions or self.windows or self.mentions)


class RequestParser:
    """Parses one request against a catalog and lexicon, anchored at the data's as_of date."""

    def __init__(self, catalog: Catalog, lexicon: Lexicon, as_of: date) -> None:
        self.catalog = catalog
        self.lexicon = lexicon
        self.as_of = as_of
        self.times = TimeParser(as_of)
        # Columns with unknowns: "not women" must keep customers of unknown gender.
        self.nullable = {
            name for name, column in catalog.table("customers").columns.items() if column.null_means
        }

    # -- entry point -----------------------------------------------------------------------------

    def parse(self, text: str, *, depth: int = 0) -> ParseResult:
        result = ParseResult()
        refusal = self._refusal(text)
        if refusal:
            result.refusal = refusal
            return result
        normalized = normalize(text)
        result.normalized = normalized
        with_placeholders, times = self.times.extract(normalized)
        windows = {t.placeholder: t.window for t in times}
        result.windows = [t.window for t in times]
        skip = frozenset({"term"}) if depth else frozenset()
        items = self._items(tokenize(with_placeholders), windows, result, skip)
        clauses, joiners = self._clauses(items)
        tagged: list[Tagged] = []
        previous: set[str] = set()
        earlier: list[Tagged] = []
        for index, clause in enumerate(clauses):
            facts = _Facts.read(clause, self, previous)
            made = self._clause(facts, result, depth)
            if facts.window is not None and not _uses_window(made, facts):
                made = made + self._window_alone(facts, earlier, result)
            tagged += [replace(t, clause=index) for t in made]
            previous = set(facts.sources()) or previous
            earlier = made or earlier
        conditions = self._combine(tagged, joiners, result)
        result.conditions = _dedupe(conditions)
        for window in result.windows:
            result.assumptions.append(resolve(window, self.as_of).label)
        return result

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
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.text in windows:
                items.append(Item("time", token.text, window=windows[token.text]))
                i += 1
                continue
            length, meanings = self.lexicon.match(words, i, skip)
            quantified = bool(items) and items[-1].kind in ("comparator", "negation", "between")
            if token.is_number and (length < 2 or quantified):
                # "1 time buyers" is a phrase; "at least 1 purchase" is a number and a measure.
                items.append(Item("number", token.text, value=token.value, number_kind=token.kind))
                i += 1
                continue
            decade = re.fullmatch(r"(\d)0s", token.text)
            if decade:
                low = int(decade.group(1)) * 10
                items.append(Item("decade", token.text, value=low, high=low + 9))
                i += 1
                continue
            if length:
                text = " ".join(words[i : i + length])
                items.append(Item(meanings[0].kind, text, meanings=meanings))
                items += self._inner_values(words[i : i + length], meanings, skip)
                i += length
                continue
            items.append(Item("word", token.text))
            i += 1
        return _merge_ranges(items)

    def _inner_values(
        self, words: list[str], meanings: list[Meaning], skip: frozenset[str]
    ) -> list[Item]:
        """Values named inside a longer phrase: the 'email' in 'opened an email'."""
        if len(words) < 2 or meanings[0].kind != "value" or meanings[0].table == "customers":
            return []
        outer = {(m.table, m.column) for m in meanings}
        found: list[Item] = []
        for start in range(len(words)):
            for length in range(len(words) - start, 0, -1):
                if length == len(words):
                    continue
                named = self.lexicon.phrases.get(tuple(words[start : start + length]), [])
                if any((m.table, m.column) in outer for m in named):
                    continue  # another name for the same thing, e.g. 'push' in 'push notification'
                inner = [m for m in named if m.kind == "value" and m.table != "customers"]
                if inner:
                    found.append(Item("value", " ".join(words[start : start + length]), inner))
                    break
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
        """Split at joining words; joiners[i] is how clause i attaches to clause i-1."""
        clauses: list[list[Item]] = [[]]
        joiners = ["and"]
        for item in items:
            content = [i for i in clauses[-1] if i.kind not in ("stopword", "word")]
            if item.kind == "negation" and content:
                # "women not in Texas": the negation covers what follows it, not the women.
                clauses.append([])
                joiners.append("and")
            if item.kind == "conjunction":
                if clauses[-1]:
                    clauses.append([])
                    joiners.append(item.meaning.name)
                elif item.meaning.name in ("or", "but"):
                    joiners[-1] = item.meaning.name
                continue
            clauses[-1].append(item)
        if not clauses[-1] and len(clauses) > 1:
            clauses.pop()
            joiners.pop()
        return clauses, joiners

    # -- pass 4: one clause ----------------------------------------------------------------------

    def _clause(self, facts: _Facts, result: ParseResult, depth: int) -> list[Tagged]:
        out: list[Tagged] = []
        for item in facts.unknown:
            _note_unknown(result, item)
        out += self._terms(facts, result, depth)
        out += [Tagged(c) for c in self._segments(facts, result)]
        out += [Tagged(c) for c in self._attributes(facts, result)]
        out += [Tagged(c) for c in self._derived(facts, result)]
        out += self._activities(facts, result)
        if facts.negated and out and not facts.negation_used:
            out = [Tagged(_negate(_and([t.condition for t in out]), self.nullable))]
        return out

    def _window_alone(
        self, facts: _Facts, earlier: list[Tagged], result: ParseResult
    ) -> list[Tagged]:
        """A time with nothing to apply it to in its own clause: "bought outdoor gear but not
        in the last 90 days" repeats the earlier activity with that window; otherwise the time
        is reported, never silently dropped."""
        window = facts.window
        assert window is not None
        activities = [t.condition for t in earlier if isinstance(t.condition, ActivityCondition)]
        if not activities or facts.has_content():
            label = resolve(window, self.as_of).label
            result.unrecognized.append(
                f"{label} (nothing in that part of the request to apply it to)"
            )
            return []
        made: list[Tagged] = []
        for condition in activities:
            dated = condition.model_copy(update={"window": window})
            if facts.negated and dated.op == ">=" and dated.value == 1:
                dated = dated.model_copy(update={"op": "=", "value": 0})
            made.append(
                Tagged(NotGroup(condition=dated) if facts.negated and dated.op != "=" else dated)
            )
        result.assumptions.append(
            f"'{describe(window)}' applied to the activity before it in the request"
        )
        return made

    def _terms(self, facts: _Facts, result: ParseResult, depth: int) -> list[Tagged]:
        out: list[Tagged] = []
        for meaning in facts.terms:
            term = self.catalog.terms[meaning.name]
            if depth >= MAX_TERM_DEPTH:
                result.unrecognized.append(meaning.name)
                continue
            inner = self.parse(term.means, depth=depth + 1)
            result.unrecognized += inner.unrecognized
            conditions = inner.conditions
            if facts.window is not None:
                conditions = [_with_window(c, facts.window) for c in conditions]
            label = meaning.name.replace("_", " ")
            result.assumptions.append(f"'{label}' = {term.means} (catalog term)")
            result.mentions.add(f"term:{meaning.name}")
            out += [Tagged(c, term=meaning.name) for c in conditions]
        return out

    def _segments(self, facts: _Facts, result: ParseResult) -> list[Condition]:
        conditions: list[Condition] = []
        for meaning in facts.segments:
            result.mentions.add(f"segment_ref:{meaning.name}")
            conditions.append(SegmentRef(model=meaning.name, label=meaning.value))
        return conditions

    def _attributes(self, facts: _Facts, result: ParseResult) -> list[Condition]:
        conditions: list[Condition] = []
        for column, values in facts.customer_values.items():
            result.mentions.add(f"attribute:{column}")
            kind = CUSTOMER_COLUMNS[column][0]
            typed: list[Any] = [v == "true" if kind == "boolean" else v for v in values]
            if kind == "boolean" and len(set(typed)) == 1 or len(typed) == 1:
                conditions.append(AttributeCondition(attribute=column, op="=", value=typed[0]))
            else:
                conditions.append(AttributeCondition(attribute=column, op="in", value=typed))
        banded = self._numeric_bands(facts)
        if banded is not None:
            conditions.append(banded)
        for table, column in facts.columns:
            if table == "customers":
                result.mentions.add(f"attribute:{column}")
            elif table in TABLE_SOURCE:
                result.mentions.add(f"source:{TABLE_SOURCE[table]}")
        conditions += self._absent_columns(facts, result)
        for column in facts.unknown_columns:
            result.mentions.add(f"attribute:{column}")
            conditions.append(AttributeCondition(attribute=column, op="is_null"))
        return conditions

    def _absent_columns(self, facts: _Facts, result: ParseResult) -> list[Condition]:
        """'without a loyalty tier', 'no gender recorded': the column's 'none' value, or NULL."""
        if not facts.negated or facts.numbers or facts.unknown_flag:
            return []
        found: list[Condition] = []
        for table, column in facts.columns:
            if table != "customers" or column in facts.customer_values or column is None:
                continue
            values = self.catalog.column(table, column).values or {}
            if "none" in values:
                found.append(AttributeCondition(attribute=column, op="=", value="none"))
            elif column in self.nullable:
                found.append(AttributeCondition(attribute=column, op="is_null"))
        if found:
            facts.negation_used = True
        return found

    def _numeric_bands(self, facts: _Facts) -> Condition | None:
        """'earning over 100k', 'more than 200 employees': bands of a banded column by number."""
        column = facts.banded_column()
        if column is None:
            return None
        values = self.catalog.column("customers", column).values or {}
        op, value = facts.comparison()
        low, high = value if isinstance(value, list) else [value, value]
        chosen = [
            key
            for key in values
            if (bounds := band_bounds(key)) is not None and _band_satisfies(bounds, op, low, high)
        ]
        facts.numbers_used = True
        if not chosen:
            return None
        if len(chosen) == 1:
            return AttributeCondition(attribute=column, op="=", value=chosen[0])
        return AttributeCondition(attribute=column, op="in", value=chosen)

    def _derived(self, facts: _Facts, result: ParseResult) -> list[Condition]:
        conditions: list[Condition] = []
        for band in facts.bands:
            result.mentions.add(f"attribute:{band.name}")
            conditions.append(self._band(band))
        if facts.signup:
            result.mentions.add("attribute:signup_date")
            conditions += self._signup(facts)
        elif facts.is_age_clause():
            result.mentions.add("attribute:age")
            op, value = facts.comparison()
            conditions.append(AttributeCondition(attribute="age", op=op, value=value))
            if not facts.age_word:
                result.assumptions.append(f"'{facts.number_text()}' read as an age")
        elif facts.tenure:
            result.mentions.add("attribute:tenure_days")
            op, value = facts.comparison(scale=facts.unit_days())
            conditions.append(AttributeCondition(attribute="tenure_days", op=op, value=value))
        return conditions

    def _band(self, band: Meaning) -> Condition:
        low, high = band.get("min"), band.get("max")
        if band.name == "generation":
            # Generations are birth-year ranges: compare birth_date, not an age that moves.
            start = f"{int(low)}-01-01" if low is not None else None
            end = f"{int(high)}-12-31" if high is not None else None
            if start and end:
                return AttributeCondition(attribute="birth_date", op="between", value=[start, end])
            if start:
                return AttributeCondition(attribute="birth_date", op=">=", value=start)
            return AttributeCondition(attribute="birth_date", op="<=", value=end)
        attribute = "age" if band.name in ("age", "age_band") else band.name
        if low is not None and high is not None:
            return AttributeCondition(attribute=attribute, op="between", value=[low, high])
        if low is not None:
            return AttributeCondition(attribute=attribute, op=">=", value=low)
        return AttributeCondition(attribute=attribute, op="<=", value=high)

    def _signup(self, facts: _Facts) -> list[Condition]:
        if facts.window is not None:
            window = resolve(facts.window, self.as_of)
            last = (window.end - timedelta(days=1)).date().isoformat()
            if window.start is None:
                return [AttributeCondition(attribute="signup_date", op="<=", value=last)]
            first = window.start.date().isoformat()
            return [AttributeCondition(attribute="signup_date", op="between", value=[first, last])]
        if facts.numbers and facts.ago:
            op, value = facts.comparison(scale=facts.unit_days())
            return [AttributeCondition(attribute="tenure_days", op=op, value=value)]
        return []

    # -- activities ------------------------------------------------------------------------------

    def _activities(self, facts: _Facts, result: ParseResult) -> list[Tagged]:
        sources = facts.sources()
        out: list[Tagged] = []
        for source in sources:
            result.mentions.add(f"source:{source}")
            out += self._activity(source, facts, result, primary=source == sources[0])
        for value in facts.activity_values:
            # A recognised value that no activity here can use must be said, never dropped.
            if not any(_value_target(value, source) for source in sources):
                result.unrecognized.append(f"{value.value} ({value.table}.{value.column})")
        return out

    def _activity(
        self, source: str, facts: _Facts, result: ParseResult, *, primary: bool
    ) -> list[Tagged]:
        filters, measure, fieldname = facts.activity_shape(source)
        try:
            activity = SOURCES[source](**filters)
        except ValueError as exc:
            result.unrecognized.append(f"{facts.text()} ({_first_error(exc)})")
            return []
        window = facts.window or AllTime()
        if facts.money is not None and measure == "count":
            measure, fieldname = "sum", "total_amount"
        if facts.rank and primary:
            return [Tagged(self._rank(facts, activity, measure, fieldname, window, result))]
        if facts.recency and source == "purchases" and facts.ago:
            op, value = facts.comparison(scale=facts.unit_days())
            condition: Condition = ActivityCondition(
                activity=activity, measure="days_since_last", op=op, value=value, window=window
            )
            facts.negation_used = False
            return [Tagged(condition)]
        has_quantity = primary and (facts.numbers or facts.money is not None)
        if has_quantity:
            op, value = facts.comparison(
                money=measure in ("sum", "avg") and fieldname != "item_count"
            )
        else:
            op, value = ">=", 1
        if facts.negated and not has_quantity:
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
        bare = not has_quantity and not facts.negated and measure == "count"
        if facts.implied_source == source:
            result.assumptions.append(
                f"'{facts.implied_by}' read as customers with {activity.noun}s of it"
            )
        return [Tagged(condition, bare_activity=bare)]

    def _rank(self, facts, activity, measure, fieldname, window, result) -> Condition:
        direction = facts.rank.name
        number = facts.numbers[0] if facts.numbers else None
        if number is None:
            n, unit = 10.0, "percent"
            result.assumptions.append(f"'{direction}' without a size read as {direction} 10%")
        else:
            n = number.value
            unit = "percent" if number.number_kind == "percent" else "customers"
        if measure == "count" and not facts.measure_named:
            measure, fieldname = "sum", "total_amount"
            result.assumptions.append("ranked by spend (revenue of completed purchases)")
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

    def _combine(
        self, tagged: list[Tagged], joiners: list[str], result: ParseResult
    ) -> list[Condition]:
        tagged = _apply_term_overrides(tagged, result)
        by_clause: dict[int, list[Tagged]] = {}
        for t in tagged:
            by_clause.setdefault(t.clause, []).append(t)
        groups: list[list[Condition]] = []
        for index in sorted(by_clause):
            conditions = [t.condition for t in by_clause[index]]
            joiner = joiners[index] if index < len(joiners) else "and"
            if joiner == "or" and groups:
                groups[-1] = [_either(_and_list(groups[-1]), _and(conditions), result)]
            elif joiner == "and" and groups and _same_column_values(groups[-1], conditions):
                merged = _either(groups[-1][-1], conditions[0], result)
                groups[-1][-1] = merged
                result.assumptions.append(
                    "values of the same attribute joined by 'and' read as "
                    "either of them (nobody has both)"
                )
            else:
                groups.append(conditions)
        return [c for group in groups for c in group]


# -- clause facts -------------------------------------------------------------------------------


class _Facts:
    """What one clause says, sorted by kind."""

    def __init__(self, items: list[Item], parser: RequestParser) -> None:
        self.items = items
        self.parser = parser
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
        self.signup = False
        self.tenure = False
        self.age_word = False
        self.ago = False
        self.unit: str | None = None
        self.unknown: list[Item] = []
        self.unknown_flag = False
        self.numbers_used = False
        self.columns: list[tuple[str | None, str | None]] = []
        self.implied_source: str | None = None
        self.implied_by = ""
        self.measure_named = False

    @classmethod
    def read(
        cls, items: list[Item], parser: RequestParser, previous: set[str] | None = None
    ) -> _Facts:
        """`previous`: the activity sources of the clause before ("bought in the app and in
        store": 'store' is a purchase channel, not where the customer was acquired)."""
        facts = cls(items, parser)
        for item in items:
            facts._take(item)
        facts._demote_ambiguous_measures()
        facts._resolve_values(previous or set())
        return facts

    def _demote_ambiguous_measures(self) -> None:
        """'returns' is a measure, but next to 'support tickets' it is a ticket topic."""
        for item in [i for i in self.items if i.kind == "measure"]:
            measure = item.meaning
            own = MEASURES.get(measure.name, ("",))[0]
            others = {
                MEASURES[m.name][0]
                for m in self.measures
                if m is not measure and m.name in MEASURES
            } | set(self.verbs)
            others |= {PREDICATES[p.name][0] for p in self.predicates if p.name in PREDICATES}
            values = [
                m
                for m in item.meanings
                if m.kind == "value" and TABLE_SOURCE.get(m.table or "") in others
            ]
            if values and own not in others:
                self.measures.remove(measure)
                self.activity_values.append(Item("value", item.text, values))

    def _take(self, item: Item) -> None:
        kind = item.kind
        if kind == "time":
            self.window = item.window
        elif kind in ("number", "range", "decade"):
            if item.number_kind == "money":
                self.money = item.value
            self.numbers.append(item)
        elif kind == "negation":
            self.negated = True
        elif kind == "comparator":
            self.comparators.append(item.meaning.name)
        elif kind == "term":
            self.terms.append(item.meaning)
        elif kind == "segment_model":
            self.segments.append(_preferred_model(item.meanings))
        elif kind == "rank":
            self.rank = item.meaning
        elif kind == "measure":
            self.measures.append(item.meaning)
            self.measure_named = True
        elif kind == "predicate":
            self.predicates.append(item.meaning)
        elif kind == "verb":
            self.verbs.append(item.meaning.source or "purchases")
        elif kind == "value":
            self.activity_values.append(item)  # resolved once the whole clause is known
            self.columns += [(m.table, m.column) for m in item.meanings if m.kind == "column"]
        elif kind == "band":
            self.bands.append(item.meaning)
        elif kind == "column":
            self.columns += [(m.table, m.column) for m in item.meanings if m.kind == "column"]
        elif kind == "derived":
            if item.meaning.name == "tenure_days":
                self.tenure = True
            elif item.meaning.name == "age":
                self.age_word = True
            else:
                self.derived.append(item.meaning)
        elif kind == "recency":
            self.recency = True
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
        context = set(self.verbs)
        context |= {MEASURES[m.name][0] for m in self.measures if m.name in MEASURES}
        context |= {PREDICATES[p.name][0] for p in self.predicates if p.name in PREDICATES}
        context = context or previous
        event_values = [i for i in items if any(m.table == "campaign_events" for m in i.meanings)]
        if event_values:
            context.add("campaign_events")
        if self.unknown_flag:
            self.unknown_columns = [c for t, c in self.columns if t == "customers" and c]
        banded = self.banded_column()
        for item in items:
            if banded and any(m.kind == "column" and m.column == banded for m in item.meanings):
                continue  # "200 employees": the word names the banded column, not a value
            named = [m for m in item.meanings if (m.table, m.column) in self.columns]
            meanings = named or _values_for_context(item.meanings, context)
            if meanings[0].table == "customers":
                for m in meanings:
                    if m.table == "customers" and m.column == meanings[0].column:
                        _append(self.customer_values, m.column, m.value)
                continue
            self.activity_values += [
                m
                for m in meanings
                if (m.table, m.column) == (meanings[0].table, meanings[0].column)
            ]
            if not context and meanings[0].table in TABLE_SOURCE:
                self.implied_source = TABLE_SOURCE[meanings[0].table]
                self.implied_by = item.text

    # -- derived questions -----------------------------------------------------------------------

    def sources(self) -> list[str]:
        found: list[str] = []
        for m in self.measures:
            if m.name in MEASURES:
                found.append(MEASURES[m.name][0])
        for p in self.predicates:
            if p.name in PREDICATES:
                found.append(PREDICATES[p.name][0])
        found += self.verbs
        for v in self.activity_values:
            if any(_value_target(v, existing) for existing in found):
                continue  # narrows an activity already named ("win-back email about outdoor")
            source, _ = VALUE_FILTERS.get((v.table, v.column), (None, None))
            if source:
                found.append(source)
        if self.recency:
            found.append("purchases")
        if self.rank and not found:
            found.append("purchases")
        if (
            self.money is not None
            and not found
            and not (self.tenure or self.signup or self.banded_column())
        ):
            found.append("purchases")
        return list(dict.fromkeys(found))

    def activity_shape(self, source: str) -> tuple[dict[str, Any], str, str | None]:
        filters: dict[str, Any] = {}
        measure, fieldname = "count", None
        # "bought 5 items": the generic purchases measure yields to a more specific one.
        ordered = sorted(self.measures, key=lambda m: m.name == "purchases")
        for m in ordered:
            spec = MEASURES.get(m.name)
            if spec and spec[0] == source:
                filters.update(spec[1])
                measure, fieldname = spec[2], spec[3]
                break
        for p in self.predicates:
            spec_p = PREDICATES.get(p.name)
            if spec_p and spec_p[0] == source:
                filters.update(spec_p[1])
        for v in self.activity_values:
            target = _value_target(v, source)
            if target is None:
                continue
            name = target[1]
            if name in BOOLEAN_FILTERS:
                filters[name] = v.value == "true"
            else:
                filters.setdefault(name, [])
                if v.value not in filters[name]:
                    filters[name].append(v.value)
        return filters, measure, fieldname

    def is_age_clause(self) -> bool:
        if not self.numbers or self.money is not None or self.measures or self.verbs:
            return False
        if self.banded_column():
            return False
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

    def has_content(self) -> bool:
        """Anything besides a time, a negation and filler words."""
        return any(i.kind not in ("time", "negation", "stopword") for i in self.items)

    def banded_column(self) -> str | None:
        """A mentioned customers column whose values are numeric bands, when a number is given."""
        if not self.numbers:
            return None
        for table, column in self.columns:
            if table != "customers" or column is None:
                continue
            values = self.parser.catalog.column(table, column).values or {}
            if values and all(band_bounds(key) is not None for key in values):
                return column
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
        number = numbers[0]
        if number.kind in ("range", "decade"):
            low, high = number.value * scale, number.high * scale
            return "between", [_num(low), _num(high)]
        value = _num((number.value or 0) * scale)
        op = self.comparators[0] if self.comparators else ">="
        if self.negated and not self.comparators:
            self.negation_used = True
            return "=", 0
        return op, value


# -- helpers ------------------------------------------------------------------------------------


def _merge_ranges(items: list[Item]) -> list[Item]:
    """'between 2 and 5', 'from 25 to 34', '25 to 34' -> one range item."""
    out: list[Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        window = items[i : i + 4]
        if (
            item.kind == "between"
            and len(window) == 4
            and window[1].kind == "number"
            and window[2].text in ("and", "to", "through", "until")
            and window[3].kind == "number"
        ):
            out.append(_range(window[1], window[3]))
            i += 4
            continue
        pair = items[i : i + 3]
        if (
            item.kind == "number"
            and len(pair) == 3
            and pair[1].text in ("to", "through")
            and pair[2].kind == "number"
        ):
            out.append(_range(pair[0], pair[2]))
            i += 3
            continue
        if item.kind == "between":
            i += 1  # "customers from Texas": a lone 'from' says nothing
            continue
        out.append(item)
        i += 1
    return out


def _uses_window(made: list[Tagged], facts: _Facts) -> bool:
    """Whether a clause's conditions took its time window (activities, rankings, signups)."""
    if facts.signup:
        return True

    def dated(condition: Condition) -> bool:
        if isinstance(condition, ActivityCondition | RankCondition):
            return True
        if isinstance(condition, NotGroup):
            return dated(condition.condition)
        if isinstance(condition, AndGroup | OrGroup):
            return any(dated(c) for c in condition.conditions)
        return False

    return any(dated(t.condition) for t in made)


def _value_target(value: Meaning, source: str) -> tuple[str, str] | None:
    """The filter of `source` a value narrows, if any (a category next to a campaign verb
    narrows the campaign's target category)."""
    target = VALUE_FILTERS.get((value.table, value.column))
    if value.table == "products" and value.column == "category" and source in CATEGORY_IN_CONTEXT:
        target = VALUE_FILTERS[CATEGORY_IN_CONTEXT[source]]
    return target if target and target[0] == source else None


def band_bounds(key: str) -> tuple[float, float] | None:
    """'<25k' -> (0, 25000), '25-50k' -> (25000, 50000), '200k+' -> (200000, inf), '1-10'."""
    text = key.replace(",", "").lower()
    scale = 1000 if "k" in text else 1
    text = text.replace("k", "")
    try:
        if text.startswith("<"):
            return 0.0, float(text[1:]) * scale
        if text.endswith("+"):
            return float(text[:-1]) * scale, float("inf")
        low, high = text.split("-")
        return float(low) * scale, float(high) * scale
    except ValueError:
        return None


def _band_satisfies(bounds: tuple[float, float], op: str, low: float, high: float) -> bool:
    """A band qualifies when every value in it satisfies the comparison."""
    start, end = bounds
    return {
        ">": start >= low,
        ">=": start >= low,
        "<": end <= low,
        "<=": end <= low,
        "between": start >= low and end <= high,
        "=": start <= low < end,
    }.get(op, False)


def _range(low: Item, high: Item) -> Item:
    lo, hi = sorted([low.value or 0, high.value or 0])
    kind = "money" if "money" in (low.number_kind, high.number_kind) else low.number_kind
    return Item("range", f"{low.text} to {high.text}", value=lo, high=hi, number_kind=kind)


def _values_for_context(meanings: list[Meaning], context: set[str]) -> list[Meaning]:
    values = [m for m in meanings if m.kind == "value"]
    in_context = [m for m in values if TABLE_SOURCE.get(m.table or "") in context]
    if in_context:
        # A category next to a campaign or browsing verb narrows that activity, not purchases.
        return _by_specificity(in_context)
    customers = [m for m in values if m.table == "customers"]
    if customers:
        return customers
    return _by_specificity(values)


def _by_specificity(values: list[Meaning]) -> list[Meaning]:
    # Prefer purchases' products over the same value on campaigns/sessions; keep catalog order.
    order = [
        "products",
        "transactions",
        "campaign_events",
        "campaigns",
        "web_sessions",
        "support_tickets",
    ]
    return sorted(values, key=lambda m: order.index(m.table) if m.table in order else 99)


def _preferred_model(meanings: list[Meaning]) -> Meaning:
    order = ["lifecycle", "rfm", "abc", "value_tier", "engagement_tier"]
    models = [m for m in meanings if m.kind == "segment_model"]
    return sorted(models, key=lambda m: order.index(m.name) if m.name in order else 99)[0]


def _append(target: dict[str, list[str]], key: str | None, value: str | None) -> None:
    if key is None or value is None:
        return
    target.setdefault(key, [])
    if value not in target[key]:
        target[key].append(value)


def _note_unknown(result: ParseResult, item: Item) -> None:
    if item.text not in result.unrecognized:
        result.unrecognized.append(item.text)


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _first_error(exc: Exception) -> str:
    text = str(exc).splitlines()
    for line in text:
        if "Value error" in line or "Input should be" in line:
            return line.strip()
    return text[-1] if text else "not expressible"


def _and(conditions: list[Condition]) -> Condition:
    return conditions[0] if len(conditions) == 1 else AndGroup(conditions=conditions)


def _and_list(conditions: list[Condition]) -> Condition:
    return _and(conditions)


def _negate(condition: Condition, nullable: set[str]) -> Condition:
    if isinstance(condition, NotGroup):
        return condition.condition
    if isinstance(condition, AttributeCondition) and condition.attribute not in nullable:
        flipped = {
            "=": "!=",
            "!=": "=",
            "in": "not_in",
            "not_in": "in",
            "is_null": "not_null",
            "not_null": "is_null",
        }
        if condition.op in flipped and not isinstance(condition.value, bool):
            return condition.model_copy(update={"op": flipped[condition.op]})
        if isinstance(condition.value, bool):
            return condition.model_copy(update={"value": not condition.value})
    return NotGroup(condition=condition)


def _either(a: Condition, b: Condition, result: ParseResult) -> Condition:
    """a OR b, merged into one condition when they differ only in a list of values."""
    if (
        isinstance(a, AttributeCondition)
        and isinstance(b, AttributeCondition)
        and a.attribute == b.attribute
        and a.op in ("=", "in")
        and b.op in ("=", "in")
    ):
        values = _listed(a.value) + [v for v in _listed(b.value) if v not in _listed(a.value)]
        return AttributeCondition(attribute=a.attribute, op="in", value=values)
    merged = _merge_activity_lists(a, b)
    if merged is not None:
        return merged
    parts = [*(a.conditions if isinstance(a, OrGroup) else [a]), b]
    return OrGroup(conditions=parts)


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _merge_activity_lists(a: Condition, b: Condition) -> Condition | None:
    if not (isinstance(a, ActivityCondition) and isinstance(b, ActivityCondition)):
        return None
    da, db = a.activity.model_dump(), b.activity.model_dump()
    if (a.measure, a.field, a.op, a.value, a.window) != (
        b.measure,
        b.field,
        b.op,
        b.value,
        b.window,
    ):
        return None
    differing = [k for k in da if da[k] != db[k]]
    if len(differing) != 1 or not isinstance(da[differing[0]], list):
        return None
    key = differing[0]
    merged = da[key] + [v for v in (db[key] or []) if v not in da[key]]
    return a.model_copy(update={"activity": a.activity.model_copy(update={key: merged})})


def _same_column_values(previous: list[Condition], current: list[Condition]) -> bool:
    if len(current) != 1 or not previous:
        return False
    a, b = previous[-1], current[0]
    return (
        isinstance(a, AttributeCondition)
        and isinstance(b, AttributeCondition)
        and a.attribute == b.attribute
        and a.op in ("=", "in")
        and b.op == "="
        and not isinstance(b.value, bool)
    )


def _with_window(condition: Condition, window: Window) -> Condition:
    if isinstance(condition, ActivityCondition | RankCondition):
        if condition.measure == "days_since_last":
            return condition
        return condition.model_copy(update={"window": window})
    return condition


def _measure_key(condition: Condition) -> tuple[str, str, str | None] | None:
    if isinstance(condition, ActivityCondition):
        return condition.activity.source, condition.measure, condition.field
    return None


def _apply_term_overrides(tagged: list[Tagged], result: ParseResult) -> list[Tagged]:
    """Explicit numbers beat a vague word's threshold; a vague word takes its clause's filters.

    "frequent outdoor buyers with 3 transactions last month": the stated 3 transactions replace
    "frequent"'s threshold. "frequent outdoor buyers": frequent's purchases are Outdoor purchases.
    """
    explicit = {
        _measure_key(t.condition)
        for t in tagged
        if t.term is None and not t.bare_activity and not _is_none(t.condition)
    }
    kept: list[Tagged] = []
    for t in tagged:
        key = _measure_key(t.condition)
        if t.term and key is not None and key in explicit and not _is_none(t.condition):
            label = t.term.replace("_", " ")
            result.assumptions.append(
                f"'{label}' is replaced by the number stated in the request for the same measure"
            )
            continue
        kept.append(t)
    out: list[Tagged] = []
    absorbed: set[int] = set()
    for t in kept:
        if t.term and isinstance(t.condition, ActivityCondition) and not _is_none(t.condition):
            for j, other in enumerate(kept):
                if (
                    other.bare_activity
                    and other.clause == t.clause
                    and isinstance(other.condition, ActivityCondition)
                    and other.condition.activity.source == t.condition.activity.source
                ):
                    t = replace(t, condition=_merge_filters(t.condition, other.condition))
                    absorbed.add(j)
        out.append(t)
    return [t for j, t in enumerate(out) if j not in absorbed]


def _merge_filters(term: ActivityCondition, bare: ActivityCondition) -> ActivityCondition:
    base = term.activity.model_dump()
    extra = bare.activity.model_dump()
    default = type(bare.activity)().model_dump()
    for key, value in extra.items():
        if value != default.get(key):
            base[key] = value
    return term.model_copy(update={"activity": type(term.activity)(**base)})


def _is_none(condition: Condition) -> bool:
    """A "no such activity" condition: an exact definition, never a vague threshold."""
    return isinstance(condition, ActivityCondition) and condition.op == "=" and condition.value == 0


def _dedupe(conditions: list[Condition]) -> list[Condition]:
    seen: list[Condition] = []
    for c in conditions:
        if c not in seen:
            seen.append(c)
    return seen


def trailing_days(n: int) -> Window:
    return Trailing(n=n, unit="days")


__all__ = ["ParseResult", "RequestParser", "describe"]
