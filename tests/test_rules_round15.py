"""Specification: readings built in session 13 (issue 11): a part's share of a whole said as
"X makes up half of their spend", a property one has or has not ("with preferred status"), and
the round 15 voices."""

from __future__ import annotations

from datetime import date

from rules_reading import activities, read

from assistant.spec import AttributeCondition

TPCDS_AS_OF = date(2003, 1, 12)


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


# -- a member's share of the whole ---------------------------------------------------------------


def test_a_channel_making_up_half_of_the_spend_is_its_share(tpcds):
    for request in (
        "customers for whom the catalog accounts for at least half of their total spend",
        "customers whose catalog spend is at least half of their total spend",
    ):
        got = read(tpcds, request, TPCDS_AS_OF)
        (share,) = activities(got)
        assert (share.measure, share.op, share.value) == ("share", ">=", 50), request
        assert share.share_of.member == "catalog_purchases" and share.field is not None
        assert any("catalog purchases" in a for a in got.assumptions)
        assert not got.unrecognized


def test_a_share_of_another_activity_is_still_reported(tpcds):
    got = read(tpcds, "customers who returned more than 20% of their orders", TPCDS_AS_OF)
    assert any("percentage of another activity" in u for u in got.unrecognized)


# -- a property one has or has not ---------------------------------------------------------------


def test_with_a_yes_no_property_is_its_yes_side(tpcds):
    for request in (
        "customers with preferred status",
        "men with preferred status in Texas",
        "RFM champions, and with preferred status",
        "the customers to whom the RFM label Champions is assigned, restricted to those by whom"
        " preferred status is held",
    ):
        got = read(tpcds, request, TPCDS_AS_OF)
        flag = _attributes(got)["c_preferred_cust_flag"]
        assert (flag.op, flag.value) == ("=", "Y"), request
        assert not got.unrecognized, request
    flag = _attributes(read(tpcds, "customers without preferred status", TPCDS_AS_OF))
    assert flag["c_preferred_cust_flag"].value == "N"


def test_with_a_listed_property_that_has_a_none_is_any_but_none(retail):
    got = read(retail, "women in Texas with a loyalty tier")
    tier = _attributes(got)["loyalty_tier"]
    assert (tier.op, tier.value) == ("!=", "none")
    assert _attributes(read(retail, "customers without a loyalty tier"))["loyalty_tier"].op == "="
