"""Built-in segmentation models (RFM, ABC, lifecycle, value tiers, engagement tiers) as SQL.

The definitions (descriptions, parameters, labels, RFM rules) live in
`schemas/segment_models.yaml`; this module validates them and turns each model into one set-based
DuckDB query that labels every customer exactly once. The data comes from the catalog's roles
(`assistant.roles`): purchases, revenue, engagement, signup and the contact channels'
unsubscribes. A model whose roles a catalog does not define is not offered (`available_models`)
and asking for it is a `ModelUnavailable` error with a one-line note.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from assistant import roles
from assistant.compiler import CompileError
from assistant.config import SCHEMAS_DIR

if TYPE_CHECKING:
    from assistant.catalog import Catalog

DEFAULT_PATH = SCHEMAS_DIR / "segment_models.yaml"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_SCORES = range(1, 6)


def normalize_label(text: str) -> str:
    """Lower-case and fold '_', '-' and runs of spaces so 'At-Risk' and 'at_risk' compare equal."""
    return " ".join(re.split(r"[\s_\-]+", text.strip().lower())).strip()


# --- catalog schema ---------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreRule(_Strict):
    """Allowed R, F and M scores, each as [lowest, highest] with both ends included."""

    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    m: tuple[int, int] = (1, 5)

    @field_validator("r", "f", "m")
    @classmethod
    def _within_scores(cls, bounds: tuple[int, int]) -> tuple[int, int]:
        low, high = bounds
        if not 1 <= low <= high <= 5:
            raise ValueError(f"score range {list(bounds)} must satisfy 1 <= lowest <= highest <= 5")
        return bounds

    def matches(self, r: int, f: int, m: int) -> bool:
        return all(lo <= s <= hi for s, (lo, hi) in ((r, self.r), (f, self.f), (m, self.m)))


class Label(_Strict):
    """One outcome of a model: machine key, display name, meaning and what users may call it."""

    key: str
    name: str
    description: str
    synonyms: tuple[str, ...] = ()
    rule: ScoreRule | None = None  # RFM only

    @field_validator("key")
    @classmethod
    def _snake_case(cls, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError(f"label key {key!r} must be snake_case (a-z, 0-9, _)")
        return key

    def spellings(self) -> list[str]:
        """Every normalized way to name this label: key, display name and synonyms."""
        return [normalize_label(s) for s in (self.key, self.name, *self.synonyms)]


class WindowParams(_Strict):
    window_days: int = Field(365, ge=1)


class AbcParams(WindowParams):
    a_share: Decimal = Field(Decimal("0.80"), gt=0, lt=1)
    b_share: Decimal = Field(Decimal("0.95"), gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.a_share >= self.b_share:
            raise ValueError("a_share must be below b_share")
        return self


class ValueTierParams(WindowParams):
    top_share: Decimal = Field(Decimal("0.10"), gt=0)
    high_share: Decimal = Field(Decimal("0.20"), gt=0)
    mid_share: Decimal = Field(Decimal("0.30"), gt=0)

    @model_validator(mode="after")
    def _leaves_room_for_low(self) -> Self:
        if self.top_share + self.high_share + self.mid_share >= 1:
            raise ValueError("top_share + high_share + mid_share must be below 1")
        return self


class LifecycleParams(_Strict):
    new_days: int = Field(30, ge=1)
    active_days: int = Field(90, ge=0)
    at_risk_days: int = Field(180, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.active_days >= self.at_risk_days:
            raise ValueError("active_days must be below at_risk_days")
        return self


class EngagementParams(WindowParams):
    window_days: int = Field(90, ge=1)


class ModelDef(_Strict):
    """Common shape: a description and labels in evaluation order."""

    expected_keys: ClassVar[tuple[str, ...] | None] = None
    description: str
    labels: tuple[Label, ...]

    @model_validator(mode="after")
    def _labels_are_distinct(self) -> Self:
        keys = [label.key for label in self.labels]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate label keys in {keys}")
        if self.expected_keys is not None and tuple(keys) != self.expected_keys:
            raise ValueError(f"labels must be exactly {list(self.expected_keys)} in this order")
        if self.expected_keys is not None and any(lb.rule for lb in self.labels):
            raise ValueError("only rfm labels take a score rule")
        owner: dict[str, str] = {}
        for label in self.labels:
            for spelling in set(label.spellings()):
                if owner.setdefault(spelling, label.key) != label.key:
                    raise ValueError(
                        f"{spelling!r} names both {owner[spelling]!r} and {label.key!r}"
                    )
        return self


class RfmModel(ModelDef):
    parameters: WindowParams

    @model_validator(mode="after")
    def _rules_cover_every_score(self) -> Self:
        unscored = [label.key for label in self.labels if label.rule is None]
        if len(unscored) != 1 or self.labels[-1].rule is not None:
            raise ValueError("rfm needs exactly one label without a rule, listed last")
        reached: set[str] = set()
        for r, f, m in itertools.product(_SCORES, repeat=3):
            first = next((lb.key for lb in self.scored_labels() if lb.rule.matches(r, f, m)), None)
            if first is None:
                raise ValueError(f"no rfm rule matches R{r} F{f} M{m}")
            reached.add(first)
        # A rule wholly shadowed by earlier ones would be a label that never appears.
        unreachable = [lb.key for lb in self.scored_labels() if lb.key not in reached]
        if unreachable:
            raise ValueError(f"rfm labels never reached (earlier rules cover them): {unreachable}")
        return self

    def scored_labels(self) -> list[Label]:
        return [label for label in self.labels if label.rule is not None]

    @property
    def unscored_label(self) -> Label:
        return self.labels[-1]


class AbcModel(ModelDef):
    expected_keys = ("a", "b", "c", "no_purchases")
    parameters: AbcParams


class LifecycleModel(ModelDef):
    expected_keys = ("new", "active", "at_risk", "lapsed", "never_purchased")
    parameters: LifecycleParams


class ValueTierModel(ModelDef):
    expected_keys = ("top", "high", "mid", "low", "none")
    parameters: ValueTierParams


class EngagementModel(ModelDef):
    expected_keys = ("unsubscribed", "engaged", "dormant")
    parameters: EngagementParams


class SegmentModels(_Strict):
    """The whole catalog, one field per built-in model."""

    rfm: RfmModel
    abc: AbcModel
    lifecycle: LifecycleModel
    value_tier: ValueTierModel
    engagement_tier: EngagementModel

    def names(self) -> list[str]:
        return list(type(self).model_fields)

    def get(self, model: str) -> ModelDef:
        if model not in self.names():
            raise ValueError(f"unknown segmentation model {model!r}; valid: {self.names()}")
        return getattr(self, model)


# --- loading ----------------------------------------------------------------------------------


def load_models(path: Path | str | None = None) -> SegmentModels:
    """The validated catalog; re-read only when the file changes (it is user-editable)."""
    resolved = Path(path or DEFAULT_PATH).resolve()
    return _load(resolved, resolved.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, _mtime_ns: int) -> SegmentModels:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or "models" not in data:
        raise ValueError(f"{path}: expected a top-level 'models:' mapping")
    try:
        return SegmentModels.model_validate(data["models"])
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid segmentation models: {exc}") from exc


def model_names() -> list[str]:
    return load_models().names()


def labels(model: str) -> list[Label]:
    return list(load_models().get(model).labels)


def resolve_label(model: str, label: str) -> Label:
    """Find a label by key, display name or synonym (case, '_', '-' and spaces ignored)."""
    wanted = normalize_label(label)
    options = labels(model)
    for candidate in options:
        if wanted in candidate.spellings():
            return candidate
    valid = ", ".join(f"{lb.key} ({lb.name})" for lb in options)
    raise ValueError(f"unknown label {label!r} for model {model!r}; valid labels: {valid}")


# --- availability ---------------------------------------------------------------------------

# The catalog roles each model's SQL reads; a model whose roles are absent is not offered.
REQUIRES: dict[str, tuple[str, ...]] = {
    "rfm": ("purchases", "revenue"),
    "abc": ("revenue",),
    "lifecycle": ("purchases", "signup"),
    "value_tier": ("revenue",),
    "engagement_tier": ("engagement",),
}


class ModelUnavailable(CompileError):
    """A built-in model whose catalog roles are absent (the feature is switched off); a
    CompileError (so a ValueError) for the compiler's callers."""


def _missing_roles(model: str, catalog: Catalog) -> list[str]:
    missing = []
    for role in REQUIRES[model]:
        usable = (
            roles.revenue_measure(catalog) is not None
            if role == "revenue"
            else getattr(catalog.roles, role) is not None
        )
        if not usable:
            missing.append(role)
    return missing


def model_note(model: str, catalog: Catalog) -> str | None:
    """None when `model` works with this catalog, else the one-line note saying why it is off."""
    load_models().get(model)  # unknown models are an error, not a note
    missing = _missing_roles(model, catalog)
    if not missing:
        return None
    needs = " and ".join(f"roles.{role}" for role in missing)
    return f"the {model.replace('_', ' ')} model is off: the catalog defines no {needs}"


def available_models(catalog: Catalog) -> list[str]:
    """The built-in models this catalog's roles support, in catalog order."""
    return [name for name in model_names() if not _missing_roles(name, catalog)]


def unavailable_models(catalog: Catalog) -> dict[str, str]:
    """Models switched off for this catalog -> the note saying why."""
    notes = {name: model_note(name, catalog) for name in model_names()}
    return {name: note for name, note in notes.items() if note is not None}


# --- SQL --------------------------------------------------------------------------------------
#
# The templates below name no table: {entity} is the customer table, {key} its key qualified by
# the table, {purchases} / {revenue} / {engagement} / {unsubscribed} parenthesised rows queries of
# the catalog's roles (customer_id, ts and, for purchases, instance and amount; revenue rows carry
# `revenue`), {signup} the signup property over the entity table. `_fill` substitutes them.


@dataclass(frozen=True)
class _Query:
    """CTEs plus a final SELECT producing customer_id, label and the model's scores."""

    ctes: tuple[tuple[str, str], ...]
    select: str

    def render(self, tail: str | None = None) -> str:
        ctes = list(self.ctes)
        select = self.select
        if tail is not None:
            ctes.append(("assignment", self.select))
            select = tail
        body = ",\n".join(f"{name} AS (\n{_indent(sql)}\n)" for name, sql in ctes)
        return f"WITH {body}\n{select}"


@dataclass(frozen=True)
class _Sources:
    """What the templates are filled with, from the catalog."""

    catalog: Catalog
    as_of: date

    @property
    def base(self) -> dict[str, str]:
        return {
            "entity": roles.entity_table(self.catalog),
            "key": roles.entity_key(self.catalog),
            "as_of": _lit(self.as_of),
        }

    def rows(self, sql: str | None, role: str) -> str:
        if sql is None:
            raise ModelUnavailable(f"the catalog defines no roles.{role}")
        return f"(\n{_indent(sql, 4)}\n  )"

    @property
    def purchases(self) -> str:
        return self.rows(roles.purchases_sql(self.catalog), "purchases")

    @property
    def revenue(self) -> str:
        return self.rows(roles.revenue_sql(self.catalog), "revenue")

    @property
    def engagement(self) -> str:
        return self.rows(roles.engagement_sql(self.catalog), "engagement")

    @property
    def unsubscribed(self) -> str | None:
        sql = roles.unsubscribed_sql(self.catalog)
        return None if sql is None else self.rows(sql, "contact")

    @property
    def signup(self) -> str:
        name = self.catalog.roles.signup
        if name is None:
            raise ModelUnavailable("the catalog defines no roles.signup")
        return f"CAST({roles.property_sql(self.catalog, name, self.as_of)} AS DATE)"

    def fill(self, template: str, **values: str) -> str:
        return _fill(template, **self.base, **values)


def _fill(template: str, **values: object) -> str:
    # Only the named placeholders are replaced, so other braces in the SQL stay intact.
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def assignment_sql(model: str, as_of: date, catalog: Catalog) -> str:
    """SELECT customer_id, label (the key) and the model's scores: one row for every customer."""
    return _build(model, as_of, catalog).render()


def membership_sql(model: str, label: str, as_of: date, catalog: Catalog) -> str:
    """SELECT customer_id of the customers holding `label` (key, display name or synonym)."""
    key = resolve_label(model, label).key
    tail = f"SELECT assignment.customer_id\nFROM assignment\nWHERE assignment.label = '{key}'"
    return _build(model, as_of, catalog).render(tail)


_BUILT: dict[tuple[str, date, int], tuple[Catalog, _Query]] = {}


def _build(model: str, as_of: date, catalog: Catalog) -> _Query:
    # Ideas ask for a model's query once per part (dozens per answer): built once per catalog.
    key = (model, as_of, id(catalog))
    found = _BUILT.get(key)
    if found is None or found[0] is not catalog:
        found = (catalog, _build_query(model, as_of, catalog))
        _BUILT[key] = found
    return found[1]


def _build_query(model: str, as_of: date, catalog: Catalog) -> _Query:
    definitions = load_models()
    builders = {
        "rfm": _rfm,
        "abc": _abc,
        "lifecycle": _lifecycle,
        "value_tier": _value_tier,
        "engagement_tier": _engagement,
    }
    definition = definitions.get(model)
    note = model_note(model, catalog)
    if note is not None:
        raise ModelUnavailable(note)
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    return builders[model](definition, _Sources(catalog, day))


def _lit(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _window_start(as_of: date, days: int) -> date:
    # "The last N days" includes as_of itself, so it starts N - 1 days earlier.
    return as_of - timedelta(days=days - 1)


def _indent(sql: str, spaces: int = 2) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in sql.splitlines())


def _in_window(alias: str, src: _Sources, days: int) -> str:
    start = _window_start(src.as_of, days)
    return f"CAST({alias}.ts AS DATE) BETWEEN {_lit(start)} AND {_lit(src.as_of)}"


_REVENUE = """SELECT r.customer_id, SUM(r.revenue) AS revenue
FROM {revenue} AS r
WHERE {in_window}
GROUP BY r.customer_id
HAVING SUM(r.revenue) > 0"""


def _revenue_cte(src: _Sources, days: int) -> tuple[str, str]:
    sql = src.fill(_REVENUE, revenue=src.revenue, in_window=_in_window("r", src, days))
    return "revenue", sql


_RFM_PURCHASES = """SELECT p.customer_id,
  {as_of} - MAX(CAST(p.ts AS DATE)) AS recency_days,
  {frequency} AS frequency,
  {monetary} AS monetary
FROM {purchases} AS p{revenue_join}
WHERE {in_window}
GROUP BY p.customer_id"""

_RFM_SCORED = """SELECT p.customer_id,
  p.recency_days,
  p.frequency,
  p.monetary,
  NTILE(5) OVER (ORDER BY p.recency_days DESC, p.customer_id) AS r_score,
  NTILE(5) OVER (ORDER BY p.frequency, p.customer_id) AS f_score,
  NTILE(5) OVER (ORDER BY p.monetary, p.customer_id) AS m_score
FROM purchases AS p"""

_RFM_SELECT = """SELECT {key} AS customer_id,
  CASE
{whens}
  END AS label,
  s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score
FROM {entity}
LEFT JOIN scored AS s ON s.customer_id = {key}"""


def _rfm(model: RfmModel, src: _Sources) -> _Query:
    days = model.parameters.window_days
    ctes: list[tuple[str, str]] = []
    if roles.revenue_is_purchase_amount(src.catalog):
        # Revenue is the purchases' own amount: one scan gives recency, frequency and spend.
        monetary, join = "SUM(p.amount)", ""
    else:
        ctes.append(_revenue_cte(src, days))
        monetary = "COALESCE(MAX(m.revenue), 0)"
        join = "\nLEFT JOIN revenue AS m ON m.customer_id = p.customer_id"
    purchases = src.fill(
        _RFM_PURCHASES,
        purchases=src.purchases,
        frequency=roles.purchases_count_sql(src.catalog, "p"),
        monetary=monetary,
        revenue_join=join,
        in_window=_in_window("p", src, days),
    )
    whens = [f"WHEN s.customer_id IS NULL THEN '{model.unscored_label.key}'"]
    whens += [_rfm_when(label) for label in model.scored_labels()]
    select = src.fill(_RFM_SELECT, whens="\n".join(f"    {w}" for w in whens))
    ctes += [("purchases", purchases), ("scored", _RFM_SCORED)]
    return _Query(tuple(ctes), select)


def _rfm_when(label: Label) -> str:
    assert label.rule is not None
    bounds = {"r_score": label.rule.r, "f_score": label.rule.f, "m_score": label.rule.m}
    parts = [_score_test(col, lo, hi) for col, (lo, hi) in bounds.items() if (lo, hi) != (1, 5)]
    if not parts:  # a rule allowing every score is the catch-all
        return f"ELSE '{label.key}'"
    return f"WHEN {' AND '.join(parts)} THEN '{label.key}'"


def _score_test(column: str, low: int, high: int) -> str:
    return f"s.{column} = {low}" if low == high else f"s.{column} BETWEEN {low} AND {high}"


_ABC_RANKED = """SELECT r.customer_id, r.revenue,
  SUM(r.revenue) OVER (
    ORDER BY r.revenue DESC, r.customer_id
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS cum_revenue,
  SUM(r.revenue) OVER () AS total_revenue
FROM revenue AS r"""

# Comparing the revenue *before* a customer keeps the one who crosses the threshold in the
# class; DECIMAL arithmetic keeps the boundary exact.
_ABC_SELECT = """SELECT {key} AS customer_id,
  CASE
    WHEN k.customer_id IS NULL THEN 'no_purchases'
    WHEN k.cum_revenue - k.revenue < {a_share} * k.total_revenue THEN 'a'
    WHEN k.cum_revenue - k.revenue < {b_share} * k.total_revenue THEN 'b'
    ELSE 'c'
  END AS label,
  k.revenue,
  CAST(k.cum_revenue AS DOUBLE) / CAST(k.total_revenue AS DOUBLE) AS cum_share
FROM {entity}
LEFT JOIN ranked AS k ON k.customer_id = {key}"""


def _abc(model: AbcModel, src: _Sources) -> _Query:
    params = model.parameters
    select = src.fill(_ABC_SELECT, a_share=f"{params.a_share:f}", b_share=f"{params.b_share:f}")
    return _Query((_revenue_cte(src, params.window_days), ("ranked", _ABC_RANKED)), select)


_TIER_RANKED = """SELECT r.customer_id, r.revenue,
  ROW_NUMBER() OVER (ORDER BY r.revenue DESC, r.customer_id) AS revenue_rank,
  COUNT(*) OVER () AS buyers
FROM revenue AS r"""

_TIER_SELECT = """SELECT {key} AS customer_id,
  CASE
    WHEN k.customer_id IS NULL THEN 'none'
    WHEN k.revenue_rank <= {top} * k.buyers THEN 'top'
    WHEN k.revenue_rank <= {high} * k.buyers THEN 'high'
    WHEN k.revenue_rank <= {mid} * k.buyers THEN 'mid'
    ELSE 'low'
  END AS label,
  k.revenue, k.revenue_rank
FROM {entity}
LEFT JOIN ranked AS k ON k.customer_id = {key}"""


def _value_tier(model: ValueTierModel, src: _Sources) -> _Query:
    params = model.parameters
    top = params.top_share
    high = top + params.high_share
    mid = high + params.mid_share
    select = src.fill(_TIER_SELECT, top=f"{top:f}", high=f"{high:f}", mid=f"{mid:f}")
    return _Query((_revenue_cte(src, params.window_days), ("ranked", _TIER_RANKED)), select)


_LAST_PURCHASE = """SELECT p.customer_id,
  {as_of} - MAX(CAST(p.ts AS DATE)) AS days_since_last
FROM {purchases} AS p
WHERE CAST(p.ts AS DATE) <= {as_of}
GROUP BY p.customer_id"""

_LIFECYCLE_SELECT = """SELECT {key} AS customer_id,
  CASE
    WHEN {signup} > {new_after} THEN 'new'
    WHEN lp.days_since_last <= {active_days} THEN 'active'
    WHEN lp.days_since_last <= {at_risk_days} THEN 'at_risk'
    WHEN lp.days_since_last IS NOT NULL THEN 'lapsed'
    ELSE 'never_purchased'
  END AS label,
  lp.days_since_last,
  {as_of} - {signup} AS days_since_signup
FROM {entity}
LEFT JOIN last_purchase AS lp ON lp.customer_id = {key}"""


def _lifecycle(model: LifecycleModel, src: _Sources) -> _Query:
    params = model.parameters
    last_purchase = src.fill(_LAST_PURCHASE, purchases=src.purchases)
    select = src.fill(
        _LIFECYCLE_SELECT,
        signup=src.signup,
        new_after=_lit(src.as_of - timedelta(days=params.new_days)),
        active_days=str(params.active_days),
        at_risk_days=str(params.at_risk_days),
    )
    return _Query((("last_purchase", last_purchase),), select)


_ENGAGEMENT_EVENTS = """SELECT e.customer_id, e.ts, TRUE AS engagement
FROM {engagement} AS e{unsubscribed}"""

_ENGAGEMENT_PER_CUSTOMER = """SELECT v.customer_id,
  MAX(CASE WHEN NOT v.engagement THEN v.ts END) AS last_unsubscribed_ts,
  MAX(CASE WHEN v.engagement THEN v.ts END) AS last_engagement_ts,
  COUNT(CASE WHEN v.engagement
    AND CAST(v.ts AS DATE) >= {start} THEN 1 END) AS recent_engagements
FROM events AS v
WHERE CAST(v.ts AS DATE) <= {as_of}
GROUP BY v.customer_id"""

# Engaging again after unsubscribing (strictly later) means the unsubscribe no longer holds.
_ENGAGEMENT_SELECT = """SELECT {key} AS customer_id,
  CASE
    WHEN g.last_unsubscribed_ts IS NOT NULL
      AND (g.last_engagement_ts IS NULL
        OR g.last_engagement_ts <= g.last_unsubscribed_ts)
      THEN 'unsubscribed'
    WHEN g.recent_engagements > 0 THEN 'engaged'
    ELSE 'dormant'
  END AS label,
  COALESCE(g.recent_engagements, 0) AS recent_engagements,
  g.last_engagement_ts, g.last_unsubscribed_ts
FROM {entity}
LEFT JOIN engagement AS g ON g.customer_id = {key}"""


def _engagement(model: EngagementModel, src: _Sources) -> _Query:
    start = _window_start(src.as_of, model.parameters.window_days)
    unsub = src.unsubscribed
    # Without unsubscribe events in the catalog nobody is 'unsubscribed'; the rest still holds.
    union = (
        ""
        if unsub is None
        else f"\nUNION ALL\nSELECT u.customer_id, u.ts, FALSE AS engagement\nFROM {unsub} AS u"
    )
    events = src.fill(_ENGAGEMENT_EVENTS, engagement=src.engagement, unsubscribed=union)
    per_customer = src.fill(_ENGAGEMENT_PER_CUSTOMER, start=_lit(start))
    select = src.fill(_ENGAGEMENT_SELECT)
    return _Query((("events", events), ("engagement", per_customer)), select)
