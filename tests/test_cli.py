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
    ("query", "reason"),
    [
        ("DELETE FROM customers", "read-only"),
        ("SELECT * FROM read_csv('/etc/passwd')", ""),
        ("SELECT customer_id FROM customers; DROP TABLE customers", ""),
        ("SELECT customer_id FROM customerz", "customers"),
        ("SELECT country FROM customers", "customer_id"),
    ],
)
def test_sql_the_guard_refuses_exits_non_zero_with_the_reason(db: Path, query: str, reason: str):
    code, output = run("sql", query, "--format", "json", "--db", str(db))
    assert code == 1
    payload = json.loads(output)
    assert payload["error"]
    assert reason in payload["error"]
    assert payload["count"] == 0


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
    assert "c.gender = 'female'" in result.output
    assert "Started over." in result.output
    assert "  2  only women" in result.output


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
