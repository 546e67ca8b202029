"""Specification: how the round 9 voices are read (issue 11). Bullet-point briefs, titles and
scene-setting sentences, asides in brackets, regions that are groups of stored values, spoken
years, exclusions of several groups, and shares of an order's lines."""

from __future__ import annotations

import duckdb
import pytest
from conftest import TEST_AS_OF
from rules_reading import activities, read

from assistant.compiler import compile_spec
from assistant.spec import AttributeCondition, RankCondition, SegmentRef


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


def _count(backend, got, db) -> int:
    sql = compile_spec(got.spec, TEST_AS_OF, backend.catalog).sql
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]


# -- briefs --------------------------------------------------------------------------------------


def test_a_bulleted_brief_is_one_condition_per_bullet_and_its_title_is_no_condition(retail):
    got = read(
        retail,
        "Reactivation send:\n- engagement tier = dormant\n- email opt-in: yes\n- offer: 10% off",
    )
    refs = [c for c in got.spec.conditions if isinstance(c, SegmentRef)]
    assert [(r.model, r.label) for r in refs] == [("engagement_tier", "dormant")]
    assert _attributes(got)["email_opt_in"].value is True
    assert not activities(got)  # 'reactivation' in the title is no win-back campaign
    assert any("title" in a for a in got.assumptions)
    assert any("offer" in a and "send" in a for a in got.assumptions)
    assert not got.unrecognized


def test_a_keyed_bullet_names_its_property_and_a_no_negates_it(saas, retail):
    got = read(saas, "Brief:\n- country: Germany\n- sales region = EMEA")
    assert _attributes(got)["country"].value == "DE"
    got = read(retail, "Email brief:\n- country: Canada\n- email opt-in: no")
    assert _attributes(got)["email_opt_in"].value is False


def test_a_bullet_that_is_only_a_time_is_the_time_of_the_bullet_before(tpcds):
    got = read(tpcds, "Segment for the preview event:\n- spent more than $30,000 online\n- in 2002")
    (spend,) = activities(got)
    assert spend.window.kind != "all_time"
    assert not got.unrecognized


def test_a_line_that_reads_as_an_audience_is_never_a_title(retail):
    got = read(retail, "high value segment: no app orders")
    assert any(a.startswith("'high value'") for a in got.assumptions)
    assert not any("title" in a for a in got.assumptions)


def test_a_title_before_a_colon_on_one_line_is_set_aside(retail):
    got = read(retail, "Sustainability push for the client: eco-conscious shoppers in France")
    assert set(_attributes(got)) == {"lifestyle", "country"}
    assert "preferred_channel" not in _attributes(got)  # 'push' in the title is no preference


def test_a_first_sentence_that_sets_the_scene_is_no_condition(tpcds):
    got = read(
        tpcds,
        "Planning our back-to-school push. I need customers with at least one dependent "
        "who bought children's items in July 2002.",
    )
    assert not got.unrecognized
    assert any("setting of the request" in a for a in got.assumptions)


# -- asides in brackets ---------------------------------------------------------------------------


def test_a_bracket_that_spells_out_a_term_is_read_once(retail):
    got = read(retail, "women on the west coast (CA, OR, WA) who bought beauty products")
    assert _attributes(got)["region"].value == ["California", "Oregon", "Washington"]
    assert "country" not in _attributes(got)  # 'CA' is not also Canada
    assert any("spelling out" in a for a in got.assumptions)


def test_a_bracket_that_adds_a_condition_is_kept(retail):
    got = read(retail, "vips (not in Texas)")
    region = _attributes(got)["region"]
    assert (region.op, region.value) == ("!=", "Texas")


def test_a_bracket_after_words_the_catalog_does_not_know_is_read_in_their_place(tpcds):
    got = read(tpcds, "parents (at least one dependent) who bought something in 2002")
    assert not got.unrecognized
    assert any("'parents' read as" in a for a in got.assumptions)


def test_a_bracket_that_restates_a_named_segment_adds_no_ranking(retail):
    got = read(retail, "top value tier (top 10% by 12-mo revenue) who unsubscribed from a campaign")
    assert not [c for c in got.spec.conditions if isinstance(c, RankCondition)]
    assert not got.unrecognized


# -- words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "op"),
    [
        ("customers with an email address", "not_null"),
        ("customers with an email address on file", "not_null"),
        ("customers without an email address", "is_null"),
        ("customers with no email address", "is_null"),
    ],
)
def test_a_filler_phrase_never_hides_a_catalog_phrase(tpcds, request_text, op):
    got = read(tpcds, request_text)
    assert got.spec is not None, got.clarification
    assert _attributes(got)["c_email_address"].op == op


def test_who_are_not_stays_one_negation(retail):
    got = read(retail, "customers who are not in the loyalty program")
    assert _attributes(got)["loyalty_tier"].value == "none"


@pytest.mark.parametrize(
    ("said", "year"),
    [
        ("in twenty twenty five", "2025"),
        ("since nineteen ninety nine", "1999"),
        ("in twenty oh five", "2005"),
    ],
)
def test_a_spoken_year_is_a_year(said, year):
    from assistant.rules.text import normalize

    assert normalize(f"customers who bought {said}").endswith(year)


def test_twenty_five_days_stays_a_count_of_days():
    from assistant.rules.text import normalize

    assert normalize("for twenty five days") == "for 25 days"
    assert normalize("in twenty twenty five days") == "in 45 days"


def test_calendar_year_and_a_day_window_are_plain_times(tpcds, retail):
    got = read(tpcds, "customers who spent over $100 in calendar year 2002")
    assert not got.unrecognized and activities(got)[0].window.kind != "all_time"
    got = read(
        retail, "customers with a purchase in the 90-day window immediately before the last 90 days"
    )
    assert not got.unrecognized


def test_an_exclusion_of_two_groups_leaves_both_out(retail):
    got = read(retail, "customers in Texas excluding business accounts and anyone who bought shoes")
    assert _attributes(got)["customer_type"].op == "!="
    (shoes,) = activities(got)
    assert (shoes.op, shoes.value) == ("=", 0)


def test_leave_out_is_an_exclusion(retail):
    got = read(retail, "customers in Texas, leave out anyone who bought shoes")
    assert not got.unrecognized
    assert len(got.spec.conditions) == 2


# -- regions, rankings, shares ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "request_text", "values"),
    [
        ("tpcds", "customers in Iowa or either of the Dakotas", {"IA", "ND", "SD"}),
        ("tpcds", "new england customers", {"ME", "NH", "VT", "MA", "RI", "CT"}),
        (
            "retail",
            "east coast customers",
            {"New York", "Massachusetts", "North Carolina", "Georgia", "Florida"},
        ),
        ("saas", "north american accounts", {"US", "CA"}),
    ],
)
def test_a_region_that_groups_stored_values_is_a_catalog_term(
    request, backend, request_text, values
):
    got = read(request.getfixturevalue(backend), request_text)
    (place,) = _attributes(got).values()
    assert set(place.value) == values


def test_a_time_alone_after_a_ranking_is_the_rankings_time(tpcds):
    got = read(tpcds, "Top 50 spenders, last 12 months.")
    (rank,) = [c for c in got.spec.conditions if isinstance(c, RankCondition)]
    assert rank.window.kind != "all_time"


def test_a_share_of_a_category_on_an_orders_lines_compiles_and_runs(retail, demo_db):
    for said in (
        "customers who mostly bought electronics over the past 12 months",
        "customers who spent most of their money with us on electronics over the past 12 months",
    ):
        got = read(retail, said)
        assert 0 < _count(retail, got, demo_db) < 2000


def test_a_title_with_a_bracket_is_still_a_title(retail):
    got = read(retail, "Haircare cross-sell (SMS):\n- bought beauty products\n- opted in to texts")
    assert set(_attributes(got)) == {"sms_opt_in"}  # no 'prefers SMS' from the title
    assert any("title" in a for a in got.assumptions)


# -- who did it, whole months, parts of another figure -------------------------------------------


@pytest.mark.parametrize(
    "request_text",
    [
        "accounts where 20 or more users logged in in the last 30 days",
        "accounts where twenty or more different people used the product in the last 30 days",
        "accounts where at least 3 admins exported a report last month",
    ],
)
def test_a_number_of_people_who_did_something_counts_different_people(saas, request_text):
    (did,) = activities(read(saas, request_text))
    assert did.measure == "distinct"


def test_a_number_of_people_alone_is_still_a_count_of_them(saas):
    (users,) = activities(read(saas, "accounts with 10 or more users"))
    assert (users.measure, users.op, users.value) == ("count", ">=", 10)


def test_full_calendar_months_are_the_months_before_the_current_one(saas):
    got = read(
        saas,
        "accounts with at least one login in each of the three previous full calendar months "
        "(not counting the current month)",
    )
    assert not got.unrecognized
    from assistant.rules.coverage import walk
    from assistant.spec import ActivityCondition

    made = [c for c in walk(got.spec.conditions) if isinstance(c, ActivityCondition)]
    windows = sorted(str(c.window.start) for c in made)
    assert windows == ["2026-06-01", "2026-07-01", "2026-08-01"]


@pytest.mark.parametrize(
    "request_text",
    [
        "customers whose spend over the last 6 months is less than half of what they spent in the "
        "6 months before that",
        "customers who spent less than half as much in the last 6 months as in the 6 months before "
        "that",
    ],
)
def test_less_than_half_of_their_own_other_figure_is_a_comparison(retail, request_text):
    from assistant.spec import CompareCondition

    got = read(retail, request_text)
    (compare,) = [c for c in got.spec.conditions if isinstance(c, CompareCondition)]
    assert (compare.op, compare.factor) == ("<", 0.5)


# -- a time from each customer's own signup --------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "request_text", "span"),
    [
        ("saas", "accounts that sent a teammate invite within their first 7 days", (7, "days")),
        ("saas", "accounts that exported a report within 2 weeks of signing up", (2, "weeks")),
        ("retail", "customers who made a purchase within 30 days of signing up", (30, "days")),
        ("retail", "customers who bought twice in their first month", (1, "months")),
    ],
)
def test_a_time_from_signup_is_counted_from_each_customers_own_signup(
    request, backend, request_text, span
):
    got = read(request.getfixturevalue(backend), request_text)
    (did,) = activities(got)
    assert (did.since_signup.n, did.since_signup.unit) == span
    assert did.window.kind == "all_time" and not got.unrecognized


def test_a_time_from_signup_runs_and_is_within_the_activity(retail, demo_db):
    early = read(retail, "customers who made a purchase within 30 days of signing up")
    ever = read(retail, "customers who made a purchase")
    assert 0 < _count(retail, early, demo_db) < _count(retail, ever, demo_db)


def test_a_time_from_signup_without_a_signup_date_is_reported(tpcds):
    got = read(tpcds, "customers who bought within 30 days of signing up")
    assert any("no signup date" in u for u in got.unrecognized)


# -- two things in one event -----------------------------------------------------------------------


def test_two_things_in_the_same_order_are_one_order_with_a_line_of_each(retail, demo_db):
    same = read(retail, "shoppers who had toys and groceries in the same order")
    (order,) = activities(same)
    assert order.activity.together == [{"category": ["Toys"]}, {"category": ["Grocery"]}]
    assert not same.unrecognized
    apart = read(retail, "shoppers who had toys and groceries")
    assert 0 < _count(retail, same, demo_db) < _count(retail, apart, demo_db)


def test_two_things_in_one_order_across_channels_are_reported(tpcds):
    got = read(tpcds, "customers who bought jewelry and music in the same order")
    assert any("two things in one order" in u for u in got.unrecognized)


# -- no follow-up about the same thing ---------------------------------------------------------


def test_never_opening_it_is_about_the_same_campaign(retail, demo_db):
    said = "customers who got a win-back email in the last 3 months but never opened it"
    got = read(retail, said)
    (did,) = activities(got)
    assert did.none_on_same is not None and did.none_on_same.on == "campaign"
    assert did.none_on_same.activity.filters["event_type"] == ["opened"]
    # one unopened win-back email is enough: more customers than 'never opened any of them'
    never_any = read(
        retail,
        "customers who got a win-back email in the last 3 months but never opened a win-back email",
    )
    assert _count(retail, got, demo_db) > _count(retail, never_any, demo_db)


def test_never_opening_any_is_not_about_one_campaign(retail):
    got = read(retail, "customers who got an email but never opened any emails")
    assert all(c.none_on_same is None for c in activities(got))


# -- round 10 voices: pasted rows and tickets, SQL-flavoured lists, non-native phrasings ----------


def test_a_pasted_row_of_cells_is_a_brief(retail):
    got = read(retail, "Segment | Country = UK | Age 25-34 | SMS opt-in = Y")
    attrs = _attributes(got)
    assert attrs["country"].value == "GB" and attrs["sms_opt_in"].value is True
    assert attrs["age"].value == [25, 34]


def test_a_pasted_ticket_of_key_value_sentences_is_a_brief(retail):
    got = read(
        retail,
        "JIRA MKT-4411 - Winback push audience. Lifecycle stage: Lapsed. Push consent: yes. "
        "Region: all",
    )
    refs = [c for c in got.spec.conditions if isinstance(c, SegmentRef)]
    assert [(r.model, r.label) for r in refs] == [("lifecycle", "lapsed")]
    assert _attributes(got)["push_opt_in"].value is True
    assert not activities(got)  # 'Winback' in the title is no campaign
    assert any("'Region: all' sets no condition" in a for a in got.assumptions)


def test_a_list_in_sql_brackets_is_either_value(saas):
    got = read(
        saas, "segment_def: value_tier IN (Top, High) AND region = AMER AND industry = Software"
    )
    (either,) = [c for c in got.spec.conditions if c.kind == "or"]
    assert {(r.model, r.label) for r in either.conditions} == {
        ("value_tier", "top"),
        ("value_tier", "high"),
    }
    assert _attributes(got)["industry"].value == "software"


@pytest.mark.parametrize(
    ("said", "means"),
    [
        ("customers who bought since 3 months", "customers who bought in the last 3 months"),
        (
            "customers who bought nothing since half a year",
            "customers who bought nothing in the last 6 months",
        ),
        ("clients that have 65 years or more", "clients that aged 65 or more"),
    ],
)
def test_non_native_phrasings_are_read_as_meant(said, means):
    from assistant.rules.text import normalize

    assert normalize(said) == normalize(means)


def test_two_years_with_us_stays_a_tenure():
    from assistant.rules.text import normalize

    assert "aged" not in normalize("customers who have 2 years with us")


def test_two_labels_of_one_named_model_joined_by_and_are_either(saas, retail):
    got = read(saas, "Pull the RFM 'Can't Lose Them' and 'At Risk' groups together")
    (either,) = [c for c in got.spec.conditions if c.kind == "or"]
    assert {(r.model, r.label) for r in either.conditions} == {
        ("rfm", "cannot_lose_them"),
        ("rfm", "at_risk"),
    }
    # 'who are at risk' after a label is the catalog's term, not a second label
    got = read(retail, "rfm champions who are at risk")
    assert any(a.startswith("'at risk'") for a in got.assumptions)


@pytest.mark.parametrize(
    ("backend", "request_text"),
    [
        (
            "tpcds",
            "women who have spent more with us overall than the average man who has bought from us",
        ),
        (
            "saas",
            "starter accounts that logged in more in the last 30 days than the average pro account",
        ),
        ("retail", "customers who spend more than the average customer"),
    ],
)
def test_a_comparison_with_other_customers_average_is_made(request, backend, request_text):
    # (once reported as a comparison it could not make; now read: tests/test_compare_average.py)
    got = read(request.getfixturevalue(backend), request_text)
    assert not got.unrecognized
    assert [c for c in got.spec.conditions if getattr(c, "right_average", None) is not None]


def test_an_average_of_their_own_is_no_comparison_with_others(retail):
    got = read(retail, "customers whose average order is over $100")
    assert not got.unrecognized


def test_more_of_a_number_is_more_than_it(tpcds):
    got = read(tpcds, "the clients single with more of 2 childs")
    dependents = [
        c for c in got.spec.conditions if isinstance(c, AttributeCondition) and c.op == ">"
    ]
    assert dependents and dependents[0].value == 2


def test_not_the_ones_who_never_did_is_the_ones_who_did(tpcds):
    got = read(tpcds, "Men in Texas, but not the ones who never ordered online")
    (online,) = activities(got)
    assert (online.op, online.value) == (">=", 1)


def test_once_each_is_each_of_the_things_listed_not_each_period(tpcds):
    got = read(
        tpcds, "customers who used store, web and catalog at least once each in the past 12 months"
    )
    assert not got.unrecognized
    assert not any("each of" in a and "periods" in a for a in got.assumptions)


def test_a_negated_activity_keeps_only_what_the_rows_are_about(saas):
    got = read(saas, "accounts using forecasting in the last 30 days but never invited a teammate")
    never = [c for c in activities(got) if (c.op, c.value) == ("=", 0)]
    assert never and "feature" not in never[0].activity.filters
    got = read(
        saas, "accounts where members logged in during the last 30 days but none of the admins did"
    )
    never = [c for c in activities(got) if (c.op, c.value) == ("=", 0)]
    assert never and never[0].activity.filters.get("event_name") == ["login"]


@pytest.mark.parametrize(
    "request_text",
    [
        "accounts where last month nobody exported a report",
        "paying accounts where in the last 3 months nobody logged in",
    ],
)
def test_a_time_before_nobody_is_the_time_of_what_nobody_did(saas, request_text):
    (none,) = activities(read(saas, request_text))
    assert none.window.kind != "all_time"


def test_a_bracket_that_says_how_a_measure_is_worked_out_is_read_once(retail):
    got = read(
        retail,
        "customers where Electronics makes up more than 50% of their item spend (quantity x unit "
        "price, completed orders) over the last 12 months",
    )
    (share,) = activities(got)
    assert share.measure == "share" and share.window.kind != "all_time"
    assert not got.unrecognized


def test_a_number_in_a_bracket_after_a_measure_is_not_set_aside(retail):
    got = read(retail, "customers with orders (at least 3) in 2025")
    assert any("at least 3" in u for u in got.unrecognized)


def test_a_plural_in_brackets_is_a_plural(retail):
    got = read(retail, "Req #882: cust w/ delivery ticket(s) in last 6 mo")
    assert not got.unrecognized
    assert not any("spelling out" in a for a in got.assumptions)


# -- exclusions with an exception ---------------------------------------------------------------


def test_an_exclusion_with_unless_keeps_the_exception(saas):
    from assistant.spec import OrGroup

    got = read(
        saas,
        "Healthcare accounts, but don't include the ones on trial unless they already have 5 or "
        "more users",
    )
    assert not got.unrecognized
    (either,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    status, users = either.conditions
    assert (status.attribute, status.op, status.value) == ("status", "!=", "trial")
    assert (users.op, users.value) == (">=", 5)
    assert _attributes(got)["industry"].value == "healthcare"


def test_a_restriction_with_unless_is_either(retail):
    from assistant.spec import OrGroup

    got = read(
        retail,
        "Give me everybody, but not the ones without a purchase in the last 90 days, unless "
        "they're platinum; those I want regardless",
    )
    (either,) = got.spec.conditions
    assert isinstance(either, OrGroup)
    bought, tier = either.conditions
    assert (bought.op, bought.value) == (">=", 1) and tier.value == "platinum"


def test_unless_with_nothing_to_be_an_exception_to_is_reported(retail):
    got = read(retail, "women in Texas unless they are platinum")
    assert any(u.startswith("unless") for u in got.unrecognized)


def test_except_the_ones_who_did_not_is_the_ones_who_did(tpcds):
    got = read(
        tpcds,
        "Everyone in Kentucky except the people who didn't buy anything in 2002 - unless they're "
        "under 30, those I keep",
    )
    from assistant.spec import OrGroup

    (either,) = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    bought = either.conditions[0]
    assert (bought.op, bought.value) == (">=", 1)


def test_a_bracket_that_names_a_value_after_a_measure_is_not_set_aside(tpcds):
    got = read(tpcds, "store shoppers whose avg basket (spend per store ticket) is above 30k")
    assert not any("spelling out" in a for a in got.assumptions)  # the store would be lost


def test_one_of_their_people_not_doing_something_is_reported(saas):
    got = read(saas, "accounts which have an admin that didn't log in at all in the last 90 days")
    assert any("did not do" in u for u in got.unrecognized)
    assert not any("__t" in u for u in got.unrecognized)


def test_two_labels_said_together_share_what_follows(retail):
    from assistant.spec import OrGroup

    got = read(retail, "RFM champions and loyal customers in Texas")
    either, texas = got.spec.conditions
    assert isinstance(either, OrGroup) and len(either.conditions) == 2
    assert texas.value == "Texas"


def test_the_explanation_says_one_order_and_the_same_campaign(retail, demo_db):
    for said, words in (
        ("shoppers who had toys and groceries in the same order", "both in one"),
        ("customers who got a win-back email but never opened it", "of the same campaign"),
    ):
        got = read(retail, said)
        explained = compile_spec(got.spec, TEST_AS_OF, retail.catalog).explanation
        assert words in explained


def test_a_pasted_brief_after_a_segment_starts_a_new_one(retail):
    from assistant.backends.base import Turn

    first = read(retail, "platinum members in Texas")
    got = retail.interpret(
        Turn(
            request="Segment | Country = UK | SMS opt-in = Y", as_of=TEST_AS_OF, current=first.spec
        )
    )
    assert set(_attributes(got)) == {"country", "sms_opt_in"}


def test_a_preposition_before_a_value_is_no_rank_of_it(saas):
    got = read(
        saas,
        "I look after the French book of business. Which of my paying accounts have raised a "
        "billing ticket?",
    )
    assert _attributes(got)["country"].value == "FR"
    assert not got.unrecognized


def test_a_restatement_after_i_mean_is_the_request(saas):
    got = read(
        saas,
        "Which of our high spenders are slipping away? I mean the accounts that paid us $10k or "
        "more over the past year where nobody has logged in for the last 30 days.",
    )
    assert not got.unrecognized
    assert any("spell out" in a for a in got.assumptions)


@pytest.mark.parametrize(
    ("backend", "request_text", "channel"),
    [
        ("retail", "customers who bought in the shop last month", "store"),
        ("retail", "customers who bought by the application last month", "app"),
        ("retail", "customers who bought on the web site last month", "online"),
    ],
)
def test_everyday_names_of_channels(request, backend, request_text, channel):
    (bought,) = activities(read(request.getfixturevalue(backend), request_text))
    assert bought.activity.filters["channel"] == [channel]


def test_above_a_value_still_ranks_it(retail):
    got = read(retail, "members above silver")
    assert set(_attributes(got)["loyalty_tier"].value) == {"gold", "platinum"}
