"""Specification: how the round 17 voices are read (issue 11). A ranking said first and narrowed
after ('the top 50 …, then drop …', 'of the top 100 spenders, those in Texas')."""

from __future__ import annotations

from rules_reading import activities, read

from assistant.spec import AttributeCondition, CompareCondition, NotGroup, RankCondition


def _rank(got) -> RankCondition:
    (rank,) = [c for c in got.spec.conditions if isinstance(c, RankCondition)]
    return rank


def test_a_ranking_then_an_exclusion_ranks_first_and_excludes_after(tpcds):
    got = read(
        tpcds,
        "Find the top 50 web spenders of 2002, then drop anyone who returned a web order in 2002",
    )
    assert _rank(got).ranked_first and _rank(got).n == 50
    assert got.spec.conditions.index(_rank(got)) == 0  # nothing said before it: all are ranked
    assert not got.unrecognized


def test_of_the_top_n_those_who_narrows_the_ranked_list(retail, tpcds):
    for catalog in (retail, tpcds):
        got = read(catalog, "Of the top 100 spenders, keep only the female ones")
        assert _rank(got).ranked_first
        assert any(isinstance(c, AttributeCondition) for c in got.spec.conditions)


def test_a_ranking_with_its_own_place_ranks_within_the_place(retail):
    got = read(retail, "the top 20 spenders in Texas")
    assert not _rank(got).ranked_first


def test_a_then_after_anything_but_a_ranking_is_one_request(retail):
    got = read(retail, "customers in Texas, then drop anyone who bought in the app")
    assert not any(isinstance(c, RankCondition) for c in got.spec.conditions)
    assert any(
        isinstance(c, NotGroup) or getattr(c, "value", None) == 0 for c in got.spec.conditions
    )


# -- every channel, counted together ----------------------------------------------------------


def _sources(got) -> set[str]:
    return {c.activity.source for c in activities(got)}


def test_every_channel_named_together_is_the_activity_across_channels(tpcds):
    for request in (
        "Which customers have put more than $20,000 into Electronics? Count store, web and "
        "catalog together.",
        "customers who spent over $20000 on Electronics in store, on the web and by catalog "
        "combined",
    ):
        got = read(tpcds, request)
        assert _sources(got) == {"purchases"}, request
        assert any("every channel" in a for a in got.assumptions)


def test_every_channel_value_named_together_is_no_channel_filter(retail):
    got = read(
        retail, "customers with more than 5 purchases in store, online and in the app combined"
    )
    (purchases,) = activities(got)
    assert "channel" not in purchases.activity.filters and purchases.value == 5


def test_a_list_that_leaves_a_channel_out_is_not_every_channel(tpcds):
    got = read(tpcds, "customers with more than 5 purchases, store and web together")
    assert not any("every channel" in a for a in got.assumptions)


def test_returns_of_every_channel_combined_are_all_returns(tpcds):
    got = read(
        tpcds,
        "customers whose returns add up to more than $10,000, store, web and catalog combined",
    )
    assert _sources(got) == {"returns"}


# -- negated adjectives, counts out of a total, a year before the noun --------------------------


def test_un_and_a_known_word_is_that_word_negated_never_a_typo_of_it(tpcds):
    got = read(tpcds, "unmarried customers")
    (married,) = [c for c in got.spec.conditions if isinstance(c, NotGroup)]
    assert married.condition.value == "M"
    assert not any("as 'married'" in a for a in got.assumptions)


def test_a_negation_before_an_adjective_and_a_noun_negates_the_adjective_only(tpcds):
    got = read(tpcds, "not married women in Texas")
    plain = {c.attribute: c.value for c in got.spec.conditions if isinstance(c, AttributeCondition)}
    assert plain == {"gender": "F", "state": "TX"}
    assert [c.condition.value for c in got.spec.conditions if isinstance(c, NotGroup)] == ["M"]


def test_n_of_our_m_things_is_n_different_things(tpcds):
    got = read(
        tpcds, "Customers whose 2002 purchases spanned at least eight of our ten departments"
    )
    (spread,) = activities(got)
    assert spread.measure == "distinct" and spread.value == 8
    assert spread.window.kind == "year"
    assert not got.unrecognized


# -- comparisons of money, contradictions, asides about a place ---------------------------------


def test_spent_more_here_than_there_compares_spend_on_both_sides(tpcds):
    for place in ("at our stores", "in stores", "in store"):
        got = read(tpcds, f"customers who spent more on the web than {place}")
        (compared,) = [c for c in got.spec.conditions if isinstance(c, CompareCondition)]
        assert (compared.left.measure, compared.right.measure) == ("sum", "sum"), place


def test_a_condition_asked_for_and_excluded_at_once_is_said(tpcds):
    got = read(
        tpcds,
        "Shoppers who don't live in Tennessee but have bought at our Tennessee store in the "
        "past 12 months",
    )
    assert any("both asked for and excluded" in u for u in got.unrecognized)


def test_an_aside_about_where_a_place_is_makes_no_condition(tpcds):
    got = read(
        tpcds,
        "Customers living in Williamson County, Tennessee, where the store is, who have not "
        "made a store purchase in the last twelve months",
    )
    (store,) = activities(got)
    assert store.value == 0 and store.op == "="
    assert not got.unrecognized


def test_one_channel_more_than_the_others_combined_is_more_than_half_of_all(tpcds):
    got = read(
        tpcds,
        "In the last 12 months, which customers placed more catalog orders than web orders and "
        "store tickets combined?",
    )
    (share,) = activities(got)
    assert share.measure == "share" and share.share_of.member == "catalog_purchases"
    assert (share.op, share.value) == (">", 50)


def test_a_clause_before_a_comparison_is_read_on_its_own(tpcds):
    got = read(
        tpcds,
        "Customers who have bought in all three channels and who spent more on the web than in "
        "stores and more on the web than through the catalog",
    )
    compared = [c for c in got.spec.conditions if isinstance(c, CompareCondition)]
    assert {c.right.activity.source for c in compared} == {"store_purchases", "catalog_purchases"}
    assert all(c.left.measure == c.right.measure == "sum" for c in compared)
    assert {"store_purchases", "web_purchases", "catalog_purchases"} <= {
        c.activity.source for c in activities(got)
    }


def test_or_more_than_after_a_noun_begins_a_second_condition(saas):
    for request in (
        "accounts with more than 30 users or more than 5,000 employees",
        "accounts with more than 5,000 employees or more than 30 users",
        "accounts with over 30 users or over 5000 employees",
    ):
        got = read(saas, request)
        (either,) = got.spec.conditions
        assert len(either.conditions) == 2 and not got.unrecognized, request


def test_n_or_more_after_a_noun_is_still_at_least_n(saas):
    got = read(saas, "accounts with 30 users or more")
    (users,) = activities(got)
    assert (users.op, users.value) == (">=", 30)


def test_a_percentage_of_what_they_spent_compares_money_with_money(tpcds):
    for request in (
        "Customers whose returned amount is more than 20 percent of what they have spent with us",
        "customers who returned more than 20% of what they spent",
    ):
        got = read(tpcds, request)
        (compared,) = [c for c in got.spec.conditions if isinstance(c, CompareCondition)]
        assert compared.left.activity.source == "returns"
        assert compared.right.activity.source == "purchases"
        assert (compared.left.measure, compared.right.measure) == ("sum", "sum")
        assert compared.factor == 0.2 and compared.op == ">"
        assert not got.unrecognized, request


# -- demo round 17 --------------------------------------------------------------------------------


def test_two_bounds_with_a_time_after_them_bound_one_figure_in_that_time(retail):
    got = read(retail, "average order value of at least $150 and at most $250 over the past year")
    low, high = activities(got)
    assert {low.measure, high.measure} == {"avg"}
    assert {(low.op, low.value), (high.op, high.value)} == {(">=", 150), ("<=", 250)}
    assert low.window == high.window and low.window.kind == "trailing"


def test_bounds_each_with_their_own_time_are_two_figures(retail):
    got = read(retail, "spent over $100 in 2025 but under $50 in 2026")
    assert {a.window.year for a in activities(got)} == {2025, 2026}


def test_a_negated_passive_is_the_negated_activity(retail):
    for request in (
        "Outdoor gear was bought by these people this year, but footwear never has been - find "
        "them",
        "outdoor gear was bought this year but footwear has never been bought",
    ):
        got = read(retail, request)
        outdoor, footwear = activities(got)
        assert footwear.activity.filters == {"category": ["Footwear"]}
        assert (footwear.op, footwear.value) == ("=", 0), request


def test_both_of_them_after_a_count_is_every_one_of_them(retail):
    got = read(retail, "exactly two orders ever, and both of them placed online")
    count, share = activities(got)
    assert (count.op, count.value) == ("=", 2)
    assert share.measure == "share" and share.value == 100


def test_every_pointing_back_to_a_time_said_earlier_takes_that_time(retail):
    got = read(
        retail,
        "bought in store or in the app during the last 60 days, opened an email in that same "
        "window, and returned nothing in those 60 days",
    )
    windows = {(a.activity.source, a.window.kind) for a in activities(got)}
    assert ("returns", "trailing") in windows and ("returns", "all_time") not in windows


def test_rated_every_one_of_them_is_a_share_of_all_of_them(retail):
    for request in (
        "Customers who've contacted support at least twice and rated every one of those "
        "tickets a 4 or a 5",
        "customers who only ever rated 4 or 5",
        "customers who rated all of their tickets 4 or 5",
    ):
        got = read(retail, request)
        shares = [a for a in activities(got) if a.measure == "share"]
        assert len(shares) == 1 and shares[0].value == 100, request
        assert not got.unrecognized


def test_only_ever_with_a_count_is_still_exactly_that_count(retail):
    got = read(retail, "customers who only ever bought twice")
    assert not any(a.measure == "share" for a in activities(got))


def test_havent_been_back_is_no_passive_of_a_thing(tpcds):
    got = read(tpcds, "folks who used to shop in store but haven't been back in over a year")
    assert got.unrecognized or got.clarification is not None
