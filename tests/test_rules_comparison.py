"""Specification: a comparison between two of a customer's own figures ("spent more on the web
than in store", "fewer logins this month than last month") is one condition, on every schema."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from conftest import TEST_AS_OF
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_reading import read

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.spec import CompareCondition, MeasureSide, SegmentSpec
from assistant.windows import Between, Calendar, Trailing


def compared(got) -> CompareCondition:
    found = [c for c in got.spec.conditions if isinstance(c, CompareCondition)]
    assert len(found) == 1, got.spec.conditions
    return found[0]


def test_spend_on_one_channel_against_another_shares_the_trailing_time(tpcds):
    c = compared(read(tpcds, "customers who spent more on the web than in our stores last year"))
    assert (c.left.activity.source, c.right.activity.source) == ("web_purchases", "store_purchases")
    assert c.left.measure == c.right.measure == "sum"
    assert c.op == ">"
    assert c.left.window == c.right.window == Calendar(period="last_year")


def test_two_measures_of_one_event_compare_their_counts(saas):
    c = compared(read(saas, "accounts with more dashboard views than logins in the last 30 days"))
    assert c.left.activity.filters == {"event_name": ["dashboard_viewed"]}
    assert c.right.activity.filters == {"event_name": ["login"]}
    assert c.left.measure == c.right.measure == "count"
    assert c.left.window == c.right.window == Trailing(n=30, unit="days")


@pytest.mark.parametrize(
    "request_text",
    [
        "accounts that logged in less this month than last month",
        "accounts with fewer logins this month than last month",
        "accounts whose logins are down vs last month",
    ],
)
def test_one_activity_in_two_periods(saas, request_text):
    c = compared(read(saas, request_text))
    assert c.op == "<"
    assert c.left.activity == c.right.activity
    assert (c.left.window, c.right.window) == (
        Calendar(period="this_month"),
        Calendar(period="last_month"),
    )


@pytest.mark.parametrize(
    ("request_text", "start", "end"),
    [
        (
            "customers who spent more in the last 6 months than in the 6 months before that",
            date(2025, 10, 1),
            date(2026, 3, 31),
        ),
        (
            "customers whose spend dropped last month compared with the month before",
            date(2026, 7, 1),
            date(2026, 7, 31),
        ),
    ],
)
def test_the_period_before_is_the_span_just_before_the_left_window(
    retail, request_text, start, end
):
    c = compared(read(retail, request_text))
    assert c.right.window == Between(start=start, end=end)
    assert c.left.activity == c.right.activity


def test_the_words_before_more_name_the_left_side(tpcds):
    c = compared(read(tpcds, "customers who shop in store more than online"))
    assert (c.left.activity.source, c.right.activity.source) == ("store_purchases", "web_purchases")
    assert c.left.measure == "count"


def test_the_rest_of_the_request_is_about_both_sides(retail):
    got = read(retail, "women in texas who spend more online than in store")
    c = compared(got)
    assert c.left.activity.filters == {"channel": ["online"]}
    assert c.right.activity.filters == {"channel": ["store"]}
    others = {getattr(x, "attribute", None) for x in got.spec.conditions} - {None}
    assert others == {"gender", "region"}


def test_times_as_many_is_a_factor(saas):
    c = compared(read(saas, "accounts with at least 2 times as many logins as dashboard views"))
    assert (c.op, c.factor) == (">=", 2)


def test_a_number_after_than_stays_an_ordinary_comparison(retail):
    got = read(retail, "customers with more than 3 orders last month")
    assert not any(isinstance(c, CompareCondition) for c in got.spec.conditions)


# --- the compiled SQL -------------------------------------------------------------------------


def _count(con, sql: str) -> set[int]:
    return {r[0] for r in con.execute(sql).fetchall()}


@pytest.fixture(scope="module")
def demo(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


def test_compiled_comparison_matches_a_hand_written_query(retail, demo):
    got = read(retail, "customers who spent more online than in store in 2026", as_of=TEST_AS_OF)
    sql = compile_spec(got.spec, TEST_AS_OF, retail.catalog).sql
    hand = """
        SELECT customer_id FROM transactions
        WHERE status = 'completed' AND transaction_ts >= DATE '2026-01-01'
          AND transaction_ts < DATE '2026-10-01'
        GROUP BY customer_id
        HAVING coalesce(sum(total_amount) FILTER (WHERE channel = 'online'), 0)
             > coalesce(sum(total_amount) FILTER (WHERE channel = 'store'), 0)
    """
    assert _count(demo, sql) == _count(demo, hand)
    assert _count(demo, sql)


@settings(max_examples=12, deadline=None)
@given(
    left=st.sampled_from(["online", "store", "app"]),
    right=st.sampled_from(["online", "store", "app"]),
    months=st.integers(min_value=1, max_value=12),
)
def test_swapping_the_sides_and_the_direction_keeps_the_customers(demo_db, left, right, months):
    if left == right:
        return
    catalog = load_catalog()
    window = Trailing(n=months, unit="months")

    def side(channel: str) -> MeasureSide:
        return MeasureSide.model_validate(
            {
                "activity": {"source": "purchases", "filters": {"channel": [channel]}},
                "measure": "count",
                "window": window.model_dump(),
            }
        )

    one = CompareCondition(left=side(left), op=">", right=side(right))
    other = CompareCondition(left=side(right), op="<", right=side(left))
    with duckdb.connect(str(demo_db), read_only=True) as con:
        sets = [
            _count(con, compile_spec(SegmentSpec(conditions=[c]), TEST_AS_OF, catalog).sql)
            for c in (one, other)
        ]
    assert sets[0] == sets[1]


def test_at_least_as_many_keeps_customers_with_neither(retail, demo):
    catalog = retail.catalog
    spec = SegmentSpec.model_validate(
        {
            "conditions": [
                {
                    "kind": "compare",
                    "op": ">=",
                    "left": {"activity": {"source": "purchases", "filters": {"channel": ["app"]}}},
                    "right": {
                        "activity": {"source": "purchases", "filters": {"channel": ["store"]}}
                    },
                }
            ]
        },
        context={"catalog": catalog},
    )
    got = _count(demo, compile_spec(spec, TEST_AS_OF, catalog).sql)
    nobody = _count(
        demo,
        "SELECT customer_id FROM customers WHERE customer_id NOT IN "
        "(SELECT customer_id FROM transactions WHERE status = 'completed')",
    )
    assert nobody and nobody <= got


@pytest.mark.parametrize(
    "request_text",
    [
        "accounts that have more users than their plan includes",
        "accounts with more users than their plan's included seats",
    ],
)
def test_a_figure_against_a_numeric_property_of_their_own(saas, request_text):
    c = compared(read(saas, request_text))
    assert (c.left.activity.source, c.right, c.right_property) == (
        "user_signups",
        None,
        "seats_included",
    )


def test_a_figure_against_a_property_counts_like_a_hand_written_query(saas, tmp_path):
    from assistant.demo.saas import build_saas

    db = build_saas(tmp_path / "saas.duckdb", accounts=300, seed=4)
    got = read(saas, "accounts that have more users than their plan includes")
    sql = compile_spec(got.spec, date(2026, 9, 30), saas.catalog).sql
    hand = (
        "SELECT a.account_id FROM accounts a JOIN plans p ON p.plan_id = a.plan_id "
        "WHERE (SELECT count(*) FROM users u WHERE u.account_id = a.account_id) > p.seats_included"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert _count(con, sql) == _count(con, hand) and _count(con, sql)


def test_a_comparison_needs_exactly_one_right_side():
    side = MeasureSide.model_validate({"activity": {"source": "purchases"}})
    with pytest.raises(ValueError):
        CompareCondition(left=side, op=">")
