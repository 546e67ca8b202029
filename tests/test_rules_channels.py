"""Which event a clause is about when its words name several.

Specifications on the TPC-DS and demo catalogs:
- members of two union events listed in the same channel order correspond: 'returned catalog
  items' is a catalog return, 'returned … in store' a store return (not a catalog or store
  purchase as well);
- "$1,000 worth of" after a verb is money on the verb's event ('returned more than $1,000 worth
  of merchandise in store' sums store returns, not purchases);
- without a number, a counted noun after a verb only names the bought things ('bought children's
  items', 'bought outdoor items'), and next to a verb a value beats the customer column it also
  names ('children' is the category, not the customers' dependents).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition, AttributeCondition
from assistant.windows import AllTime, Calendar, Trailing

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def did(source, window=None, **filters):
    return ActivityCondition(
        activity=Activity(source=source, filters=filters), window=window or AllTime()
    )


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        (
            "customers who have returned catalog items in the last 6 months",
            [did("catalog_returns", Trailing(n=6, unit="months"))],
        ),
        (
            "customers who bought in store and returned something online",
            [did("store_purchases"), did("web_returns")],
        ),
    ],
)
def test_a_channel_word_names_the_member_of_the_clauses_union(request_text, expected):
    assert parse("tpcds", request_text).conditions == expected


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "tpcds",
            "customers who returned more than $1,000 worth of merchandise in store",
            ActivityCondition(
                activity=Activity(source="store_returns"),
                measure="sum",
                field="return_amount",
                op=">",
                value=1000,
            ),
        ),
        (
            "retail",
            "customers who returned more than $200 worth of shoes",
            ActivityCondition(
                activity=Activity(source="returns", filters={"category": ["Footwear"]}),
                measure="sum",
                field="total_amount",
                op=">",
                value=200,
            ),
        ),
    ],
)
def test_money_worth_after_a_verb_is_the_verbs_amount(schema, request_text, expected):
    parsed = parse(schema, request_text)
    assert parsed.conditions == [expected]
    assert parsed.unrecognized == []


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "tpcds",
            "people who bought children's items online in the last 6 months",
            did("web_purchases", Trailing(n=6, unit="months"), category=["Children"]),
        ),
        (
            "retail",
            "customers who bought outdoor items last month",
            did("purchases", Calendar(period="last_month"), category=["Outdoor"]),
        ),
    ],
)
def test_a_counted_noun_without_a_number_names_the_things(schema, request_text, expected):
    assert parse(schema, request_text).conditions == [expected]


def test_without_a_verb_the_word_is_the_customers_column():
    parsed = parse("tpcds", "customers with 2 children")
    assert parsed.conditions == [AttributeCondition(attribute="dependents", op=">=", value=2)]
