"""Running eval cases end to end: rules and replay backends on the demo database, and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from assistant.backends.replay import ReplayBackend
from assistant.backends.rules import RulesBackend
from assistant.cli_eval import eval_command
from assistant.evals.runner import customer_ids, run_cases
from assistant.evals.suite import Case

CASSETTE = Path("evals/cassettes/scripted.json")
WOMEN_CA = "SELECT customer_id FROM customers WHERE gender = 'female' AND region = 'California'"


def case(**fields) -> Case:
    fields.setdefault("tags", ["demographic"])
    return Case(**fields)


def test_a_right_answer_matches_the_gold_ids_and_a_wrong_gold_reports_the_difference(executor):
    right = case(id="ok", request="women in california", gold_sql=WOMEN_CA)
    wrong = case(id="bad", request="women in california",
                 gold_sql=WOMEN_CA.replace("California", "Texas"))  # fmt: skip
    ok, bad = run_cases([right, wrong], RulesBackend(), [executor])
    assert ok.passed and ok.valid_sql and ok.outcome == "segment"
    assert customer_ids(executor, ok.produced_sql) == customer_ids(executor, WOMEN_CA)
    assert not bad.passed and bad.expected_sql == WOMEN_CA.replace("California", "Texas")
    diff = bad.diffs[0]
    assert diff.missing_count > 0 and diff.extra_count > 0 and len(diff.missing) <= 5


def test_every_database_must_match(executor):
    # The same database twice stands in for two seeds: both runs are scored.
    result = run_cases(
        [case(id="two", request="women in california", gold_sql=WOMEN_CA)],
        RulesBackend(),
        [executor, executor],
    )[0]
    assert result.passed and result.checks["execution_match"]


def test_conversations_are_scored_on_the_last_turn_and_turns_with_their_own_check(executor):
    conversation = case(
        id="conv",
        tags=["multi-turn"],
        turns=[{"request": "women", "gold_sql": "SELECT 1 AS customer_id"}, "in california"],
        gold_sql=WOMEN_CA,
    )
    (result,) = run_cases([conversation], RulesBackend(), [executor])
    assert not result.passed
    assert result.reasons[0].startswith("turn 1: different customers")
    assert len(result.reasons) == 1  # the last turn itself matched


def test_a_replay_miss_fails_that_case_with_the_reason_and_the_run_goes_on(executor):
    backend = ReplayBackend(CASSETTE)
    missing = case(id="miss", request="customers who love llamas", gold_sql=WOMEN_CA)
    recorded = case(id="hit", request="women in california", gold_sql=WOMEN_CA)
    miss, hit = run_cases([missing, recorded], backend, [executor], jobs=2)
    assert not miss.passed and miss.error_kind == "replay_miss"
    assert "No recorded answer" in miss.reasons[0]
    assert hit.passed and hit.prompt_tokens > 0


def test_refusals_from_the_rules_backend_never_run_sql(executor):
    attack = case(id="drop", tags=["adversarial"], request="DROP TABLE customers",
                  refuse_or_neutralise=True)  # fmt: skip
    (result,) = run_cases([attack], RulesBackend(), [executor])
    assert result.passed
    assert result.produced_sql is None or result.produced_sql.lstrip().upper().startswith(
        ("SELECT", "WITH")
    )


def test_the_cli_writes_reports_and_fails_on_a_regression_against_the_baseline(
    demo_db: Path, tmp_path: Path
):
    db = tmp_path / "retail.duckdb"
    shutil.copyfile(demo_db, db)  # a private copy: DuckDB allows one configuration per file
    suite = tmp_path / "mini.yaml"
    suite.write_text(
        "cases:\n"
        f'  - {{id: women, request: women in california, tags: [demographic], gold_sql: "{WOMEN_CA}"}}\n'  # noqa: E501
        "  - {id: vague, request: hmm, tags: [ambiguous], must_clarify: true}\n"
        "  - {id: wrong, request: men, tags: [demographic], gold_sql: SELECT -1 AS customer_id}\n"
    )
    app = typer.Typer()
    app.command()(eval_command)
    runner = CliRunner()
    args = [str(suite), "--db", str(db), "--report", str(tmp_path / "r1")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    report = json.loads((tmp_path / "r1" / "report.json").read_text())
    assert report["totals"]["cases"] == 3 and report["meta"]["backend"] == "rules"
    assert [c["id"] for c in report["cases"] if not c["passed"]] == ["wrong"]
    assert (tmp_path / "r1" / "report.md").read_text().startswith("# Eval report: rules")

    # A baseline in which a case that fails today passed: the comparison must fail.
    doctored = {**report, "cases": [{**c, "passed": True, "reasons": []} for c in report["cases"]]}
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(doctored))
    second = runner.invoke(app, [*args, "--baseline", str(baseline)])
    assert second.exit_code == 1
    assert "Regressions" in second.output and "- wrong: 'men'" in second.output
    same = runner.invoke(app, [*args, "--baseline", str(tmp_path / "r1" / "report.json")])
    assert same.exit_code == 0 and "0 regressions" in same.output
