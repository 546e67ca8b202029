"""Segment results: how many customers a guarded query selects and who they are.

Everything is read through the catalog: the customer table and key (`catalog.entity`), the
purchases, revenue and category roles for the 12-month figures, trait properties for the
breakdowns. A figure whose role the catalog lacks is left out (None) with a note in
`Profile.notes`, never an error.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, PrivateAttr

from assistant import roles, traits
from assistant.executor import Executor
from assistant.spec import type_kind

if TYPE_CHECKING:
    from assistant.catalog import Catalog
    from assistant.traits import Traits

SAMPLE_SIZE = 20
SAMPLE_COLUMNS = 8  # the key and the first text columns of the entity table
TOP_CATEGORIES = 5
BREAKDOWNS = 4  # how many customer properties the profile breaks down by
MAX_BREAKDOWN_VALUES = 8


class Share(BaseModel):
    """One bar of a breakdown: a value, how many segment members have it and their share."""

    value: str
    count: int
    share: float


class Profile(BaseModel):
    """Who is in the segment, measured over the 12 months before the data's as_of date."""

    window: str
    revenue_12m: float | None = None
    purchases_12m: int | None = None
    buyers_12m: int | None = None
    aov_12m: float | None = None
    median_days_since_last_purchase: float | None = None
    top_categories: list[Share] = Field(default_factory=list)
    breakdowns: dict[str, list[Share]] = Field(default_factory=dict)
    # property -> what a person calls it, for chart titles
    breakdown_titles: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class SegmentResult(BaseModel):
    """The answer to one segment query (the CLI's JSON output and the UI's data)."""

    sql: str
    count: int = 0
    share: float = 0.0
    base_count: int = 0
    profile: Profile | None = None
    sample: list[dict[str, Any]] = Field(default_factory=list)
    elapsed_ms: float = 0.0
    error: str | None = None
    # Every category's 12-month spend and buyers in the segment ({category, amount, buyers}):
    # the look-alike ideas need the same figures, so they are kept rather than queried again.
    _category_spend: list[dict[str, Any]] | None = PrivateAttr(default=None)


def twelve_month_window(as_of: date) -> tuple[date, date]:
    """The 365 days ending on as_of, inclusive (the same window RFM and ABC use)."""
    return as_of - timedelta(days=364), as_of


def catalog_as_of(executor: Executor, catalog: Catalog) -> date:
    """The catalog's anchor date in this database (today when the anchor gives nothing)."""
    value = executor.anchor(catalog.anchor_sql)  # cached per database file version
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.today()


def breakdown_properties(catalog: Catalog) -> list[str]:
    """The properties a profile breaks down by: the broadest geography level first, then the
    enumerated properties with few values, in catalog order."""
    return roles.trait_properties(catalog, max_values=MAX_BREAKDOWN_VALUES)[:BREAKDOWNS]


def sample_columns(catalog: Catalog) -> list[str]:
    """The properties a sample shows: the entity's identifying fields (`entity.fields`; else the
    key and its first text columns), then the geography levels."""
    key = catalog.entity.key
    fields = list(catalog.entity.fields)
    if not fields:
        entity = catalog.tables[catalog.entity.table]
        text = [
            n for n, col in entity.columns.items() if n != key and type_kind(col.type) == "text"
        ]
        fields = [key, *text[: SAMPLE_COLUMNS - 1 - len(catalog.roles.geography)]]
    if key not in fields:
        fields.insert(0, key)
    extra = [g for g in catalog.roles.geography if g not in fields]
    return [*fields, *extra][: max(SAMPLE_COLUMNS, len(fields))]


def _segment_cte(sql: str) -> str:
    # The guarded query may carry CTEs, ORDER BY or LIMIT: a derived table keeps them intact.
    return f"WITH seg AS (SELECT DISTINCT customer_id FROM ({sql}) AS q)"


def count_segment(executor: Executor, sql: str, catalog: Catalog) -> tuple[int, int]:
    """Distinct members of the segment and the size of the whole customer base."""
    row = executor.query(
        f"{_segment_cte(sql)} SELECT (SELECT count(*) FROM seg), "
        f"(SELECT count(*) FROM {roles.entity_table(catalog)})"
    ).rows[0]
    return int(row[0]), int(row[1])


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def segment_result(
    executor: Executor, sql: str, as_of: date, catalog: Catalog, *, with_profile: bool = True
) -> SegmentResult:
    """Count, profile and sample a query that has already passed the guard.

    With the profile, everything comes from one query over the segment materialised once
    (five separate queries evaluated the segment five times; measured 1.1-1.2x slower).
    """
    started = time.perf_counter()
    if with_profile:
        result = _profiled(executor, sql, as_of, catalog)
    else:
        count, base = count_segment(executor, sql, catalog)
        result = SegmentResult(sql=sql, count=count, base_count=base, share=_ratio(count, base))
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def profile_notes(catalog: Catalog) -> list[str]:
    """One line per profile figure the catalog's roles switch off."""
    notes = []
    if catalog.roles.purchases is None:
        notes.append(roles.missing_note("purchases, recency and order value", "purchases"))
    if roles.revenue_measure(catalog) is None:
        notes.append(roles.missing_note("12-month revenue", "revenue"))
    if catalog.roles.category is None or catalog.roles.purchases is None:
        notes.append(roles.missing_note("top categories", "category"))
    return notes


class _ProfileQuery:
    """The one profile query, assembled from the parts this catalog's roles allow. A part read
    by several of the final values is MATERIALIZED: inlined, it ran once per value (~20% of the
    query at 1M customers)."""

    def __init__(self, sql: str, as_of: date, catalog: Catalog, traits: Traits) -> None:
        self.as_of, self.catalog, self.traits = as_of, catalog, traits
        entity, key = roles.entity_table(catalog), roles.entity_key(catalog)
        self.ctes = [f"seg AS MATERIALIZED (SELECT DISTINCT customer_id FROM ({sql}) AS q)"]
        self.values: dict[str, str] = {
            "count": "(SELECT count(*) FROM seg)",
            "base": f"(SELECT count(*) FROM {entity})",
        }
        self.entity, self.key = entity, key
        self._figures()
        self._categories()
        self._breakdowns()
        self._sample()

    def _figures(self) -> None:
        """Purchases, buyers, recency and revenue: one aggregate over the members' traits."""
        columns, figures = self.traits.columns, {}
        if columns.purchases:
            bought = "t.last_ts IS NOT NULL"
            days = f"date_diff('day', CAST(t.last_ts AS DATE), DATE '{self.as_of}')"
            figures |= {
                "purchases": f"coalesce(sum(t.purchases_12m) FILTER (WHERE {bought}), 0)",
                "buyers": f"count(*) FILTER (WHERE {bought} AND t.purchases_12m > 0)",
                "median_days": f"median({days}) FILTER (WHERE {bought})",
            }
        if columns.revenue:
            figures["revenue"] = "coalesce(sum(t.revenue_12m), 0)"
        if not figures:
            return
        selects = ", ".join(f"{expr} AS {name}" for name, expr in figures.items())
        self.ctes.append(
            f"figures AS MATERIALIZED (\n    SELECT {selects}\n"
            f"    FROM {self.traits.relation} AS t JOIN seg USING (customer_id))"
        )
        self.values |= {name: f"(SELECT {name} FROM figures)" for name in figures}

    def _categories(self) -> None:
        relation = self.traits.categories
        if relation is None:
            return
        self.ctes += [
            "spend AS MATERIALIZED (\n"
            "    SELECT c.category, sum(c.amount) AS amount, count(*) AS buyers\n"
            f"    FROM {relation} AS c JOIN seg USING (customer_id) GROUP BY c.category)",
            "top AS (\n"
            "    SELECT category, amount, amount / sum(amount) OVER () AS share FROM spend\n"
            f"    ORDER BY amount DESC, category LIMIT {TOP_CATEGORIES})",
        ]
        self.values["spend_all"] = (
            "(SELECT list(struct_pack(category := category, amount := amount, buyers := buyers)) "
            "FROM spend)"
        )
        self.values["top"] = (
            "(SELECT list([CAST(category AS VARCHAR), amount::VARCHAR, share::VARCHAR] "
            "ORDER BY amount DESC, category) FROM top)"
        )

    def _breakdowns(self) -> None:
        self.breakdowns = breakdown_properties(self.catalog)
        if not self.breakdowns:
            return
        names = [f"b{i}" for i in range(len(self.breakdowns))]
        columns = self.traits.columns
        if columns.has_properties(self.breakdowns):  # evaluated once, held as codes
            values = [f"t.{columns.prop(p)}" for p in self.breakdowns]
            source = f"{self.traits.relation} AS t JOIN seg USING (customer_id)"
        else:
            values = [roles.property_sql(self.catalog, p, self.as_of) for p in self.breakdowns]
            source = f"{self.entity} JOIN seg ON seg.customer_id = {self.key}"
        exprs = [
            f"coalesce(CAST({v} AS VARCHAR), 'unknown') AS {n}"
            for v, n in zip(values, names, strict=True)
        ]
        self.ctes += [
            f"members AS (\n    SELECT {', '.join(exprs)}\n    FROM {source})",
            "breakdown AS MATERIALIZED (\n"
            f"    SELECT {', '.join(names)}, count(*) AS n\n"
            f"    FROM members GROUP BY GROUPING SETS ({', '.join(f'({n})' for n in names)}))",
        ]
        self.values["groups"] = f"(SELECT list([{', '.join(names)}, n::VARCHAR]) FROM breakdown)"

    def _sample(self) -> None:
        self.sample_columns = sample_columns(self.catalog)
        entity = self.entity
        cols = ", ".join(
            f"{roles.property_sql(self.catalog, c, self.as_of)} AS {c}" for c in self.sample_columns
        )
        # The sample's keys are picked from the members alone; only they read the entity's wide
        # rows (ordering every member's names and emails cost ~40 ms per 500k members).
        self.ctes += [
            "sample_keys AS (\n"
            f"    SELECT customer_id FROM seg ORDER BY hash(customer_id), customer_id "
            f"LIMIT {SAMPLE_SIZE})",
            "sample AS (\n"
            f"    SELECT {self.key} AS sample_key, {cols}\n"
            f"    FROM {entity} JOIN sample_keys ON sample_keys.customer_id = {self.key})",
        ]
        fields = ", ".join(f"{c} := {c}" for c in self.sample_columns)
        self.values["sample"] = (
            "(SELECT list(struct_pack("
            f"{fields}) ORDER BY hash(sample_key), sample_key) FROM sample)"
        )

    def sql(self) -> str:
        selects = ",\n    ".join(f"{expr} AS {name}" for name, expr in self.values.items())
        return "WITH " + ",\n".join(self.ctes) + f"\nSELECT\n    {selects}"


def _profiled(executor: Executor, sql: str, as_of: date, catalog: Catalog) -> SegmentResult:
    query = _ProfileQuery(sql, as_of, catalog, traits.get(executor, catalog, as_of))
    result = executor.query(query.sql())
    row = dict(zip(query.values, result.rows[0], strict=True))
    count, base = int(row["count"]), int(row["base"])
    start, end = twelve_month_window(as_of)
    revenue = row.get("revenue")
    purchases = row.get("purchases")
    median_days = row.get("median_days")
    profile = Profile(
        window=f"{start} … {end}",
        revenue_12m=None if revenue is None else round(float(revenue), 2),  # cents
        purchases_12m=None if purchases is None else int(purchases),
        buyers_12m=None if row.get("buyers") is None else int(row["buyers"]),
        aov_12m=(
            round(float(revenue) / int(purchases), 2) if revenue is not None and purchases else None
        ),
        median_days_since_last_purchase=None if median_days is None else float(median_days),
        top_categories=[
            Share(value=c, count=int(float(a)), share=round(float(s), 4))
            for c, a, s in row.get("top") or []
        ],
        breakdowns=_breakdowns(query.breakdowns, row.get("groups") or [], count),
        breakdown_titles={p: catalog.property_label(p) for p in query.breakdowns},
        notes=profile_notes(catalog),
    )
    result_ = SegmentResult(sql=sql, count=count, base_count=base, share=_ratio(count, base))
    result_.profile = profile
    result_.sample = [dict(member) for member in row.get("sample") or []]
    if "spend_all" in row:
        result_._category_spend = [dict(item) for item in row["spend_all"] or []]
    return result_


def _breakdowns(
    names: list[str], groups: list[list[str | None]], count: int
) -> dict[str, list[Share]]:
    result: dict[str, list[Share]] = {name: [] for name in names}
    for group in groups:
        n = int(group[-1])
        for name, value in zip(names, group[:-1], strict=True):
            if value is not None:
                result[name].append(Share(value=str(value), count=n, share=_ratio(n, count)))
    for shares in result.values():
        shares.sort(key=lambda s: (-s.count, s.value))
    return result
