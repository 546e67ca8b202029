"""Ratings and number lists: a rating's numbers filter the rated rows; an average compares them.

Specifications on the demo and SaaS catalogs: "rated support 4 or 5", "a csat of four or five",
"a 4 or 5 star support rating", "a 1-star rating" are tickets with those ratings (consecutive whole
numbers joined by 'or' are the range they span, other lists stay lists); "average support rating
below 3" is avg(rating) < 3 over the customer's tickets; the clause's time applies.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition, Range
from assistant.windows import AllTime, Trailing

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = date(2026, 9, 30)
TICKETS = {"retail": ("support_tickets", "csat_score"), "saas": ("tickets", "csat")}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF).parse(request)


def rated(schema: str, value, window=None) -> ActivityCondition:
    source, field = TICKETS[schema]
    return ActivityCondition(
        activity=Activity(source=source, filters={field: value}), window=window or AllTime()
    )


@pytest.mark.parametrize("schema", ["retail", "saas"])
@pytest.mark.parametrize(
    ("request_text", "value", "window"),
    [
        ("{who} that rated support 4 or 5", Range(min=4, max=5), None),
        ("{who} who gave us a csat of four or five", Range(min=4, max=5), None),
        (
            "{who} that gave a 4 or 5 star support rating in the last 90 days",
            Range(min=4, max=5),
            Trailing(n=90, unit="days"),
        ),
        ("{who} that gave support a 1-star rating", [1], None),
        ("{who} who rated support 1, 3 or 5", [1, 3, 5], None),
        (
            "{who} who rated support 1 or 2 in the last 6 months",
            Range(min=1, max=2),
            Trailing(n=6, unit="months"),
        ),
    ],
)
def test_a_rating_filters_the_rated_tickets(schema, request_text, value, window):
    who = "accounts" if schema == "saas" else "customers"
    parsed = parse(schema, request_text.format(who=who))
    assert parsed.conditions == [rated(schema, value, window)]
    assert parsed.unrecognized == []


@pytest.mark.parametrize("schema", ["retail", "saas"])
def test_an_average_rating_compares_the_average(schema):
    source, field = TICKETS[schema]
    parsed = parse(schema, "customers whose average support rating is below 3")
    assert parsed.conditions == [
        ActivityCondition(
            activity=Activity(source=source), measure="avg", field=field, op="<", value=3
        )
    ]


def test_two_consecutive_counts_are_a_range():
    parsed = parse("retail", "customers with 2 or 3 purchases")
    assert parsed.conditions == [
        ActivityCondition(activity=Activity(source="purchases"), op="between", value=[2, 3])
    ]
