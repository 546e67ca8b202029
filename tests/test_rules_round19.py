"""Specification: ratios and the round 18 voices (issue 11). 'Spend per store ticket' is the
average ticket of that channel, never the total; 'paid a single invoice' is one invoice."""

from __future__ import annotations

from datetime import date

import pytest
from rules_reading import activities, read

ANCHOR = date(2003, 1, 12)


@pytest.mark.parametrize(
    "request_",
    [
        "customers whose spend per store ticket is above 30k",
        "customers spending over 30k per store ticket",
        "store shoppers whose avg basket (spend per store ticket) is above 30k",
    ],
)
def test_money_per_event_is_the_average_event_of_the_channel_named(tpcds, request_):
    got = read(tpcds, request_, ANCHOR)
    averaged = [c for c in activities(got) if c.measure == "avg"]
    assert len(averaged) == 1 and averaged[0].activity.source == "store_purchases"
    assert averaged[0].value == 30000 and not got.unrecognized


def test_revenue_per_order_in_a_bracket_spells_out_the_measure(tpcds):
    got = read(tpcds, "customers whose average order value (revenue per order) is over 400", ANCHOR)
    (avg,) = activities(got)
    assert avg.measure == "avg" and avg.activity.source == "purchases"


def test_a_single_thing_paid_is_one_event_not_a_ratio(saas):
    got = read(saas, "accounts that signed up this year but have never paid a single invoice")
    assert all(c.measure != "avg" for c in activities(got))


def test_place_an_order_is_the_verb_not_a_town(tpcds):
    got = read(tpcds, "customers who did not place a single web order last year", ANCHOR)
    (none,) = activities(got)
    assert none.activity.source == "web_purchases" and (none.op, none.value) == ("=", 0)
    assert not [c for c in got.spec.conditions if getattr(c, "attribute", None) == "city"]


@pytest.mark.parametrize(
    "request_",
    [
        "Customers in towns called Lakewood or Red Hill, whatever the state.",
        "customers in Lakewood or Red Hill",
        "customers living in a city named Lakewood or Red Hill",
    ],
)
def test_names_of_an_unlisted_place_after_in_or_called_are_one_list(tpcds, request_):
    got = read(tpcds, request_, ANCHOR)
    (city,) = got.spec.conditions
    assert city.attribute == "city" and city.op == "in"
    assert city.value == ["Lakewood", "Red Hill"] and not got.unrecognized


def test_an_unlisted_place_or_a_listed_one_stays_two_readings(tpcds):
    got = read(tpcds, "people in Fairview or Georgia", ANCHOR)
    (either,) = got.spec.conditions
    assert {getattr(c, "attribute", None) for c in either.conditions} == {"city", "state"}


def test_two_letters_swapped_are_corrected_but_a_letter_changed_is_reported(tpcds, retail):
    got = read(tpcds, "wmoen in texas", ANCHOR)
    assert any(getattr(c, "value", None) == "F" for c in got.spec.conditions)
    assert "read 'wmoen' as 'women'" in got.assumptions
    # 'matter' is a word of its own, not a misspelt 'master'; 'point' is no 'paint'
    assert "matter" in read(retail, "customers who matter").unrecognized
    got = read(tpcds, "shoppers who bought a stereo at some point", ANCHOR)
    assert not any("paint" in a for a in got.assumptions)


def test_an_aside_that_any_channel_counts_says_nothing(tpcds):
    got = read(
        tpcds,
        "Shoppers whose most recent purchase, in any channel, was between 91 and 180 days ago.",
        ANCHOR,
    )
    (recency,) = activities(got)
    assert recency.measure == "days_since_last" and recency.value == [91, 180]


def test_either_brand_in_a_bracket_is_the_list_before_it_not_an_or(tpcds):
    got = read(
        tpcds,
        "Anyone who picked up edu packimporto products (either numbered brand) in one of our "
        "stores during 2002.",
        ANCHOR,
    )
    (bought,) = got.spec.conditions
    assert bought.activity.source == "store_purchases"
    assert len(bought.activity.filters["brand"]) == 2


def test_a_fraction_of_what_they_spent_is_a_comparison_with_its_factor(tpcds):
    got = read(
        tpcds,
        "Customers whose store returns come to at least a quarter of what they've spent in "
        "our stores.",
        ANCHOR,
    )
    (compare,) = [c for c in got.spec.conditions if c.kind == "compare"]
    assert compare.op == ">=" and compare.factor == 0.25
    assert compare.left.activity.source == "store_returns" and not got.unrecognized


def test_a_third_of_everything_they_spent_is_a_share(tpcds):
    got = read(
        tpcds,
        "Customers for whom Electronics is more than a third of everything they've ever "
        "spent with us.",
        ANCHOR,
    )
    (share,) = activities(got)
    assert share.measure == "share" and round(share.value, 2) == 33.33


def test_a_condition_the_spec_cannot_hold_is_left_out_and_said(retail):
    got = read(
        retail,
        "Shoppers for whom beauty makes up more than 40% of what they've spent on items so far "
        "this year",
    )
    assert got.spec is not None or got.clarification is not None
    assert got.unrecognized  # never a crash, never silent


def test_a_bound_with_a_time_of_its_own_is_the_figure_before_it_then(tpcds):
    got = read(
        tpcds,
        "Slipping store regulars: customers with two or more store visits in 2001 but at most "
        "one in 2002.",
        ANCHOR,
    )
    first, then = activities(got)
    assert (first.op, first.value, first.window.year) == (">=", 2, 2001)
    assert (then.activity.source, then.op, then.value) == ("store_purchases", "<=", 1)
    assert then.window.year == 2002 and not got.unrecognized
    # the label was the writer's own name for what follows, not the catalog's 'at risk'
    assert not [c for c in activities(got) if c.measure == "days_since_last"]


def test_a_noun_after_an_or_list_is_each_items(tpcds):
    got = read(tpcds, "Customers with a four-year or advanced degree", ANCHOR)
    (education,) = got.spec.conditions
    assert education.op == "in" and set(education.value) == {"4 yr Degree", "Advanced Degree"}


def test_separate_orders_are_orders_not_separated_people(retail):
    got = read(retail, "People who bought sustainable products on at least three separate orders")
    assert [c.kind for c in got.spec.conditions] == ["activity"]
    assert not any("separated" in a for a in got.assumptions)


def test_those_tickets_are_the_ones_of_the_time_said_before(retail):
    got = read(
        retail,
        "Everyone who contacted support in the past year but never left a rating on any of "
        "those tickets",
    )
    contacted, unrated = activities(got)
    assert unrated.activity.predicates == ["rated"] and (unrated.op, unrated.value) == ("=", 0)
    assert unrated.window == contacted.window and not got.unrecognized


def test_two_or_more_is_a_bound_not_a_comparison_with_the_average(retail):
    got = read(
        retail,
        "Anyone with two or more support tickets in the last year whose average rating on "
        "those tickets is below 3",
    )
    tickets, rating = activities(got)
    assert rating.measure == "avg" and rating.window == tickets.window
    assert not got.unrecognized


def test_n_of_which_counts_among_the_rows_said_before(retail):
    got = read(
        retail,
        "customers with at least three orders since July, no more than one of which "
        "used a discount",
    )
    orders, discounted = activities(got)
    assert discounted.activity.predicates == ["discounted"]
    assert (discounted.op, discounted.value) == ("<=", 1)
    assert discounted.window == orders.window and not got.unrecognized


def test_a_yes_or_no_of_the_row_with_no_event_of_its_own_is_the_same_row(retail):
    got = read(
        retail,
        "Customers who put something in their cart during a visit and left without checking "
        "out, in the last two weeks",
    )
    (session,) = activities(got)  # the undated copy the dated one implies is not kept
    assert session.activity.filters == {"added_to_cart": True, "converted": False}
    assert session.window.n == 2 and not got.unrecognized


def test_a_kind_of_row_said_with_both_is_another_row(saas):
    got = read(saas, "customers who use the API and forecasting both")
    assert len(activities(got)) == 2


@pytest.mark.parametrize("of", ["of clicking", "of the click"])
def test_within_days_of_the_earlier_event_counts_from_any_one_of_them(retail, of):
    got = read(
        retail, f"Who clicked an email in the last 90 days and then ordered within three days {of}?"
    )
    ordered = [c for c in activities(got) if c.after is not None]
    assert len(ordered) == 1 and ordered[0].activity.source == "purchases"
    assert ordered[0].after.which == "each" and ordered[0].after.within.n == 3
    assert not got.unrecognized


def test_a_price_a_month_is_the_monthly_price_property(saas):
    got = read(saas, "accounts on a paid plan that costs less than $100 a month")
    price = [c for c in got.spec.conditions if getattr(c, "attribute", None) == "monthly_price"]
    assert len(price) == 1 and (price[0].op, price[0].value) == ("<", 100)
    assert not got.unrecognized  # 'a month' is the property's own unit
    got = read(saas, "accounts on a plan that costs $199 per month")
    (price,) = got.spec.conditions
    assert (price.op, price.value) == ("=", 199)


def test_whose_doers_are_also_the_ones_who_did_not(saas):
    got = read(
        saas, "enterprise accounts in EMEA whose admins haven't signed in for the past 30 days"
    )
    has_admins, no_login = activities(got)
    assert has_admins.activity.filters == {"role": ["admin"]}
    assert no_login.activity.filters["role"] == ["admin"] and (no_login.op, no_login.value) == (
        "=",
        0,
    )


def test_the_ones_they_rated_are_the_tickets_of_that_time(saas):
    got = read(
        saas,
        "accounts with two or more tickets in the past six months where the ones they rated "
        "average below 3 stars",
    )
    tickets, rating = activities(got)
    assert rating.measure == "avg" and rating.window == tickets.window


@pytest.mark.parametrize(
    "request_",
    [
        "Which customers gave one of their support tickets a 1- or 2-star rating this quarter?",
        "customers who gave a ticket a 1- or 2-star rating this quarter",
    ],
)
def test_a_suspended_hyphen_gives_both_numbers_their_noun(saas, request_):
    got = read(saas, request_)
    (rated,) = activities(got)
    said = rated.activity.filters["csat"]
    assert (said.min, said.max) == (1, 2)


@pytest.mark.parametrize("backend,source", [("saas", "usage"), ("retail", "web_sessions")])
def test_on_n_different_days_counts_days(request, backend, source):
    reader = request.getfixturevalue(backend)
    said = {
        "saas": "accounts that logged in on at least five different days in the last 30 days",
        "retail": "customers who visited on at least five different days in the last 30 days",
    }[backend]
    (days,) = activities(read(reader, said))
    assert days.activity.source == source
    assert (days.measure, days.field, days.value) == ("distinct", "day", 5)
    assert days.window.n == 30


def test_a_past_due_balance_is_the_overdue_amount(saas):
    got = read(saas, "Which accounts are carrying more than $500 in past-due balance right now?")
    (owed,) = activities(got)
    assert owed.activity.source == "overdue_invoices" and owed.measure == "sum"
    assert (owed.op, owed.value) == (">", 500) and not got.unrecognized


def test_in_the_app_is_the_browser_after_browsing_and_the_channel_after_buying(retail):
    got = read(retail, "gen z android users who browsed apparel in the app over the past 3 months")
    (browsed,) = activities(got)
    assert browsed.activity.source == "web_sessions"
    assert browsed.activity.filters["browser"] == ["app"]
    (bought,) = activities(read(retail, "customers who bought in the app last month"))
    assert bought.activity.filters == {"channel": ["app"]}


def test_what_we_sent_them_is_the_thing_and_even_though_is_one_more_condition(retail):
    got = read(
        retail,
        "customers who neither opened nor clicked anything we sent them in the last 90 days, "
        "even though at least five of our messages were delivered to them in that time",
    )
    said = [(c.activity.filters["event_type"], c.op, c.value) for c in activities(got)]
    assert said == [(["opened"], "=", 0), (["clicked"], "=", 0), (["delivered"], ">=", 5)]
    assert not any("through" in a for a in got.assumptions)
