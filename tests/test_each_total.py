"""Specification: an event of a given size where an event's amount is on its lines (issue 11):
"spent over $50,000 on a single web order" is one web order whose lines add up to more than
$50,000, not all web orders summed; on the demo an order's amount is its own row's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from rules_reading import activities, read
from test_compiler import COMPLETED, Purchases, run_compiled
from tpcds_fixture import tpcds_anchor, tpcds_database

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.config import SCHEMAS_DIR
from assistant.executor import Executor
from assistant.spec import Activity, ActivityCondition, Range, SegmentSpec


def test_each_total_of_one_row_events_is_their_own_amount(executor: Executor) -> None:
    big = ActivityCondition(activity=Purchases().model_copy(update={"each_total": Range(min=300)}))
    audience = set(run_compiled(executor, SegmentSpec(conditions=[big])))
    rows = executor.query(
        f"SELECT DISTINCT customer_id FROM ({COMPLETED}) p WHERE total_amount >= 300",
        max_rows=1_000_000,
    ).rows
    assert audience == {r[0] for r in rows} and audience


@pytest.fixture(scope="module")
def tpcds_small() -> Path:
    return tpcds_database()


def test_each_total_adds_up_an_orders_lines(tpcds_small: Path) -> None:
    catalog = load_catalog(SCHEMAS_DIR / "tpcds.yaml")
    as_of = date.fromisoformat(tpcds_anchor(tpcds_small))
    big = ActivityCondition(activity=Activity(source="web_purchases", each_total=Range(min=40_000)))
    sql = compile_spec(SegmentSpec(conditions=[big]), as_of, catalog).sql
    with duckdb.connect(str(tpcds_small), read_only=True) as con:
        got = {r[0] for r in con.execute(sql).fetchall()}
        orders = con.execute(
            "SELECT DISTINCT ws_bill_customer_sk FROM web_sales WHERE ws_bill_customer_sk IS NOT"
            " NULL GROUP BY ws_bill_customer_sk, ws_order_number HAVING sum(ws_net_paid) >= 40000"
        ).fetchall()
        lines = con.execute(
            "SELECT count(DISTINCT ws_bill_customer_sk) FROM web_sales WHERE ws_net_paid >= 40000"
        ).fetchall()[0][0]
    assert got == {r[0] for r in orders}
    assert len(got) > lines  # an order's lines add up to more than any one of them


def test_spent_on_a_single_order_is_read_as_its_total(tpcds) -> None:
    got = read(
        tpcds,
        "anyone who spent over $40,000 - actually $50,000 - on a single web order in the past"
        " 6 months",
        as_of=date(2003, 1, 12),
    )
    (order,) = activities(got)
    assert order.activity.source == "web_purchases" and order.measure == "count"
    assert order.activity.each_total is not None and order.activity.each_total.min > 50_000
    assert not got.unrecognized
