"""Recency: "last X more than N ago" asks about the latest X, and someone who never did X has none.

Specifications on three catalogs (parsed, not run): a recency on an event is days since its latest
row, counted on the calendar at as_of (four months before 30 Sep is 30 May: 123 days), with the
clause's own qualifiers (a channel, "login"); when never-doers would meet it ("more than …") it
needs at least one such event. "Haven't X since <date>" is the same shape: at least one, and none
from that date on ("since 2001", a bare year, names the last year they did it in).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition
from assistant.windows import Since

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12), "saas": date(2026, 9, 30)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def ever(source: str, **filters) -> ActivityCondition:
    return ActivityCondition(activity=Activity(source=source, filters=filters), op=">=", value=1)


def since_last(source: str, op: str, days, **filters) -> ActivityCondition:
    return ActivityCondition(
        activity=Activity(source=source, filters=filters),
        measure="days_since_last",
        op=op,
        value=days,
    )


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "retail",
            "customers whose last purchase was more than four months ago",
            [ever("purchases"), since_last("purchases", ">", 123)],
        ),
        (
            "retail",
            "customers whose most recent order is older than 90 days",
            [ever("purchases"), since_last("purchases", ">", 90)],
        ),
        (
            "retail",
            "people who last ordered over a year ago",
            [ever("purchases"), since_last("purchases", ">", 365)],
        ),
        (
            "tpcds",
            "shoppers whose last web order was more than 90 days ago",
            [ever("web_purchases"), since_last("web_purchases", ">", 90)],
        ),
        (
            "tpcds",
            "customers whose most recent store visit was over a year ago",
            [ever("store_purchases"), since_last("store_purchases", ">", 365)],
        ),
        (
            "saas",
            "accounts whose last login was more than 60 days ago",
            [
                ever("usage", event_name=["login"]),
                since_last("usage", ">", 60, event_name=["login"]),
            ],
        ),
        (
            "saas",
            "accounts that last logged in over sixty days ago",
            [
                ever("usage", event_name=["login"]),
                since_last("usage", ">", 60, event_name=["login"]),
            ],
        ),
    ],
)
def test_a_last_time_long_ago_needs_one_and_counts_calendar_days(schema, request_text, expected):
    parsed = parse(schema, request_text)
    assert parsed.conditions == expected
    assert parsed.unrecognized == []


def test_a_range_of_months_ago_is_a_window_of_months_and_needs_no_extra_condition():
    # As "the last 12 months" is: from 12 months before the end of 12 Jan 2003 (13 Jan 2002,
    # 364 days) up to 3 months before it (the last one by 12 Oct 2002, 92 days), as most blind
    # writers count it.
    parsed = parse("tpcds", "customers whose last purchase was between 3 and 12 months ago")
    assert parsed.conditions == [since_last("purchases", "between", [92, 364])]


def test_a_range_of_days_ago_includes_both_ends():
    parsed = parse("tpcds", "customers whose last purchase was between 30 and 60 days ago")
    assert parsed.conditions == [since_last("purchases", "between", [30, 60])]


@pytest.mark.parametrize(
    ("schema", "request_text", "source", "start"),
    [
        ("retail", "customers who haven't bought since March", "purchases", date(2026, 3, 1)),
        (
            "tpcds",
            "customers who haven't shopped with us since 2001",
            "purchases",
            date(2002, 1, 1),
        ),
    ],
)
def test_not_since_a_date_is_done_before_and_not_from_then_on(schema, request_text, source, start):
    parsed = parse(schema, request_text)
    none_since = ActivityCondition(
        activity=Activity(source=source), op="=", value=0, window=Since(start=start)
    )
    assert parsed.conditions == [ever(source), none_since]
    assert parsed.unrecognized == []


def test_a_stated_count_makes_the_recency_need_nothing_more():
    # the retail term 'at risk' = at least 3 purchases and last purchase more than 90 days ago
    parsed = parse("retail", "at risk customers")
    assert parsed.conditions == [
        ActivityCondition(activity=Activity(source="purchases"), op=">=", value=3),
        since_last("purchases", ">", 90),
    ]


def test_a_unit_without_a_number_is_one_of_it():
    parsed = parse("saas", "accounts that have been with us longer than a year")
    assert [c.model_dump(include={"attribute", "op", "value"}) for c in parsed.conditions] == [
        {"attribute": "account_age_days", "op": ">", "value": 365}
    ]
