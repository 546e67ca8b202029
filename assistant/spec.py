"""The segment spec: a typed, JSON-serialisable audience definition shared by every backend.

Both the rules parser and the LLM (structured output) produce a `SegmentSpec`; the deterministic
compiler (`assistant.compiler`) turns it into guarded SQL. A spec is a list of top-level conditions
that are ANDed; each condition is one of:

- `attribute`: a customers column or a derived attribute (age, tenure_days, tenure_months);
- `activity`: an aggregate (count, distinct count, sum, avg, min, max, days since last) over a
  source of activity (purchases, campaign events, web sessions, support tickets) within a
  window, compared to a number. "None" is spelled `measure="count", op="=", value=0`;
- `rank`: top/bottom N customers or N% of customers by such an aggregate;
- `segment_ref`: membership of a built-in named segment (RFM, ABC, lifecycle, tiers);
- `and` / `or` / `not`: nested groups.

Run `python -m assistant.spec` to rewrite schemas/segment_spec.schema.json after changing models.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from assistant.config import SCHEMAS_DIR
from assistant.windows import AllTime, Trailing, Window

SCHEMA_PATH = SCHEMAS_DIR / "segment_spec.schema.json"

# --- generic vocabulary ---------------------------------------------------------------------------
# Names of properties, events, fields, predicates and model labels are strings checked against the
# catalog in the validation context (`SegmentSpec.model_validate(data, context={"catalog": c})`),
# so nothing here knows one dataset; `json_schema_for(catalog)` gives an LLM the names.

Scalar = bool | int | float | str
Number = int | float
AttributeOp = Literal[
    "=", "!=", "in", "not_in", "between", ">", ">=", "<", "<=", "is_null", "not_null"
]
CompareOp = Literal["=", "!=", ">", ">=", "<", "<=", "between"]
Measure = Literal["count", "distinct", "sum", "avg", "min", "max", "days_since_last", "share"]


class SpecModel(BaseModel):
    # Unknown keys are mistakes (often an LLM's); failing loudly lets the backend repair them.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _catalog(info: ValidationInfo) -> Any:
    context = info.context or {}
    return context.get("catalog") if isinstance(context, dict) else None


# --- activity sources ----------------------------------------------------------------------------


class Range(SpecModel):
    """An inclusive numeric range of a field; an absent bound is open."""

    min: float | None = None
    max: float | None = None


FilterValue = list[Scalar] | bool | Range


class Activity(SpecModel):
    """Rows of one event model of the catalog, narrowed by field filters and named predicates.

    `filters`: field -> list of values (any of), true/false, or {min, max}; a field may live on
    a neighbour (an order's items: "orders with at least one such item"). An event's declared
    defaults apply to fields the filters do not name.
    """

    source: str = Field(min_length=1, description="an event model of the catalog")
    filters: dict[str, FilterValue] = Field(default_factory=dict)
    predicates: list[str] = Field(default_factory=list)
    together: list[dict[str, FilterValue]] | None = Field(
        default=None,
        description="filters on the event's lines each met by a line of the same event "
        "('toys and groceries in the same order': [{category: [Toys]}, {category: [Grocery]}])",
    )
    each_total: Range | None = Field(
        default=None,
        description="only events whose own total amount (the sum of their lines) is in this "
        "range: 'a web order over $500' where an order's amount is on its lines",
    )

    @model_validator(mode="after")
    def _known(self, info: ValidationInfo) -> Activity:
        catalog = _catalog(info)
        if catalog is not None:
            check_activity(catalog, self)
        return self


def check_activity(catalog: Any, act: Activity) -> None:
    """Raise ValueError unless the source, its fields, values and predicates exist."""
    if act.source not in catalog.events:
        raise ValueError(f"{act.source!r} is not an event model; use one of {list(catalog.events)}")
    fields = catalog.graph.event_fields(act.source)
    together = [item for group in act.together or [] for item in group.items()]
    for name, value in [*act.filters.items(), *together]:
        if name not in fields:
            raise ValueError(f"{act.source} has no field {name!r}; use one of {sorted(fields)}")
        allowed = field_values(catalog, act.source, name)
        if allowed and isinstance(value, list):
            bad = [v for v in value if str(v) not in allowed]
            if bad:
                raise ValueError(
                    f"{bad[0]!r} is not a value of {act.source}.{name}; use one of {allowed}"
                )
    predicates = catalog.events[act.source].predicates
    for name in act.predicates:
        if name not in predicates:
            raise ValueError(
                f"{act.source} has no predicate {name!r}; use one of {list(predicates)}"
            )


def field_values(catalog: Any, event: str, name: str) -> list[str]:
    """Enumerated values of an event field (from its column in the catalog), else []."""
    ref = catalog.graph.member_field_ref(event, name)
    if ref is None:
        return []
    table, column = ref
    col = catalog.tables[table].columns.get(column)
    if col is None:
        return []
    if col.values_from:
        t, _, c = col.values_from.rpartition(".")
        col = catalog.tables[t].columns[c]
    return list(col.values or {})


# --- conditions ----------------------------------------------------------------------------------


class AttributeCondition(SpecModel):
    """A customer property (entity column, neighbour property or derived attribute) compared to
    a value, a list, a range or NULL."""

    kind: Literal["attribute"] = "attribute"
    attribute: str = Field(min_length=1, description="a customer property of the catalog")
    op: AttributeOp
    value: Scalar | list[Scalar] | None = Field(
        default=None,
        description="scalar for = != > >= < <=; list for in/not_in; [low, high] for between "
        "(inclusive); omitted for is_null/not_null. Dates as 'YYYY-MM-DD'.",
    )

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> AttributeCondition:
        _check_value_shape(self.op, self.value)
        catalog = _catalog(info)
        if catalog is not None:
            check_attribute(catalog, self)
        return self


def check_attribute(catalog: Any, cond: AttributeCondition) -> None:
    if cond.attribute not in catalog.property_names():
        raise ValueError(
            f"{cond.attribute!r} is not a customer property; use one of {catalog.property_names()}"
        )
    column_type, allowed = property_kind(catalog, cond.attribute)
    for item in _as_list(cond.value):
        _check_type(cond.attribute, column_type, item)
    if allowed:
        for item in _as_list(cond.value):
            if _value_key(item) not in allowed:
                raise ValueError(
                    f"{item!r} is not a value of {cond.attribute}; use one of {allowed}"
                )


def property_kind(catalog: Any, name: str) -> tuple[str, list[str]]:
    """('number' | 'text' | 'boolean' | 'date', enumerated values or [])."""
    kind = type_kind(property_type(catalog, name))
    if name in catalog.derived:
        return kind, []
    table, column = catalog.property_column(name)
    col = catalog.tables[table].columns[column]
    values = [] if kind == "boolean" else list(col.values or {})
    return kind, values


def property_type(catalog: Any, name: str) -> str:
    """The property's DuckDB type as the catalog declares it."""
    if name in catalog.derived:
        return catalog.derived[name].type
    table, column = catalog.property_column(name)
    return catalog.tables[table].columns[column].type


def type_kind(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t.startswith("BOOL"):
        return "boolean"
    if t.startswith("DATE") or t.startswith("TIMESTAMP"):
        return "date"
    if any(t.startswith(p) for p in ("VARCHAR", "TEXT", "CHAR", "STRING", "ENUM", "UUID")):
        return "text"
    return "number"


def _value_key(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return str(item)


class ShareOf(SpecModel):
    """Which of the activity's rows a share measure counts ("more than half of them in the app").

    `member`: on an event that is a union of others (purchases in any channel), the rows of one
    member ("mostly buys online" = more than half of all purchases are web orders)."""

    filters: dict[str, FilterValue] = Field(default_factory=dict)
    predicates: list[str] = Field(default_factory=list)
    member: str | None = None


class MeasureBase(SpecModel):
    """What activity and rank conditions share: which activity, which aggregate, which window."""

    activity: Activity
    measure: Measure = "count"
    field: str | None = Field(
        default=None,
        description="the event field to count distinctly (distinct) or aggregate "
        "(sum/avg/min/max); omitted for count and days_since_last; for share, the field whose "
        "total is shared out (omitted: the share of rows)",
    )
    share_of: ShareOf | None = Field(
        default=None, description="for measure share: which rows count (percent 0..100)"
    )
    window: Window = Field(default_factory=AllTime)

    @model_validator(mode="after")
    def _check_measure(self, info: ValidationInfo) -> MeasureBase:
        if self.measure in ("count", "days_since_last"):
            if self.field is not None:
                raise ValueError(f"measure {self.measure} takes no field")
        elif self.field is None and self.measure != "share":
            raise ValueError(f"measure {self.measure} needs a field")
        if (self.measure == "share") != (self.share_of is not None):
            raise ValueError("share_of goes with measure share, and only with it")
        catalog = _catalog(info)
        member = self.share_of.member if self.share_of is not None else None
        if catalog is not None and member is not None:
            event = catalog.events.get(self.activity.source)
            if event is None or member not in (event.union or []):
                joined = self.activity.source
                raise ValueError(f"{member!r} is not one of the events {joined} joins")
        if catalog is not None and self.field is not None:
            fields = catalog.graph.event_fields(self.activity.source)
            if self.field not in fields:
                raise ValueError(
                    f"{self.activity.source} has no field {self.field!r}; use one of "
                    f"{sorted(fields)}"
                )
        return self


class AfterEvent(SpecModel):
    """The customer's own first or last row of another activity: only rows after it count
    ("haven't ordered since their last delivery complaint", "unsubscribed but bought since").
    Customers without such a row never match."""

    activity: Activity
    which: Literal["first", "last", "each"] = Field(
        default="last",
        description="the customer's first or last such row; each: any one of them (with within)",
    )
    side: Literal["after", "before", "by"] = Field(
        default="after",
        description="before: only rows before it count ('whose first order was in the app': "
        "no order before their first app order); by: rows on or before it (a same-day order "
        "of another kind ties with it)",
    )
    window: Window = Field(
        default_factory=AllTime,
        description="only anchor rows in this window ('clicked last week but did not buy "
        "afterwards': their first click of last week)",
    )
    within: Trailing | None = Field(
        default=None,
        description="only rows within this long after one of the customer's anchor rows, any of "
        "them, days counted on the calendar with the anchor's day as day 0 ('cancelled within "
        "30 days of raising an outage ticket'); with side before, within this long before it "
        "('an invoice overdue in the 90 days before they churned'); counts 'at least one' or "
        "'none' only",
    )


class SinceFirst(SpecModel):
    """The customer's own first row of an activity starts a span ("in their first 90 days after
    their first purchase"): only rows from that day (day 1) until `within` later count.
    Customers without such a row never match."""

    activity: Activity
    within: Trailing


class NoneOnSame(SpecModel):
    """Rows of another activity about the same thing (the same value of a shared field, the
    same campaign): a row of this activity counts only when the customer has none of them
    ("got a win-back email but never opened it": a delivery with no open of that campaign)."""

    activity: Activity
    on: str = Field(min_length=1, description="the field both activities share (campaign)")


class AfterBreak(SpecModel):
    """A row counts only when the customer's own previous row of the same activity is at least
    this long before it ("came back in the last 30 days after a break of 90 days or more"): a
    customer's very first row has no previous one and does not count. Days are calendar days."""

    n: int = Field(ge=1, le=10_000)
    unit: Literal["days", "weeks", "months", "years"]
    strict: bool = Field(default=False, description="more than n (not n or more)")


class ActivityCondition(MeasureBase):
    """An aggregate of matching activity in a window compared to a number ("none" = count = 0).

    Customers without matching activity have count/distinct/sum 0, never satisfy avg/min/max
    conditions, and count as infinitely long ago for days_since_last. With `after`, only rows
    after the customer's first/last row of that other activity count (count only).
    """

    kind: Literal["activity"] = "activity"
    op: CompareOp = ">="
    value: Number | list[Number] = Field(
        default=1, description="number, or [low, high] for between"
    )
    after: AfterEvent | None = Field(
        default=None,
        description="count only rows after the customer's first/last row of this activity",
    )
    none_on_same: NoneOnSame | None = Field(
        default=None,
        description="count only rows with no row of this other activity about the same "
        "thing: 'got a win-back email but never opened it'",
    )
    since_signup: Trailing | None = Field(
        default=None,
        description="only rows within this long from the customer's own signup day (the "
        "signup day is day 1): 'invited a teammate within their first 7 days'",
    )
    after_break: AfterBreak | None = Field(
        default=None,
        description="count only rows whose previous row of the same activity is this long "
        "before them: 'came back after a 90-day break'",
    )
    since_first: SinceFirst | None = Field(
        default=None,
        description="only rows within this long from the customer's own first row of another "
        "(or the same) activity, that day being day 1: 'spent over $30,000 in their first 90 "
        "days after their first purchase'",
    )

    in_birthday_month: bool = Field(
        default=False,
        description="only rows in the calendar month of the customer's own birthday (the "
        "catalog's birthday role): 'ordered from the catalog during their birthday month'",
    )

    @model_validator(mode="after")
    def _check_value(self) -> ActivityCondition:
        _check_value_shape(self.op, self.value)
        if self.after is not None and self.measure != "count":
            raise ValueError("after goes with measure count only")
        return self


class RankCondition(MeasureBase):
    """Top/bottom N customers (or N%) by an aggregate, among customers with matching activity.

    Ties are broken by customer_id ascending; N% keeps ceil(N% of the ranked customers).
    """

    kind: Literal["rank"] = "rank"
    direction: Literal["top", "bottom"] = "top"
    n: float = Field(gt=0)
    unit: Literal["customers", "percent"] = "percent"
    per: str | None = Field(
        default=None,
        description="a customer property: the ranking is within each of its values ('the top "
        "5 spenders in each country'); customers whose value is unknown form no group",
    )
    ranked_first: bool = Field(
        default=False,
        description="ranked among the customers the conditions before it keep, and the "
        "conditions after it then narrow the ranked list ('the top 50 spenders, then drop "
        "anyone who returned something': fewer than 50 may remain); when false, it ranks among "
        "the customers all the other conditions keep",
    )

    @model_validator(mode="after")
    def _check_per(self, info: ValidationInfo) -> RankCondition:
        catalog = _catalog(info)
        if (
            catalog is not None
            and self.per is not None
            and (self.per not in catalog.property_names())
        ):
            raise ValueError(f"{self.per!r} is not a customer property to rank within")
        return self

    @model_validator(mode="after")
    def _check_n(self) -> RankCondition:
        if self.unit == "percent" and self.n > 100:
            raise ValueError("a percentage rank must be at most 100")
        if self.unit == "customers" and self.n != int(self.n):
            raise ValueError("a rank by customers needs a whole number")
        return self


class MeasureSide(MeasureBase):
    """One side of a comparison: an aggregate of the customer's own activity in a window."""


class CompareCondition(SpecModel):
    """Two aggregates of each customer's own activity compared with each other: "spent more on
    the web than in store" (sum of web purchases > sum of store purchases), "logged in less this
    month than last month", "more dashboard views than logins".

    A customer without rows on a side has 0 there for count/distinct/sum; an avg/min/max/share
    without rows never matches. `factor` scales the right side ("at least twice as many": >=, 2).
    """

    kind: Literal["compare"] = "compare"
    left: MeasureSide
    op: Literal[">", ">=", "<", "<="] = ">"
    right: MeasureSide | None = Field(
        default=None, description="the other aggregate; or give right_property instead"
    )
    right_property: str | None = Field(
        default=None,
        description="a numeric customer property to compare with instead of an aggregate "
        "('more users than their plan includes': the plan's included seats)",
    )
    right_average: MeasureSide | None = Field(
        default=None,
        description="compare with the average of this aggregate over the customers who have "
        "any of that activity ('spent more than the average buyer', 'below-average revenue'); "
        "or give right or right_property instead",
    )
    average_among: list[AttributeCondition] = Field(
        default_factory=list,
        description="with right_average: only these customers are averaged ('than the average "
        "pro account': plan = pro)",
    )
    average_active_only: bool = Field(
        default=True,
        description="with right_average: average only the customers with any of that activity "
        "('the average buyer'); false: every customer of average_among, those without any "
        "counting 0 ('the average pro account')",
    )
    average_by: str | None = Field(
        default=None,
        description="with right_average: a customer property; each customer is compared with "
        "the average of the customers who share their value of it ('more than the average "
        "buyer in their own state')",
    )
    average_over: Literal["customers", "events"] = Field(
        default="customers",
        description="with right_average: 'customers' averages each customer's own figure; "
        "'events' (measure avg only) averages every event of that activity, whoever made it "
        "('above the average order value across all orders', 'the company-wide AOV')",
    )
    factor: float = Field(default=1, gt=0, description="left op factor * right")

    @model_validator(mode="after")
    def _check_sides(self, info: ValidationInfo) -> CompareCondition:
        given = [x for x in (self.right, self.right_property, self.right_average) if x is not None]
        if len(given) != 1:
            raise ValueError(
                "a comparison needs exactly one of right, right_property and right_average"
            )
        if self.average_among and self.right_average is None:
            raise ValueError("average_among goes with right_average only")
        if self.average_by is not None and self.right_average is None:
            raise ValueError("average_by goes with right_average only")
        if self.average_over == "events" and (
            self.right_average is None or self.right_average.measure != "avg"
        ):
            raise ValueError("average_over 'events' goes with an average (avg) right_average")
        for side in (self.left, self.right, self.right_average):
            if side is not None and side.measure == "days_since_last":
                raise ValueError("a comparison compares amounts, counts or shares, not recency")
        if self.left == self.right:
            raise ValueError("a comparison needs two different sides")
        catalog = _catalog(info)
        by = self.average_by
        if catalog is not None and by is not None and by not in catalog.property_names():
            raise ValueError(f"{by!r} is not a customer property")
        if catalog is not None and self.right_property is not None:
            if self.right_property not in catalog.property_names():
                raise ValueError(f"{self.right_property!r} is not a customer property")
            if property_kind(catalog, self.right_property)[0] != "number":
                raise ValueError(f"{self.right_property!r} is not a number to compare with")
        return self


class SegmentRef(SpecModel):
    """Membership of a built-in named segment, e.g. {model: "rfm", label: "Champions"}."""

    kind: Literal["segment_ref"] = "segment_ref"
    model: str = Field(min_length=1)
    label: str = Field(min_length=1)


class AndGroup(SpecModel):
    kind: Literal["and"] = "and"
    conditions: list[Condition] = Field(min_length=1)


class OrGroup(SpecModel):
    kind: Literal["or"] = "or"
    conditions: list[Condition] = Field(min_length=1)


class NotGroup(SpecModel):
    kind: Literal["not"] = "not"
    condition: Condition


Condition = Annotated[
    AttributeCondition
    | ActivityCondition
    | RankCondition
    | CompareCondition
    | SegmentRef
    | AndGroup
    | OrGroup
    | NotGroup,
    Field(discriminator="kind"),
]
for _model in (AndGroup, OrGroup, NotGroup):
    _model.model_rebuild()


class SegmentSpec(SpecModel):
    """An audience: top-level conditions ANDed together (none = all customers)."""

    title: str | None = None
    conditions: list[Condition] = Field(default_factory=list)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _check_type(attribute: str, column_type: str, item: Any) -> None:
    """Values must match the column type so the compiler never has to guess a cast."""
    is_number = isinstance(item, int | float) and not isinstance(item, bool)
    ok = {
        "number": is_number,
        "boolean": isinstance(item, bool),
        "text": isinstance(item, str),
        "date": isinstance(item, str) and _is_iso_date(item),
    }[column_type]
    if not ok:
        hint = "a 'YYYY-MM-DD' date" if column_type == "date" else f"a {column_type}"
        raise ValueError(f"{attribute} compares with {hint}, got {item!r}")


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _check_value_shape(op: str, value: Any) -> None:
    if op in ("is_null", "not_null"):
        if value is not None:
            raise ValueError(f"op {op} takes no value")
    elif op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"op {op} needs a non-empty list")
    elif op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError("op between needs [low, high]")
        if _sortable(value) and value[0] > value[1]:
            raise ValueError(f"between needs low <= high, got {value}")
    elif value is None or isinstance(value, list):
        raise ValueError(f"op {op} needs a single value")


def _sortable(pair: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair) or all(
        isinstance(v, str) for v in pair
    )


# --- refinement helpers (pure: they return new specs) --------------------------------------------


def condition_key(condition: Condition) -> str | None:
    """What a condition is "about"; a new condition replaces old ones with the same key.

    Attributes: the attribute; activity: source + filters + measure + field (not window/op/value);
    rank: always "rank"; named segments: the model. Groups have no key.
    """
    match condition:
        case AttributeCondition(attribute=attribute):
            return f"attribute:{attribute}"
        case ActivityCondition():
            filters = json.dumps(condition.activity.model_dump(mode="json"), sort_keys=True)
            return f"activity:{filters}:{condition.measure}:{condition.field}"
        case RankCondition():
            return "rank"
        case CompareCondition():
            return f"compare:{condition.model_dump_json()}"
        case SegmentRef(model=model):
            return f"segment_ref:{model}"
    return None


def add_condition(spec: SegmentSpec, condition: Condition) -> SegmentSpec:
    """AND one more condition onto the spec."""
    return spec.model_copy(update={"conditions": [*spec.conditions, condition]})


def replace_condition(spec: SegmentSpec, condition: Condition) -> SegmentSpec:
    """Swap the top-level conditions with the same key for `condition` (at the first one's place);
    append it when nothing matches."""
    key = condition_key(condition)
    kept: list[Condition] = []
    placed = False
    for existing in spec.conditions:
        if key is not None and condition_key(existing) == key:
            if not placed:
                kept.append(condition)
                placed = True
            continue
        kept.append(existing)
    if not placed:
        kept.append(condition)
    return spec.model_copy(update={"conditions": kept})


def remove_conditions(spec: SegmentSpec, predicate: Callable[[Condition], bool]) -> SegmentSpec:
    """Drop every condition (at any depth) matching `predicate`; groups left empty disappear."""
    return spec.model_copy(update={"conditions": _prune(spec.conditions, predicate)})


def negate(spec: SegmentSpec) -> SegmentSpec:
    """The complement audience: NOT (all conditions). Negating a single NOT unwraps it."""
    conditions = spec.conditions
    if len(conditions) == 1 and isinstance(conditions[0], NotGroup):
        inner = conditions[0].condition
        unwrapped = inner.conditions if isinstance(inner, AndGroup) else [inner]
        return spec.model_copy(update={"conditions": list(unwrapped)})
    if not conditions:
        raise ValueError("cannot negate a spec without conditions (that would be nobody)")
    inner = conditions[0] if len(conditions) == 1 else AndGroup(conditions=list(conditions))
    return spec.model_copy(update={"conditions": [NotGroup(condition=inner)]})


def _prune(
    conditions: Sequence[Condition], predicate: Callable[[Condition], bool]
) -> list[Condition]:
    kept: list[Condition] = []
    for condition in conditions:
        if predicate(condition):
            continue
        pruned = _prune_one(condition, predicate)
        if pruned is not None:
            kept.append(pruned)
    return kept


def _prune_one(condition: Condition, predicate: Callable[[Condition], bool]) -> Condition | None:
    if isinstance(condition, AndGroup | OrGroup):
        inner = _prune(condition.conditions, predicate)
        return condition.model_copy(update={"conditions": inner}) if inner else None
    if isinstance(condition, NotGroup):
        inner = _prune([condition.condition], predicate)
        return condition.model_copy(update={"condition": inner[0]}) if inner else None
    return condition


# --- JSON schema ---------------------------------------------------------------------------------


def export_json_schema() -> dict[str, Any]:
    """The generic JSON Schema of SegmentSpec (schemas/segment_spec.schema.json)."""
    return SegmentSpec.model_json_schema()


def json_schema_for(catalog: Any) -> dict[str, Any]:
    """The spec's JSON Schema with this catalog's names as enums (what an LLM is given)."""
    schema = SegmentSpec.model_json_schema()
    defs = schema.get("$defs", {})
    props = defs["AttributeCondition"]["properties"]
    props["attribute"]["enum"] = catalog.property_names()
    defs["Activity"]["properties"]["source"]["enum"] = list(catalog.events)
    fields = sorted({f for e in catalog.events for f in catalog.graph.event_fields(e)})
    for name in ("ActivityCondition", "RankCondition", "MeasureSide"):
        if name in defs:
            field_schema = defs[name]["properties"]["field"]
            field_schema["anyOf"] = [{"type": "string", "enum": fields}, {"type": "null"}]
    predicates = sorted({p for e in catalog.events.values() for p in e.predicates})
    if predicates:
        defs["Activity"]["properties"]["predicates"]["items"] = {"enum": predicates}
    return schema


def write_json_schema(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export_json_schema(), indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    print(f"wrote {write_json_schema()}")
