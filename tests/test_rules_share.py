"""Shares: "mostly X" / "more than half of their Y are X" is a share condition, never "any X".

Specifications on three catalogs: the share is over the clause's activity (purchases, usage
events, users), of its rows with the values or predicate ("had a discount"); a channel that is an
event of its own (TPC-DS web orders) is a member of the all-channel purchases, so "mostly buy
online" = more than half of all purchases are web orders, counted as distinct orders, not lines;
"more than half of their money online" shares out the amount. The compiled SQL is checked too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition, SegmentSpec, ShareOf

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12), "saas": date(2026, 9, 30)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def share(source: str, field: str | None = None, **of) -> ActivityCondition:
    return ActivityCondition(
        activity=Activity(source=source),
        measure="share",
        field=field,
        share_of=ShareOf(**of),
        op=">",
        value=50,
    )


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "retail",
            "customers where more than half of their orders had a discount",
            share("purchases", predicates=["discounted"]),
        ),
        (
            "retail",
            "shoppers who mostly buy in the app",
            share("purchases", filters={"channel": ["app"]}),
        ),
        ("tpcds", "customers who mostly buy online", share("purchases", member="web_purchases")),
        (
            "tpcds",
            "shoppers who do most of their shopping in store",
            share("purchases", member="store_purchases"),
        ),
        (
            "tpcds",
            "customers who spend more than half of their money with us online",
            share("purchases", field="amount", member="web_purchases"),
        ),
        (
            "saas",
            "accounts where more than half of all activity is viewing dashboards",
            share("usage", filters={"event_name": ["dashboard_viewed"]}),
        ),
        (
            "saas",
            "accounts where most users are viewers",
            share("user_signups", filters={"role": ["viewer"]}),
        ),
    ],
)
def test_mostly_is_more_than_half_of_the_activity(schema, request_text, expected):
    parsed = parse(schema, request_text)
    assert parsed.conditions == [expected]
    assert parsed.unrecognized == []


def test_a_share_of_a_channel_counts_distinct_orders_of_that_member():
    catalog = load_catalog(SCHEMAS / "tpcds.yaml")
    sql = compile_spec(
        SegmentSpec(conditions=[share("purchases", member="web_purchases")]),
        AS_OF["tpcds"],
        catalog,
    ).sql
    assert "'web_purchases' AS member" in sql
    assert "count(DISTINCT CASE WHEN purchases.member = 'web_purchases'" in sql


def test_a_share_of_money_sums_the_amount():
    catalog = load_catalog(SCHEMAS / "tpcds.yaml")
    spec = SegmentSpec(conditions=[share("purchases", field="amount", member="web_purchases")])
    sql = compile_spec(spec, AS_OF["tpcds"], catalog).sql
    assert "sum(CASE WHEN purchases.member = 'web_purchases' THEN purchases.amount" in sql


def test_a_member_must_belong_to_the_union():
    catalog = load_catalog(SCHEMAS / "tpcds.yaml")
    with pytest.raises(ValueError, match="not one of the events"):
        ActivityCondition.model_validate(
            share("store_purchases", member="web_purchases").model_dump(),
            context={"catalog": catalog},
        )


def test_the_most_after_a_number_is_a_ranking_of_that_size():
    parsed = parse("saas", "the 50 accounts that paid us the most in the past 12 months")
    (rank,) = parsed.conditions
    assert (rank.kind, rank.direction, rank.n, rank.unit, rank.measure) == (
        "rank",
        "top",
        50,
        "customers",
        "sum",
    )
