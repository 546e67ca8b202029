"""Specification: a customer's own figure compared with the average of a group's (issue 11):
"spent more than the average man who has bought from us", "logged in more than the average pro
account", "below-average spenders"."""

from __future__ import annotations

import pytest
from rules_reading import read
from test_compiler import AS_OF, CATALOG, COMPLETED, LAST_12M, Purchases, run_compiled

from assistant.compiler import compile_spec
from assistant.executor import Executor
from assistant.spec import AttributeCondition, CompareCondition, MeasureSide, SegmentSpec

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


def test_a_figure_this_cannot_average_is_said_not_guessed(tpcds):
    got = read(
        tpcds,
        "store shoppers whose average ticket is at least 50% bigger than the average store"
        " ticket overall",
    )
    assert got.spec is None or not [
        c for c in got.spec.conditions if isinstance(c, CompareCondition)
    ]
    assert got.unrecognized
