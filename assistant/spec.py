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
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.config import SCHEMAS_DIR
from assistant.windows import AllTime, Window

SCHEMA_PATH = SCHEMAS_DIR / "segment_spec.schema.json"

# --- vocabulary of the data contract -------------------------------------------------------------

CATEGORIES = (
    "Outdoor", "Apparel", "Footwear", "Electronics", "Home", "Beauty", "Sports", "Grocery", "Toys",
)  # fmt: skip
Category = Literal[
    "Outdoor", "Apparel", "Footwear", "Electronics", "Home", "Beauty", "Sports", "Grocery", "Toys"
]
TransactionChannel = Literal["online", "store", "app"]
PaymentMethod = Literal["card", "paypal", "gift_card", "cash", "bnpl"]
TransactionStatus = Literal["completed", "returned", "cancelled"]
EventType = Literal["sent", "delivered", "opened", "clicked", "converted", "unsubscribed"]
CampaignChannel = Literal["email", "sms", "push"]
CampaignType = Literal["promotional", "newsletter", "winback", "loyalty", "product_launch"]
Device = Literal["ios", "android", "desktop"]
Browser = Literal["chrome", "safari", "firefox", "edge", "app"]
TicketTopic = Literal["delivery", "returns", "product_question", "billing", "account"]
TicketChannel = Literal["chat", "email", "phone"]

ENGAGEMENT_EVENTS: tuple[EventType, ...] = ("opened", "clicked", "converted")

# Column type and, for enumerated columns, the allowed stored values (None = open vocabulary).
CUSTOMER_COLUMNS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "customer_id": ("number", None),
    "first_name": ("text", None),
    "last_name": ("text", None),
    "email": ("text", None),
    "gender": ("text", ("female", "male", "non-binary")),
    "birth_date": ("date", None),
    "signup_date": ("date", None),
    "country": ("text", ("US", "CA", "GB", "DE", "FR", "AU")),
    "region": ("text", None),
    "city": ("text", None),
    "income_band": ("text", ("<25k", "25-50k", "50-100k", "100-200k", "200k+")),
    "education": ("text", ("high_school", "bachelor", "master", "doctorate")),
    "occupation": (
        "text",
        ("student", "professional", "manager", "self_employed", "retired", "homemaker", "other"),
    ),
    "marital_status": ("text", ("single", "married", "divorced", "widowed")),
    "customer_type": ("text", ("consumer", "business")),
    "company_industry": (
        "text",
        ("retail", "healthcare", "finance", "technology", "education", "hospitality"),
    ),
    "company_size": ("text", ("1-10", "11-50", "51-200", "201-1000", "1000+")),
    "lifestyle": (
        "text",
        (
            "outdoor_adventurer",
            "urban_professional",
            "family_focused",
            "budget_conscious",
            "eco_conscious",
            "tech_enthusiast",
            "wellness_seeker",
        ),
    ),  # fmt: skip
    "reward_preference": ("text", ("cash_back", "experiential", "discounts", "points")),
    "loyalty_tier": ("text", ("none", "bronze", "silver", "gold", "platinum")),
    "acquisition_channel": (
        "text",
        ("organic_search", "paid_search", "social", "referral", "in_store", "email"),
    ),
    "preferred_channel": ("text", ("email", "sms", "push", "none")),
    "primary_device": ("text", ("ios", "android", "desktop")),
    "email_opt_in": ("boolean", None),
    "sms_opt_in": ("boolean", None),
    "push_opt_in": ("boolean", None),
}
# Derived attributes are computed relative to as_of (whole years / days / whole months).
DERIVED_ATTRIBUTES: dict[str, str] = {
    "age": "whole years from birth_date to as_of",
    "tenure_days": "days from signup_date to as_of",
    "tenure_months": "whole months from signup_date to as_of",
}

AttributeName = Literal[
    "customer_id", "first_name", "last_name", "email", "gender", "birth_date", "signup_date",
    "country", "region", "city", "income_band", "education", "occupation", "marital_status",
    "customer_type", "company_industry", "company_size", "lifestyle", "reward_preference",
    "loyalty_tier", "acquisition_channel", "preferred_channel", "primary_device", "email_opt_in",
    "sms_opt_in", "push_opt_in", "age", "tenure_days", "tenure_months",
]  # fmt: skip

Scalar = bool | int | float | str
Number = int | float
AttributeOp = Literal[
    "=", "!=", "in", "not_in", "between", ">", ">=", "<", "<=", "is_null", "not_null"
]
CompareOp = Literal["=", "!=", ">", ">=", "<", "<=", "between"]
Measure = Literal["count", "distinct", "sum", "avg", "min", "max", "days_since_last"]
MeasureField = Literal[
    "total_amount", "discount_amount", "item_count", "pages_viewed", "csat_score",
    "category", "subcategory", "brand", "product", "channel", "payment_method", "campaign",
    "event_type", "device", "browser", "viewed_category", "topic", "day",
]  # fmt: skip
SegmentModel = Literal["rfm", "abc", "lifecycle", "value_tier", "engagement_tier"]


class SpecModel(BaseModel):
    # Unknown keys are mistakes (often an LLM's); failing loudly lets the backend repair them.
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- activity sources ----------------------------------------------------------------------------


class _Source(SpecModel):
    numeric_fields: ClassVar[tuple[str, ...]] = ()
    distinct_fields: ClassVar[tuple[str, ...]] = ("day",)
    noun: ClassVar[str] = "activity"


class Purchases(_Source):
    """Transactions (completed only, unless `statuses` says otherwise), optionally narrowed.

    Category/subcategory/brand/eco narrowing keeps transactions containing at least one matching
    item; amounts stay the whole transaction's total_amount.
    """

    numeric_fields: ClassVar[tuple[str, ...]] = ("total_amount", "discount_amount", "item_count")
    distinct_fields: ClassVar[tuple[str, ...]] = (
        "category", "subcategory", "brand", "product", "channel", "payment_method", "day",
    )  # fmt: skip
    noun: ClassVar[str] = "purchase"

    source: Literal["purchases"] = "purchases"
    categories: list[Category] | None = None
    subcategories: list[str] | None = None
    brands: list[str] | None = None
    eco_friendly: bool | None = None
    channels: list[TransactionChannel] | None = None
    payment_methods: list[PaymentMethod] | None = None
    statuses: list[TransactionStatus] = Field(default_factory=lambda: ["completed"], min_length=1)


class CampaignEvents(_Source):
    """Campaign events; by default engagement (opened, clicked or converted)."""

    distinct_fields: ClassVar[tuple[str, ...]] = ("campaign", "event_type", "channel", "day")
    noun: ClassVar[str] = "campaign event"

    source: Literal["campaign_events"] = "campaign_events"
    event_types: list[EventType] = Field(
        default_factory=lambda: list(ENGAGEMENT_EVENTS), min_length=1
    )
    channels: list[CampaignChannel] | None = None
    campaign_types: list[CampaignType] | None = None
    campaign_names: list[str] | None = None
    target_categories: list[Category] | None = None


class WebSessions(_Source):
    """Web/app sessions; `cart_abandoned` = added to cart without converting."""

    numeric_fields: ClassVar[tuple[str, ...]] = ("pages_viewed",)
    distinct_fields: ClassVar[tuple[str, ...]] = ("viewed_category", "device", "browser", "day")
    noun: ClassVar[str] = "web session"

    source: Literal["web_sessions"] = "web_sessions"
    devices: list[Device] | None = None
    browsers: list[Browser] | None = None
    viewed_categories: list[Category] | None = None
    added_to_cart: bool | None = None
    converted: bool | None = None
    cart_abandoned: bool | None = None


class SupportTickets(_Source):
    """Support tickets, optionally by topic, channel and CSAT range (inclusive)."""

    numeric_fields: ClassVar[tuple[str, ...]] = ("csat_score",)
    distinct_fields: ClassVar[tuple[str, ...]] = ("topic", "channel", "day")
    noun: ClassVar[str] = "support ticket"

    source: Literal["support_tickets"] = "support_tickets"
    topics: list[TicketTopic] | None = None
    channels: list[TicketChannel] | None = None
    csat_min: int | None = Field(default=None, ge=1, le=5)
    csat_max: int | None = Field(default=None, ge=1, le=5)


Activity = Annotated[
    Purchases | CampaignEvents | WebSessions | SupportTickets, Field(discriminator="source")
]


# --- conditions ----------------------------------------------------------------------------------


class AttributeCondition(SpecModel):
    """A customers column (or age / tenure) compared to a value, a list, a range or NULL."""

    kind: Literal["attribute"] = "attribute"
    attribute: AttributeName
    op: AttributeOp
    value: Scalar | list[Scalar] | None = Field(
        default=None,
        description="scalar for = != > >= < <=; list for in/not_in; [low, high] for between "
        "(inclusive); omitted for is_null/not_null. Dates as 'YYYY-MM-DD'.",
    )

    @model_validator(mode="after")
    def _check(self) -> AttributeCondition:
        _check_value_shape(self.op, self.value)
        column_type, allowed = CUSTOMER_COLUMNS.get(self.attribute, ("number", None))
        for item in _as_list(self.value):
            _check_type(self.attribute, column_type, item)
        if allowed is not None:
            for item in _as_list(self.value):
                if item not in allowed:
                    raise ValueError(
                        f"{item!r} is not a value of {self.attribute}; use one of {list(allowed)}"
                    )
        return self


class MeasureBase(SpecModel):
    """What activity and rank conditions share: which activity, which aggregate, which window."""

    activity: Activity
    measure: Measure = "count"
    field: MeasureField | None = Field(
        default=None,
        description="what to count distinctly (distinct) or aggregate (sum/avg/min/max); "
        "omitted for count and days_since_last",
    )
    window: Window = Field(default_factory=AllTime)

    @model_validator(mode="after")
    def _check_measure(self) -> MeasureBase:
        source = self.activity
        if self.measure in ("count", "days_since_last"):
            if self.field is not None:
                raise ValueError(f"measure {self.measure} takes no field")
            return self
        allowed = source.distinct_fields if self.measure == "distinct" else source.numeric_fields
        if self.field not in allowed:
            raise ValueError(
                f"measure {self.measure} over {source.source} needs field in {list(allowed)}"
            )
        return self


class ActivityCondition(MeasureBase):
    """An aggregate of matching activity in a window compared to a number ("none" = count = 0).

    Customers without matching activity have count/distinct/sum 0, never satisfy avg/min/max
    conditions, and count as infinitely long ago for days_since_last.
    """

    kind: Literal["activity"] = "activity"
    op: CompareOp = ">="
    value: Number | list[Number] = Field(
        default=1, description="number, or [low, high] for between"
    )

    @model_validator(mode="after")
    def _check_value(self) -> ActivityCondition:
        _check_value_shape(self.op, self.value)
        return self


class RankCondition(MeasureBase):
    """Top/bottom N customers (or N%) by an aggregate, among customers with matching activity.

    Ties are broken by customer_id ascending; N% keeps ceil(N% of the ranked customers).
    """

    kind: Literal["rank"] = "rank"
    direction: Literal["top", "bottom"] = "top"
    n: float = Field(gt=0)
    unit: Literal["customers", "percent"] = "percent"

    @model_validator(mode="after")
    def _check_n(self) -> RankCondition:
        if self.unit == "percent" and self.n > 100:
            raise ValueError("a percentage rank must be at most 100")
        if self.unit == "customers" and self.n != int(self.n):
            raise ValueError("a rank by customers needs a whole number")
        return self


class SegmentRef(SpecModel):
    """Membership of a built-in named segment, e.g. {model: "rfm", label: "Champions"}."""

    kind: Literal["segment_ref"] = "segment_ref"
    model: SegmentModel
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
    """The JSON Schema of SegmentSpec (what schemas/segment_spec.schema.json must contain)."""
    return SegmentSpec.model_json_schema()


def write_json_schema(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export_json_schema(), indent=2, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    print(f"wrote {write_json_schema()}")
