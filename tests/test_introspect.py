"""`catalog draft` on three differently shaped schemas, and `catalog check`.

For the demo database, a tiny TPC-DS-shaped one (`_sk` keys, a date dimension, store and web
sales) and a tiny TPC-H-shaped one (`c_custkey`, orders and lineitem, nation and region): the
draft loads, finds the customer table and its key, the relations and events, an anchor that is the
latest sale, and a spec written against the drafted names compiles to SQL that returns exactly
what hand-written SQL returns.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from contract import ENUMS
from typer.testing import CliRunner

from assistant.catalog import Catalog, parse_catalog
from assistant.compiler import compile_spec
from assistant.introspect import check_catalog, draft, draft_catalog, live_schema
from assistant.spec import SegmentSpec

# --- the three databases -------------------------------------------------------------------------

# TPC-DS-shaped: date_dim keyed by a Julian-day _sk, sales dated through it; sales rows are ticket
# lines; web sales have a bill and a ship customer and a sold and a ship date.
TPCDS_SQL = """
CREATE TABLE date_dim AS
SELECT 2452276 + i AS d_date_sk, 'AAAA' || i AS d_date_id, day AS d_date,
       year(day) AS d_year, month(day) AS d_moy, dayname(day) AS d_day_name,
       CASE WHEN isodow(day) >= 6 THEN 'Y' ELSE 'N' END AS d_weekend
FROM (SELECT i, DATE '2002-01-01' + i::INTEGER AS day FROM range(730) r(i));
CREATE TABLE customer_address AS
SELECT i + 1 AS ca_address_sk, 'ADDR' || i AS ca_address_id,
       (i * 7) || ' Main St' AS ca_street_name,
       ['Springfield', 'Riverside', 'Fairview', 'Madison'][i % 4 + 1] AS ca_city,
       ['TX', 'CA', 'NY', 'GA', 'WA'][i % 5 + 1] AS ca_state, 'United States' AS ca_country
FROM range(120) r(i);
CREATE TABLE customer_demographics AS
SELECT i + 1 AS cd_demo_sk, ['M', 'F'][i % 2 + 1] AS cd_gender,
       ['M', 'S', 'D', 'W', 'U'][(i // 2) % 5 + 1] AS cd_marital_status,
       ['Primary', 'College', 'Advanced Degree', 'Unknown'][(i // 10) % 4 + 1]
         AS cd_education_status,
       i % 7 AS cd_dep_count
FROM range(200) r(i);
CREATE TABLE customer AS
SELECT i + 1 AS c_customer_sk, 'AAAAAAAA' || lpad(i::VARCHAR, 8, '0') AS c_customer_id,
       (i * 37) % 200 + 1 AS c_current_cdemo_sk, (i * 11) % 120 + 1 AS c_current_addr_sk,
       2452276 + (i * 13) % 400 AS c_first_sales_date_sk,
       2452276 + (i * 17) % 400 AS c_first_shipto_date_sk,
       'First' || i AS c_first_name, 'Last' || i AS c_last_name,
       CASE WHEN i % 3 = 0 THEN 'Y' ELSE 'N' END AS c_preferred_cust_flag,
       1930 + i % 60 AS c_birth_year, 'c' || i || '@example.com' AS c_email_address
FROM range(300) r(i);
CREATE TABLE item AS
SELECT i + 1 AS i_item_sk, 'ITEM' || i AS i_item_id,
       ['Books', 'Music', 'Shoes', 'Sports', 'Home'][i % 5 + 1] AS i_category,
       (5 + i % 40)::DECIMAL(7,2) AS i_current_price
FROM range(60) r(i);
CREATE TABLE store AS
SELECT i + 1 AS s_store_sk, 'STORE' || i AS s_store_id,
       ['able', 'ought', 'pri', 'ese'][i + 1] AS s_store_name
FROM range(4) r(i);
CREATE TABLE store_sales AS
SELECT 2452276 + 300 + (t * 7) % 100 AS ss_sold_date_sk,
       (i * 13) % 60 + 1 AS ss_item_sk,
       CASE WHEN t % 41 = 0 THEN NULL ELSE (t * 7) % 300 + 1 END AS ss_customer_sk,
       t % 4 + 1 AS ss_store_sk, t AS ss_ticket_number, 1 + i % 3 AS ss_quantity,
       (1 + (i * 31) % 50)::DECIMAL(7,2) AS ss_ext_discount_amt,
       (10 + (i * 17) % 90)::DECIMAL(7,2) AS ss_net_paid,
       (11 + (i * 17) % 90)::DECIMAL(7,2) AS ss_net_paid_inc_tax
FROM (SELECT i, i // 3 AS t FROM range(1500) r(i));
CREATE TABLE web_sales AS
SELECT 2452276 + 330 + (o * 11) % 75 AS ws_sold_date_sk,
       2452276 + 335 + (o * 11) % 75 AS ws_ship_date_sk,
       (i * 7) % 60 + 1 AS ws_item_sk,
       (o * 13) % 300 + 1 AS ws_bill_customer_sk, (o * 29) % 300 + 1 AS ws_ship_customer_sk,
       o AS ws_order_number, 1 + i % 2 AS ws_quantity,
       (20 + (i * 7) % 80)::DECIMAL(7,2) AS ws_net_paid
FROM (SELECT i, i // 2 AS o FROM range(600) r(i));
CREATE TABLE store_returns AS
SELECT ss_sold_date_sk + 20 AS sr_returned_date_sk, ss_item_sk AS sr_item_sk,
       ss_customer_sk AS sr_customer_sk, ss_ticket_number AS sr_ticket_number,
       ss_net_paid AS sr_return_amt
FROM store_sales WHERE ss_ticket_number % 9 = 0 AND ss_customer_sk IS NOT NULL;
"""

# TPC-H-shaped: c_custkey / o_custkey, orders dated by their own DATE, lineitem lines of orders.
TPCH_SQL = """
CREATE TABLE region AS
SELECT i AS r_regionkey, ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'][i + 1] AS r_name,
       'regional comment number ' || i AS r_comment
FROM range(5) r(i);
CREATE TABLE nation AS
SELECT i AS n_nationkey,
       ['ALGERIA', 'ARGENTINA', 'BRAZIL', 'CANADA', 'EGYPT', 'FRANCE', 'GERMANY', 'INDIA', 'JAPAN',
        'UNITED STATES'][i + 1] AS n_name,
       [0, 1, 1, 1, 4, 3, 3, 2, 2, 1][i + 1] AS n_regionkey, 'nation comment ' || i AS n_comment
FROM range(10) r(i);
CREATE TABLE customer AS
SELECT i + 1 AS c_custkey, 'Customer#' || lpad((i + 1)::VARCHAR, 9, '0') AS c_name,
       'addr ' || i AS c_address, (i * 3) % 10 AS c_nationkey, '11-' || (100 + i) AS c_phone,
       ((i * 97) % 10000 - 1000)::DECIMAL(15,2) AS c_acctbal,
       ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'][i % 5 + 1] AS c_mktsegment,
       'customer comment ' || i AS c_comment
FROM range(200) r(i);
CREATE TABLE part AS
SELECT i + 1 AS p_partkey, 'part name ' || i AS p_name, 'Brand#' || (11 + i % 5) AS p_brand,
       ['STANDARD BRUSHED TIN', 'SMALL PLATED COPPER', 'LARGE POLISHED STEEL'][i % 3 + 1] AS p_type,
       (900 + i)::DECIMAL(15,2) AS p_retailprice
FROM range(50) r(i);
CREATE TABLE supplier AS
SELECT i + 1 AS s_suppkey, 'Supplier#' || i AS s_name, i % 10 AS s_nationkey,
       (i * 100)::DECIMAL(15,2) AS s_acctbal
FROM range(10) r(i);
CREATE TABLE orders AS
SELECT i + 1 AS o_orderkey, (i * 7) % 200 + 1 AS o_custkey,
       ['F', 'O', 'P'][i % 3 + 1] AS o_orderstatus,
       (100 + (i * 37) % 5000)::DECIMAL(15,2) AS o_totalprice,
       DATE '1998-08-02' - ((i * 13) % 400)::INTEGER AS o_orderdate,
       ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'][i % 5 + 1] AS o_orderpriority,
       'Clerk#' || lpad((i % 50)::VARCHAR, 9, '0') AS o_clerk, 'order comment ' || i AS o_comment
FROM range(900) r(i);
CREATE TABLE lineitem AS
SELECT o_orderkey AS l_orderkey, (o_orderkey * 7 + n * 3) % 50 + 1 AS l_partkey,
       (o_orderkey + n) % 10 + 1 AS l_suppkey, n + 1 AS l_linenumber,
       (1 + (o_orderkey + n) % 40)::DECIMAL(15,2) AS l_quantity,
       (1000 + (o_orderkey * 11 + n) % 9000)::DECIMAL(15,2) AS l_extendedprice,
       0.05::DECIMAL(15,2) AS l_discount, 0.02::DECIMAL(15,2) AS l_tax,
       ['A', 'N', 'R'][(o_orderkey + n) % 3 + 1] AS l_returnflag,
       o_orderdate + 3 AS l_shipdate, o_orderdate + 10 AS l_commitdate,
       o_orderdate + 12 AS l_receiptdate,
       ['AIR', 'MAIL', 'SHIP', 'TRUCK'][(o_orderkey + n) % 4 + 1] AS l_shipmode
FROM orders, range(3) r(n)
WHERE n < 1 + o_orderkey % 3;
"""


def _build(path: Path, sql: str) -> Path:
    with duckdb.connect(str(path)) as con:
        for statement in sql.split(";"):
            if statement.strip():
                con.execute(statement)
    return path


@pytest.fixture(scope="module")
def tpcds_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("tpcds_shape") / "tpcds_tiny.duckdb", TPCDS_SQL)


@pytest.fixture(scope="module")
def tpch_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("tpch_shape") / "tpch_tiny.duckdb", TPCH_SQL)


def _draft(path: Path) -> tuple[Catalog, str]:
    text = draft_catalog(path)
    return parse_catalog(text, source=path.name), text


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _ids(path: Path, sql: str) -> set[int]:
    return {row[0] for row in _rows(path, sql)}


def _anchor(path: Path, catalog: Catalog) -> date:
    value = _rows(path, f"SELECT {catalog.anchor_sql}")[0][0]
    assert isinstance(value, date)
    return value


def _spec(catalog: Catalog, conditions: list[dict]) -> SegmentSpec:
    # Validated against the drafted catalog: the names exist and the values are enumerated ones.
    return SegmentSpec.model_validate({"conditions": conditions}, context={"catalog": catalog})


def _activity(source: str, n: int = 2, days: int = 90, **filters: list) -> dict:
    return {
        "kind": "activity",
        "activity": {"source": source, "filters": filters},
        "measure": "count",
        "op": ">=",
        "value": n,
        "window": {"kind": "trailing", "n": days, "unit": "days"},
    }


def _compiled_ids(path: Path, catalog: Catalog, conditions: list[dict]) -> set[int]:
    as_of = _anchor(path, catalog)
    return _ids(path, compile_spec(_spec(catalog, conditions), as_of, catalog).sql)


def _window(column: str, as_of: date, days: int = 90) -> str:
    return (
        f"{column} >= DATE '{as_of}' - INTERVAL {days - 1} DAY "
        f"AND {column} < DATE '{as_of}' + INTERVAL 1 DAY"
    )


def _check_binds(path: Path, text: str, tmp_path: Path) -> None:
    file = tmp_path / f"{path.stem}.yaml"
    file.write_text(text)
    report = check_catalog(file, path)
    assert report.errors == []
    assert report.anchor is not None
    assert any(item.startswith("events.") for item in report.checked)


# --- the demo database ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> tuple[Catalog, str]:
    return _draft(demo_db)


def test_demo_draft_finds_customers_relations_and_events(demo, demo_db: Path) -> None:
    catalog, _ = demo
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert catalog.check_against(live_schema(con)) == []
    assert (catalog.entity.table, catalog.entity.key) == ("customers", "customer_id")
    assert set(catalog.relations) == {
        "transactions.customer_id -> customers.customer_id",
        "transaction_items.transaction_id -> transactions.transaction_id",
        "transaction_items.product_id -> products.product_id",
        "campaign_events.customer_id -> customers.customer_id",
        "campaign_events.campaign_id -> campaigns.campaign_id",
        "web_sessions.customer_id -> customers.customer_id",
        "support_tickets.customer_id -> customers.customer_id",
    }
    purchases = catalog.events["transactions"]
    assert (purchases.customer, purchases.time, purchases.amount) == (
        "customer_id",
        "transaction_ts",
        "total_amount",
    )
    assert purchases.lines == "transaction_items"
    assert purchases.fields["category"].column == "products.category"
    lines = catalog.events["transaction_items"]
    assert (lines.customer, lines.time, lines.instance) == (
        "transactions.customer_id",
        "transactions.transaction_ts",
        "transaction_id",
    )
    assert (
        lines.fields[lines.amount].sql
        == "transaction_items.quantity * transaction_items.unit_price"
    )
    assert {"campaign_events", "web_sessions", "support_tickets"} <= set(catalog.events)
    assert catalog.measures["transactions_total_amount"].aggregate == "sum"
    assert catalog.roles.purchases == "transactions"
    assert catalog.roles.geography == ["country", "region", "city"]
    assert catalog.roles.signup == "signup_date"
    assert (
        _anchor(demo_db, catalog)
        == _rows(demo_db, "SELECT max(transaction_ts)::DATE FROM transactions")[0][0]
    )


def test_demo_draft_enumerates_codes_not_free_text(demo) -> None:
    catalog, text = demo
    gender = catalog.column("customers", "gender").values or {}
    assert set(gender) == ENUMS[("customers", "gender")]
    assert "women" in gender["female"].synonyms
    assert set(catalog.column("customers", "email_opt_in").values or {}) <= {"true", "false"}
    for column in ("email", "first_name", "last_name"):
        assert catalog.column("customers", column).values is None
    assert catalog.column("products", "product_name").values is None
    assert catalog.column("products", "category").values
    assert catalog.table("customers").key == ["customer_id"]
    assert "(2000 rows)" in catalog.table("customers").description
    assert (
        "product launch"
        in catalog.column("campaigns", "campaign_type").values["product_launch"].synonyms
    )
    # TODO only in descriptions; the status column is flagged for a person.
    for line in text.splitlines():
        if "TODO" in line and not line.startswith("#"):
            assert "description:" in line, line
    assert "transactions.status" in text.split("\nversion: 2")[0]


def test_demo_spec_on_the_draft_matches_hand_written_sql(demo, demo_db: Path) -> None:
    catalog, _ = demo
    as_of = _anchor(demo_db, catalog)
    got = _compiled_ids(
        demo_db,
        catalog,
        [
            _activity("transactions"),
            {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"},
        ],
    )
    want = _ids(
        demo_db,
        f"""SELECT customer_id FROM customers WHERE gender = 'female' AND customer_id IN (
              SELECT customer_id FROM transactions WHERE {_window("transaction_ts", as_of)}
              GROUP BY customer_id HAVING count(*) >= 2)""",
    )
    assert got == want and want
    # A filter on an item's category goes through the lines: orders with at least one such item.
    got = _compiled_ids(
        demo_db, catalog, [_activity("transactions", n=1, days=365, category=["Toys"])]
    )
    want = _ids(
        demo_db,
        f"""SELECT DISTINCT t.customer_id FROM transactions t
            JOIN transaction_items i USING (transaction_id) JOIN products p USING (product_id)
            WHERE p.category = 'Toys' AND {_window("t.transaction_ts", as_of, 365)}""",
    )
    assert got == want and want


def test_demo_draft_binds_to_the_database(demo, demo_db: Path, tmp_path: Path) -> None:
    _check_binds(demo_db, demo[1], tmp_path)


# --- a TPC-DS-shaped database --------------------------------------------------------------------


def test_tpcds_draft_finds_the_surrogate_key_and_the_sold_date(tpcds_db: Path) -> None:
    catalog, text = _draft(tpcds_db)
    assert (catalog.entity.table, catalog.entity.key) == ("customer", "c_customer_sk")
    relations = set(catalog.relations)
    assert {
        "store_sales.ss_customer_sk -> customer.c_customer_sk",
        "store_sales.ss_sold_date_sk -> date_dim.d_date_sk",
        "store_sales.ss_item_sk -> item.i_item_sk",
        "store_sales.ss_store_sk -> store.s_store_sk",
        "web_sales.ws_bill_customer_sk -> customer.c_customer_sk",
        "web_sales.ws_sold_date_sk -> date_dim.d_date_sk",
        "customer.c_current_addr_sk -> customer_address.ca_address_sk",
        "customer.c_current_cdemo_sk -> customer_demographics.cd_demo_sk",
        "store_returns.sr_customer_sk -> customer.c_customer_sk",
    } <= relations
    # One relation per pair of tables: the ship date and ship customer are comments only.
    assert not {r for r in relations if "ship_" in r or "shipto" in r}
    assert "# also web_sales.ws_ship_date_sk -> date_dim.d_date_sk" in text
    assert "# also web_sales.ws_ship_customer_sk -> customer.c_customer_sk" in text
    assert set(catalog.events) == {"store_sales", "web_sales", "store_returns"}
    sales = catalog.events["store_sales"]
    assert (sales.customer, sales.time, sales.instance, sales.amount) == (
        "ss_customer_sk",
        "date_dim.d_date",
        "ss_ticket_number",
        "ss_net_paid",
    )
    web = catalog.events["web_sales"]
    assert (web.customer, web.instance, web.amount) == (
        "ws_bill_customer_sk",
        "ws_order_number",
        "ws_net_paid",
    )
    assert catalog.events["store_returns"].amount == "sr_return_amt"
    assert sales.fields["category"].column == "item.i_category"
    assert catalog.properties["gender"].column == "customer_demographics.cd_gender"
    assert catalog.properties["state"].column == "customer_address.ca_state"
    gender = catalog.column("customer_demographics", "cd_gender").values or {}
    assert gender["F"].label == "female" and "women" in gender["F"].synonyms
    assert catalog.column("customer_address", "ca_state").values["TX"].label == "Texas"
    flag = catalog.column("customer", "c_preferred_cust_flag").values or {}
    assert flag["Y"].synonyms == ["preferred customer"]
    assert catalog.column("customer", "c_customer_id").values is None
    assert catalog.column("customer", "c_email_address").values is None
    assert catalog.measures["store_sales_net_paid"].field == "ss_net_paid"
    # The anchor is the last sale (returns trail sales), the date windows end on.
    last_sale = _rows(
        tpcds_db,
        """SELECT max(d_date) FROM date_dim WHERE d_date_sk IN (
             SELECT ss_sold_date_sk FROM store_sales
             UNION SELECT ws_sold_date_sk FROM web_sales)""",
    )[0][0]
    assert _anchor(tpcds_db, catalog) == last_sale


def test_tpcds_spec_on_the_draft_matches_hand_written_sql(tpcds_db: Path) -> None:
    catalog, _ = _draft(tpcds_db)
    as_of = _anchor(tpcds_db, catalog)
    women = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "F"}
    got = _compiled_ids(tpcds_db, catalog, [_activity("store_sales"), women])
    want = _ids(
        tpcds_db,
        f"""SELECT c_customer_sk FROM customer
            JOIN customer_demographics ON cd_demo_sk = c_current_cdemo_sk
            WHERE cd_gender = 'F' AND c_customer_sk IN (
              SELECT ss_customer_sk FROM store_sales JOIN date_dim ON ss_sold_date_sk = d_date_sk
              WHERE {_window("d_date", as_of)}
              GROUP BY ss_customer_sk HAVING count(DISTINCT ss_ticket_number) >= 2)""",
    )
    assert got == want and want
    texas = {"kind": "attribute", "attribute": "state", "op": "=", "value": "TX"}
    got = _compiled_ids(tpcds_db, catalog, [_activity("web_sales", n=1, days=30), texas])
    want = _ids(
        tpcds_db,
        f"""SELECT c_customer_sk FROM customer
            JOIN customer_address ON ca_address_sk = c_current_addr_sk
            WHERE ca_state = 'TX' AND c_customer_sk IN (
              SELECT ws_bill_customer_sk FROM web_sales JOIN date_dim ON ws_sold_date_sk = d_date_sk
              WHERE {_window("d_date", as_of, 30)})""",
    )
    assert got == want and want


def test_tpcds_draft_binds_to_the_database(tpcds_db: Path, tmp_path: Path) -> None:
    _check_binds(tpcds_db, draft_catalog(tpcds_db), tmp_path)


# --- a TPC-H-shaped database ---------------------------------------------------------------------


def test_tpch_draft_finds_custkey_orders_and_their_lines(tpch_db: Path) -> None:
    catalog, _ = _draft(tpch_db)
    assert (catalog.entity.table, catalog.entity.key) == ("customer", "c_custkey")
    assert set(catalog.relations) == {
        "orders.o_custkey -> customer.c_custkey",
        "customer.c_nationkey -> nation.n_nationkey",
        "nation.n_regionkey -> region.r_regionkey",
        "supplier.s_nationkey -> nation.n_nationkey",
        "lineitem.l_orderkey -> orders.o_orderkey",
        "lineitem.l_partkey -> part.p_partkey",
        "lineitem.l_suppkey -> supplier.s_suppkey",
    }
    orders = catalog.events["orders"]
    assert (orders.customer, orders.time, orders.amount, orders.lines) == (
        "o_custkey",
        "o_orderdate",
        "o_totalprice",
        "lineitem",
    )
    lines = catalog.events["lineitem"]
    assert (lines.customer, lines.time, lines.instance, lines.amount) == (
        "orders.o_custkey",
        "orders.o_orderdate",
        "l_orderkey",
        "l_extendedprice",
    )
    assert set(catalog.events) == {"orders", "lineitem"}
    assert catalog.properties["nation_name"].column == "nation.n_name"
    assert catalog.properties["region_name"].column == "region.r_name"
    segments = catalog.column("customer", "c_mktsegment").values or {}
    assert segments["AUTOMOBILE"].synonyms == ["automobiles"]
    assert catalog.column("customer", "c_name").values is None
    assert catalog.column("orders", "o_comment").values is None
    assert orders.fields["brand"].column == "part.p_brand"
    assert _anchor(tpch_db, catalog) == date(1998, 8, 2)


def test_tpch_spec_on_the_draft_matches_hand_written_sql(tpch_db: Path) -> None:
    catalog, _ = _draft(tpch_db)
    as_of = _anchor(tpch_db, catalog)
    nation = {
        "kind": "attribute",
        "attribute": "nation_name",
        "op": "in",
        "value": ["FRANCE", "INDIA"],
    }
    got = _compiled_ids(tpch_db, catalog, [_activity("orders"), nation])
    want = _ids(
        tpch_db,
        f"""SELECT c_custkey FROM customer JOIN nation ON n_nationkey = c_nationkey
            WHERE n_name IN ('FRANCE', 'INDIA') AND c_custkey IN (
              SELECT o_custkey FROM orders WHERE {_window("o_orderdate", as_of)}
              GROUP BY o_custkey HAVING count(*) >= 2)""",
    )
    assert got == want and want
    # An item filter is served by the lines: distinct orders with at least one such item.
    got = _compiled_ids(tpch_db, catalog, [_activity("orders", n=2, days=365, brand=["Brand#12"])])
    want = _ids(
        tpch_db,
        f"""SELECT o_custkey FROM orders JOIN lineitem ON l_orderkey = o_orderkey
            JOIN part ON p_partkey = l_partkey
            WHERE p_brand = 'Brand#12' AND {_window("o_orderdate", as_of, 365)}
            GROUP BY o_custkey HAVING count(DISTINCT o_orderkey) >= 2""",
    )
    assert got == want and want


def test_tpch_draft_binds_to_the_database(tpch_db: Path, tmp_path: Path) -> None:
    _check_binds(tpch_db, draft_catalog(tpch_db), tmp_path)


# --- small and odd databases --------------------------------------------------------------------


def test_introspection_works_on_any_database(tmp_path: Path) -> None:
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE stores (store_id INTEGER, kind VARCHAR, open BOOLEAN)")
        con.execute("INSERT INTO stores VALUES (1, 'mall', true), (2, 'outlet', NULL)")
        con.execute("CREATE TABLE visits (visit_id BIGINT, store_id INTEGER, note VARCHAR)")
    catalog = parse_catalog(draft_catalog(path))
    assert catalog.schema() == {
        "stores": {"store_id": "INTEGER", "kind": "VARCHAR", "open": "BOOLEAN"},
        "visits": {"visit_id": "BIGINT", "store_id": "INTEGER", "note": "VARCHAR"},
    }
    assert (catalog.entity.table, catalog.entity.key) == ("stores", "store_id")
    assert set(catalog.column("stores", "kind").values or {}) == {"mall", "outlet"}
    assert "50% missing" in catalog.column("stores", "open").description
    # No rows to go by, but the very same column name: the relation is declared.
    assert catalog.relations == ["visits.store_id -> stores.store_id"]
    assert catalog.column("visits", "note").values is None  # only NULLs: nothing to list
    assert catalog.dataset.anchor.today  # no dates anywhere: windows end today


def test_a_column_that_only_looks_like_a_key_is_not_a_relation(tmp_path: Path) -> None:
    path = tmp_path / "accounts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE accounts AS "
            "SELECT i AS account_id, 'a' || i AS handle FROM range(50) r(i)"
        )
        # account_id values 1000.. are not accounts: the name agrees, the values do not.
        con.execute(
            "CREATE TABLE logins AS SELECT 1000 + i AS account_id, i % 50 AS user_account_id, "
            "TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR AS login_ts FROM range(200) r(i)"
        )
    result = draft(path)
    assert result.entity == "accounts"
    assert result.relations == ["logins.user_account_id -> accounts.account_id"]
    catalog = parse_catalog(result.text)
    assert catalog.events["logins"].customer == "user_account_id"
    assert catalog.events["logins"].time == "login_ts"


# --- the commands --------------------------------------------------------------------------------


def test_catalog_commands_draft_and_check(tpch_db: Path, tmp_path: Path) -> None:
    from assistant.cli import app

    runner = CliRunner()
    out = tmp_path / "tpch.yaml"
    result = runner.invoke(app, ["catalog", "--db", str(tpch_db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "entity     customer (key c_custkey)" in result.output
    assert "Needs a person:" in result.output
    parse_catalog(out.read_text())
    result = runner.invoke(app, ["catalog", "draft", "--db", str(tpch_db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["catalog", "check", str(out), "--db", str(tpch_db)])
    assert result.exit_code == 0, result.output
    assert "0 errors; anchor 1998-08-02" in result.output
    assert "TODO" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(out.read_text().replace("time: o_orderdate", "time: o_orderdate_typo", 1))
    result = runner.invoke(app, ["catalog", "check", str(broken), "--db", str(tpch_db)])
    assert result.exit_code == 1
    assert "o_orderdate_typo" in result.output
    bad_sql = tmp_path / "bad_sql.yaml"
    text = out.read_text().replace("FROM orders", "FROM orderz", 1)  # the anchor query
    bad_sql.write_text(text)
    result = runner.invoke(app, ["catalog", "check", str(bad_sql), "--db", str(tpch_db)])
    assert result.exit_code == 1
    assert "dataset.anchor" in result.output


# --- a schema the project never annotated: the generated B2B SaaS data --------------------------


def test_a_draft_answers_simple_requests_on_an_unannotated_schema(tmp_path):
    """accounts <- users <- usage events, invoices, tickets: the draft finds the account as the
    customer (users belong to it), the usage events two hops away, ISO country labels, and the
    rules backend answers with no hand edit."""
    from assistant.api import Assistant
    from assistant.catalog import parse_catalog
    from assistant.demo.saas import build_saas
    from assistant.introspect import draft_catalog

    db = build_saas(tmp_path / "saas.duckdb", accounts=400, seed=3)
    text = draft_catalog(db)
    path = tmp_path / "saas.catalog.yaml"
    path.write_text(text)
    catalog = parse_catalog(text)
    assert (catalog.entity.table, catalog.entity.key) == ("accounts", "account_id")
    assert catalog.events["events"].customer == "users.account_id"
    assert catalog.tables["accounts"].columns["country"].values["DE"].label == "Germany"
    a = Assistant.open(db, catalog=path, backend="rules")
    found = a.ask("accounts in Germany with at least 3 tickets this year", ideas=False)
    assert found.error is None and found.unrecognized == []
    gold = a.executor.query(
        f"""SELECT a.account_id FROM accounts a JOIN tickets t USING (account_id)
        WHERE a.country = 'DE' AND t.opened_at >= DATE '{a.as_of.year}-01-01'
        AND t.opened_at < DATE '{a.as_of.isoformat()}' + INTERVAL 1 DAY
        GROUP BY a.account_id HAVING count(*) >= 3"""
    )
    assert found.count == len(gold.rows)
