"""Segment results: how many customers a guarded query selects and who they are."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from assistant.executor import Executor

SAMPLE_SIZE = 20
TOP_CATEGORIES = 5
BREAKDOWNS = ("gender", "age_band", "country", "loyalty_tier")


class Share(BaseModel):
    """One bar of a breakdown: a value, how many segment members have it and their share."""

    value: str
    count: int
    share: float


class Profile(BaseModel):
    """Who is in the segment, measured over the 12 months before the data's as_of date."""

    window: str
    revenue_12m: float
    purchases_12m: int
    buyers_12m: int
    aov_12m: float | None
    median_days_since_last_purchase: float | None
    top_categories: list[Share] = Field(default_factory=list)
    breakdowns: dict[str, list[Share]] = Field(default_factory=dict)


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


def twelve_month_window(as_of: date) -> tuple[date, date]:
    """The 365 days ending on as_of, inclusive (the same window RFM and ABC use)."""
    return as_of - timedelta(days=364), as_of


def age_band_sql(as_of: date) -> str:
    age = f"date_part('year', age(DATE '{as_of.isoformat()}', c.birth_date))"
    return (
        f"CASE WHEN {age} < 25 THEN '18-24' WHEN {age} < 35 THEN '25-34' "
        f"WHEN {age} < 45 THEN '35-44' WHEN {age} < 55 THEN '45-54' "
        f"WHEN {age} < 65 THEN '55-64' ELSE '65+' END"
    )


def _segment_cte(sql: str) -> str:
    # The guarded query may carry CTEs, ORDER BY or LIMIT: a derived table keeps them intact.
    return f"WITH seg AS (SELECT DISTINCT customer_id FROM ({sql}) AS q)"


def profile_segment(executor: Executor, sql: str, as_of: date, count: int) -> Profile:
    start, end = twelve_month_window(as_of)
    seg = _segment_cte(sql)
    window = f"t.transaction_ts >= DATE '{start}' AND t.transaction_ts < DATE '{end}' + 1"
    metrics = executor.query(
        f"""{seg}, tx AS (
            SELECT t.customer_id, count(*) AS n, sum(t.total_amount) AS revenue
            FROM transactions t JOIN seg USING (customer_id)
            WHERE t.status = 'completed' AND {window}
            GROUP BY t.customer_id),
        last_purchase AS (
            SELECT t.customer_id, max(t.transaction_ts) AS last_ts
            FROM transactions t JOIN seg USING (customer_id)
            WHERE t.status = 'completed' GROUP BY t.customer_id)
        SELECT (SELECT coalesce(sum(revenue), 0) FROM tx), (SELECT coalesce(sum(n), 0) FROM tx),
               (SELECT count(*) FROM tx),
               (SELECT median(date_diff('day', CAST(last_ts AS DATE), DATE '{as_of}'))
                FROM last_purchase)"""
    ).rows[0]
    revenue, purchases, buyers, median_days = metrics
    return Profile(
        window=f"{start} … {end}",
        revenue_12m=float(revenue),
        purchases_12m=int(purchases),
        buyers_12m=int(buyers),
        aov_12m=round(float(revenue) / purchases, 2) if purchases else None,
        median_days_since_last_purchase=None if median_days is None else float(median_days),
        top_categories=_top_categories(executor, seg, window),
        breakdowns=_breakdowns(executor, seg, as_of, count),
    )


def _top_categories(executor: Executor, seg: str, window: str) -> list[Share]:
    rows = executor.query(
        f"""{seg}, spend AS (
            SELECT p.category, sum(i.quantity * i.unit_price) AS amount
            FROM transactions t JOIN seg USING (customer_id)
            JOIN transaction_items i ON i.transaction_id = t.transaction_id
            JOIN products p ON p.product_id = i.product_id
            WHERE t.status = 'completed' AND {window}
            GROUP BY p.category)
        SELECT category, amount, amount / sum(amount) OVER () FROM spend
        ORDER BY amount DESC, category LIMIT {TOP_CATEGORIES}"""
    ).rows
    # For categories the "count" is spend in whole currency units; share is of the segment's spend.
    return [Share(value=r[0], count=int(r[1]), share=round(float(r[2]), 4)) for r in rows]


def _breakdowns(executor: Executor, seg: str, as_of: date, count: int) -> dict[str, list[Share]]:
    rows = executor.query(
        f"""{seg}, members AS (
            SELECT coalesce(c.gender, 'unknown') AS gender, {age_band_sql(as_of)} AS age_band,
                   c.country, c.loyalty_tier
            FROM customers c JOIN seg USING (customer_id))
        SELECT gender, age_band, country, loyalty_tier, count(*) AS n
        FROM members GROUP BY GROUPING SETS ((gender), (age_band), (country), (loyalty_tier))"""
    ).rows
    result: dict[str, list[Share]] = {name: [] for name in BREAKDOWNS}
    for row in rows:
        n = int(row[-1])
        for name, value in zip(BREAKDOWNS, row[:-1], strict=True):
            if value is not None:
                result[name].append(Share(value=str(value), count=n, share=_ratio(n, count)))
    for shares in result.values():
        shares.sort(key=lambda s: (-s.count, s.value))
    return result


def sample_members(executor: Executor, sql: str, size: int = SAMPLE_SIZE) -> list[dict[str, Any]]:
    # Ordered by a hash so the sample is spread over the segment yet the same on every run.
    result = executor.query(
        f"""{_segment_cte(sql)}
        SELECT c.customer_id, c.first_name, c.last_name, c.email, c.country, c.region,
               c.loyalty_tier, c.lifestyle
        FROM customers c JOIN seg USING (customer_id)
        ORDER BY hash(c.customer_id), c.customer_id LIMIT {int(size)}"""
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def count_segment(executor: Executor, sql: str) -> tuple[int, int]:
    """Distinct members of the segment and the size of the whole customer base."""
    row = executor.query(
        f"{_segment_cte(sql)} SELECT (SELECT count(*) FROM seg), (SELECT count(*) FROM customers)"
    ).rows[0]
    return int(row[0]), int(row[1])


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def segment_result(
    executor: Executor, sql: str, as_of: date, *, with_profile: bool = True
) -> SegmentResult:
    """Count, profile and sample a query that has already passed the guard."""
    started = time.perf_counter()
    count, base = count_segment(executor, sql)
    result = SegmentResult(sql=sql, count=count, base_count=base, share=_ratio(count, base))
    if with_profile:
        result.profile = profile_segment(executor, sql, as_of, count)
        result.sample = sample_members(executor, sql)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result
