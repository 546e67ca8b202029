"""Specification: how the round 17 SaaS voices and the demo support voices are read (issue 11).
A verb phrase with words inside it ('raised a delivery ticket'), 'since that ticket', a span
before another event ('in the 90 days before they churned'), 'live' logos."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rules_reading import activities, read
from test_compiler import COMPLETED, CampaignEvents, Purchases, run_compiled

from assistant.spec import ActivityCondition, AfterEvent, AttributeCondition, SegmentSpec
from assistant.windows import Trailing


def _topics(got) -> list[list[str]]:
    return [c.activity.filters.get("topic") for c in activities(got)]


@pytest.mark.parametrize("verb", ["raised", "filed", "opened", "submitted"])
def test_a_verb_phrase_with_a_value_inside_it_is_the_phrase_and_the_value(retail, verb):
    got = read(retail, f"customers who {verb} a delivery ticket in the last 90 days")
    (ticket,) = activities(got)
    assert ticket.activity.filters.get("topic") == ["delivery"] and not got.unrecognized


def test_only_values_inside_a_verb_phrase_move(retail, tpcds):
    got = read(retail, "customers who filed a big ticket")
    assert "big" in " ".join(got.unrecognized)
    # a place is a value, but 'in a store' is no verb: the store's own state
    got = read(tpcds, "customers who bought in a Tennessee store", date(2003, 1, 12))
    assert not any("for" in u for u in got.unrecognized)


def test_a_verb_phrase_of_its_own_is_left_as_it_is(retail):
    got = read(retail, "customers who raised a support ticket")
    (ticket,) = activities(got)
    assert not ticket.activity.filters and not got.unrecognized


def test_since_that_ticket_is_after_the_ticket_not_from_the_start_of_its_time(retail):
    got = read(
        retail,
        "Customers who raised a delivery ticket in the last 90 days and have placed an order "
        "since that ticket",
    )
    ordered = [c for c in activities(got) if c.after is not None]
    assert len(ordered) == 1 and ordered[0].activity.source == "purchases"
    assert ordered[0].after.activity.filters == {"topic": ["delivery"]}
    assert not got.unrecognized


def test_again_after_that_return_is_only_the_order(retail):
    got = read(
        retail, "customers who returned something this year but bought again after that return"
    )
    assert [c.after is not None for c in activities(got)] == [False, True]
    assert not got.unrecognized


def test_about_a_thing_whose_plural_is_a_value_is_that_value(retail):
    got = read(retail, "People who phoned support about a return in the last 6 months")
    (ticket,) = activities(got)
    assert ticket.activity.filters == {"channel": ["phone"], "topic": ["returns"]}


def test_in_those_days_in_words_is_the_earlier_time(retail):
    got = read(
        retail,
        "At least four but no more than ten site visits in the last 30 days, and not one "
        "purchase in those thirty days",
    )
    assert {c.window for c in activities(got)} == {Trailing(n=30, unit="days")}
    assert not got.unrecognized


def test_a_count_said_with_with_after_a_time_counts_in_that_time(retail):
    got = read(
        retail,
        "average order value of at least $150 and at most $250 over the past year, with a "
        "minimum of two orders",
    )
    assert {c.window for c in activities(got)} == {Trailing(n=12, unit="months")}
    (orders,) = [c for c in activities(got) if c.measure == "count"]
    assert (orders.op, orders.value) == (">=", 2)


def test_a_ticket_that_never_got_a_rating_is_an_unrated_ticket(retail):
    got = read(
        retail,
        "customers who opened a support ticket in the last 30 days that never got a satisfaction "
        "rating",
    )
    (ticket,) = activities(got)
    assert ticket.activity.predicates == ["unrated"] and not got.unrecognized
    # never rating support at all is not the same (no rated ticket): said, not guessed
    assert read(retail, "customers who never rated support").unrecognized


def test_live_before_the_audience_is_a_live_subscription(saas):
    got = read(saas, "live enterprise logos")
    assert {(c.attribute, c.value) for c in got.spec.conditions} == {
        ("plan", "enterprise"),
        ("status", "active"),
    }
    where = read(saas, "accounts that live in Germany")
    assert [(c.attribute, c.value) for c in where.spec.conditions] == [("country", "DE")]


def test_an_invoice_that_went_overdue_is_an_overdue_invoice(saas):
    got = read(saas, "accounts that had an invoice go overdue this year")
    (invoice,) = activities(got)
    assert invoice.activity.filters == {"status": ["overdue"]} and not got.unrecognized


def test_a_span_before_another_event_counts_only_that_span(saas):
    got = read(
        saas, "lost customers that had an invoice go overdue in the 90 days before they churned"
    )
    (overdue,) = [c for c in activities(got) if c.after is not None]
    assert overdue.after.side == "before"
    assert overdue.after.within == Trailing(n=90, unit="days")
    assert any(isinstance(c, AttributeCondition) for c in got.spec.conditions)
    assert not got.unrecognized


def test_a_span_before_an_event_runs_as_the_rows_in_that_span(executor) -> None:
    clicked = CampaignEvents().model_copy(update={"filters": {"event_type": ["clicked"]}})
    after = AfterEvent(
        activity=clicked, which="last", side="before", within=Trailing(n=30, unit="days")
    )
    bought = ActivityCondition(activity=Purchases(), after=after)
    audience = set(run_compiled(executor, SegmentSpec(conditions=[bought])))
    clicks = executor.query(
        "SELECT customer_id, max(event_ts) FROM campaign_events WHERE event_type = 'clicked' "
        "GROUP BY customer_id",
        max_rows=1_000_000,
    ).rows
    buys = executor.query(
        f"SELECT customer_id, transaction_ts FROM ({COMPLETED}) p", max_rows=1_000_000
    ).rows
    bought_at: dict[int, list] = {}
    for customer, ts in buys:
        bought_at.setdefault(customer, []).append(ts)
    span = timedelta(days=30)
    expected = {
        c for c, last in clicks if any(last - span <= t < last for t in bought_at.get(c, []))
    }
    assert audience == expected and audience


def test_with_no_verb_a_value_only_one_activity_has_says_whose_the_other_values_are(retail):
    got = read(retail, "cash in store last year")
    (bought,) = activities(got)
    assert bought.activity.filters == {"payment_method": ["cash"], "channel": ["store"]}
    assert not any(isinstance(c, AttributeCondition) for c in got.spec.conditions)


def test_a_ticket_on_the_day_an_account_churned_came_before_the_churn(saas):
    from assistant.compiler import compile_spec

    got = read(
        saas, "churned accounts that had an urgent ticket in the 30 days before they churned"
    )
    sql = compile_spec(got.spec, date(2026, 9, 30), saas.catalog).sql
    # churn is kept by the day, tickets with a time of day: that day counts, and 29 before it
    assert "CAST(later.ts AS DATE) <= anchors.anchor_ts" in sql
    assert "CAST(later.ts AS DATE) > anchors.anchor_ts - INTERVAL 30 DAY" in sql


def test_makes_up_a_share_is_the_share_not_make_up_the_product(retail):
    got = read(
        retail,
        "shoppers for whom home goods make up more than half of their item spend over the last "
        "12 months",
    )
    (share,) = activities(got)
    assert share.measure == "share" and share.share_of.filters == {"category": ["Home"]}
    (bought,) = activities(read(retail, "customers who bought make up in the last month"))
    assert bought.activity.filters == {"category": ["Beauty"]}


def test_a_brief_line_about_them_takes_the_time_of_the_lines_before(retail):
    got = read(
        retail,
        "Audience: 2+ support tickets | Window: last 6 months | CSAT: at least one of them rated "
        "1 or 2 | Country: US",
    )
    assert [c.window for c in activities(got)] == [Trailing(n=6, unit="months")] * 2
    assert not got.unrecognized


def test_who_did_not_do_it_to_any_of_them_is_about_the_rows_said_before(retail):
    got = read(
        retail,
        "People we've sent three or more push notifications to in the last 90 days who didn't "
        "open any of them",
    )
    sent, opened = activities(got)
    assert opened.activity.filters == {"channel": ["push"], "event_type": ["opened"]}
    assert (opened.op, opened.value, opened.window) == ("=", 0, sent.window)
