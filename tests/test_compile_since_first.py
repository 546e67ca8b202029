"""Specification: a span counted from each customer's own first row of an activity
(`ActivityCondition.since_first`): "spent over $500 in their first 90 days after their first
purchase", "made a purchase within 30 days of their first return" (that day is day 1); and the
rows in each customer's own birthday month (`in_birthday_month`)."""

from __future__ import annotations

from test_compiler import AS_OF, CATALOG, COMPLETED, Purchases, run_compiled

from assistant.compiler import compile_spec
from assistant.executor import Executor
from assistant.spec import Activity, ActivityCondition, SegmentSpec, SinceFirst
from assistant.windows import Trailing

RETURNED = "SELECT * FROM transactions WHERE status = 'returned'"


def _first_span(anchor: str, days: int) -> str:
    return (
        f"WITH f AS (SELECT customer_id, CAST(min(transaction_ts) AS DATE) AS d0 FROM ({anchor}) a"
        " GROUP BY 1) SELECT p.customer_id, p.total_amount FROM ({rows}) p JOIN f USING"
        f" (customer_id) WHERE p.transaction_ts >= f.d0 AND p.transaction_ts < f.d0 + INTERVAL"
        f" {days} DAY"
    )


def test_spend_in_the_days_after_their_first_purchase(executor: Executor) -> None:
    spent = ActivityCondition(
        activity=Purchases(),
        measure="sum",
        field="total_amount",
        op=">",
        value=500,
        since_first=SinceFirst(activity=Purchases(), within=Trailing(n=90, unit="days")),
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[spent])))
    rows = _first_span(COMPLETED, 90).format(rows=COMPLETED)
    want = executor.query(
        f"SELECT customer_id FROM ({rows}) s GROUP BY 1 HAVING sum(total_amount) > 500",
        max_rows=1_000_000,
    ).rows
    assert audience == {r[0] for r in want} and audience
    notes = compile_spec(SegmentSpec(conditions=[spent]), AS_OF, CATALOG).assumptions
    assert any("within 90 days of their first purchase" in n for n in notes)


def test_a_purchase_in_the_days_after_their_first_return(executor: Executor) -> None:
    bought = ActivityCondition(
        activity=Purchases(),
        since_first=SinceFirst(
            activity=Activity(source="returns"), within=Trailing(n=30, unit="days")
        ),
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[bought])))
    rows = _first_span(RETURNED, 30).format(rows=COMPLETED)
    want = executor.query(f"SELECT DISTINCT customer_id FROM ({rows}) s", max_rows=1_000_000).rows
    assert audience == {r[0] for r in want} and audience


def test_rows_in_their_own_birthday_month(executor: Executor) -> None:
    bought = ActivityCondition(activity=Purchases(), in_birthday_month=True)
    audience = set(run_compiled(executor, SegmentSpec(conditions=[bought])))
    want = executor.query(
        f"SELECT DISTINCT p.customer_id FROM ({COMPLETED}) p JOIN customers c USING (customer_id)"
        " WHERE month(c.birth_date) = month(p.transaction_ts)",
        max_rows=1_000_000,
    ).rows
    assert audience == {r[0] for r in want} and audience
