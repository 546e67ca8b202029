"""Choices for a request that names things but no audience (assistant.suggest), on three
schemas: built from the words it names and the data, each one a request that answers with
exactly the count it was offered with."""

from __future__ import annotations

import calendar
import shutil
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.catalog import load_catalog
from assistant.demo.saas import build_saas
from assistant.suggest import MAX_CHOICES

ROOT = Path(__file__).resolve().parents[1]


def _copy(path: Path, folder: Path) -> Path:
    target = folder / path.name
    shutil.copyfile(path, target)
    return target


@pytest.fixture(scope="module")
def demo(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return Assistant.open(_copy(demo_db, tmp_path_factory.mktemp("suggest_demo")), backend="rules")


@pytest.fixture(scope="module")
def tpcds(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from tpcds_fixture import tpcds_database

    db = _copy(tpcds_database(), tmp_path_factory.mktemp("suggest_tpcds"))
    return Assistant.open(db, catalog=ROOT / "schemas" / "tpcds.yaml", backend="rules")


@pytest.fixture(scope="module")
def saas(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    db = build_saas(tmp_path_factory.mktemp("suggest_saas") / "saas.duckdb", accounts=600, seed=3)
    return Assistant.open(db, catalog=ROOT / "schemas" / "saas.yaml", backend="rules")


def _answers_as_offered(assistant: Assistant, answer) -> None:
    assert 2 <= len(answer.choices) <= MAX_CHOICES
    assert answer.suggestions == [choice.request for choice in answer.choices]
    for choice in answer.choices:
        again = assistant.ask(choice.request)
        assert again.count == choice.count > 0, choice
        assert not again.unrecognized and not again.clarification, choice


def test_a_vague_request_gets_choices_from_its_own_category_and_season(demo):
    answer = demo.ask("the best segment to target for a winter sports campaign")
    assert answer.count is None and answer.clarification
    assert "'Sports'" in answer.clarification and "'winter'" in answer.clarification
    assert "winter" not in answer.unrecognized  # used for the choices, not left out
    assert all("Sports" in c.request or "sports" in c.request for c in answer.choices)
    # The last whole winter before the data's end (30 Sep 2026): December 2025 to February 2026.
    assert answer.choices[0].request == "Sports buyers from December 2025 to February 2026"
    assert answer.choices[0].why == "the last winter"
    _answers_as_offered(demo, answer)
    examples = set(load_catalog().examples.values())
    assert not examples & set(answer.suggestions)


def test_the_peak_choice_is_the_three_months_the_category_sells_most(demo):
    answer = demo.ask("the best audience for a beauty campaign")
    peak = next(c for c in answer.choices if "sells most" in c.why)
    spend = dict(
        demo.executor.query(
            "SELECT strftime(t.transaction_ts, '%Y-%m'), sum(i.quantity * i.unit_price) "
            "FROM transaction_items i JOIN transactions t USING (transaction_id) "
            "JOIN products p USING (product_id) "
            "WHERE p.category = 'Beauty' AND t.status = 'completed' "
            "AND t.transaction_ts >= DATE '2025-10-01' AND t.transaction_ts < DATE '2026-10-01' "
            "GROUP BY 1"
        ).rows
    )
    months = sorted(spend)
    best = max(range(len(months) - 2), key=lambda i: sum(spend[m] for m in months[i : i + 3]))
    first = months[best]
    assert peak.request.startswith("Beauty buyers from ")
    year, month = map(int, first.split("-"))
    assert f"from {calendar.month_name[month]} {year} to" in peak.request
    _answers_as_offered(demo, answer)


def test_a_request_naming_nothing_gets_the_catalogs_examples_counted(demo):
    answer = demo.ask("what is the meaning of life")
    assert answer.clarification and answer.choices
    assert set(answer.suggestions) <= set(load_catalog().examples.values())
    _answers_as_offered(demo, answer)


def test_tpcds_a_season_and_a_category(tpcds):
    answer = tpcds.ask("best audience for a christmas music campaign")
    assert "'Music'" in (answer.clarification or "")
    assert answer.choices[0].why == "the last christmas"
    _answers_as_offered(tpcds, answer)


def test_saas_a_season_alone_uses_the_catalogs_own_verb_and_noun(saas):
    answer = saas.ask("best accounts for our summer webinar")
    assert answer.choices and all(
        c.request.startswith(("accounts", "champions")) for c in answer.choices
    )
    assert "'summer'" in (answer.clarification or "")
    _answers_as_offered(saas, answer)


def test_best_without_by_what_offers_its_readings_counted(demo, saas):
    for assistant in (demo, saas):
        answer = assistant.ask("the best ones")
        assert answer.count is None and "'best' can mean several things" in answer.clarification
        assert all(choice.why == "one reading of 'best'" for choice in answer.choices)
        _answers_as_offered(assistant, answer)
