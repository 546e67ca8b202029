"""The segment's SQL for the warehouses marketers use, from the one DuckDB query the compiler and
the guard produce.

sqlglot does the translation; a few DuckDB idioms mean something else once translated word for
word, so the query is first rewritten into forms every target reads the same way:

- `date_diff('day', a, b)` counts calendar-day boundaries in DuckDB; Spark's DATEDIFF(DAY, …) on
  timestamps counts whole 24-hour periods. Both arguments are cast to DATE first.
- `WITH x AS MATERIALIZED (…)` is a planner hint: the hint is dropped.
- `date_part('year', age(b, a))` (full years between two dates, e.g. an age) has no `age()` in
  most targets: it becomes year(b) - year(a), minus one before the anniversary.

DuckDB's TIMESTAMP has no time zone: sqlglot writes it as TIMESTAMP_NTZ (Spark), DATETIME
(BigQuery) and TIMESTAMP elsewhere, which a DATE column is compared with as of midnight, as in
DuckDB.

The guard checks the DuckDB query before this runs, so every dialect gets a query that was
validated once, in its source dialect.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

SOURCE = "duckdb"
DIALECTS = ("duckdb", "spark", "trino", "snowflake", "bigquery", "postgres")


class DialectError(ValueError):
    """A dialect the assistant does not write, or SQL sqlglot cannot translate."""


def check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise DialectError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")


def transpile(sql: str, dialect: str, *, pretty: bool = True) -> str:
    """`sql` (DuckDB) as `dialect` writes it."""
    check_dialect(dialect)
    try:
        tree = sqlglot.parse_one(sql, read=SOURCE)
    except sqlglot.errors.ParseError as err:
        raise DialectError(f"the query could not be read: {err}") from err
    if dialect == SOURCE:
        return tree.sql(dialect=SOURCE, pretty=pretty)
    portable = tree.transform(_full_years).transform(_day_diff_on_dates).transform(_plain_cte)
    return portable.sql(dialect=dialect, pretty=pretty)


def _plain_cte(node: exp.Expression) -> exp.Expression:
    # `AS MATERIALIZED` is a DuckDB/PostgreSQL planner hint, not part of what the query means.
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


def _day_diff_on_dates(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateDiff) and _unit(node) == "DAY":
        node.set("this", _as_date(node.this))
        node.set("expression", _as_date(node.expression))
    return node


def _as_date(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DATE):
        return node
    return exp.Cast(this=node, to=exp.DataType.build("DATE"))


def _unit(node: exp.DateDiff) -> str:
    unit = node.args.get("unit")
    return unit.name.upper() if unit is not None else "DAY"


def _full_years(node: exp.Expression) -> exp.Expression:
    """date_part('year', age(later, earlier)) -> full years from `earlier` to `later`."""
    if not isinstance(node, exp.Extract | exp.Anonymous):
        return node
    unit, inner = _date_part_args(node)
    if unit != "YEAR" or not (isinstance(inner, exp.Anonymous) and inner.name.lower() == "age"):
        return node
    if len(inner.expressions) != 2:
        return node
    later, earlier = (_as_date(e.copy()) for e in inner.expressions)
    before_anniversary = exp.or_(
        exp.LT(this=exp.Month(this=later.copy()), expression=exp.Month(this=earlier.copy())),
        exp.and_(
            exp.EQ(this=exp.Month(this=later.copy()), expression=exp.Month(this=earlier.copy())),
            exp.LT(this=exp.Day(this=later.copy()), expression=exp.Day(this=earlier.copy())),
        ),
    )
    years = exp.Sub(this=exp.Year(this=later), expression=exp.Year(this=earlier))
    penalty = exp.Case(ifs=[exp.If(this=before_anniversary, true=exp.Literal.number(1))]).else_(
        exp.Literal.number(0)
    )
    return exp.Paren(this=exp.Sub(this=years, expression=penalty))


def _is_date_part(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == "date_part"


def _date_part_args(node: exp.Expression) -> tuple[str | None, exp.Expression | None]:
    if isinstance(node, exp.Extract):
        return node.this.name.upper(), node.expression
    if _is_date_part(node) and len(node.expressions) == 2:
        return node.expressions[0].name.upper(), node.expressions[1]
    return None, None
