"""Built-in segmentation models (RFM, ABC, lifecycle, value tiers, engagement tiers) as SQL.

The definitions (descriptions, parameters, labels, RFM rules) live in
`schemas/segment_models.yaml`; this module validates them and turns each model into one set-based
DuckDB query that labels every customer exactly once.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from assistant.config import SCHEMAS_DIR

DEFAULT_PATH = SCHEMAS_DIR / "segment_models.yaml"
ENGAGEMENT_EVENTS = ("opened", "clicked", "converted")
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


# --- SQL --------------------------------------------------------------------------------------


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


def assignment_sql(model: str, as_of: date) -> str:
    """SELECT customer_id, label (the key) and the model's scores: one row for every customer."""
    return _build(model, as_of).render()


def membership_sql(model: str, label: str, as_of: date) -> str:
    """SELECT customer_id of the customers holding `label` (key, display name or synonym)."""
    key = resolve_label(model, label).key
    tail = f"SELECT assignment.customer_id\nFROM assignment\nWHERE assignment.label = '{key}'"
    return _build(model, as_of).render(tail)


def _build(model: str, as_of: date) -> _Query:
    catalog = load_models()
    builders = {
        "rfm": _rfm,
        "abc": _abc,
        "lifecycle": _lifecycle,
        "value_tier": _value_tier,
        "engagement_tier": _engagement,
    }
    definition = catalog.get(model)
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    return builders[model](definition, day)


def _lit(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _window_start(as_of: date, days: int) -> date:
    # "The last N days" includes as_of itself, so it starts N - 1 days earlier.
    return as_of - timedelta(days=days - 1)


def _indent(sql: str) -> str:
    return "\n".join("  " + line for line in sql.splitlines())


def _completed_in_window(as_of: date, days: int) -> str:
    start = _window_start(as_of, days)
    return (
        "t.status = 'completed'\n"
        f"  AND CAST(t.transaction_ts AS DATE) BETWEEN {_lit(start)} AND {_lit(as_of)}"
    )


def _revenue_cte(as_of: date, days: int) -> tuple[str, str]:
    return (
        "revenue",
        "SELECT t.customer_id, SUM(t.total_amount) AS revenue\n"
        "FROM transactions AS t\n"
        f"WHERE {_completed_in_window(as_of, days)}\n"
        "GROUP BY t.customer_id\n"
        "HAVING SUM(t.total_amount) > 0",
    )


def _rfm(model: RfmModel, as_of: date) -> _Query:
    purchases = (
        "SELECT t.customer_id,\n"
        f"  {_lit(as_of)} - MAX(CAST(t.transaction_ts AS DATE)) AS recency_days,\n"
        "  COUNT(*) AS frequency,\n"
        "  SUM(t.total_amount) AS monetary\n"
        "FROM transactions AS t\n"
        f"WHERE {_completed_in_window(as_of, model.parameters.window_days)}\n"
        "GROUP BY t.customer_id"
    )
    scored = (
        "SELECT p.customer_id,\n"
        "  p.recency_days,\n"
        "  p.frequency,\n"
        "  p.monetary,\n"
        "  NTILE(5) OVER (ORDER BY p.recency_days DESC, p.customer_id) AS r_score,\n"
        "  NTILE(5) OVER (ORDER BY p.frequency, p.customer_id) AS f_score,\n"
        "  NTILE(5) OVER (ORDER BY p.monetary, p.customer_id) AS m_score\n"
        "FROM purchases AS p"
    )
    whens = [f"WHEN s.customer_id IS NULL THEN '{model.unscored_label.key}'"]
    whens += [_rfm_when(label) for label in model.scored_labels()]
    select = (
        "SELECT c.customer_id,\n"
        "  CASE\n" + "\n".join(f"    {w}" for w in whens) + "\n  END AS label,\n"
        "  s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score\n"
        "FROM customers AS c\n"
        "LEFT JOIN scored AS s ON s.customer_id = c.customer_id"
    )
    return _Query((("purchases", purchases), ("scored", scored)), select)


def _rfm_when(label: Label) -> str:
    assert label.rule is not None
    bounds = {"r_score": label.rule.r, "f_score": label.rule.f, "m_score": label.rule.m}
    parts = [_score_test(col, lo, hi) for col, (lo, hi) in bounds.items() if (lo, hi) != (1, 5)]
    if not parts:  # a rule allowing every score is the catch-all
        return f"ELSE '{label.key}'"
    return f"WHEN {' AND '.join(parts)} THEN '{label.key}'"


def _score_test(column: str, low: int, high: int) -> str:
    return f"s.{column} = {low}" if low == high else f"s.{column} BETWEEN {low} AND {high}"


def _abc(model: AbcModel, as_of: date) -> _Query:
    params = model.parameters
    ranked = (
        "SELECT r.customer_id, r.revenue,\n"
        "  SUM(r.revenue) OVER (\n"
        "    ORDER BY r.revenue DESC, r.customer_id\n"
        "    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW\n"
        "  ) AS cum_revenue,\n"
        "  SUM(r.revenue) OVER () AS total_revenue\n"
        "FROM revenue AS r"
    )
    # Comparing the revenue *before* a customer keeps the one who crosses the threshold in the
    # class; DECIMAL arithmetic keeps the boundary exact.
    select = (
        "SELECT c.customer_id,\n"
        "  CASE\n"
        "    WHEN k.customer_id IS NULL THEN 'no_purchases'\n"
        f"    WHEN k.cum_revenue - k.revenue < {params.a_share:f} * k.total_revenue THEN 'a'\n"
        f"    WHEN k.cum_revenue - k.revenue < {params.b_share:f} * k.total_revenue THEN 'b'\n"
        "    ELSE 'c'\n"
        "  END AS label,\n"
        "  k.revenue,\n"
        "  CAST(k.cum_revenue AS DOUBLE) / CAST(k.total_revenue AS DOUBLE) AS cum_share\n"
        "FROM customers AS c\n"
        "LEFT JOIN ranked AS k ON k.customer_id = c.customer_id"
    )
    return _Query((_revenue_cte(as_of, params.window_days), ("ranked", ranked)), select)


def _value_tier(model: ValueTierModel, as_of: date) -> _Query:
    params = model.parameters
    top = params.top_share
    high = top + params.high_share
    mid = high + params.mid_share
    ranked = (
        "SELECT r.customer_id, r.revenue,\n"
        "  ROW_NUMBER() OVER (ORDER BY r.revenue DESC, r.customer_id) AS revenue_rank,\n"
        "  COUNT(*) OVER () AS buyers\n"
        "FROM revenue AS r"
    )
    select = (
        "SELECT c.customer_id,\n"
        "  CASE\n"
        "    WHEN k.customer_id IS NULL THEN 'none'\n"
        f"    WHEN k.revenue_rank <= {top:f} * k.buyers THEN 'top'\n"
        f"    WHEN k.revenue_rank <= {high:f} * k.buyers THEN 'high'\n"
        f"    WHEN k.revenue_rank <= {mid:f} * k.buyers THEN 'mid'\n"
        "    ELSE 'low'\n"
        "  END AS label,\n"
        "  k.revenue, k.revenue_rank\n"
        "FROM customers AS c\n"
        "LEFT JOIN ranked AS k ON k.customer_id = c.customer_id"
    )
    return _Query((_revenue_cte(as_of, params.window_days), ("ranked", ranked)), select)


def _lifecycle(model: LifecycleModel, as_of: date) -> _Query:
    params = model.parameters
    last_purchase = (
        "SELECT t.customer_id,\n"
        f"  {_lit(as_of)} - MAX(CAST(t.transaction_ts AS DATE)) AS days_since_last\n"
        "FROM transactions AS t\n"
        f"WHERE t.status = 'completed' AND CAST(t.transaction_ts AS DATE) <= {_lit(as_of)}\n"
        "GROUP BY t.customer_id"
    )
    new_after = as_of - timedelta(days=params.new_days)
    select = (
        "SELECT c.customer_id,\n"
        "  CASE\n"
        f"    WHEN c.signup_date > {_lit(new_after)} THEN 'new'\n"
        f"    WHEN lp.days_since_last <= {params.active_days} THEN 'active'\n"
        f"    WHEN lp.days_since_last <= {params.at_risk_days} THEN 'at_risk'\n"
        "    WHEN lp.days_since_last IS NOT NULL THEN 'lapsed'\n"
        "    ELSE 'never_purchased'\n"
        "  END AS label,\n"
        "  lp.days_since_last,\n"
        f"  {_lit(as_of)} - c.signup_date AS days_since_signup\n"
        "FROM customers AS c\n"
        "LEFT JOIN last_purchase AS lp ON lp.customer_id = c.customer_id"
    )
    return _Query((("last_purchase", last_purchase),), select)


def _engagement(model: EngagementModel, as_of: date) -> _Query:
    start = _window_start(as_of, model.parameters.window_days)
    engaged = "e.event_type IN (" + ", ".join(f"'{t}'" for t in ENGAGEMENT_EVENTS) + ")"
    per_customer = (
        "SELECT e.customer_id,\n"
        "  MAX(CASE WHEN e.event_type = 'unsubscribed' THEN e.event_ts END)\n"
        "    AS last_unsubscribed_ts,\n"
        f"  MAX(CASE WHEN {engaged} THEN e.event_ts END) AS last_engagement_ts,\n"
        f"  COUNT(CASE WHEN {engaged}\n"
        f"    AND CAST(e.event_ts AS DATE) >= {_lit(start)} THEN 1 END) AS recent_engagements\n"
        "FROM campaign_events AS e\n"
        f"WHERE CAST(e.event_ts AS DATE) <= {_lit(as_of)}\n"
        "GROUP BY e.customer_id"
    )
    # Engaging again after unsubscribing (strictly later) means the unsubscribe no longer holds.
    select = (
        "SELECT c.customer_id,\n"
        "  CASE\n"
        "    WHEN g.last_unsubscribed_ts IS NOT NULL\n"
        "      AND (g.last_engagement_ts IS NULL\n"
        "        OR g.last_engagement_ts <= g.last_unsubscribed_ts)\n"
        "      THEN 'unsubscribed'\n"
        "    WHEN g.recent_engagements > 0 THEN 'engaged'\n"
        "    ELSE 'dormant'\n"
        "  END AS label,\n"
        "  COALESCE(g.recent_engagements, 0) AS recent_engagements,\n"
        "  g.last_engagement_ts, g.last_unsubscribed_ts\n"
        "FROM customers AS c\n"
        "LEFT JOIN engagement AS g ON g.customer_id = c.customer_id"
    )
    return _Query((("engagement", per_customer),), select)
