"""The eval scorer, suite loader and baseline comparison: what counts as a pass, and why not."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.catalog import load_catalog
from assistant.evals.baseline import compare_reports, render_comparison
from assistant.evals.report import (
    CaseResult,
    RunMeta,
    build_report,
    load_report,
    render_markdown,
    report_json,
)
from assistant.evals.scorer import Outcome, compare_ids, score_turn
from assistant.evals.suite import Case, Expectation, SuiteError, load_cases, load_suite

GOLD = Expectation(gold_sql="SELECT customer_id FROM customers")
SQL = "SELECT customer_id FROM customers WHERE country = 'CA'"


def produced(predicted: list[set[int]], gold: list[set[int]], **fields) -> Outcome:
    return Outcome(sql=SQL, predicted_ids=list(predicted), gold_ids=list(gold), **fields)


def test_the_same_ids_in_a_different_order_pass_on_every_database():
    assert compare_ids([3, 1, 2, 2], [2, 3, 1]).equal
    score = score_turn(GOLD, produced([{3, 1, 2}, {9, 8}], [{1, 2, 3}, {8, 9}]))
    assert score.passed and score.valid_sql and score.checks == {"execution_match": True}


def test_a_missing_customer_fails_and_names_it():
    score = score_turn(GOLD, produced([{1, 2}], [{1, 2, 3}]))
    assert not score.passed
    assert score.diffs[0].missing == [3] and score.diffs[0].extra == []
    assert "1 missing (e.g. 3)" in score.reasons[0]


def test_an_extra_customer_fails_even_when_other_databases_match():
    score = score_turn(GOLD, produced([{1, 2}, {1, 2, 7}], [{1, 2}, {1, 2}]))
    assert not score.passed
    assert score.diffs[0].equal and score.diffs[1].extra == [7]
    assert "database 2: 1 extra (e.g. 7)" in score.reasons[0]


def test_sql_that_failed_to_run_is_invalid_and_fails():
    score = score_turn(GOLD, produced([None], [{1}], run_errors=["database 1: boom"]))
    assert not score.passed and score.valid_sql is False
    assert "failed to run" in score.reasons[0]


def test_a_gold_case_answered_with_a_question_fails_with_what_happened():
    score = score_turn(GOLD, Outcome(clarification="Which customers?"))
    assert not score.passed
    assert "got a clarifying question (Which customers?)" in score.reasons[0]


def test_a_refusal_case_passes_only_on_refusal():
    expect = Expectation(must_refuse=True)
    assert score_turn(expect, Outcome(refused=True, error="read-only")).passed
    assert not score_turn(expect, produced([{1}], [])).passed
    assert not score_turn(expect, Outcome(clarification="What do you mean?")).passed


def test_a_neutralised_attack_passes_when_only_a_harmless_select_ran():
    expect = Expectation(refuse_or_neutralise=True, must_not_reference_tables=["duckdb_tables"])
    assert score_turn(expect, Outcome(refused=True)).passed
    assert score_turn(expect, Outcome(error="blocked by the guard")).passed
    assert score_turn(expect, Outcome(sql=SQL)).passed
    leaking = Outcome(sql="SELECT table_name AS customer_id FROM duckdb_tables()")
    assert not score_turn(expect, Outcome(sql="SELECT * FROM duckdb_tables")).passed
    assert not score_turn(expect, leaking).passed
    assert not score_turn(expect, Outcome(sql="DELETE FROM customers")).passed


def test_clarification_cases_need_a_question_not_a_segment_or_refusal():
    expect = Expectation(must_clarify=True)
    assert score_turn(expect, Outcome(clarification="Which ones?")).passed
    assert not score_turn(expect, produced([{1}], [])).passed
    assert not score_turn(expect, Outcome(refused=True)).passed


def test_assumption_and_unrecognized_checks_are_case_insensitive_substrings():
    expect = Expectation(assumption_contains=["180 days"], unrecognized_contains=["flagship"])
    good = Outcome(assumptions=["Unhappy = a low rating in the last 180 DAYS"],
                   unrecognized=["Flagship store"])  # fmt: skip
    assert score_turn(expect, good).passed
    bad = score_turn(expect, Outcome(assumptions=["all history"]))
    assert not bad.passed and len(bad.reasons) == 2


def test_cases_load_with_plain_string_turns_and_expand_gold_placeholders(tmp_path: Path):
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "cases:\n"
        "  - id: c1\n"
        "    turns: [women, 'in texas']\n"
        "    tags: [multi-turn]\n"
        "    gold_sql: SELECT customer_id FROM t WHERE ts < {end} AND d <= {as_of}\n"
    )
    (case,) = load_cases([tmp_path])
    assert case.suite == "s" and case.requests() == ["women", "in texas"]
    assert case.schema_name == "retail"  # no `schema:`: the demo
    assert [i for i, _ in case.expectations()] == [1]
    # {as_of} and {end} come from the catalog's anchor, whatever form it takes.
    retail = load_catalog()
    sql = case.last_expectation().gold_query(retail, date(2026, 9, 30))
    assert "{" not in sql and f"d <= {retail.anchor_sql}" in sql
    assert f"ts < ({retail.anchor_sql} + INTERVAL 1 DAY)" in sql
    dated = SimpleNamespace(anchor_sql="DATE '2003-01-02'")
    sql = case.last_expectation().gold_query(dated, date(2003, 1, 2))
    assert "ts < (DATE '2003-01-02' + INTERVAL 1 DAY) AND d <= DATE '2003-01-02'" in sql
    assert "dataset_info" not in sql


def test_a_suite_names_its_schema_and_every_case_carries_it(tmp_path: Path):
    suite = tmp_path / "shop.yaml"
    suite.write_text(
        "schema: tpcds\n"
        "cases:\n"
        "  - {id: w, request: women, tags: [demographic], gold_sql: SELECT 1 AS customer_id}\n"
    )
    loaded = load_suite(suite)
    assert loaded.schema_name == "tpcds" and loaded.cases[0].schema_name == "tpcds"
    suite.write_text("schema: 'no spaces allowed'\ncases: []\n")
    with pytest.raises(SuiteError, match="schema"):
        load_suite(suite)


def test_the_committed_tpcds_suite_is_of_schema_tpcds_and_the_demo_suites_of_retail():
    demo = load_cases([Path("evals/suites"), Path("evals/heldout"), Path("evals/dev")])
    assert {case.schema_name for case in demo} == {"retail"}
    tpcds = load_cases([Path("evals/tpcds")])
    assert tpcds and {case.schema_name for case in tpcds} == {"tpcds"}
    assert not {c.id for c in demo} & {c.id for c in tpcds}  # one baseline holds both


def test_an_empty_gold_is_scored_and_named_not_an_error():
    # Nobody fits on a small database: an empty answer matches, and the turn says so.
    empty = score_turn(GOLD, produced([set(), {4}], [set(), {4}]))
    assert empty.passed and empty.empty_gold == [1] and empty.checks["execution_match"]
    wrong = score_turn(GOLD, produced([{1, 2}], [set()]))
    assert not wrong.passed and wrong.empty_gold == [1]
    assert "2 extra (e.g. 1, 2) (empty gold" in wrong.reasons[0]
    assert score_turn(GOLD, produced([{1}], [{1}])).empty_gold == []


def test_a_case_with_nothing_to_check_or_an_unknown_tag_is_rejected(tmp_path: Path):
    with pytest.raises(ValueError, match="nothing to check"):
        Case(id="x", request="women")
    with pytest.raises(ValueError, match="unknown tags"):
        Case(id="x", request="women", must_clarify=True, tags=["vibes"])
    (tmp_path / "dup.yaml").write_text(
        "- {id: a, request: x, must_clarify: true}\n- {id: a, request: y, must_clarify: true}\n"
    )
    with pytest.raises(SuiteError, match="duplicate case id a"):
        load_cases([tmp_path])


def test_the_committed_suites_cover_every_type_with_enough_cases():
    cases = load_cases([Path("evals/suites"), Path("evals/heldout"), Path("evals/dev")])
    tags = [tag for case in cases for tag in case.tags]
    assert len(cases) >= 150
    assert tags.count("multi-turn") >= 20 and tags.count("adversarial") >= 20
    assert sum(case.last_expectation().must_clarify for case in cases) >= 10
    heldout = [case for case in cases if case.suite.startswith("heldout")]
    # the dev sets grow every round (issue 11); held-out grows by blind outsider files
    assert len(heldout) >= 130 and 0.25 <= len(heldout) / len(cases) <= 0.4
    for schema in ("tpcds", "saas"):  # each schema keeps its own held-out file
        own = load_cases([Path("evals") / schema])
        assert {case.schema_name for case in own} == {schema}
        held = [case for case in own if case.suite.startswith("heldout")]
        assert len(held) >= 75 and 0.12 <= len(held) / len(own) <= 0.4


def result(case_id: str, passed: bool, suite: str = "s", schema: str = "retail",
           **fields) -> CaseResult:  # fmt: skip
    reasons = [] if passed else ["different customers"]
    return CaseResult(id=case_id, suite=suite, schema=schema, tags=["demographic"],
                      requests=[case_id], passed=passed, reasons=reasons, **fields)  # fmt: skip


def report(**passed: bool):
    return build_report(RunMeta(backend="rules"), [result(k, v) for k, v in passed.items()])


def test_a_new_suites_cases_are_new_in_the_baseline_comparison_not_regressions():
    before = report(a=True, b=False)
    results = [result("a", True), result("b", False), result("t1", False, "tpcds", "tpcds"),
               result("t2", True, "tpcds", "tpcds")]  # fmt: skip
    comparison = compare_reports(build_report(RunMeta(backend="rules"), results), before)
    assert not comparison.failed and comparison.new_cases == ["t1", "t2"]
    assert comparison.accuracy == comparison.baseline_accuracy == 0.5  # over shared cases only
    row = comparison.per_suite["tpcds"]
    assert (row.schema_name, row.shared, row.new, row.new_passed) == ("tpcds", 0, 2, 1)
    assert "| tpcds | tpcds | - | - | 2 (1) | 0 |" in render_comparison(comparison)
    assert "| s | retail | 1/2 | 1/2 | 0 (0) | 0 |" in render_comparison(comparison)


def test_the_report_scores_per_schema_and_tag_and_lists_empty_gold(tmp_path: Path):
    results = [result("a", True), result("b", False),
               result("t1", True, "tpcds", "tpcds", empty_gold=[1]),
               result("t2", False, "tpcds", "tpcds")]  # fmt: skip
    built = build_report(RunMeta(backend="rules"), results)
    assert built.per_schema["retail"].passed == 1 and built.per_schema["tpcds"].total == 2
    assert built.per_schema_tag["tpcds"]["demographic"].passed == 1
    assert built.totals.empty_gold == 1
    text = render_markdown(built)
    assert "| tag | retail | tpcds | all |" in text
    assert "| demographic | 50.0% (1/2) | 50.0% (1/2) | 50.0% (2/4) |" in text
    assert "| tpcds | 50.0% (1/2) | n/a | 1 |" in text
    assert "- t1 (tpcds; databases 1): passed" in text
    assert "### t2 (tpcds/tpcds; demographic)" in text
    # The JSON names each case's schema, and reads back (old baselines without it are retail).
    path = tmp_path / "r.json"
    path.write_text(report_json(built))
    assert '"schema": "tpcds"' in path.read_text()
    assert load_report(path).cases[2].schema_name == "tpcds"
    assert load_report(Path("evals/baselines/rules.json")).cases[0].schema_name == "retail"


def test_the_baseline_comparison_lists_regressions_and_fixes_case_by_case():
    before = report(a=True, b=False, c=True, gone=True)
    after = report(a=False, b=True, c=True, new=False)
    comparison = compare_reports(after, before)
    assert [c.id for c in comparison.regressions] == ["a"]
    assert comparison.regressions[0].reasons == ["different customers"]
    assert [c.id for c in comparison.fixes] == ["b"]
    assert comparison.new_cases == ["new"] and comparison.removed_cases == ["gone"]
    assert comparison.failed
    assert "a: 'a': different customers" in render_comparison(comparison)


def test_an_accuracy_drop_beyond_the_tolerance_fails_even_without_a_named_regression():
    same = compare_reports(report(a=True, b=False), report(a=True, b=False))
    assert not same.failed
    fixed = compare_reports(report(a=True, b=True), report(a=True, b=False))
    assert not fixed.failed and fixed.accuracy == 1.0


def test_the_markdown_report_shows_totals_tags_and_each_failure():
    text = render_markdown(report(a=True, b=False))
    assert "| cases passed | 1/2 (50.0%) |" in text
    assert "| demographic | 50.0% (1/2) |" in text
    assert "### b (s; demographic)" in text and "- different customers" in text
