"""The SQL guard accepts ordinary segment queries and rejects anything else with a clear reason."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from assistant.guard import MAX_SQL_CHARS, GuardedSQL, GuardError, check_sql

# The data contract's tables, empty: enough for DuckDB to bind (EXPLAIN) every query below.
CONTRACT_DDL = """
CREATE TABLE dataset_info(as_of DATE, seed INTEGER, customers INTEGER);
CREATE TABLE customers(customer_id INTEGER, first_name VARCHAR, last_name VARCHAR, email VARCHAR,
  gender VARCHAR, birth_date DATE, signup_date DATE, country VARCHAR, region VARCHAR, city VARCHAR,
  income_band VARCHAR, education VARCHAR, occupation VARCHAR, marital_status VARCHAR,
  customer_type VARCHAR, company_industry VARCHAR, company_size VARCHAR, lifestyle VARCHAR,
  reward_preference VARCHAR, loyalty_tier VARCHAR, acquisition_channel VARCHAR,
  preferred_channel VARCHAR, primary_device VARCHAR, email_opt_in BOOLEAN, sms_opt_in BOOLEAN,
  push_opt_in BOOLEAN);
CREATE TABLE products(product_id INTEGER, product_name VARCHAR, category VARCHAR,
  subcategory VARCHAR, brand VARCHAR, list_price DECIMAL(10,2), is_eco_friendly BOOLEAN);
CREATE TABLE transactions(transaction_id BIGINT, customer_id INTEGER, transaction_ts TIMESTAMP,
  channel VARCHAR, payment_method VARCHAR, status VARCHAR, item_count INTEGER,
  discount_amount DECIMAL(12,2), total_amount DECIMAL(12,2));
CREATE TABLE transaction_items(transaction_id BIGINT, product_id INTEGER, quantity INTEGER,
  unit_price DECIMAL(10,2));
CREATE TABLE campaigns(campaign_id INTEGER, campaign_name VARCHAR, channel VARCHAR,
  campaign_type VARCHAR, target_category VARCHAR, start_date DATE, end_date DATE);
CREATE TABLE campaign_events(campaign_id INTEGER, customer_id INTEGER, event_type VARCHAR,
  event_ts TIMESTAMP);
CREATE TABLE web_sessions(session_id BIGINT, customer_id INTEGER, session_start TIMESTAMP,
  device VARCHAR, browser VARCHAR, pages_viewed INTEGER, viewed_category VARCHAR,
  added_to_cart BOOLEAN, converted BOOLEAN);
CREATE TABLE support_tickets(ticket_id BIGINT, customer_id INTEGER, created_ts TIMESTAMP,
  topic VARCHAR, channel VARCHAR, csat_score INTEGER);
"""


@pytest.fixture(scope="module")
def engine() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(CONTRACT_DDL)
    yield con
    con.close()


@pytest.fixture(scope="module")
def schema(engine: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    rows = engine.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall()
    result: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        result.setdefault(table, {})[column] = data_type
    return result


def bind_with(engine: duckdb.DuckDBPyConnection):
    def binder(sql: str) -> None:
        engine.cursor().execute(f"EXPLAIN {sql}")

    return binder


def rejection(sql: str, schema, **kwargs) -> GuardError:
    with pytest.raises(GuardError) as caught:
        check_sql(sql, schema, **kwargs)
    return caught.value


# --- legitimate segment queries ------------------------------------------------------------------

SEGMENT_QUERIES = {
    "simple filter": "SELECT customer_id FROM customers WHERE country = 'US' AND gender = 'female'",
    "aggregate with having": """
        SELECT customer_id, count(*) AS purchases, sum(total_amount) AS spend
        FROM transactions WHERE status = 'completed'
        GROUP BY customer_id HAVING count(*) >= 3 AND avg(total_amount) > 50""",
    "cte with date window": """
        WITH anchor AS (SELECT as_of FROM dataset_info),
        recent AS (
            SELECT t.customer_id, max(t.transaction_ts) AS last_ts
            FROM transactions t, anchor a
            WHERE t.status = 'completed'
              AND t.transaction_ts >= a.as_of - INTERVAL 90 DAY
            GROUP BY t.customer_id)
        SELECT c.customer_id, r.last_ts FROM customers c JOIN recent r USING (customer_id)""",
    "exists category buyers": """
        SELECT c.customer_id FROM customers c
        WHERE EXISTS (
            SELECT 1 FROM transactions t
            JOIN transaction_items ti ON ti.transaction_id = t.transaction_id
            JOIN products p ON p.product_id = ti.product_id
            WHERE t.customer_id = c.customer_id AND t.status = 'completed'
              AND p.category = 'Outdoor')""",
    "not exists lapsed": """
        SELECT customer_id FROM customers c
        WHERE NOT EXISTS (SELECT 1 FROM web_sessions w WHERE w.customer_id = c.customer_id
                          AND w.session_start >= DATE '2026-07-01')""",
    "in subquery with engagement": """
        SELECT customer_id FROM customers
        WHERE email_opt_in AND customer_id IN (
            SELECT customer_id FROM campaign_events
            WHERE event_type IN ('opened', 'clicked', 'converted'))""",
    "not in subquery": """
        SELECT customer_id FROM customers WHERE customer_id NOT IN (
            SELECT customer_id FROM support_tickets WHERE csat_score <= 2)""",
    "window ranking": """
        SELECT customer_id, spend, ntile(5) OVER (ORDER BY spend DESC) AS quintile,
               row_number() OVER (PARTITION BY country ORDER BY spend DESC) AS rank_in_country,
               percent_rank() OVER (ORDER BY spend) AS pct
        FROM (SELECT c.customer_id, c.country, coalesce(sum(t.total_amount), 0) AS spend
              FROM customers c LEFT JOIN transactions t
                ON t.customer_id = c.customer_id AND t.status = 'completed'
              GROUP BY c.customer_id, c.country) s""",
    "window qualify and lag": """
        SELECT customer_id, transaction_ts,
               date_diff('day', lag(transaction_ts) OVER w, transaction_ts) AS gap_days
        FROM transactions WINDOW w AS (PARTITION BY customer_id ORDER BY transaction_ts)
        QUALIFY row_number() OVER w > 1""",
    "date arithmetic": """
        SELECT customer_id, date_diff('year', birth_date, DATE '2026-09-30') AS age_years,
               date_trunc('month', signup_date) AS cohort, extract(year FROM signup_date) AS yr,
               strftime(signup_date, '%Y-%m') AS ym, last_day(signup_date) AS month_end
        FROM customers
        WHERE signup_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
          AND date_part('dow', signup_date) IN (0, 6)""",
    "union of two audiences": """
        SELECT customer_id FROM customers WHERE loyalty_tier IN ('gold', 'platinum')
        UNION
        SELECT customer_id FROM transactions WHERE total_amount > 500""",
    "intersect and except": """
        (SELECT customer_id FROM customers WHERE sms_opt_in
         INTERSECT SELECT customer_id FROM web_sessions WHERE added_to_cart)
        EXCEPT SELECT customer_id FROM transactions WHERE status = 'completed'""",
    "case cast and text": """
        SELECT customer_id,
               CASE WHEN income_band IN ('100-200k', '200k+') THEN 'high' ELSE 'other' END AS band,
               CAST(push_opt_in AS INTEGER) AS push, upper(trim(city)) AS city_uc,
               nullif(company_industry, '') AS industry, lower(email) LIKE '%@gmail.com' AS gm
        FROM customers WHERE email ILIKE '%example%' OR starts_with(last_name, 'Mc')""",
    "statistics": """
        SELECT customer_id, median(total_amount) AS med,
               quantile_cont(total_amount, 0.9) AS p90, stddev(total_amount) AS sd,
               arg_max(channel, total_amount) AS top_channel, round(avg(discount_amount), 2) AS d,
               count(DISTINCT payment_method) AS methods, bool_or(channel = 'app') AS used_app
        FROM transactions GROUP BY customer_id""",
    "select star": "SELECT * FROM customers WHERE customer_type = 'business'",
}


@pytest.mark.parametrize("sql", SEGMENT_QUERIES.values(), ids=SEGMENT_QUERIES.keys())
def test_accepts_ordinary_segment_queries(sql, schema, engine):
    guarded = check_sql(sql, schema, binder=bind_with(engine))
    assert isinstance(guarded, GuardedSQL)
    assert "customer_id" in guarded.output_columns
    # The normalised text is what gets run, so the engine must accept it as well.
    engine.cursor().execute(f"EXPLAIN {guarded.sql}")


def test_normalises_to_pretty_duckdb_sql_and_reports_tables_and_columns(schema):
    guarded = check_sql(
        "select c.customer_id, count(*) n from customers c join transactions t "
        "on t.customer_id = c.customer_id group by 1",
        schema,
    )
    assert guarded.sql.startswith("SELECT\n")
    assert "\nFROM customers AS c\n" in guarded.sql
    assert guarded.tables == frozenset({"customers", "transactions"})
    assert guarded.output_columns == ["customer_id", "n"]


def test_accepts_query_parameters(schema):
    guarded = check_sql(
        "SELECT customer_id FROM customers WHERE country = ? AND region = ?", schema
    )
    assert guarded.sql.count("?") == 2


def test_star_expands_to_the_tables_real_columns(schema):
    guarded = check_sql("SELECT * FROM products", schema, require_customer_id=False)
    assert guarded.output_columns == list(schema["products"])


def test_cte_names_are_not_mistaken_for_unknown_tables(schema):
    guarded = check_sql(
        "WITH big_spenders AS (SELECT customer_id FROM transactions WHERE total_amount > 100) "
        "SELECT customer_id FROM big_spenders",
        schema,
    )
    assert guarded.tables == frozenset({"transactions"})


def test_customer_id_is_optional_for_non_segment_queries(schema):
    guarded = check_sql(
        "SELECT country, count(*) AS n FROM customers GROUP BY country",
        schema,
        require_customer_id=False,
    )
    assert guarded.output_columns == ["country", "n"]


def test_segment_query_must_return_customer_id(schema):
    err = rejection("SELECT country, count(*) AS n FROM customers GROUP BY country", schema)
    assert err.kind == "no_customer_id"
    assert "customer_id" in err.reason and "'country', 'n'" in err.reason


# --- statements that are not read-only queries ---------------------------------------------------

NOT_READ_ONLY = {
    "DELETE FROM customers": "DELETE",
    "UPDATE customers SET country = 'US'": "UPDATE",
    "INSERT INTO customers (customer_id) VALUES (1)": "INSERT",
    "CREATE TABLE t AS SELECT * FROM customers": "CREATE",
    "DROP TABLE customers": "DROP",
    "ALTER TABLE customers ADD COLUMN x INTEGER": "ALTER",
    "COPY customers TO '/tmp/out.csv'": "COPY",
    "ATTACH '/tmp/other.duckdb' AS other": "ATTACH",
    "DETACH other": "DETACH",
    "INSTALL httpfs": "INSTALL",
    "LOAD httpfs": "LOAD",
    "EXPORT DATABASE '/tmp/dump'": "EXPORT",
    "IMPORT DATABASE '/tmp/dump'": "IMPORT",
    "CHECKPOINT": "CHECKPOINT",
    "VACUUM": "VACUUM",
    "TRUNCATE customers": "TRUNCATE",
}


@pytest.mark.parametrize("sql", NOT_READ_ONLY, ids=NOT_READ_ONLY.values())
def test_rejects_statements_that_write_or_touch_files(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "not_read_only"
    assert err.reason.startswith("Only read-only SELECT queries can be run")
    assert NOT_READ_ONLY[sql] in err.reason


def test_delete_reason_reads_plainly(schema):
    err = rejection("delete from customers where country = 'US'", schema)
    assert err.reason == "Only read-only SELECT queries can be run; this is a DELETE statement."


@pytest.mark.parametrize(
    "sql",
    [
        "SET memory_limit = '100GB'",
        "RESET enable_external_access",
        "PRAGMA enable_profiling",
        "CALL pragma_version()",
        "USE memory",
        "BEGIN TRANSACTION",
        "DESCRIBE customers",
        "SHOW TABLES",
        "EXPLAIN SELECT customer_id FROM customers",
    ],
)
def test_rejects_session_commands(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "command"
    assert err.reason.startswith("Only read-only SELECT queries can be run")


def test_rejects_writes_hidden_inside_a_select(schema):
    err = rejection(
        "WITH gone AS (DELETE FROM customers RETURNING customer_id) SELECT customer_id FROM gone",
        schema,
    )
    assert err.kind == "not_read_only" and "DELETE" in err.reason
    err = rejection("SELECT customer_id INTO backup FROM customers", schema)
    assert err.kind == "not_read_only" and "INTO" in err.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT customer_id FROM customers; DROP TABLE customers",
        "SELECT customer_id FROM customers -- harmless comment\n; DELETE FROM customers",
        "SELECT customer_id FROM customers /* note */ ; SELECT customer_id FROM customers",
    ],
)
def test_rejects_more_than_one_statement(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "multiple_statements"
    assert "2 statements" in err.reason


def test_a_trailing_semicolon_or_comment_is_still_one_statement(schema):
    guarded = check_sql("SELECT customer_id FROM customers; -- the end", schema)
    assert guarded.output_columns == ["customer_id"]


@pytest.mark.parametrize("sql", ["", "   ", ";", "-- only a comment"])
def test_rejects_empty_input(sql, schema):
    assert rejection(sql, schema).kind == "parse"


def test_rejects_unreadable_sql_with_the_parsers_message(schema):
    err = rejection("SELECT customer_id FROM customers WHERE (country = 'US'", schema)
    assert err.kind == "parse"
    assert err.reason.startswith("The SQL could not be read")


# --- tables --------------------------------------------------------------------------------------


def test_rejects_unknown_table_and_suggests_the_closest(schema):
    err = rejection("SELECT customer_id FROM custmers", schema)
    assert err.kind == "unknown_table"
    assert "'custmers'" in err.reason and "Did you mean 'customers'?" in err.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT customer_id FROM other_db.customers",
        "SELECT customer_id FROM main.customers",
        "SELECT customer_id FROM retail.main.customers",
        "SELECT table_name AS customer_id FROM information_schema.tables",
        "SELECT oid AS customer_id FROM pg_catalog.pg_class",
    ],
)
def test_rejects_catalog_or_schema_qualified_tables(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "unknown_table"
    assert "Only the tables of the retail database can be used" in err.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'customers.csv'",
        "SELECT * FROM 'https://example.com/data.parquet'",
        'SELECT * FROM "s3://bucket/data.parquet"',
        "SELECT c.customer_id FROM customers c JOIN '/tmp/x.parquet' x USING (customer_id)",
    ],
)
def test_rejects_files_and_urls_used_as_tables(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "file_access"
    assert "not files or URLs" in err.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM range(10) r(customer_id)",
        "SELECT * FROM generate_series(1, 10) g(customer_id)",
        "SELECT * FROM duckdb_tables()",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM pragma_table_info('customers')",
        "SELECT * FROM unnest([1, 2]) u(customer_id)",
        "SELECT c.customer_id FROM customers c, range(3) r",
    ],
)
def test_rejects_table_functions(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "table_function"
    assert "table function" in err.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_csv_auto('data.csv')",
        "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
        "SELECT * FROM read_json_auto('x.json')",
        "SELECT * FROM parquet_scan('x.parquet')",
        "SELECT * FROM sniff_csv('x.csv')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM query_table('customers')",
        "SELECT * FROM query('SELECT 1')",
        "SELECT customer_id, read_text('/etc/passwd') AS t FROM customers",
        "SELECT customer_id, read_blob('/etc/shadow') AS b FROM customers",
        "SELECT customer_id, getenv('HOME') AS home FROM customers",
        "SELECT customer_id FROM customers WHERE email = current_setting('memory_limit')",
    ],
)
def test_rejects_file_network_and_environment_access(sql, schema):
    err = rejection(sql, schema)
    assert err.kind == "file_access"
    assert "reads files, the network or the server's settings" in err.reason


@pytest.mark.parametrize(
    "call",
    [
        "version()",
        "current_user",
        "pg_sleep(5)",
        "nextval('s')",
        "set_variable('x', 1)",
        "md5(email)",
        "list_transform([1], x -> x + 1)",
        "json_extract(email, '$.a')",
        "uuid()",
    ],
)
def test_rejects_functions_that_are_not_on_the_allow_list(call, schema):
    err = rejection(f"SELECT customer_id, {call} AS v FROM customers", schema)
    assert err.kind == "function_not_allowed"
    assert "is not allowed" in err.reason


# --- columns -------------------------------------------------------------------------------------


def test_rejects_unknown_column_and_suggests_the_real_one(schema):
    err = rejection("SELECT customer_id FROM customers WHERE contry = 'US'", schema)
    assert err.kind == "unknown_column"
    assert "'contry'" in err.reason and "Did you mean 'country'" in err.reason


def test_rejects_unknown_qualified_column(schema):
    err = rejection(
        "SELECT c.customer_id FROM customers c JOIN transactions t "
        "ON t.customer_id = c.customer_id WHERE t.total_amout > 10",
        schema,
    )
    assert err.kind == "unknown_column"
    assert "'total_amout'" in err.reason and "'total_amount'" in err.reason


def test_rejects_ambiguous_column_naming_both_tables(schema):
    err = rejection(
        "SELECT customer_id FROM customers c JOIN transactions t ON t.customer_id = c.customer_id",
        schema,
    )
    assert err.kind == "ambiguous_column"
    assert "customers" in err.reason and "transactions" in err.reason


def test_binder_has_the_final_word(schema, engine):
    # Type errors pass the column checks but the engine refuses them.
    err = rejection(
        "SELECT customer_id FROM customers WHERE signup_date > 'not a date'::DATE + 'x'",
        schema,
        binder=bind_with(engine),
    )
    assert err.kind == "binder"
    assert err.reason.startswith("The database could not run this query:")


def test_binder_is_called_with_the_normalised_sql(schema):
    seen: list[str] = []
    guarded = check_sql("select customer_id from customers", schema, binder=seen.append)
    assert seen == [guarded.sql]


# --- size limits ---------------------------------------------------------------------------------


def test_rejects_oversized_sql(schema):
    padding = " OR ".join(["country = 'US'"] * (MAX_SQL_CHARS // 10))
    err = rejection(f"SELECT customer_id FROM customers WHERE {padding}", schema)
    assert err.kind == "too_large"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT customer_id FROM customers WHERE " + "(" * 5000 + "true" + ")" * 5000,
        "SELECT customer_id FROM customers WHERE customer_id IN "
        + "(SELECT customer_id FROM customers WHERE customer_id IN " * 300
        + "(1)"
        + ")" * 300,
        "SELECT customer_id, " + "CASE WHEN true THEN " * 500 + "1" + " END" * 500 + " AS x "
        "FROM customers",
    ],
    ids=["parentheses", "subqueries", "case"],
)
def test_rejects_absurd_nesting_without_crashing(sql, schema):
    assert rejection(sql, schema).kind == "too_large"


def test_guard_error_carries_kind_and_reason():
    err = GuardError("parse", "Something specific.")
    assert err.kind == "parse" and err.reason == "Something specific." and str(err) == err.reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM segment_cache.segment_traits_0123456789",
        "SELECT customer_id FROM segment_traits_0123456789",
        "SELECT customer_id FROM answer_members",
    ],
    ids=["cache-database", "traits-view", "a-turns-temp-table"],
)
def test_rejects_the_products_own_relations(sql, schema):
    # The traits' in-memory database is writable and a turn's temp tables are session state:
    # neither is a table of the data.
    with pytest.raises(GuardError):
        check_sql(sql, schema)
