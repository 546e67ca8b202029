"""Specification of the built-in segmentation models (schemas/segment_models.yaml + segmodels)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assistant import segmodels
from assistant.catalog import Catalog, Roles, load_catalog
from assistant.compiler import CompileError, compile_spec
from assistant.guard import check_sql
from assistant.spec import SegmentRef, SegmentSpec

AS_OF = date(2026, 9, 30)
CATALOG = load_catalog()
MODELS = ["rfm", "abc", "lifecycle", "value_tier", "engagement_tier"]

# The data contract, used to build hand-made databases and as the guard's schema.
_CONTRACT_DDL = {
    "dataset_info": "as_of DATE, seed INTEGER, customers INTEGER",
    "customers": "customer_id INTEGER, first_name VARCHAR, last_name VARCHAR, email VARCHAR,"
    " gender VARCHAR, birth_date DATE, signup_date DATE, country VARCHAR, region VARCHAR,"
    " city VARCHAR, income_band VARCHAR, education VARCHAR, occupation VARCHAR,"
    " marital_status VARCHAR, customer_type VARCHAR, company_industry VARCHAR,"
    " company_size VARCHAR, lifestyle VARCHAR, reward_preference VARCHAR, loyalty_tier VARCHAR,"
    " acquisition_channel VARCHAR, preferred_channel VARCHAR, primary_device VARCHAR,"
    " email_opt_in BOOLEAN, sms_opt_in BOOLEAN, push_opt_in BOOLEAN",
    "products": "product_id INTEGER, product_name VARCHAR, category VARCHAR,"
    " subcategory VARCHAR, brand VARCHAR, list_price DECIMAL(10,2), is_eco_friendly BOOLEAN",
    "transactions": "transaction_id BIGINT, customer_id INTEGER, transaction_ts TIMESTAMP,"
    " channel VARCHAR, payment_method VARCHAR, status VARCHAR, item_count INTEGER,"
    " discount_amount DECIMAL(12,2), total_amount DECIMAL(12,2)",
    "transaction_items": "transaction_id BIGINT, product_id INTEGER, quantity INTEGER,"
    " unit_price DECIMAL(10,2)",
    "campaigns": "campaign_id INTEGER, campaign_name VARCHAR, channel VARCHAR,"
    " campaign_type VARCHAR, target_category VARCHAR, start_date DATE, end_date DATE",
    "campaign_events": "campaign_id INTEGER, customer_id INTEGER, event_type VARCHAR,"
    " event_ts TIMESTAMP",
    "web_sessions": "session_id BIGINT, customer_id INTEGER, session_start TIMESTAMP,"
    " device VARCHAR, browser VARCHAR, pages_viewed INTEGER, viewed_category VARCHAR,"
    " added_to_cart BOOLEAN, converted BOOLEAN",
    "support_tickets": "ticket_id BIGINT, customer_id INTEGER, created_ts TIMESTAMP,"
    " topic VARCHAR, channel VARCHAR, csat_score INTEGER",
}
CONTRACT: dict[str, dict[str, str]] = {
    table: dict(column.split(" ", 1) for column in re.split(r",\s*(?![^()]*\))", ddl))
    for table, ddl in _CONTRACT_DDL.items()
}


# The shipped RFM map, restated here as the specification (first match wins):
# (key, R range, F range, M range).
RFM_MAP = [
    ("champions", (4, 5), (4, 5), (4, 5)),
    ("loyal_customers", (2, 5), (3, 5), (3, 5)),
    ("new_customers", (4, 5), (1, 1), (1, 1)),
    ("promising", (3, 4), (1, 1), (1, 1)),
    ("potential_loyalists", (3, 5), (1, 3), (1, 3)),
    ("need_attention", (2, 3), (2, 3), (2, 3)),
    ("about_to_sleep", (2, 3), (1, 2), (1, 2)),
    ("cannot_lose_them", (1, 1), (4, 5), (4, 5)),
    ("at_risk", (1, 2), (2, 5), (2, 5)),
    ("hibernating", (1, 2), (1, 2), (1, 2)),
]


def days_ago(n: int, hour: int = 12) -> datetime:
    return datetime.combine(AS_OF - timedelta(days=n), datetime.min.time()).replace(hour=hour)


class TinyDb:
    """A hand-placed database with the contract tables, for exact boundary checks."""

    def __init__(self, path: Path) -> None:
        self.con = duckdb.connect(str(path))
        for table, columns in CONTRACT.items():
            cols = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            self.con.execute(f"CREATE TABLE {table} ({cols})")
        self.con.execute("INSERT INTO dataset_info VALUES (?, 1, 0)", [AS_OF])
        # Unsubscribes count per contact channel, and a campaign's channel is on the campaign.
        self.con.execute("INSERT INTO campaigns (campaign_id, channel) VALUES (1, 'email')")
        self._next_tx = 1

    def customer(self, customer_id: int, signup_days_ago: int = 400) -> int:
        self.con.execute(
            "INSERT INTO customers (customer_id, signup_date) VALUES (?, ?)",
            [customer_id, AS_OF - timedelta(days=signup_days_ago)],
        )
        return customer_id

    def purchase(
        self, customer_id: int, when: datetime, amount: str = "10.00", status: str = "completed"
    ) -> None:
        self.con.execute(
            "INSERT INTO transactions (transaction_id, customer_id, transaction_ts, status,"
            " total_amount) VALUES (?, ?, ?, ?, ?)",
            [self._next_tx, customer_id, when, status, Decimal(amount)],
        )
        self._next_tx += 1

    def event(self, customer_id: int, event_type: str, when: datetime) -> None:
        self.con.execute(
            "INSERT INTO campaign_events VALUES (1, ?, ?, ?)", [customer_id, event_type, when]
        )

    def labels(self, model: str, catalog: Catalog = CATALOG) -> dict[int, str]:
        sql = segmodels.assignment_sql(model, AS_OF, catalog)
        return dict(self.con.execute(f"SELECT customer_id, label FROM ({sql})").fetchall())


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[TinyDb]:
    db = TinyDb(tmp_path / "tiny.duckdb")
    yield db
    db.con.close()


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


def assignment_rows(
    con: duckdb.DuckDBPyConnection, model: str, catalog: Catalog = CATALOG
) -> list[dict]:
    cursor = con.execute(segmodels.assignment_sql(model, AS_OF, catalog))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def ntile(ordered_ids: list[int], buckets: int = 5) -> dict[int, int]:
    """NTILE as SQL defines it: equal groups, the first (n mod buckets) one larger."""
    size, extra = divmod(len(ordered_ids), buckets)
    scores: dict[int, int] = {}
    position = 0
    for bucket in range(1, buckets + 1):
        count = size + (1 if bucket <= extra else 0)
        for cid in ordered_ids[position : position + count]:
            scores[cid] = bucket
        position += count
    return scores


def completed_purchases(con: duckdb.DuckDBPyConnection) -> list[tuple[int, date, Decimal]]:
    rows = con.execute(
        "SELECT customer_id, transaction_ts, total_amount FROM transactions"
        " WHERE status = 'completed'"
    ).fetchall()
    return [(cid, ts.date(), amount) for cid, ts, amount in rows]


def revenue_last_12_months(con: duckdb.DuckDBPyConnection) -> dict[int, Decimal]:
    start = AS_OF - timedelta(days=364)
    revenue: Counter[int] = Counter()
    for cid, day, amount in completed_purchases(con):
        if start <= day <= AS_OF:
            revenue[cid] += amount
    return {cid: total for cid, total in revenue.items() if total > 0}


# --- catalog ----------------------------------------------------------------------------------


def test_catalog_lists_the_five_models_with_documented_labels() -> None:
    assert segmodels.model_names() == MODELS
    for model in MODELS:
        found = segmodels.labels(model)
        assert found, model
        for label in found:
            assert label.key and label.name and label.description.strip()
    assert [lb.key for lb in segmodels.labels("rfm")] == [k for k, *_ in RFM_MAP] + [
        "lost",
        "no_recent_purchases",
    ]
    assert [lb.key for lb in segmodels.labels("lifecycle")] == [
        "new",
        "active",
        "at_risk",
        "lapsed",
        "never_purchased",
    ]


def test_labels_resolve_by_key_display_name_or_synonym() -> None:
    assert segmodels.resolve_label("rfm", "Cannot Lose Them").key == "cannot_lose_them"
    assert segmodels.resolve_label("rfm", "best customers").key == "champions"
    assert segmodels.resolve_label("lifecycle", "At risk").key == "at_risk"
    assert segmodels.resolve_label("lifecycle", "at-risk").key == "at_risk"
    assert segmodels.resolve_label("abc", "A").key == "a"


def test_unknown_label_error_names_the_valid_labels() -> None:
    with pytest.raises(ValueError, match="whales") as err:
        segmodels.membership_sql("rfm", "whales", AS_OF, CATALOG)
    assert "champions" in str(err.value) and "Cannot Lose Them" in str(err.value)


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="valid"):
        segmodels.assignment_sql("clv", AS_OF, CATALOG)


def test_every_query_passes_the_sql_guard() -> None:
    for model in MODELS:
        check_sql(segmodels.assignment_sql(model, AS_OF, CATALOG), CONTRACT)
        for label in segmodels.labels(model):
            sql = segmodels.membership_sql(model, label.key, AS_OF, CATALOG)
            guarded = check_sql(sql, CONTRACT)
            assert guarded.output_columns == ["customer_id"]


def test_queries_use_date_literals_for_as_of() -> None:
    assert "DATE '2026-09-30'" in segmodels.assignment_sql("lifecycle", AS_OF, CATALOG)
    assert "DATE '2025-10-01'" in segmodels.assignment_sql("rfm", AS_OF, CATALOG)  # 365 days


def _edited_catalog(tmp_path: Path, old: str, new: str) -> Path:
    text = segmodels.DEFAULT_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "models.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_catalog_rejects_an_rfm_rule_that_can_never_match(tmp_path: Path) -> None:
    # Moving "Potential Loyalists" above "New Customers" (as in some published maps) hides it.
    path = _edited_catalog(
        tmp_path,
        "rule: {r: [4, 5], f: [1, 1], m: [1, 1]}",
        "rule: {r: [3, 5], f: [1, 3], m: [1, 3]}",
    )
    with pytest.raises(ValueError, match="never reached"):
        segmodels.load_models(path)


def test_catalog_rejects_bad_parameters_and_unknown_fields(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a_share"):
        segmodels.load_models(_edited_catalog(tmp_path, "a_share: 0.80", "a_share: 0.97"))
    with pytest.raises(ValueError, match="colour"):
        segmodels.load_models(_edited_catalog(tmp_path, "      window_days: 90", "      colour: 1"))


# --- RFM against an independent calculation ----------------------------------------------------


def expected_rfm(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, int, int, int]]:
    start = AS_OF - timedelta(days=364)
    last: dict[int, date] = {}
    freq: Counter[int] = Counter()
    spend: Counter[int] = Counter()
    for cid, day, amount in completed_purchases(con):
        if start <= day <= AS_OF:
            last[cid] = max(last.get(cid, day), day)
            freq[cid] += 1
            spend[cid] += amount
    ids = list(last)
    recency = {cid: (AS_OF - last[cid]).days for cid in ids}
    r = ntile(sorted(ids, key=lambda c: (-recency[c], c)))
    f = ntile(sorted(ids, key=lambda c: (freq[c], c)))
    m = ntile(sorted(ids, key=lambda c: (spend[c], c)))
    result = {}
    for cid in ids:
        key = next(
            (
                k
                for k, rr, fr, mr in RFM_MAP
                if rr[0] <= r[cid] <= rr[1]
                and fr[0] <= f[cid] <= fr[1]
                and mr[0] <= m[cid] <= mr[1]
            ),
            "lost",
        )
        result[cid] = (key, r[cid], f[cid], m[cid])
    return result


def test_rfm_scores_and_segments_match_an_independent_calculation(demo) -> None:
    expected = expected_rfm(demo)
    rows = assignment_rows(demo, "rfm")
    got = {
        row["customer_id"]: (row["label"], row["r_score"], row["f_score"], row["m_score"])
        for row in rows
        if row["label"] != "no_recent_purchases"
    }
    assert len(expected) > 100
    assert got == expected
    unscored = [row for row in rows if row["label"] == "no_recent_purchases"]
    assert all(row["r_score"] is None for row in unscored)
    assert len(unscored) + len(got) == demo.execute("SELECT COUNT(*) FROM customers").fetchone()[0]


def test_rfm_window_is_the_365_days_ending_at_as_of(tiny: TinyDb) -> None:
    tiny.purchase(tiny.customer(1), days_ago(364, hour=0))  # first day of the window
    tiny.purchase(tiny.customer(2), days_ago(365, hour=23))  # the day before it
    tiny.purchase(tiny.customer(3), days_ago(0, hour=23))  # on as_of
    tiny.purchase(tiny.customer(4), days_ago(5), status="returned")
    labels = tiny.labels("rfm")
    assert labels[2] == labels[4] == "no_recent_purchases"
    assert labels[1] != "no_recent_purchases" and labels[3] != "no_recent_purchases"


# --- ABC --------------------------------------------------------------------------------------


def test_abc_classes_follow_the_pareto_rule(demo) -> None:
    rows = assignment_rows(demo, "abc")
    revenue = revenue_last_12_months(demo)
    total = sum(revenue.values())
    by_class: dict[str, list[int]] = {"a": [], "b": [], "c": [], "no_purchases": []}
    for row in rows:
        by_class[row["label"]].append(row["customer_id"])

    assert set(by_class["a"] + by_class["b"] + by_class["c"]) == set(revenue)
    assert all(cid not in revenue for cid in by_class["no_purchases"])

    def share(ids: list[int]) -> Decimal:
        return sum((revenue[c] for c in ids), Decimal(0)) / total

    a_ids = by_class["a"]
    lowest_a = min(a_ids, key=lambda c: (revenue[c], -c))
    assert share(a_ids) >= Decimal("0.80")
    assert share([c for c in a_ids if c != lowest_a]) < Decimal("0.80")
    assert min(revenue[c] for c in a_ids) >= max(revenue[c] for c in by_class["b"])
    ab = a_ids + by_class["b"]
    assert share(ab) >= Decimal("0.95")
    lowest_b = min(by_class["b"], key=lambda c: (revenue[c], -c))
    assert share([c for c in ab if c != lowest_b]) < Decimal("0.95")
    assert share(by_class["c"]) <= Decimal("0.05")


def test_abc_customer_crossing_80_percent_is_in_a(tiny: TinyDb) -> None:
    # Revenue 50, 30, 15, 5 (total 100): cumulative 50%, 80%, 95%, 100%.
    for cid, amount in [(1, "50"), (2, "30"), (3, "15"), (4, "5")]:
        tiny.purchase(tiny.customer(cid), days_ago(10), amount)
    tiny.customer(5)
    assert tiny.labels("abc") == {1: "a", 2: "a", 3: "b", 4: "c", 5: "no_purchases"}


# --- lifecycle --------------------------------------------------------------------------------


def test_lifecycle_stages_on_exact_day_edges(tiny: TinyDb) -> None:
    for cid, last_purchase in [(90, 90), (91, 91), (180, 180), (181, 181), (0, 0)]:
        tiny.purchase(tiny.customer(1000 + cid), days_ago(last_purchase, hour=23))
    tiny.customer(29, signup_days_ago=29)
    tiny.customer(30, signup_days_ago=30)
    tiny.customer(31, signup_days_ago=31)
    new_buyer = tiny.customer(7, signup_days_ago=10)
    tiny.purchase(new_buyer, days_ago(2))
    cancelled_only = tiny.customer(8)
    tiny.purchase(cancelled_only, days_ago(2), status="cancelled")
    assert tiny.labels("lifecycle") == {
        1090: "active",
        1091: "at_risk",
        1180: "at_risk",
        1181: "lapsed",
        1000: "active",
        29: "new",
        30: "never_purchased",
        31: "never_purchased",
        7: "new",
        8: "never_purchased",
    }


# --- value tiers ------------------------------------------------------------------------------


def test_value_tiers_have_the_documented_sizes_and_order(demo) -> None:
    rows = assignment_rows(demo, "value_tier")
    revenue = revenue_last_12_months(demo)
    n = len(revenue)
    sizes = Counter(row["label"] for row in rows)
    assert sizes["top"] == n * 10 // 100
    assert sizes["high"] == n * 30 // 100 - n * 10 // 100
    assert sizes["mid"] == n * 60 // 100 - n * 30 // 100
    assert sizes["low"] == n - n * 60 // 100
    assert sizes["none"] == len(rows) - n
    tiers = ["top", "high", "mid", "low"]
    for better, worse in zip(tiers, tiers[1:], strict=False):
        lowest = min(r["revenue"] for r in rows if r["label"] == better)
        highest = max(r["revenue"] for r in rows if r["label"] == worse)
        assert lowest >= highest


# --- engagement tiers -------------------------------------------------------------------------


def test_engagement_tiers_on_hand_placed_events(tiny: TinyDb) -> None:
    tiny.event(tiny.customer(1), "opened", days_ago(89, hour=0))  # first day of the window
    tiny.event(tiny.customer(2), "clicked", days_ago(90, hour=23))  # the day before it
    tiny.event(tiny.customer(3), "delivered", days_ago(1))  # delivery is not engagement
    tiny.event(tiny.customer(4), "opened", days_ago(20))
    tiny.event(4, "unsubscribed", days_ago(10))
    tiny.event(tiny.customer(5), "unsubscribed", days_ago(200))
    tiny.event(5, "converted", days_ago(5))  # came back after unsubscribing
    tiny.event(tiny.customer(6), "unsubscribed", days_ago(300))
    tiny.event(6, "opened", days_ago(250))  # came back, but not recently
    tiny.customer(7)
    assert tiny.labels("engagement_tier") == {
        1: "engaged",
        2: "dormant",
        3: "dormant",
        4: "unsubscribed",
        5: "engaged",
        6: "dormant",
        7: "dormant",
    }


def test_engagement_tiers_on_demo_data(demo) -> None:
    rows = assignment_rows(demo, "engagement_tier")
    sizes = Counter(row["label"] for row in rows)
    assert set(sizes) <= {"engaged", "dormant", "unsubscribed"}
    assert sizes["engaged"] > 0 and sizes["dormant"] > 0
    assert all(row["recent_engagements"] > 0 for row in rows if row["label"] == "engaged")
    start = AS_OF - timedelta(days=89)
    recent = {
        cid
        for (cid,) in demo.execute(
            "SELECT DISTINCT customer_id FROM campaign_events"
            " WHERE event_type IN ('opened', 'clicked', 'converted')"
            " AND CAST(event_ts AS DATE) BETWEEN ? AND ?",
            [start, AS_OF],
        ).fetchall()
    }
    engaged = {row["customer_id"] for row in rows if row["label"] == "engaged"}
    assert engaged <= recent
    never_unsubscribed = recent - {
        cid
        for (cid,) in demo.execute(
            "SELECT customer_id FROM campaign_events WHERE event_type = 'unsubscribed'"
        ).fetchall()
    }
    assert never_unsubscribed <= engaged


# --- partition and membership -----------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_labels_partition_the_customers(demo, model: str) -> None:
    customers = {cid for (cid,) in demo.execute("SELECT customer_id FROM customers").fetchall()}
    rows = assignment_rows(demo, model)
    assert len(rows) == len(customers)
    assert {row["customer_id"] for row in rows} == customers
    keys = {label.key for label in segmodels.labels(model)}
    assert {row["label"] for row in rows} <= keys

    union: set[int] = set()
    total = 0
    for label in segmodels.labels(model):
        sql = segmodels.membership_sql(model, label.name, AS_OF, CATALOG)
        members = [cid for (cid,) in demo.execute(sql).fetchall()]
        assert set(members) <= customers
        assert sorted(members) == sorted(r["customer_id"] for r in rows if r["label"] == label.key)
        union |= set(members)
        total += len(members)
    assert union == customers and total == len(customers)


# --- roles: what a catalog without some roles gets ---------------------------------------------


def with_roles(**changes) -> Catalog:
    """The demo catalog with some roles changed (None/[]/{} switches a role off)."""
    roles = CATALOG.roles.model_copy(update=changes)
    return CATALOG.model_copy(update={"roles": roles})


def test_every_model_is_available_with_the_demo_catalog() -> None:
    assert segmodels.available_models(CATALOG) == MODELS
    assert segmodels.unavailable_models(CATALOG) == {}


def test_a_catalog_without_roles_offers_no_model_and_says_why() -> None:
    bare = CATALOG.model_copy(update={"roles": Roles()})
    assert segmodels.available_models(bare) == []
    notes = segmodels.unavailable_models(bare)
    assert set(notes) == set(MODELS)
    assert notes["lifecycle"] == (
        "the lifecycle model is off: the catalog defines no roles.purchases and roles.signup"
    )
    assert all("\n" not in note for note in notes.values())
    with pytest.raises(segmodels.ModelUnavailable, match=r"roles\.revenue"):
        segmodels.membership_sql("abc", "a", AS_OF, bare)
    # The compiler's callers see a CompileError naming the missing role, not a crash.
    ref = SegmentSpec(conditions=[SegmentRef(model="rfm", label="champions")])
    with pytest.raises(CompileError, match=r"rfm model is off"):
        compile_spec(ref, AS_OF, bare)


def test_a_missing_role_switches_off_only_the_models_that_read_it() -> None:
    assert segmodels.available_models(with_roles(engagement=None)) == MODELS[:4]
    assert segmodels.available_models(with_roles(signup=None)) == [
        "rfm",
        "abc",
        "value_tier",
        "engagement_tier",
    ]
    # Revenue must be a sum: an average is no revenue.
    assert segmodels.available_models(with_roles(revenue="average_order_value")) == [
        "lifecycle",
        "engagement_tier",
    ]


def test_the_sql_names_the_catalogs_tables_only_through_its_roles() -> None:
    sql = segmodels.assignment_sql("rfm", AS_OF, CATALOG)
    assert "status = 'completed'" in sql  # the purchases event's `where`, from the catalog
    assert "FROM customers\n" in sql


def test_without_unsubscribe_rules_nobody_is_unsubscribed(tiny: TinyDb) -> None:
    tiny.event(tiny.customer(1), "unsubscribed", days_ago(10))
    tiny.event(tiny.customer(2), "opened", days_ago(10))
    assert tiny.labels("engagement_tier")[1] == "unsubscribed"
    assert tiny.labels("engagement_tier", with_roles(contact={})) == {1: "dormant", 2: "engaged"}


def test_unsubscribes_are_those_of_the_contact_channels(tiny: TinyDb) -> None:
    tiny.con.execute("INSERT INTO campaigns (campaign_id, channel) VALUES (2, 'sms')")
    tiny.event(tiny.customer(1), "unsubscribed", days_ago(10))
    tiny.con.execute(
        "INSERT INTO campaign_events VALUES (2, ?, 'unsubscribed', ?)",
        [tiny.customer(2), days_ago(10)],
    )
    email_only = {"email": CATALOG.roles.contact["email"]}
    assert tiny.labels("engagement_tier", with_roles(contact=email_only)) == {
        1: "unsubscribed",
        2: "dormant",
    }


def test_rfm_monetary_is_the_revenue_measure(demo) -> None:
    # With revenue = items bought (a sum measure that is not the order amount), M scores by items.
    items = with_roles(revenue="items_purchased")
    rows = assignment_rows(demo, "rfm", items)
    start = AS_OF - timedelta(days=364)
    expected: Counter[int] = Counter()
    for cid, ts, n in demo.execute(
        "SELECT customer_id, transaction_ts, item_count FROM transactions"
        " WHERE status = 'completed'"
    ).fetchall():
        if start <= ts.date() <= AS_OF:
            expected[cid] += n
    scored = {r["customer_id"]: r["monetary"] for r in rows if r["m_score"] is not None}
    assert scored == dict(expected)
    ids = sorted(scored, key=lambda c: (scored[c], c))
    assert {r["customer_id"]: r["m_score"] for r in rows if r["m_score"]} == ntile(ids)
