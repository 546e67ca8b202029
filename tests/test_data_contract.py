"""The demo database honours the data contract and looks like a real retailer's data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from contract import CONTRACT, ENUMS

from assistant.datagen import build_demo_database

AS_OF = date(2026, 9, 30)


# (table, timestamp-or-date column) pairs that record activity.
ACTIVITY = [
    ("transactions", "transaction_ts"),
    ("campaign_events", "event_ts"),
    ("web_sessions", "session_start"),
    ("support_tickets", "created_ts"),
]

# Revenue per customer over completed transactions.
REVENUE_BY_CUSTOMER = """
    SELECT customer_id, sum(total_amount) AS revenue
    FROM transactions WHERE status = 'completed' GROUP BY customer_id
"""


@pytest.fixture(scope="module")
def db(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


def checksums(path: Path) -> dict[str, tuple[int, int]]:
    """Order-independent fingerprint of every table: row count and sum of row hashes."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: con.execute(f"SELECT count(*), sum(hash(t))::HUGEINT FROM {table} t").fetchone()
            for table in CONTRACT
        }
    finally:
        con.close()


# ----------------------------------------------------------------------------- schema


def test_tables_and_columns_match_the_contract_exactly(db: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0] for r in db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == set(CONTRACT)
    for table, columns in CONTRACT.items():
        actual = db.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?"
            " ORDER BY column_index",
            [table],
        ).fetchall()
        assert actual == columns, table


def test_dataset_info_describes_the_build(db: duckdb.DuckDBPyConnection) -> None:
    assert db.execute("SELECT * FROM dataset_info").fetchall() == [(AS_OF, 7, 2000)]
    assert scalar(db, "SELECT count(*) FROM customers") == 2000


def test_keys_are_unique(db: duckdb.DuckDBPyConnection) -> None:
    for table, key in [
        ("customers", "customer_id"),
        ("customers", "email"),
        ("products", "product_id"),
        ("transactions", "transaction_id"),
        ("campaigns", "campaign_id"),
        ("web_sessions", "session_id"),
        ("support_tickets", "ticket_id"),
    ]:
        assert scalar(db, f"SELECT count(*) = count(DISTINCT {key}) FROM {table}"), (table, key)


def test_foreign_keys_resolve(db: duckdb.DuckDBPyConnection) -> None:
    for child, key, parent in [
        ("transactions", "customer_id", "customers"),
        ("transaction_items", "transaction_id", "transactions"),
        ("transaction_items", "product_id", "products"),
        ("campaign_events", "campaign_id", "campaigns"),
        ("campaign_events", "customer_id", "customers"),
        ("web_sessions", "customer_id", "customers"),
        ("support_tickets", "customer_id", "customers"),
    ]:
        orphans = scalar(db, f"SELECT count(*) FROM {child} ANTI JOIN {parent} USING ({key})")
        assert orphans == 0, (child, key)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize(("table", "column"), sorted(ENUMS))
def test_enumerated_columns_use_only_allowed_values(
    db: duckdb.DuckDBPyConnection, table: str, column: str
) -> None:
    values = {r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
    values.discard(None)
    assert values <= ENUMS[(table, column)]
    assert len(values) >= min(3, len(ENUMS[(table, column)]))


def test_gender_is_sometimes_unknown(db: duckdb.DuckDBPyConnection) -> None:
    share = scalar(db, "SELECT avg((gender IS NULL)::INT) FROM customers")
    assert 0.01 < share < 0.06


def test_business_columns_are_set_only_for_business_customers(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assert (
        scalar(
            db,
            "SELECT count(*) FROM customers WHERE customer_type = 'consumer'"
            " AND (company_industry IS NOT NULL OR company_size IS NOT NULL)",
        )
        == 0
    )
    assert (
        scalar(
            db,
            "SELECT count(*) FROM customers WHERE customer_type = 'business'"
            " AND (company_industry IS NULL OR company_size IS NULL)",
        )
        == 0
    )
    share = scalar(db, "SELECT avg((customer_type = 'business')::INT) FROM customers")
    assert 0.04 < share < 0.13


def test_customers_are_adults_up_to_85(db: duckdb.DuckDBPyConnection) -> None:
    ages = db.execute(
        "SELECT min(date_diff('year', birth_date, DATE '2026-09-30')"
        "  - (strftime(birth_date, '%m%d') > '0930')::INT),"
        " max(date_diff('year', birth_date, DATE '2026-09-30')"
        "  - (strftime(birth_date, '%m%d') > '0930')::INT) FROM customers"
    ).fetchone()
    assert ages[0] >= 18 and ages[1] <= 85


def test_geography_uses_real_regions_of_each_country(db: duckdb.DuckDBPyConnection) -> None:
    pairs = set(db.execute("SELECT DISTINCT country, region FROM customers").fetchall())
    for expected in [
        ("US", "California"),
        ("US", "Texas"),
        ("CA", "Ontario"),
        ("GB", "England"),
        ("DE", "Bavaria"),
        ("FR", "Île-de-France"),
        ("AU", "New South Wales"),
    ]:
        assert expected in pairs
    assert (
        scalar(
            db,
            "SELECT count(DISTINCT region) FROM customers WHERE country <> 'US'"
            " AND region IN ('California', 'Texas')",
        )
        == 0
    )


def test_catalogue_is_realistic(db: duckdb.DuckDBPyConnection) -> None:
    assert 400 <= scalar(db, "SELECT count(*) FROM products") <= 600
    per_category = db.execute(
        "SELECT category, count(DISTINCT subcategory) FROM products GROUP BY 1"
    ).fetchall()
    assert len(per_category) == 9 and all(3 <= n <= 6 for _, n in per_category)
    assert {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT subcategory FROM products WHERE category = 'Outdoor'"
        ).fetchall()
    } == {"Camping", "Hiking", "Climbing", "Fishing", "Cycling"}
    eco = scalar(db, "SELECT avg(is_eco_friendly::INT) FROM products")
    assert 0.1 < eco < 0.3
    # Groceries are cheap, electronics are not.
    assert scalar(
        db,
        "SELECT median(list_price) FILTER (WHERE category = 'Electronics')"
        " > 3 * median(list_price) FILTER (WHERE category = 'Grocery') FROM products",
    )
    assert 100 <= scalar(db, "SELECT count(*) FROM campaigns") <= 200


def test_basket_lines_add_up_to_transaction_totals(db: duckdb.DuckDBPyConnection) -> None:
    mismatches = scalar(
        db,
        """
        SELECT count(*) FROM transactions t
        LEFT JOIN (
            SELECT transaction_id, sum(quantity) AS qty, sum(quantity * unit_price) AS gross
            FROM transaction_items GROUP BY transaction_id
        ) i USING (transaction_id)
        WHERE i.qty IS NULL OR t.item_count <> i.qty
           OR t.total_amount <> i.gross - t.discount_amount
           OR t.total_amount < 0 OR t.discount_amount < 0
        """,
    )
    assert mismatches == 0
    assert scalar(db, "SELECT min(quantity) FROM transaction_items") >= 1
    assert (
        scalar(
            db,
            "SELECT count(*) FROM (SELECT transaction_id, product_id FROM transaction_items"
            " GROUP BY ALL HAVING count(*) > 1)",
        )
        == 0
    )


def test_status_mix_is_mostly_completed(db: duckdb.DuckDBPyConnection) -> None:
    shares = dict(
        db.execute(
            "SELECT status, count(*) / sum(count(*)) OVER () FROM transactions GROUP BY status"
        ).fetchall()
    )
    assert 0.03 < shares["returned"] < 0.08
    assert 0.015 < shares["cancelled"] < 0.05


def test_support_csat_is_1_to_5_or_missing(db: duckdb.DuckDBPyConnection) -> None:
    low, high, missing = db.execute(
        "SELECT min(csat_score), max(csat_score), count(*) - count(csat_score) FROM support_tickets"
    ).fetchone()
    assert (low, high) == (1, 5) and missing > 0


# ----------------------------------------------------------------------------- time


@pytest.mark.parametrize(("table", "column"), ACTIVITY)
def test_activity_lies_within_three_years_up_to_as_of(
    db: duckdb.DuckDBPyConnection, table: str, column: str
) -> None:
    first, last = db.execute(f"SELECT min({column}), max({column}) FROM {table}").fetchone()
    assert first >= datetime(2023, 9, 30)
    assert last < datetime(2026, 10, 1)
    if table in ("transactions", "web_sessions"):
        assert last.date() == AS_OF


def test_calendar_columns_stay_in_the_window(db: duckdb.DuckDBPyConnection) -> None:
    assert db.execute(
        "SELECT min(signup_date) >= DATE '2023-09-30', max(signup_date) <= DATE '2026-09-30'"
        " FROM customers"
    ).fetchone() == (True, True)
    assert db.execute(
        "SELECT min(start_date) >= DATE '2023-09-30', max(end_date) <= DATE '2026-09-30',"
        " bool_and(start_date < end_date) FROM campaigns"
    ).fetchone() == (True, True, True)


@pytest.mark.parametrize(("table", "column"), ACTIVITY)
def test_no_activity_before_signup(db: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    early = scalar(
        db,
        f"SELECT count(*) FROM {table} JOIN customers USING (customer_id)"
        f" WHERE {column} < signup_date",
    )
    assert early == 0


def test_campaign_events_form_a_funnel_inside_the_campaign(db: duckdb.DuckDBPyConnection) -> None:
    out_of_period = scalar(
        db,
        "SELECT count(*) FROM campaign_events JOIN campaigns USING (campaign_id)"
        " WHERE event_ts < start_date OR event_ts >= end_date + 1",
    )
    assert out_of_period == 0
    broken = scalar(
        db,
        """
        WITH steps AS (
            SELECT campaign_id, customer_id,
                list(event_ts ORDER BY event_ts) FILTER (WHERE event_type <> 'unsubscribed')
                    AS by_time,
                list(event_ts ORDER BY CASE event_type WHEN 'sent' THEN 1
                    WHEN 'delivered' THEN 2 WHEN 'opened' THEN 3 WHEN 'clicked' THEN 4
                    WHEN 'converted' THEN 5 END) FILTER (WHERE event_type <> 'unsubscribed')
                    AS by_stage,
                list(event_type ORDER BY event_ts) FILTER (WHERE event_type <> 'unsubscribed')
                    AS stages
            FROM campaign_events GROUP BY ALL
        )
        SELECT count(*) FROM steps
        WHERE by_time <> by_stage OR len(list_distinct(by_time)) <> len(by_time)
           OR stages <> list_slice(['sent', 'delivered', 'opened', 'clicked', 'converted'],
                                   1, len(stages))
        """,
    )
    assert broken == 0
    shares = dict(
        db.execute(
            "SELECT event_type, count(*) / sum(count(*)) OVER () FROM campaign_events GROUP BY 1"
        ).fetchall()
    )
    assert 0 < shares["unsubscribed"] < 0.01


RELATIVE_WINDOWS = {
    "yesterday": "transaction_ts::DATE = DATE '2026-09-29'",
    "last 24 hours": "transaction_ts >= TIMESTAMP '2026-09-30 00:00:00'",
    "last 7 days": "transaction_ts >= DATE '2026-09-24'",
    "last month": "transaction_ts >= DATE '2026-08-01' AND transaction_ts < DATE '2026-09-01'",
    "this month": "transaction_ts >= DATE '2026-09-01'",
    "this year": "transaction_ts >= DATE '2026-01-01'",
    "last 90 days": "transaction_ts >= DATE '2026-07-03'",
    "2025": "year(transaction_ts) = 2025",
}


@pytest.mark.parametrize("window", sorted(RELATIVE_WINDOWS))
def test_every_relative_window_has_buyers(db: duckdb.DuckDBPyConnection, window: str) -> None:
    buyers = scalar(
        db,
        "SELECT count(DISTINCT customer_id) FROM transactions"
        f" WHERE status = 'completed' AND {RELATIVE_WINDOWS[window]}",
    )
    assert buyers > 0


def test_other_activity_reaches_the_recent_windows(db: duckdb.DuckDBPyConnection) -> None:
    assert scalar(db, "SELECT count(*) FROM web_sessions WHERE session_start >= DATE '2026-09-24'")
    assert scalar(db, "SELECT count(*) FROM campaign_events WHERE event_ts >= DATE '2026-09-01'")


def test_holiday_season_is_the_busiest(db: duckdb.DuckDBPyConnection) -> None:
    # Compare with the neighbouring months (October, January): the customer base grows, so
    # distant months are not comparable.
    daily = dict(
        db.execute(
            "SELECT month(transaction_ts) IN (11, 12),"
            " count(*) / count(DISTINCT transaction_ts::DATE)"
            " FROM transactions WHERE transaction_ts >= DATE '2025-10-01'"
            " AND transaction_ts < DATE '2026-02-01' GROUP BY 1"
        ).fetchall()
    )
    assert daily[True] > 1.2 * daily[False]


# ----------------------------------------------------------------------------- volumes


def test_volumes_per_customer_are_as_specified(db: duckdb.DuckDBPyConnection) -> None:
    per_customer = db.execute(
        "SELECT (SELECT count(*) FROM transactions), (SELECT count(*) FROM campaign_events),"
        " (SELECT count(*) FROM web_sessions), (SELECT count(*) FROM support_tickets)"
    ).fetchone()
    tx, events, sessions, tickets = (n / 2000 for n in per_customer)
    assert 9 < tx < 15
    assert 30 < events < 50
    assert 11 < sessions < 19
    assert 0.7 < tickets < 1.3


# ----------------------------------------------------------------------------- personas


def test_outdoor_adventurers_spend_several_times_more_of_their_budget_outdoors(
    db: duckdb.DuckDBPyConnection,
) -> None:
    shares = dict(
        db.execute(
            """
        SELECT c.lifestyle = 'outdoor_adventurer',
            sum(i.quantity * i.unit_price) FILTER (WHERE p.category = 'Outdoor')
                / sum(i.quantity * i.unit_price)
        FROM transaction_items i JOIN transactions t USING (transaction_id)
        JOIN customers c USING (customer_id) JOIN products p USING (product_id)
        WHERE t.status = 'completed' GROUP BY 1
        """
        ).fetchall()
    )
    assert shares[True] > 3 * shares[False]


@pytest.mark.parametrize(
    ("lifestyle", "predicate"),
    [
        ("tech_enthusiast", "p.category = 'Electronics'"),
        ("eco_conscious", "p.is_eco_friendly"),
        ("family_focused", "p.category = 'Toys'"),
        ("wellness_seeker", "p.category IN ('Beauty', 'Sports')"),
    ],
)
def test_lifestyle_drives_what_people_buy(
    db: duckdb.DuckDBPyConnection, lifestyle: str, predicate: str
) -> None:
    shares = dict(
        db.execute(
            f"""
        SELECT c.lifestyle = '{lifestyle}', avg(({predicate})::INT)
        FROM transaction_items i JOIN transactions t USING (transaction_id)
        JOIN customers c USING (customer_id) JOIN products p USING (product_id) GROUP BY 1
        """
        ).fetchall()
    )
    assert shares[True] > 2 * shares[False]


def test_a_fifth_of_buyers_bring_most_of_the_revenue(db: duckdb.DuckDBPyConnection) -> None:
    top_share = scalar(
        db,
        f"""
        SELECT sum(revenue) FILTER (WHERE bucket = 1) / sum(revenue)
        FROM (SELECT revenue, ntile(5) OVER (ORDER BY revenue DESC) AS bucket
              FROM ({REVENUE_BY_CUSTOMER}))
        """,
    )
    assert 0.5 < top_share < 0.85


def test_lapsed_never_purchased_and_new_customers_exist(db: duckdb.DuckDBPyConnection) -> None:
    lapsed = scalar(
        db,
        "SELECT count(*) FROM (SELECT customer_id FROM transactions WHERE status = 'completed'"
        " GROUP BY 1 HAVING max(transaction_ts) < DATE '2026-09-30' - 180)",
    )
    never = scalar(db, "SELECT count(*) FROM customers ANTI JOIN transactions USING (customer_id)")
    new = scalar(db, "SELECT count(*) FROM customers WHERE signup_date > DATE '2026-08-31'")
    assert lapsed > 100
    assert 0.06 * 2000 < never < 0.13 * 2000
    assert new > 20


def test_loyal_customers_respond_more_to_campaigns(db: duckdb.DuckDBPyConnection) -> None:
    rates = dict(
        db.execute(
            """
        SELECT c.loyalty_tier IN ('gold', 'platinum'),
            count(*) FILTER (WHERE e.event_type IN ('opened', 'clicked', 'converted'))
                / count(*) FILTER (WHERE e.event_type = 'delivered')
        FROM campaign_events e JOIN customers c USING (customer_id) GROUP BY 1
        """
        ).fetchall()
    )
    assert rates[True] > 1.3 * rates[False]


def test_business_accounts_buy_bigger_baskets(db: duckdb.DuckDBPyConnection) -> None:
    baskets = dict(
        db.execute(
            "SELECT c.customer_type, avg(t.item_count) FROM transactions t"
            " JOIN customers c USING (customer_id) GROUP BY 1"
        ).fetchall()
    )
    assert baskets["business"] > 2 * baskets["consumer"]


def test_sessions_and_channels_follow_the_primary_device(db: duckdb.DuckDBPyConnection) -> None:
    same_device = scalar(
        db,
        "SELECT avg((s.device = c.primary_device)::INT) FROM web_sessions s"
        " JOIN customers c USING (customer_id)",
    )
    assert same_device > 0.7
    app_share = dict(
        db.execute(
            "SELECT c.primary_device = 'desktop', avg((t.channel = 'app')::INT) FROM transactions t"
            " JOIN customers c USING (customer_id) GROUP BY 1"
        ).fetchall()
    )
    assert app_share[False] > 3 * app_share[True]


# ----------------------------------------------------------------------------- builds


@pytest.fixture(scope="module")
def demo_checksums(demo_db: Path) -> dict[str, tuple[int, int]]:
    return checksums(demo_db)


def test_same_seed_rebuilds_identical_tables(
    tmp_path: Path, demo_checksums: dict[str, tuple[int, int]]
) -> None:
    rebuilt = tmp_path / "nested" / "again.duckdb"
    stats = build_demo_database(rebuilt, customers=2000, seed=7, as_of=AS_OF)
    assert stats.path == rebuilt and stats.bytes == rebuilt.stat().st_size
    assert stats.row_counts == {t: n for t, (n, _) in demo_checksums.items()}
    assert checksums(rebuilt) == demo_checksums
    assert not (tmp_path / "nested" / "again.duckdb.tmp").exists()


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    first = checksums_of_build(tmp_path / "a.duckdb", seed=1)
    second = checksums_of_build(tmp_path / "b.duckdb", seed=2)
    differing = [t for t in CONTRACT if first[t] != second[t]]
    assert set(differing) >= {"customers", "transactions", "campaign_events", "web_sessions"}


def checksums_of_build(path: Path, seed: int) -> dict[str, tuple[int, int]]:
    build_demo_database(path, customers=300, seed=seed, as_of=AS_OF)
    return checksums(path)


def test_build_reports_progress_and_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "retail.duckdb"
    target.write_text("stale")
    steps: list[tuple[str, float]] = []
    stats = build_demo_database(
        target, customers=200, seed=3, as_of=AS_OF, progress=lambda s, f: steps.append((s, f))
    )
    assert steps[-1][1] == 1.0
    assert [f for _, f in steps] == sorted(f for _, f in steps)
    assert {"customers", "transactions", "campaign_events"} <= {s for s, _ in steps}
    assert stats.customers == 200 and stats.row_counts["customers"] == 200
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("SELECT * FROM dataset_info").fetchone() == (AS_OF, 3, 200)
    finally:
        con.close()


def test_campaign_engagement_reaches_the_last_days_of_the_data(
    db: duckdb.DuckDBPyConnection,
) -> None:
    # "opened an email yesterday" and "engaged in the last 7 days" must have customers.
    for first in ("2026-09-29", "2026-09-24"):
        engaged = scalar(
            db,
            "SELECT count(DISTINCT customer_id) FROM campaign_events "
            "WHERE event_type IN ('opened', 'clicked', 'converted') "
            f"AND event_ts >= DATE '{first}' AND event_ts < DATE '2026-10-01'",
        )
        assert engaged > 0, first


def test_an_unsubscribe_withdraws_that_channels_consent(db) -> None:
    """Nobody who unsubscribed from a channel still shows consent for it."""
    for channel in ("email", "sms", "push"):
        still = db.execute(
            f"""SELECT count(*) FROM customers c WHERE c.{channel}_opt_in AND c.customer_id IN (
            SELECT e.customer_id FROM campaign_events e JOIN campaigns m USING (campaign_id)
            WHERE e.event_type = 'unsubscribed' AND m.channel = '{channel}')"""
        ).fetchone()[0]
        assert still == 0, channel
