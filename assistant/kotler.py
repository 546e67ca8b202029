"""Kotler's checks on a segment: is it reachable, is it distinct, is it worth it, and if it is
empty, why.

Every function takes guarded segment SQL (one `customer_id` per row, duplicates allowed) and the
catalog, and answers with one or two set-based queries over the catalog's roles: the contact
channels (reachability), the trait properties (differentiators), the revenue measure (revenue
share). A check whose role the catalog lacks returns None and `notes` says why.
`enrich_answer` bundles them, with the suggested ideas, for an `Answer` from `assistant.answer`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from assistant import roles, traits
from assistant.compiler import CompiledSegment, compile_spec, run_funnel
from assistant.executor import Executor
from assistant.guard import check_sql
from assistant.ideas import IdeasResult, suggest_ideas
from assistant.profile import catalog_as_of
from assistant.spec import (
    ActivityCondition,
    AttributeCondition,
    Condition,
    RankCondition,
    SegmentSpec,
)
from assistant.value_counts import value_counts
from assistant.windows import AllTime, Trailing

if TYPE_CHECKING:  # answer.py carries these extras, so it imports this module, not vice versa
    from assistant.answer import Answer
    from assistant.catalog import Catalog

MIN_MEMBERS = 5  # fewer members than this in a value is noise, not a trait
MIN_SUPPORT = 0.02  # ...nor is a value held by under 2% of the segment
MIN_LIFT = 1.1


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _anchor(executor: Executor, catalog: Catalog, as_of: date | None) -> date:
    return as_of or catalog_as_of(executor, catalog)


# --- reachability --------------------------------------------------------------------------------


class Reachability(BaseModel):
    """How many members each contact channel may reach: consent given and never unsubscribed
    from that channel (an unsubscribed member is never reachable there)."""

    channels: dict[str, int]  # channel (the catalog's roles.contact keys) -> reachable members
    any_channel: int
    unsubscribed: int  # members with an unsubscribe on any channel
    total: int

    def share(self, field: str) -> float:
        """Share of the members reachable on a channel, or of `any_channel` / `unsubscribed`."""
        value = self.channels[field] if field in self.channels else getattr(self, field)
        return _ratio(value, self.total)


def reachability(
    executor: Executor, sql: str, catalog: Catalog, *, as_of: date | None = None
) -> Reachability | None:
    """Reachable members per channel; None when the catalog has no roles.contact."""
    channels = roles.channels(catalog)
    if not channels:
        return None
    built = traits.get(executor, catalog, _anchor(executor, catalog, as_of))
    summary = traits.member_summary(executor, sql, built)
    return Reachability(
        channels={c: summary[built.columns.reach(c)] for c in channels},
        any_channel=summary["any_channel"],
        unsubscribed=summary.get("unsubscribed", 0),
        total=summary["customers"],
    )


# --- differentiators -----------------------------------------------------------------------------


class Differentiator(BaseModel):
    attribute: str
    value: str
    segment_share: float
    base_share: float
    lift: float
    text: str


def trait_label(catalog: Catalog, attribute: str, value: str) -> str:
    """The catalog's label for a value ("outdoor adventurers", "prefers email", "women"); a value
    without a label of its own is named with its attribute ("loyalty tier gold")."""
    label = roles.value_label(catalog, attribute, value)
    if label == value:
        return f"{catalog.property_label(attribute)} {value.replace('_', ' ')}"
    return label


def differentiators(
    executor: Executor,
    sql: str,
    catalog: Catalog,
    top: int = 5,
    *,
    as_of: date | None = None,
) -> list[Differentiator]:
    """The trait values (`roles.trait_properties`) most over-represented in the segment versus
    the whole base.

    lift = (share of segment members with the value) / (share of all customers with it); only
    values held by at least MIN_MEMBERS members and MIN_SUPPORT of the segment, by fewer than all
    of them, and with lift >= MIN_LIFT count. Sorted by lift,
    then attribute and value, so the order is stable.
    """
    anchor = _anchor(executor, catalog, as_of)
    columns = roles.trait_properties(catalog)
    if not columns:
        return []
    # The same counts the ideas' splits read (one query per answer, the base once per data).
    inside = value_counts(executor, sql, columns, anchor, catalog)
    everyone = value_counts(executor, None, columns, anchor, catalog)
    seg_total = sum(n for _, n in inside[columns[0]])
    base_total = sum(n for _, n in everyone[columns[0]])
    found = []
    for column in columns:
        segment_n = {value: n for value, n in inside[column]}
        for value, base_n in everyone[column]:
            if value is not None:
                found.append(
                    _differentiator(
                        catalog,
                        column,
                        _text(value),
                        segment_n.get(value, 0),
                        base_n,
                        seg_total,
                        base_total,
                    )
                )
    kept = [d for d in found if d is not None]
    kept.sort(key=lambda d: (-d.lift, d.attribute, d.value))
    return kept[:top]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _differentiator(
    catalog: Catalog,
    attribute: str,
    value: str,
    seg_n: int,
    base_n: int,
    seg_total: int,
    base_total: int,
) -> Differentiator | None:
    if seg_n < max(MIN_MEMBERS, MIN_SUPPORT * seg_total) or not base_n:
        return None
    segment_share, base_share = seg_n / seg_total, base_n / base_total
    lift = segment_share / base_share
    # A value every member holds restates the definition ("women" in "women in Texas").
    if lift < MIN_LIFT or seg_n == seg_total:
        return None
    return Differentiator(
        attribute=attribute,
        value=value,
        segment_share=round(segment_share, 4),
        base_share=round(base_share, 4),
        lift=round(lift, 2),
        text=(
            f"{trait_label(catalog, attribute, value)}: {lift:.1f}x the base rate "
            f"({segment_share:.0%} of the segment vs {base_share:.0%} of all "
            f"{catalog.entity.plural})"
        ),
    )


class RevenueShare(BaseModel):
    """12-month revenue (the catalog's revenue measure) of the segment against its share of
    customers."""

    revenue_12m: float
    base_revenue_12m: float
    revenue_share: float
    customer_share: float
    text: str


def revenue_share(
    executor: Executor, sql: str, catalog: Catalog, *, as_of: date | None = None
) -> RevenueShare | None:
    """None when the catalog has no (summable) roles.revenue."""
    built = traits.get(executor, catalog, _anchor(executor, catalog, as_of))
    if not built.columns.revenue:
        return None
    summary = traits.member_summary(executor, sql, built)
    revenue, base_revenue = float(summary["revenue_12m"]), float(built.totals["revenue_12m"])
    rev = _ratio(revenue, base_revenue)
    cust = _ratio(summary["customers"], int(built.totals["customers"]))
    return RevenueShare(
        revenue_12m=round(revenue, 2),
        base_revenue_12m=round(base_revenue, 2),
        revenue_share=rev,
        customer_share=cust,
        text=f"{cust:.1%} of {catalog.entity.plural} bring {rev:.1%} of 12-month revenue",
    )


def kotler_notes(catalog: Catalog) -> list[str]:
    """One line per Kotler check the catalog's roles switch off."""
    notes = []
    if not roles.channels(catalog):
        notes.append(roles.missing_note("reachability", "contact"))
    if roles.revenue_measure(catalog) is None:
        notes.append(roles.missing_note("revenue share", "revenue"))
    return notes


# --- why zero ------------------------------------------------------------------------------------


class Suggestion(BaseModel):
    title: str
    spec: dict[str, Any]
    sql: str
    count: int


class WhyZero(BaseModel):
    """Which funnel step emptied the segment and the nearest variant that is not empty."""

    emptied_by: str | None
    funnel: list[tuple[str, int]] = Field(default_factory=list)
    nearest: Suggestion | None = None


def why_zero(
    executor: Executor,
    compiled: CompiledSegment,
    spec: SegmentSpec,
    as_of: date,
    catalog: Catalog,
) -> WhyZero:
    """Name the step where the count hit 0 and find the smallest change that brings people back.

    Variants are tried nearest first: widen the emptying condition (a longer window, a lower
    threshold, a wider range), then drop it, then drop each other condition (last first). All
    variants are counted in one query; the first non-empty one is the suggestion.
    """
    funnel = run_funnel(executor, compiled)
    emptied = next((i for i, (_, n) in enumerate(funnel) if n == 0), None)
    if emptied is None or emptied == 0:  # not empty, or no customers at all
        return WhyZero(emptied_by=None if emptied is None else funnel[0][0], funnel=funnel)
    variants = _variants(spec, emptied - 1, [label for label, _ in funnel[1:]])
    counts = _count_variants(executor, variants, as_of, catalog)
    for (title, variant), count in zip(variants, counts, strict=True):
        if count:
            sql = compile_spec(variant, as_of, catalog).sql
            check_sql(sql, executor.schema())
            suggestion = Suggestion(
                title=title,
                spec=variant.model_dump(mode="json", exclude_none=True),
                sql=sql,
                count=count,
            )
            return WhyZero(emptied_by=funnel[emptied][0], funnel=funnel, nearest=suggestion)
    return WhyZero(emptied_by=funnel[emptied][0], funnel=funnel)


def _variants(
    spec: SegmentSpec, index: int, step_labels: list[str]
) -> list[tuple[str, SegmentSpec]]:
    conditions = list(spec.conditions)

    def with_condition(condition: Condition | None, at: int) -> SegmentSpec:
        kept = [condition if i == at else c for i, c in enumerate(conditions)]
        return spec.model_copy(update={"conditions": [c for c in kept if c is not None]})

    variants = [
        (f"Widen: {text}", with_condition(wider, index))
        for text, wider in _widenings(conditions[index])
    ]
    variants.append((f"Without: {step_labels[index]}", with_condition(None, index)))
    for other in reversed(range(len(conditions))):
        if other != index:
            variants.append((f"Without: {step_labels[other]}", with_condition(None, other)))
    # The funnel before the emptying step was not empty, so this last resort always finds people.
    prefix = spec.model_copy(update={"conditions": conditions[:index]})
    variants.append((f"Stop before: {step_labels[index]}", prefix))
    return variants


def _widenings(condition: Condition) -> list[tuple[str, Condition]]:
    """Looser versions of one condition, nearest first."""
    found: list[tuple[str, Condition]] = []
    if isinstance(condition, ActivityCondition | RankCondition):
        if isinstance(condition.window, Trailing) and condition.window.unit != "years":
            wider = Trailing(n=12, unit="months")
            found.append(
                ("over the last 12 months", condition.model_copy(update={"window": wider}))
            )
        if not isinstance(condition.window, AllTime):
            found.append(("at any time", condition.model_copy(update={"window": AllTime()})))
    if isinstance(condition, ActivityCondition) and _lowerable(condition):
        found.append(("at least once", condition.model_copy(update={"op": ">=", "value": 1})))
    if isinstance(condition, AttributeCondition) and condition.op == "between":
        low, high = condition.value  # type: ignore[misc]
        if isinstance(low, int | float) and isinstance(high, int | float):
            wider_range = AttributeCondition(
                attribute=condition.attribute, op="between", value=[low - 10, high + 10]
            )
            found.append((f"{condition.attribute} {low - 10}-{high + 10}", wider_range))
    return found


def _lowerable(condition: ActivityCondition) -> bool:
    return (
        condition.measure in ("count", "distinct")
        and condition.op in (">=", ">")
        and isinstance(condition.value, int | float)
        and condition.value > 1
    )


def _count_variants(
    executor: Executor, variants: list[tuple[str, SegmentSpec]], as_of: date, catalog: Catalog
) -> list[int]:
    if not variants:
        return []
    filters = []
    for _, variant in variants:
        steps = compile_spec(variant, as_of, catalog).steps
        filters.append(" AND ".join(f"({s.condition_sql})" for s in steps) or "TRUE")
    row = executor.query(
        "SELECT "
        + ",\n  ".join(f"count(*) FILTER (WHERE {f}) AS v_{i}" for i, f in enumerate(filters))
        + f"\nFROM {roles.entity_table(catalog)}"
    ).rows[0]
    return [int(n) for n in row]


# --- bundling for an answer ----------------------------------------------------------------------


class EnrichedAnswer(BaseModel):
    """The extras the front ends show next to an answer."""

    ideas: IdeasResult | None = None
    reachability: Reachability | None = None
    differentiators: list[Differentiator] = Field(default_factory=list)
    revenue: RevenueShare | None = None
    why_zero: WhyZero | None = None
    notes: list[str] = Field(default_factory=list)  # checks the catalog's roles switch off


def enrich_answer(
    answer: Answer,
    executor: Executor,
    session_spec: SegmentSpec | None,
    catalog: Catalog,
    *,
    members_sql: str | None = None,
    steps_table: str | None = None,
    category_spend: list[dict[str, Any]] | None = None,
) -> EnrichedAnswer:
    """Ideas, reachability, differentiators, revenue share and (when empty) why it is empty.

    `session_spec` is the spec the answer was built from (Session.current after the turn); an
    answer without SQL (error, clarification) gets nothing. A check the catalog's roles do not
    support is left out, with a line in `notes` (the ideas' own notes included).
    """
    if not answer.ok or answer.sql is None:
        return EnrichedAnswer()
    as_of = answer.as_of or catalog_as_of(executor, catalog)
    spec = session_spec if answer.spec is not None else None
    members = members_sql or answer.sql
    ideas = suggest_ideas(
        executor,
        spec,
        as_of,
        catalog,
        parent_sql=None if spec else answer.sql,
        members_sql=members_sql,
        steps_table=steps_table if spec else None,
        category_spend=category_spend,
    )
    enriched = EnrichedAnswer(ideas=ideas, notes=[*kotler_notes(catalog), *ideas.notes])
    if answer.count:
        enriched.reachability = reachability(executor, members, catalog, as_of=as_of)
        enriched.differentiators = differentiators(executor, members, catalog, as_of=as_of)
        enriched.revenue = revenue_share(executor, members, catalog, as_of=as_of)
    elif spec is not None and spec.conditions:
        compiled = compile_spec(spec, as_of, catalog)
        enriched.why_zero = why_zero(executor, compiled, spec, as_of, catalog)
    return enriched
