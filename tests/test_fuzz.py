"""Property tests: arbitrary input never crashes the guard or the rules parser, and the guard never
accepts anything but a single read-only query.

Examples are bounded so the suite stays fast; deadlines are off because the CI machine is noisy
(a slow example is not a wrong one).
"""

from __future__ import annotations

from datetime import date

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from assistant.backends.base import Interpretation, Turn
from assistant.backends.rules import RulesBackend
from assistant.catalog import load_catalog
from assistant.guard import GuardError, check_sql
from assistant.rules.lexicon import lexicon_for
from assistant.rules.parser import ParseResult, RequestParser
from assistant.spec import SegmentSpec

AS_OF = date(2026, 9, 30)
SCHEMA = load_catalog().schema()
CATALOG = load_catalog()
LEXICON = lexicon_for(CATALOG)
BACKEND = RulesBackend(CATALOG, LEXICON)
FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# --- text generators -----------------------------------------------------------------------------

SQL_WORDS = [
    "SELECT", "FROM", "WHERE", "customer_id", "customers", "transactions", "c", "t", "AND", "OR",
    "NOT", "(", ")", ",", ";", "*", "=", "'", '"', "--", "/*", "*/", "1", "JOIN", "ON", "GROUP BY",
    "HAVING", "count(*)", "WITH", "AS", "UNION", "LIMIT", "ORDER BY", "CASE", "WHEN", "END",
    "read_csv('/etc/passwd')", "'/etc/passwd'", "DROP", "DELETE", "INSERT", "ATTACH", "COPY",
    "PRAGMA", "SET", "INTO", "TABLE", "\n", "$1", "?", "::", "[", "]", "{", "}", "e'\\x00'",
]  # fmt: skip
REQUEST_WORDS = [
    "women", "men", "in", "Texas", "California", "who", "bought", "outdoor", "gear", "last",
    "month", "no", "not", "more", "than", "$500", "3", "three", "transactions", "between", "and",
    "or", "aged", "25-34", "champions", "top", "10%", "lapsed", "opened", "an", "email", "since",
    "March", "2025", "days", "weeks", "this", "year", "drop", "the", "only", "instead", "of",
    "start", "over", "what", "about", "'", ";", "--", "(", ")", "%", "-", "..", "\u00e9", "\u2014",
]  # fmt: skip

sql_like = st.lists(st.sampled_from(SQL_WORDS), max_size=30).map(" ".join)
request_like = st.lists(st.sampled_from(REQUEST_WORDS), max_size=25).map(" ".join)
any_text = st.text(max_size=300)


# --- nothing crashes -----------------------------------------------------------------------------


@FAST
@given(st.one_of(any_text, sql_like))
def test_the_guard_returns_or_refuses_for_any_text(text):
    try:
        guarded = check_sql(text, SCHEMA)
    except GuardError as err:
        assert err.kind and err.reason
        return
    assert_single_read_only_query(guarded.sql)


@FAST
@given(st.one_of(any_text, request_like))
def test_the_rules_parser_returns_for_any_text(text):
    result = RequestParser(CATALOG, LEXICON, AS_OF).parse(text)
    assert isinstance(result, ParseResult)


@FAST
@given(st.one_of(any_text, request_like), st.booleans())
def test_the_rules_backend_interprets_any_text(text, refining):
    current = SegmentSpec.model_validate(
        {"conditions": [{"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}]}
    )
    turn = Turn(request=text, as_of=AS_OF, current=current if refining else None)
    result = BACKEND.interpret(turn)
    assert isinstance(result, Interpretation)
    answers = [result.spec is not None, result.clarification is not None, bool(result.refusal)]
    assert sum(answers) <= 1
    assert any(answers) or result.reset


# --- the guard accepts only single read-only queries ---------------------------------------------

TABLES = st.sampled_from(["customers", "transactions", "products", "x", '"customers"'])
PATHS = st.sampled_from(["'/tmp/x.csv'", "'/etc/passwd'", "'s3://b/k.parquet'", "'out.duckdb'"])
NAMES = st.sampled_from(["enable_external_access", "memory_limit", "threads", "lock_configuration"])

STATEMENTS = st.one_of(
    st.builds("DROP TABLE {}".format, TABLES),
    st.builds("DROP VIEW IF EXISTS {}".format, TABLES),
    st.builds("CREATE TABLE {} AS SELECT 1 AS customer_id".format, TABLES),
    st.builds("CREATE OR REPLACE TEMP VIEW v AS SELECT * FROM {}".format, TABLES),
    st.builds("CREATE MACRO m(a) AS a + 1".format),
    st.builds("ALTER TABLE {} ADD COLUMN z INTEGER".format, TABLES),
    st.builds("INSERT INTO {} VALUES (1)".format, TABLES),
    st.builds("INSERT INTO {} SELECT * FROM customers".format, TABLES),
    st.builds("UPDATE {} SET customer_id = 0".format, TABLES),
    st.builds("DELETE FROM {}".format, TABLES),
    st.builds("TRUNCATE {}".format, TABLES),
    st.builds("COPY {} TO {}".format, TABLES, PATHS),
    st.builds("COPY (SELECT customer_id FROM {}) TO {}".format, TABLES, PATHS),
    st.builds("COPY {} FROM {}".format, TABLES, PATHS),
    st.builds("EXPORT DATABASE {}".format, PATHS),
    st.builds("IMPORT DATABASE {}".format, PATHS),
    st.builds("ATTACH {} AS other".format, PATHS),
    st.builds("ATTACH {} (READ_ONLY)".format, PATHS),
    st.builds("DETACH other".format),
    st.builds("INSTALL {}".format, st.sampled_from(["httpfs", "spatial", "'/tmp/e.ext'"])),
    st.builds("LOAD {}".format, st.sampled_from(["httpfs", "'/tmp/e.duckdb_extension'"])),
    st.builds("SET {} = true".format, NAMES),
    st.builds("SET GLOBAL {} = 1".format, NAMES),
    st.builds("RESET {}".format, NAMES),
    st.builds("PRAGMA {}".format, st.sampled_from(["database_list", "show_tables", "version"])),
    st.builds("PRAGMA {}=1".format, NAMES),
    st.builds("CALL {}".format, st.sampled_from(["pragma_version()", "dbgen(sf=1)"])),
    st.builds("CHECKPOINT".format),
    st.builds("VACUUM".format),
    st.builds("BEGIN TRANSACTION".format),
    st.builds("USE other".format),
    st.builds("SELECT customer_id INTO stolen FROM {}".format, TABLES),
    st.builds(
        "WITH d AS (DELETE FROM {} RETURNING customer_id) SELECT customer_id FROM d".format, TABLES
    ),
)
SELECT = "SELECT customer_id FROM customers"
COMMENTS = st.sampled_from(["", " -- note\n", " /* c */", "\n-- ;\n", " /* ; */", " ;", ";;"])


@st.composite
def hostile_scripts(draw: st.DrawFn) -> str:
    """A forbidden statement alone, after or before a real query, wrapped in comments."""
    statement = draw(STATEMENTS)
    before, after = draw(COMMENTS), draw(COMMENTS)
    shape = draw(st.sampled_from(["alone", "after", "before", "parenthesised"]))
    if shape == "after":
        return f"{SELECT}{before}; {statement}{after}"
    if shape == "before":
        return f"{before}{statement};{after} {SELECT}"
    if shape == "parenthesised":
        return f"({statement}){after}"
    return f"{before}{statement}{after}"


@settings(max_examples=250, deadline=None, derandomize=True)
@given(hostile_scripts())
def test_the_guard_rejects_every_statement_that_is_not_a_single_query(script):
    try:
        guarded = check_sql(script, SCHEMA, require_customer_id=False)
    except GuardError as err:
        assert err.reason
        return
    raise AssertionError(f"the guard accepted {script!r} as {guarded.sql!r}")


@FAST
@given(st.text(max_size=80), STATEMENTS)
def test_a_comment_cannot_smuggle_a_statement_out_of_the_normalised_sql(comment, statement):
    # The guard re-renders SQL (line comments become /* */): a "*/" inside must stay inside.
    script = f"SELECT customer_id FROM customers -- {comment} */ ; {statement}\n"
    try:
        guarded = check_sql(script, SCHEMA)
    except GuardError:
        return
    assert_single_read_only_query(guarded.sql)


def assert_single_read_only_query(sql: str) -> None:
    trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    assert len(trees) == 1
    tree = trees[0]
    assert isinstance(tree, exp.Select | exp.SetOperation | exp.Subquery)
    forbidden = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Command, exp.Into)
    assert not any(isinstance(node, forbidden) for node in tree.walk())
