"""Words for numbers, decades, quarters and numeric properties.

Specifications on the three catalogs: decades in words ("in their forties" is an age, "born in the
seventies" birth years 1970..1979); "a hundred thousand dollars" is 100000 and "between two and
five" is 2..5 (an 'and' joins parts of one number only after a scale); "Q4 2002" / "the first
quarter of 2002" are those calendar quarters; a number next to a numeric property is the
property's, even in dollars ("a purchase estimate of at least $5,000") or with words between
("household has more than 6 dependents"); a derived numeric property takes numbers too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.rules.text import normalize
from assistant.spec import AttributeCondition
from assistant.windows import Between

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12), "saas": date(2026, 9, 30)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def attr(name: str, op: str, value) -> AttributeCondition:
    return AttributeCondition(attribute=name, op=op, value=value)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("more than a hundred thousand dollars", "more than $100000"),
        ("between two and five web orders", "between 2 and 5 web orders"),
        ("two hundred and fifty", "250"),
        ("women in their forties", "women in their 40s"),
    ],
)
def test_number_words(text, normalized):
    assert normalize(text) == normalized


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "retail",
            "women in their forties",
            [attr("gender", "=", "female"), attr("age", "between", [40, 49])],
        ),
        (
            "tpcds",
            "shoppers born in the seventies",
            [attr("c_birth_year", "between", [1970, 1979])],
        ),
        (
            "retail",
            "people born in the nineties",
            [attr("birth_date", "between", ["1990-01-01", "1999-12-31"])],
        ),
    ],
)
def test_decades_in_words(schema, request_text, expected):
    assert parse(schema, request_text).conditions == expected


@pytest.mark.parametrize(
    ("schema", "request_text", "start", "end"),
    [
        ("tpcds", "in-store shoppers in Q4 2002", date(2002, 10, 1), date(2002, 12, 31)),
        (
            "tpcds",
            "customers who bought in the first quarter of 2002",
            date(2002, 1, 1),
            date(2002, 3, 31),
        ),
        ("retail", "customers who bought in Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ],
)
def test_quarters(schema, request_text, start, end):
    (condition,) = parse(schema, request_text).conditions
    assert condition.window == Between(start=start, end=end)


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "tpcds",
            "customers with a purchase estimate of at least $5,000",
            attr("purchase_estimate", ">=", 5000),
        ),
        (
            "tpcds",
            "shoppers whose estimated purchase budget is below 1000 dollars",
            attr("purchase_estimate", "<", 1000),
        ),
        (
            "tpcds",
            "customers whose household has more than 6 dependents",
            attr("household_dependents", ">", 6),
        ),
        ("tpcds", "customers who have fewer than two cars", attr("vehicles", "<", 2)),
        ("saas", "accounts with more than 1000 employees", attr("employees", ">", 1000)),
    ],
)
def test_a_number_next_to_a_numeric_property_is_the_propertys(schema, request_text, expected):
    parsed = parse(schema, request_text)
    assert parsed.conditions == [expected]
    assert parsed.unrecognized == []


def test_a_two_valued_flag_negated_is_its_other_value():
    parsed = parse("tpcds", "customers without preferred status")
    assert parsed.conditions == [attr("c_preferred_cust_flag", "=", "N")]
