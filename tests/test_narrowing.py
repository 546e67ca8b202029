"""The count path's funnel, with each activity step narrowed to the customers the property steps
before it kept, counts exactly what the plain funnel counts: on every multi-step request of the
dev suites of three schemas, and never for a step whose membership depends on other customers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.answer import _narrowed_funnel
from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.catalog import catalog_for
from assistant.compiler import compile_spec, run_funnel
from assistant.executor import Executor
from assistant.narrowing import narrowed
from assistant.profile import catalog_as_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schemas(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    from tpcds_fixture import tpcds_database

    from assistant.demo.saas import build_saas

    saas = build_saas(tmp_path_factory.mktemp("saas_narrow") / "saas.duckdb", accounts=400, seed=5)
    return {
        "demo": (demo_db, None, ROOT / "evals/dev/demo.yaml"),
        "saas": (saas, ROOT / "schemas/saas.yaml", ROOT / "evals/saas/dev.yaml"),
        "tpcds": (tpcds_database(), ROOT / "schemas/tpcds.yaml", ROOT / "evals/tpcds/dev.yaml"),
    }


def _requests(suite: Path) -> list[str]:
    data = yaml.safe_load(suite.read_text())
    cases = data["cases"] if isinstance(data, dict) else data
    return [c["request"] for c in cases if isinstance(c, dict) and c.get("request")]


@pytest.mark.parametrize("schema", ["demo", "saas", "tpcds"])
def test_the_narrowed_funnel_counts_what_the_plain_funnel_counts(schemas, schema):
    db, catalog_path, suite = schemas[schema]
    with Executor(db) as executor:
        catalog = catalog_for(db, catalog_path, set(executor.schema()))
        as_of = catalog_as_of(executor, catalog)
        backend = RulesBackend(catalog)
        compared = 0
        for request in _requests(suite):
            spec = backend.interpret(Turn(request=request, as_of=as_of)).spec
            if spec is None:
                continue
            compiled = compile_spec(spec, as_of, catalog)
            narrowed_funnel = _narrowed_funnel(compiled, catalog)
            if narrowed_funnel is compiled:
                continue
            compared += 1
            assert run_funnel(executor, narrowed_funnel) == run_funnel(executor, compiled), request
    assert compared >= 5  # the suites have activity steps after property steps to narrow


ENTITY = ("customers", "customers.customer_id")
WOMEN = "customers.gender = 'female'"


def test_an_activity_after_a_property_step_starts_from_that_steps_customers():
    bought = (
        "customers.customer_id IN (SELECT transactions.customer_id AS customer_id "
        "FROM transactions WHERE transactions.status = 'completed')"
    )
    first, second = narrowed([WOMEN, bought], ENTITY)
    assert first == WOMEN
    assert "SELECT customers.customer_id FROM customers WHERE (customers.gender = 'female')" in (
        second
    )


@pytest.mark.parametrize(
    "ranked",
    [
        "customers.customer_id IN (SELECT t.customer_id FROM transactions AS t GROUP BY 1 "
        "ORDER BY sum(t.total_amount) DESC LIMIT 50)",
        "customers.customer_id IN (SELECT customer_id FROM (SELECT t.customer_id, ntile(10) "
        "OVER (ORDER BY t.total_amount) AS decile FROM transactions AS t) WHERE decile = 10)",
        "customers.customer_id IN (SELECT t.customer_id FROM transactions AS t GROUP BY 1 "
        "HAVING sum(t.total_amount) > (SELECT avg(total_amount) FROM transactions))",
    ],
    ids=["top-50", "decile", "above-average"],
)
def test_a_step_ranked_against_everyone_is_never_narrowed(ranked):
    assert narrowed([WOMEN, ranked], ENTITY) == [WOMEN, ranked]


def test_a_first_step_and_a_step_after_activities_only_are_left_alone():
    bought = "customers.customer_id IN (SELECT t.customer_id FROM transactions AS t)"
    assert narrowed([bought, bought], ENTITY) == [bought, bought]
