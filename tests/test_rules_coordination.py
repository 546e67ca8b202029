"""Coordination: what qualifies a list of activities qualifies every item of it.

Specifications on three catalogs (parsed, not run):
- a time after a list ("… in store, web and catalog in the last 12 months") or before it ("in the
  last 30 days, which accounts both created a report and exported data?") is every item's time;
- a channel after a list of the same activity ("bought shoes and sporting goods in store") is
  every item's channel, whether the channel is an event of its own (TPC-DS: store purchases, a
  member of the all-channel purchases) or a field of one event (the demo: purchases.channel);
- channels that are events of their own count as one activity for this (web and store purchases);
- a quantity inside a verb phrase the catalog knows ("created more than ten reports") keeps the
  phrase's meaning; a column of the same row named inside the phrase ('reports' in 'created
  reports') is the same thing said twice, not a second filter.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition
from assistant.windows import AllTime, Calendar, Trailing

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12), "saas": date(2026, 9, 30)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def did(source: str, window=None, op: str = ">=", value: int = 1, **filters):
    return ActivityCondition(
        activity=Activity(source=source, filters=filters),
        window=window or AllTime(),
        op=op,
        value=value,
    )


LAST_12M = Trailing(n=12, unit="months")
LAST_30D = Trailing(n=30, unit="days")
LAST_YEAR = Calendar(period="last_year")
LAST_MONTH = Calendar(period="last_month")


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "tpcds",
            "customers who bought through store, web and catalog in the last 12 months",
            [
                did("store_purchases", LAST_12M),
                did("web_purchases", LAST_12M),
                did("catalog_purchases", LAST_12M),
            ],
        ),
        (
            "tpcds",
            "customers who bought on the web and in store last year",
            [did("web_purchases", LAST_YEAR), did("store_purchases", LAST_YEAR)],
        ),
        (
            "retail",
            "customers who bought in store, online and in the app last year",
            [
                did("purchases", LAST_YEAR, channel=["store"]),
                did("purchases", LAST_YEAR, channel=["online"]),
                did("purchases", LAST_YEAR, channel=["app"]),
            ],
        ),
        (
            "saas",
            "accounts that created reports and exported data in the last 30 days",
            [
                did("usage", LAST_30D, event_name=["report_created"]),
                did("usage", LAST_30D, event_name=["export"]),
            ],
        ),
        (
            "saas",
            "in the last 30 days, which accounts both created a report and exported data?",
            [
                did("usage", LAST_30D, event_name=["report_created"]),
                did("usage", LAST_30D, event_name=["export"]),
            ],
        ),
        (
            "saas",
            "accounts that viewed dashboards and created reports last month",
            [
                did("usage", LAST_MONTH, event_name=["dashboard_viewed"]),
                did("usage", LAST_MONTH, event_name=["report_created"]),
            ],
        ),
    ],
)
def test_a_time_before_or_after_a_list_is_every_items_time(schema, request_text, expected):
    assert parse(schema, request_text).conditions == expected


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "tpcds",
            "shoppers who bought shoes and sporting goods in store",
            [
                did("store_purchases", category=["Shoes"]),
                did("store_purchases", category=["Sports"]),
            ],
        ),
        (
            "retail",
            "customers who bought outdoor gear and electronics in the app",
            [
                did("purchases", category=["Outdoor"], channel=["app"]),
                did("purchases", category=["Electronics"], channel=["app"]),
            ],
        ),
    ],
)
def test_a_channel_after_a_list_is_every_items_channel(schema, request_text, expected):
    assert parse(schema, request_text).conditions == expected


def test_a_qualifier_of_another_kind_is_not_shared():
    # 'paid by paypal' narrows its own clause; the outdoor purchase may be paid any way.
    parsed = parse("retail", "customers who bought outdoor gear and paid by paypal")
    assert did("purchases", category=["Outdoor"]) in parsed.conditions


def test_a_quantity_inside_a_known_phrase_keeps_the_phrase():
    parsed = parse("saas", "accounts that created more than ten reports last month")
    assert parsed.conditions == [
        did("usage", LAST_MONTH, op=">", value=10, event_name=["report_created"])
    ]
