"""Every word accounted for: after a clause is read, what it said that no condition uses.

Unknown words are reported where they are met (`ClauseFacts.unknown`). The classes checked here
are words the lexicon *did* recognise, so they never look unknown, but that can still be left
out of the conditions a clause makes:

- numbers: a clause's quantities are taken one at a time (a count, an amount, an age, a year,
  a field's value, a ranking's size); a number none of them took ("customers with 2 orders
  over $50": the 2) would otherwise change nothing without a word said;
- share words ("mostly", "mainly") when no share condition came of them;
- property names ("county", "household"): a customer property named in a clause whose
  conditions are all about other properties or activities;
- event-field words ("current price", "list price", "discount"): a field of the activity's
  rows named in the clause that no condition filters, compares or sums;
- comparisons on a row's own field ("over $50" after "2 orders") that no activity here has;
- recency words ("last order", "most recent purchase") when no condition is on the latest
  such event ("whose most recent purchase was in the app" is not "any app purchase");
- rates ("twice a month", "buys every week"): a count per period no condition measures.

Each is reported with the words around it (the number with the noun after it), so the headline
can say "I ignored '2 orders'".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.rules.items import Item
from assistant.spec import (
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    Condition,
    NotGroup,
    OrGroup,
    RankCondition,
)

if TYPE_CHECKING:
    from assistant.rules.clause import ClauseFacts

NUMBER_KINDS = ("number", "range", "decade")
# Items that may follow a number as the thing it counts, for the reported span.
_NOUN_KINDS = ("measure", "value", "column", "unit", "field", "verb", "predicate", "word")


# How a property named with no condition on it is reported, after the words that named it
NAMED_UNUSED = " (named, but no condition here is on it)"


def walk(conditions: list[Condition]) -> Iterator[Condition]:
    """Every condition, groups opened."""
    for c in conditions:
        if isinstance(c, (AndGroup, OrGroup)):
            yield from walk(list(c.conditions))
        elif isinstance(c, NotGroup):
            yield from walk([c.condition])
        else:
            yield c


def replaced(conditions: list[Condition], target: Condition, new: Condition) -> list[Condition]:
    """The conditions with `target` (that very object) replaced by `new`, inside groups too."""

    def one(c: Condition) -> Condition:
        if c is target:
            return new
        if isinstance(c, (AndGroup, OrGroup)):
            return c.model_copy(update={"conditions": [one(x) for x in c.conditions]})
        if isinstance(c, NotGroup):
            return c.model_copy(update={"condition": one(c.condition)})
        return c

    return [one(c) for c in conditions]


def unaccounted(facts: ClauseFacts, made: list[Condition]) -> list[str]:
    """What the clause said that none of `made` uses, each as the span it came from."""
    if not made:
        # A clause that made nothing is a mention ("drop the region filter"), or failed on an
        # unknown word: then the words it did recognise were not used either ("discount lovers").
        if not facts.unknown:
            return []
        return [i.text for i in facts.items if i.kind == "column"]
    found: list[str] = []
    conditions = list(walk(made))
    found += _numbers(facts)
    shared = any(getattr(c, "measure", None) == "share" for c in conditions)
    if facts.share_word and not facts.share_used and not shared:
        found.append(f"{facts.share_word} (no share of an activity here)")
    found += _properties(facts, conditions)
    found += _fields(facts, conditions)
    found += [f"{b.text()} (no such field here)" for b in facts.row_bounds if not b.used]
    found += _comparisons(facts, conditions)
    found += _measures(facts, conditions)
    if facts.counted_field and not facts.counted_used:
        found.append(f"{facts.counted_text} (not counted on this activity's rows)")
    if facts.rate_text and not _rate_of_property(facts, conditions):
        found.append(f"{facts.rate_text} (a rate per period is not a condition I can make)")
    for v in facts.stray_values:
        verbs = ", ".join(facts.parser.catalog.events[s].plural_noun for s in facts.verbs)
        found.append(f"{v.value} (not something {verbs} have)")
    if facts.recency and not facts.recency_used:
        found.append(f"{facts.recency_text} (only when, or how long ago, it was)")
    return found


def _rate_of_property(facts: ClauseFacts, conditions: list[Condition]) -> bool:
    """'a plan that costs less than $100 a month': the rate is the unit of the property compared
    (its name says so: 'monthly price'), so it is said by the condition itself."""
    unit = facts.rate_text.split()[-1].lower()
    adjective = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}.get(unit)
    if adjective is None:
        return False
    return any(
        isinstance(c, AttributeCondition) and adjective in c.attribute.lower() for c in conditions
    )


def _comparisons(facts: ClauseFacts, conditions: list[Condition]) -> list[str]:
    """'shop in store more than online', 'spent more in store than online': a comparison with
    no number, between two activities, that no condition makes."""
    words = facts.parser.lexicon.grammar.get("comparison_words", [])
    if any(i.kind in NUMBER_KINDS for i in facts.items) or facts.unit or facts.terms:
        return []
    said = [i for i in facts.items if i.kind == "comparator" or i.text in words]
    if not said:
        return []
    plain = all(
        isinstance(c, ActivityCondition)
        and c.measure == "count"
        and ((c.op == ">=" and c.value == 1) or (c.op == "=" and c.value == 0))
        for c in conditions
    )
    acts = _activities(conditions)
    listed = any(
        isinstance(v, list) and len(v) > 1 for c in acts for v in c.activity.filters.values()
    )
    if not plain or (len(acts) < 2 and not listed):
        return []
    text = " ".join(i.text for i in said)
    return [f"{text} (comparing two activities is not a condition I can make)"]


def _filter_sets(c: ActivityCondition | RankCondition) -> list[dict]:
    """The activity's filters, and a share's (which rows of it a share counts)."""
    shared = [c.share_of.filters] if c.share_of is not None else []
    return [c.activity.filters, *shared]


def _measures(facts: ClauseFacts, conditions: list[Condition]) -> list[str]:
    """'more dashboard views than logins': a second measure of the same activity that no
    condition counts (its own filters are in none of the clause's activities)."""
    measures = facts.parser.catalog.measures
    acts = _activities(conditions)
    named = [i for i in facts.items if i.kind == "measure" and i.meaning.name in measures]
    if len(named) < 2 or not acts:
        return []
    out = []
    for item in named:
        measure = measures[item.meaning.name]
        wanted = {k: set(map(str, v)) for k, v in (measure.filters or {}).items()}
        if not wanted:
            continue
        if not any(
            c.activity.source == measure.event
            and any(
                all(vals <= set(map(str, filters.get(k, []) or [])) for k, vals in wanted.items())
                for filters in _filter_sets(c)
            )
            for c in acts
        ):
            out.append(f"{item.text} (named, but no condition here counts it)")
    return out


def _activities(conditions: list[Condition]) -> list[ActivityCondition | RankCondition]:
    return [c for c in conditions if isinstance(c, (ActivityCondition, RankCondition))]


def _used_fields(conditions: list[Condition]) -> set[tuple[str, str]]:
    """(event, field) pairs the activity conditions filter, compare or add up."""
    used: set[tuple[str, str]] = set()
    for c in _activities(conditions):
        acts = [c.activity]
        if isinstance(c, ActivityCondition) and c.after is not None:
            acts.append(c.after.activity)
        for act in acts:
            used |= {(act.source, f) for f in act.filters}
        if c.field:
            used.add((c.activity.source, c.field))
        share = getattr(c, "share_of", None)
        if share is not None:
            used |= {(c.activity.source, f) for f in share.filters}
    return used


def _fields(facts: ClauseFacts, conditions: list[Condition]) -> list[str]:
    """A word naming a numeric field of the activity's rows ('current price') that no
    condition uses. (A text field's name alone, 'campaign', is the rows' own noun.)"""
    acts = _activities(conditions)
    if not acts:
        return []
    vocab = facts.vocab
    used = _used_fields(conditions)
    sources = {c.activity.source for c in acts}
    attributes = {c.attribute for c in conditions if isinstance(c, AttributeCondition)}
    out = []
    for item in facts.items:
        if item.kind == "field" and not facts.numbers:
            # "never rated support": the rating's field, with no value or number to compare
            pairs = {(m.source, m.name) for m in item.meanings if m.kind == "field"}
            if {p for p in pairs if p[0] in sources} and not pairs & used:
                out.append(f"{item.text} (no value or number for it here)")
            continue
        if item.kind != "column":
            continue
        numeric = {id(m) for m in facts._row_field_meanings(item)}
        columns = [m for m in item.meanings if m.kind == "column" and id(m) in numeric]
        if any(vocab.property_name(m.table, m.column) in attributes for m in columns):
            continue
        fields = {
            pair
            for m in columns
            for pair in vocab.value_fields.get((m.table or "", m.column or ""), [])
            if not vocab.is_property(m.table, m.column)
        }
        mine = {pair for pair in fields if pair[0] in sources}
        if mine and not mine & used:
            out.append(f"{item.text}{NAMED_UNUSED}")
    return out


def _numbers(facts: ClauseFacts) -> list[str]:
    if facts.numbers_used:
        return []
    out = []
    for n in facts.numbers:
        if id(n) in facts.used_numbers:
            continue
        if facts.numbers_filter and n.number_kind != "money":
            continue
        out.append(_span(facts.items, n))
    return out


def _span(items: list[Item], number: Item) -> str:
    """The number with its comparator before it and the noun after it: 'at least 4 year'."""
    k = next(i for i, item in enumerate(items) if item is number)
    start = k
    while start > 0 and items[start - 1].kind == "comparator":
        start -= 1
    end = k + 1
    if end < len(items) and items[end].kind in _NOUN_KINDS:
        end += 1
    return " ".join(i.text for i in items[start:end])


def _properties(facts: ClauseFacts, conditions: list[Condition]) -> list[str]:
    vocab = facts.vocab
    used = {c.attribute for c in conditions if isinstance(c, AttributeCondition)}
    activity = any(isinstance(c, (ActivityCondition, RankCondition)) for c in conditions)
    # "living in Jackson County": a word for where customers live frames any place (a
    # property of the same table as a geography role's)
    catalog = facts.parser.catalog
    tables = {
        place[0] for p in catalog.roles.geography or [] if (place := catalog.property_column(p))
    }
    places = set(catalog.roles.geography or [])
    for name in catalog.properties:
        at = catalog.property_column(name)
        if at and at[0] in tables:
            places.add(name)
    filtered = {f for c in _activities(conditions) for f in c.activity.filters}
    out = []
    for item in facts.items:
        if item.kind != "column":
            continue
        if any(_same_name(m.column or "", filtered) for m in item.meanings):
            continue  # "visited on an android device": the visit's device is filtered
        if activity and any(
            m.kind == "column"
            and not vocab.is_property(m.table, m.column)
            and (m.table or "", m.column or "") in vocab.value_fields
            for m in item.meanings
        ):
            continue  # a word next to an activity that names one of its rows' fields
        props = {p for m in item.meanings if (p := vocab.property_name(m.table, m.column))}
        if props <= places and used & places:
            continue
        if props and not props & used:
            out.append(f"{item.text}{NAMED_UNUSED}")
    return out


def _same_name(column: str, fields: set[str]) -> bool:
    """A customer column and an event field that name the same thing ('primary_device' and a
    visit's 'device')."""
    return any(column == f or column.endswith("_" + f) for f in fields)


def numbers_of(facts: ClauseFacts) -> list[str]:
    """Every quantity a clause said, as its span (for a clause that made no condition)."""
    return [_span(facts.items, n) for n in facts.numbers]
