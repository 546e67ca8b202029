"""Running eval cases end to end: rules and replay backends on the demo database, a TPC-DS suite
on a small TPC-DS database with its catalog, and the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.backends.base import Interpretation, Turn
from assistant.backends.rules import RulesBackend
from assistant.catalog import load_catalog
from assistant.cli_eval import eval_command
from assistant.evals import runner
from assistant.evals.report import RunMeta, build_report, render_markdown
from assistant.evals.runner import (
    TPCDS_CATALOG,
    TargetError,
    customer_ids,
    resolve_targets,
    run_cases,
    run_schemas,
)
from assistant.evals.suite import Case, load_cases

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
    from assistant.backends.replay import ReplayBackend

    backend = ReplayBackend(CASSETTE, catalog=load_catalog())
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


class ScriptedSQL:
    """A backend that answers each request with fixed SQL and remembers the dates it was given."""

    name = "scripted"

    def __init__(self, catalog, answers: dict[str, str]) -> None:
        self.catalog = catalog
        self.answers = answers
        self.as_of: list[date] = []

    def interpret(self, turn: Turn, validate=None) -> Interpretation:
        self.as_of.append(turn.as_of)
        return Interpretation(sql=self.answers[turn.request])


def test_gold_placeholders_and_the_backends_date_come_from_the_catalogs_anchor(executor):
    retail = load_catalog()
    signed = "SELECT customer_id FROM customers WHERE signup_date <= DATE '2026-09-30'"
    backend = ScriptedSQL(retail, {"signed up": signed})
    gold = "SELECT customer_id FROM customers WHERE signup_date < {end} AND signup_date <= {as_of}"
    (result,) = run_cases([case(id="anchor", request="signed up", gold_sql=gold)], backend,
                          [executor], catalog=retail)  # fmt: skip
    assert result.passed and result.schema_name == "retail" and result.empty_gold == []
    assert retail.anchor_sql in result.expected_sql and "{" not in result.expected_sql
    assert backend.as_of == [date(2026, 9, 30)]


def test_each_schema_needs_somewhere_to_run(tmp_path: Path, monkeypatch):
    with pytest.raises(TargetError, match="pass --db"):
        resolve_targets(["shop"])
    with pytest.raises(TargetError, match="one schema at a time"):
        resolve_targets(["shop", "bank"], db=tmp_path / "x.duckdb")
    monkeypatch.setattr(runner, "TPCDS_CATALOG", tmp_path / "tpcds.yaml")
    (skipped,) = resolve_targets(["tpcds"], tpcds_db=tmp_path / "t.duckdb").values()
    assert skipped.skipped == f"no TPC-DS catalog at {tmp_path / 'tpcds.yaml'} yet"
    (tmp_path / "tpcds.yaml").write_text("version: 2\n")
    (skipped,) = resolve_targets(["tpcds"], tpcds_db=tmp_path / "t.duckdb").values()
    assert "no TPC-DS database at" in skipped.skipped and "data tpcds --sf 0.1" in skipped.skipped


def test_one_given_database_stands_in_for_the_demo_seeds(demo_db: Path):
    (target,) = resolve_targets(["retail"], db=demo_db).values()
    assert target.databases == [demo_db] and target.seeds == []
    assert target.catalog is not None and target.catalog.entity.table == "customers"


needs_tpcds_catalog = pytest.mark.skipif(
    not TPCDS_CATALOG.exists(),
    reason="schemas/tpcds.yaml (the TPC-DS catalog, being written by another engineer) is absent",
)
TPCDS_WOMEN = (
    "SELECT c_customer_sk AS customer_id FROM customer "
    "JOIN customer_demographics ON cd_demo_sk = c_current_cdemo_sk WHERE cd_gender = 'F'"
)
TPCDS_SUITE = f"""schema: tpcds
cases:
  - {{id: t-women, request: female customers, tags: [demographic], gold_sql: "{TPCDS_WOMEN}"}}
  - id: t-nobody
    request: customers born after 3000
    tags: [demographic]
    gold_sql: SELECT c_customer_sk AS customer_id FROM customer WHERE c_birth_year > 3000
  - id: t-bought-lately
    request: bought in store in the last 30 days
    tags: [behavioral]
    gold_sql: >-
      SELECT DISTINCT ss_customer_sk AS customer_id FROM store_sales
      JOIN date_dim ON d_date_sk = ss_sold_date_sk
      WHERE ss_customer_sk IS NOT NULL AND d_date >= {{end}} - INTERVAL 30 DAY AND d_date < {{end}}
  - {{id: t-vague, request: hmm, tags: [ambiguous], must_clarify: true}}
"""


@pytest.fixture(scope="module")
def tpcds_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tpcds_fixture import tpcds_database

    # A private copy: the shared cached file may be open elsewhere with another configuration.
    copy = tmp_path_factory.mktemp("tpcds") / "tpcds.duckdb"
    shutil.copyfile(tpcds_database(), copy)
    return copy


@needs_tpcds_catalog
def test_a_tpcds_suite_runs_on_a_small_tpcds_database_with_its_catalog(
    tpcds_copy: Path, tmp_path: Path
):
    from tpcds_fixture import tpcds_anchor

    suite = tmp_path / "tpcds.yaml"
    suite.write_text(TPCDS_SUITE)
    cases = [c for c in load_cases([suite]) if c.id != "t-vague"]
    targets = resolve_targets(["tpcds"], tpcds_db=tpcds_copy)
    target = targets["tpcds"]
    assert target.skipped is None and target.catalog is not None
    anchor = date.fromisoformat(tpcds_anchor(tpcds_copy))
    lately = cases[2].last_expectation().gold_query(target.catalog, anchor)
    backend = ScriptedSQL(target.catalog, {
        "female customers": TPCDS_WOMEN,
        "customers born after 3000": "SELECT c_customer_sk AS customer_id FROM customer LIMIT 0",
        "bought in store in the last 30 days": lately,
    })  # fmt: skip
    results, runs = run_schemas(cases, targets, {"tpcds": backend})
    assert [r.id for r in results] == ["t-women", "t-nobody", "t-bought-lately"]
    assert all(r.passed and r.schema_name == "tpcds" for r in results), results
    assert [r.empty_gold for r in results] == [[], [1], []]
    assert runs["tpcds"].as_of == anchor.isoformat() == backend.as_of[0].isoformat()
    assert runs["tpcds"].cases == 3 and runs["tpcds"].databases == [tpcds_copy.name]


@needs_tpcds_catalog
def test_the_cli_runs_demo_and_tpcds_suites_together_and_scores_each_schema(
    demo_db: Path, tpcds_copy: Path, tmp_path: Path
):
    db = tmp_path / "retail.duckdb"
    shutil.copyfile(demo_db, db)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "tpcds.yaml").write_text(TPCDS_SUITE)
    (tmp_path / "suites" / "demo.yaml").write_text(
        f'cases:\n  - {{id: women, request: women in california, tags: [demographic], gold_sql: "{WOMEN_CA}"}}\n'  # noqa: E501
    )
    app = typer.Typer()
    app.command()(eval_command)
    args = [str(tmp_path / "suites"), "--db", str(db), "--tpcds-db", str(tpcds_copy),
            "--report", str(tmp_path / "r")]  # fmt: skip
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    per_schema = report["per_schema"]
    assert per_schema["tpcds"]["total"] == 4 and per_schema["retail"]["total"] == 1
    assert report["meta"]["schemas"]["tpcds"]["catalog"].endswith(TPCDS_CATALOG.name)
    assert {c["id"]: c["schema"] for c in report["cases"]}["t-nobody"] == "tpcds"
    text = (tmp_path / "r" / "report.md").read_text()
    assert "## By schema" in text and "| tag | retail | tpcds | all |" in text


def test_a_suite_of_any_other_schema_runs_on_the_given_db_and_catalog(demo_db: Path, tmp_path):
    db = tmp_path / "shop.duckdb"
    shutil.copyfile(demo_db, db)
    suite = tmp_path / "shop.yaml"
    suite.write_text(
        "schema: shop\ncases:\n"
        f'  - {{id: shop-women, request: women in california, tags: [demographic], gold_sql: "{WOMEN_CA}"}}\n'  # noqa: E501
    )
    app = typer.Typer()
    app.command()(eval_command)
    runner_ = CliRunner()
    without = runner_.invoke(app, [str(suite), "--report", str(tmp_path / "r")])
    assert without.exit_code == 2 and "pass --db" in without.output
    args = [str(suite), "--db", str(db), "--catalog", "schemas/retail.yaml",
            "--report", str(tmp_path / "r")]  # fmt: skip
    done = runner_.invoke(app, args)
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["meta"]["schemas"]["shop"]["catalog"] == "schemas/retail.yaml"
    assert report["cases"][0]["schema"] == "shop" and report["per_schema"] == {
        "shop": {"passed": 1, "total": 1}
    }


def test_a_wrong_answer_that_reports_nothing_is_counted_as_silent(executor):
    retail = load_catalog()
    women = "SELECT customer_id FROM customers WHERE gender = 'female'"
    men = "SELECT customer_id FROM customers WHERE gender = 'male'"
    backend = ScriptedSQL(retail, {"women": men, "men": men})
    results = run_cases(
        [
            case(id="wrong", request="women", gold_sql=women),
            case(id="right", request="men", gold_sql=men),
        ],
        backend,
        [executor],
        catalog=retail,
    )
    assert [(r.passed, r.silent) for r in results] == [(False, True), (True, False)]
    report = build_report(RunMeta(backend="scripted"), results)
    assert report.totals.silent_wrong == 1
    assert "- wrong (retail): women" in render_markdown(report)


def test_a_wrong_answer_that_says_what_it_left_out_is_not_silent(executor):
    retail = load_catalog()
    # "zorble" meant gold members, say: the answer is wrong, but it said what it left out.
    gold = "SELECT customer_id FROM customers WHERE gender = 'female' AND loyalty_tier = 'gold'"
    (result,) = run_cases(
        [case(id="said", request="women who zorble", gold_sql=gold)],
        RulesBackend(retail),
        [executor],
        catalog=retail,
    )
    assert not result.passed and not result.silent
