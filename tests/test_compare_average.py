"""Specification: a customer's own figure compared with the average of a group's (issue 11):
"spent more than the average man who has bought from us", "logged in more than the average pro
account", "below-average spenders"."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from rules_reading import read
from test_compiler import AS_OF, CATALOG, COMPLETED, LAST_12M, Purchases, run_compiled
from tpcds_fixture import tpcds_anchor, tpcds_database

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.config import SCHEMAS_DIR
from assistant.executor import Executor
from assistant.spec import (
    Activity,
    AttributeCondition,
    CompareCondition,
    MeasureSide,
    SegmentSpec,
)

SPEND = MeasureSide(activity=Purchases(), measure="sum", field="total_amount", window=LAST_12M)


def _spend(executor: Executor) -> dict[int, float]:
    rows = executor.query(
        f"SELECT customer_id, gender, sum(total_amount) FROM ({COMPLETED}) p "
        "JOIN customers USING (customer_id) WHERE transaction_ts >= '2025-10-01' GROUP BY 1, 2",
        max_rows=1_000_000,
    ).rows
    return {r[0]: (r[1], float(r[2])) for r in rows}


def test_above_the_average_of_those_with_any_is_over_their_mean(executor: Executor) -> None:
    spend = _spend(executor)
    mean = sum(v for _, v in spend.values()) / len(spend)
    made = CompareCondition(left=SPEND, op=">", right_average=SPEND)
    audience = set(run_compiled(executor, SegmentSpec(conditions=[made])))
    assert audience == {c for c, (_, v) in spend.items() if v > mean}


def test_the_average_of_a_group_averages_only_its_members(executor: Executor) -> None:
    spend = _spend(executor)
    men = [v for g, v in spend.values() if g == "male"]
    made = CompareCondition(
        left=SPEND,
        op=">",
        right_average=SPEND,
        average_among=[AttributeCondition(attribute="gender", op="=", value="male")],
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[made])))
    assert audience == {c for c, (_, v) in spend.items() if v > sum(men) / len(men)}


def test_the_average_of_every_member_counts_those_without_any_as_zero(executor: Executor) -> None:
    spend = _spend(executor)
    women = executor.query(
        "SELECT customer_id FROM customers WHERE gender = 'female'", max_rows=1_000_000
    ).rows
    mean = sum(spend.get(r[0], (None, 0.0))[1] for r in women) / len(women)
    made = CompareCondition(
        left=SPEND,
        op=">",
        right_average=SPEND,
        average_among=[AttributeCondition(attribute="gender", op="=", value="female")],
        average_active_only=False,
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[made])))
    assert audience == {c for c, (_, v) in spend.items() if v > mean}
    notes = compile_spec(SegmentSpec(conditions=[made]), AS_OF, CATALOG).assumptions
    assert any(n.startswith("the average is over the customers who are women, each") for n in notes)


def test_a_comparison_has_exactly_one_other_side() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        CompareCondition(
            left=SPEND, right=SPEND.model_copy(update={"window": None}), right_average=SPEND
        )
    with pytest.raises(ValueError, match="average_among"):
        CompareCondition(
            left=SPEND,
            right=MeasureSide(activity=Purchases(), window=LAST_12M),
            average_among=[AttributeCondition(attribute="gender", op="=", value="male")],
        )


# -- read from words -----------------------------------------------------------------------------


def _compared(got) -> CompareCondition:
    (made,) = [c for c in got.spec.conditions if isinstance(c, CompareCondition)]
    return made


def test_more_than_the_average_of_a_group_said_in_words(saas, tpcds):
    made = _compared(
        read(
            saas,
            "starter accounts that logged in more over the last 30 days than the average"
            " pro account",
        )
    )
    assert made.op == ">" and made.right_average == made.left
    assert [(c.attribute, c.value) for c in made.average_among] == [("plan", "pro")]
    assert made.average_active_only is False  # every pro account, none counting 0
    made = _compared(
        read(
            tpcds,
            "women who have spent more with us overall than the average man who has bought from us",
        )
    )
    assert made.left.measure == "sum"  # spent: their money, not their number of purchases
    assert made.average_active_only is True  # men who have bought


def test_below_average_keeps_them_among_those_with_any(retail):
    got = read(retail, "customers with below-average spend in the last 12 months")
    made = _compared(got)
    assert made.op == "<" and made.left.measure == "sum"
    assert len(got.spec.conditions) == 2  # and they did spend in that time


def test_an_average_figure_against_every_event_overall(tpcds):
    made = _compared(
        read(
            tpcds,
            "store shoppers whose average ticket is at least 50% bigger than the average store"
            " ticket overall",
        )
    )
    assert (made.left.measure, made.average_over, made.op, made.factor) == (
        "avg",
        "events",
        ">=",
        1.5,
    )
    assert made.left.activity.source == made.right_average.activity.source == "store_purchases"


def test_the_average_order_value_across_all_orders_is_of_the_orders(retail):
    for request in (
        "customers whose average order value in the last 12 months is more than double the"
        " average order value across all orders in that period",
        "Customers whose average order value over the last 12 months is below the company-wide"
        " AOV for the same period (total revenue divided by total orders).",
    ):
        got = read(retail, request)
        made = _compared(got)
        assert made.average_over == "events" and made.left.measure == "avg", request
        assert made.left.window == made.right_average.window == LAST_12M
        assert not got.unrecognized, request
    assert (
        _compared(read(retail, "customers whose aov is more than double the average")).factor == 2
    )


def test_an_average_of_people_is_of_each_ones_figure(retail):
    made = _compared(read(retail, "customers whose average order is above the average buyer's"))
    assert made.left.measure == "avg" and made.average_over == "customers"


def test_an_average_of_another_activity_is_said_not_guessed(tpcds):
    got = read(tpcds, "store shoppers whose average ticket is above the average web order")
    assert got.spec is None or not [
        c for c in got.spec.conditions if isinstance(c, CompareCondition)
    ]
    assert got.unrecognized


def test_the_average_of_every_event_weighs_each_event_alike(executor: Executor) -> None:
    aov = MeasureSide(activity=Purchases(), measure="avg", field="total_amount", window=LAST_12M)
    made = CompareCondition(left=aov, op=">", right_average=aov, average_over="events", factor=1.5)
    audience = set(run_compiled(executor, SegmentSpec(conditions=[made])))
    recent = f"SELECT * FROM ({COMPLETED}) p WHERE transaction_ts >= '2025-10-01'"
    (overall,) = executor.query(f"SELECT avg(total_amount) FROM ({recent}) r").rows[0]
    rows = executor.query(
        f"SELECT customer_id FROM ({recent}) r GROUP BY 1 HAVING avg(total_amount) > "
        f"1.5 * {overall}",
        max_rows=1_000_000,
    ).rows
    assert audience == {r[0] for r in rows} and audience
    notes = compile_spec(SegmentSpec(conditions=[made]), AS_OF, CATALOG).assumptions
    assert any("every one of the" in n for n in notes)


def test_an_events_average_needs_an_average() -> None:
    with pytest.raises(ValueError, match="average_over"):
        CompareCondition(left=SPEND, right_average=SPEND, average_over="events")


def test_the_average_ticket_overall_adds_up_each_tickets_lines() -> None:
    path = tpcds_database()
    catalog = load_catalog(SCHEMAS_DIR / "tpcds.yaml")
    as_of = date.fromisoformat(tpcds_anchor(path))
    ticket = MeasureSide(
        activity=Activity(source="store_purchases"), measure="avg", field="net_paid"
    )
    made = CompareCondition(left=ticket, op=">", right_average=ticket, average_over="events")
    sql = compile_spec(SegmentSpec(conditions=[made]), as_of, catalog).sql
    tickets = (
        "SELECT ss_customer_sk AS c, ss_ticket_number AS t, sum(ss_net_paid) AS paid FROM"
        " store_sales WHERE ss_customer_sk IS NOT NULL GROUP BY 1, 2"
    )
    with duckdb.connect(str(path), read_only=True) as con:
        got = {r[0] for r in con.execute(sql).fetchall()}
        want = con.execute(
            f"WITH k AS ({tickets}) SELECT c FROM k GROUP BY c"
            " HAVING avg(paid) > (SELECT avg(paid) FROM k)"
        ).fetchall()
    assert got == {r[0] for r in want} and got


def test_the_average_of_their_own_group_is_of_those_sharing_their_value(
    executor: Executor,
) -> None:
    made = CompareCondition(left=SPEND, op=">", right_average=SPEND, average_by="region")
    audience = set(run_compiled(executor, SegmentSpec(conditions=[made])))
    rows = executor.query(
        f"WITH s AS (SELECT customer_id, region, sum(total_amount) AS v FROM ({COMPLETED}) p"
        " JOIN customers USING (customer_id) WHERE transaction_ts >= '2025-10-01'"
        " AND region IS NOT NULL GROUP BY 1, 2)"
        " SELECT customer_id FROM s WHERE v > (SELECT avg(v) FROM s s2 WHERE s2.region = s.region)",
        max_rows=1_000_000,
    ).rows
    assert audience == {r[0] for r in rows} and audience
    notes = compile_spec(SegmentSpec(conditions=[made]), AS_OF, CATALOG).assumptions
    assert any("of the same region as each customer" in n for n in notes)


def test_in_their_own_group_is_the_average_by_that_property(saas, tpcds):
    made = _compared(
        read(
            tpcds,
            "customers who bought more often in 2002 than the average 2002 buyer in their own"
            " state",
        )
    )
    assert (made.left.measure, made.average_by) == ("count", "state")
    assert made.average_active_only  # the buyers of the state, not everyone in it
    made = _compared(
        read(saas, "accounts with more logins than the average account in their industry")
    )
    assert made.average_by == "industry"
    assert not made.average_active_only  # every account of the industry, none counting 0
    with pytest.raises(ValueError, match="average_by"):
        CompareCondition(
            left=SPEND, right=SPEND.model_copy(update={"window": None}), average_by="region"
        )
