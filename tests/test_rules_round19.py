"""Specification: ratios and the round 18 voices (issue 11). 'Spend per store ticket' is the
average ticket of that channel, never the total; 'paid a single invoice' is one invoice."""

from __future__ import annotations

from datetime import date

import pytest
from rules_reading import activities, read

ANCHOR = date(2003, 1, 12)


@pytest.mark.parametrize(
    "request_",
    [
        "customers whose spend per store ticket is above 30k",
        "customers spending over 30k per store ticket",
        "store shoppers whose avg basket (spend per store ticket) is above 30k",
    ],
)
def test_money_per_event_is_the_average_event_of_the_channel_named(tpcds, request_):
    got = read(tpcds, request_, ANCHOR)
    averaged = [c for c in activities(got) if c.measure == "avg"]
    assert len(averaged) == 1 and averaged[0].activity.source == "store_purchases"
    assert averaged[0].value == 30000 and not got.unrecognized


def test_revenue_per_order_in_a_bracket_spells_out_the_measure(tpcds):
    got = read(tpcds, "customers whose average order value (revenue per order) is over 400", ANCHOR)
    (avg,) = activities(got)
    assert avg.measure == "avg" and avg.activity.source == "purchases"


def test_a_single_thing_paid_is_one_event_not_a_ratio(saas):
    got = read(saas, "accounts that signed up this year but have never paid a single invoice")
    assert all(c.measure != "avg" for c in activities(got))
