"""Compiler: every spec selects exactly the customers an independent hand-written query selects.

Compiled SQL is always checked by the SQL guard and run through the sandboxed executor; the
expected sets come from plain SQL written a different way (LEFT JOIN + coalesce, EXISTS, date
arithmetic instead of derived attributes) so the two cannot share a mistake.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from assistant.catalog import load_catalog
from assistant.compiler import CompileError, compile_spec, run_funnel, sql_literal
from assistant.executor import Executor
from assistant.guard import check_sql
from assistant.spec import (
    Activity,
    ActivityCondition,
    AttributeCondition,
    Condition,
    NotGroup,
    OrGroup,
    RankCondition,
    SegmentRef,
    SegmentSpec,
)
from assistant.windows import Before, Calendar, Month, Since, Trailing

AS_OF = date(2026, 9, 30)
CATALOG = load_catalog()

# The demo catalog's event models, written as the spec names them.
_FIELDS = {
    "categories": "category", "subcategories": "subcategory", "brands": "brand",
    "channels": "channel", "payment_methods": "payment_method", "eco_friendly": "eco_friendly",
    "event_types": "event_type", "campaign_types": "campaign_type",
    "campaign_names": "campaign_name", "target_categories": "target_category",
    "devices": "device", "browsers": "browser", "viewed_categories": "viewed_category",
    "converted": "converted", "added_to_cart": "added_to_cart", "topics": "topic",
}  # fmt: skip


def _activity(source: str, **kw: object) -> Activity:
    filters: dict[str, object] = {}
    predicates: list[str] = []
    if kw.pop("statuses", None) == ["returned"]:
        source = "returns"
    if kw.pop("cart_abandoned", None):
        predicates.append("cart_abandoned")
    low, high = kw.pop("csat_min", None), kw.pop("csat_max", None)
    if low is not None or high is not None:
        filters["csat_score"] = {"min": low, "max": high}
    for key, value in kw.items():
        filters[_FIELDS[key]] = value
    return Activity(source=source, filters=filters, predicates=predicates)


def Purchases(**kw: object) -> Activity:  # noqa: N802
    return _activity("purchases", **kw)


def CampaignEvents(**kw: object) -> Activity:  # noqa: N802
    return _activity("campaign_events", **kw)


def WebSessions(**kw: object) -> Activity:  # noqa: N802
    return _activity("web_sessions", **kw)


def SupportTickets(**kw: object) -> Activity:  # noqa: N802
    return _activity("support_tickets", **kw)


LAST_MONTH = Calendar(period="last_month")
LAST_90 = Trailing(n=90, unit="days")
LAST_12M = Trailing(n=12, unit="months")

# Hand-written building blocks (deliberately not the compiler's own SQL).
COMPLETED = "SELECT * FROM transactions WHERE status = 'completed'"
ENGAGED = "SELECT * FROM campaign_events WHERE event_type IN ('opened', 'clicked', 'converted')"


def per_customer(sql_value: str, source: str, where: str = "TRUE") -> str:
    """Every customer with an aggregate over `source` (0/NULL when they have no rows)."""
    return (
        f"SELECT c.customer_id, (SELECT {sql_value} FROM ({source}) x "
        f"WHERE x.customer_id = c.customer_id AND {where}) AS v FROM customers c"
    )


def outdoor_tx(category: str = "Outdoor") -> str:
    return (
        f"{COMPLETED} AND transaction_id IN (SELECT ti.transaction_id FROM transaction_items ti, "
        f"products p WHERE p.product_id = ti.product_id AND p.category = '{category}')"
    )


def in_window(column: str, first: str, last: str) -> str:
    return f"CAST({column} AS DATE) BETWEEN DATE '{first}' AND DATE '{last}'"


CASES: list[tuple[str, list[Condition], str]] = [
    (
        "attribute equality",
        [AttributeCondition(attribute="country", op="=", value="US")],
        "SELECT customer_id FROM customers WHERE country = 'US'",
    ),
    (
        "attribute inequality leaves unknowns out",
        [AttributeCondition(attribute="gender", op="!=", value="female")],
        "SELECT customer_id FROM customers WHERE gender IN ('male', 'non-binary')",
    ),
    (
        "attribute in",
        [AttributeCondition(attribute="loyalty_tier", op="in", value=["gold", "platinum"])],
        "SELECT customer_id FROM customers "
        "WHERE loyalty_tier = 'gold' OR loyalty_tier = 'platinum'",
    ),
    (
        "attribute not in",
        [AttributeCondition(attribute="income_band", op="not_in", value=["<25k", "25-50k"])],
        "SELECT customer_id FROM customers WHERE income_band IN ('50-100k', '100-200k', '200k+')",
    ),
    (
        "age between (whole years at as_of)",
        [AttributeCondition(attribute="age", op="between", value=[25, 34])],
        "SELECT customer_id FROM customers "
        "WHERE birth_date > DATE '1991-09-30' AND birth_date <= DATE '2001-09-30'",
    ),
    (
        "age greater than",
        [AttributeCondition(attribute="age", op=">", value=60)],
        "SELECT customer_id FROM customers WHERE birth_date <= DATE '1965-09-30'",
    ),
    (
        "tenure in days at most",
        [AttributeCondition(attribute="tenure_days", op="<=", value=90)],
        "SELECT customer_id FROM customers WHERE signup_date >= DATE '2026-07-02'",
    ),
    (
        "tenure in months at least",
        [AttributeCondition(attribute="tenure_months", op=">=", value=24)],
        "SELECT customer_id FROM customers WHERE signup_date <= DATE '2024-09-30'",
    ),
    (
        "unknown and known values",
        [
            AttributeCondition(attribute="gender", op="is_null"),
            AttributeCondition(attribute="company_industry", op="not_null"),
        ],
        "SELECT customer_id FROM customers WHERE gender IS NULL AND company_industry IS NOT NULL",
    ),
    (
        "boolean and date attributes",
        [
            AttributeCondition(attribute="email_opt_in", op="=", value=True),
            AttributeCondition(attribute="signup_date", op="<", value="2026-01-01"),
        ],
        "SELECT customer_id FROM customers WHERE email_opt_in AND signup_date < '2026-01-01'",
    ),
    (
        "Outdoor buyers (any time)",
        [ActivityCondition(activity=Purchases(categories=["Outdoor"]))],
        f"SELECT DISTINCT customer_id FROM ({outdoor_tx()})",
    ),
    (
        "mission: outdoor buyers, 3+ purchases last month, no campaign engagement",
        [
            ActivityCondition(activity=Purchases(categories=["Outdoor"])),
            ActivityCondition(activity=Purchases(), op=">=", value=3, window=LAST_MONTH),
            ActivityCondition(activity=CampaignEvents(), op="=", value=0),
        ],
        f"SELECT customer_id FROM ({outdoor_tx()}) "
        f"INTERSECT SELECT customer_id FROM ({COMPLETED}) "
        f"WHERE {in_window('transaction_ts', '2026-08-01', '2026-08-31')} "
        "GROUP BY customer_id HAVING count(*) >= 3 "
        f"EXCEPT SELECT customer_id FROM ({ENGAGED})",
    ),
    (
        "fewer than 2 purchases in 90 days includes customers with none",
        [ActivityCondition(activity=Purchases(), op="<", value=2, window=LAST_90)],
        "SELECT customer_id FROM ("
        + per_customer(
            "count(*)", COMPLETED, in_window("transaction_ts", "2026-07-03", "2026-09-30")
        )
        + ") WHERE v < 2",
    ),
    (
        "no web sessions in the last 30 days",
        [
            ActivityCondition(
                activity=WebSessions(), op="=", value=0, window=Trailing(n=30, unit="days")
            )
        ],
        "SELECT customer_id FROM customers WHERE NOT EXISTS (SELECT 1 FROM web_sessions w "
        "WHERE w.customer_id = customers.customer_id AND "
        + in_window("w.session_start", "2026-09-01", "2026-09-30")
        + ")",
    ),
    (
        "purchase count between 2 and 4 last year",
        [
            ActivityCondition(
                activity=Purchases(),
                op="between",
                value=[2, 4],
                window=Calendar(period="last_year"),
            )
        ],
        f"SELECT customer_id FROM ({COMPLETED}) WHERE year(transaction_ts) = 2025 "
        "GROUP BY customer_id HAVING count(*) IN (2, 3, 4)",
    ),
    (
        "support ticket count other than 1 (zero included)",
        [ActivityCondition(activity=SupportTickets(), op="!=", value=1)],
        "SELECT customer_id FROM ("
        + per_customer("count(*)", "SELECT * FROM support_tickets")
        + ") WHERE v <> 1",
    ),
    (
        "exactly 2 purchases this year",
        [
            ActivityCondition(
                activity=Purchases(), op="=", value=2, window=Calendar(period="this_year")
            )
        ],
        f"SELECT customer_id FROM ({COMPLETED}) WHERE transaction_ts >= '2026-01-01' "
        "GROUP BY customer_id HAVING count(*) = 2",
    ),
    (
        "more than 5 campaigns sent",
        [ActivityCondition(activity=CampaignEvents(event_types=["sent"]), op=">", value=5)],
        "SELECT customer_id FROM campaign_events WHERE event_type = 'sent' "
        "GROUP BY customer_id HAVING count(*) >= 6",
    ),
    (
        "3+ distinct categories in 12 months",
        [
            ActivityCondition(
                activity=Purchases(),
                measure="distinct",
                field="category",
                op=">=",
                value=3,
                window=LAST_12M,
            )
        ],
        f"SELECT t.customer_id FROM ({COMPLETED}) t, transaction_items ti, products p "
        "WHERE ti.transaction_id = t.transaction_id AND p.product_id = ti.product_id "
        "AND t.transaction_ts >= '2025-10-01' GROUP BY t.customer_id "
        "HAVING count(DISTINCT p.category) >= 3",
    ),
    (
        "engaged with 2+ distinct campaigns",
        [
            ActivityCondition(
                activity=CampaignEvents(), measure="distinct", field="campaign", value=2
            )
        ],
        f"SELECT customer_id FROM ({ENGAGED}) GROUP BY customer_id "
        "HAVING count(DISTINCT campaign_id) >= 2",
    ),
    (
        "spent over 1000 in 12 months",
        [
            ActivityCondition(
                activity=Purchases(),
                measure="sum",
                field="total_amount",
                op=">",
                value=1000,
                window=LAST_12M,
            )
        ],
        f"SELECT customer_id FROM ({COMPLETED}) WHERE transaction_ts >= '2025-10-01' "
        "GROUP BY customer_id HAVING sum(total_amount) > 1000",
    ),
    (
        "spent at most 100 ever (non-buyers included)",
        [
            ActivityCondition(
                activity=Purchases(), measure="sum", field="total_amount", op="<=", value=100
            )
        ],
        "SELECT customer_id FROM ("
        + per_customer("coalesce(sum(total_amount), 0)", COMPLETED)
        + ") WHERE v <= 100",
    ),
    (
        "average order value at least 150",
        [
            ActivityCondition(
                activity=Purchases(), measure="avg", field="total_amount", op=">=", value=150
            )
        ],
        "SELECT customer_id FROM ("
        + per_customer("sum(total_amount) / count(*)", COMPLETED)
        + ") WHERE v >= 150",
    ),
    (
        "viewed 10+ pages in an Outdoor session",
        [
            ActivityCondition(
                activity=WebSessions(viewed_categories=["Outdoor"]),
                measure="max",
                field="pages_viewed",
                op=">=",
                value=10,
            )
        ],
        "SELECT DISTINCT customer_id FROM web_sessions "
        "WHERE viewed_category = 'Outdoor' AND pages_viewed >= 10",
    ),
    (
        "worst delivery CSAT at most 2",
        [
            ActivityCondition(
                activity=SupportTickets(topics=["delivery"]),
                measure="min",
                field="csat_score",
                op="<=",
                value=2,
            )
        ],
        "SELECT DISTINCT customer_id FROM support_tickets "
        "WHERE topic = 'delivery' AND csat_score <= 2",
    ),
    (
        "lapsed: more than 180 days since last purchase, never-buyers included",
        [ActivityCondition(activity=Purchases(), measure="days_since_last", op=">", value=180)],
        "SELECT customer_id FROM customers EXCEPT SELECT customer_id FROM "
        f"({COMPLETED}) WHERE transaction_ts >= DATE '2026-04-03'",
    ),
    (
        "recent: last purchase within 30 days",
        [ActivityCondition(activity=Purchases(), measure="days_since_last", op="<=", value=30)],
        f"SELECT DISTINCT customer_id FROM ({COMPLETED}) WHERE transaction_ts >= '2026-08-31'",
    ),
    (
        "online BNPL eco-friendly purchases and returns",
        [
            ActivityCondition(
                activity=Purchases(channels=["online"], payment_methods=["bnpl"], eco_friendly=True)
            ),
            ActivityCondition(activity=Purchases(statuses=["returned"])),
        ],
        f"SELECT customer_id FROM ({COMPLETED}) t WHERE channel = 'online' "
        "AND payment_method = 'bnpl' AND EXISTS (SELECT 1 FROM transaction_items ti "
        "JOIN products p USING (product_id) "
        "WHERE ti.transaction_id = t.transaction_id AND p.is_eco_friendly) "
        "INTERSECT SELECT customer_id FROM transactions WHERE status = 'returned'",
    ),
    (
        "Camping buyers via store since March",
        [
            ActivityCondition(
                activity=Purchases(subcategories=["Camping"], channels=["store"]),
                window=Since(start=date(2026, 3, 1)),
            )
        ],
        f"SELECT t.customer_id FROM ({COMPLETED}) t JOIN transaction_items ti "
        "USING (transaction_id) JOIN products p USING (product_id) WHERE p.subcategory = 'Camping' "
        "AND t.channel = 'store' AND t.transaction_ts >= '2026-03-01'",
    ),
    (
        "email winback engagement, Outdoor-targeted campaigns in March",
        [
            ActivityCondition(
                activity=CampaignEvents(channels=["email"], campaign_types=["winback"]),
            ),
            ActivityCondition(
                activity=CampaignEvents(event_types=["clicked"], target_categories=["Outdoor"]),
                window=Month(month=3, year=2026),
            ),
        ],
        f"SELECT e.customer_id FROM ({ENGAGED}) e JOIN campaigns m USING (campaign_id) "
        "WHERE m.channel = 'email' AND m.campaign_type = 'winback' "
        "INTERSECT SELECT e.customer_id FROM campaign_events e JOIN campaigns m "
        "USING (campaign_id) WHERE e.event_type = 'clicked' AND m.target_category = 'Outdoor' "
        "AND " + in_window("e.event_ts", "2026-03-01", "2026-03-31"),
    ),
    (
        "abandoned carts on iOS Safari, but a converting session before 2026",
        [
            ActivityCondition(
                activity=WebSessions(cart_abandoned=True, devices=["ios"], browsers=["safari"])
            ),
            ActivityCondition(
                activity=WebSessions(converted=True), window=Before(end=date(2026, 1, 1))
            ),
        ],
        "SELECT customer_id FROM web_sessions WHERE added_to_cart AND NOT converted "
        "AND device = 'ios' AND browser = 'safari' INTERSECT SELECT customer_id FROM "
        "web_sessions WHERE converted AND session_start < '2026-01-01'",
    ),
    (
        "unhappy chat contacts (CSAT 1-2)",
        [
            ActivityCondition(
                activity=SupportTickets(csat_min=1, csat_max=2, channels=["chat"]),
                op=">=",
                value=2,
            )
        ],
        "SELECT customer_id FROM support_tickets WHERE csat_score IN (1, 2) AND channel = 'chat' "
        "GROUP BY customer_id HAVING count(*) > 1",
    ),
    (
        "nested OR / NOT",
        [
            OrGroup(
                conditions=[
                    AttributeCondition(attribute="country", op="in", value=["US", "CA"]),
                    AttributeCondition(attribute="loyalty_tier", op="=", value="gold"),
                ]
            ),
            NotGroup(condition=ActivityCondition(activity=Purchases(categories=["Electronics"]))),
            NotGroup(
                condition=OrGroup(
                    conditions=[
                        AttributeCondition(attribute="age", op="<", value=25),
                        ActivityCondition(activity=SupportTickets(), op=">=", value=3),
                    ]
                )
            ),
        ],
        "SELECT customer_id FROM customers WHERE (country IN ('US', 'CA') "
        "OR loyalty_tier = 'gold') AND birth_date <= DATE '2001-09-30' "
        f"EXCEPT SELECT customer_id FROM ({outdoor_tx('Electronics')}) "
        "EXCEPT SELECT customer_id FROM support_tickets GROUP BY 1 HAVING count(*) >= 3",
    ),
]


@pytest.fixture(scope="module")
def executor(demo_db: Path) -> Iterator[Executor]:
    with Executor(demo_db) as ex:
        yield ex


def ids(executor: Executor, sql: str) -> set[int]:
    result = executor.query(sql, max_rows=1_000_000)
    return {row[0] for row in result.rows}


def run_compiled(executor: Executor, spec: SegmentSpec) -> list[int]:
    compiled = compile_spec(spec, AS_OF, CATALOG)
    guarded = check_sql(compiled.sql, executor.schema())
    rows = executor.query(guarded.sql, max_rows=1_000_000).rows
    return [row[0] for row in rows]


@pytest.mark.parametrize(
    ("conditions", "expected_sql"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_compiled_audience_matches_hand_written_sql(
    executor: Executor, conditions: list[Condition], expected_sql: str
) -> None:
    got = run_compiled(executor, SegmentSpec(conditions=conditions))
    assert len(got) == len(set(got)), "one row per customer"
    assert set(got) == ids(executor, expected_sql)


def test_cases_are_not_trivially_empty(executor: Executor) -> None:
    # Most comparisons must be about real audiences, or equality would prove little.
    sizes = [len(run_compiled(executor, SegmentSpec(conditions=c))) for _, c, _ in CASES]
    assert sum(1 for n in sizes if n > 0) >= 0.8 * len(CASES)


def test_fewer_than_includes_customers_without_any_activity(executor: Executor) -> None:
    spec = SegmentSpec(
        conditions=[ActivityCondition(activity=Purchases(), op="<", value=2, window=LAST_90)]
    )
    audience = set(run_compiled(executor, spec))
    never = ids(
        executor, f"SELECT customer_id FROM customers EXCEPT SELECT customer_id FROM ({COMPLETED})"
    )
    assert never and never <= audience


def test_top_ten_percent_spenders_has_the_ceiling_size_and_the_biggest_spenders(
    executor: Executor,
) -> None:
    rank = RankCondition(
        activity=Purchases(), measure="sum", field="total_amount", n=10, window=LAST_12M
    )
    audience = set(run_compiled(executor, SegmentSpec(conditions=[rank])))
    spend = executor.query(
        f"SELECT customer_id, sum(total_amount) FROM ({COMPLETED}) "
        "WHERE transaction_ts >= '2025-10-01' GROUP BY 1",
        max_rows=1_000_000,
    ).rows
    ordered = sorted(spend, key=lambda row: (-row[1], row[0]))
    size = math.ceil(len(ordered) * 10 / 100)
    assert len(audience) == size
    assert audience == {row[0] for row in ordered[:size]}


def test_bottom_n_customers_breaks_ties_by_customer_id(executor: Executor) -> None:
    rank = RankCondition(activity=Purchases(), direction="bottom", n=5, unit="customers")
    audience = set(run_compiled(executor, SegmentSpec(conditions=[rank])))
    counts = executor.query(
        f"SELECT customer_id, count(*) FROM ({COMPLETED}) GROUP BY 1", max_rows=1_000_000
    ).rows
    assert audience == {row[0] for row in sorted(counts, key=lambda r: (r[1], r[0]))[:5]}


HOSTILE = "O'Brien'; DROP TABLE customers; --"


def test_hostile_values_stay_literals(executor: Executor) -> None:
    spec = SegmentSpec(
        conditions=[
            AttributeCondition(attribute="region", op="in", value=[HOSTILE, "x\\'y"]),
            ActivityCondition(activity=Purchases(brands=[HOSTILE])),
            ActivityCondition(activity=CampaignEvents(campaign_names=[HOSTILE]), op="=", value=0),
        ]
    )
    compiled = compile_spec(spec, AS_OF, CATALOG)
    assert "'O''Brien''; DROP TABLE customers; --'" in compiled.sql
    assert run_compiled(executor, spec) == []
    assert executor.scalar("SELECT count(*) FROM customers") > 0
    assert sql_literal(HOSTILE) == "'O''Brien''; DROP TABLE customers; --'"


def test_funnel_counts_shrink_step_by_step_to_the_final_count(executor: Executor) -> None:
    spec = SegmentSpec(
        conditions=[
            AttributeCondition(attribute="country", op="in", value=["US", "CA", "GB"]),
            ActivityCondition(activity=Purchases(categories=["Outdoor"])),
            ActivityCondition(activity=Purchases(), op=">=", value=2, window=LAST_12M),
            ActivityCondition(activity=CampaignEvents(), op="=", value=0, window=LAST_90),
        ]
    )
    compiled = compile_spec(spec, AS_OF, CATALOG)
    check_sql(compiled.funnel_sql, executor.schema(), require_customer_id=False)
    funnel = run_funnel(executor, compiled)
    counts = [count for _, count in funnel]
    assert funnel[0] == ("All customers", executor.scalar("SELECT count(*) FROM customers"))
    assert [label for label, _ in funnel[1:]] == [step.label for step in compiled.steps]
    assert all(a >= b for a, b in zip(counts, counts[1:], strict=False))
    assert counts[-1] == len(run_compiled(executor, spec))
    assert counts[0] > counts[-1]


def test_explanation_and_assumptions_quote_concrete_dates() -> None:
    spec = SegmentSpec(
        conditions=[
            ActivityCondition(activity=Purchases(categories=["Outdoor"])),
            ActivityCondition(activity=Purchases(), op=">=", value=3, window=LAST_MONTH),
            ActivityCondition(activity=CampaignEvents(), op="=", value=0),
        ]
    )
    compiled = compile_spec(spec, AS_OF, CATALOG)
    assert compiled.explanation.startswith("Customers with at least 1 purchase of outdoor gear")
    assert "at least 3 purchases between 1 Aug and 31 Aug 2026" in compiled.explanation
    assert "no campaign events (opened, clicked or converted)" in compiled.explanation
    joined = "\n".join(compiled.assumptions)
    assert "last month = 2026-08-01 … 2026-08-31" in compiled.assumptions
    assert any(a.startswith("purchase = completed orders") for a in compiled.assumptions)
    assert "campaign event = opened, clicked or converted" in joined
    assert "means at least 3" in joined
    assert all(step.label in compiled.explanation for step in compiled.steps)


def test_empty_spec_is_every_customer(executor: Executor) -> None:
    compiled = compile_spec(SegmentSpec(), AS_OF, CATALOG)
    assert compiled.explanation == "All customers."
    assert set(run_compiled(executor, SegmentSpec())) == ids(
        executor, "SELECT customer_id FROM customers"
    )
    assert run_funnel(executor, compiled) == [
        ("All customers", executor.scalar("SELECT count(*) FROM customers"))
    ]


def test_segment_ref_compiles_to_membership_of_the_named_segment(executor: Executor) -> None:
    segmodels = pytest.importorskip("assistant.segmodels")
    label = segmodels.labels("rfm")[0].name
    spec = SegmentSpec(conditions=[SegmentRef(model="rfm", label=label)])
    expected = ids(executor, segmodels.membership_sql("rfm", label, AS_OF, CATALOG))
    assert set(run_compiled(executor, spec)) == expected


def test_segment_ref_without_segmodels_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "assistant.segmodels", None)
    spec = SegmentSpec(conditions=[SegmentRef(model="rfm", label="Champions")])
    with pytest.raises(CompileError, match="segmodels"):
        compile_spec(spec, AS_OF, CATALOG)


def test_a_ranking_ranks_among_the_customers_the_other_conditions_keep(executor):
    # "the 10 biggest spenders in Texas": the top 10 of Texas, not the top 10 overall who
    # happen to live there
    texas = AttributeCondition(attribute="region", op="=", value="Texas")
    top = RankCondition(activity=Activity(source="purchases"), measure="sum",
                        field="total_amount", n=10, unit="customers")  # fmt: skip
    got = set(run_compiled(executor, SegmentSpec(conditions=[texas, top])))
    expected = ids(
        executor,
        """SELECT customer_id FROM (
             SELECT t.customer_id, row_number() OVER (
               ORDER BY sum(t.total_amount) DESC, t.customer_id) AS r
             FROM transactions t JOIN customers c USING (customer_id)
             WHERE t.status = 'completed' AND c.region = 'Texas'
             GROUP BY t.customer_id) WHERE r <= 10""",
    )
    assert len(expected) == 10 and got == expected


def test_a_ranking_taken_first_is_narrowed_by_the_conditions_after_it(executor):
    # "the top 10 spenders, then keep those in Texas": the Texans among the overall top 10,
    # so fewer than 10 may remain; what comes before the ranking still makes its pool
    texas = AttributeCondition(attribute="region", op="=", value="Texas")
    top = RankCondition(
        activity=Activity(source="purchases"),
        measure="sum",
        field="total_amount",
        n=10,
        unit="customers",
        ranked_first=True,
    )
    overall = ids(
        executor,
        """SELECT customer_id FROM (
             SELECT customer_id, row_number() OVER (
               ORDER BY sum(total_amount) DESC, customer_id) AS r
             FROM transactions WHERE status = 'completed'
             GROUP BY customer_id) WHERE r <= 10""",
    )
    in_texas = ids(executor, "SELECT customer_id FROM customers WHERE region = 'Texas'")
    assert set(run_compiled(executor, SegmentSpec(conditions=[top, texas]))) == overall & in_texas
    ranked_in_texas = set(run_compiled(executor, SegmentSpec(conditions=[texas, top])))
    assert len(ranked_in_texas) == 10 and ranked_in_texas <= in_texas
