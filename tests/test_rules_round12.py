"""Specification: readings built for the round 11 voices that had no test yet (purpose leads and
tails, times, bands, a term's own activity, shares, labels of a model, shorthand), and the round
12 ones (issue 11)."""

from __future__ import annotations

from datetime import date

from rules_reading import activities, read

from assistant.spec import AttributeCondition, OrGroup, SegmentRef


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


def _either_labels(got) -> set[tuple[str, str]]:
    (group,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    assert all(isinstance(c, SegmentRef) for c in group.conditions)
    return {(c.model, c.label) for c in group.conditions}


# -- what the audience is for is setting, not a condition ---------------------------------------


def test_a_purpose_lead_is_not_a_condition(retail):
    got = read(
        retail,
        "For our win-back push next week, I'd like customers in the US who haven't bought"
        " in 6 months",
    )
    assert set(_attributes(got)) == {"country"}
    (lapsed,) = activities(got)
    assert (lapsed.op, lapsed.value, lapsed.activity.filters) == ("=", 0, {})
    assert not got.unrecognized
    assert any("not a condition" in a for a in got.assumptions)


def test_there_is_the_place_of_the_purpose_lead(retail):
    got = read(
        retail, "We're planning a VIP evening in Germany - can you pull the RFM champions there?"
    )
    assert _attributes(got)["country"].value == "DE"
    assert [(c.model, c.label) for c in got.spec.conditions if isinstance(c, SegmentRef)] == [
        ("rfm", "champions")
    ]


def test_a_purpose_tail_is_not_a_condition(retail, saas):
    got = read(retail, "women in Texas who bought outdoor gear - planning next summer")
    (bought,) = activities(got)
    assert bought.window.kind == "all_time" and not got.unrecognized
    got = read(saas, "healthcare accounts, so we can send them a webinar invite")
    assert set(_attributes(got)) == {"industry"} and not got.unrecognized


# -- times ---------------------------------------------------------------------------------------


def _window(got) -> tuple[date, date]:
    (activity,) = activities(got)
    return activity.window.start, activity.window.end


def test_months_of_last_year(retail):
    got = read(retail, "customers who bought in November or December last year")
    assert _window(got) == (date(2025, 11, 1), date(2025, 12, 31))


def test_a_time_restated_in_brackets_is_one_time(retail):
    got = read(retail, "customers who bought outdoor gear last autumn (Sept through Nov)")
    assert _window(got) == (date(2025, 9, 1), date(2025, 11, 30))


def test_shorthand_between_two_months(retail):
    got = read(retail, "ppl who bought in the app b/w jan & mar")
    assert _window(got) == (date(2026, 1, 1), date(2026, 3, 31))


# -- values --------------------------------------------------------------------------------------


def test_and_up_after_an_amount_is_or_more(retail, tpcds):
    assert _attributes(read(retail, "customers with an income of 100k and up"))[
        "income_band"
    ].value == ["100-200k", "200k+"]
    income = _attributes(read(tpcds, "customers with an income of 100k and up"))
    assert [(c.op, c.value) for c in income.values()] == [(">=", 100000)]


def test_a_band_beside_a_counted_property_is_kept(tpcds):
    got = read(tpcds, "moms with 3 or more kids in the Central time zone")
    attrs = _attributes(got)
    assert attrs["dependents"].op == ">=" and attrs["dependents"].value == 3
    assert "gmt_offset" in attrs and not got.unrecognized


def test_a_terms_activity_owns_the_value_after_but_never(retail):
    got = read(retail, "gen z who looked at beauty but never bought any beauty stuff")
    viewed, bought = activities(got)
    assert viewed.activity.source == "web_sessions"
    assert (bought.activity.source, bought.op, bought.value) == ("purchases", "=", 0)
    assert bought.activity.filters == {"category": ["Beauty"]}


def test_only_ever_x_nothing_else_is_every_line(retail):
    (share,) = activities(read(retail, "customers who only ever bought outdoor, nothing else"))
    assert share.measure == "share" and share.value == 100
    assert share.share_of.filters == {"category": ["Outdoor"]}


# -- labels of one model ---------------------------------------------------------------------


def test_letters_of_a_model_joined_by_or_are_one_either(saas):
    for request in (
        "pro accounts in class B or C",
        "pro accounts in B or C in the pareto split by revenue",
        "pro accounts that are B or C in the pareto split",
    ):
        got = read(saas, request)
        assert _either_labels(got) == {("abc", "b"), ("abc", "c")}, request
        assert _attributes(got)["plan"].value == "pro", request


def test_labels_joined_by_or_keep_the_rest_of_the_request_on_both(retail):
    got = read(retail, "platinum members who are RFM champions or loyal customers")
    assert _either_labels(got) == {("rfm", "champions"), ("rfm", "loyal_customers")}
    assert _attributes(got)["loyalty_tier"].value == "platinum"


# -- a request after a segment -------------------------------------------------------------------


def _after(backend, first: str, then: str):
    from rules_reading import AS_OF

    from assistant.backends.base import Turn

    current = read(backend, first).spec
    return backend.interpret(Turn(request=then, as_of=AS_OF, current=current))


def test_a_request_naming_its_own_audience_starts_a_new_segment(retail, saas):
    got = _after(retail, "RFM champions", "gen z shoppers who never bought any beauty stuff")
    assert not [c for c in got.spec.conditions if isinstance(c, SegmentRef)]
    assert any("new segment" in a for a in got.assumptions)
    got = _after(saas, "enterprise accounts", "healthcare accounts in North America")
    assert "plan" not in _attributes(got)


def test_a_follow_up_pointing_back_still_refines(retail):
    for follow_up in ("only women", "which of them are gen z shoppers", "women in Texas"):
        got = _after(retail, "RFM champions", follow_up)
        refs = [c for c in got.spec.conditions if isinstance(c, SegmentRef)]
        assert [(r.model, r.label) for r in refs] == [("rfm", "champions")], follow_up


# -- times said by reference or by occasion ------------------------------------------------------

TPCDS_AS_OF = date(2003, 1, 12)


def test_before_that_is_all_history_before_the_earlier_time(tpcds):
    got = read(
        tpcds,
        "customers who haven't bought anything in the last six months but had spent more than"
        " fifty thousand dollars before that",
        TPCDS_AS_OF,
    )
    quiet, spent = activities(got)
    assert quiet.op == "=" and quiet.value == 0
    assert spent.measure == "sum" and spent.window.kind == "before"
    assert spent.window.end == date(2002, 7, 13) and not got.unrecognized


def test_occasions_are_their_days_of_the_latest_year(tpcds):
    got = read(
        tpcds, "customers who bought children's clothing in the run-up to Christmas", TPCDS_AS_OF
    )
    assert _window(got) == (date(2002, 12, 1), date(2002, 12, 24))


def test_that_year_after_a_time_of_its_own_only_names_the_year(tpcds):
    got = read(
        tpcds,
        "shoppers who bought between March and May 2002 but sat out the holiday season that year",
        TPCDS_AS_OF,
    )
    spring, holidays = activities(got)
    assert (spring.window.start, spring.window.end) == (date(2002, 3, 1), date(2002, 5, 31))
    assert (holidays.window.start, holidays.window.end) == (date(2002, 11, 1), date(2002, 12, 31))
    assert holidays.op == "=" and holidays.value == 0
    got = read(
        tpcds, "customers who bought in spring 2002 but not in November that year", TPCDS_AS_OF
    )
    assert activities(got)[1].window.model_dump(exclude={"kind"}) == {"month": 11, "year": 2002}


# -- sequences and phrasal verbs -----------------------------------------------------------------


def test_later_after_a_first_one_counts_after_that_first_one(tpcds):
    for request in (
        "customers who first ordered online and only later shopped in our stores",
        "customers who started out ordering online and only later began shopping in our stores",
    ):
        got = read(tpcds, request, TPCDS_AS_OF)
        later = activities(got)[-1]
        assert later.activity.source == "store_purchases", request
        assert later.after.activity.source == "web_purchases" and later.after.which == "first"
        assert not got.unrecognized, request


def test_started_doing_something_is_the_first_time(tpcds):
    first, none_before = activities(
        read(tpcds, "customers who started shopping in store this year", TPCDS_AS_OF)
    )
    assert first.window.model_dump() == {"kind": "calendar", "period": "this_year"}
    assert none_before.op == "=" and none_before.window.kind == "before"


def test_a_phrasal_verb_split_by_its_object_is_one_verb(tpcds):
    (returned,) = activities(read(tpcds, "customers who sent a catalog order back", TPCDS_AS_OF))
    assert returned.activity.source == "catalog_returns"


def test_a_reason_after_a_dash_is_not_a_condition(saas):
    got = read(
        saas,
        "for the expansion campaign next month I'd like pro accounts that are already power users"
        " - they're the ones most likely to move up to enterprise",
    )
    assert set(_attributes(got)) == {"plan"} and _attributes(got)["plan"].value == "pro"
    assert not got.unrecognized


def test_a_thing_named_and_bounded_by_one_of_its_own_columns_is_used(saas):
    got = read(saas, "retail customers on a plan with a monthly price under $100")
    assert set(_attributes(got)) == {"industry", "monthly_price"}
    assert not got.unrecognized


# -- leads and briefs ----------------------------------------------------------------------------


def test_a_vague_gloss_before_a_colon_is_not_a_condition(saas):
    got = read(
        saas,
        "Our best people: ABC class A accounts that haven't raised a single support ticket in"
        " the last six months.",
    )
    assert got.spec is not None and not got.unrecognized
    assert [(c.model, c.label) for c in got.spec.conditions if isinstance(c, SegmentRef)] == [
        ("abc", "a")
    ]


def test_a_window_line_of_a_brief_is_the_time_of_the_line_before(saas):
    got = read(
        saas,
        "Target: fintech accounts | Region: EMEA | Behaviour: called the API at least 20 times"
        " | Window: last 30 days",
    )
    (calls,) = activities(got)
    assert calls.value == 20 and calls.window.model_dump() == {
        "kind": "trailing",
        "n": 30,
        "unit": "days",
    }
    assert not got.unrecognized


def test_a_ticket_reference_before_a_brief_key_is_not_a_condition(tpcds):
    got = read(
        tpcds,
        "TICKET-2231 - Audience: catalog buyers | Category: Electronics | Window: last 6 months",
        TPCDS_AS_OF,
    )
    assert all(a.value != 2231 for a in activities(got))
    assert any("reference" in a for a in got.assumptions)


def test_trailing_months_are_the_last_months(saas):
    (ranked, *_) = [
        c
        for c in read(
            saas, "top 5% of accounts by revenue over the trailing 12 months"
        ).spec.conditions
    ]
    assert ranked.window.model_dump() == {"kind": "trailing", "n": 12, "unit": "months"}


def test_a_bracket_spelling_out_a_share_is_read_once(saas, retail):
    got = read(
        saas,
        "ppl whose usage in the last 30 days is mostly just logging in (more than half of all"
        " their events are logins)",
    )
    (share,) = activities(got)
    assert share.measure == "share" and share.window.model_dump()["n"] == 30
    got = read(retail, "customers who mostly buy online (but not in Texas)")
    assert _attributes(got)["region"].op == "!="  # a bracket that adds is still read


def test_after_having_done_something_n_times_counts_them_by_that_time(saas):
    got = read(
        saas, "accounts that churned in the last 6 months after having paid at least 6 invoices"
    )
    churned, paid = activities(got)
    assert churned.activity.source == "churn" and churned.window.model_dump()["n"] == 6
    assert paid.value == 6 and paid.after.activity.source == "churn"
    assert paid.after.side == "by" and not got.unrecognized
    (churned,) = activities(
        read(saas, "accounts that churned last quarter after raising a billing ticket")
    )
    assert churned.after.activity.source == "tickets"  # one of it: after their first one


# -- round 12, TPC-DS voices ---------------------------------------------------------------------


def test_in_the_last_year_is_the_past_twelve_months(tpcds):
    (quiet,) = activities(
        read(tpcds, "customers who haven't bought in store in the last year", TPCDS_AS_OF)
    )
    assert quiet.window.model_dump() == {"kind": "trailing", "n": 12, "unit": "months"}
    (bought,) = activities(read(tpcds, "customers who bought in store last year", TPCDS_AS_OF))
    assert bought.window.model_dump() == {"kind": "calendar", "period": "last_year"}


def test_a_quartile_is_a_quarter_and_a_year_before_buyers_is_their_year(tpcds):
    got = read(
        tpcds, "Bottom quartile of our 2002 in-store buyers, ranked by what they spent", TPCDS_AS_OF
    )
    (ranked,) = [c for c in got.spec.conditions if getattr(c, "direction", None)]
    assert (ranked.direction, ranked.n, ranked.unit) == ("bottom", 25, "percent")
    assert ranked.window.model_dump() == {"kind": "year", "year": 2002}


def test_a_share_of_spend_over_a_hyphenated_span(tpcds):
    (share,) = activities(
        read(
            tpcds,
            "Customers with more than half of their last-12-month spend through the catalog",
            TPCDS_AS_OF,
        )
    )
    assert share.measure == "share" and share.field == "amount"
    assert share.window.model_dump() == {"kind": "trailing", "n": 12, "unit": "months"}


def test_what_they_are_getting_after_a_dash_is_not_a_condition(tpcds):
    got = read(
        tpcds,
        "RFM Champions in the Midwest - they're getting the tier-upgrade mailer.",
        TPCDS_AS_OF,
    )
    assert not activities(got) and not got.unrecognized


def test_when_that_one_purchase_was_is_a_recency_not_a_count(tpcds):
    got = read(
        tpcds,
        "customers with exactly one purchase ever, and that purchase was over a year ago",
        TPCDS_AS_OF,
    )
    assert [a.measure for a in activities(got)].count("days_since_last") == 1
    assert all(a.value != 12 for a in activities(got))


def test_a_brief_with_one_key_a_line_is_read_line_by_line(tpcds):
    got = read(
        tpcds,
        "Objective: win-back\nTarget: customers who bought in 2001 and have bought nothing since"
        " 1 Jan 2002\nGeo: Eastern time zone",
        TPCDS_AS_OF,
    )
    assert "gmt_offset" in _attributes(got) and not got.unrecognized
    assert any("about the send" in a for a in got.assumptions)


# -- round 12, Slack and brief voices on the demo ------------------------------------------------


def test_a_plus_between_two_generations_is_either(retail):
    got = read(retail, "Gen Z + Millennials in the UK who bought footwear online")
    (group,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    assert len(group.conditions) == 2


def test_emoji_and_sign_offs_never_hide_a_bare_since(retail):
    got = read(
        retail,
        "pls pull ppl who abandoned a cart in the last 7 days and haven't bought anything"
        " since 🙏 thx",
    )
    abandoned, bought = activities(got)
    assert bought.op == "=" and bought.after is not None and not got.unrecognized


def test_slack_shorthand_for_a_tier(retail):
    got = read(
        retail,
        "hey can u grab everyone w/ 3+ support tickets in the last 6 months who are gold or"
        " plat tier",
    )
    assert set(_attributes(got)["loyalty_tier"].value) == {"gold", "platinum"}
    assert not got.unrecognized


def test_an_average_of_each_group_of_their_own_is_by_that_property(saas):
    got = read(
        saas,
        "accounts that opened more tickets in the last 90 days than the average account in"
        " their industry",
    )
    (made,) = [c for c in got.spec.conditions if getattr(c, "right_average", None)]
    assert made.average_by == "industry" and made.left.activity.source == "tickets"
    got = read(saas, "accounts that opened more tickets than the average account in their mood")
    assert got.unrecognized  # no such property of theirs: said, not made
