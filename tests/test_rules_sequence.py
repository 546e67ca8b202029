"""Sequences: 'since their last X', 'since then' after an undated event, 'but never … one'.

Specifications: "haven't ordered since their last delivery complaint" counts only purchases after
each customer's own latest such complaint (spec `after`, last), and needs one; "unsubscribed from
email but have still made a purchase since then" counts purchases after their first email
unsubscribe (an earlier event without a time anchors 'since then'); "were sent a win-back email
but never opened one" is about the same kind of campaign as before it. The compiled SQL is run
against hand-written SQL on the demo data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import RequestParser
from assistant.spec import Activity, ActivityCondition, AfterEvent, SegmentSpec

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
AS_OF = date(2026, 9, 30)


def parse(schema: str, request: str):
    catalog = load_catalog(SCHEMAS / f"{schema}.yaml")
    return RequestParser(catalog, lexicon_for(catalog), AS_OF).parse(request)


def did(source, op=">=", value=1, after=None, **filters):
    return ActivityCondition(
        activity=Activity(source=source, filters=filters), op=op, value=value, after=after
    )


DELIVERY = Activity(source="support_tickets", filters={"topic": ["delivery"]})
EMAIL_UNSUB = Activity(
    source="campaign_events", filters={"event_type": ["unsubscribed"], "channel": ["email"]}
)


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "retail",
            "customers who complained about delivery and haven't ordered since their last "
            "delivery complaint",
            [
                did("support_tickets", topic=["delivery"]),
                did("purchases", "=", 0, AfterEvent(activity=DELIVERY, which="last")),
            ],
        ),
        (
            "retail",
            "people who unsubscribed from email but have still made a purchase since then",
            [
                did("campaign_events", event_type=["unsubscribed"], channel=["email"]),
                did("purchases", after=AfterEvent(activity=EMAIL_UNSUB, which="first")),
            ],
        ),
        (
            "saas",
            "accounts that opened a ticket and haven't logged in since their last ticket",
            [
                did("tickets"),
                did(
                    "usage",
                    "=",
                    0,
                    AfterEvent(activity=Activity(source="tickets"), which="last"),
                    event_name=["login"],
                ),
            ],
        ),
    ],
)
def test_since_their_own_event(schema, request_text, expected):
    assert parse(schema, request_text).conditions == expected


@pytest.mark.parametrize(
    ("schema", "request_text", "expected"),
    [
        (
            "retail",
            "customers who were sent a win-back email but never opened one",
            did(
                "campaign_events",
                "=",
                0,
                campaign_type=["winback"],
                channel=["email"],
                event_type=["opened"],
            ),
        ),
        (
            "saas",
            "accounts where admins logged in but never exported data",
            did("usage", "=", 0, role=["admin"], event_name=["export"]),
        ),
    ],
)
def test_but_never_is_about_the_same_kind_of_thing(schema, request_text, expected):
    assert parse(schema, request_text).conditions[-1] == expected


def test_after_compiles_to_each_customers_own_time(demo_db):
    catalog = load_catalog(SCHEMAS / "retail.yaml")
    spec = SegmentSpec(
        conditions=[did("purchases", "=", 0, AfterEvent(activity=DELIVERY, which="last"))]
    )
    gold = """
        WITH last_ticket AS (SELECT customer_id, max(created_ts) AS ts FROM support_tickets
          WHERE topic = 'delivery' GROUP BY customer_id)
        SELECT l.customer_id FROM last_ticket l WHERE NOT EXISTS (SELECT 1 FROM transactions t
          WHERE t.customer_id = l.customer_id AND t.status = 'completed'
          AND t.transaction_ts > l.ts)
    """
    with duckdb.connect(str(demo_db), read_only=True) as con:
        as_of = con.execute("SELECT max(as_of) FROM dataset_info").fetchone()[0]
        sql = compile_spec(spec, as_of, catalog).sql
        got = {r[0] for r in con.execute(sql).fetchall()}
        want = {r[0] for r in con.execute(gold).fetchall()}
    assert want
    assert got == want
