"""Ordered values and place names the catalog does not list.

Specifications: a listed value followed by an at-most / at-least word ('high school or less',
'gold or higher') means it and the values before (after) it in the catalog's order, never the
unknown ones; words the catalog does not know right after 'in' name a place of the narrowest
geography property whose values are not listed (TPC-DS cities and counties), unless the clause is
about an activity ('bought in bulk' stays unknown); on a catalog whose places are all listed (the
demo) such words stay unknown; consent phrased as permission ('we're allowed to text').
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import AttributeCondition

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def attr(name, op, value):
    return AttributeCondition(attribute=name, op=op, value=value)


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "tpcds",
            "people whose education is high school or less",
            attr("education", "in", ["Primary", "Secondary"]),
        ),
        (
            "tpcds",
            "customers with a four-year degree or higher",
            attr("education", "in", ["4 yr Degree", "Advanced Degree"]),
        ),
        (
            "retail",
            "customers with a bachelor's degree or more",
            attr("education", "in", ["bachelor", "master", "doctorate"]),
        ),
        (
            "retail",
            "customers whose loyalty tier is gold or higher",
            attr("loyalty_tier", "in", ["gold", "platinum"]),
        ),
    ],
)
def test_a_value_or_less_is_the_values_up_to_it(schema, request_text, expected):
    assert parse(schema, request_text).conditions == [expected]


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("people in Fairview", [attr("city", "=", "Fairview")]),
        ("everyone in Jefferson County", [attr("county", "=", "Jefferson County")]),
        ("customers in Lakewood, TX", [attr("city", "=", "Lakewood"), attr("state", "=", "TX")]),
    ],
)
def test_an_unlisted_place_after_in_is_a_free_text_place(request_text, expected):
    parsed = parse("tpcds", request_text)
    assert parsed.conditions == expected
    assert parsed.unrecognized == []
    assert any("not a listed value" in a for a in parsed.assumptions)


@pytest.mark.parametrize(
    ("schema", "request_text", "word"),
    [
        ("tpcds", "customers who bought in bulk", "bulk"),
        ("retail", "customers in Gotham", "gotham"),
    ],
)
def test_other_unknown_words_stay_unknown(schema, request_text, word):
    assert word in parse(schema, request_text).unrecognized


def test_permission_to_contact_is_consent():
    parsed = parse("retail", "customers in Canada we're allowed to text")
    assert parsed.conditions == [attr("country", "=", "CA"), attr("sms_opt_in", "=", True)]
