"""Specification: round 16's voices (issue 11): British colloquialisms, analysts' column-like
names for figures, calendar weeks of a month, a span's unit said once, a number of times after
an aside, a campaign's own subject said in a relative clause."""

from __future__ import annotations

from datetime import date

from rules_reading import activities, read

from assistant.spec import AttributeCondition
from assistant.windows import Between, Trailing


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


def test_british_colloquialisms_are_their_plain_words(retail, tpcds):
    got = read(
        retail, "blokes in Scotland or Wales who've spent over 500 quid in the last 12 months"
    )
    assert _attributes(got)["gender"].value == "male"
    (spend,) = activities(got)
    assert (spend.measure, spend.op, spend.value) == ("sum", ">", 500)
    assert not got.unrecognized
    got = read(retail, "punters who binned their basket in the last fortnight")
    (abandoned,) = activities(got)
    assert abandoned.activity.predicates == ["cart_abandoned"]
    assert abandoned.window == Trailing(n=2, unit="weeks") and not got.unrecognized
    got = read(tpcds, "blokes who shop on the high street", date(2003, 1, 12))
    assert _attributes(got)["gender"].value == "M"
    assert activities(got)[0].activity.source == "store_purchases"


def test_a_figure_named_like_a_column_is_the_figure_over_its_time(retail, saas):
    got = read(retail, "spend_12m > 1k AND returns_12m = 0 AND tier in (bronze, silver)")
    spend, returns = sorted(activities(got), key=lambda c: c.activity.source)
    assert (spend.activity.source, spend.op, spend.value) == ("purchases", ">", 1000)
    assert (returns.op, returns.value) == ("=", 0)
    assert spend.window == returns.window == Trailing(n=12, unit="months")
    assert "gender" not in _attributes(got)  # the 'm' of '12m' is no man
    got = read(retail, "customer_type = business & app_orders_last_qtr >= 1")
    (app,) = activities(got)
    assert app.activity.filters == {"channel": ["app"]} and app.window.kind == "calendar"
    got = read(saas, "industry=retail / country=US / revenue_12m>=2000")
    assert activities(got)[0].window == Trailing(n=12, unit="months")


def test_a_week_of_a_month_is_its_seven_days(retail):
    got = read(retail, "Who bought in the app during the first week of September?")
    (bought,) = activities(got)
    assert bought.window == Between(start=date(2026, 9, 1), end=date(2026, 9, 7))
    got = read(retail, "customers who bought in the last week of June 2025")
    assert activities(got)[0].window == Between(start=date(2025, 6, 24), end=date(2025, 6, 30))


def test_a_span_without_its_unit_takes_the_unit_said_before(retail):
    got = read(
        retail,
        "anyone in Germany who opened one of our emails in the last 30 days but hasn't bought"
        " anything in the last 90?",
    )
    windows = sorted(c.window.n for c in activities(got))
    assert windows == [30, 90] and not got.unrecognized


def test_a_number_of_times_after_an_aside_counts_the_activity_before_it(retail):
    got = read(
        retail,
        "Ladies who've bought beauty on buy now pay later (Klarna) a couple of times or more",
    )
    (bought,) = activities(got)
    assert (bought.op, bought.value) == (">=", 2) and not got.unrecognized


def test_a_campaigns_subject_in_a_relative_clause_is_the_campaigns(retail):
    got = read(
        retail,
        "Customers who clicked a promotional campaign that was pushing Apparel and who then went"
        " on to buy apparel within a week of that click",
    )
    clicked = next(c for c in activities(got) if c.activity.source == "campaign_events")
    assert clicked.activity.filters["target_category"] == ["Apparel"]
    assert len(activities(got)) == 2 and not got.unrecognized


def test_no_one_is_nobody_and_mid_month_is_the_fifteenth(saas):
    got = read(
        saas, "pro accounts where no one has ever touched forecasting - and no one who's churned"
    )
    counts = sorted((c.activity.source, c.op, c.value) for c in activities(got))
    assert counts == [("churn", "=", 0), ("usage", "=", 0)] and not got.unrecognized
    got = read(saas, "pro or enterprise accounts that churned since mid-July")
    (churned,) = activities(got)
    assert churned.window.start == date(2026, 7, 15)


def test_a_column_named_with_its_stored_value_is_that_value(saas):
    got = read(saas, "logins_30d = 0 & status=active & plan != free")
    assert _attributes(got)["status"].value == "active"
    (logins,) = activities(got)  # 'active' is not the catalog's term for logging in here
    assert (logins.op, logins.value) == ("=", 0)
    got = read(saas, "active accounts on pro")
    assert "status" not in _attributes(got)  # alone, 'active' stays the catalog's term


def test_a_time_after_neither_nor_is_both_items_time(saas):
    got = read(
        saas,
        "pro accounts that logged in within the last 30 days but have neither exported data nor"
        " called the API in the last 90 days",
    )
    denied = [c for c in activities(got) if c.op == "="]
    assert sorted(c.window.n for c in denied) == [90, 90]
    got = read(saas, "accounts that neither exported data in the last 7 days nor called the API")
    exported = next(c for c in activities(got) if "export" in str(c.activity.filters))
    assert exported.window == Trailing(n=7, unit="days")  # its own time stays its own


def test_neither_nor_shares_its_verb_and_did_repeats_it(saas):
    got = read(
        saas,
        "accounts on an active subscription where neither an admin nor a member has logged in"
        " during the last 30 days, but at least one viewer did",
    )
    logins = {c.activity.filters["role"][0]: c for c in activities(got)}
    assert set(logins) == {"admin", "member", "viewer"}
    assert all(c.activity.filters["event_name"] == ["login"] for c in logins.values())
    assert all(c.window == Trailing(n=30, unit="days") for c in logins.values())
    assert (logins["viewer"].op, logins["viewer"].value) == (">=", 1)
    assert (logins["admin"].op, logins["admin"].value) == ("=", 0)
