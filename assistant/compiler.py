"""Deterministic compiler: SegmentSpec -> readable DuckDB SQL, explanation, assumptions, funnel.

Every condition compiles to a boolean expression over the catalog's entity table, so the same
fragments serve the audience query (`WHERE c1 AND c2 …`) and the funnel (one flag per step).
Activity conditions become `<key> IN (…)` when customers without activity cannot match, and
`<key> NOT IN (…)` when they can (e.g. "fewer than 2 purchases" keeps people with none). Tables,
joins, business rules (what a purchase is) and value labels all come from the catalog.
All user values reach SQL through `sql_literal`, never through string interpolation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlglot import exp

from assistant.datagraph import EventRows, GraphError, filter_sql
from assistant.errors import AssistantError
from assistant.spec import (
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    CompareCondition,
    Condition,
    MeasureBase,
    NotGroup,
    OrGroup,
    RankCondition,
    SegmentRef,
    SegmentSpec,
    property_kind,
    property_type,
)
from assistant.windows import AllTime, ResolvedWindow, Trailing, describe, resolve

if TYPE_CHECKING:
    from assistant.catalog import Catalog

IND = "    "


class CompileError(AssistantError, ValueError):
    """A spec that cannot be turned into SQL (e.g. a named segment model that is unavailable)."""


@dataclass(frozen=True)
class FunnelStep:
    label: str
    condition_sql: str


@dataclass(frozen=True)
class CompiledSegment:
    sql: str
    explanation: str
    assumptions: list[str]
    steps: list[FunnelStep]
    funnel_sql: str
    steps_sql: str | None = None  # per-customer step flags (None without conditions)


class _Executor(Protocol):
    def query(self, sql: str) -> Any: ...


def sql_literal(value: Any) -> str:
    """The one way values enter SQL: dates/timestamps typed, everything else via sqlglot quoting."""
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CompileError(f"not a finite number: {value}")
        if value.is_integer():
            value = int(value)
    if not isinstance(value, str | int | float | bool):
        raise CompileError(f"unsupported literal {value!r}")
    return exp.convert(value).sql(dialect="duckdb")


# Which rows of the counted activity an anchor lets through: after it, before it, on or before it.
_SIDE_OPS = {"after": ">", "before": "<", "by": "<="}
_SIDE_WORDS = {"after": "after", "before": "before", "by": "on or before"}


def compile_spec(spec: SegmentSpec, as_of: date, catalog: Catalog) -> CompiledSegment:
    """Compile a spec into the audience SQL (one `customer_id` per row) plus its explanations.

    Tables, joins, business rules and value labels all come from `catalog`."""
    compiler = _Compiler(as_of, catalog)
    try:
        parts = _top_level(compiler, list(spec.conditions))
    except (GraphError, KeyError) as error:
        raise CompileError(str(error).strip("'\"")) from None
    steps = [FunnelStep(label=text, condition_sql=sql) for sql, text in parts]
    entity = _entity(catalog)
    return CompiledSegment(
        sql=_audience_sql(entity, [s.condition_sql for s in steps]),
        explanation=_explanation(catalog.entity.plural, [s.label for s in steps]),
        assumptions=compiler.assumptions,
        steps=steps,
        funnel_sql=funnel_sql(entity, [s.condition_sql for s in steps]),
        steps_sql=steps_sql(entity, [s.condition_sql for s in steps]) if steps else None,
    )


def _top_level(compiler: _Compiler, conditions: list[Condition]) -> list[tuple[str, str]]:
    """Each condition's SQL and phrase. A ranking ranks among the customers the request's
    other conditions keep ("the 20 biggest online spenders from Texas": the top 20 of Texas),
    not among everyone."""
    others = [c for c in conditions if not isinstance(c, RankCondition)]
    plain = {id(c): compiler.condition(c) for c in others}

    def pool(at: int, rank: RankCondition) -> str | None:
        # "the top 50 …, then drop …": only what was said before the ranking makes its pool
        kept = conditions[:at] if rank.ranked_first else others
        said = [c for c in kept if not isinstance(c, RankCondition)]
        return " AND ".join(f"({plain[id(c)][0]})" for c in said) or None

    return [
        compiler.rank(c, within=pool(at, c)) if isinstance(c, RankCondition) else plain[id(c)]
        for at, c in enumerate(conditions)
    ]


def _entity(catalog: Catalog) -> tuple[str, str]:
    return catalog.entity.table, f"{catalog.entity.table}.{catalog.entity.key}"


def property_expr(catalog: Catalog, name: str, as_of: date) -> str:
    """SQL of a customer property over the entity table (derived ones evaluated at as_of)."""
    return _Compiler(as_of, catalog).attribute_expr(name)


def activity_source(spec: MeasureBase, catalog: Catalog, as_of: date) -> _Source:
    """The event rows an activity or rank condition reads, with the same joins, lines and
    defaults as its compiled condition (the analysis features build on these)."""
    return _source_sql(spec, _Compiler(as_of, catalog))


def audience_key(catalog: Catalog) -> str:
    """The entity key qualified by its table, as every compiled condition refers to it."""
    return _entity(catalog)[1]


def run_funnel(executor: _Executor, compiled: CompiledSegment) -> list[tuple[str, int]]:
    """Counts after each cumulative step, starting with all customers.

    `executor` is an `assistant.executor.Executor` (rows on `.rows`) or a duckdb connection.
    """
    result = executor.query(compiled.funnel_sql)
    rows = result.rows if hasattr(result, "rows") else result.fetchall()
    labels = ["All customers", *(step.label for step in compiled.steps)]
    return [(label, int(count)) for label, count in zip(labels, rows[0], strict=True)]


# --- top-level assembly --------------------------------------------------------------------------


def _audience_sql(entity: tuple[str, str], conditions: list[str]) -> str:
    table, key = entity
    lines = [f"SELECT {key} AS customer_id", f"FROM {table}"]
    if conditions:
        lines.append("WHERE " + "\n  AND ".join(_indented(sql, 2) for sql in conditions))
    lines.append("ORDER BY customer_id")
    return "\n".join(lines)


def funnel_sql(entity: tuple[str, str], conditions: list[str]) -> str:
    """Everyone, then those left after each cumulative step, from the step conditions."""
    table, _ = entity
    if not conditions:
        return f"SELECT count(*) AS all_customers\nFROM {table}"
    return f"WITH steps AS (\n  {_indented(steps_sql(entity, conditions), 2)}\n)\n" + (
        funnel_counts_sql("steps", len(conditions))
    )


def steps_sql(entity: tuple[str, str], conditions: list[str]) -> str:
    """One row per customer with a true/false flag per step (step_1 … step_n)."""
    table, key = entity
    flags = ",\n".join(
        f"{IND}({_indented(sql, 5)}) AS step_{i}" for i, sql in enumerate(conditions, 1)
    )
    return f"SELECT {key} AS customer_id,\n{flags}\nFROM {table}"


def funnel_counts_sql(steps: str, n: int) -> str:
    """Everyone, then those left after each cumulative step, from a `steps_sql` relation."""
    counts = [f"{IND}count(*) AS all_customers"]
    for i in range(1, n + 1):
        counts.append(f"{IND}count(*) FILTER (WHERE {all_steps(i)}) AS after_step_{i}")
    return "SELECT\n" + ",\n".join(counts) + f"\nFROM {steps}"


def all_steps(n: int) -> str:
    return " AND ".join(f"step_{j}" for j in range(1, n + 1))


def _explanation(plural: str, parts: list[str]) -> str:
    noun = plural[:1].upper() + plural[1:]
    if not parts:
        return f"All {plural}."
    if len(parts) == 1:
        return f"{noun} {parts[0]}."
    return f"{noun} {', '.join(parts[:-1])}, and {parts[-1]}."


def _indented(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


# --- per-condition compilation -------------------------------------------------------------------


@dataclass
class _Compiler:
    as_of: date
    catalog: Catalog
    assumptions: list[str] = field(default_factory=list)

    def assume(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    def condition(self, condition: Condition) -> tuple[str, str]:
        """(boolean SQL over the entity table, English phrase that follows "Customers …")."""
        match condition:
            case AttributeCondition():
                return self.attribute(condition)
            case ActivityCondition():
                return self.activity(condition)
            case RankCondition():
                return self.rank(condition)
            case CompareCondition():
                return self.compare(condition)
            case SegmentRef():
                return self.segment_ref(condition)
            case AndGroup() | OrGroup():
                return self.group(condition)
            case NotGroup():
                # "Not women" keeps customers whose gender is unknown: NULL counts as false.
                sql, text = self.condition(condition.condition)
                if "\n" not in sql:
                    return f"NOT coalesce({sql}, FALSE)", f"not ({text})"
                return f"NOT coalesce(\n{IND}{_indented(sql, 4)},\n{IND}FALSE\n)", f"not ({text})"
        raise CompileError(f"unknown condition {condition!r}")

    def group(self, group: AndGroup | OrGroup) -> tuple[str, str]:
        parts = [self.condition(c) for c in group.conditions]
        if len(parts) == 1:
            return parts[0]
        joiner = "AND" if isinstance(group, AndGroup) else "OR"
        body = f"\n{IND}{joiner} ".join(_indented(sql, 4) for sql, _ in parts)
        texts = [text for _, text in parts]
        word = "and" if joiner == "AND" else "or"
        lead = "both" if joiner == "AND" else "either"
        phrase = (
            f"{lead} ({f' {word} '.join(texts)})"
            if len(texts) == 2
            else (f"({f'; {word} '.join(texts)})")
        )
        return f"(\n{IND}{body}\n)", phrase

    # attributes

    def attribute(self, cond: AttributeCondition) -> tuple[str, str]:
        if cond.attribute not in self.catalog.property_names():
            raise CompileError(f"{cond.attribute!r} is not a customer property of this catalog")
        expr = self.attribute_expr(cond.attribute)
        name = cond.attribute.replace("_", " ")
        column_type = property_kind(self.catalog, cond.attribute)[0]
        if column_type == "date" and self._timestamp(cond.attribute):
            # a day compares with a timestamp's day ("on or before 30 Sep" keeps 30 Sep 10:00)
            expr = f"CAST({expr} AS DATE)"
        values = [] if cond.value is None else cond.value
        values = values if isinstance(values, list) else [values]
        lits = [self.attribute_literal(column_type, v) for v in values]
        shown = [self.value_label(cond.attribute, v) for v in values]
        if cond.op in ("!=", "not_in"):
            self.assume(f"customers whose {name} is unknown match neither 'is' nor 'is not'")
        phrase = self.attribute_phrase(cond, shown)
        match cond.op:
            case "is_null":
                return f"{expr} IS NULL", f"whose {name} is unknown"
            case "not_null":
                return f"{expr} IS NOT NULL", f"whose {name} is known"
            case "in" | "not_in":
                neg = "NOT " if cond.op == "not_in" else ""
                word = "not one of" if neg else "one of"
                return f"{expr} {neg}IN ({', '.join(lits)})", phrase or (
                    f"whose {name} is {word} " + ", ".join(shown)
                )
            case "between":
                return (
                    f"{expr} BETWEEN {lits[0]} AND {lits[1]}",
                    f"whose {name} is between {shown[0]} and {shown[1]}",
                )
        sql_op = "<>" if cond.op == "!=" else cond.op
        text = phrase or f"whose {name} {_OP_WORDS[cond.op]} {shown[0]}"
        return f"{expr} {sql_op} {lits[0]}", text

    def _timestamp(self, attribute: str) -> bool:
        return property_type(self.catalog, attribute).upper().startswith("TIMESTAMP")

    def attribute_phrase(self, cond: AttributeCondition, shown: list[str]) -> str | None:
        """The catalog's wording ("in {value}", "who opted in to email") for = / in / != ."""
        place = self.catalog.property_column(cond.attribute)
        if place is None or cond.op not in ("=", "in", "!=", "not_in"):
            return None
        column = self.catalog.tables[place[0]].columns[place[1]]
        if not column.phrase:
            return None
        negative = cond.op in ("!=", "not_in")
        if isinstance(cond.value, bool):
            negative = negative != (not cond.value)
            text = column.phrase
        else:
            text = column.phrase.replace("{value}", " or ".join(shown))
        return f"not {text}" if negative else text

    def attribute_expr(self, attribute: str) -> str:
        derived = self.catalog.derived.get(attribute)
        if derived is not None:
            self.assume(
                f"{attribute.replace('_', ' ')}: {derived.description} "
                f"(as of {self.as_of.isoformat()})"
            )
            return "(" + self.catalog.fill(derived.sql, as_of=sql_literal(self.as_of)) + ")"
        table, column = self.catalog.property_column(attribute)
        return self.catalog.graph.property_sql(f"{table}.{column}")

    def value_label(self, attribute: str, value: Any) -> str:
        place = self.catalog.property_column(attribute)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _num(value)
        if place is None:
            return str(value)
        return _label(self.catalog, *place, value)

    @staticmethod
    def attribute_literal(column_type: str, value: Any) -> str:
        if column_type == "date":
            return sql_literal(date.fromisoformat(str(value)))
        return sql_literal(value)

    # activity

    def activity(self, cond: ActivityCondition) -> tuple[str, str]:
        if cond.after is not None:
            return self.activity_after(cond)
        source = _source_sql(cond, self)
        agg = self.aggregate(cond, source)
        predicate = _predicate(agg, cond.op, cond.value)
        if cond.measure == "share":
            predicate = _share_predicate(agg, cond.op, cond.value)
        neutral = _NEUTRAL[cond.measure]
        zero_ok = _satisfies(cond.op, cond.value, neutral)
        text = self.activity_text(cond, zero_ok)
        one_ok = _satisfies(cond.op, cond.value, 1)
        key = audience_key(self.catalog)
        if cond.measure == "count" and zero_ok and not one_ok and cond.op in _AT_MOST_OPS:
            # No activity at all is the only way to match: a plain anti-join.
            return _membership(key, "NOT IN", source.select()), text
        if cond.measure == "count" and one_ok and not zero_ok and cond.op in (">", ">="):
            # Any activity matches: no HAVING needed.
            return _membership(key, "IN", source.select(distinct=True)), text
        if zero_ok:
            having = f"NOT ({predicate})"
            return _membership(key, "NOT IN", source.select(having=having)), text
        return _membership(key, "IN", source.select(having=predicate)), text

    def activity_after(self, cond: ActivityCondition) -> tuple[str, str]:
        """Customers with a row of the anchor activity whose count of matching rows after
        their first/last anchor row satisfies the comparison."""
        after = cond.after
        assert after is not None
        if after.within is not None:
            return self.activity_within(cond)
        anchor = _source_sql(ActivityCondition(activity=after.activity, window=after.window), self)
        edge = "max" if after.which == "last" else "min"
        anchor_ts = anchor.ts
        anchored = anchor.select(columns=[f"{edge}({anchor_ts}) AS anchor_ts"], group=True)
        later = _source_sql(cond.model_copy(update={"after": None}), self)
        later_ts = later.ts
        instance = _instance(self.catalog, later.event_name, later.rows)
        counted = "count(DISTINCT later.instance)" if instance else "count(*)"
        columns = [f"{later_ts} AS ts", *([f"{instance} AS instance"] if instance else [])]
        rows = later.select(columns=columns)
        count = (
            f"(\n{IND}SELECT {counted}\n{IND}FROM (\n{IND * 2}{_indented(rows, 8)}\n{IND}) later\n"
            f"{IND}WHERE later.customer_id = anchored.customer_id\n"
            f"{IND}  AND later.ts {_SIDE_OPS[after.side]} anchored.anchor_ts\n)"
        )
        inner = (
            f"SELECT anchored.customer_id\nFROM (\n{IND}{_indented(anchored, 4)}\n) anchored\n"
            f"WHERE {_predicate(_indented(count, 6), cond.op, cond.value)}"
        )
        plain = cond.model_copy(update={"after": None})
        text = self.activity_text(plain, zero_ok=False)
        anchor_words = _activity_words(self.catalog, after.activity, plural=False)
        if not isinstance(after.window, AllTime):
            anchor_words += f" ({describe(after.window)})"
        side = _SIDE_WORDS[after.side]
        text += f" {side} their {after.which} {anchor_words}"
        self.assume(
            f"only {_activity_words(self.catalog, cond.activity, plural=True)} {side} "
            f"each customer's own {after.which} {anchor_words} count; customers without one do "
            "not match"
        )
        return _membership(audience_key(self.catalog), "IN", inner), text

    def activity_within(self, cond: ActivityCondition) -> tuple[str, str]:
        """Customers with a matching row within a span after any one of their anchor rows
        ('cancelled within 30 days of raising an outage ticket'), or, for none, customers with
        an anchor row and no such row after any of them."""
        after = cond.after
        assert after is not None and after.within is not None
        some = _satisfies(cond.op, cond.value, 1) and not _satisfies(cond.op, cond.value, 0)
        none = _satisfies(cond.op, cond.value, 0) and not _satisfies(cond.op, cond.value, 1)
        if not (some or none):
            raise CompileError("a time counted from another event counts 'at least one' or 'none'")
        anchor = _source_sql(ActivityCondition(activity=after.activity, window=after.window), self)
        if after.which == "each":
            anchors = anchor.select(columns=[f"{anchor.ts} AS anchor_ts"])
        else:  # "within a fortnight of it" after "whose very first purchase was …": that one
            edge = "max" if after.which == "last" else "min"
            anchors = anchor.select(columns=[f"{edge}({anchor.ts}) AS anchor_ts"], group=True)
        later = _source_sql(cond.model_copy(update={"after": None}), self)
        rows = later.select(columns=[f"{later.ts} AS ts"])
        unit = _interval_unit(after.within.unit)
        if after.side == "before":
            # "an invoice overdue in the 90 days before they churned": before it, and no
            # earlier than the span before it
            order = "later.ts < anchors.anchor_ts"
            span_sql = f"later.ts >= anchors.anchor_ts - INTERVAL {after.within.n} {unit}"
            source, anchor_source = cond.activity.source, after.activity.source
            if _day_only(self.catalog, anchor_source) and not _day_only(self.catalog, source):
                # a churn kept by the day: a ticket on that day came before it, and the span is
                # that day and the days before it
                day = "CAST(later.ts AS DATE)"
                order = f"{day} <= anchors.anchor_ts"
                span_sql = f"{day} > anchors.anchor_ts - INTERVAL {after.within.n} {unit}"
        else:
            order = _after_anchor(self.catalog, cond.activity.source, after.activity.source)
            span_sql = f"later.ts <= anchors.anchor_ts + INTERVAL {after.within.n} {unit}"
        within = (
            "SELECT DISTINCT anchors.customer_id\n"
            f"FROM (\n{IND}{_indented(anchors, 4)}\n) anchors\n"
            f"JOIN (\n{IND}{_indented(rows, 4)}\n) later\n"
            f"  ON later.customer_id = anchors.customer_id\n"
            f" AND {order}\n"
            f" AND {span_sql}"
        )
        key = audience_key(self.catalog)
        plain = cond.model_copy(update={"after": None, "op": ">=", "value": 1})
        text = self.activity_text(plain, zero_ok=False)
        anchor_words = _activity_words(self.catalog, after.activity, plural=False)
        span = f"{after.within.n} {after.within.unit}"
        said = f"within {span} before" if after.side == "before" else f"within {span} of"
        text += f" {said} a {anchor_words}"
        which = (
            "each of the customer's own "
            f"{_activity_words(self.catalog, after.activity, plural=True)}"
            if after.which == "each"
            else f"the customer's own {after.which} {anchor_words}"
        )
        self.assume(f"'{said}' counts from {which}")
        if some:
            return _membership(key, "IN", within), text
        sql = f"{_membership(key, 'IN', anchor.select(distinct=True))}\n  AND " + _membership(
            key, "NOT IN", within
        )
        counted = _activity_words(self.catalog, cond.activity, plural=True)
        return sql, f"with a {anchor_words} and no {counted} within {span} of it"

    def aggregate(self, spec: MeasureBase, source: _Source) -> str:
        match spec.measure:
            case "count":
                instance = _instance(self.catalog, source.event_name, source.rows)
                return f"count(DISTINCT {instance})" if instance else "count(*)"
            case "distinct":
                return f"count(DISTINCT {source.field(spec.field)})"
            case "sum":
                return f"coalesce(sum({source.field(source.amount_field)}), 0)"
            case "share":
                condition = self.share_condition(spec, source)
                if spec.field is not None:
                    # "more than half of their money online": the field's total, shared out.
                    amount = source.field(source.amount_field)
                    return (
                        f"100.0 * sum(CASE WHEN {condition} THEN {amount} ELSE 0 END) / "
                        f"nullif(sum({amount}), 0)"
                    )
                instance = _instance(self.catalog, source.event_name, source.rows)
                if instance and not _all_of(spec):
                    # Rows finer than one event (an order's lines): the share of distinct events.
                    # ("only ever bought apparel": all of them is every line, below: an order
                    # with a lamp in it is not only apparel)
                    return (
                        f"100.0 * count(DISTINCT CASE WHEN {condition} THEN {instance} END) / "
                        f"count(DISTINCT {instance})"
                    )
                # a count over a count: exactly 30 for 3 of 10 (an average of 0/1 is not)
                return f"100.0 * count(*) FILTER (WHERE {condition}) / count(*)"
            case "days_since_last":
                return (
                    f"date_diff('day', CAST(max({source.ts}) AS DATE), {sql_literal(self.as_of)})"
                )
        if spec.measure == "avg":
            amount, instance = self.averaged_parts(source)
            return f"sum({amount}) / count(DISTINCT {instance})" if instance else f"avg({amount})"
        return f"{spec.measure}({source.field(source.amount_field)})"

    def averaged_parts(self, source: _Source) -> tuple[str, str | None]:
        """The amount averaged and, for rows finer than one event (a ticket's lines), the
        event's instance: the average event is then the lines' total over the distinct events,
        not the average line."""
        amount = source.field(source.amount_field)
        if source.amount_field != self._event_amount(source):
            return amount, None
        return amount, _instance(self.catalog, source.event_name, source.rows)

    def _event_amount(self, source: _Source) -> str | None:
        return self.catalog.graph.event(source.event_name).amount

    def share_condition(self, spec: MeasureBase, source: _Source) -> str:
        share = spec.share_of
        if share is None:
            raise CompileError("measure share needs share_of")
        graph = self.catalog.graph
        parts = []
        if share.member is not None:
            parts.append(f"{source.rows.member_sql()} = {sql_literal(share.member)}")
        for name, value in share.filters.items():
            parts.append(filter_sql(source.field(name), _plain(value), sql_literal))
        event = graph.event(source.event_name)
        for predicate in share.predicates:
            if predicate not in event.predicates:
                raise CompileError(f"{source.event_name} has no predicate {predicate!r}")
            parts.append(f"({event.predicates[predicate].sql})")
        return " AND ".join(parts) or "TRUE"

    def activity_text(self, cond: ActivityCondition, zero_ok: bool) -> str:
        plural = _activity_words(self.catalog, cond.activity, plural=True)
        where = self.window_words(cond)
        value = cond.value
        if cond.measure == "days_since_last":
            self.assume(f"days since last are counted up to {self.as_of.isoformat()}")
            never = ""
            if zero_ok:
                never = " (or never)"
                self.assume(f"customers with no {plural} at all count as infinitely long ago")
            single = _activity_words(self.catalog, cond.activity, plural=False)
            compare = _compare_words(cond.op, value, counted=False)
            where = "" if isinstance(cond.window, AllTime) else where
            return f"whose last {single}{where} was {compare} days ago{never}"
        if cond.measure in ("avg", "min", "max"):
            self.assume(
                f"customers without any matching {plural} have no {cond.measure} (excluded)"
            )
        if cond.measure == "count" and cond.op == "=" and value == 0:
            return f"with no {plural}{where or ' at any time'}"
        if zero_ok:
            self.assume(f"customers with no matching {plural} count as 0 (and are included)")
        if cond.measure == "count":
            if cond.op == ">=" and isinstance(value, int | float) and value >= 2:
                n = _num(value)
                self.assume(f"'{n} {plural}' means at least {n} (say 'exactly {n}' otherwise)")
            single = _activity_words(self.catalog, cond.activity, plural=False)
            noun = single if value == 1 and cond.op in ("=", ">=", "<=") else plural
            return f"with {_compare_words(cond.op, value, counted=True)} {noun}{where}"
        if cond.measure == "distinct":
            counted = _compare_words(cond.op, value, counted=True)
            return f"with {counted} distinct {_plural_field(cond.field)} across {plural}{where}"
        event = self.catalog.events[cond.activity.source]
        if cond.measure == "share" and cond.share_of is not None:
            phrases = _filter_phrases(
                self.catalog,
                cond.activity.source,
                cond.share_of.filters,
                cond.share_of.predicates,
            )
            if cond.share_of.member is not None:
                member = self.catalog.events[cond.share_of.member].plural_noun
                phrases = [f"that are {member}", *phrases]
            which = " and ".join(phrases)
            share = _compare_words(cond.op, value, counted=True, unit="")
            if cond.field is not None:
                money = "spend" if cond.field == event.amount else cond.field.replace("_", " ")
                return f"with {share}% of their {money} on {plural} {which}{where}"
            return f"with {share}% of their {plural} {which}{where}"
        if cond.measure == "sum" and cond.field == event.amount:
            # "spent more than $300 on purchases of outdoor gear between 1 Apr and 30 Jun 2026"
            money = _compare_words(cond.op, value, counted=False, unit=self.currency)
            return f"who spent {money} on {plural}{where}"
        compare = _compare_words(cond.op, value, counted=False)
        return f"whose {_measure_words(self.catalog, cond)}{where} is {compare}"

    def break_words(self, spec: MeasureBase, gap: Any) -> str:
        one = _activity_words(self.catalog, spec.activity, plural=False)
        least = "more than" if gap.strict else "at least"
        unit = gap.unit if gap.n != 1 else gap.unit.rstrip("s")
        self.assume(
            f"'after a break' = their previous {one} was {least} {gap.n} {unit} before it "
            "(calendar days); a first-ever one does not count"
        )
        return f" after a break of {least} {gap.n} {unit} since their previous one"

    @property
    def currency(self) -> str:
        return self.catalog.dataset.currency or ""

    def window_words(self, spec: MeasureBase) -> str:
        """' between 1 Apr and 30 Jun 2026', or '' for all history; ' within 7 days of
        signing up' for a time from each customer's own signup."""
        within = getattr(spec, "since_signup", None)
        signed = ""
        if within is not None:
            signed = f" within {within.n} {within.unit} of signing up"
            self.assume(
                f"'within {within.n} {within.unit} of signing up' counts the signup day as day 1"
            )
        same = getattr(spec, "none_on_same", None)
        if same is not None:
            other = _activity_words(self.catalog, same.activity, plural=True)
            signed += f" with no {other} of the same {same.on.replace('_', ' ')}"
        first = getattr(spec, "since_first", None)
        if first is not None:
            anchor = _activity_words(self.catalog, first.activity, plural=False)
            span = f"{first.within.n} {first.within.unit}"
            signed += f" within {span} of their first {anchor}"
            self.assume(f"'within {span} of their first {anchor}' counts that day as day 1")
        if getattr(spec, "in_birthday_month", False):
            signed += " in their birthday month"
            self.assume("'their birthday month' = the calendar month of each customer's birthday")
        gap = getattr(spec, "after_break", None)
        if gap is not None:
            signed += self.break_words(spec, gap)
        if isinstance(spec.window, AllTime):
            return signed
        resolved = resolve(spec.window, self.as_of)
        self.assume(resolved.label)
        return " " + _window_phrase(resolved, False) + signed

    # comparisons

    def compare(self, cond: CompareCondition) -> tuple[str, str]:
        """Customers whose aggregate on one side compares so with the other side's: each side
        grouped per customer, side by side, then compared (0 for a side without rows where
        the measure has a neutral 0)."""
        if cond.right_property is not None:
            return self.compare_property(cond)
        if cond.right_average is not None:
            return self.compare_average(cond)
        assert cond.right is not None
        sides = []
        for name, side in (("left_value", cond.left), ("right_value", cond.right)):
            source = _source_sql(side, self)
            agg = self.aggregate(side, source)
            # UNION ALL pairs columns by position: both sides list left_value, then right_value
            columns = [agg, "NULL"] if name == "left_value" else ["NULL", agg]
            named = [f"{columns[0]} AS left_value", f"{columns[1]} AS right_value"]
            sides.append(source.select(columns=named, group=True))
        values = []
        for name, side in (("left_value", cond.left), ("right_value", cond.right)):
            assert side is not None
            neutral = _NEUTRAL[side.measure]
            values.append(f"coalesce({name}, 0)" if neutral == 0 else name)
        right = values[1] if cond.factor == 1 else f"{sql_literal(cond.factor)} * {values[1]}"
        test = f"{values[0]} {cond.op} {right}"
        union = f"\n{IND}UNION ALL\n{IND}".join(_indented(s, 4) for s in sides)
        combined = (
            f"SELECT customer_id, max(left_value) AS left_value, max(right_value) AS right_value"
            f"\nFROM (\n{IND}{union}\n) sides\nGROUP BY customer_id"
        )
        both_zero = all(_NEUTRAL[s.measure] == 0 for s in (cond.left, cond.right) if s)
        zero_ok = both_zero and _satisfies(cond.op, 0, 0)
        key = audience_key(self.catalog)
        inner = f"SELECT customer_id\nFROM (\n{IND}{_indented(combined, 4)}\n) compared\n"
        if zero_ok:
            # "at least as many logins as views" holds for customers with neither
            sql = _membership(key, "NOT IN", inner + f"WHERE NOT ({test})")
        else:
            sql = _membership(key, "IN", inner + f"WHERE {test}")
        return sql, self.compare_text(cond, both_zero)

    def figure_against(self, cond: CompareCondition, own: str, right: str) -> str:
        """The customers of `own` (a query of customer_id and what `right` reads) whose own
        aggregate of `cond.left` compares so with `right` (scaled by the factor); customers
        without rows count 0 where the measure has a neutral 0."""
        source = _source_sql(cond.left, self)
        agg = self.aggregate(cond.left, source)
        totals = source.select(columns=[f"{agg} AS left_value"], group=True)
        left = (
            "coalesce(totals.left_value, 0)"
            if _NEUTRAL[cond.left.measure] == 0
            else "totals.left_value"
        )
        if cond.factor != 1:
            right = f"{sql_literal(cond.factor)} * {right}"
        inner = (
            f"SELECT own.customer_id\nFROM (\n{IND}{own}\n) own\n"
            f"LEFT JOIN (\n{IND}{_indented(totals, 4)}\n) totals ON totals.customer_id = "
            f"own.customer_id\nWHERE {left} {cond.op} {right}"
        )
        return _membership(audience_key(self.catalog), "IN", inner)

    def compare_property(self, cond: CompareCondition) -> tuple[str, str]:
        """'more users than their plan includes': the customer's aggregate against one of
        their own numeric properties (customers without rows count 0 for count/sum)."""
        name = cond.right_property or ""
        own = self.property_per_customer(name, "right_value")
        sql = self.figure_against(cond, own, "own.right_value")
        self.assume(f"customers whose {name.replace('_', ' ')} is unknown do not match")
        measure = _measure_words(self.catalog, cond.left) + self.window_words(cond.left)
        text = f"whose {measure} {_compared_words(cond)} their {name.replace('_', ' ')}"
        return sql, text

    def compare_average(self, cond: CompareCondition) -> tuple[str, str]:
        """'spent more than the average buyer': the customer's aggregate against the average of
        that aggregate over the customers with any such activity (of `average_among`), or over
        every customer of `average_among` ('the average pro account', none counting 0)."""
        side = cond.right_average
        assert side is not None
        table, key = _entity(self.catalog)
        among = [self.condition(c) for c in cond.average_among]
        where = " AND ".join(f"({sql})" for sql, _ in among)
        averaged = _source_sql(side, self)
        if among and cond.average_active_only:
            averaged.rows.where.append(
                f"{averaged.customer} IN (SELECT {key} FROM {table} WHERE {where})"
            )
        if cond.average_over == "events":
            return self.compare_event_average(cond, averaged, among)
        per = averaged.select(columns=[f"{self.aggregate(side, averaged)} AS value"], group=True)
        if cond.average_by is not None:
            return self.compare_group_average(cond, per, where)
        if not cond.average_active_only and _NEUTRAL[side.measure] == 0:
            # every customer of the group, those without any counting 0
            per = (
                f"SELECT coalesce(per.value, 0) AS value\nFROM {table}\n"
                f"LEFT JOIN (\n{IND}{_indented(per, 4)}\n) per ON per.customer_id = {key}"
                + (f"\nWHERE {where}" if where else "")
            )
        average = f"(\n{IND}SELECT avg(value)\n{IND}FROM (\n{_indented(per, 8)}\n{IND}) averaged\n)"
        sql = self.figure_against(cond, f"SELECT {key} AS customer_id\n{IND}FROM {table}", average)
        who = " and ".join(text for _, text in among)
        whom = self.catalog.entity.plural
        if cond.average_active_only or _NEUTRAL[side.measure] != 0:
            whom += f" with any {_activity_words(self.catalog, side.activity, plural=True)}"
        whom += f" {who}" if who else ""
        self.assume(
            f"the average is over the {whom}, each with their own figure{self.window_words(side)}"
        )
        measure = _measure_words(self.catalog, cond.left) + self.window_words(cond.left)
        text = f"whose {measure} {_compared_words(cond)} the average of the {whom}"
        return sql, text

    def compare_group_average(
        self, cond: CompareCondition, per: str, where: str
    ) -> tuple[str, str]:
        """'more than the average buyer in their own state': each customer against the average
        of the customers (of `average_among`) who share their value of `average_by`; customers
        whose value is unknown do not match."""
        side = cond.right_average
        assert side is not None and cond.average_by is not None
        table, key = _entity(self.catalog)
        props = self.property_per_customer(cond.average_by, "grp")
        zero = not cond.average_active_only and _NEUTRAL[side.measure] == 0
        value = "coalesce(per.value, 0)" if zero else "per.value"
        joined = "LEFT JOIN" if zero else "JOIN"
        values = (
            f"SELECT props.grp, {value} AS value\nFROM (\n{IND}{props}\n) props\n"
            f"{joined} (\n{_indented(per, 4)}\n) per ON per.customer_id = props.customer_id\n"
            "WHERE props.grp IS NOT NULL"
            + (
                f" AND props.customer_id IN (SELECT {key} FROM {table} WHERE {where})"
                if where
                else ""
            )
        )
        groups = (
            f"SELECT grp, avg(value) AS average\nFROM (\n{_indented(values, 4)}\n) v\nGROUP BY grp"
        )
        own = (
            f"SELECT props.customer_id, groups.average AS right_value\n{IND}FROM (\n{IND}{props}\n"
            f"{IND}) props\n{IND}JOIN (\n{_indented(groups, 8)}\n{IND}) groups ON groups.grp = "
            "props.grp"
        )
        sql = self.figure_against(cond, own, "own.right_value")
        prop = cond.average_by.replace("_", " ")
        whom = self.catalog.entity.plural
        if cond.average_active_only or _NEUTRAL[side.measure] != 0:
            whom += f" with any {_activity_words(self.catalog, side.activity, plural=True)}"
        self.assume(
            f"the average is over the {whom} of the same {prop} as each customer"
            f"{self.window_words(side)}; customers whose {prop} is unknown do not match"
        )
        measure = _measure_words(self.catalog, cond.left) + self.window_words(cond.left)
        text = f"whose {measure} {_compared_words(cond)} the average of the {whom} of their {prop}"
        return sql, text

    def compare_event_average(
        self, cond: CompareCondition, averaged: _Source, among: list[tuple[str, str]]
    ) -> tuple[str, str]:
        """'above the average order value across all orders': the customer's average against
        the average of every such event (of the customers of `average_among`), each event
        weighing the same: the events' total over their number, as the customer's own is."""
        side = cond.right_average
        assert side is not None
        table, key = _entity(self.catalog)
        amount, instance = self.averaged_parts(averaged)
        counted = f"count(DISTINCT {instance})" if instance else f"count({amount})"
        per = averaged.select(columns=[f"sum({amount}) AS total", f"{counted} AS n"], group=True)
        average = (
            f"(\n{IND}SELECT sum(total) / nullif(sum(n), 0)\n{IND}FROM (\n{_indented(per, 8)}"
            f"\n{IND}) averaged\n)"
        )
        sql = self.figure_against(cond, f"SELECT {key} AS customer_id\n{IND}FROM {table}", average)
        events = _activity_words(self.catalog, side.activity, plural=True)
        who = " and ".join(text for _, text in among)
        whose = f" of the {self.catalog.entity.plural} {who}" if who else ""
        self.assume(
            f"the average is over every one of the {events}{whose}{self.window_words(side)}, "
            "whoever made it"
        )
        measure = _measure_words(self.catalog, cond.left) + self.window_words(cond.left)
        text = f"whose {measure} {_compared_words(cond)} the average of all {events}{whose}"
        return sql, text

    def property_per_customer(self, name: str, alias: str) -> str:
        """Each customer's key and one property of theirs, as a self-contained query (its
        own FROM of the entity table, so it nests anywhere)."""
        table, key = _entity(self.catalog)
        expr = _indented(self.attribute_expr(name), 4)
        return f"SELECT {key} AS customer_id, {expr} AS {alias}\n{IND}FROM {table}"

    def compare_text(self, cond: CompareCondition, both_zero: bool) -> str:
        assert cond.right is not None
        left = _measure_words(self.catalog, cond.left)
        right = _measure_words(self.catalog, cond.right)
        if cond.left.window == cond.right.window:
            right += self.window_words(cond.right)  # one time for both, said once
        else:
            left += self.window_words(cond.left)
            right += self.window_words(cond.right)
        for side in (cond.left, cond.right):
            if side is not None and _NEUTRAL[side.measure] is None:
                plural = _activity_words(self.catalog, side.activity, plural=True)
                self.assume(f"customers without any matching {plural} have no {side.measure}")
        if both_zero:
            self.assume("a side without any matching activity counts as 0")
        return f"whose {left} {_compared_words(cond)} their {right}"

    # ranking and named segments

    def rank(self, cond: RankCondition, within: str | None = None) -> tuple[str, str]:
        source = _source_sql(cond, self)
        if within is not None:
            table, key = _entity(self.catalog)
            # a self-contained subquery: its tables are not the event rows' joins
            source.rows.where.append(
                f"{source.customer} IN (SELECT {key} FROM {table} WHERE {within})"
            )
        agg = self.aggregate(cond, source)
        order = "DESC" if cond.direction == "top" else "ASC"
        customer = source.customer
        if cond.unit == "percent":
            cutoff = f"ceil(ranked_customers * {sql_literal(cond.n)} / 100)"
            size = f"{_num(cond.n)}%"
        else:
            cutoff = sql_literal(int(cond.n))
            size = _num(cond.n)
        if cond.per is not None:
            inner = self.ranked_per_group(cond, source, agg, order)
        else:
            inner = source.select(
                columns=[
                    f"row_number() OVER (ORDER BY {agg} {order}, {customer}) AS rank_position",
                    "count(*) OVER () AS ranked_customers",
                ],
                group=True,
            )
        sql = (
            f"{audience_key(self.catalog)} IN (\n{IND}SELECT customer_id\n{IND}FROM (\n"
            f"{IND * 2}{_indented(inner, 8)}\n{IND}) ranked\n"
            f"{IND}WHERE rank_position <= {cutoff}\n)"
        )
        single = _activity_words(self.catalog, cond.activity, plural=False)
        among = " who meet the other conditions" if within is not None else ""
        if cond.ranked_first:
            among = " who meet the conditions before it" if within is not None else ""
            self.assume(
                f"the {cond.direction} {size} are ranked first; the conditions after the "
                "ranking narrow that list, so fewer may remain"
            )
        each = ""
        if cond.per is not None:
            each = f" of each {cond.per.replace('_', ' ')}"
            self.assume(
                f"ranked within each {cond.per.replace('_', ' ')} separately; customers whose "
                f"{cond.per.replace('_', ' ')} is unknown are not ranked"
            )
        self.assume(
            f"{cond.direction} {size} is taken among customers{among} with at least one "
            f"matching {single}; ties go to the lower customer_id"
        )
        measure = _measure_words(self.catalog, cond)
        return sql, f"in the {cond.direction} {size}{each} by {measure}" + (self.window_words(cond))

    def ranked_per_group(self, cond: RankCondition, source: _Source, agg: str, order: str) -> str:
        """Each customer's aggregate, ranked within the group of their `per` property."""
        totals = source.select(columns=[f"{agg} AS ranked_value"], group=True)
        return (
            "SELECT totals.customer_id,\n"
            f"{IND}row_number() OVER (PARTITION BY groups.rank_group ORDER BY "
            f"totals.ranked_value {order}, totals.customer_id) AS rank_position,\n"
            f"{IND}count(*) OVER (PARTITION BY groups.rank_group) AS ranked_customers\n"
            f"FROM (\n{IND}{_indented(totals, 4)}\n) totals\n"
            f"JOIN (\n{IND}{self.property_per_customer(cond.per or '', 'rank_group')}\n) groups "
            "ON groups.customer_id = totals.customer_id\n"
            "WHERE groups.rank_group IS NOT NULL"
        )

    def segment_ref(self, ref: SegmentRef) -> tuple[str, str]:
        try:
            from assistant.segmodels import membership_sql
        except ModuleNotFoundError as error:
            if error.name != "assistant.segmodels":
                raise
            raise CompileError(
                f"named segment {ref.model}:{ref.label!r} needs assistant.segmodels, "
                "which is not available in this installation"
            ) from error
        inner = membership_sql(ref.model, ref.label, self.as_of, self.catalog)
        inner = inner.strip().rstrip(";")
        sql = f"{audience_key(self.catalog)} IN (\n{IND}{_indented(inner, 4)}\n)"
        return sql, f"in the {_model_title(ref.model)} segment {_label_name(ref)}"


# --- activity sources as SQL ---------------------------------------------------------------------


@dataclass
class _Source:
    """The event rows of one activity, plus which event model ended up serving it."""

    rows: EventRows
    event_name: str
    amount_field: str | None

    @property
    def customer(self) -> str:
        return self.rows.customer

    @property
    def ts(self) -> str:
        return self.rows.ts

    def field(self, name: str | None) -> str:
        if name is None:
            raise CompileError("this measure needs a field")
        return self.rows.field(name)

    def select(self, **kwargs: Any) -> str:
        return self.rows.select(**kwargs)


def _source_sql(spec: MeasureBase, compiler: _Compiler) -> _Source:
    catalog = compiler.catalog
    graph = catalog.graph
    act = spec.activity
    event = graph.event(act.source)
    filters = {**{k: v for k, v in event.defaults.items() if k not in act.filters}, **act.filters}
    name = _serving_event(graph, act.source, filters, act.predicates, spec)
    rows = EventRows(graph, name)
    for field_name, value in filters.items():
        ref = graph.field(name, field_name)
        rows.add_condition(filter_sql(ref.sql, _plain(value), sql_literal))
    for group in act.together or []:
        if name != act.source:
            raise CompileError(
                "things in one event cannot be combined with a filter on its lines; "
                "name them without 'in the same …'"
            )
        sqls = [
            filter_sql(graph.field(name, f).sql, _plain(v), sql_literal) for f, v in group.items()
        ]
        rows.add_line_group(sqls)
    serving = graph.event(name)
    for predicate in act.predicates:
        if predicate not in serving.predicates:
            raise CompileError(f"{name} has no predicate {predicate!r}")
        rows.add_condition(serving.predicates[predicate].sql)
    _note_source(spec, compiler, name, filters)
    if not isinstance(spec.window, AllTime):  # the time is joined in only when asked about
        rows.where.extend(_window_sql(rows.ts, resolve(spec.window, compiler.as_of), spec))
    within = getattr(spec, "since_signup", None)
    if within is not None:
        rows.add_condition(_since_signup_sql(rows, within, catalog, serving.union))
    first = getattr(spec, "since_first", None)
    if first is not None:
        rows.where.append(_since_first_sql(rows, first, compiler))
    if getattr(spec, "in_birthday_month", False):
        rows.where.append(_birthday_month_sql(rows, compiler))
    same = getattr(spec, "none_on_same", None)
    if same is not None:
        rows.where.append(_none_on_same_sql(rows, same, compiler))
    if act.each_total is not None:
        rows.where.append(_each_total_sql(rows, spec, compiler))
    gap = getattr(spec, "after_break", None)
    if gap is not None:
        rows.where.append(_after_break_sql(rows, spec.activity, gap, compiler))
    field_name = spec.field
    if field_name is not None and field_name == event.amount and name != act.source:
        field_name = serving.amount
    return _Source(rows, name, field_name)


def _none_on_same_sql(rows: EventRows, same: Any, compiler: _Compiler) -> str:
    """No row of the other activity, of the same customer, about the same thing."""
    other = _source_sql(ActivityCondition(activity=same.activity), compiler)
    inner = other.select(columns=[f"{other.field(same.on)} AS same_key"])
    return (
        f"NOT EXISTS (\n{IND}SELECT 1\n{IND}FROM (\n{IND * 2}{_indented(inner, 8)}\n"
        f"{IND}) AS same_rows\n"
        f"{IND}WHERE same_rows.customer_id = {rows.customer}\n"
        f"{IND}  AND same_rows.same_key = {rows.field(same.on)}\n)"
    )


def _after_anchor(catalog: Catalog, later: str, anchor: str) -> str:
    """Later than the anchor: strictly, unless the later event keeps only a day and the anchor a
    time of day (a same-day churn after a ticket is after it)."""
    if _day_only(catalog, later) and not _day_only(catalog, anchor):
        return "CAST(later.ts AS DATE) >= CAST(anchors.anchor_ts AS DATE)"
    return "later.ts > anchors.anchor_ts"


def _day_only(catalog: Catalog, source: str) -> bool:
    """Whether the event's time is a DATE (no time of day)."""
    event = catalog.events[source]
    if event.union:
        return all(_day_only(catalog, m) for m in event.union)
    table, column = catalog.graph.qualify(event.table or source, event.time)
    col = catalog.tables[table].columns.get(column) if table in catalog.tables else None
    return col is not None and (col.type or "").upper() == "DATE"


def _each_total_sql(rows: EventRows, spec: MeasureBase, compiler: _Compiler) -> str:
    """The row's event (its order) is one whose lines, as the activity counts them, add up to
    the range."""
    act = spec.activity
    bound = act.each_total
    plain = act.model_copy(update={"each_total": None})
    other = _source_sql(ActivityCondition(activity=plain, window=spec.window), compiler)
    key, amount = _instance_sql(other.rows), _amount_sql(other.rows)
    inner = other.select(columns=[f"{key} AS event_key", f"{amount} AS event_amount"])
    checks = []
    if bound.min is not None:
        checks.append(f"sum(events.event_amount) >= {bound.min}")
    if bound.max is not None:
        checks.append(f"sum(events.event_amount) <= {bound.max}")
    having = " AND ".join(checks) or "TRUE"
    return (
        f"{_instance_sql(rows)} IN (\n{IND}SELECT events.event_key\n{IND}FROM (\n{IND * 2}"
        f"{_indented(inner, 8)}\n{IND}) AS events\n{IND}GROUP BY events.event_key\n"
        f"{IND}HAVING {having}\n)"
    )


def _instance_sql(rows: EventRows) -> str:
    return _event_column(rows, "instance")


def _amount_sql(rows: EventRows) -> str:
    return _event_column(rows, "amount")


def _event_column(rows: EventRows, role: str) -> str:
    """The rows' event key ('instance') or amount: a union's own column, else the catalog's."""
    event = rows.event
    if event.union:
        return f"{rows.event_name}.{role}"
    name = getattr(event, role)
    if not name:
        raise CompileError(f"{rows.event_name} has no {role} to total by")
    return rows.field_ref(name) if role == "instance" else rows.field(name)


def _interval_unit(unit: str) -> str:
    """'days' -> 'DAY': a window unit as SQL's INTERVAL says it."""
    return unit.rstrip("s").upper()


def _after_break_sql(rows: EventRows, activity: Any, gap: Any, compiler: _Compiler) -> str:
    """An earlier row of the same activity, and none of them within the break before this row
    (calendar days, so a same-day row does not hide the break)."""
    other = _source_sql(ActivityCondition(activity=activity), compiler)
    inner = other.select(columns=[f"{other.ts} AS earlier_ts"])
    earlier = (
        f"SELECT 1\n{IND}FROM (\n{IND * 2}{_indented(inner, 8)}\n{IND}) AS earlier\n"
        f"{IND}WHERE earlier.customer_id = {rows.customer}\n"
        f"{IND}  AND earlier.earlier_ts < {rows.ts}"
    )
    unit = _interval_unit(gap.unit)
    closer = ">=" if gap.strict else ">"
    within = (
        f"\n{IND}  AND CAST(earlier.earlier_ts AS DATE) {closer} "
        f"CAST({rows.ts} AS DATE) - INTERVAL {gap.n} {unit}"
    )
    return f"EXISTS (\n{IND}{earlier}\n) AND NOT EXISTS (\n{IND}{earlier}{within}\n)"


def _since_signup_sql(rows: EventRows, within: Trailing, catalog: Catalog, union: Any) -> str:
    """Rows from the customer's signup day (day 1) until `within` later."""
    signup = catalog.roles.signup
    place = catalog.property_column(signup) if signup else None
    if place is None or union:
        raise CompileError(
            "this data has no signup date to count from"
            if place is None
            else "a time from signup is counted per channel, not across channels"
        )
    day = f"CAST({place[0]}.{place[1]} AS DATE)"
    unit = _interval_unit(within.unit)
    return f"{rows.ts} >= {day} AND {rows.ts} < {day} + INTERVAL {within.n} {unit}"


def _birthday_month_sql(rows: EventRows, compiler: Any) -> str:
    """Rows in the calendar month of the customer's own birthday (a date of birth, or a month
    of birth 1..12); customers whose birthday is unknown have none."""
    catalog = compiler.catalog
    birthday = catalog.roles.birthday
    if birthday is None:
        raise CompileError("this data has no birthday to count a birthday month from")
    expr = compiler.attribute_expr(birthday)
    place = catalog.property_column(birthday)
    kind = catalog.tables[place[0]].columns[place[1]].type if place else ""
    month = f"month({expr})" if re.search(r"DATE|TIME", kind or "", re.I) else expr
    table, key = _entity(catalog)
    return (
        f"EXISTS (\n{IND}SELECT 1\n{IND}FROM {table}\n{IND}WHERE {key} = {rows.customer}\n"
        f"{IND}  AND {month} = month({rows.ts})\n)"
    )


def _since_first_sql(rows: EventRows, first: Any, compiler: Any) -> str:
    """Rows from the day of the customer's own first anchor row (day 1) until `within` later."""
    anchor = _source_sql(ActivityCondition(activity=first.activity), compiler)
    firsts = anchor.select(columns=[f"min({anchor.ts}) AS first_ts"], group=True)
    day = "CAST(firsts.first_ts AS DATE)"
    unit = _interval_unit(first.within.unit)
    return (
        f"EXISTS (\n{IND}SELECT 1\n{IND}FROM (\n{IND * 2}{_indented(firsts, 8)}\n{IND}) firsts\n"
        f"{IND}WHERE firsts.customer_id = {rows.customer}\n"
        f"{IND}  AND {rows.ts} >= {day}\n"
        f"{IND}  AND {rows.ts} < {day} + INTERVAL {first.within.n} {unit}\n)"
    )


def _all_of(spec: MeasureBase) -> bool:
    """A share that is all of the activity ('only', 'exclusively', 'nothing else')."""
    return (
        getattr(spec, "op", None) in (">=", "=")
        and isinstance(getattr(spec, "value", None), int | float)
        and getattr(spec, "value", 0) >= 100
    )


def _serving_event(
    graph: Any, source: str, filters: dict[str, Any], predicates: list[str], spec: MeasureBase
) -> str:
    """The event itself, or its lines when a filter or the measured field sits on its lines
    (an order's items): the lines then give item-level amounts and counts of distinct orders."""
    event = graph.event(source)
    if not event.lines:
        return source
    # "mostly electronics": a share of the lines of a category is read on the lines too
    shared = list(spec.share_of.filters) if spec.share_of is not None else []
    names = [*filters, *shared, *([spec.field] if spec.field else [])]
    tables = {t for n in names for t in graph.field(source, n).tables}
    if not graph.needs_lines(source, tables):
        return source
    lines = graph.event(event.lines)
    line_fields = graph.event_fields(event.lines)
    wanted = [n for n in [*filters, *shared] if n not in line_fields] + [
        p for p in predicates if p not in lines.predicates
    ]
    if spec.field and spec.field != event.amount and spec.field not in line_fields:
        wanted.append(spec.field)
    return source if wanted else event.lines


def _instance(catalog: Any, event_name: str, rows: EventRows) -> str | None:
    """Rows finer than one event (an order's lines, a ticket's items) count distinct events."""
    event = catalog.events[event_name]
    if not event.instance:
        return None
    if event.union:
        return f"{event_name}.instance"
    table, column = catalog.graph.qualify(event.table, event.instance)
    if table == event.table and catalog.tables[table].key == [column]:
        return None
    rows.need(table)
    return f"{table}.{column}"


def _plain(value: Any) -> Any:
    return value.model_dump() if hasattr(value, "model_dump") else value


def _note_source(spec: MeasureBase, compiler: _Compiler, serving: str, filters: dict) -> None:
    catalog = compiler.catalog
    act = spec.activity
    event = catalog.events[act.source]
    if event.where:
        compiler.assume(f"{event.noun} = {_sentence(event.description)}")
    for name, values in event.defaults.items():
        if name not in act.filters:
            shown = [_field_label(catalog, act.source, name, v) for v in values]
            listed = f"{', '.join(shown[:-1])} or {shown[-1]}" if len(shown) > 1 else shown[0]
            compiler.assume(f"{event.noun} = {listed} (unless the request says otherwise)")
    if serving != act.source:
        lines = catalog.events[serving]
        compiler.assume(
            f"an item filter keeps {event.plural_noun} with at least one such item; "
            f"amounts are those items' own ({_sentence(lines.description)})"
        )
    if spec.measure == "sum" and spec.field == event.amount:
        compiler.assume(f"spend = sum of the {event.plural_noun}' {spec.field.replace('_', ' ')}")


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:]


def _label(catalog: Any, table: str, column: str, value: Any) -> str:
    col = catalog.tables.get(table, None)
    col = col.columns.get(column) if col is not None else None
    if col is not None and col.values_from:
        t, _, c = col.values_from.rpartition(".")
        col = catalog.tables[t].columns[c]
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    entry = (col.values or {}).get(key) if col is not None else None
    return entry.label if entry is not None and entry.label else str(value)


def _window_sql(ts: str, window: ResolvedWindow, spec: MeasureBase) -> list[str]:
    if isinstance(spec.window, AllTime):
        return []
    bounds = [] if window.start is None else [f"{ts} >= {sql_literal(window.start)}"]
    return [*bounds, f"{ts} < {sql_literal(window.end)}"]


def _membership(key: str, op: str, subquery: str) -> str:
    return f"{key} {op} (\n{IND}{_indented(subquery, 4)}\n)"


# --- predicates and their zero-activity behaviour ------------------------------------------------

# What a customer without matching activity "has": 0 for counts and sums, nothing for avg/min/max,
# and an infinitely old last activity, so "more than 90 days since last purchase" includes never.
_AT_MOST_OPS = ("=", "<", "<=", "between")
_NEUTRAL: dict[str, float | None] = {
    "count": 0,
    "distinct": 0,
    "sum": 0,
    "avg": None,
    "min": None,
    "max": None,
    "days_since_last": math.inf,
    "share": None,
}


def _satisfies(op: str, value: Any, x: float | None) -> bool:
    if x is None:
        return False
    if op == "between":
        return value[0] <= x <= value[1]
    return {
        "=": x == value,
        "!=": x != value,
        ">": x > value,
        ">=": x >= value,
        "<": x < value,
        "<=": x <= value,
    }[op]


# Shares are ratios of counts computed in floating point; a third said as 33.333333 must still
# compare as a third ("more than a third" excludes exactly one in three).
_SHARE_TOLERANCE = 1e-6


def _share_predicate(agg: str, op: str, value: Any) -> str:
    if isinstance(value, list) or float(value).is_integer():
        return _predicate(agg, op, value)  # a whole percentage compares exactly
    if op in (">", "<="):
        return _predicate(agg, op, value + _SHARE_TOLERANCE)
    if op in (">=", "<"):
        return _predicate(agg, op, value - _SHARE_TOLERANCE)
    return _predicate(agg, op, value)


def _predicate(agg: str, op: str, value: Any) -> str:
    if op == "between":
        return f"{agg} BETWEEN {sql_literal(value[0])} AND {sql_literal(value[1])}"
    return f"{agg} {'<>' if op == '!=' else op} {sql_literal(value)}"


# --- English -------------------------------------------------------------------------------------

_OP_WORDS = {
    "=": "is",
    "!=": "is not",
    ">": "is more than",
    ">=": "is at least",
    "<": "is less than",
    "<=": "is at most",
}
_COUNT_WORDS = {
    "=": "exactly",
    "!=": "other than",
    ">": "more than",
    ">=": "at least",
    "<": "fewer than",
    "<=": "at most",
}
_PLURAL_FIELDS = {"category": "categories", "subcategory": "subcategories", "day": "days"}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _compare_words(op: str, value: Any, counted: bool, unit: str = "") -> str:
    def shown(v: Any) -> str:
        return f"{unit}{float(v):,.0f}" if unit and float(v).is_integer() else f"{unit}{_num(v)}"

    if op == "between":
        return f"between {shown(value[0])} and {shown(value[1])}"
    words = _COUNT_WORDS[op] if counted or op not in ("<",) else "less than"
    return f"{words} {shown(value)}"


def _compared_words(cond: CompareCondition) -> str:
    """'is more than', 'is at least 2 times' for a comparison's op and factor."""
    times = "" if cond.factor == 1 else f" {_num(cond.factor)} times"
    return f"{_OP_WORDS[cond.op]}{times}"


def _plural_field(name: str | None) -> str:
    text = (name or "").replace("_", " ")
    return _PLURAL_FIELDS.get(text, text + "s")


def _measure_words(catalog: Any, spec: MeasureBase) -> str:
    """The measure as a noun phrase, e.g. "total amount of purchases of outdoor gear"."""
    plural = _activity_words(catalog, spec.activity, plural=True)
    single = _activity_words(catalog, spec.activity, plural=False)
    event = catalog.events.get(spec.activity.source)
    field_name = (spec.field or "").replace("_", " ")
    if event is not None and spec.field == event.amount:
        field_name = "spend" if spec.measure == "sum" else "amount"
    share = ""
    if spec.share_of is not None:
        share = " that are " + " and ".join(
            _filter_phrases(
                catalog, spec.activity.source, spec.share_of.filters, spec.share_of.predicates
            )
        )
    return {
        "count": f"number of {plural}",
        "distinct": f"number of distinct {_plural_field(spec.field)} across {plural}",
        "sum": f"{field_name} on {plural}"
        if field_name == "spend"
        else f"total {field_name} of {plural}",
        "avg": f"average {field_name} per {single}",
        "min": f"smallest {field_name} of a {single}",
        "max": f"largest {field_name} of a {single}",
        "days_since_last": f"days since the last {single}",
        "share": f"share of {plural}{share} (percent)",
    }[spec.measure]


def _activity_words(catalog: Any, act: Any, plural: bool) -> str:
    """The activity with its filters, e.g. "purchases of outdoor gear in the app"."""
    event = catalog.events.get(act.source)
    if event is None:
        return act.source
    base = event.plural_noun if plural else event.noun
    defaults = {k: v for k, v in event.defaults.items() if k not in act.filters}
    if defaults:
        # "campaign events (opened, clicked or converted)": what the event means unless said.
        shown = [_field_label(catalog, act.source, k, x) for k, vs in defaults.items() for x in vs]
        base += f" ({', '.join(shown[:-1])} or {shown[-1]})" if len(shown) > 1 else f" ({shown[0]})"
    details = _filter_phrases(catalog, act.source, act.filters, act.predicates)
    groups = [
        " ".join(_filter_phrases(catalog, act.source, group, [])) for group in act.together or []
    ]
    if groups:
        # "purchases of toys and of grocery (both in one purchase)"
        details.append(f"{' and '.join(groups)} (both in one {event.noun})")
    if act.each_total is not None:
        details.append(_each_total_words(catalog, act.each_total, event.noun))
    return " ".join([base, *details])


def _each_total_words(catalog: Any, bound: Any, noun: str) -> str:
    """'totalling more than $500 (the {noun}'s own lines added up)'."""
    money = catalog.dataset.currency or ""
    low, high = bound.min, bound.max
    if low is not None and high is not None:
        said = f"between {money}{low:,.2f} and {money}{high:,.2f}"
    elif low is not None:
        said = f"at least {money}{low:,.2f}"
    else:
        said = f"at most {money}{high:,.2f}"
    return f"totalling {said} each (each {noun}'s own lines added up)"


def _filter_phrases(catalog: Any, source: str, filters: dict, predicates: list[str]) -> list[str]:
    out = []
    for name, value in filters.items():
        value = _plain(value)
        label = name.replace("_", " ")
        phrase = _field_phrase(catalog, source, name)
        if phrase and isinstance(value, list):
            shown = " or ".join(_field_label(catalog, source, name, v) for v in value)
            out.append(phrase.replace("{value}", shown))
        elif isinstance(value, bool):
            out.append(f"with {label}" if value else f"without {label}")
        elif isinstance(value, dict):
            low, high = value.get("min"), value.get("max")
            if low is not None and high is not None:
                out.append(f"with {label} {_num(low)} to {_num(high)}")
            elif low is not None:
                out.append(f"with {label} at least {_num(low)}")
            elif high is not None:
                out.append(f"with {label} at most {_num(high)}")
        else:
            shown = " or ".join(_field_label(catalog, source, name, v) for v in value)
            out.append(f"with {label} {shown}")
    out += [f"({name.replace('_', ' ')})" for name in predicates]
    return out


def _field_phrase(catalog: Any, source: str, name: str) -> str | None:
    """The catalog's wording for a filter on this field ("of {value}", "in {value}")."""
    event = catalog.events[source]
    if event.union:
        return _field_phrase(catalog, event.union[0], name)
    declared = event.fields.get(name)
    if declared is not None and declared.phrase:
        return declared.phrase
    ref = catalog.graph.member_field_ref(source, name)
    if ref is None:
        return None
    column = catalog.tables[ref[0]].columns.get(ref[1])
    return column.phrase if column is not None else None


def _field_label(catalog: Any, source: str, name: str, value: Any) -> str:
    ref = catalog.graph.member_field_ref(source, name)
    return str(value) if ref is None else _label(catalog, *ref, value)


def _window_phrase(window: ResolvedWindow, all_time: bool) -> str:
    """'between 1 Apr and 30 Jun 2026', 'on 30 Sep 2026', 'up to 31 Dec 2025'."""
    if all_time:
        return "at any time"
    whole = window.end.time() == time() and (window.start is None or window.start.time() == time())
    if not whole:
        return f"between {window.start:%d %b %Y %H:%M} and {window.end:%d %b %Y %H:%M}"
    last = (window.end - timedelta(days=1)).date()
    if window.start is None:
        return f"up to {_day(last)}"
    first = window.start.date()
    if first == last:
        return f"on {_day(first)}"
    start = f"{first.day} {first:%b}" if first.year == last.year else _day(first)
    return f"between {start} and {_day(last)}"


def _model_title(model: str) -> str:
    return model.upper() if len(model) <= 3 else model.replace("_", " ")


def _label_name(ref: SegmentRef) -> str:
    from assistant.segmodels import resolve_label

    try:
        return resolve_label(ref.model, ref.label).name
    except (ValueError, KeyError):
        return ref.label


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"
