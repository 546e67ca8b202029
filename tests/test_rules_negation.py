"""Negation covers the whole activity with its qualifiers; 'never' is at no time.

Specifications on three catalogs: "no admin has logged in in the last 30 days" is no login by an
admin in that time (the admin narrows the logins, it is not a second activity); "haven't logged in
for two weeks" / "havent logged in for a week" (no apostrophe, "a week" = one) is none in that
time; "women who haven't been in one of our stores in the last 90 days" is none in store then;
"… in 2002 but never online" is no web purchase at any time, while "but not …" keeps the period;
"monthly active users" are active in the last 30 days.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition, AttributeCondition
from assistant.windows import AllTime, Trailing, Year

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12), "saas": date(2026, 9, 30)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def none_of(source: str, window=None, **filters) -> ActivityCondition:
    return ActivityCondition(
        activity=Activity(source=source, filters=filters),
        op="=",
        value=0,
        window=window or AllTime(),
    )


LOGIN = {"event_name": ["login"]}


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "saas",
            "accounts where no admin has logged in in the last 30 days",
            [none_of("usage", Trailing(n=30, unit="days"), role=["admin"], **LOGIN)],
        ),
        (
            "saas",
            "customers who havent logged in for two weeks",
            [none_of("usage", Trailing(n=2, unit="weeks"), **LOGIN)],
        ),
        (
            "saas",
            "accounts that haven't logged in for a week",
            [none_of("usage", Trailing(n=1, unit="weeks"), **LOGIN)],
        ),
        (
            "tpcds",
            "women who haven't been in one of our stores in the last 90 days",
            [
                AttributeCondition(attribute="gender", op="=", value="F"),
                none_of("store_purchases", Trailing(n=90, unit="days")),
            ],
        ),
        (
            "retail",
            "customers who haven't bought in the app for a month",
            [none_of("purchases", Trailing(n=1, unit="months"), channel=["app"])],
        ),
    ],
)
def test_negation_covers_the_activity_with_its_qualifiers(schema, request_text, expected):
    parsed = parse(schema, request_text)
    assert parsed.conditions == expected
    assert parsed.unrecognized == []


@pytest.mark.parametrize(
    ("schema", "request_text", "did", "never"),
    [
        (
            "tpcds",
            "customers who shopped in store in 2002 but never online",
            ActivityCondition(activity=Activity(source="store_purchases"), window=Year(year=2002)),
            none_of("web_purchases"),
        ),
        (
            "retail",
            "customers who bought in store in 2025 but never in the app",
            ActivityCondition(
                activity=Activity(source="purchases", filters={"channel": ["store"]}),
                window=Year(year=2025),
            ),
            none_of("purchases", channel=["app"]),
        ),
    ],
)
def test_never_after_but_is_at_no_time(schema, request_text, did, never):
    assert parse(schema, request_text).conditions == [did, never]


def test_but_not_keeps_the_period():
    parsed = parse("retail", "customers who bought in store in 2025 but not in the app")
    assert parsed.conditions[-1] == none_of("purchases", Year(year=2025), channel=["app"])


def test_monthly_active_users_are_active_in_the_last_30_days():
    parsed = parse("saas", "accounts with fewer than 5 monthly active users")
    assert parsed.conditions == [
        ActivityCondition(
            activity=Activity(source="usage"),
            measure="distinct",
            field="user_id",
            op="<",
            value=5,
            window=Trailing(n=30, unit="days"),
        )
    ]
