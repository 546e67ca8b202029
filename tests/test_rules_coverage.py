"""Every word accounted for: what the grammar recognised but no condition uses is said, never
dropped; a guess surrounded by unknown words is asked about; 'afterwards' counts from each
customer's own earlier event of the earlier time.

Parser-level checks on the catalogs (no database): the conditions a request becomes and what it
reports under `unrecognized`.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.spec import ActivityCondition, AttributeCondition, Range

AS_OF = date(2026, 9, 30)


def read(backend: RulesBackend, request: str):
    return backend.interpret(Turn(request=request, as_of=AS_OF))


@pytest.mark.parametrize(
    ("request_text", "said"),
    [
        ("customers who spent over $300 in 2 orders", "2 orders"),  # which orders' spend?
        ("customers who bought 3 items in the last 30 days over $100", "over $100"),
    ],
)
def test_a_number_no_condition_takes_is_reported(retail, request_text, said):
    assert said in read(retail, request_text).unrecognized


def test_numbers_every_condition_takes_are_not_reported(retail):
    for request in (
        "women aged 25-34 with at least 3 orders this year",
        "top 50 customers by spend in the last 12 months",
        "customers who rated support 4 or 5",
        "women born in the 1990s who spent more than $500 in the last 12 months",
    ):
        assert read(retail, request).unrecognized == [], request


def test_mostly_with_a_customer_property_is_the_recorded_one(retail):
    got = read(retail, "people who mainly shop on desktop")
    assert got.spec.conditions == [
        AttributeCondition(attribute="primary_device", op="=", value="desktop")
    ]
    assert got.unrecognized == []


def test_a_share_word_with_nothing_to_share_is_reported(retail):
    got = read(retail, "women who shop mostly on mobile")  # 'mobile' is no device of this data
    assert any(u.startswith("mostly") for u in got.unrecognized)


def test_a_property_name_no_condition_uses_is_reported(tpcds):
    got = read(tpcds, "customers in Washington County")
    assert got.spec.conditions == [
        AttributeCondition(attribute="county", op="=", value="Washington County")
    ]
    got = read(tpcds, "Franklin County women who earn over 100k")
    assert AttributeCondition(attribute="county", op="=", value="Franklin County") in (
        got.spec.conditions
    )


def test_a_quantity_inside_a_property_phrase(tpcds):
    got = read(tpcds, "customers whose household has 4 or more dependents")
    assert got.spec.conditions == [
        AttributeCondition(attribute="household_dependents", op=">=", value=4)
    ]


def test_at_least_before_an_ordered_value_spans_the_values_above(tpcds):
    got = read(tpcds, "shoppers with at least a four-year college degree")
    assert got.spec.conditions == [
        AttributeCondition(attribute="education", op="in", value=["4 yr Degree", "Advanced Degree"])
    ]


def test_brand_names_keep_their_number_and_a_family_names_all(tpcds):
    got = read(tpcds, "shoppers who bought the edu packscholar #1 brand in store")
    (cond,) = got.spec.conditions
    assert cond.activity.filters == {"brand": ["edu packscholar #1"]}
    (cond,) = read(tpcds, "edu packscholar buyers").spec.conditions
    assert cond.activity.filters["brand"] == ["edu packscholar #1", "edu packscholar #2"]


@pytest.mark.parametrize(
    "request_text",
    ["people near our flagship store", "customers who might like our new thing"],
)
def test_a_guess_among_unknown_words_is_asked_about(retail, request_text):
    assert read(retail, request_text).clarification is not None


def test_a_known_thing_next_to_one_unknown_word_is_still_answered(retail):
    assert read(retail, "lapsed VIPs pls").spec is not None


TIMES = ["last week", "in the last 30 days", "this month", "last month", "in 2025"]
AFTER = ["afterwards", "afterward", "after that", "subsequently"]


@settings(max_examples=15, deadline=None)
@given(time=st.sampled_from(TIMES), after=st.sampled_from(AFTER))
def test_afterwards_counts_from_the_earlier_event_of_its_own_time(retail, time, after):
    got = read(retail, f"clicked an sms campaign {time} but did not purchase {after}")
    first, then = got.spec.conditions
    assert isinstance(then, ActivityCondition) and then.after is not None
    assert then.op == "=" and then.value == 0
    assert then.after.activity == first.activity
    assert then.after.window == first.window  # the click's time, not a calendar 'since'
    assert then.after.which == "first"
    assert got.unrecognized == []


def test_a_comparison_on_an_items_own_field_filters_the_rows(tpcds):
    got = read(tpcds, "customers who bought premium items (current price over $90) in store")
    (cond,) = got.spec.conditions
    assert cond.activity.source == "store_purchases"
    assert cond.activity.filters == {"item_price": Range(min=90.01)}  # a cent above $90
    assert cond.op == ">=" and cond.value == 1


def test_a_recency_word_no_condition_is_on_is_reported(retail):
    """A bound on the last purchase's own amount is not a condition the spec has: said."""
    got = read(retail, "last purchase over $100")
    assert any(u.startswith(("most recent purchase", "last purchase")) for u in got.unrecognized)


@pytest.mark.parametrize(
    "request_text",
    [
        "customers whose most recent purchase was in the app",
        "shoppers whose last purchase was outdoor gear",
    ],
)
def test_what_the_last_one_was_is_a_condition_on_the_last_one(retail, request_text):
    got = read(retail, request_text)
    (cond,) = got.spec.conditions
    assert cond.after is not None and (cond.after.which, cond.after.side) == ("last", "after")
    assert (cond.op, cond.value) == ("=", 0)


def test_the_last_one_in_a_time_has_none_after_it(retail):
    got = read(retail, "customers whose latest order was last month")
    during, after = got.spec.conditions
    assert during.op == ">=" and during.value == 1
    assert after.op == "=" and after.value == 0
    assert after.window.start.isoformat() == "2026-09-01"
    assert got.unrecognized == []


def test_a_field_word_no_condition_uses_is_reported(retail):
    got = read(retail, "women who bought outdoor gear with a list price")
    assert any(u.startswith("list price") for u in got.unrecognized)


def test_a_largest_order_over_order_lines_is_said_not_guessed(tpcds):
    """TPC-DS rows are ticket lines: the max of them is no largest basket."""
    got = read(tpcds, "customers whose biggest store purchase was over $5000")
    assert got.spec is None or not got.spec.conditions
    assert any("lines of store purchases" in u for u in got.unrecognized)


def test_a_count_and_a_rating_each_take_their_own_number(retail):
    """'more than 2 tickets rated under 3': 2 counts tickets, 3 bounds each one's rating."""
    got = read(retail, "customers with more than 2 support tickets rated under 3")
    (cond,) = got.spec.conditions
    assert cond.activity.filters == {"csat_score": Range(max=2)}
    assert (cond.measure, cond.op, cond.value) == ("count", ">", 2)
    assert got.unrecognized == []


@pytest.mark.parametrize(
    ("request_text", "said"),
    [
        ("customers who bought at least twice a month", "a month"),
        ("customers who buy every month", "every month"),
        ("customers with an average of 2 orders per month", "per month"),
    ],
)
def test_a_rate_per_period_is_reported(retail, request_text, said):
    """No condition measures a count per month: said, not read as a plain count."""
    assert any(u.startswith(said) for u in read(retail, request_text).unrecognized)


def test_money_per_order_is_the_average_order(retail):
    (cond,) = read(retail, "customers who spent more than $100 per order").spec.conditions
    assert (cond.measure, cond.field, cond.op, cond.value) == ("avg", "total_amount", ">", 100)


@pytest.mark.parametrize(
    ("request_text", "said"),
    [
        ("customers whose loyalty tier bought in store", "loyalty tier"),
        ("customers with a gender who opened an email", "gender"),
        ("customers who bought outdoor gear and have an income", "income"),
    ],
)
def test_a_property_named_beside_an_activity_with_no_condition_on_it_is_reported(
    retail, request_text, said
):
    assert any(u.startswith(said) for u in read(retail, request_text).unrecognized)


def test_a_property_word_that_is_also_the_activitys_field_is_not_reported(retail):
    assert read(retail, "customers who bought via the app").unrecognized == []


def test_a_count_before_a_text_field_counts_its_different_values(tpcds):
    (cond,) = read(tpcds, "customers who bought from more than 3 brands online").spec.conditions
    assert cond.activity.source == "web_purchases"
    assert (cond.measure, cond.field) == ("distinct", "brand")
    assert (cond.op, cond.value) == (">", 3)


@pytest.mark.parametrize(
    ("request_text", "source"),
    [
        ("customers who returned more than 2 items in store last year", "store_returns"),
        ("customers who bought 3 items in store", "store_purchases"),
    ],
)
def test_items_are_counted_on_the_verbs_own_rows(tpcds, request_text, source):
    """'returned more than 2 items' sums the returns' units, not the purchases'."""
    (cond,) = read(tpcds, request_text).spec.conditions
    assert (cond.activity.source, cond.measure, cond.field) == (source, "sum", "quantity")


def test_a_month_of_a_year(tpcds):
    (cond,) = read(tpcds, "customers who bought in dec of 2001 in store").spec.conditions
    assert (cond.window.month, cond.window.year) == (12, 2001)
    assert (cond.op, cond.value) == (">=", 1)


@pytest.mark.parametrize(
    "request_text",
    [
        "customers who shop in store more than online",
        "customers who spent more in store than online",
    ],
)
def test_a_comparison_between_two_activities_is_one_condition(tpcds, request_text):
    got = read(tpcds, request_text)
    assert [c.kind for c in got.spec.conditions] == ["compare"]
    assert not got.unrecognized


def test_a_comparison_it_cannot_make_is_reported(tpcds):
    got = read(tpcds, "customers who shop in store more than they sleep")
    assert got.unrecognized


def test_users_who_did_something_are_counted_among_its_rows(saas):
    """'more than 3 admins who logged in last week': 3 different admins among last week's
    logins, not more than 3 admins and some login."""
    got = read(saas, "accounts with more than 3 admins who logged in last week")
    (cond,) = got.spec.conditions
    assert cond.activity.filters == {"event_name": ["login"], "role": ["admin"]}
    assert (cond.measure, cond.field, cond.op, cond.value) == ("distinct", "user", ">", 3)
    (none,) = read(saas, "accounts with no admins who logged in").spec.conditions
    assert (none.activity.source, none.op, none.value) == ("usage", "=", 0)


def test_paying_twice_is_two_payments(saas):
    (cond,) = read(saas, "accounts that paid twice").spec.conditions
    assert (cond.activity.source, cond.measure, cond.value) == ("payments", "count", 2)


def test_a_value_the_events_own_rows_exclude_is_said_not_filtered(saas):
    """Payments are the paid invoices: 'paid late' cannot also be overdue ones."""
    got = read(saas, "accounts that paid late twice")
    (cond,) = got.spec.conditions
    assert cond.activity.filters == {}
    assert any(u.startswith("overdue") for u in got.unrecognized)


def test_a_negation_after_the_activity_negates_it(retail):
    got = read(retail, "customers who opened more than 3 emails but clicked none")
    opened, clicked = got.spec.conditions
    assert clicked.activity.filters == {"channel": ["email"], "event_type": ["clicked"]}
    assert (clicked.op, clicked.value) == ("=", 0)
