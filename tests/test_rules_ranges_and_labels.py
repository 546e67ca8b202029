"""Specification: a range said as two comparisons, a label defined after a colon, and the
shorthand of round 15's voices (issue 11): "over $40,000 but under 100000", "win-back
candidates: 3+ purchases …", "2+ catalog orders <365d", "excl TX & CA"."""

from __future__ import annotations

from datetime import date

import pytest
from rules_reading import activities, read

from assistant.spec import ActivityCondition, AttributeCondition, NotGroup, Trailing

TPCDS_AS_OF = date(2003, 1, 12)


def _bounds(got) -> list[tuple[str, float]]:
    return sorted((c.op, c.value) for c in activities(got))


# -- a range as two comparisons ------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_, expected",
    [
        ("in-store spend in 2002 anything north of $40,000 but under a hundred thousand",
         [("<", 100000), (">", 40000)]),
        ("store spend in 2002 more than $40,000 and less than $100000",
         [("<", 100000), (">", 40000)]),
        ("customers who made no fewer than five and at most seven purchases ever",
         [("<=", 7), (">=", 5)]),
        ("customers with more than 5 but fewer than 8 purchases", [("<", 8), (">", 5)]),
    ],
)  # fmt: skip
def test_two_comparisons_bound_one_figure_from_both_sides(tpcds, request_, expected):
    got = read(tpcds, request_, TPCDS_AS_OF)
    assert _bounds(got) == expected
    figures = {(c.activity.source, c.measure, c.field, c.window) for c in activities(got)}
    assert len(figures) == 1  # the same figure, its window and channel included
    assert not got.unrecognized


def test_a_bare_activity_has_no_figure_to_bound(retail):
    got = read(retail, "Aveline or Lumiere buyers under 35 who prefer SMS")
    ages = [c for c in got.spec.conditions if getattr(c, "attribute", None) == "age"]
    assert [(c.op, c.value) for c in ages] == [("<", 35)]


def test_an_amount_never_bounds_a_count(saas):
    got = read(saas, "accounts with more than 3 invoices and under $100")
    counts = [c for c in activities(got) if c.measure == "count"]
    assert [(c.op, c.value) for c in counts] == [(">", 3)]


# -- a label and the writer's own definition -----------------------------------------------------


def test_a_label_before_a_colon_is_the_name_of_its_definition(tpcds, saas):
    got = read(
        tpcds,
        "win-back candidates: 3+ purchases lifetime but nothing at all in the last 12 months",
        TPCDS_AS_OF,
    )
    ever, recent = sorted(activities(got), key=lambda c: c.window is not None)
    assert (ever.op, ever.value) == (">=", 3)
    assert (recent.op, recent.value, recent.window) == ("=", 0, Trailing(n=12, unit="months"))
    assert any("'win-back candidates" in a for a in got.assumptions)  # a name, said so
    assert not got.unrecognized
    got = read(saas, "quiet fintechs - accounts in fintech with no logins in the last 30 days")
    assert any(isinstance(c, AttributeCondition) for c in got.spec.conditions)
    assert not got.unrecognized


def test_a_catalog_term_is_replaced_only_by_a_definition_that_explains_it(tpcds, retail):
    got = read(
        tpcds,
        "customers who've gone quiet online: they've ordered on the web before, no web orders in"
        " the last 6 months, but they have still shopped in store during those 6 months",
        TPCDS_AS_OF,
    )
    sources = sorted((c.activity.source, c.op) for c in activities(got))
    assert sources == [("store_purchases", ">="), ("web_purchases", "="), ("web_purchases", ">=")]
    store = next(c for c in activities(got) if c.activity.source == "store_purchases")
    assert store.window == Trailing(n=6, unit="months")  # "those 6 months": the same period
    got = read(retail, "high value segment: no app orders")
    assert any(a.startswith("'high value'") for a in got.assumptions)  # it adds to the term


# -- repeated activity denied, shorthand --------------------------------------------------------


def test_nothing_in_a_period_after_a_count_is_none_then(tpcds):
    got = read(
        tpcds, "customers with 3 or more purchases but nothing in the last 90 days", TPCDS_AS_OF
    )
    recent = [c for c in activities(got) if c.window == Trailing(n=90, unit="days")]
    assert [(c.op, c.value) for c in recent] == [("=", 0)]
    assert not any(isinstance(c, NotGroup) for c in got.spec.conditions)


def test_lifetime_is_all_of_history_and_lifetime_value_a_measure(tpcds):
    got = read(tpcds, "customers with 3 or more purchases lifetime", TPCDS_AS_OF)
    assert not got.unrecognized and activities(got)[0].value == 3
    got = read(tpcds, "customers with a lifetime value over 1000", TPCDS_AS_OF)
    (value,) = activities(got)
    assert (value.measure, value.op, value.value) == ("sum", ">", 1000)


def test_a_count_under_a_span_is_within_that_span(tpcds):
    got = read(tpcds, "custs w/o any web txns ever, 2+ catalog orders <365d", TPCDS_AS_OF)
    catalog = next(c for c in activities(got) if c.activity.source == "catalog_purchases")
    assert (catalog.value, catalog.window) == (2, Trailing(n=365, unit="days"))
    got = read(tpcds, "recency < 30 days", TPCDS_AS_OF)
    (recency,) = activities(got)
    assert (recency.measure, recency.op, recency.value) == ("days_since_last", "<", 30)


def test_excl_excludes_each_of_its_list(tpcds):
    got = read(
        tpcds, "repeat custs (2+ txns L12M) who also had 1+ return L12M, excl TX & CA", TPCDS_AS_OF
    )
    excluded = [c for c in got.spec.conditions if isinstance(c, NotGroup)]
    assert sorted(c.condition.value for c in excluded) == ["CA", "TX"]
    assert not got.unrecognized  # "repeat custs": the catalog's repeat customers


def test_a_single_channel_purchase_of_a_one_time_buyer_keeps_both(tpcds):
    got = read(tpcds, "one-and-done buyers whose single purchase was a catalog order", TPCDS_AS_OF)
    exact = sorted((c.activity.source, c.op, c.value) for c in activities(got))
    assert exact == [("catalog_purchases", "=", 1), ("purchases", "=", 1)]


def test_a_return_reason_is_not_read_from_a_plain_count(tpcds):
    got = read(tpcds, "women in texas who bought twice", TPCDS_AS_OF)
    assert all(c.activity.source != "returns" for c in activities(got))
    assert any(isinstance(c, ActivityCondition) and c.value == 2 for c in activities(got))


# -- a time from the customer's own first row of an activity -----------------------------------


def test_a_span_after_their_first_row_counts_from_that_day(tpcds, retail):
    got = read(
        tpcds,
        "customers who spent more than $30,000 in their first 90 days after their first purchase",
        TPCDS_AS_OF,
    )
    (spend,) = activities(got)
    assert (spend.measure, spend.op, spend.value) == ("sum", ">", 30000)
    assert spend.since_first.activity.source == "purchases"
    assert spend.since_first.within == Trailing(n=90, unit="days")
    assert spend.window.kind == "all_time" and not got.unrecognized
    got = read(retail, "customers who made a purchase within 30 days of their first return")
    (bought,) = activities(got)
    assert (bought.activity.source, bought.since_first.activity.source) == ("purchases", "returns")


def test_again_after_their_first_counts_the_first_one_too(retail):
    got = read(retail, "customers who bought again within 30 days of their first order")
    (again,) = activities(got)
    assert (again.op, again.value, again.since_first.activity.source) == (">=", 2, "purchases")
    assert not got.unrecognized


def test_a_span_after_a_first_thing_that_is_no_activity_is_reported(retail):
    got = read(retail, "customers who bought within 30 days of their first argument")
    assert any("within 30 days of their first" in u for u in got.unrecognized)


def test_a_grade_of_a_measure_with_a_number_in_brackets_is_that_number(tpcds):
    got = read(tpcds, "high-LTV custs ($150k+ lifetime) w/ 0 txns in the last 180d", TPCDS_AS_OF)
    kinds = sorted((c.measure, c.op, c.value) for c in activities(got))
    assert kinds == [("count", "=", 0), ("sum", ">=", 150000)]
    assert not [c for c in got.spec.conditions if getattr(c, "kind", "") == "segment"]


# -- times said before their activity ------------------------------------------------------------


def test_since_then_said_before_its_verb_counts_from_the_earlier_activity(saas):
    got = read(
        saas,
        "accounts who opened a billing ticket in the last 6 months and since then have not paid"
        " any invoice",
    )
    (unpaid,) = [c for c in activities(got) if c.after is not None]
    assert (unpaid.op, unpaid.value, unpaid.after.activity.source) == ("=", 0, "tickets")


def test_a_time_the_clause_before_could_not_use_is_the_next_ones(saas):
    got = read(saas, "Which paying accounts have since 3 months nobody logged in anymore?")
    (logins,) = activities(got)
    assert (logins.op, logins.value, logins.window) == ("=", 0, Trailing(n=3, unit="months"))
    assert not got.unrecognized


def test_with_us_for_a_time_is_their_tenure(saas, retail):
    got = read(saas, "accounts with us for more than a year")
    (tenure,) = got.spec.conditions
    assert (tenure.op, tenure.value) == (">", 365)
    got = read(retail, "customers with us for over 2 years who live in Canada")
    assert {c.attribute for c in got.spec.conditions} == {"tenure_days", "country"}


def test_their_own_birthday_month_keeps_the_rows_of_that_month(tpcds, saas):
    got = read(
        tpcds,
        "people who ordered from the catalog during their own birthday month last year",
        TPCDS_AS_OF,
    )
    (ordered,) = activities(got)
    assert ordered.in_birthday_month and ordered.window.kind == "calendar"
    assert not got.unrecognized
    got = read(saas, "accounts that logged in during their birthday month")
    assert any("no birthday" in u for u in got.unrecognized)  # said, never dropped
