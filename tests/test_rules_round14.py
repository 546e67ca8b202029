"""Specification: readings built for the round 14 voices (issue 11): the passive voice and
nominalisations, people described by exception, spreadsheet-style lines, literal translation."""

from __future__ import annotations

from datetime import date

from rules_reading import activities, read

from assistant.spec import AttributeCondition, OrGroup, SegmentRef
from assistant.windows import Since, Trailing

TPCDS_AS_OF = date(2003, 1, 12)


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


# -- the passive voice ---------------------------------------------------------------------------


def test_by_whom_something_was_done_is_who_did_it(retail, tpcds):
    (sent,) = activities(
        read(
            retail,
            "shoppers by whom the sending back of at least two orders was done over the"
            " last 12 months",
        )
    )
    assert (sent.activity.source, sent.value, sent.window) == (
        "returns",
        2,
        Trailing(n=12, unit="months"),
    )
    got = read(
        tpcds,
        "Customers by whom a store purchase was made in the first half of 2002, with no purchase"
        " of any kind having been made by them since the end of June 2002",
        TPCDS_AS_OF,
    )
    windows = {(c.activity.source, c.op, c.window) for c in activities(got)}
    assert ("purchases", "=", Since(start=date(2002, 7, 1))) in windows
    assert not got.unrecognized


def test_by_whom_none_was_opened_keeps_the_doing(retail):
    got = read(
        retail,
        "customers to whom three or more email campaigns were delivered in the past 90 days but"
        " by whom no email was opened in that period",
    )
    delivered, opened = activities(got)
    assert delivered.activity.filters["event_type"] == ["delivered"] and delivered.value == 3
    assert opened.activity.filters["event_type"] == ["opened"]
    assert (opened.op, opened.value, opened.window) == ("=", 0, Trailing(n=90, unit="days"))


def test_been_sent_stays_sent(retail):
    got = read(retail, "people who haven't been sent any promotional campaign in the last 30 days")
    (sent,) = activities(got)
    assert sent.activity.filters.get("event_type") == ["sent"]


def test_accounts_for_half_of_spend_is_a_share(retail):
    (share,) = activities(
        read(
            retail, "users where the app accounts for at least half of their spend so far this year"
        )
    )
    assert share.measure == "share" and share.value == 50
    assert not any(
        isinstance(c, AttributeCondition)
        for c in read(
            retail, "users where the app accounts for at least half of their spend"
        ).spec.conditions
    )


# -- by exception --------------------------------------------------------------------------------


def test_leaving_aside_is_an_exclusion(retail):
    got = read(
        retail,
        "loyalty members who haven't bought anything in the last 90 days, leaving aside the"
        " platinum ones",
    )
    assert any(
        c.attribute == "loyalty_tier" and c.op == "!=" and c.value == "platinum"
        for c in got.spec.conditions
        if isinstance(c, AttributeCondition)
    )
    assert not got.unrecognized


def test_excluding_two_values_joined_by_and_excludes_both(saas):
    got = read(saas, "RFM Champions, everyone but the healthcare and fintech ones")
    industry = [c for c in got.spec.conditions if getattr(c, "attribute", None) == "industry"]
    assert all(c.op in ("!=", "not_in") for c in industry)
    assert {v for c in industry for v in ([c.value] if c.op == "!=" else c.value)} == {
        "healthcare",
        "fintech",
    }


# -- spreadsheet-style lines ---------------------------------------------------------------------


def test_a_slash_in_a_keyed_cell_is_either_and_none_is_without(retail):
    got = read(retail, "Segment: ABC class A or B | Loyalty tier: none / bronze | SMS opt-in: yes")
    assert set(_attributes(got)["loyalty_tier"].value) == {"none", "bronze"}
    (either,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    assert all(isinstance(c, SegmentRef) for c in either.conditions)


def test_a_min_cell_after_a_window_counts_in_that_window(saas):
    got = read(
        saas, "Segment: API users | Window: 30d | Min API calls: 25 | Exclude: enterprise plan"
    )
    counted = [c for c in activities(got) if c.value == 25]
    assert counted and counted[0].window == Trailing(n=30, unit="days")
    assert _attributes(got)["plan"].op == "!="


def test_none_as_a_cells_value_is_none_of_them(tpcds):
    got = read(tpcds, "Segment: RFM At Risk | Income: 100k+ | Cars: none", TPCDS_AS_OF)
    assert _attributes(got)["vehicles"].value in (0, [0, 0])


# -- literal translation ---------------------------------------------------------------------------


def test_more_as_is_more_than(retail, tpcds):
    (orders, _returns) = activities(
        read(
            tpcds,
            "customers which have made more as 5 orders in total but never did a return",
            TPCDS_AS_OF,
        )
    )
    assert (orders.op, orders.value) == (">", 5)
    assert (
        _attributes(read(retail, "the women of more as 60 years who live in Florida"))["age"].op
        == ">"
    )


def test_a_mail_is_an_email(retail):
    got = read(
        retail, "women who have opened a mail from us in the last year, I mean the past 12 months"
    )
    (opened,) = activities(got)
    assert opened.activity.filters.get("channel") == ["email"]
    assert opened.window == Trailing(n=12, unit="months") and not got.unrecognized


def test_every_item_after_an_exclusion_word_is_excluded(saas):
    got = read(
        saas,
        "accounts that used workflows ten or more times in the last 60 days, leaving aside"
        " free-plan accounts, churned ones and anyone who raised an urgent ticket in that time",
    )
    used, churned, urgent = activities(got)
    assert used.value == 10
    assert (churned.activity.source, churned.op, churned.value) == ("churn", "=", 0)
    assert (urgent.op, urgent.value, urgent.window) == ("=", 0, Trailing(n=60, unit="days"))
    assert _attributes(got)["plan"].op == "!="


def test_a_subscription_still_active_is_its_status(saas):
    got = read(
        saas,
        "enterprise accounts whose subscription is still active but where no login has been"
        " recorded over the past 30 days",
    )
    assert _attributes(got)["status"].value == "active"
    (login,) = activities(got)
    assert (login.op, login.value) == ("=", 0)


def test_the_last_two_complete_quarters(retail):
    (orders,) = activities(
        read(retail, "shoppers with a dozen or more orders across the last two complete quarters")
    )
    assert (orders.value, orders.window.start, orders.window.end) == (
        12,
        date(2026, 1, 1),
        date(2026, 6, 30),
    )


def test_a_bracket_with_only_narrows_the_audience(retail):
    got = read(
        retail,
        "customers who have already placed at least twice as many orders this year as they did in"
        " the whole of last year (only people who ordered last year)",
    )
    (compared,) = [c for c in got.spec.conditions if c.kind == "compare"]
    assert compared.factor == 2 and compared.op == ">="
    (last_year,) = activities(got)
    assert last_year.window.kind == "calendar" and not got.unrecognized


def test_the_latest_six_months_are_the_last_six(saas):
    got = read(
        saas, "accounts that paid more in the latest six months than in the six months before"
    )
    (compared,) = got.spec.conditions
    assert compared.kind == "compare" and compared.left.window == Trailing(n=6, unit="months")


def test_an_exclusion_before_a_new_clause_is_no_list(retail):
    got = read(retail, "excluding test accounts, customers who spent over $100")
    assert any(
        getattr(c, "op", None) in (">", ">=") and c.measure == "sum" for c in activities(got)
    )


def test_an_answer_after_a_dash_is_no_correction(retail):
    got = read(retail, "women in texas, email opt-in - no, sms opt-in - yes")
    assert not any("corrects" in a for a in got.assumptions)
