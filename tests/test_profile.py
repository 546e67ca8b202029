"""Specification of the segment profile (assistant.profile) read through the catalog's roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.catalog import Roles, load_catalog
from assistant.profile import (
    breakdown_properties,
    catalog_as_of,
    count_segment,
    profile_notes,
    sample_columns,
    segment_result,
)

CATALOG = load_catalog()
BARE = CATALOG.model_copy(update={"roles": Roles()})
GOLD = "SELECT customer_id FROM customers WHERE loyalty_tier IN ('gold', 'platinum')"


@pytest.fixture(scope="module")
def as_of(executor):
    return catalog_as_of(executor, CATALOG)


def test_the_anchor_is_the_catalogs(executor, as_of):
    assert as_of == executor.scalar("SELECT max(as_of) FROM dataset_info")


def test_counts_use_the_entity_table(executor):
    assert count_segment(executor, GOLD, CATALOG) == (
        executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({GOLD}) AS q"),
        executor.scalar("SELECT count(*) FROM customers"),
    )


def test_profile_figures_match_an_independent_computation(executor, as_of):
    profile = segment_result(executor, GOLD, as_of, CATALOG).profile
    assert profile is not None and profile.notes == []
    start = as_of - timedelta(days=364)
    window = (
        f"t.status = 'completed' AND CAST(t.transaction_ts AS DATE) "
        f"BETWEEN DATE '{start}' AND DATE '{as_of}'"
    )
    members = f"t.customer_id IN (SELECT customer_id FROM ({GOLD}) AS q)"
    revenue, purchases, buyers = executor.query(
        f"""SELECT sum(total_amount), count(*), count(DISTINCT customer_id)
            FROM transactions t WHERE {window} AND {members}"""
    ).rows[0]
    assert profile.revenue_12m == pytest.approx(float(revenue), abs=0.01)
    assert (profile.purchases_12m, profile.buyers_12m) == (purchases, buyers)
    assert profile.aov_12m == round(float(revenue) / purchases, 2)
    top = executor.query(
        f"""SELECT p.category, sum(i.quantity * i.unit_price) AS spend
            FROM transactions t JOIN transaction_items i USING (transaction_id)
            JOIN products p USING (product_id)
            WHERE {window} AND {members} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5"""
    ).rows
    assert [(s.value, s.count) for s in profile.top_categories] == [
        (category, int(spend)) for category, spend in top
    ]
    gender = dict(
        executor.query(
            f"SELECT coalesce(gender, 'unknown'), count(*) FROM customers t WHERE {members} "
            "GROUP BY 1"
        ).rows
    )
    assert {s.value: s.count for s in profile.breakdowns["gender"]} == gender


def test_breakdowns_and_sample_come_from_the_catalog(executor, as_of):
    result = segment_result(executor, GOLD, as_of, CATALOG)
    assert list(result.profile.breakdowns) == breakdown_properties(CATALOG)
    assert breakdown_properties(CATALOG)[0] == "country"  # the broadest geography level first
    columns = sample_columns(CATALOG)
    assert columns[: len(CATALOG.entity.fields)] == CATALOG.entity.fields
    assert {"country", "region", "city"} <= set(columns)
    assert result.sample and all(list(member) == columns for member in result.sample)


def test_a_catalog_without_roles_profiles_without_the_activity_figures(executor, as_of):
    result = segment_result(executor, GOLD, as_of, BARE)
    profile = result.profile
    assert result.count > 0 and profile is not None
    assert profile.revenue_12m is profile.purchases_12m is profile.aov_12m is None
    assert profile.top_categories == []
    assert profile.breakdowns["gender"]
    assert profile.notes == profile_notes(BARE) and len(profile.notes) == 3
