"""'Only': exactly before a number, all of the activity before a verb; a named model's label.

Specifications: "only one user" / "just 2 seats" is exactly that many (SaaS); "only ever buy
online" / "shop exclusively in store" is all of the customer's purchases with that value (a share
of 100%), while "only ever bought once" is exactly one; the demo and TPC-DS shapes of a channel
are both covered; "customers the lifecycle model puts in never purchased" is the lifecycle label,
while "never purchased" alone stays the catalog term (no purchases).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition, AttributeCondition, SegmentRef, ShareOf

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 12), "saas": date(2026, 9, 30)}


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF[schema]).parse(request)


def every(source: str, **of) -> ActivityCondition:
    return ActivityCondition(
        activity=Activity(source=source),
        measure="share",
        share_of=ShareOf(**of),
        op=">=",
        value=100,
    )


@pytest.mark.parametrize(
    ("request_text", "value"),
    [("accounts with only one user", 1), ("accounts with just 2 seats", 2)],
)
def test_only_before_a_number_is_exactly(request_text, value):
    assert parse("saas", request_text).conditions == [
        ActivityCondition(activity=Activity(source="user_signups"), op="=", value=value)
    ]


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "retail",
            "customers who only ever buy online",
            every("purchases", filters={"channel": ["online"]}),
        ),
        (
            "retail",
            "customers who shop exclusively in store",
            every("purchases", filters={"channel": ["store"]}),
        ),
        ("tpcds", "customers who only ever buy online", every("purchases", member="web_purchases")),
    ],
)
def test_only_ever_before_a_verb_is_all_of_the_activity(schema, request_text, expected):
    assert parse(schema, request_text).conditions == [expected]


def test_only_ever_with_a_number_is_exactly():
    assert parse("retail", "customers who only ever bought once").conditions == [
        ActivityCondition(activity=Activity(source="purchases"), op="=", value=1)
    ]


def test_a_named_model_takes_its_label_over_the_term():
    assert parse("retail", "customers the lifecycle model puts in never purchased").conditions == [
        SegmentRef(model="lifecycle", label="never_purchased")
    ]
    assert parse("retail", "customers who never purchased").conditions == [
        ActivityCondition(activity=Activity(source="purchases"), op="=", value=0)
    ]


def test_lost_accounts_are_the_churned_ones():
    assert parse("saas", "enterprise customers we've lost").conditions == [
        AttributeCondition(attribute="plan", op="=", value="enterprise"),
        AttributeCondition(attribute="status", op="=", value="churned"),
    ]
