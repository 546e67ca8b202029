"""Specification: readings built for the round 13 voices (issue 11): requests that correct
themselves as they go, boolean logic typed as symbols, a non-native speaker's grammar, calendar
days said by name, and terse keyword lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rules_reading import activities, read
from test_compiler import COMPLETED, CampaignEvents, Purchases, run_compiled

from assistant.spec import (
    ActivityCondition,
    AfterEvent,
    AttributeCondition,
    OrGroup,
    SegmentRef,
    SegmentSpec,
)
from assistant.windows import Between, Calendar, Month, Since, Trailing, Year

TPCDS_AS_OF = date(2003, 1, 12)


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


# -- a request that corrects itself --------------------------------------------------------------


def test_a_corrected_value_in_the_middle_replaces_what_it_corrects(retail):
    got = read(
        retail,
        "Silver members - no wait, bronze - who signed up in the past 12 months and have never"
        " opened any of our emails",
    )
    assert _attributes(got)["loyalty_tier"].value == "bronze"
    assert "signup_date" in _attributes(got)
    (never,) = activities(got)
    assert (never.op, never.value) == ("=", 0)
    assert any("corrects" in a for a in got.assumptions)


def test_a_corrected_time_and_a_corrected_place_in_one_request(retail):
    got = read(
        retail,
        "Customers in Bavaria, er I mean the whole of Germany, who browsed electronics in the past"
        " month - make it 2 months - but didn't buy any electronics in that time",
    )
    assert set(_attributes(got)) == {"country"} and _attributes(got)["country"].value == "DE"
    assert {c.window for c in activities(got)} == {Trailing(n=2, unit="months")}
    assert not got.unrecognized


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("orders over $200 actually $250 in the last 90 days", 250),
        ("women who spent over 300, no wait, 400 dollars, in 2025", 400),
    ],
)
def test_a_number_said_again_replaces_the_last_number(retail, said, meant):
    got = read(retail, said)
    values = [c.value for c in activities(got)] + [
        f.min for c in activities(got) for f in c.activity.filters.values() if hasattr(f, "min")
    ]
    assert any(v is not None and abs(v - meant) < 1 for v in values)
    assert not any(v is not None and abs(v - meant) > 1 and v > 100 for v in values)


def test_a_bare_no_between_breaks_is_a_correction(saas):
    got = read(saas, "lifecycle at risk accounts - no, the lapsed ones - that paid us over 2,000")
    assert [(c.model, c.label) for c in got.spec.conditions if isinstance(c, SegmentRef)] == [
        ("lifecycle", "lapsed")
    ]


def test_a_number_without_one_before_it_is_no_correction(retail):
    got = read(retail, "customers with no 2 orders")
    assert not any("corrects" in a for a in got.assumptions)


# -- boolean logic typed as symbols --------------------------------------------------------------


def test_a_property_set_to_a_word_is_that_value(retail):
    got = read(retail, "ABC class = A AND primary_device = android AND push_opt_in = true")
    assert [(c.model, c.label) for c in got.spec.conditions if isinstance(c, SegmentRef)] == [
        ("abc", "a")
    ]
    assert _attributes(got)["primary_device"].value == "android"


def test_a_chain_of_comparisons_is_a_range(saas):
    got = read(saas, "country in US, CA and 200 <= employees <= 2000")
    assert _attributes(got)["employees"].op == "between"
    assert _attributes(got)["employees"].value == [200, 2000]


def test_brackets_group_an_or(retail):
    got = read(retail, "(reward preference points or loyalty tier gold) and income band 200k+")
    (either,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    assert len(either.conditions) == 2 and "income_band" in _attributes(got)


# -- a non-native speaker's grammar ---------------------------------------------------------------


def test_opt_in_for_is_the_consent(retail):
    got = read(
        retail,
        "RFM Loyal Customers which live in France or in Germany and are not opt in for email",
    )
    assert _attributes(got)["email_opt_in"].value is False


def test_the_mens_which_are_men(tpcds):
    got = read(tpcds, "give me the mens which is single and having 3 or more childs", TPCDS_AS_OF)
    assert _attributes(got)["gender"].value == "M" and not activities(got)


def test_the_article_before_a_month_is_dropped(saas):
    got = read(saas, "enterprise account which churn in the september")
    (churned,) = activities(got)
    assert churned.window == Month(month=9)


def test_in_this_time_is_the_earlier_time(retail):
    got = read(
        retail,
        "give me the persons which bought electronic online in last 90 days, spend more than 500"
        " in total in this time, and never did a return",
    )
    assert {c.window for c in activities(got) if c.measure == "sum"} == {
        Trailing(n=90, unit="days")
    }
    assert not got.unrecognized


def test_havent_got_any_is_none_at_all(saas):
    got = read(
        saas,
        "Customers who've raised a billing query since 1st March but haven't got any overdue"
        " invoices",
    )
    ticket, overdue = activities(got)
    assert ticket.activity.filters == {"topic": ["billing"]}
    assert (overdue.op, overdue.value, overdue.window.kind) == ("=", 0, "all_time")
    assert not got.unrecognized


# -- calendar days said by name -------------------------------------------------------------------


def test_since_the_start_of_a_month_and_since_new_year(retail):
    got = read(
        retail,
        "Customers who bought in the first half of this year but nothing since the start of July",
    )
    assert Since(start=date(2026, 7, 1)) in {c.window for c in activities(got)}
    got = read(retail, "Last December's buyers who haven't bought anything since New Year")
    windows = {c.window for c in activities(got)}
    assert Month(month=12) in windows and Since(start=date(2026, 1, 1)) in windows
    assert not got.unrecognized


def test_since_the_start_of_the_year_is_this_year(retail):
    (bought,) = activities(read(retail, "customers who bought since the start of the year"))
    assert bought.window == Calendar(period="this_year")


def test_ordinal_days_of_a_month_and_christmas_day(tpcds):
    got = read(
        tpcds,
        "the in-store shoppers from the run-up to Christmas - anyone who bought in one of our"
        " shops between 1st and 24th December - but leave out anybody who's brought something"
        " back to a shop since Christmas Day.",
        TPCDS_AS_OF,
    )
    bought, returned = activities(got)
    assert bought.window == Between(start=date(2002, 12, 1), end=date(2002, 12, 24))
    assert returned.activity.source == "store_returns"
    assert (returned.op, returned.value) == ("=", 0)
    assert returned.window == Since(start=date(2002, 12, 25))


def test_excluding_what_was_done_since_needs_nothing_before(retail):
    got = read(retail, "women, excluding anyone who bought since March")
    assert [(c.op, c.value) for c in activities(got)] == [("=", 0)]


# -- figures of a year, single orders, keyword lists ----------------------------------------------


def test_a_years_spend_is_the_spend_in_that_year(tpcds):
    got = read(
        tpcds,
        "gender = F AND bought (Books OR Music) in 2002 AND total 2002 spend (all categories, all"
        " channels) >= 40000",
        TPCDS_AS_OF,
    )
    (spend,) = [c for c in activities(got) if c.measure == "sum"]
    assert (spend.window, spend.op, spend.value) == (Year(year=2002), ">=", 40000)
    assert not got.unrecognized


def test_a_count_of_a_years_worth_is_not_that_years_purchases(retail):
    got = read(retail, "customers with 2000 purchases")
    assert got.spec is None or not any(c.window.kind == "year" for c in activities(got))
    assert any("2000" in u for u in got.unrecognized)


def test_spent_on_a_single_order_is_one_order_of_that_size(retail, tpcds):
    (order,) = activities(read(retail, "anyone who spent over $500 on a single order"))
    assert order.measure == "count" and order.activity.filters["total_amount"].min > 500
    (order,) = activities(read(tpcds, "anyone who spent over $50,000 on a single web order"))
    assert order.measure == "count" and order.activity.each_total is not None  # not summed


def test_a_range_after_who_they_are_is_their_age(retail):
    got = read(retail, "male 25-44 usa footwear 6mo emailable")
    assert _attributes(got)["age"].value == [25, 44]
    (footwear,) = activities(got)
    assert (footwear.op, footwear.value) == (">=", 1)


def test_camping_gear_is_the_camping_subcategory(retail):
    got = read(retail, "Shoppers who bought water sports or camping gear over the summer")
    (bought,) = activities(got)
    assert bought.activity.filters == {"subcategory": ["Water Sports", "Camping"]}


# -- a time counted from each customer's own earlier event ---------------------------------------


def _clicks_then_buys(executor, days: int) -> tuple[set[int], set[int]]:
    """(customers who bought after any click of theirs, within `days` of it; customers with a
    click). Both have a time of day: strictly after, up to `days` x 24 hours."""
    clicks = executor.query(
        "SELECT customer_id, event_ts FROM campaign_events WHERE event_type = 'clicked'",
        max_rows=1_000_000,
    ).rows
    buys = executor.query(
        f"SELECT customer_id, transaction_ts FROM ({COMPLETED}) p", max_rows=1_000_000
    ).rows
    bought: dict[int, list] = {}
    for customer, ts in buys:
        bought.setdefault(customer, []).append(ts)
    span = timedelta(days=days)
    within = {c for c, click in clicks if any(click < t <= click + span for t in bought.get(c, []))}
    return within, {c for c, _ in clicks}


@pytest.mark.parametrize("none", [False, True])
def test_within_days_of_any_earlier_event(executor, none: bool) -> None:
    clicked = CampaignEvents().model_copy(update={"filters": {"event_type": ["clicked"]}})
    after = AfterEvent(activity=clicked, which="each", within=Trailing(n=7, unit="days"))
    bought = ActivityCondition(
        activity=Purchases(), after=after, op="=" if none else ">=", value=0 if none else 1
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[bought])))
    within, clickers = _clicks_then_buys(executor, 7)
    assert audience == (clickers - within if none else within) and audience


def test_within_days_of_raising_it_follows_the_earlier_event(saas):
    got = read(
        saas,
        "Organisations that reported an outage and then cancelled within 30 days of raising it",
    )
    (churned,) = [c for c in activities(got) if c.after is not None]
    assert churned.after.within == Trailing(n=30, unit="days")
    assert churned.window.kind == "all_time" and not got.unrecognized
    got = read(
        saas, "accounts that reported an outage and did not cancel within 30 days of raising it"
    )
    (kept,) = [c for c in activities(got) if c.after is not None]
    assert (kept.op, kept.value, kept.after.within.n) == ("=", 0, 30)


# -- more calendar and shorthand -------------------------------------------------------------------


def test_the_same_quarter_the_year_before_is_the_earlier_time_a_year_back(tpcds):
    got = read(
        tpcds,
        "Children's buyers from last quarter who didn't buy any children's items in the same"
        " quarter the year before",
        TPCDS_AS_OF,
    )
    assert [c.window for c in activities(got)] == [
        Calendar(period="last_quarter"),
        Between(start=date(2001, 10, 1), end=date(2001, 12, 31)),
    ]


def test_a_small_number_of_m_is_months_unless_money(tpcds):
    got = read(tpcds, "female 25-34 sports 12m mountain tz", TPCDS_AS_OF)
    (sports,) = activities(got)
    assert sports.window == Trailing(n=12, unit="months") and not got.unrecognized
    (spend,) = activities(read(tpcds, "customers who spent over 2m", TPCDS_AS_OF))
    assert spend.value == 2_000_000


def test_a_terms_own_time_is_not_the_lists(tpcds):
    got = read(tpcds, "lapsed online (no web order 6m) + instore purchase 90d", TPCDS_AS_OF)
    windows = {(c.activity.source, c.op, c.window) for c in activities(got)}
    assert ("web_purchases", "=", Trailing(n=6, unit="months")) in windows
    assert ("store_purchases", ">=", Trailing(n=90, unit="days")) in windows


def test_a_coupon_on_their_order_is_on_those_orders(tpcds):
    got = read(
        tpcds,
        "The previous month's online shoppers who redeemed a coupon on their order",
        TPCDS_AS_OF,
    )
    (web,) = activities(got)
    assert web.activity.predicates and web.window == Calendar(period="last_month")


# -- brackets, double negation, 'or' before a negation -------------------------------------------


def test_a_bracketed_or_joined_by_and_is_one_condition(retail):
    got = read(
        retail,
        "(reward_preference = points OR loyalty tier != none) AND income_band in (100-200k, 200k+)",
    )
    (either,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    assert {(c.attribute, c.op, c.value) for c in either.conditions} == {
        ("reward_preference", "=", "points"),
        ("loyalty_tier", "!=", "none"),
    }
    assert _attributes(got)["income_band"].value == ["100-200k", "200k+"]
    assert not got.unrecognized


def test_not_none_is_with_one(retail):
    (tier,) = read(retail, "customers whose loyalty tier is not none").spec.conditions
    assert (tier.attribute, tier.op, tier.value) == ("loyalty_tier", "!=", "none")
    (tier,) = read(retail, "customers with no loyalty tier").spec.conditions
    assert (tier.op, tier.value) == ("=", "none")


def test_or_before_a_negated_value_is_an_or(retail):
    got = read(retail, "reward preference points or loyalty tier != gold")
    (either,) = got.spec.conditions
    assert isinstance(either, OrGroup) and len(either.conditions) == 2
    assert not got.unrecognized


def test_within_a_fortnight_of_the_very_first_is_of_that_first_one(tpcds):
    got = read(
        tpcds,
        "customers whose very first purchase was a catalog order and who then bought in one of"
        " our stores within a fortnight of it",
        TPCDS_AS_OF,
    )
    (later,) = [c for c in activities(got) if c.after is not None and c.after.within]
    assert (later.after.which, later.after.within) == ("first", Trailing(n=14, unit="days"))


def test_within_days_of_that_click_is_of_any_click(retail):
    got = read(
        retail,
        "customers who clicked on a promotional campaign in the last ninety days and then placed"
        " an order within seven days of that click",
    )
    (later,) = [c for c in activities(got) if c.after is not None]
    assert (later.after.which, later.after.within) == ("each", Trailing(n=7, unit="days"))
    assert not got.unrecognized
