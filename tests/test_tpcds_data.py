"""The TPC-DS builder's output, and every gold SQL of evals/tpcds/tpcds.yaml on the small scale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from tpcds_fixture import TPCDS_TEST_SF, tpcds_anchor, tpcds_database

from assistant.demo.tpcds import SMALL_SF, TPCDS_DUCKDB_VERSION, TPCDS_TABLES, expand_dates

SUITE = Path(__file__).resolve().parents[1] / "evals" / "tpcds" / "tpcds.yaml"
SEGMENT_TABLES = (
    "customer", "customer_address", "customer_demographics", "household_demographics",
    "store_sales", "web_sales", "catalog_sales", "store_returns", "web_returns",
    "catalog_returns", "item", "date_dim", "promotion", "store",
)  # fmt: skip


@pytest.fixture(scope="session")
def tpcds_small() -> Path:
    return tpcds_database()


@pytest.fixture(scope="module")
def con(tpcds_small: Path):
    with duckdb.connect(str(tpcds_small), read_only=True) as connection:
        yield connection


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    # fetchall, not fetchone: DuckDB 2 keeps a half-fetched result open on the connection.
    return con.execute(sql).fetchall()[0][0]


def _suite() -> dict:
    return yaml.safe_load(SUITE.read_text(encoding="utf-8"))


CASES = _suite()["cases"]


def test_has_every_tpcds_table(con: duckdb.DuckDBPyConnection) -> None:
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(SEGMENT_TABLES) <= set(TPCDS_TABLES) <= tables


def test_is_not_in_the_generator_storage(tpcds_small: Path) -> None:
    # The main header names the DuckDB release that wrote the file: the copy, not dsdgen's 1.5.5.
    header = tpcds_small.read_bytes()[:64]
    assert header[8:12] == b"DUCK"
    assert f"v{TPCDS_DUCKDB_VERSION}".encode() not in header


@pytest.mark.parametrize(
    "table", ["customer", "store_sales", "web_sales", "catalog_sales", "store_returns", "item"]
)
def test_core_tables_have_rows(con: duckdb.DuckDBPyConnection, table: str) -> None:
    assert _scalar(con, f"SELECT count(*) FROM {table}") > 0


def test_sales_reference_customers_and_dates(con: duckdb.DuckDBPyConnection) -> None:
    buyers, dated = con.execute(
        "SELECT count(DISTINCT c_customer_sk), count(DISTINCT d_date) FROM store_sales"
        " JOIN customer ON c_customer_sk = ss_customer_sk"
        " JOIN date_dim ON d_date_sk = ss_sold_date_sk"
    ).fetchall()[0]
    customers = _scalar(con, "SELECT count(*) FROM customer")
    assert 0 < buyers <= customers
    assert dated > 300


def test_anchor_is_the_last_sale_day(tpcds_small: Path) -> None:
    anchor = tpcds_anchor(tpcds_small)
    assert "2002-12-01" <= anchor <= "2003-12-31"


def test_suite_file_shape() -> None:
    suite = _suite()
    assert suite["name"] == "tpcds"
    assert suite["schema"] == "tpcds"
    assert suite["description"]
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) >= 60
    from assistant.evals.suite import TAGS

    for case in CASES:
        assert case["request"].strip() and case["gold_sql"].strip(), case["id"]
        assert case["tags"] and set(case["tags"]) <= set(TAGS), case["id"]


@pytest.fixture(scope="module")
def anchor(tpcds_small: Path) -> date:
    return date.fromisoformat(tpcds_anchor(tpcds_small))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_gold_sql_runs(con: duckdb.DuckDBPyConnection, anchor: date, case: dict) -> None:
    sql = expand_dates(case["gold_sql"], anchor)
    result = con.execute(sql)
    assert [column[0] for column in result.description] == ["customer_id"]
    ids = [row[0] for row in result.fetchall()]
    assert None not in ids and len(ids) == len(set(ids)), "one row per customer"
    if TPCDS_TEST_SF == SMALL_SF:  # at the CI scale (and at sf=1) every case is a real segment
        customers = _scalar(con, "SELECT count(*) FROM customer")
        assert 0 < len(ids) < customers


def test_a_failing_pip_install_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    from assistant.demo import tpcds

    monkeypatch.setattr(tpcds, "REQUIREMENTS", ("--no-index", "no-such-package-for-tpcds"))
    with pytest.raises(tpcds.TpcdsBuildError, match="pip install .*failed"):
        tpcds.ensure_scratch_venv(tmp_path / "venv", progress=lambda line: None)


def test_a_missing_extension_file_is_a_clear_error(tmp_path: Path) -> None:
    from assistant.demo import tpcds

    package = tmp_path / "duckdb_extension_tpcds"
    package.mkdir()
    fake_python = tmp_path / "python"
    info = f'{{"duckdb": "{TPCDS_DUCKDB_VERSION}", "dir": "{package}"}}'
    fake_python.write_text(f"#!/bin/sh\necho '{info}'\n")
    fake_python.chmod(0o755)
    with pytest.raises(tpcds.TpcdsBuildError, match="no .duckdb_extension file"):
        tpcds.find_extension(fake_python)


def test_dates_expand_to_the_anchor_and_the_day_after() -> None:
    sql = expand_dates("d_date >= {end} - INTERVAL 7 DAY AND d_date <= {as_of}", date(2003, 1, 8))
    assert sql == (
        "d_date >= (DATE '2003-01-08' + INTERVAL 1 DAY) - INTERVAL 7 DAY"
        " AND d_date <= DATE '2003-01-08'"
    )
