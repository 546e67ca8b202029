"""Round 4 of 'understanding that generalizes': requests phrased the way other people write them.

Analysts' shorthand ("recency > 90d", "10+ logins last 30d"), calendar phrases (halves, seasons,
a list of consecutive months), a negation that takes the time of the activity before it
("browsed last week without buying"), "bought nothing this year", "in 2001 and not since", a
money verb inside an event's verb phrase ("paid us more than 5000"), and a quantity that no
condition takes is said, never dropped.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rules_reading import AS_OF, activities, read

from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.rules.text import normalize
from assistant.rules.timeparse import TimeParser
from assistant.spec import AttributeCondition
from assistant.windows import AllTime as AllTimeWindow
from assistant.windows import Between, Since

# -- analysts' shorthand ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "normal"),
    [
        ("recency > 90d", "recency more than 90 days"),
        ("frequency >= 3", "frequency at least 3"),
        ("spend<=$500", "spend at most $500"),
        ("10+ logins last 30d", "10 or more logins last 30 days"),
        ("no orders in 6mo", "no orders in 6 months"),
        ("2wks", "in the last 2 weeks"),  # a span said alone is the trailing period
        ("3 yrs", "3 years"),
    ],
)
def test_symbols_and_unit_letters_read_as_words(said, normal):
    assert normalize(said) == normal


def test_recency_and_frequency_in_analyst_speak(retail):
    got = read(retail, "customers with recency > 90d and frequency >= 3")
    assert got.unrecognized == []
    shapes = {(c.measure, c.op, c.value) for c in activities(got)}
    assert ("days_since_last", ">", 90) in shapes
    assert ("count", ">=", 3) in shapes


def test_a_unit_letter_is_never_a_value(tpcds):
    # "30d" was the letter d, which is the marital status code of the divorced
    got = read(tpcds, "customers with frequency >= 10 and recency < 30d", date(2003, 1, 12))
    assert not [c for c in got.spec.conditions if isinstance(c, AttributeCondition)]


# -- calendar phrases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "start", "end"),
    [
        ("in the first half of 2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("in the second half of 2002", date(2002, 7, 1), date(2002, 12, 31)),
        ("h2 2025", date(2025, 7, 1), date(2025, 12, 31)),
        ("the first half of the year", date(2026, 1, 1), date(2026, 6, 30)),
        ("in january and february 2002", date(2002, 1, 1), date(2002, 2, 28)),
        ("in march, april and may", date(2026, 3, 1), date(2026, 5, 31)),
        ("in september through november 2025", date(2025, 9, 1), date(2025, 11, 30)),
        ("over the summer", date(2026, 6, 1), date(2026, 8, 31)),
        ("in the autumn of 2025", date(2025, 9, 1), date(2025, 11, 30)),
        ("the fall of 2025", date(2025, 9, 1), date(2025, 11, 30)),
        ("last winter", date(2025, 12, 1), date(2026, 2, 28)),
    ],
)
def test_halves_seasons_and_month_lists_are_one_period(said, start, end):
    _, found = TimeParser(AS_OF).extract(normalize(said))
    assert [t.window for t in found] == [Between(start=start, end=end)]


@pytest.mark.parametrize("said", ["in march and june", "summer camping gear", "winter of 2002"])
def test_what_is_not_one_period_is_left_to_the_other_rules(said):
    _, found = TimeParser(AS_OF).extract(normalize(said))
    assert all(not isinstance(t.window, Between) for t in found)


def test_a_year_given_once_is_every_listed_months(tpcds):
    got = read(tpcds, "customers who bought in January and February 2002", date(2003, 1, 12))
    assert got.unrecognized == []
    (cond,) = activities(got)
    assert cond.window == Between(start=date(2002, 1, 1), end=date(2002, 2, 28))


# -- negation takes the time of the activity before it --------------------------------------------


@pytest.mark.parametrize(
    "request_text",
    [
        "customers who browsed last week without buying",
        "people who browsed last week without buying anything",
    ],
)
def test_without_is_about_the_same_period(retail, request_text):
    got = read(retail, request_text)
    browsed, bought = activities(got)
    assert bought.op == "=" and bought.value == 0
    assert bought.window == browsed.window


def test_bought_nothing_this_year_is_none_this_year(retail):
    got = read(retail, "customers who bought nothing this year")
    (cond,) = activities(got)
    assert (cond.op, cond.value) == ("=", 0)
    assert cond.window is not None and cond.window.kind == "calendar"


def test_in_a_year_and_not_since_counts_from_its_end(tpcds):
    got = read(tpcds, "customers who bought in store in 2001 and not since", date(2003, 1, 12))
    assert got.unrecognized == []
    none = [c for c in activities(got) if c.op == "=" and c.value == 0]
    assert [c.window for c in none] == [Since(start=date(2002, 1, 1))]
    some = [c for c in activities(got) if c.op == ">=" and c.window.kind == "year"]
    assert some and some[0].activity.source == "store_purchases"


# -- money inside a verb phrase; quantities nothing took -------------------------------------------


def test_a_money_verb_inside_an_events_verb_phrase_is_money(saas):
    got = read(saas, "accounts that paid us more than 5000 last year")
    (cond,) = activities(got)
    assert (cond.measure, cond.op, cond.value) == ("sum", ">", 5000)


def test_a_quantity_no_condition_takes_is_said(retail):
    got = read(retail, "people who bought shoes and waited more than 2 years")
    assert any(u.startswith("more than 2 years") for u in got.unrecognized)


def test_tenure_in_everyday_words(retail):
    got = read(retail, "people who've been customers for more than 2 years")
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert isinstance(cond, AttributeCondition) and cond.op == ">" and cond.value == 730


# -- property: a period said as consecutive months is the span of its first and last ------------


@given(
    first=st.integers(min_value=1, max_value=11),
    length=st.integers(min_value=2, max_value=4),
    year=st.integers(min_value=1998, max_value=2025),
)
def test_consecutive_months_joined_by_and_are_their_span(first, length, year):
    import calendar

    months = [calendar.month_name[m].lower() for m in range(first, min(first + length, 13))]
    if len(months) < 2:
        return
    said = "in " + ", ".join(months[:-1]) + " and " + months[-1] + f" {year}"
    _, found = TimeParser(AS_OF).extract(said)
    last = first + len(months) - 1
    end = date(year, last, calendar.monthrange(year, last)[1])
    assert [t.window for t in found] == [Between(start=date(year, first, 1), end=end)]


# -- an item's price; shapes no condition makes; a negation over an 'or' list --------------------


@pytest.mark.parametrize(
    "request_text",
    [
        "shoppers who bought an item over $300",
        "customers who bought a single item for more than $300",
    ],
)
def test_money_after_one_item_is_its_price_not_a_total(retail, request_text):
    got = read(retail, request_text)
    (cond,) = activities(got)
    assert cond.measure == "count" and (cond.op, cond.value) == (">=", 1)
    assert cond.activity.filters  # a bound on the item's price, not a sum spent


@pytest.mark.parametrize(
    ("request_text", "said"),
    [
        ("customers who buy from us every single month", "every single month"),
        (
            "customers who bought apparel in store and footwear online in the same order",
            "same order",
        ),
        ("who has bought more than 20 items in a single month", "single month"),
    ],
)
def test_shapes_no_condition_makes_are_said(retail, request_text, said):
    got = read(retail, request_text)
    assert any(said in u for u in got.unrecognized)


@pytest.mark.parametrize(
    "request_text",
    [
        "shoppers who have never bought anything online or in the app",
        "customers who did not buy online or in the app last year",
    ],
)
def test_a_negation_covers_every_item_of_its_or_list(retail, request_text):
    got = read(retail, request_text)
    conds = activities(got)
    assert conds and all((c.op, c.value) == ("=", 0) for c in conds)
    assert len({c.window for c in conds}) == 1
    channels = {v for c in conds for v in c.activity.filters["channel"]}
    assert channels == {"online", "app"}  # none in either, one list or two conditions


# -- what was bought, said once before a list of channels, is every channel's -------------------


def test_the_returned_items_bought_from_a_channel_are_that_channels_returns(tpcds):
    got = read(
        tpcds, "customers who returned items bought from the catalog in 2002", date(2003, 1, 12)
    )
    (cond,) = activities(got)
    assert cond.activity.source == "catalog_returns"


def test_a_category_before_a_list_of_channels_is_every_channels(tpcds):
    got = read(tpcds, "customers who bought Books online and in store in 2002", date(2003, 1, 12))
    conds = activities(got)
    assert {c.activity.source for c in conds} == {"web_purchases", "store_purchases"}
    assert all(c.activity.filters == {"category": ["Books"]} for c in conds)


def test_a_verb_of_its_own_buys_its_own_things(tpcds):
    got = read(
        tpcds, "customers who bought shoes in store and also shopped online", date(2003, 1, 12)
    )
    web = [c for c in activities(got) if c.activity.source == "web_purchases"]
    assert web and not web[0].activity.filters


@given(st.permutations(["in store", "online", "in the app"]))
def test_the_order_of_a_channel_list_never_changes_what_is_asked(order):
    backend = RulesBackend()
    said = f"customers who bought footwear {order[0]}, {order[1]} and {order[2]} in 2025"
    got = backend.interpret(Turn(request=said, as_of=AS_OF))
    conds = activities(got)
    assert len(conds) == 3
    assert all(c.activity.filters.get("category") == ["Footwear"] for c in conds)
    assert {c.activity.filters["channel"][0] for c in conds} == {"store", "online", "app"}
    assert len({c.window for c in conds}) == 1


# -- who the customers are comes before the verb; a time for each of two years -------------------


def test_a_value_before_the_verb_names_the_customers(tpcds):
    got = read(
        tpcds, "how many women in the Pacific time zone bought shoes online?", date(2003, 1, 12)
    )
    people = [c for c in got.spec.conditions if isinstance(c, AttributeCondition)]
    assert {c.attribute for c in people} >= {"gender"}
    (bought,) = activities(got)
    assert bought.activity.filters == {"category": ["Shoes"]}


def test_in_both_of_two_years_is_one_condition_per_year(tpcds):
    got = read(tpcds, "customers who shopped in stores in both 2001 and 2002", date(2003, 1, 12))
    assert got.unrecognized == []
    assert sorted(c.window.year for c in activities(got)) == [2001, 2002]


def test_items_returned_to_a_store_are_the_returned_ones(tpcds):
    said = "customers by whom items were returned to a store in the last 3 months"
    (cond,) = activities(read(tpcds, said, date(2003, 1, 12)))
    assert cond.activity.source == "store_returns"


# -- SaaS phrasing: doers after 'whose', fields with no value, 'not … since' on an amount ----------


def test_the_noun_after_whose_names_who_did_it(saas):
    got = read(saas, "accounts whose users exported data in January and February")
    (cond,) = activities(got)
    assert cond.activity.source == "usage"
    assert cond.activity.filters == {"event_name": ["export"]}


def test_a_field_named_with_no_value_is_said(saas):
    got = read(
        saas, "accounts on the enterprise plan that raised an urgent ticket but never rated support"
    )
    assert any(u.startswith("rated support") for u in got.unrecognized)


def test_not_paid_since_is_none_since_not_zero_dollars(saas):
    got = read(saas, "accounts that haven't paid since June")
    shapes = {(c.measure, c.op, c.value) for c in activities(got)}
    assert shapes == {("count", ">=", 1), ("count", "=", 0)}


@pytest.mark.parametrize(
    ("request_text", "n", "unit"),
    [
        ("customers who haven't bought in more than a year", 1, "years"),
        ("customers who haven't bought in more than 6 months", 6, "months"),
    ],
)
def test_not_in_more_than_a_period_is_none_in_that_period(retail, request_text, n, unit):
    (cond,) = activities(read(retail, request_text))
    assert (cond.op, cond.value) == ("=", 0)
    assert (cond.window.n, cond.window.unit) == (n, unit)


def test_customers_for_more_than_a_period_stays_a_tenure(retail):
    got = read(retail, "customers who have been customers for more than 6 months")
    assert got.unrecognized == []
    (cond,) = got.spec.conditions
    assert isinstance(cond, AttributeCondition)


# -- percentages are shares; 'all'/'every order' is all of it; 'but not both' ---------------------


def test_a_percentage_of_their_orders_is_a_share(retail):
    (cond,) = activities(read(retail, "customers who bought more than 60% of their orders online"))
    assert (cond.measure, cond.op, cond.value) == ("share", ">", 60)


@pytest.mark.parametrize(
    "request_text",
    [
        "customers who returned more than 20% of their orders",
        "customers with more than 20% returns",
    ],
)
def test_a_percentage_is_never_a_count(retail, request_text):
    got = read(retail, request_text)
    conds = activities(got) if got.spec else []
    assert all(c.measure == "share" or c.value != 20 for c in conds)
    assert conds or got.unrecognized


def test_a_percentage_is_never_a_fields_bound(retail):
    got = read(retail, "customers who got a discount on at least 75% of their purchases")
    (cond,) = activities(got)
    assert (cond.measure, cond.op, cond.value) == ("share", ">=", 75)


@pytest.mark.parametrize(
    "request_text",
    [
        "customers whose orders were all placed in store",
        "shoppers who paid by card for every order",
    ],
)
def test_all_of_their_orders_is_a_share_of_all(retail, request_text):
    (cond,) = activities(read(retail, request_text))
    assert (cond.measure, cond.op, cond.value, cond.field) == ("share", ">=", 100, None)


def test_or_but_not_both_is_one_and_not_the_other(retail):
    got = read(retail, "customers who bought footwear or apparel but not both")
    either, neither = got.spec.conditions
    assert either.kind == "or" and neither.kind == "not"
    assert neither.condition.kind == "and"
    assert list(neither.condition.conditions) == list(either.conditions)


# -- a predicate every channel has, when no channel is named, is the union's yes/no field -------


@pytest.mark.parametrize(
    ("request_text", "flag"),
    [
        ("people who bought on promotion last year", "promotion_applied"),
        ("customers who used a coupon in 2002", "coupon_redeemed"),
        ("coupon users", "coupon_redeemed"),
    ],
)
def test_a_predicate_of_every_channel_is_any_channels(tpcds, request_text, flag):
    (cond,) = activities(read(tpcds, request_text, date(2003, 1, 12)))
    assert cond.activity.source == "purchases"
    assert cond.activity.filters == {flag: True}


def test_a_named_channel_keeps_its_own_predicate(tpcds):
    (cond,) = activities(read(tpcds, "customers who used a coupon in store", date(2003, 1, 12)))
    assert cond.activity.source == "store_purchases"
    assert cond.activity.predicates == ["used_coupon"]


def test_more_than_twice_counts_the_returns_not_the_items(tpcds):
    said = "customers who returned items in store more than twice in 2002"
    (cond,) = activities(read(tpcds, said, date(2003, 1, 12)))
    assert (cond.activity.source, cond.measure, cond.op, cond.value) == (
        "store_returns",
        "count",
        ">",
        2,
    )


# -- 'and then' is a sequence; values of one property joined by 'and' are either ----------------


def test_and_then_is_after_the_earlier_activity(saas):
    got = read(saas, "accounts that had an outage ticket and then churned")
    assert got.unrecognized == []
    churn = [c for c in activities(got) if c.activity.source == "churn"]
    assert churn and churn[0].after is not None and churn[0].after.activity.source == "tickets"


def test_two_values_of_one_property_before_more_words_are_either(saas):
    got = read(saas, "healthcare and education accounts in the US")
    industry = [c for c in got.spec.conditions if getattr(c, "attribute", None) == "industry"]
    assert len(industry) == 1 or any(c.kind == "or" for c in got.spec.conditions)
    assert any(getattr(c, "attribute", None) == "country" for c in got.spec.conditions)


def test_a_value_the_events_rows_exclude_is_said(saas):
    got = read(saas, "accounts with a void invoice")
    assert any(u.startswith("void") for u in got.unrecognized)


def test_a_value_of_no_event_the_verb_names_is_said(retail):
    got = read(retail, "customers who viewed footwear online last week but did not buy footwear")
    assert any(u.startswith("online") for u in got.unrecognized)
    assert {c.activity.source for c in activities(got)} == {"web_sessions", "purchases"}
    assert all(not c.activity.filters.get("channel") for c in activities(got))


def test_comparing_two_periods_is_one_comparison(retail):
    got = read(retail, "customers who spent more in 2026 than in 2025")
    (cond,) = got.spec.conditions
    assert cond.kind == "compare" and not got.unrecognized


def test_not_since_after_a_current_period_counts_from_its_first_event(retail):
    said = "shoppers who left something in their cart this week and haven't purchased since"
    none = [c for c in activities(read(retail, said)) if c.op == "=" and c.value == 0]
    assert none and none[0].after is not None
    assert none[0].after.window.kind == "calendar"


def test_what_was_bought_beside_a_channel_term_is_bought_in_each_channel(tpcds):
    got = read(tpcds, "customers who bought shoes in both store and online", date(2003, 1, 12))
    conds = activities(got)
    assert {c.activity.source for c in conds} == {"store_purchases", "web_purchases"}
    assert all(c.activity.filters == {"category": ["Shoes"]} for c in conds)


@pytest.mark.parametrize(
    "request_text",
    [
        "customers who bought from the catalog every single quarter 2002",
        "customers with 2000 purchases",
    ],
)
def test_a_year_no_time_takes_is_never_a_count(tpcds, request_text):
    got = read(tpcds, request_text, date(2003, 1, 12))
    # with only "did it at all" left the request is asked back; never 2000 purchases
    assert got.spec is None or all(c.value < 1900 for c in activities(got))
    assert any("year" in u or "each" in u for u in got.unrecognized)


def test_a_verb_said_alone_shares_the_next_verbs_object_and_time(retail):
    got = read(retail, "customers who opened but didn't click an email last month")
    opened, clicked = activities(got)
    assert opened.activity.filters["channel"] == clicked.activity.filters["channel"] == ["email"]
    assert opened.window == clicked.window and opened.window.kind == "calendar"


def test_a_relative_clause_is_no_second_verb(tpcds):
    said = "store customers who haven't bought in store in the last 12 months"
    some = [c for c in activities(read(tpcds, said, date(2003, 1, 12))) if c.op == ">="]
    assert some and some[0].window == AllTimeWindow()


@pytest.mark.parametrize(
    ("said", "normal"), [("the past fortnight", "the past 2 weeks"), ("a & b", "a and b")]
)
def test_fortnights_and_ampersands(said, normal):
    assert normalize(said) == normal
