"""The executor runs queries read-only in a sandbox that holds even when the guard is bypassed."""

from __future__ import annotations

import hashlib
import shutil
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest

from assistant.executor import (
    ExecutionError,
    Executor,
    QueryResult,
    QueryTimeout,
    SandboxSettings,
)
from assistant.guard import GuardError, check_sql

AS_OF = date(2026, 9, 30)

# Three transactions tables crossed is far beyond any timeout used here.
SLOW_SQL = (
    "SELECT count(*) FROM transactions a, transactions b, transactions c "
    "WHERE a.total_amount + b.total_amount > c.total_amount"
)


def _build_small_retail_db(path: Path) -> None:
    """A few contract tables with generated rows: a stand-in while `demo_db` cannot be built."""
    con = duckdb.connect(str(path))
    con.execute(
        f"""
        CREATE TABLE dataset_info AS
            SELECT DATE '{AS_OF}' AS as_of, 7 AS seed, 300 AS customers;
        CREATE TABLE customers AS
            SELECT i::INTEGER AS customer_id,
                   ['US', 'CA', 'GB', 'DE', 'FR', 'AU'][1 + i % 6] AS country,
                   DATE '{AS_OF}' - INTERVAL (i % 1000) DAY AS signup_date
            FROM range(1, 301) r(i);
        CREATE TABLE transactions AS
            SELECT i::BIGINT AS transaction_id, (1 + i % 300)::INTEGER AS customer_id,
                   TIMESTAMP '{AS_OF}' - INTERVAL (i % 1000) HOUR AS transaction_ts,
                   CASE WHEN i % 10 = 0 THEN 'returned' ELSE 'completed' END AS status,
                   (i % 97 + 5)::DECIMAL(12, 2) AS total_amount
            FROM range(1, 3001) r(i);
        """
    )
    con.close()


@pytest.fixture(scope="module")
def db_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo database: DuckDB allows one configuration per file and process,
    so other test modules' plain connections to `demo_db` must not meet this sandbox's."""
    path = tmp_path_factory.mktemp("sandbox") / "retail.duckdb"
    try:
        shutil.copyfile(request.getfixturevalue("demo_db"), path)
    except Exception:  # the shared generator is still being written; use a small stand-in
        _build_small_retail_db(path)
    return path


@pytest.fixture(scope="module")
def executor(db_path: Path):
    with Executor(db_path) as ex:
        yield ex


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def country_counts(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Ground truth from a plain DuckDB connection (on a copy: one file, one config per process)."""
    copy = tmp_path_factory.mktemp("truth") / "copy.duckdb"
    shutil.copyfile(db_path, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute("SELECT country, count(*) FROM customers GROUP BY 1").fetchall()
    return dict(rows)


@pytest.fixture
def db_copy(db_path: Path, tmp_path: Path) -> Path:
    """A private copy for executors with other settings than the shared one."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(db_path, copy)
    return copy


# --- ordinary use --------------------------------------------------------------------------------


def test_query_returns_columns_rows_and_timing(executor, country_counts):
    expected = country_counts
    result = executor.query(
        "SELECT country, count(*) AS n FROM customers GROUP BY country ORDER BY country"
    )
    assert isinstance(result, QueryResult)
    assert result.columns == ["country", "n"]
    assert dict(result.rows) == expected
    assert result.truncated is False
    assert result.elapsed_ms >= 0


def test_query_binds_parameters(executor, country_counts):
    country, n = sorted(country_counts.items())[0]
    result = executor.query("SELECT count(*) FROM customers WHERE country = ?", [country])
    assert result.rows == [(n,)]


def test_scalar_returns_the_first_value_or_none(executor, country_counts):
    assert executor.scalar("SELECT count(*) FROM customers") == sum(country_counts.values())
    assert executor.scalar("SELECT customer_id FROM customers WHERE false") is None


def test_schema_is_read_from_the_database(executor):
    schema = executor.schema()
    assert schema["customers"]["customer_id"] == "INTEGER"
    assert schema["transactions"]["total_amount"] == "DECIMAL(12,2)"
    assert {"dataset_info", "customers", "transactions"} <= set(schema)


def test_the_anchor_is_the_catalogs_anchor_query(executor):
    from assistant.catalog import load_catalog

    assert executor.anchor(load_catalog().anchor_sql) == AS_OF


def test_an_anchor_can_be_a_fixed_date(tmp_path):
    path = tmp_path / "bare.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE customers AS SELECT 1 AS customer_id")
    with Executor(path) as ex:
        assert ex.anchor("DATE '2024-05-01'").isoformat() == "2024-05-01"


def test_explain_accepts_valid_sql_and_reports_engine_errors(executor):
    assert executor.explain("SELECT customer_id FROM customers") is None
    with pytest.raises(ExecutionError) as caught:
        executor.explain("SELECT no_such_column FROM customers")
    assert caught.value.kind == "bad_query"
    assert "no_such_column" in str(caught.value)


def test_guard_uses_the_executor_schema_and_binder(executor):
    guarded = check_sql(
        "SELECT customer_id FROM transactions WHERE status = 'completed' "
        "GROUP BY customer_id HAVING count(*) >= 3",
        executor.schema(),
        binder=executor.explain,
    )
    result = executor.query(guarded.sql)
    assert result.columns == ["customer_id"] and result.rows
    with pytest.raises(GuardError) as caught:
        check_sql(
            # Valid to the column checks, but customer_id is neither grouped nor aggregated.
            "SELECT customer_id FROM customers GROUP BY country",
            executor.schema(),
            binder=executor.explain,
        )
    assert caught.value.kind == "binder"
    assert "GROUP BY" in caught.value.reason


# --- result size ---------------------------------------------------------------------------------


def test_results_are_capped_at_max_rows(executor):
    result = executor.query("SELECT customer_id FROM customers ORDER BY customer_id", max_rows=5)
    assert len(result.rows) == 5 and result.truncated is True
    assert [r[0] for r in result.rows] == sorted(r[0] for r in result.rows)


def test_a_result_exactly_at_the_cap_is_not_truncated(executor):
    n = executor.scalar("SELECT count(*) FROM customers")
    result = executor.query("SELECT customer_id FROM customers", max_rows=n)
    assert len(result.rows) == n and result.truncated is False


def test_default_cap_comes_from_settings(db_copy):
    with Executor(db_copy, SandboxSettings(max_rows=3)) as ex:
        result = ex.query("SELECT customer_id FROM customers")
    assert len(result.rows) == 3 and result.truncated is True


def test_a_huge_result_is_streamed_not_materialised(executor):
    # Billions of rows: only the first few are ever produced.
    result = executor.query(
        "SELECT a.transaction_id, b.transaction_id FROM transactions a, transactions b",
        max_rows=10,
    )
    assert len(result.rows) == 10 and result.truncated is True


# --- timeouts ------------------------------------------------------------------------------------


def test_a_slow_query_is_stopped_by_the_per_query_timeout(executor):
    with pytest.raises(QueryTimeout) as caught:
        executor.query(SLOW_SQL, timeout_s=0.5)
    assert caught.value.kind == "timeout"
    assert str(caught.value).startswith("The query took longer than 0.5 s and was stopped")
    # The executor is still usable afterwards.
    assert executor.scalar("SELECT 1") == 1


def test_a_slow_query_is_stopped_by_the_engine_wide_limit(db_copy):
    with Executor(db_copy, SandboxSettings(timeout_s=0.5)) as ex:
        with pytest.raises(QueryTimeout) as caught:
            ex.query(SLOW_SQL)
        assert "longer than 0.5 s" in str(caught.value)
        # A longer per-query timeout cannot lift the sandbox's own limit.
        with pytest.raises(QueryTimeout):
            ex.query(SLOW_SQL, timeout_s=60)


def test_a_timeout_stops_only_its_own_query(executor, country_counts):
    expected = country_counts
    outcome: dict[str, object] = {}

    def slow() -> None:
        try:
            executor.query(SLOW_SQL, timeout_s=0.5)
        except QueryTimeout as err:
            outcome["slow"] = err

    def fast() -> None:
        outcome["fast"] = [
            dict(executor.query("SELECT country, count(*) FROM customers GROUP BY 1").rows)
            for _ in range(5)
        ]

    threads = [threading.Thread(target=slow), threading.Thread(target=fast)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(outcome["slow"], QueryTimeout)
    assert outcome["fast"] == [expected] * 5


# --- concurrency ---------------------------------------------------------------------------------


def test_concurrent_queries_from_several_threads_are_correct(executor, country_counts):
    expected = country_counts
    countries = sorted(expected) * 4
    results: dict[int, int] = {}
    errors: list[BaseException] = []

    def run(i: int, country: str) -> None:
        try:
            results[i] = executor.scalar(
                "SELECT count(*) FROM customers WHERE country = ?", [country]
            )
        except BaseException as err:  # surfaced below; a thread cannot fail the test itself
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(countries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [results[i] for i in range(len(countries))] == [expected[c] for c in countries]


# --- missing or unusable database ----------------------------------------------------------------


def test_missing_database_says_how_to_build_it(tmp_path):
    ex = Executor(tmp_path / "nowhere.duckdb")
    with pytest.raises(ExecutionError) as caught:
        ex.query("SELECT 1")
    assert caught.value.kind == "missing_database"
    assert "segment-assistant data build" in str(caught.value)
    assert "make data" in str(caught.value)
    assert not (tmp_path / "nowhere.duckdb").exists()


def test_a_file_that_is_not_a_database_is_reported(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_text("not a database")
    with pytest.raises(ExecutionError) as caught:
        Executor(path).query("SELECT 1")
    assert caught.value.kind in {"bad_database", "database_unavailable"}
    assert "segment-assistant data build" in str(caught.value)


def test_closed_executor_refuses_queries(db_copy):
    ex = Executor(db_copy)
    assert ex.scalar("SELECT 1") == 1
    ex.close()
    ex.close()  # closing twice is harmless
    with pytest.raises(ExecutionError) as caught:
        ex.scalar("SELECT 2")
    assert caught.value.kind == "closed"


def test_executors_with_the_same_settings_share_a_file(executor, db_path):
    with Executor(db_path) as second:
        assert second.scalar("SELECT count(*) FROM customers") == executor.scalar(
            "SELECT count(*) FROM customers"
        )


def test_opening_a_file_already_open_with_other_settings_is_explained(executor, db_path):
    with pytest.raises(ExecutionError) as caught:
        Executor(db_path, SandboxSettings(threads=1)).query("SELECT 1")
    assert caught.value.kind == "database_unavailable"
    assert "already open in this program with different settings" in str(caught.value)


# --- the sandbox holds without the guard ---------------------------------------------------------


@pytest.fixture
def outside_csv(tmp_path: Path) -> Path:
    path = tmp_path / "outside.csv"
    path.write_text("customer_id,secret\n1,hunter2\n")
    return path


ATTACKS = {
    "copy to file": "COPY customers TO '{tmp}/stolen.csv'",
    "copy query to parquet": "COPY (SELECT * FROM customers) TO '{tmp}/stolen.parquet'",
    "export database": "EXPORT DATABASE '{tmp}/dump'",
    "attach file": "ATTACH '{tmp}/other.duckdb' AS other",
    "install extension": "INSTALL httpfs",
    "load extension": "LOAD httpfs",
    "read_csv passwd": "SELECT * FROM read_csv('/etc/passwd')",
    "replacement scan passwd": "SELECT * FROM '/etc/passwd'",
    "read_text passwd": "SELECT * FROM read_text('/etc/passwd')",
    "glob": "SELECT * FROM glob('/etc/*')",
    "read own csv": "SELECT * FROM read_csv('{csv}')",
    "replacement scan own csv": "SELECT * FROM '{csv}'",
    "sniff own csv": "SELECT * FROM sniff_csv('{csv}')",
    "enable external access": "SET enable_external_access = true",
    "reset external access": "RESET enable_external_access",
    "unlock configuration": "SET lock_configuration = false",
    "raise memory limit": "SET memory_limit = '100GB'",
    "lift timeout": "SET max_execution_time = 0",
    "allow a directory": "SET allowed_directories = ['/']",
    "enable autoload": "SET autoload_known_extensions = true",
    "create table": "CREATE TABLE stolen AS SELECT * FROM customers",
    "insert": "INSERT INTO customers (customer_id) VALUES (-1)",
    "update": "UPDATE customers SET country = 'XX'",
    "delete": "DELETE FROM customers",
    "drop": "DROP TABLE customers",
    "alter": "ALTER TABLE customers ADD COLUMN hacked INTEGER",
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_sandbox_refuses_what_the_guard_would_have_stopped(
    attack, executor, db_path, tmp_path, outside_csv
):
    before = file_digest(db_path)
    with pytest.raises(ExecutionError) as caught:
        executor.query(attack.format(tmp=tmp_path, csv=outside_csv))
    assert caught.value.kind in {"not_permitted", "bad_query"}
    assert str(caught.value)
    assert file_digest(db_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [outside_csv.name]


def test_settings_stay_locked_after_attempts_to_change_them(executor, outside_csv):
    for statement in ("SET enable_external_access = true", "RESET ALL"):
        with pytest.raises(ExecutionError):
            executor.query(statement)
    settings = dict(
        executor.query(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
            "'lock_configuration', 'autoload_known_extensions', 'autoinstall_known_extensions', "
            "'allow_community_extensions', 'threads', 'max_execution_time')"
        ).rows
    )
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
        "allow_community_extensions": "false",
        "threads": "2",
        "max_execution_time": "30000",
    }
    with pytest.raises(ExecutionError):
        executor.query(f"SELECT * FROM read_csv('{outside_csv}')")


def test_a_pinned_run_sees_its_own_temp_table_and_nobody_else_does(executor, db_path):
    before = file_digest(db_path)
    with executor.pinned() as pinned:
        pinned.query("CREATE TEMP TABLE members AS SELECT customer_id FROM customers LIMIT 7")
        assert pinned.scalar("SELECT count(*) FROM members") == 7
        assert pinned.schema() == executor.schema()
        with pytest.raises(ExecutionError):
            executor.query("SELECT count(*) FROM members")  # another cursor, another session
    with executor.pinned() as again, pytest.raises(ExecutionError):
        again.query("SELECT count(*) FROM members")  # gone with the cursor
    assert file_digest(db_path) == before


def test_a_reused_cursor_keeps_the_registered_frames_and_drops_the_last_turns_tables(db_path):
    import pandas as pd

    with Executor(db_path) as executor:
        executor.register("extra", pd.DataFrame({"customer_id": [1, 2, 3]}))
        with executor.pinned() as first:
            first.query("CREATE TEMP TABLE left_behind AS SELECT 1 AS x")
            assert first.scalar("SELECT count(*) FROM extra") == 3
        assert len(executor._idle) == 1  # handed back, not closed
        with executor.pinned() as second:
            assert second._pinned is first._pinned  # the same cursor, reused
            assert second.scalar("SELECT count(*) FROM extra") == 3
            with pytest.raises(ExecutionError):
                second.query("SELECT * FROM left_behind")
        with pytest.raises(ExecutionError):
            executor.query("SELECT * FROM no_such_table")  # borrows that cursor and fails
        assert executor._idle == []  # a failed query's cursor is closed, never handed out again
        assert executor.scalar("SELECT count(*) FROM extra") == 3  # a new one has the frames
