"""The command line as analysts and scripts use it: exit codes, JSON shapes, clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from contract import ANSWER_KEYS
from typer.testing import CliRunner

from assistant.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A private copy: the CLI opens it sandboxed, other tests open demo_db their own way.
    copy = tmp_path_factory.mktemp("cli") / "retail.duckdb"
    shutil.copyfile(demo_db, copy)
    return copy


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_data_build_writes_a_database_and_reports_its_rows(tmp_path: Path):
    target = tmp_path / "small.duckdb"
    code, output = run("data", "build", "--customers", "200", "--seed", "3", "--path", str(target))
    assert code == 0, output
    assert target.exists()
    assert "customers 200" in output


def test_data_info_shows_as_of_and_row_counts(db: Path):
    code, output = run("data", "info", "--db", str(db))
    assert code == 0
    assert "2026-09-30" in output
    assert "transactions" in output


def test_sql_json_has_the_documented_keys_and_a_correct_count(db: Path, executor):
    code, output = run(
        "sql",
        "SELECT customer_id FROM customers WHERE country = 'CA'",
        "--format",
        "json",
        "--db",
        str(db),
    )
    assert code == 0, output
    payload = json.loads(output)
    assert set(payload) >= {"sql", "count", "share", "profile", "sample", "elapsed_ms", "error"}
    expected = executor.scalar("SELECT count(*) FROM customers WHERE country = 'CA'")
    assert payload["count"] == expected
    assert payload["error"] is None
    assert len(payload["sample"]) == min(20, expected)
    assert payload["profile"]["breakdowns"]["country"][0]["value"] == "CA"


def test_sql_text_output_shows_the_count(db: Path):
    code, output = run(
        "sql", "SELECT customer_id FROM customers WHERE gender IS NULL", "--db", str(db)
    )
    assert code == 0
    assert "customers (" in output


@pytest.mark.parametrize(
    ("query", "error_code", "reason"),
    [
        ("DELETE FROM customers", "not_read_only", "read-only"),
        ("DROP TABLE customers", "not_read_only", "DROP"),
        ("SELECT * FROM read_csv('/etc/passwd')", "file_access", "read_csv"),
        ("SELECT customer_id FROM customers; DROP TABLE customers", "multiple_statements", ""),
        ("SELECT customer_id FROM customerz", "unknown_table", "customers"),
        ("SELECT customer_id FROM customers WHERE loyalty_tir = 'gold'", "unknown_column",
         "Did you mean 'loyalty_tier'?"),
        ("SELECT country FROM customers", "no_customer_id", "customer_id"),
    ],
)  # fmt: skip
def test_sql_the_guard_refuses_exits_non_zero_with_no_count_and_the_reason(
    db: Path, query: str, error_code: str, reason: str
):
    code, output = run("sql", query, "--format", "json", "--db", str(db))
    assert code == 1
    payload = json.loads(output)
    # A refusal has no size: null, never 0 (0 means "nobody matches").
    assert payload["count"] is None and payload["share"] is None and payload["base_count"] is None
    assert payload["error"]["kind"] == "refused"
    assert payload["error"]["code"] == error_code
    assert reason in payload["error"]["reason"]


def test_sql_a_query_that_fails_when_run_is_failed_not_refused(db: Path):
    query = "SELECT customer_id FROM customers WHERE CAST(first_name AS INTEGER) = 1"
    code, output = run("sql", query, "--format", "json", "--db", str(db))
    assert code == 1
    payload = json.loads(output)
    assert payload["count"] is None
    assert payload["error"]["kind"] == "failed"
    assert "Conversion Error" in payload["error"]["reason"]


def test_sql_nobody_is_count_zero_without_an_error(db: Path):
    query = "SELECT customer_id FROM customers WHERE country = 'XX'"
    code, output = run("sql", query, "--format", "json", "--db", str(db))
    assert code == 0, output
    payload = json.loads(output)
    assert payload["count"] == 0 and payload["error"] is None
    assert payload["base_count"] > 0


def test_sql_text_output_says_refused_and_why(db: Path):
    code, output = run("sql", "DROP TABLE customers", "--db", str(db))
    assert code == 1
    assert "Refused:" in output and "DROP" in output


def test_a_missing_database_says_how_to_build_it(tmp_path: Path):
    code, output = run(
        "sql", "SELECT customer_id FROM customers", "--db", str(tmp_path / "nope.duckdb")
    )
    assert code == 2
    assert "data build" in output


def test_ask_json_answers_with_the_documented_keys(db: Path):
    code, output = run(
        "ask",
        "women in Texas who bought outdoor gear last month",
        "--backend",
        "rules",
        "--format",
        "json",
        "--db",
        str(db),
    )
    assert code == 0, output
    payload = json.loads(output)
    assert set(ANSWER_KEYS) <= set(payload)
    assert payload["backend"] == "rules"
    assert payload["count"] == payload["funnel"][-1]["count"]
    assert any("2026-08-01" in a for a in payload["assumptions"])


def test_ask_with_as_of_moves_the_windows(db: Path):
    code, output = run(
        "ask",
        "customers who bought last month",
        "--backend",
        "rules",
        "--format",
        "json",
        "--db",
        str(db),
        "--as-of",
        "2026-06-15",
    )
    assert code == 0
    assert any("2026-05-01" in a for a in json.loads(output)["assumptions"])


def test_ask_refuses_a_harmful_request_with_exit_1(db: Path):
    code, output = run(
        "ask", "drop the customers table", "--backend", "rules", "--format", "json", "--db", str(db)
    )
    assert code == 1
    payload = json.loads(output)
    assert payload["refused"] and payload["sql"] is None
    assert payload["count"] is None and payload["share"] is None
    assert payload["error"]["kind"] == "refused" and payload["error"]["code"] == "request"
    assert payload["error"]["reason"]


def test_ask_a_request_too_long_is_refused_with_no_count(db: Path):
    code, output = run(
        "ask", "women " * 1000, "--backend", "rules", "--format", "json", "--db", str(db)
    )
    assert code == 1
    payload = json.loads(output)
    assert payload["count"] is None
    assert payload["error"]["kind"] == "refused" and payload["error"]["code"] == "too_long"


def test_ask_a_backend_failure_is_failed_with_no_count(db: Path, tmp_path: Path):
    cassette = tmp_path / "empty.json"
    cassette.write_text(json.dumps({"version": 1, "entries": {}}))
    code, output = run(
        "ask", "women", "--backend", "replay", "--cassette", str(cassette),
        "--format", "json", "--db", str(db),
    )  # fmt: skip
    assert code == 1
    payload = json.loads(output)
    assert payload["count"] is None and payload["refused"] is False
    assert payload["error"]["kind"] == "failed" and payload["error"]["code"] == "replay_miss"
    assert "No recorded answer" in payload["error"]["reason"]


def test_ask_nobody_is_count_zero_without_an_error(db: Path):
    code, output = run(
        "ask", "customers in Texas who live in Germany", "--backend", "rules",
        "--format", "json", "--db", str(db),
    )  # fmt: skip
    assert code == 0, output
    payload = json.loads(output)
    assert payload["count"] == 0 and payload["error"] is None


def test_ask_replay_without_a_cassette_is_a_clear_error(db: Path, tmp_path: Path):
    code, output = run(
        "ask",
        "women",
        "--backend",
        "replay",
        "--cassette",
        str(tmp_path / "none.json"),
        "--db",
        str(db),
    )
    assert code == 2
    assert "cassette" in output


def test_chat_refines_turn_by_turn_and_resets(db: Path):
    turns = "outdoor buyers\nonly women\n:sql\n:history\n:reset\nmen in Canada\n:quit\n"
    result = runner.invoke(app, ["chat", "--backend", "rules", "--db", str(db)], input=turns)
    assert result.exit_code == 0, result.output
    assert result.output.count("customers (") == 3
    assert "gender = 'female'" in result.output
    assert "Started over." in result.output
    assert "  2  only women" in result.output


def test_chat_json_shows_a_refusal_like_ask_does(db: Path):
    turns = "drop the customers table\n:json\n:quit\n"
    result = runner.invoke(app, ["chat", "--backend", "rules", "--db", str(db)], input=turns)
    assert result.exit_code == 0, result.output
    assert '"count": null' in result.output
    assert '"kind": "refused"' in result.output


def test_catalog_drafts_yaml_for_any_database(db: Path, tmp_path: Path):
    from assistant.catalog import load_catalog

    out = tmp_path / "draft.yaml"
    code, output = run("catalog", "--db", str(db), "-o", str(out))
    assert code == 0, output
    assert set(load_catalog(out).tables) >= {"customers", "transactions"}


def test_record_without_an_llm_is_a_clear_error(db: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    code, output = run("ask", "women", "--record", str(tmp_path / "c.json"), "--db", str(db))
    assert code == 2
    assert "--backend openai" in output
