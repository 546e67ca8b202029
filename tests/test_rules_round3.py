"""Round 3 of 'understanding that generalizes': an average over an event whose rows are its
lines is the lines' total per distinct event; a value naming one member's field picks that
member of a union verb ('the Ese store'); the plural of an enumerated column counts its
different values ('3 categories'); 'store customers who bought 3 items' sums the store's lines.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.compiler import compile_spec

AS_OF = date(2003, 1, 2)
TPCDS_CI = Path(__file__).resolve().parents[1] / "data" / "tpcds_ci.duckdb"


def read(backend: RulesBackend, request: str):
    return backend.interpret(Turn(request=request, as_of=AS_OF))


@pytest.mark.parametrize(
    "request_text",
    [
        "average store basket over $3,000",
        "customers whose average store purchase is over $3000",
        "customers whose average in-store purchase was above $3,000",
    ],
)
def test_an_average_basket_over_ticket_lines_is_per_ticket(tpcds, request_text):
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    (cond,) = [c for c in got.spec.conditions if c.measure == "avg"]
    assert (cond.activity.source, cond.measure, cond.op, cond.value) == (
        "store_purchases",
        "avg",
        ">",
        3000,
    )
    sql = compile_spec(got.spec, AS_OF, tpcds.catalog).sql
    assert "count(DISTINCT" in sql
    if not TPCDS_CI.exists():
        pytest.skip("no TPC-DS CI database")
    gold = """
        SELECT ss_customer_sk FROM store_sales WHERE ss_customer_sk IS NOT NULL
        GROUP BY ss_customer_sk
        HAVING sum(ss_net_paid) / count(DISTINCT ss_ticket_number) > 3000
    """
    with duckdb.connect(str(TPCDS_CI), read_only=True) as con:
        got_ids = {r[0] for r in con.execute(sql).fetchall()}
        want = {r[0] for r in con.execute(gold).fetchall()}
    assert want
    assert got_ids == want


@pytest.mark.parametrize(
    "request_text",
    [
        "customers who shopped at the Ese store",
        "customers who bought at store ese",
        "people who bought something at the ese shop",
    ],
)
def test_a_value_of_one_members_field_names_that_member(tpcds, request_text):
    """'the Ese store' is a store (store purchases), not the promotion of the same name."""
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert cond.activity.source == "store_purchases"
    assert cond.activity.filters == {"store": ["ese"]}


def test_a_promotion_name_still_names_the_promotion(tpcds):
    got = read(tpcds, "customers who bought under the ese promotion")
    (cond,) = got.spec.conditions
    assert cond.activity.filters == {"promotion": ["ese"]}


@pytest.mark.parametrize(
    ("request_text", "op", "value"),
    [
        ("customers who bought 3 categories", ">=", 3),
        ("customers who bought from at least 3 categories", ">=", 3),
        ("shoppers who purchased in more than 2 different categories", ">", 2),
        ("customers who bought from 4 departments", ">=", 4),
    ],
)
def test_the_plural_of_an_enumerated_column_counts_its_values(retail, request_text, op, value):
    got = read(retail, request_text)
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert (cond.measure, cond.field, cond.op, cond.value) == ("distinct", "category", op, value)


@pytest.mark.parametrize(
    ("request_text", "source"),
    [
        ("store customers who bought 3 items", "store_purchases"),
        ("store customers who bought more than 20 items last year", "store_purchases"),
        ("web shoppers who bought at least 10 items", "web_purchases"),
    ],
)
def test_items_after_a_channel_clause_are_that_channels_units(tpcds, request_text, source):
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    counted = [c for c in got.spec.conditions if c.measure == "sum"]
    assert len(counted) == 1
    assert counted[0].activity.source == source and counted[0].field == "quantity"


@pytest.mark.parametrize(
    ("request_text", "value"),
    [
        ("customers with a household income over $100,000", 100000),
        ("customers earning more than $150k", 150000),
        ("store shoppers whose income is above 180000", 180000),
    ],
)
def test_a_dollar_income_is_the_banded_property_not_spend(tpcds, request_text, value):
    """The income bands are cut from a numeric property: a number goes to it, never to spend."""
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    (cond,) = [c for c in got.spec.conditions if getattr(c, "attribute", None)]
    assert (cond.attribute, cond.op, cond.value) == ("income_upper_bound", ">", value)
    assert not [c for c in got.spec.conditions if getattr(c, "measure", None) == "sum"]


@pytest.mark.parametrize(
    ("request_text", "source", "op", "value"),
    [
        ("customers who returned more than 2 orders", "returns", ">", 2),
        ("customers who returned at least 2 web orders", "web_returns", ">=", 2),
        ("shoppers who returned 3 or more store purchases last year", "store_returns", ">=", 3),
    ],
)
def test_returned_orders_count_the_returns(tpcds, request_text, source, op, value):
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert (cond.activity.source, cond.measure, cond.op, cond.value) == (source, "count", op, value)


@pytest.mark.parametrize(
    ("request_text", "source"),
    [
        ("customers who returned catalog items worth over $500", "catalog_returns"),
        ("customers who returned more than $500 worth of web items", "web_returns"),
        ("customers who returned items worth over $500", "returns"),
    ],
)
def test_returned_goods_worth_money_are_the_returns_amount(tpcds, request_text, source):
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert cond.activity.source == source and cond.measure == "sum"
    assert cond.field == tpcds.catalog.events[source].amount and cond.value == 500


def test_returned_items_worth_money_in_the_demo_is_the_returns_amount(retail):
    got = read(retail, "customers who returned items worth over $100")
    (cond,) = got.spec.conditions
    assert cond.activity.source == "returns" and cond.field != "item_count"


@pytest.mark.parametrize(
    "request_text",
    [
        "customers with 0 dependents and 2 cars",
        "customers with 0 store purchases last year",
        "customers with 0 purchases",
    ],
)
def test_a_bare_zero_is_none_not_at_least_none(tpcds, request_text):
    got = read(tpcds, request_text)
    zero = [c for c in got.spec.conditions if c.value == 0]
    assert len(zero) == 1 and zero[0].op == "="


def test_at_least_zero_is_kept_as_said(tpcds):
    got = read(tpcds, "customers with at least 0 dependents")
    (cond,) = got.spec.conditions
    assert (cond.op, cond.value) == (">=", 0)


@pytest.mark.parametrize(
    "request_text",
    [
        "customers who never bought anything at the ought shop",
        "people who never purchased at the ought store",
    ],
)
def test_a_negated_term_takes_the_clauses_own_activity(tpcds, request_text):
    """'never bought … at the ought shop': no store purchases there, not 'no purchases at all
    and one at that store' (nobody)."""
    got = read(tpcds, request_text)
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert cond.activity.source == "store_purchases"
    assert cond.activity.filters == {"store": ["ought"]}
    assert (cond.op, cond.value) == ("=", 0)
