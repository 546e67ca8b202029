"""Deterministic compiler: SegmentSpec -> readable DuckDB SQL, explanation, assumptions, funnel.

Every condition compiles to a boolean expression over `customers c`, so the same fragments serve
the audience query (`WHERE c1 AND c2 …`) and the funnel (one flag per step). Activity conditions
become `c.customer_id IN (…)` when customers without activity cannot match, and
`c.customer_id NOT IN (…)` when they can (e.g. "fewer than 2 purchases" keeps people with none).
All user values reach SQL through `sql_literal`, never through string interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlglot import exp

from assistant.spec import (
    CUSTOMER_COLUMNS,
    ENGAGEMENT_EVENTS,
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    CampaignEvents,
    Condition,
    MeasureBase,
    NotGroup,
    OrGroup,
    Purchases,
    RankCondition,
    SegmentRef,
    SegmentSpec,
    SupportTickets,
    WebSessions,
)
from assistant.windows import AllTime, ResolvedWindow, resolve

IND = "    "


class CompileError(ValueError):
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


def compile_spec(spec: SegmentSpec, as_of: date) -> CompiledSegment:
    """Compile a spec into the audience SQL (one `customer_id` per row) plus its explanations."""
    compiler = _Compiler(as_of)
    parts = [compiler.condition(condition) for condition in spec.conditions]
    steps = [FunnelStep(label=text, condition_sql=sql) for sql, text in parts]
    return CompiledSegment(
        sql=_audience_sql([s.condition_sql for s in steps]),
        explanation=_explanation([s.label for s in steps]),
        assumptions=compiler.assumptions,
        steps=steps,
        funnel_sql=_funnel_sql([s.condition_sql for s in steps]),
    )


def run_funnel(executor: _Executor, compiled: CompiledSegment) -> list[tuple[str, int]]:
    """Counts after each cumulative step, starting with all customers.

    `executor` is an `assistant.executor.Executor` (rows on `.rows`) or a duckdb connection.
    """
    result = executor.query(compiled.funnel_sql)
    rows = result.rows if hasattr(result, "rows") else result.fetchall()
    labels = ["All customers", *(step.label for step in compiled.steps)]
    return [(label, int(count)) for label, count in zip(labels, rows[0], strict=True)]


# --- top-level assembly --------------------------------------------------------------------------


def _audience_sql(conditions: list[str]) -> str:
    lines = ["SELECT c.customer_id", "FROM customers c"]
    if conditions:
        lines.append("WHERE " + "\n  AND ".join(_indented(sql, 2) for sql in conditions))
    lines.append("ORDER BY c.customer_id")
    return "\n".join(lines)


def _funnel_sql(conditions: list[str]) -> str:
    if not conditions:
        return "SELECT count(*) AS all_customers\nFROM customers c"
    flags = ",\n".join(
        f"{IND}({_indented(sql, 5)}) AS step_{i}" for i, sql in enumerate(conditions, 1)
    )
    counts = [f"{IND}count(*) AS all_customers"]
    for i in range(1, len(conditions) + 1):
        cumulative = " AND ".join(f"step_{j}" for j in range(1, i + 1))
        counts.append(f"{IND}count(*) FILTER (WHERE {cumulative}) AS after_step_{i}")
    return (
        "WITH steps AS (\n"
        f"  SELECT c.customer_id,\n{flags}\n  FROM customers c\n)\n"
        "SELECT\n" + ",\n".join(counts) + "\nFROM steps"
    )


def _explanation(parts: list[str]) -> str:
    if not parts:
        return "All customers."
    if len(parts) == 1:
        return f"Customers {parts[0]}."
    return f"Customers {', '.join(parts[:-1])}, and {parts[-1]}."


def _indented(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


# --- per-condition compilation -------------------------------------------------------------------


@dataclass
class _Compiler:
    as_of: date
    assumptions: list[str] = field(default_factory=list)

    def assume(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    def condition(self, condition: Condition) -> tuple[str, str]:
        """(boolean SQL over `customers c`, English phrase that follows "Customers …")."""
        match condition:
            case AttributeCondition():
                return self.attribute(condition)
            case ActivityCondition():
                return self.activity(condition)
            case RankCondition():
                return self.rank(condition)
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
        expr = self.attribute_expr(cond.attribute)
        name = cond.attribute.replace("_", " ")
        column_type = CUSTOMER_COLUMNS.get(cond.attribute, ("number", None))[0]
        values = [] if cond.value is None else cond.value
        values = values if isinstance(values, list) else [values]
        lits = [self.attribute_literal(column_type, v) for v in values]
        shown = [str(v) for v in values]
        if cond.op in ("!=", "not_in"):
            self.assume(f"customers whose {name} is unknown match neither 'is' nor 'is not'")
        match cond.op:
            case "is_null":
                return f"{expr} IS NULL", f"whose {name} is unknown"
            case "not_null":
                return f"{expr} IS NOT NULL", f"whose {name} is known"
            case "in" | "not_in":
                neg = "NOT " if cond.op == "not_in" else ""
                word = "not one of" if neg else "one of"
                return f"{expr} {neg}IN ({', '.join(lits)})", f"whose {name} is {word} " + (
                    ", ".join(shown)
                )
            case "between":
                return (
                    f"{expr} BETWEEN {lits[0]} AND {lits[1]}",
                    f"whose {name} is between {shown[0]} and {shown[1]}",
                )
        sql_op = "<>" if cond.op == "!=" else cond.op
        return f"{expr} {sql_op} {lits[0]}", f"whose {name} {_OP_WORDS[cond.op]} {shown[0]}"

    def attribute_expr(self, attribute: str) -> str:
        as_of = sql_literal(self.as_of)
        if attribute == "age":
            self.assume(f"age = whole years between birth date and {self.as_of.isoformat()}")
            return f"date_sub('year', c.birth_date, {as_of})"
        if attribute == "tenure_days":
            self.assume(f"tenure = days from signup date to {self.as_of.isoformat()}")
            return f"date_diff('day', c.signup_date, {as_of})"
        if attribute == "tenure_months":
            self.assume(f"tenure = whole months from signup date to {self.as_of.isoformat()}")
            return f"date_sub('month', c.signup_date, {as_of})"
        return f"c.{attribute}"

    @staticmethod
    def attribute_literal(column_type: str, value: Any) -> str:
        if column_type == "date":
            return sql_literal(date.fromisoformat(str(value)))
        return sql_literal(value)

    # activity

    def activity(self, cond: ActivityCondition) -> tuple[str, str]:
        source = _source_sql(cond, self)
        agg = self.aggregate(cond, source)
        predicate = _predicate(agg, cond.op, cond.value)
        neutral = _NEUTRAL[cond.measure]
        zero_ok = _satisfies(cond.op, cond.value, neutral)
        text = self.activity_text(cond, zero_ok)
        one_ok = _satisfies(cond.op, cond.value, 1)
        if cond.measure == "count" and zero_ok and not one_ok and cond.op in _AT_MOST_OPS:
            # No activity at all is the only way to match: a plain anti-join.
            return _membership("NOT IN", source.select()), text
        if cond.measure == "count" and one_ok and not zero_ok and cond.op in (">", ">="):
            # Any activity matches: no HAVING needed.
            return _membership("IN", source.select(distinct=True)), text
        if zero_ok:
            return _membership("NOT IN", source.select(having=f"NOT ({predicate})")), text
        return _membership("IN", source.select(having=predicate)), text

    def aggregate(self, spec: MeasureBase, source: _SourceSQL) -> str:
        match spec.measure:
            case "count":
                return "count(*)"
            case "distinct":
                return f"count(DISTINCT {source.field(spec.field)})"
            case "sum":
                return f"coalesce(sum({source.field(spec.field)}), 0)"
            case "days_since_last":
                return (
                    f"date_diff('day', CAST(max({source.ts}) AS DATE), {sql_literal(self.as_of)})"
                )
        return f"{spec.measure}({source.field(spec.field)})"

    def activity_text(self, cond: ActivityCondition, zero_ok: bool) -> str:
        plural = _activity_words(cond.activity, plural=True)
        where = self.window_words(cond)
        value = cond.value
        if cond.measure == "days_since_last":
            self.assume(f"days since last are counted up to {self.as_of.isoformat()}")
            never = ""
            if zero_ok:
                never = " (or never)"
                self.assume(f"customers with no {plural} at all count as infinitely long ago")
            single = _activity_words(cond.activity, plural=False)
            compare = _compare_words(cond.op, value, counted=False)
            where = "" if isinstance(cond.window, AllTime) else where
            return f"whose last {single}{where} was {compare} days ago{never}"
        if cond.measure in ("avg", "min", "max"):
            self.assume(
                f"customers without any matching {plural} have no {cond.measure} (excluded)"
            )
        if cond.measure == "count" and cond.op == "=" and value == 0:
            return f"with no {plural}{where}"
        if zero_ok:
            self.assume(f"customers with no matching {plural} count as 0 (and are included)")
        if cond.measure == "count":
            if cond.op == ">=" and isinstance(value, int | float) and value >= 2:
                n = _num(value)
                self.assume(f"'{n} {plural}' means at least {n} (say 'exactly {n}' otherwise)")
            single = _activity_words(cond.activity, plural=False)
            noun = single if value == 1 and cond.op in ("=", ">=", "<=") else plural
            return f"with {_compare_words(cond.op, value, counted=True)} {noun}{where}"
        if cond.measure == "distinct":
            counted = _compare_words(cond.op, value, counted=True)
            return f"with {counted} distinct {_plural_field(cond.field)} across {plural}{where}"
        compare = _compare_words(cond.op, value, counted=False)
        return f"whose {_measure_words(cond)}{where} is {compare}"

    def window_words(self, spec: MeasureBase) -> str:
        resolved = resolve(spec.window, self.as_of)
        if not isinstance(spec.window, AllTime):
            self.assume(resolved.label)
        return " " + _window_phrase(resolved, isinstance(spec.window, AllTime))

    # ranking and named segments

    def rank(self, cond: RankCondition) -> tuple[str, str]:
        source = _source_sql(cond, self)
        agg = self.aggregate(cond, source)
        order = "DESC" if cond.direction == "top" else "ASC"
        customer = source.customer
        if cond.unit == "percent":
            cutoff = f"ceil(ranked_customers * {sql_literal(cond.n)} / 100)"
            size = f"{_num(cond.n)}%"
        else:
            cutoff = sql_literal(int(cond.n))
            size = _num(cond.n)
        inner = source.select(
            columns=[
                f"row_number() OVER (ORDER BY {agg} {order}, {customer}) AS rank_position",
                "count(*) OVER () AS ranked_customers",
            ],
            group=True,
        )
        sql = (
            f"c.customer_id IN (\n{IND}SELECT customer_id\n{IND}FROM (\n"
            f"{IND * 2}{_indented(inner, 8)}\n{IND}) ranked\n"
            f"{IND}WHERE rank_position <= {cutoff}\n)"
        )
        single = _activity_words(cond.activity, plural=False)
        self.assume(
            f"{cond.direction} {size} is taken among customers with at least one matching "
            f"{single}; ties go to the lower customer_id"
        )
        return sql, f"in the {cond.direction} {size} by {_measure_words(cond)}" + (
            self.window_words(cond)
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
        inner = membership_sql(ref.model, ref.label, self.as_of).strip().rstrip(";")
        sql = f"c.customer_id IN (\n{IND}{_indented(inner, 4)}\n)"
        return sql, f"in the {ref.model.replace('_', ' ')} segment '{ref.label}'"


# --- activity sources as SQL ---------------------------------------------------------------------


@dataclass
class _SourceSQL:
    """FROM/WHERE of one activity source, with the expressions measures may refer to."""

    from_clause: str
    where: list[str]
    customer: str
    ts: str
    fields: dict[str, str]

    def field(self, name: str | None) -> str:
        if name is None or name not in self.fields:
            raise CompileError(f"field {name!r} is not available here")
        return self.fields[name]

    def select(
        self,
        having: str | None = None,
        distinct: bool = False,
        columns: list[str] | None = None,
        group: bool = False,
    ) -> str:
        head = "SELECT DISTINCT" if distinct else "SELECT"
        cols = ",\n       ".join([self.customer, *(columns or [])])
        lines = [f"{head} {cols}", f"FROM {self.from_clause}"]
        if self.where:
            lines.append("WHERE " + "\n  AND ".join(_indented(w, 2) for w in self.where))
        if having is not None or group:
            lines.append(f"GROUP BY {self.customer}")
        if having is not None:
            lines.append(f"HAVING {having}")
        return "\n".join(lines)


def _source_sql(spec: MeasureBase, compiler: _Compiler) -> _SourceSQL:
    builders: dict[type, Callable[[Any, str | None], _SourceSQL]] = {
        Purchases: _purchases,
        CampaignEvents: _campaign_events,
        WebSessions: _web_sessions,
        SupportTickets: _support_tickets,
    }
    source = builders[type(spec.activity)](spec.activity, spec.field)
    _note_source(spec, compiler)
    source.where.extend(_window_sql(source.ts, resolve(spec.window, compiler.as_of), spec))
    return source


def _purchases(act: Purchases, field_name: str | None) -> _SourceSQL:
    item_level = field_name in ("category", "subcategory", "brand", "product")
    product_filters = _product_filters(act)
    from_clause = "transactions t"
    where = [_in("t.status", act.statuses)]
    if item_level:
        from_clause += (
            "\nJOIN transaction_items ti ON ti.transaction_id = t.transaction_id"
            "\nJOIN products p ON p.product_id = ti.product_id"
        )
        where.extend(product_filters)
    elif product_filters:
        conditions = "\n  AND ".join(product_filters)
        where.append(
            "t.transaction_id IN (\n"
            f"{IND}SELECT ti.transaction_id\n{IND}FROM transaction_items ti\n"
            f"{IND}JOIN products p ON p.product_id = ti.product_id\n"
            f"{IND}WHERE {_indented(conditions, 4)}\n)"
        )
    where += _optional_in("t.channel", act.channels) + _optional_in(
        "t.payment_method", act.payment_methods
    )
    fields = {
        name: f"t.{name}" for name in ("total_amount", "discount_amount", "item_count", "channel")
    }
    fields |= {
        "payment_method": "t.payment_method",
        "day": "CAST(t.transaction_ts AS DATE)",
        "category": "p.category",
        "subcategory": "p.subcategory",
        "brand": "p.brand",
        "product": "ti.product_id",
    }
    return _SourceSQL(from_clause, where, "t.customer_id", "t.transaction_ts", fields)


def _product_filters(act: Purchases) -> list[str]:
    filters = (
        _optional_in("p.category", act.categories)
        + _optional_in("p.subcategory", act.subcategories)
        + _optional_in("p.brand", act.brands)
    )
    if act.eco_friendly is not None:
        filters.append(f"p.is_eco_friendly = {sql_literal(act.eco_friendly)}")
    return filters


def _campaign_events(act: CampaignEvents, field_name: str | None) -> _SourceSQL:
    campaign_filters = (
        _optional_in("m.channel", act.channels)
        + _optional_in("m.campaign_type", act.campaign_types)
        + _optional_in("m.campaign_name", act.campaign_names)
        + _optional_in("m.target_category", act.target_categories)
    )
    from_clause = "campaign_events e"
    if campaign_filters or field_name == "channel":
        from_clause += "\nJOIN campaigns m ON m.campaign_id = e.campaign_id"
    where = [_in("e.event_type", act.event_types), *campaign_filters]
    fields = {
        "campaign": "e.campaign_id",
        "event_type": "e.event_type",
        "channel": "m.channel",
        "day": "CAST(e.event_ts AS DATE)",
    }
    return _SourceSQL(from_clause, where, "e.customer_id", "e.event_ts", fields)


def _web_sessions(act: WebSessions, field_name: str | None) -> _SourceSQL:
    where = (
        _optional_in("w.device", act.devices)
        + _optional_in("w.browser", act.browsers)
        + _optional_in("w.viewed_category", act.viewed_categories)
    )
    for column, wanted in (("added_to_cart", act.added_to_cart), ("converted", act.converted)):
        if wanted is not None:
            where.append(f"w.{column} = {sql_literal(wanted)}")
    if act.cart_abandoned is not None:
        abandoned = "(w.added_to_cart AND NOT w.converted)"
        where.append(abandoned if act.cart_abandoned else f"NOT {abandoned}")
    fields = {
        name: f"w.{name}" for name in ("pages_viewed", "viewed_category", "device", "browser")
    }
    fields["day"] = "CAST(w.session_start AS DATE)"
    return _SourceSQL("web_sessions w", where, "w.customer_id", "w.session_start", fields)


def _support_tickets(act: SupportTickets, field_name: str | None) -> _SourceSQL:
    where = _optional_in("s.topic", act.topics) + _optional_in("s.channel", act.channels)
    if act.csat_min is not None:
        where.append(f"s.csat_score >= {sql_literal(act.csat_min)}")
    if act.csat_max is not None:
        where.append(f"s.csat_score <= {sql_literal(act.csat_max)}")
    fields = {name: f"s.{name}" for name in ("csat_score", "topic", "channel")}
    fields["day"] = "CAST(s.created_ts AS DATE)"
    return _SourceSQL("support_tickets s", where, "s.customer_id", "s.created_ts", fields)


def _note_source(spec: MeasureBase, compiler: _Compiler) -> None:
    act = spec.activity
    if isinstance(act, Purchases):
        if act.statuses == ["completed"]:
            compiler.assume("purchase = completed transaction")
        if act.categories or act.subcategories or act.brands or act.eco_friendly is not None:
            compiler.assume(
                "a purchase of a category/brand = a transaction with at least one such item; "
                "its amount is the whole transaction's total_amount"
            )
        if spec.measure == "sum" and spec.field == "total_amount":
            compiler.assume("spend = sum of total_amount")
    if isinstance(act, CampaignEvents) and tuple(act.event_types) == ENGAGEMENT_EVENTS:
        compiler.assume("campaign engagement = opened, clicked or converted")


def _window_sql(ts: str, window: ResolvedWindow, spec: MeasureBase) -> list[str]:
    if isinstance(spec.window, AllTime):
        return []
    bounds = [] if window.start is None else [f"{ts} >= {sql_literal(window.start)}"]
    return [*bounds, f"{ts} < {sql_literal(window.end)}"]


def _in(column: str, values: list[Any]) -> str:
    if len(values) == 1:
        return f"{column} = {sql_literal(values[0])}"
    return f"{column} IN ({', '.join(sql_literal(v) for v in values)})"


def _optional_in(column: str, values: list[Any] | None) -> list[str]:
    return [] if not values else [_in(column, values)]


def _membership(op: str, subquery: str) -> str:
    return f"c.customer_id {op} (\n{IND}{_indented(subquery, 4)}\n)"


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


def _compare_words(op: str, value: Any, counted: bool) -> str:
    if op == "between":
        return f"between {_num(value[0])} and {_num(value[1])}"
    words = _COUNT_WORDS[op] if counted or op not in ("<",) else "less than"
    return f"{words} {_num(value)}"


def _plural_field(name: str | None) -> str:
    text = (name or "").replace("_", " ")
    return _PLURAL_FIELDS.get(text, text + "s")


def _measure_words(spec: MeasureBase) -> str:
    """The measure as a noun phrase, e.g. "total total_amount of purchases of Outdoor products"."""
    plural = _activity_words(spec.activity, plural=True)
    single = _activity_words(spec.activity, plural=False)
    field_name = spec.field or ""
    return {
        "count": f"number of {plural}",
        "distinct": f"number of distinct {_plural_field(spec.field)} across {plural}",
        "sum": f"total {field_name} of {plural}",
        "avg": f"average {field_name} per {single}",
        "min": f"smallest {field_name} of a {single}",
        "max": f"largest {field_name} of a {single}",
        "days_since_last": f"days since the last {single}",
    }[spec.measure]


def _activity_words(act: Any, plural: bool) -> str:
    """The activity with its filters, e.g. "purchases of Outdoor products via online"."""
    if isinstance(act, CampaignEvents) and tuple(act.event_types) == ENGAGEMENT_EVENTS:
        base = "campaign engagement (opened, clicked or converted)"
    elif isinstance(act, CampaignEvents):
        events = " or ".join(act.event_types)
        base = f"campaign {'events' if plural else 'event'} ({events})"
    else:
        base = act.noun + ("s" if plural else "")
    details = [d for d in _filter_words(act) if d]
    return " ".join([base, *details])


def _filter_words(act: Any) -> list[str]:
    def listed(label: str, values: list[Any] | None, suffix: str = "") -> str:
        return "" if not values else f"{label}{' or '.join(str(v) for v in values)}{suffix}"

    if isinstance(act, Purchases):
        status = "" if act.statuses == ["completed"] else listed("with status ", act.statuses)
        eco = {None: "", True: "of eco-friendly products", False: "of non-eco products"}
        return [
            listed("of ", act.categories, " products"),
            listed("of subcategory ", act.subcategories),
            listed("of brand ", act.brands),
            eco[act.eco_friendly],
            listed("via ", act.channels),
            listed("paid by ", act.payment_methods),
            status,
        ]
    if isinstance(act, CampaignEvents):
        return [
            listed("from ", act.channels, " campaigns"),
            listed("from ", act.campaign_types, " campaigns"),
            listed("from campaign ", [f"'{n}'" for n in act.campaign_names or []]),
            listed("from campaigns targeting ", act.target_categories),
        ]
    if isinstance(act, WebSessions):
        flags = {
            "with cart added": act.added_to_cart,
            "converted": act.converted,
            "with cart abandoned (added to cart, not converted)": act.cart_abandoned,
        }
        return [
            listed("on ", act.devices),
            listed("in ", act.browsers),
            listed("viewing ", act.viewed_categories),
            *[(name if v else f"not {name}") for name, v in flags.items() if v is not None],
        ]
    csat = ""
    if act.csat_min is not None or act.csat_max is not None:
        csat = f"with CSAT {act.csat_min or 1}-{act.csat_max or 5}"
    return [listed("about ", act.topics), listed("via ", act.channels), csat]


def _window_phrase(window: ResolvedWindow, all_time: bool) -> str:
    if all_time:
        return "at any time"
    whole = window.end.time() == time() and (window.start is None or window.start.time() == time())
    if not whole:
        return f"between {window.start:%Y-%m-%d %H:%M} and {window.end:%Y-%m-%d %H:%M}"
    last = (window.end - timedelta(days=1)).date().isoformat()
    if window.start is None:
        return f"up to {last}"
    first = window.start.date().isoformat()
    return f"on {first}" if first == last else f"between {first} and {last}"
