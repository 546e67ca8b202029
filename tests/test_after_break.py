"""Specification: a return after a break in the customer's own activity (issue 11): "came back
in the last 30 days after a break of 90 days or more", "a purchase this year whose previous
purchase was more than 2 years before it", and leads that only headline the audience after them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rules_reading import activities, read
from test_compiler import AS_OF, COMPLETED, Purchases, run_compiled

from assistant.executor import Executor
from assistant.spec import ActivityCondition, AfterBreak, SegmentSpec
from assistant.windows import Trailing


def _days(executor: Executor) -> dict[int, list[date]]:
    rows = executor.query(
        f"SELECT customer_id, CAST(transaction_ts AS DATE) FROM ({COMPLETED}) p ORDER BY 1, 2",
        max_rows=1_000_000,
    ).rows
    days: dict[int, list[date]] = {}
    for customer, day in rows:
        days.setdefault(customer, []).append(day)
    return days


def _came_back(days: list[date], since: date, gap: int, strict: bool) -> bool:
    """Some purchase on or after `since` whose previous one is `gap` days or more before it."""
    for before, day in zip(days, days[1:], strict=False):
        far = (day - before).days > gap if strict else (day - before).days >= gap
        if day >= since and far:
            return True
    return False


@pytest.mark.parametrize("strict", [False, True])
def test_a_break_counts_each_customers_own_gap_before_a_recent_purchase(
    executor: Executor, strict: bool
) -> None:
    came_back = ActivityCondition(
        activity=Purchases(),
        window=Trailing(n=60, unit="days"),
        after_break=AfterBreak(n=90, unit="days", strict=strict),
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[came_back])))
    since = AS_OF - timedelta(days=59)
    expected = {c for c, d in _days(executor).items() if _came_back(d, since, 90, strict)}
    assert audience == expected and expected


def test_a_first_ever_purchase_is_no_return(executor: Executor) -> None:
    came_back = ActivityCondition(activity=Purchases(), after_break=AfterBreak(n=1, unit="days"))
    audience = set(run_compiled(executor, SegmentSpec(conditions=[came_back])))
    days = _days(executor)
    assert audience == {c for c, d in days.items() if len(set(d)) > 1}


# -- reading it ----------------------------------------------------------------------------------


def _break(got) -> tuple[AfterBreak | None, ...]:
    return tuple(c.after_break for c in activities(got))


@pytest.mark.parametrize(
    "request_, gap",
    [
        (
            "customers who came back in the last 30 days after a break of 90 days or more since"
            " their previous order",
            AfterBreak(n=90, unit="days"),
        ),
        ("shoppers who ordered last month after a gap of at least six months", None),
        ("people who returned last month after 90+ days without buying", None),
        ("customers who bought again this quarter after a 6-month break", None),
        ("women who made their first purchase in over a year last month", None),
    ],
)
def test_a_break_is_read_in_many_words(retail, request_: str, gap: AfterBreak | None) -> None:
    got = read(retail, request_)
    (found,) = _break(got)
    assert found is not None and not got.unrecognized
    if gap is not None:
        assert found == gap


def test_more_than_a_length_is_a_strict_break(tpcds) -> None:
    got = read(
        tpcds,
        "customers who came back in the last 12 months after a long break - a purchase in the last"
        " 12 months whose previous purchase was more than 2 years before it",
        as_of=date(2003, 1, 12),
    )
    assert _break(got) == (AfterBreak(n=2, unit="years", strict=True),)
    assert not got.unrecognized


def test_coming_back_means_the_activity_the_break_names(saas) -> None:
    got = read(saas, "accounts that came back in the last 30 days after 60 days without logging in")
    (back,) = activities(got)
    assert back.activity.filters == {"event_name": ["login"]}
    assert back.after_break == AfterBreak(n=60, unit="days")
    got = read(saas, "accounts that returned last month after a 3 month break")
    assert [c.activity.source for c in activities(got)] == ["payments"]


def test_a_break_with_no_single_activity_to_follow_is_reported(retail) -> None:
    got = read(
        retail, "came back after a year away and bought outdoor gear and opened an email this month"
    )
    assert any("after a year away" in u for u in got.unrecognized)


# -- what the whole request shows ----------------------------------------------------------------


def test_a_lead_that_the_audience_after_it_spells_out_is_its_headline(tpcds) -> None:
    got = read(
        tpcds,
        "First order and then nothing since: customers with exactly one purchase ever, and that"
        " purchase was more than 12 months ago",
        as_of=date(2003, 1, 12),
    )
    assert [(c.op, c.value, c.measure) for c in activities(got)] == [
        ("=", 1, "count"),
        (">=", 1, "count"),
        (">", 365, "days_since_last"),
    ]
    assert any("title" in a for a in got.assumptions)


def test_a_lead_about_something_else_stays_a_condition(retail) -> None:
    got = read(retail, "Bought outdoor gear: customers who live in Texas")
    assert {c.activity.source for c in activities(got)} == {"purchases"}


def test_whose_only_order_is_one_ever_and_its_time(tpcds) -> None:
    got = read(tpcds, "customers whose only purchase was in 2001", as_of=date(2003, 1, 12))
    counts = activities(got)
    assert ("=", 1) in [(c.op, c.value) for c in counts if c.window.kind == "all_time"]
    assert any(c.op == "=" and c.value == 0 for c in counts)  # none since
