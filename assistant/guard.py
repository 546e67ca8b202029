"""The SQL guard: only a single read-only SELECT over the known tables and allow-listed functions.

The guard is the first line of defence (the sandboxed executor is the second). Everything here is
an allow-list: a statement type, table or function that is not explicitly known to be harmless is
rejected with a reason a marketer or analyst can act on.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema
from sqlglot.tokens import Token, TokenType

DIALECT = "duckdb"
MAX_SQL_CHARS = 100_000
MAX_NESTING = 60  # brackets deep; real segment queries stay far below this

Schema = Mapping[str, Mapping[str, str]]


class GuardError(Exception):
    """A query the guard will not run; `reason` is meant for the person who asked for it."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class GuardedSQL:
    sql: str
    tables: frozenset[str]
    output_columns: list[str] = field(default_factory=list)


# --- allow-lists ---------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


# sqlglot expression classes, grouped: aggregates, date/time, text, math, window, conditionals.
_ALLOWED_FUNCTION_CLASSES: list[str] = _words(
    """
    AnyValue ApproxDistinct ArgMax ArgMin ArrayAgg Avg Count CountIf
    First GroupConcat Last LogicalAnd LogicalOr Max Median Min Mode
    PercentileCont PercentileDisc Quantile ApproxQuantile Stddev StddevPop
    StddevSamp Sum Variance VariancePop Corr CovarPop CovarSamp
    CurrentDate CurrentTimestamp Date DateAdd DateDiff DateFromParts DateSub
    DateTrunc Day DayOfMonth DayOfWeek DayOfWeekIso DayOfYear Extract
    LastDay Month Quarter StrToDate StrToTime TimeToStr TimeToUnix
    TimestampAdd TimestampDiff TimestampFromParts TimestampSub TimestampTrunc
    ToDays UnixToTime Week WeekOfYear Year TsOrDsAdd TsOrDsDiff
    TsOrDsToDate DateStrToDate TimeStrToTime
    Concat ConcatWs Contains EndsWith Initcap Left Length Lower Pad
    RegexpExtract RegexpLike RegexpReplace Replace Reverse Right Split
    SplitPart StartsWith StrPosition Substring Trim Upper Repeat
    Abs Cbrt Ceil Exp Floor Greatest IsNan Least Ln Log Pi Pow
    Round Sign Sqrt Trunc SafeDivide
    CumeDist DenseRank FirstValue Lag LastValue Lead NthValue Ntile
    PercentRank Rank RowNumber
    Array ArrayContains ArraySize Case Cast Coalesce Exists If Nullif
    Struct TryCast Typeof ToChar And Or Xor
    Hour Minute Second Dayname Monthname RegexpFullMatch RegexpILike
    CurrentTime Localtimestamp Grouping Time Timestamp MonthsBetween
"""
)
ALLOWED_FUNCTION_TYPES: frozenset[type[exp.Expression]] = frozenset(
    getattr(exp, name) for name in _ALLOWED_FUNCTION_CLASSES if hasattr(exp, name)
)

# Functions sqlglot does not model (exp.Anonymous), by their DuckDB name.
ALLOWED_ANONYMOUS: frozenset[str] = frozenset(
    _words(
        """
    age date_part datepart date_sub now today dayname monthname yearweek isodow isoyear hour
    minute second epoch epoch_ms make_time to_timestamp time_bucket datetrunc prefix suffix iff
    ifnull nvl strlen lcase ucase ltrim rtrim lpad rpad instr position regexp_full_match len
    format printf log10 log2 mod even ceiling power bit_count hash list_contains array_contains
    list_value list_has quantile_disc quantile_cont reservoir_quantile fsum kurtosis skewness
    entropy histogram bool_and bool_or geomean product favg sumkahan last max_by min_by
    arg_max_null arg_min_null count_star list
"""
    )
)

# Names that read files, the network or the environment: reported as such, not as "unknown".
_FILE_FUNCTION_PREFIXES = ("read_", "parquet_", "sniff_", "iceberg_", "delta_", "glob", "st_read")
_FILE_FUNCTION_NAMES = frozenset(
    _words(
        """
    getenv current_setting read_text read_blob query query_table load copy_database http_get
    http_post csv_scan json_scan
"""
    )
)
_FILE_FUNCTION_TYPES: frozenset[type[exp.Expression]] = frozenset(
    getattr(exp, name) for name in ("ReadCSV", "ReadParquet") if hasattr(exp, name)
)
_OPENERS = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE})
_CLOSERS = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END})
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog"})

# Statement nodes that must not appear anywhere in the tree (e.g. inside a CTE).
_WRITE_NODE_NAMES = _words(
    """
    Insert Update Delete Create Drop Alter Merge TruncateTable Copy Attach Detach Install Into
    Grant Revoke LoadData Cache Uncache Refresh Analyze Export Kill
"""
)
_COMMAND_NODE_NAMES = _words(
    """
    Command Set Pragma Use Transaction Commit Rollback Describe Show Summarize
"""
)
_WRITE_NODES = tuple(getattr(exp, n) for n in _WRITE_NODE_NAMES if hasattr(exp, n))
_COMMAND_NODES = tuple(getattr(exp, n) for n in _COMMAND_NODE_NAMES if hasattr(exp, n))
_WRITE_KEYWORDS = frozenset(
    _words(
        """
    INSERT UPDATE DELETE CREATE DROP ALTER MERGE TRUNCATE COPY ATTACH DETACH INSTALL LOAD
    EXPORT IMPORT GRANT REVOKE REPLACE UPSERT CHECKPOINT VACUUM FORCE
"""
    )
)


# --- entry point ---------------------------------------------------------------------------------


def check_sql(
    sql: str,
    schema: Schema,
    *,
    require_customer_id: bool = True,
    binder: Callable[[str], None] | None = None,
) -> GuardedSQL:
    """Validate one read-only query against `schema`; return it normalised or raise GuardError."""
    _check_size(sql)
    try:
        tree = _parse_single_select(sql)
        _reject_write_and_command_nodes(tree)
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        tables = _check_tables(tree, schema, ctes)
        _check_functions(tree)
        output_columns = _check_columns(tree, schema, tables)
        normalised = tree.sql(dialect=DIALECT, pretty=True)
    except RecursionError as err:
        raise _too_large() from err
    if require_customer_id and "customer_id" not in (c.lower() for c in output_columns):
        raise GuardError(
            "no_customer_id",
            "A segment query must return a customer_id column so the customers can be counted "
            f"and exported; this query returns {_quoted_list(output_columns) or 'no columns'}.",
        )
    if binder is not None:
        _bind(binder, normalised)
    return GuardedSQL(sql=normalised, tables=frozenset(tables), output_columns=output_columns)


# --- size and parsing ----------------------------------------------------------------------------


def _too_large() -> GuardError:
    return GuardError(
        "too_large",
        "The query is too large or too deeply nested to check safely; please simplify it.",
    )


def _check_size(sql: str) -> None:
    if len(sql) > MAX_SQL_CHARS:
        raise _too_large()


def _check_nesting(tokens: list[Token]) -> None:
    """Reject absurd nesting from the flat token list, before the recursive parser sees it."""
    depth = 0
    for token in tokens:
        if token.token_type in _OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                raise _too_large()
        elif token.token_type in _CLOSERS:
            depth -= 1


def _tokens(sql: str) -> list[Token]:
    try:
        return sqlglot.Dialect.get_or_raise(DIALECT).tokenize(sql)
    except SqlglotError as err:
        raise GuardError("parse", f"The SQL could not be read: {_first_line(err)}") from err


def _statement_keyword(tokens: list[Token]) -> str:
    """The statement's leading keyword as written (e.g. 'DELETE'), for messages."""
    for token in tokens:
        if token.token_type not in (TokenType.L_PAREN, TokenType.SEMICOLON):
            return token.text.upper()
    return ""


def _split_statements(tokens: list[Token]) -> int:
    """How many non-empty statements the tokens hold (comments are not tokens)."""
    count, current = 0, 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            count += current > 0
            current = 0
        else:
            current += 1
    return count + (current > 0)


def _not_read_only(keyword: str) -> GuardError:
    article = "an" if keyword[:1] in ("A", "E", "I", "O", "U") else "a"
    what = f"this is {article} {keyword} statement" if keyword else "this is not a query"
    return GuardError("not_read_only", f"Only read-only SELECT queries can be run; {what}.")


def _parse_single_select(sql: str) -> exp.Expression:
    tokens = _tokens(sql)
    _check_nesting(tokens)
    statements = _split_statements(tokens)
    if statements == 0:
        raise GuardError("parse", "The query is empty.")
    if statements > 1:
        raise GuardError(
            "multiple_statements",
            f"Only one query can be run at a time; this text contains {statements} statements.",
        )
    keyword = _statement_keyword(tokens)
    if keyword in _WRITE_KEYWORDS:
        raise _not_read_only(keyword)
    try:
        parsed = sqlglot.parse(sql, read=DIALECT)
    except SqlglotError as err:
        raise GuardError("parse", f"The SQL could not be read: {_first_line(err)}") from err
    # A trailing ";" or comment comes back as an empty or Semicolon "statement".
    trees = [t for t in parsed if t is not None and not isinstance(t, exp.Semicolon)]
    if len(trees) != 1:
        raise GuardError("multiple_statements", "Only one query can be run at a time.")
    tree = trees[0]
    while isinstance(tree, exp.Subquery):  # "(SELECT ...)" is still just a SELECT
        tree = tree.this
    if isinstance(tree, exp.Command):
        raise GuardError(
            "command",
            f"Only read-only SELECT queries can be run; {keyword or 'this'} is a database "
            "command, not a query.",
        )
    if isinstance(tree, _COMMAND_NODES):
        raise GuardError(
            "command",
            f"Only read-only SELECT queries can be run; {keyword} changes or inspects the "
            "database session instead of reading data.",
        )
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise _not_read_only(keyword)
    return tree


def _reject_write_and_command_nodes(tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, _WRITE_NODES):
            what = "SELECT ... INTO" if isinstance(node, exp.Into) else node.key.upper()
            raise GuardError(
                "not_read_only",
                f"Only read-only SELECT queries can be run; this one contains a {what} part "
                "that would change data.",
            )
        if isinstance(node, _COMMAND_NODES):
            raise GuardError(
                "command",
                "Only read-only SELECT queries can be run; this one contains a database command.",
            )


# --- tables --------------------------------------------------------------------------------------


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or "://" in name or bool(re.search(r"\.\w{2,8}$", name))


def _check_tables(tree: exp.Expression, schema: Schema, ctes: set[str]) -> set[str]:
    known = {name.lower() for name in schema}
    used: set[str] = set()
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func):
            continue  # table functions are reported by _check_functions
        name = table.name
        if table.catalog or table.db:
            raise _qualified_table(table)
        if name.lower() in ctes:
            continue
        if name.lower() not in known:
            if _looks_like_path(name):
                raise GuardError(
                    "file_access",
                    f"Queries may only read the retail database, not files or URLs ('{name}').",
                )
            raise GuardError(
                "unknown_table",
                f"There is no table called '{name}'.{_suggest(name, known)} "
                f"Available tables: {', '.join(sorted(known))}.",
            )
        used.add(name.lower())
    return used


def _qualified_table(table: exp.Table) -> GuardError:
    full = ".".join(part for part in (table.catalog, table.db, table.name) if part)
    if {table.catalog.lower(), table.db.lower()} & _SYSTEM_SCHEMAS:
        detail = "system catalogs cannot be queried"
    else:
        detail = "tables must be named without a database or schema prefix"
    return GuardError(
        "unknown_table",
        f"Only the tables of the retail database can be used; '{full}' is not one of them "
        f"({detail}).",
    )


# --- functions -----------------------------------------------------------------------------------


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower()


def _is_file_function(node: exp.Func, name: str) -> bool:
    return (
        type(node) in _FILE_FUNCTION_TYPES
        or name in _FILE_FUNCTION_NAMES
        or name.startswith(_FILE_FUNCTION_PREFIXES)
    )


def _in_from_position(node: exp.Expression) -> bool:
    parent = node.parent
    if isinstance(parent, exp.Table):
        return True
    return isinstance(parent, exp.From | exp.Join | exp.Lateral) and parent.this is node


def _is_allowed(node: exp.Func) -> bool:
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ALLOWED_ANONYMOUS
    return type(node) in ALLOWED_FUNCTION_TYPES


def _check_functions(tree: exp.Expression) -> None:
    for node in tree.find_all(exp.Func):
        name = _function_name(node)
        if _is_file_function(node, name):
            raise GuardError(
                "file_access",
                f"Queries may only read the retail database; {name}() reads files, the network "
                "or the server's settings.",
            )
        if _in_from_position(node):
            raise GuardError(
                "table_function",
                f"Only the retail database's tables can appear after FROM or JOIN; {name}() is "
                "a table function.",
            )
        if not _is_allowed(node):
            raise GuardError(
                "function_not_allowed",
                f"The function {name}() is not allowed; only common aggregate, date, text, "
                "math, window and conditional functions can be used.",
            )


# --- columns -------------------------------------------------------------------------------------

_COLUMN_IN_MESSAGE = re.compile(r"(?:Column '([^']+)'|Unknown column: ?\"?([\w$]+))")


def _check_columns(tree: exp.Expression, schema: Schema, tables: set[str]) -> list[str]:
    plain_schema = {
        t.lower(): {c.lower(): typ for c, typ in cols.items()} for t, cols in schema.items()
    }
    frozen = tuple((t, tuple(cols.items())) for t, cols in sorted(plain_schema.items()))
    try:
        qualified = qualify(
            tree.copy(),
            schema=_mapping_schema(frozen),
            dialect=DIALECT,
            validate_qualify_columns=True,
        )
    except OptimizeError as err:
        raise _column_error(str(err), plain_schema, tables) from err
    except SqlglotError as err:
        raise GuardError("parse", f"The query's columns could not be checked: {err}") from err
    if isinstance(qualified, exp.Query):
        return list(qualified.named_selects)
    return []


@functools.lru_cache(maxsize=8)
def _mapping_schema(frozen: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> MappingSchema:
    # Normalising a schema for sqlglot took ~8 ms of every request's guard; it is read-only.
    return MappingSchema({t: dict(cols) for t, cols in frozen}, dialect=DIALECT)


def _column_error(message: str, schema: Schema, tables: set[str]) -> GuardError:
    match = _COLUMN_IN_MESSAGE.search(message)
    if match is None:
        return GuardError("unknown_column", f"A column in the query could not be found: {message}")
    column = (match.group(1) or match.group(2)).lower()
    holders = sorted(t for t in tables if column in schema.get(t, {}))
    if len(holders) > 1:
        return GuardError(
            "ambiguous_column",
            f"The column '{column}' exists in more than one table ({', '.join(holders)}); "
            f"say which one, e.g. {holders[0]}.{column} or use a table alias.",
        )
    candidates = _columns_of(schema, tables or set(schema))
    return GuardError(
        "unknown_column",
        f"There is no column called '{column}' in {_table_phrase(tables)}."
        f"{_suggest(column, candidates)}",
    )


def _columns_of(schema: Schema, tables: Iterable[str]) -> set[str]:
    return {c for t in tables for c in schema.get(t, {})}


def _table_phrase(tables: set[str]) -> str:
    if not tables:
        return "the database"
    names = sorted(tables)
    return f"table {names[0]}" if len(names) == 1 else f"tables {', '.join(names)}"


# --- binding and messages ------------------------------------------------------------------------


def _bind(binder: Callable[[str], None], sql: str) -> None:
    try:
        binder(sql)
    except Exception as err:  # any engine complaint becomes a guard rejection with its message
        detail = getattr(err, "reason", None) or str(err)
        raise GuardError(
            "binder", f"The database could not run this query: {_first_line(detail)}"
        ) from err


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name.lower(), sorted(candidates), n=3, cutoff=0.6)
    return f" Did you mean {_quoted_list(close, joiner=' or ')}?" if close else ""


def _quoted_list(items: Iterable[str], joiner: str = ", ") -> str:
    return joiner.join(f"'{item}'" for item in items)


def _first_line(err: object) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
