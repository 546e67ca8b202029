"""Specification: readings added from the round-4 blind cases (issue 11), each on its mechanism,
on more than one schema where the shape exists there."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_reading import activities, read

from assistant.spec import ActivityCondition, AttributeCondition
from assistant.windows import Trailing, Year


def shares(got) -> list[ActivityCondition]:
    return [c for c in activities(got) if c.measure == "share"]


@pytest.mark.parametrize(
    ("request_text", "op", "value"),
    [
        ("customers who used a discount on at least half of their orders", ">=", 50),
        ("customers with more than half of their purchases online", ">", 50),
        ("customers who made at least a quarter of their purchases in the app", ">=", 25),
        ("customers who made three quarters of their purchases in store", ">=", 75),
    ],
)
def test_a_fraction_of_their_activity_is_a_share(retail, request_text, op, value):
    (share,) = shares(read(retail, request_text))
    assert (share.op, share.value) == (op, value)


def test_a_fraction_of_the_users_is_a_share_of_users(saas):
    (share,) = shares(read(saas, "accounts where at least half of the users are admins"))
    assert share.share_of.filters == {"role": ["admin"]}
    assert (share.op, share.value) == (">=", 50)


def test_the_first_half_of_a_year_is_a_time_not_a_share(retail):
    got = read(retail, "customers who bought in the first half of 2026")
    assert not shares(got)
    assert activities(got)[0].window.kind == "between"


def test_a_year_inside_the_share_is_its_window(retail):
    (share,) = shares(read(retail, "at least half of their 2025 orders had a discount on them"))
    assert share.window == Year(year=2025)


def test_after_a_share_rather_than_is_the_rest_of_the_activity(tpcds):
    got = read(
        tpcds, "customers who mostly buy on the web rather than in store or from the catalog"
    )
    (share,) = shares(got)
    assert share.share_of.member == "web_purchases"
    assert not got.unrecognized


def test_a_tenure_range_in_months_is_whole_months_on_the_signup_date(saas):
    got = read(saas, "accounts that have been customers for between 6 and 12 months")
    (cond,) = got.spec.conditions
    assert isinstance(cond, AttributeCondition)
    assert (cond.op, cond.value) == ("between", ["2025-09-01", "2026-03-31"])


def test_more_than_a_tenure_stays_time_elapsed(saas):
    (cond,) = read(saas, "accounts that have been customers for more than 2 years").spec.conditions
    assert cond.attribute == "account_age_days" and (cond.op, cond.value) == (">", 730)


def test_a_tenure_word_without_a_number_makes_no_condition(saas):
    got = read(saas, "accounts that have been late on an invoice")
    assert [c.kind for c in got.spec.conditions] == ["activity"]


@pytest.mark.parametrize(
    ("backend", "request_text", "which", "side"),
    [
        ("retail", "repeat customers whose very first order was in the app", "first", "before"),
        ("retail", "customers whose last purchase was online", "last", "after"),
        ("tpcds", "customers whose first purchase was from the catalog", "first", "before"),
    ],
)
def test_the_first_or_last_event_having_a_value(request, backend, request_text, which, side):
    got = read(request.getfixturevalue(backend), request_text)
    (cond,) = [c for c in activities(got) if c.after is not None and c.after.side != "by"]
    assert (cond.op, cond.value) == ("=", 0)
    assert (cond.after.which, cond.after.side) == (which, side)
    assert not cond.activity.filters  # no row of any kind before (after) it
    # a first: and no row of another kind at the same time as it (a same-day tie is no first)
    ties = [c for c in activities(got) if c.after is not None and c.after.side == "by"]
    assert bool(ties) == (which == "first")
    assert all((c.op, c.value) == ("=", 0) for c in ties)


def test_a_first_purchase_tied_on_its_day_with_another_channel_is_no_first(tpcds):
    import duckdb
    from tpcds_fixture import anchor_date, tpcds_database

    from assistant.compiler import compile_spec

    path = tpcds_database()
    with duckdb.connect(str(path), read_only=True) as con:
        as_of = anchor_date(con)
        got = read(tpcds, "customers whose very first purchase with us was online", as_of)
        ours = {
            r[0] for r in con.execute(compile_spec(got.spec, as_of, tpcds.catalog).sql).fetchall()
        }
        hand = """
            WITH p AS (
              SELECT ss_customer_sk c, 'store' ch, d_date FROM store_sales JOIN date_dim
                ON d_date_sk = ss_sold_date_sk WHERE ss_customer_sk IS NOT NULL
              UNION ALL SELECT ws_bill_customer_sk, 'web', d_date FROM web_sales JOIN date_dim
                ON d_date_sk = ws_sold_date_sk WHERE ws_bill_customer_sk IS NOT NULL
              UNION ALL SELECT cs_bill_customer_sk, 'catalog', d_date FROM catalog_sales
                JOIN date_dim ON d_date_sk = cs_sold_date_sk WHERE cs_bill_customer_sk IS NOT NULL)
            SELECT c FROM p GROUP BY c
            HAVING min(d_date) FILTER (WHERE ch = 'web')
                 < coalesce(min(d_date) FILTER (WHERE ch <> 'web'), DATE '9999-12-31')"""
        theirs = {r[0] for r in con.execute(hand).fetchall()}
    assert ours == theirs and ours


def test_the_first_event_having_a_value_counts_like_a_hand_written_query(retail, demo_db):
    import duckdb
    from conftest import TEST_AS_OF

    from assistant.compiler import compile_spec

    got = read(retail, "customers whose first order was in the app")
    sql = compile_spec(got.spec, TEST_AS_OF, retail.catalog).sql
    hand = (
        "SELECT customer_id FROM transactions WHERE status = 'completed' GROUP BY customer_id "
        "HAVING arg_min(channel, transaction_ts) = 'app'"
    )
    with duckdb.connect(str(demo_db), read_only=True) as con:
        ours = {r[0] for r in con.execute(sql).fetchall()}
        theirs = {r[0] for r in con.execute(hand).fetchall()}
    assert ours == theirs and ours


@pytest.mark.parametrize(
    "request_text",
    [
        "pro accounts in germany... sorry no, I meant france",
        "pro accounts in germany, oops, make that france",
        "pro accounts in germany - I mean france",
    ],
)
def test_a_self_correction_replaces_what_it_corrects(saas, request_text):
    got = read(saas, request_text)
    countries = [c for c in got.spec.conditions if getattr(c, "attribute", "") == "country"]
    assert [(c.op, c.value) for c in countries] == [("=", "FR")]
    assert any(getattr(c, "attribute", "") == "plan" for c in got.spec.conditions)


def test_steps_refine_one_another_and_that_same_year_is_the_earlier_time(tpcds):
    got = read(
        tpcds,
        "start with everyone in Ohio. now keep only the ones who bought in store in 2002. "
        "then drop anybody who returned something to a store during that same year",
    )
    kinds = {(getattr(c, "attribute", None) or c.activity.source) for c in got.spec.conditions}
    assert kinds == {"state", "store_purchases", "store_returns"}
    (returns,) = [c for c in activities(got) if c.activity.source == "store_returns"]
    assert (returns.op, returns.value, returns.window) == ("=", 0, Year(year=2002))
    assert not got.unrecognized


def test_the_same_period_in_one_sentence_is_the_time_said_before_it(retail):
    got = read(
        retail,
        "women who bought beauty in the last 6 months and have not contacted customer support "
        "in the same period",
    )
    (tickets,) = [c for c in activities(got) if c.activity.source == "support_tickets"]
    assert tickets.window == Trailing(n=6, unit="months")


def test_after_the_earlier_event_is_counted_from_it(retail):
    got = read(
        retail, "returned something in the last 3 months but still bought from us after the return"
    )
    (later,) = [c for c in activities(got) if c.after is not None]
    assert later.after.activity.source == "returns"
    assert later.after.window == Trailing(n=3, unit="months")


def test_a_status_with_a_time_is_the_event_that_status_defines(saas):
    got = read(saas, "pro or enterprise accounts we lost in the last 90 days")
    (churn,) = activities(got)
    assert churn.activity.source == "churn" and churn.window == Trailing(n=90, unit="days")
    assert not any(getattr(c, "attribute", "") == "status" for c in got.spec.conditions)


@pytest.mark.parametrize(
    ("backend", "request_text", "measure"),
    [
        ("retail", "customers whose average order is above 300", "avg"),
        ("tpcds", "customers whose average order is above 30k", "avg"),
        ("retail", "customers whose biggest order was over 500", "max"),
    ],
)
def test_an_aggregate_of_orders_compares_their_amounts(request, backend, request_text, measure):
    (cond,) = activities(read(request.getfixturevalue(backend), request_text))
    assert cond.measure == measure and cond.field is not None


def test_exclude_those_who_leaves_them_out(retail):
    got = read(retail, "customers who bought this year. exclude those who bought in the app")
    (none,) = [c for c in activities(got) if (c.op, c.value) == ("=", 0)]
    assert none.activity.filters == {"channel": ["app"]}


def test_a_range_with_a_dash_between_numbers(retail):
    (age,) = [c for c in read(retail, "women aged 35–54").spec.conditions if c.attribute == "age"]
    assert (age.op, age.value) == ("between", [35, 54])


def test_a_place_said_as_the_city_of(tpcds):
    got = read(tpcds, "anybody living in the city of Fairview")
    assert [(c.attribute, c.value) for c in got.spec.conditions] == [("city", "Fairview")]


def test_a_day_compares_with_a_timestamp_property_by_its_day(tmp_path):
    from assistant.catalog import load_catalog
    from assistant.compiler import compile_spec
    from assistant.spec import SegmentSpec

    text = Path("schemas/saas.yaml").read_text()
    said = "      created_at:\n        type: DATE\n"
    assert said in text
    path = tmp_path / "saas_ts.yaml"
    path.write_text(text.replace(said, "      created_at:\n        type: TIMESTAMP\n"))
    catalog = load_catalog(path)
    spec = SegmentSpec(
        conditions=[AttributeCondition(attribute="created_at", op="<=", value="2026-03-30")]
    )
    sql = compile_spec(spec, date(2026, 9, 30), catalog).sql
    assert "CAST(accounts.created_at AS DATE) <= DATE '2026-03-30'" in sql


# --- round 5: orders between two activities, rankings within groups, whole months ------------


@pytest.mark.parametrize(
    ("backend", "request_text", "counted", "anchor", "side"),
    [
        (
            "saas",
            "accounts that churned last quarter after raising a billing ticket",
            "churn",
            "tickets",
            "after",
        ),
        (
            "saas",
            "churned accounts that had opened a billing ticket before they cancelled",
            "tickets",
            "churn",
            "before",
        ),
        (
            "retail",
            "customers who bought after clicking an sms campaign",
            "purchases",
            "campaign_events",
            "after",
        ),
    ],
)
def test_after_or_before_another_activity_orders_the_two(
    request, backend, request_text, counted, anchor, side
):
    got = read(request.getfixturevalue(backend), request_text)
    (cond,) = [c for c in activities(got) if c.after is not None]
    assert (cond.activity.source, cond.after.activity.source) == (counted, anchor)
    assert cond.after.side == side
    assert cond.after.which == ("first" if side == "after" else "last")


def test_after_a_time_is_still_a_time(retail):
    got = read(retail, "customers born after 1985")
    assert [c.kind for c in got.spec.conditions] == ["attribute"]


def test_a_span_counted_from_the_other_event_is_made(saas):
    got = read(
        saas, "churned accounts that had a high or urgent ticket in the 30 days before they churned"
    )
    (ticket,) = [c for c in activities(got) if c.after is not None]
    assert (ticket.after.side, ticket.after.within.n) == ("before", 30) and not got.unrecognized


def test_a_span_that_is_no_length_is_said(saas):
    got = read(
        saas,
        "churned accounts that had an urgent ticket in the first few weeks before they churned",
    )
    assert got.unrecognized


@pytest.mark.parametrize(
    ("backend", "request_text", "per", "n"),
    [
        ("retail", "top 5 spenders in each country over the past 12 months", "country", 5),
        ("retail", "the 3 biggest spenders per region last year", "region", 3),
        (
            "saas",
            "top ten accounts by revenue in each sales region over the past 12 months",
            "sales_region",
            10,
        ),
    ],
)
def test_a_ranking_in_each_group_ranks_within_it(request, backend, request_text, per, n):
    got = read(request.getfixturevalue(backend), request_text)
    (rank,) = [c for c in got.spec.conditions if c.kind == "rank"]
    assert (rank.per, rank.n, rank.unit) == (per, n, "customers")


def test_a_ranking_per_group_keeps_n_of_each_group(retail, demo_db):
    import duckdb
    from conftest import TEST_AS_OF

    from assistant.compiler import compile_spec

    got = read(retail, "top 5 spenders in each country over the past 12 months")
    sql = compile_spec(got.spec, TEST_AS_OF, retail.catalog).sql
    with duckdb.connect(str(demo_db), read_only=True) as con:
        per_country = con.execute(
            f"SELECT c.country, count(*) FROM ({sql}) s JOIN customers c USING (customer_id) "
            "GROUP BY c.country"
        ).fetchall()
        countries = con.execute("SELECT count(DISTINCT country) FROM customers").fetchone()[0]
    assert len(per_country) == countries and all(n == 5 for _, n in per_country)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 12, 31)),
    days=st.integers(min_value=0, max_value=2000),
)
def test_whole_months_count_as_duckdb_does(start, days):
    import duckdb

    from assistant.rules.parser import whole_months

    end = start + timedelta(days=days)
    said = f"SELECT date_sub('month', DATE '{start}', DATE '{end}')"
    with duckdb.connect() as con:
        assert whole_months(start, end) == con.execute(said).fetchone()[0]


def test_a_gerund_reads_as_its_verb(saas):
    got = read(saas, "accounts raising a billing ticket")
    (cond,) = activities(got)
    assert cond.activity.source == "tickets" and not got.unrecognized


# --- round 5, dev half: everyday wordings -------------------------------------------------------


def test_sent_back_is_returned(retail):
    (cond,) = activities(read(retail, "who sent an order back to us last quarter?"))
    assert cond.activity.source == "returns"


def test_analyst_shorthand_for_a_trailing_window(tpcds):
    got = read(tpcds, "F 25-34, catalog spend L12M > 10k")
    (spend,) = activities(got)
    assert spend.window == Trailing(n=12, unit="months") and not got.unrecognized


def test_who_asks_is_not_who_is_wanted(saas):
    got = read(saas, "finance ask - accounts whose most recent payment is more than 60 days old")
    assert not [c for c in got.spec.conditions if getattr(c, "attribute", "") == "industry"]
    (recency,) = [c for c in activities(got) if c.measure == "days_since_last"]
    assert (recency.op, recency.value) == (">", 60) and not got.unrecognized


@pytest.mark.parametrize(
    ("request_text", "op", "days"),
    [("accounts less than 30 days old", "<", 30), ("accounts more than 2 years old", ">", 730)],
)
def test_how_old_an_account_is_its_tenure(saas, request_text, op, days):
    (cond,) = read(saas, request_text).spec.conditions
    assert (cond.attribute, cond.op, cond.value) == ("account_age_days", op, days)


def test_since_their_last_one_is_the_activity_said_before(retail):
    got = read(retail, "raised a support ticket and haven't ordered since their last one")
    (none,) = [c for c in activities(got) if c.after is not None]
    assert none.after.activity.source == "support_tickets" and (none.op, none.value) == ("=", 0)


def test_their_last_one_with_nothing_before_it_is_said(retail):
    got = read(retail, "customers who haven't ordered since their last one")
    assert any("their last one" in u for u in got.unrecognized)


def test_a_misspelt_time_word_is_read_before_the_times(tpcds):
    got = read(tpcds, "custmers in texas with good credit that shoped online sinse july")
    (web,) = activities(got)
    assert web.window.kind == "since" and not got.unrecognized


def test_more_than_a_third_excludes_exactly_a_third(saas, tmp_path):
    import duckdb

    from assistant.compiler import compile_spec
    from assistant.demo.saas import build_saas

    db = build_saas(tmp_path / "saas.duckdb", accounts=400, seed=11)

    got = read(saas, "accounts with more than a third of their usage through the api")
    (share,) = shares(got)
    sql = compile_spec(got.spec, date(2026, 9, 30), saas.catalog).sql
    hand = (
        "SELECT u.account_id FROM events e JOIN users u ON u.user_id = e.user_id "
        "GROUP BY u.account_id HAVING count(*) FILTER (WHERE e.event_name = 'api_call') "
        "> count(*) / 3.0"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        ours = {r[0] for r in con.execute(sql).fetchall()}
        theirs = {r[0] for r in con.execute(hand).fetchall()}
    assert ours == theirs and share.op == ">"


def test_in_any_channel_after_an_activity_is_that_activity(tpcds):
    got = read(tpcds, "accounts that have never purchased anything, in any channel")
    (none,) = got.spec.conditions
    assert (none.activity.source, none.op, none.value) == ("purchases", "=", 0)


# --- review: readings that must not change -------------------------------------------------------


def test_a_tenure_range_in_years_is_whole_years(retail):
    (cond,) = read(
        retail, "customers who have been customers for between 1 and 2 years"
    ).spec.conditions
    assert cond.op == "between" and cond.value == ["2023-10-01", "2025-09-30"]


def test_a_four_digit_count_after_the_stays_a_count(retail):
    (rank,) = read(retail, "the 2000 highest spenders").spec.conditions
    assert (rank.n, rank.unit) == (2000, "customers")


def test_a_word_near_a_time_word_is_not_corrected_into_one(retail):
    got = read(retail, "customers who bought pasta")
    assert "pasta" in got.unrecognized


def test_wait_in_passing_is_not_a_correction(retail):
    got = read(retail, "customers in Texas, wait, who bought online")
    assert not any("corrects" in a for a in got.assumptions)
    assert any(getattr(c, "attribute", "") == "region" for c in got.spec.conditions)


def test_bring_them_back_is_not_a_return(retail):
    got = read(retail, "lapsed customers we want to bring them back")
    assert not [c for c in activities(got) if c.activity.source == "returns"]
