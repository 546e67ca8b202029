"""The B2B SaaS demo: its generator, schemas/saas.yaml against the data, and evals/saas/saas.yaml.

A third schema shaped unlike the retail demo and TPC-DS: the customer is a company account, and
product usage is two many-to-one hops away from it (events -> users -> accounts). Every gold SQL
of the suite must be a real segment here, the rules backend must answer every case without an
error, and at least RULES_FLOOR of the cases must give exactly the gold customers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from assistant.api import Assistant
from assistant.catalog import Catalog, load_catalog
from assistant.demo.saas import AS_OF, TABLES, build_saas
from assistant.evals.suite import TAGS, expand_anchor, load_suite
from assistant.introspect import live_schema

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "schemas" / "saas.yaml"
SUITE = ROOT / "evals" / "saas" / "saas.yaml"
ACCOUNTS = 1000
SEED = 7
# Share of suite cases whose rules answer has exactly the gold accounts. Measured 92 of 101 (0.91)
# when the suite was written; the misreads are generic grammar gaps (numeric entity columns, a
# date column with a window, "a year", "logged in last week", "X or Y <noun> in Z" ...).
RULES_FLOOR = 0.9

CASES = load_suite(SUITE).cases


@pytest.fixture(scope="session")
def saas_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SaaS database for the session (the Assistant opens this file)."""
    return build_saas(tmp_path_factory.mktemp("saas") / "saas.duckdb", accounts=ACCOUNTS, seed=SEED)


@pytest.fixture(scope="module")
def con(saas_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """Plain DuckDB on a copy: one file cannot be open with two configurations in a process."""
    copy = tmp_path_factory.mktemp("saas_gold") / "saas.duckdb"
    shutil.copyfile(saas_db, copy)
    with duckdb.connect(str(copy), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


@pytest.fixture(scope="module")
def assistant(saas_db: Path, catalog: Catalog) -> Assistant:
    return Assistant.open(saas_db, catalog=catalog, backend="rules")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return _rows(con, sql)[0][0]


# --- the generator -------------------------------------------------------------------------------


def test_has_its_tables_with_rows(con: duckdb.DuckDBPyConnection) -> None:
    assert set(live_schema(con)) == set(TABLES)
    assert _scalar(con, "SELECT count(*) FROM accounts") == ACCOUNTS
    for table in TABLES:
        assert _scalar(con, f"SELECT count(*) FROM {table}") > 0, table


def test_same_seed_same_data(tmp_path: Path) -> None:
    def digest(path: Path) -> list:
        with duckdb.connect(str(path), read_only=True) as c:
            return [_scalar(c, f"SELECT sum(hash(t::VARCHAR)) FROM {t} t") for t in TABLES]

    a = build_saas(tmp_path / "a.duckdb", accounts=200, seed=3)
    b = build_saas(tmp_path / "b.duckdb", accounts=200, seed=3)
    c = build_saas(tmp_path / "c.duckdb", accounts=200, seed=4)
    assert digest(a) == digest(b) != digest(c)


def test_history_ends_on_the_anchor(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    assert _scalar(con, f"SELECT {catalog.anchor_sql}") == AS_OF
    first = _scalar(con, "SELECT min(event_ts)::DATE FROM events")
    assert 700 <= (AS_OF - first).days <= 730
    assert _scalar(con, "SELECT max(issued_on) FROM invoices") <= AS_OF
    assert _scalar(con, "SELECT max(opened_at)::DATE FROM tickets") <= AS_OF


def test_keys_and_references_hold(con: duckdb.DuckDBPyConnection) -> None:
    for table, key in [("accounts", "account_id"), ("users", "user_id"), ("events", "event_id"),
                       ("invoices", "invoice_id"), ("tickets", "ticket_id")]:  # fmt: skip
        assert _scalar(con, f"SELECT count(*) - count(DISTINCT {key}) FROM {table}") == 0
    orphans = """
        SELECT (SELECT count(*) FROM events WHERE user_id NOT IN (SELECT user_id FROM users))
             + (SELECT count(*) FROM users
                WHERE account_id NOT IN (SELECT account_id FROM accounts))
             + (SELECT count(*) FROM accounts WHERE plan_id NOT IN (SELECT plan_id FROM plans))
             + (SELECT count(*) FROM invoices
                WHERE account_id NOT IN (SELECT account_id FROM accounts))"""
    assert _scalar(con, orphans) == 0


def test_behaviour_is_plausible(con: duckdb.DuckDBPyConnection) -> None:
    per_plan = dict(
        _rows(
            con,
            """SELECT p.plan_name, count(u.user_id) / count(DISTINCT a.account_id)
               FROM accounts a JOIN plans p USING (plan_id) JOIN users u USING (account_id)
               GROUP BY p.plan_name""",
        )
    )
    assert per_plan["enterprise"] > per_plan["pro"] > per_plan["starter"] > per_plan["free"]
    # Churned accounts stop using the product (and being billed) on their churn date.
    after_churn = """
        SELECT count(*) FROM events e
        JOIN users u USING (user_id) JOIN accounts a USING (account_id)
        WHERE a.status = 'churned' AND e.event_ts::DATE > a.churned_on"""
    assert _scalar(con, after_churn) == 0
    billed_after = """
        SELECT count(*) FROM invoices i JOIN accounts a USING (account_id)
        WHERE a.status = 'churned' AND i.issued_on > a.churned_on"""
    assert _scalar(con, billed_after) == 0
    assert _scalar(con, "SELECT count(*) FROM invoices JOIN accounts USING (account_id) "
                        "WHERE plan_id = 1 OR accounts.status = 'trial'") == 0  # fmt: skip
    # Overdue invoices cluster: the 5% of accounts with most of them hold about 60% of them.
    share = """
        WITH o AS (SELECT account_id, count(*) AS n FROM invoices WHERE status = 'overdue'
                   GROUP BY account_id),
        top AS (SELECT n FROM o ORDER BY n DESC LIMIT (SELECT count(*) FROM accounts) // 20)
        SELECT (SELECT sum(n) FROM top) / (SELECT sum(n) FROM o)"""
    assert _scalar(con, share) > 0.45


def test_data_saas_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    target = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(app, ["data", "saas", "--accounts", "50", "--path", str(target)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(target), read_only=True) as c:
        assert _scalar(c, "SELECT count(*) FROM accounts") == 50


# --- the catalog ----------------------------------------------------------------------------------


def test_catalog_matches_the_database(catalog: Catalog, con: duckdb.DuckDBPyConnection) -> None:
    assert catalog.check_against(live_schema(con)) == []
    assert catalog.entity.table == "accounts" and catalog.entity.noun == "account"


def test_usage_is_two_hops_from_the_account(catalog: Catalog) -> None:
    usage = catalog.events["usage"]
    assert (usage.table, usage.customer) == ("events", "users.account_id")
    hops = catalog.graph.path("events", "accounts", one_way=True)
    assert [h.target for h in hops] == ["users", "accounts"]


def test_catalog_examples_answer_non_empty(assistant: Assistant, catalog: Catalog) -> None:
    assert catalog.examples
    for kind, request in catalog.examples.items():
        answer = assistant.ask(request, ideas=False, profile=False)
        assert answer.error is None and answer.count, (kind, request, answer.clarification)


# --- the suite ------------------------------------------------------------------------------------


def test_suite_file_shape() -> None:
    raw = yaml.safe_load(SUITE.read_text(encoding="utf-8"))
    assert raw["name"] == "saas" and raw["schema"] == "saas" and raw["description"]
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) >= 40
    for case in CASES:
        assert case.schema_name == "saas"
        assert case.request and case.gold_sql, case.id
        assert case.tags and set(case.tags) <= set(TAGS), case.id


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_gold_sql_is_a_real_segment(con: duckdb.DuckDBPyConnection, catalog: Catalog, case) -> None:
    result = con.execute(expand_anchor(case.gold_sql, catalog))
    assert [column[0] for column in result.description] == ["customer_id"]
    ids = [row[0] for row in result.fetchall()]
    assert None not in ids and len(ids) == len(set(ids)), "one row per account"
    assert 0 < len(ids) < ACCOUNTS


def test_rules_backend_on_the_suite(
    assistant: Assistant, catalog: Catalog, con: duckdb.DuckDBPyConnection
) -> None:
    matched, misread = [], []
    for case in CASES:
        answer = assistant.ask(case.request or "", ideas=False, profile=False)
        assert answer.error is None, (case.id, answer.error)
        gold = {row[0] for row in _rows(con, expand_anchor(case.gold_sql or "", catalog))}
        got = {row[0] for row in _rows(con, answer.sql)} if answer.sql else None
        if got == gold:
            matched.append(case.id)
        else:
            what = "no SQL" if got is None else f"{len(got)} accounts"
            misread.append(f"{case.id}: {case.request!r} -> {what} (gold {len(gold)})")
    summary = f"rules: {len(matched)}/{len(CASES)} match the gold accounts"
    print(summary, *misread, sep="\n  ")
    assert len(matched) >= RULES_FLOOR * len(CASES), "\n  ".join([summary, *misread])
