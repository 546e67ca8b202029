"""The segment's SQL per warehouse dialect (assistant.dialects), pinned as golden files in the
style of sqlglot's own fixtures: for each spec in tests/golden/dialects/cases.yaml (every kind of
condition, window and join path, on the demo and TPC-DS catalogs) the compiled DuckDB query and
its spark, trino, snowflake, bigquery and postgres translations are in <case>.sql beside it.
Regenerate after a deliberate change with UPDATE_GOLDEN=1 and read the diff.

Beyond the text, each translation is checked for what would silently change its meaning."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.dialects import DIALECTS, DialectError, transpile
from assistant.spec import SegmentSpec

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "dialects"
CASES = yaml.safe_load((GOLDEN / "cases.yaml").read_text())["cases"]
CATALOGS = {"retail": ROOT / "schemas" / "retail.yaml", "tpcds": ROOT / "schemas" / "tpcds.yaml"}
AS_OF = {"retail": date(2026, 9, 30), "tpcds": date(2003, 1, 8)}
TARGETS = [d for d in DIALECTS if d != "duckdb"]


def _compiled(case: dict) -> str:
    catalog = load_catalog(CATALOGS[case["schema"]])
    spec = SegmentSpec.model_validate(case["spec"])
    return compile_spec(spec, AS_OF[case["schema"]], catalog).sql


def _golden_text(case: dict) -> str:
    sql = _compiled(case)
    parts = [f"-- request: {case['request']}"]
    parts += [f"-- {dialect}\n{transpile(sql, dialect)};" for dialect in DIALECTS]
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_dialect_matches_its_golden_file(case):
    path = GOLDEN / f"{case['name']}.sql"
    text = _golden_text(case)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text()


def test_the_cases_cover_both_catalogs_and_every_condition_kind():
    kinds = set()

    def walk(conditions):
        for condition in conditions:
            kinds.add(condition["kind"])
            walk(condition.get("conditions", []))
            if "condition" in condition:
                walk([condition["condition"]])

    for case in CASES:
        walk(case["spec"]["conditions"])
    assert {"attribute", "activity", "segment_ref"} <= kinds
    assert {c["schema"] for c in CASES} == {"retail", "tpcds"} and len(CASES) >= 25


@pytest.mark.parametrize("dialect", TARGETS)
def test_translations_read_back_and_keep_no_duckdb_only_idiom(dialect):
    for case in CASES:
        out = transpile(_compiled(case), dialect)
        tree = sqlglot.parse_one(out, read=dialect)  # the target's own parser reads it
        text = out.upper()
        assert "AGE(" not in text and "MATERIALIZED" not in text, case["name"]
        for diff in tree.find_all(exp.DateDiff):
            # Day differences count calendar days, as in DuckDB: both ends are dates.
            for end in (diff.this, diff.expression):
                assert _a_day(end), (case["name"], out)


def _a_day(node: exp.Expression) -> bool:
    """A date, as each target's parser reads one back (a cast, Spark's to-date, a day trunc)."""
    if isinstance(node, exp.DateTrunc | exp.TsOrDsToDate):
        return _a_day(node.this) or isinstance(node, exp.TsOrDsToDate)
    return isinstance(node, exp.Cast | exp.TryCast) and node.to.is_type("date")


def test_full_years_between_two_dates_is_exact_around_the_anniversary():
    import duckdb

    probe = (
        "SELECT CAST(date_part('year', age(DATE '2026-09-30', d)) AS INTEGER) AS n "
        "FROM (SELECT DATE '{d}' AS d)"
    )
    with duckdb.connect() as con:
        for born in ("1990-09-30", "1990-10-01", "1990-09-29", "2000-02-29", "1991-12-31"):
            native = con.execute(probe.format(d=born)).fetchone()[0]
            # The portable form, read back into DuckDB from the postgres translation.
            portable = transpile(probe.format(d=born), "postgres", pretty=False)
            again = sqlglot.transpile(portable, read="postgres", write="duckdb")[0]
            assert con.execute(again).fetchone()[0] == native, born


def test_an_unknown_dialect_is_named_with_the_choices():
    with pytest.raises(DialectError, match="spark, trino"):
        transpile("SELECT 1", "oracle")
