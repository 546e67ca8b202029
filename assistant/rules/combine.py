"""Putting clause conditions together: and/or/not, vague-word overrides, dedupe."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant.rules.clause import ClauseFacts
from assistant.spec import (
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    Condition,
    NotGroup,
    OrGroup,
    RankCondition,
)
from assistant.windows import AllTime, Window

if TYPE_CHECKING:
    from assistant.rules.parser import ParseResult


@dataclass
class Tagged:
    """A condition and where it came from (a catalog term, or the request itself)."""

    condition: Condition
    term: str | None = None
    clause: int = 0
    bare_activity: bool = False  # "outdoor buyers": a filter with no count of its own
    guess: bool = False  # read from a bare value ("our flagship store": purchases in store)


@dataclass(frozen=True)
class Reread:
    """A whole request's conditions read again as one shape the clauses alone miss ('in the same
    order', 'but never opened it'), the note that says so, and the reports it settles."""

    conditions: list[Condition]
    note: str
    settles: str | None = None


def plain_count(c: Condition, op: str, value: float) -> bool:
    """An activity counted so ('>=', 1: did it; '=', 0: never), with no anchor of its own."""
    return (
        isinstance(c, ActivityCondition)
        and c.measure == "count"
        and (c.op, c.value) == (op, value)
        and c.after is None
    )


def all_of(conditions: list[Condition]) -> Condition:
    return conditions[0] if len(conditions) == 1 else AndGroup(conditions=conditions)


def negate_condition(condition: Condition, nullable: set[str]) -> Condition:
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


def either(a: Condition, b: Condition, result: ParseResult) -> Condition:
    """a OR b, merged into one condition when they differ only in a list of values."""
    if (
        isinstance(a, AttributeCondition)
        and isinstance(b, AttributeCondition)
        and a.attribute == b.attribute
        and a.op in ("=", "in")
        and b.op in ("=", "in")
    ):
        return AttributeCondition(attribute=a.attribute, op="in", value=both_values(a, b))
    merged = merge_activity_lists(a, b)
    if merged is not None:
        return merged
    parts = [*(a.conditions if isinstance(a, OrGroup) else [a]), b]
    return OrGroup(conditions=parts)


def listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def both_values(a: AttributeCondition, b: AttributeCondition) -> list[Any]:
    """a's values, then b's that a does not have (one list for 'Texas or Ontario')."""
    return listed(a.value) + [v for v in listed(b.value) if v not in listed(a.value)]


def is_unnarrowed(condition: Condition) -> bool:
    """An activity condition with no filter and no predicate on its rows."""
    return (
        isinstance(condition, ActivityCondition)
        and not condition.activity.filters
        and not condition.activity.predicates
    )


def merge_activity_lists(a: Condition, b: Condition) -> Condition | None:
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


def same_column_value(
    previous: list[Condition], current: list[Condition]
) -> tuple[int, int] | None:
    """'healthcare and education accounts in the US', 'Gen X and baby boomers in the UK': a
    condition after 'and' that is another value (or a range that cannot overlap) of the property
    just before it. Returns where that property is in `previous` and where the other value is in
    `current` (the rest of the clause stays its own)."""
    if not current or not previous:
        return None
    partner = len(previous) - 1
    if len(current) == 1 and isinstance(current[0], AttributeCondition):
        # "shoe buyers 25-34 in tx & ga": a value alone after 'and' is another of the one
        # property said before it, wherever in its clause
        same = [
            k
            for k, c in enumerate(previous)
            if isinstance(c, AttributeCondition) and c.attribute == current[0].attribute
        ]
        partner = same[0] if len(same) == 1 else partner
    a = previous[partner]
    if not isinstance(a, AttributeCondition):
        return None
    for index, b in enumerate(current):
        if isinstance(b, AttributeCondition) and b.attribute == a.attribute:
            return (partner, index) if _other_value(a, b) else None
    return None


def _other_value(a: AttributeCondition, b: AttributeCondition) -> bool:
    if a.op in ("=", "in") and b.op == "=":
        return not isinstance(b.value, bool)
    if a.op == b.op == "between" and isinstance(a.value, list) and isinstance(b.value, list):
        # two generations, two age bands: nobody is in both, so the list means either
        return a.value[1] < b.value[0] or b.value[1] < a.value[0]
    return False


def with_window(condition: Condition, window: Window) -> Condition:
    if isinstance(condition, ActivityCondition | RankCondition):
        if condition.measure == "days_since_last":
            return condition
        return condition.model_copy(update={"window": window})
    return condition


def measure_key(condition: Condition) -> tuple[str, str, str | None] | None:
    if isinstance(condition, ActivityCondition):
        return condition.activity.source, condition.measure, condition.field
    return None


def _exact_of_other_rows(
    condition: Condition, stated: list[Condition], unions: dict[str, list[str]]
) -> bool:
    """An exact count ('exactly 1 purchase') said beside a number of narrower rows ('exactly 1
    app order', 'a single catalog order' of a union's member): the narrower one does not replace
    it, both hold."""
    if not isinstance(condition, ActivityCondition) or condition.op != "=":
        return False
    key = measure_key(condition)
    members = unions.get(condition.activity.source, [])
    return any(
        isinstance(c, ActivityCondition)
        and c.op == "="
        and isinstance(c.value, int | float)
        and isinstance(condition.value, int | float)
        and c.value <= condition.value
        and (
            (measure_key(c) == key and set(condition.activity.filters) < set(c.activity.filters))
            or (c.activity.source in members and (c.measure, c.field) == key[1:])
        )
        for c in stated
    )


def apply_term_overrides(
    tagged: list[Tagged], result: ParseResult, unions: dict[str, list[str]] | None = None
) -> list[Tagged]:
    """Explicit numbers beat a vague word's threshold; a vague word takes its clause's filters.

    "frequent outdoor buyers with 3 orders last month": the stated 3 orders replace
    "frequent"'s threshold. "frequent outdoor buyers": frequent's purchases are Outdoor purchases.
    """
    explicit = {
        measure_key(t.condition)
        for t in tagged
        if t.term is None and not t.bare_activity and not is_none(t.condition)
    }
    # A stated number for one channel also replaces a vague word about any channel ("deal
    # hunters - customers with 5 or more catalog orders"): a union's key covers its members'.
    for source, members in (unions or {}).items():
        for member in members:
            explicit |= {(source, *k[1:]) for k in list(explicit) if k and k[0] == member}
    stated = [t.condition for t in tagged if t.term is None and not t.bare_activity]
    kept: list[Tagged] = []
    for t in tagged:
        key = measure_key(t.condition)
        if _exact_of_other_rows(t.condition, stated, unions or {}):
            kept.append(t)  # "one-and-done buyers whose single order was in the app": both
            continue
        if t.term and key is not None and key in explicit and not is_none(t.condition):
            label = t.term.replace("_", " ")
            result.assumptions.append(
                f"'{label}' is replaced by the number stated in the request for the same measure"
            )
            continue
        kept.append(t)
    return absorb_into_terms(kept, unions)


def absorb_into_terms(
    kept: list[Tagged], unions: dict[str, list[str]] | None = None
) -> list[Tagged]:
    """A vague word's activity takes the filters of a bare activity of the same source in its
    clause ("frequent outdoor buyers": frequent's purchases are Outdoor purchases), or becomes
    that activity when it is a member of the term's union event ("repeat catalog buyers": two
    catalog purchases, not two purchases and a catalog one)."""
    unions = unions or {}
    out: list[Tagged] = []
    absorbed: set[int] = set()
    single = {t.term for t in kept if t.term} - {
        t.term for i, t in enumerate(kept) for u in kept[i + 1 :] if t.term and u.term == t.term
    }
    for t in kept:
        # "never purchased in the app": a term that is one "no such activity" takes the
        # clause's filters too, as a vague threshold does ("frequent outdoor buyers").
        mergeable = not is_none(t.condition) or t.term in single
        if t.term and isinstance(t.condition, ActivityCondition) and mergeable:
            for j, other in enumerate(kept):
                if not (
                    other.bare_activity
                    and other.clause == t.clause
                    and isinstance(other.condition, ActivityCondition)
                ):
                    continue
                mine, theirs = t.condition.activity.source, other.condition.activity.source
                if theirs == mine:
                    t = replace(t, condition=merge_filters(t.condition, other.condition))
                    absorbed.add(j)
                elif theirs in unions.get(mine, []) and not t.condition.activity.filters:
                    narrowed = t.condition.model_copy(
                        update={"activity": other.condition.activity.model_copy()}
                    )
                    t = replace(t, condition=narrowed)
                    absorbed.add(j)
        out.append(t)
    return [t for j, t in enumerate(out) if j not in absorbed]


def merge_filters(term: ActivityCondition, bare: ActivityCondition) -> ActivityCondition:
    """The term's activity narrowed by the bare activity's filters and predicates."""
    act = term.activity
    filters = {**act.filters, **bare.activity.filters}
    predicates = [
        *act.predicates,
        *(p for p in bare.activity.predicates if p not in act.predicates),
    ]
    merged = act.model_copy(update={"filters": filters, "predicates": predicates})
    return term.model_copy(update={"activity": merged})


def share_windows(
    tagged: list[Tagged],
    facts: list[ClauseFacts],
    joiners: list[str],
    result: ParseResult,
    unions: dict[str, list[str]] | None = None,
) -> list[Tagged]:
    """'bought in store, online and in the app in 2025', 'bought both Beauty and Home products
    in the last 3 months', 'bought shoes and sporting goods in store': a time or a channel after
    a list of the same activity applies to every item; so does a time before it ('in the last 30
    days, which accounts both created a report and exported data?'). Channels that are events of
    their own (members of one union event) count as the same activity."""
    member_of = {m: u for u, members in (unions or {}).items() for m in members}

    def family(source: str) -> str:
        return member_of.get(source, source)

    out = list(tagged)
    for k, clause_facts in enumerate(facts):
        # "bought music but not books in 2002": the negated item shares the verb before it,
        # and its time is the whole list's
        elided = clause_facts.negated and _elided_but(clause_facts)
        if (clause_facts.negated and not elided) or not (_list_item(clause_facts) or elided):
            continue
        here = [t.condition for t in out if t.clause == k]
        acts = [c for c in here if isinstance(c, ActivityCondition)]
        if not acts or len(acts) != len(here):
            continue
        last = acts[-1]
        window = clause_facts.window
        j = k - 1
        while j >= 0 and joiners[j + 1] in (("and", "or", "but") if elided else ("and", "or")):
            mine = [i for i, t in enumerate(out) if t.clause == j]
            # "at least 2 web orders and at least 2 catalog orders in the past two years":
            # counted items share the list's time too (only bare ones its channel)
            if not mine or not all(
                # a catalog term's own time is the term's ("lapsed online": 6 months)
                _no_own_time(out[i])
                and (out[i].bare_activity or window is not None)
                and isinstance(out[i].condition, ActivityCondition)
                and family(out[i].condition.activity.source) == family(last.activity.source)
                for i in mine
            ):
                break
            for i in mine:
                condition = out[i].condition
                assert isinstance(condition, ActivityCondition)
                plain = elided or not out[i].bare_activity
                shared = condition if plain else _shared_qualifiers(condition, last, member_of)
                if window is not None and facts[j].window is None:
                    shared = with_window(shared, window)
                if shared != condition:
                    out[i] = replace(out[i], condition=shared)
                    note = "a time or channel after a list applies to every item of the list"
                    if note not in result.assumptions:
                        result.assumptions.append(note)
            if j == 0 or not _list_item(facts[j]):
                break
            j -= 1
    out = _share_objects_forward(out, facts, member_of, result)
    out = _bare_verb_takes_the_next_object(out, facts, joiners, result)
    return _share_leading_window(out, facts, joiners, result)


def _bare_verb_takes_the_next_object(
    out: list[Tagged], facts: list[ClauseFacts], joiners: list[str], result: ParseResult
) -> list[Tagged]:
    """'opened but didn't click an email last month': a clause that is only a verb shares the
    object and the time of the clause right after it, about the same event."""
    for k in range(len(facts) - 1):
        content = [i for i in facts[k].items if i.kind not in ("stopword",)]
        if len(content) != 1 or content[0].kind not in ("verb", "value"):
            continue
        said = facts[k + 1].items[0].joined_by if facts[k + 1].items else ""
        if said not in ("but", "and", "or") or facts[k].window is not None:
            continue  # "store customers who …": a relative clause is no second verb
        mine = [i for i, t in enumerate(out) if t.clause == k]
        theirs = [t.condition for t in out if t.clause == k + 1]
        if len(mine) != 1 or len(theirs) != 1:
            continue
        c, later = out[mine[0]].condition, theirs[0]
        if not (
            isinstance(c, ActivityCondition)
            and isinstance(later, ActivityCondition)
            and c.activity.source == later.activity.source
            and c.measure == "count"
        ):
            continue
        extra = {n: v for n, v in later.activity.filters.items() if n not in c.activity.filters}
        update: dict[str, Any] = {}
        if extra:
            update["activity"] = c.activity.model_copy(
                update={"filters": {**c.activity.filters, **extra}}
            )
        if isinstance(c.window, AllTime) and not isinstance(later.window, AllTime):
            update["window"] = later.window
        if update:
            out[mine[0]] = replace(out[mine[0]], condition=c.model_copy(update=update))
            note = "a verb said alone shares what and when of the verb after it"
            if note not in result.assumptions:
                result.assumptions.append(note)
    return out


def _share_objects_forward(
    out: list[Tagged], facts: list[ClauseFacts], member_of: dict[str, str], result: ParseResult
) -> list[Tagged]:
    """'bought Books online and in store in 2002': a list item that is only another channel
    (a member of the same union, no verb word of its own, no filter) buys the same things as
    the item before it."""
    for k in range(1, len(facts)):
        here = facts[k]
        if here.negated or not _list_item(here):
            continue
        mine = [i for i, t in enumerate(out) if t.clause == k]
        before = [t.condition for t in out if t.clause == k - 1]
        if not mine or len(before) != 1 or not isinstance(before[0], ActivityCondition):
            continue
        last = before[0]
        if not last.activity.filters or last.op != ">=" or last.value != 1:
            continue
        catalog = here.parser.catalog
        union = member_of.get(last.activity.source)
        verbs = {
            v
            for e in {union, last.activity.source} - {None}
            for v in catalog.events[e].verbs or []
            if " " not in v
        }
        said = {w for i in here.items if i.kind == "verb" for w in i.text.split()}
        if said & verbs:
            continue  # "… and shopped online": a verb of its own
        for i in mine:
            c = out[i].condition
            if not (
                out[i].bare_activity
                and isinstance(c, ActivityCondition)
                and not c.activity.predicates
                and (c.op, c.value, c.measure) == (">=", 1, "count")
            ):
                continue
            if c.activity.source == last.activity.source:
                # "footwear online and in the app": the item varies one filter of the first
                theirs, own = last.activity.filters, c.activity.filters
                if not own or not set(own) < set(theirs):
                    continue
                shared = {**theirs, **own}
            else:
                if union is None or member_of.get(c.activity.source) != union:
                    continue
                if c.activity.filters:
                    continue
                fields = catalog.events[c.activity.source].fields or {}
                shared = {n: v for n, v in last.activity.filters.items() if n in fields}
                if shared != last.activity.filters:
                    continue
            activity = c.activity.model_copy(update={"filters": dict(shared)})
            out[i] = replace(out[i], condition=c.model_copy(update={"activity": activity}))
            note = "what was bought, said once before a list of channels, is every channel's"
            if note not in result.assumptions:
                result.assumptions.append(note)
    return out


def _shared_qualifiers(
    earlier: ActivityCondition, last: ActivityCondition, member_of: dict[str, str]
) -> ActivityCondition:
    """The earlier list item with the last item's channel: its member event ('in store' after
    'bought shoes') or its extra filters, when both items vary the same filter."""
    mine, theirs = earlier.activity, last.activity
    common = set(mine.filters) & set(theirs.filters)
    if not common or set(mine.filters) - set(theirs.filters):
        return earlier
    update: dict[str, Any] = {}
    if mine.source != theirs.source and member_of.get(theirs.source) == mine.source:
        update["source"] = theirs.source
    extra = {k: v for k, v in theirs.filters.items() if k not in mine.filters}
    if extra and (update or mine.source == theirs.source):
        update["filters"] = {**mine.filters, **extra}
    if not update:
        return earlier
    return earlier.model_copy(update={"activity": mine.model_copy(update=update)})


def _share_leading_window(
    out: list[Tagged], facts: list[ClauseFacts], joiners: list[str], result: ParseResult
) -> list[Tagged]:
    """A time said first ('in the last 30 days, which accounts …') is every list item's."""
    for k, clause_facts in enumerate(facts):
        if not clause_facts.leading_time or clause_facts.window is None:
            continue
        for j in range(k + 1, len(facts)):
            if joiners[j] not in ("and", "or") or not _list_item(facts[j]):
                break
            if facts[j].window is not None or facts[j].negated:
                break
            mine = [i for i, t in enumerate(out) if t.clause == j]
            if not mine or not all(out[i].bare_activity for i in mine):
                break
            for i in mine:
                out[i] = replace(out[i], condition=with_window(out[i].condition, facts[k].window))
            note = "a time at the start applies to every item of the list after it"
            if note not in result.assumptions:
                result.assumptions.append(note)
    return out


def _elided_but(facts: ClauseFacts) -> bool:
    """'… but not books': a negated item after 'but' with no verb or measure of its own."""
    items = facts.items
    if not items or items[0].joined_by != "but" or facts.window is None:
        return False
    if not facts.has_content():
        return False  # "bought outdoor gear but not in the last 90 days": the time is the item
    return not any(i.kind in ("verb", "measure", "term", "recency") for i in items)


def _list_item(facts: ClauseFacts) -> bool:
    """A clause that continues a list: opened by 'and', 'or' or a comma (not 'who', 'with')."""
    first = facts.items[0].joined_by if facts.items else ""
    return first in ("and", "or", ",", "and or", "as well as", "plus")


def or_values(previous: list[Condition], current: list[Condition]) -> list[Condition] | None:
    """'platinum members in Texas or Ontario': an 'or' between values of one property binds
    tighter than the other conditions: (platinum) and (Texas or Ontario)."""
    if (
        len(previous) == 1
        and isinstance(previous[0], AttributeCondition)
        and len(current) > 1
        and any(
            isinstance(c, AttributeCondition) and c.attribute == previous[0].attribute
            for c in current
        )
    ):
        # "pro or enterprise accounts in APAC": (pro or enterprise) and APAC.
        return or_values(current, previous)
    if not current or not all(isinstance(c, AttributeCondition) for c in current):
        return None
    merged = list(previous)
    for c in current:
        index = next(
            (
                i
                for i, p in enumerate(merged)
                if isinstance(p, AttributeCondition)
                and p.attribute == c.attribute
                and p.op in ("=", "in")
                and c.op in ("=", "in")
            ),
            None,
        )
        if index is None:
            return None
        a = merged[index]
        merged[index] = AttributeCondition(attribute=a.attribute, op="in", value=both_values(a, c))
    return merged


def not_either(previous: list[Condition], current: list[Condition]) -> list[Condition] | None:
    """'big spenders who aren't gold or platinum': a negated value, then 'or' and another value
    of the same property with no negation of its own, is neither value."""
    if not previous or len(current) != 1:
        return None
    a, b = previous[-1], current[0]
    if not (
        isinstance(a, AttributeCondition)
        and isinstance(b, AttributeCondition)
        and a.attribute == b.attribute
        and a.op in ("!=", "not_in")
        and b.op in ("=", "in")
    ):
        return None
    neither = AttributeCondition(attribute=a.attribute, op="not_in", value=both_values(a, b))
    return [*previous[:-1], neither]


def is_none(condition: Condition) -> bool:
    """A "no such activity" condition: an exact definition, never a vague threshold."""
    return isinstance(condition, ActivityCondition) and condition.op == "=" and condition.value == 0


def dedupe(conditions: list[Condition]) -> list[Condition]:
    seen: list[Condition] = []
    for c in conditions:
        if c not in seen:
            seen.append(c)
    # "at risk: at least 3 purchases and a last purchase long ago": the recency's own "at least
    # one" is implied by the stated count.
    return [c for c in seen if not any(_implies(other, c) for other in seen if other is not c)]


def _implies(stronger: Condition, weaker: Condition) -> bool:
    if not (isinstance(stronger, ActivityCondition) and isinstance(weaker, ActivityCondition)):
        return False
    shape = (weaker.measure, weaker.op, weaker.value, weaker.window)
    plain = shape == ("count", ">=", 1, AllTime()) and weaker.after is None
    plain = plain and getattr(weaker, "since_signup", None) is None
    # (at least one such row in a time, or after another event, is at least one at all)
    return (
        plain
        and stronger.activity == weaker.activity
        and stronger.measure == "count"
        and stronger.op in (">", ">=")
        and isinstance(stronger.value, int | float)
        and stronger.value >= 1
        and stronger != weaker
    )


def uses_window(made: list[Tagged], facts: ClauseFacts) -> bool:
    """Whether a clause's conditions took its time window (activities, rankings, signups)."""
    if facts.signup or facts.dated:
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


def only_then_never(conditions: list[Condition], result: ParseResult) -> list[Condition]:
    """'bought only in the app in the last 3 months, never in store or online': the 'never'
    spells out the 'only', so it is read in the only's time (all-time, no store purchase
    would also drop people who bought in store a year ago)."""
    shares = [
        c
        for c in conditions
        if isinstance(c, ActivityCondition)
        and c.measure == "share"
        and c.share_of is not None
        and c.share_of.filters
        and c.op in (">=", "=")
        and c.value == 100
        and c.window not in (None, AllTime())
    ]
    if len(shares) != 1:
        return conditions
    share = shares[0]
    assert share.share_of is not None
    keys = set(share.share_of.filters)
    out = []
    for c in conditions:
        if (
            isinstance(c, ActivityCondition)
            and plain_count(c, "=", 0)
            and c.activity.source == share.activity.source
            and c.window in (None, AllTime())
            and c.activity.filters
            and set(c.activity.filters) <= keys
            and not c.activity.predicates
        ):
            c = c.model_copy(update={"window": share.window})
            note = "'never …' after 'only …' read in the same time as the 'only'"
            if note not in result.assumptions:
                result.assumptions.append(note)
        out.append(c)
    return out


def _no_own_time(item: Tagged) -> bool:
    """Said in the request, or a catalog term whose condition has no time of its own."""
    condition = item.condition
    return item.term is None or (
        isinstance(condition, ActivityCondition) and condition.window.kind == "all_time"
    )
