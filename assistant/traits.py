"""Per-customer traits: what the profile, the ideas and Kotler's figures need per customer,
computed once per data version and anchor instead of once per answer.

Two relations, both built from the catalog's roles (never from one dataset's names):
- `segment_traits`: one row per customer — 12-month purchases and spend, last purchase, 12-month
  revenue, reachability per contact channel, unsubscribed, and each built-in model's label;
- `segment_category_spend`: one row per customer and category bought in the 12-month window.

A segment's profile, reach, revenue share and model splits are then GROUP BYs over its members
joined to these (at 1M customers a scan of the order lines per answer cost 0.5-2.6 s).

On DuckDB the relations are tables of the executor's in-memory cache database (`register`),
kept as Parquet files beside the database (never in it: the data stays read-only), named by a
hash of the data file's version and the queries (which carry the catalog and the anchor). A
restart reads them back in a second or two; a missing or stale file is rebuilt, in the
background when `start` is called (the UI does at start-up). Spark gets session temp tables.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import roles
from assistant.config import user_cache_dir
from assistant.segmodels import assignment_sql

if TYPE_CHECKING:
    import pandas as pd

    from assistant.catalog import Catalog

TRAITS = "segment_traits"
CATEGORY_SPEND = "segment_category_spend"
FORMAT = "traits-v2"  # bump when the columns change: old files are then never read
KEEP_FILES = 6  # per database: older versions are removed when a new one is written
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraitColumns:
    """Which trait columns this catalog supports (a role it lacks leaves its columns out)."""

    purchases: bool = False  # purchases_12m, amount_12m, last_ts
    revenue: bool = False  # revenue_12m
    channels: tuple[str, ...] = ()  # reach_0 … (roles.contact order)
    unsubscribed: bool = False
    models: tuple[str, ...] = ()  # label_<model>
    categories: bool = False  # the CATEGORY_SPEND relation exists
    properties: tuple[str, ...] = ()  # prop_0 … (value_counts.default_properties order)

    def reach(self, channel: str) -> str:
        return f"reach_{self.channels.index(channel)}"

    def prop(self, name: str) -> str:
        return f"prop_{self.properties.index(name)}"

    def has_properties(self, names: list[str]) -> bool:
        return all(name in self.properties for name in names)


@dataclass
class Traits:
    """The built relations of one executor, catalog and anchor."""

    columns: TraitColumns
    name: str = TRAITS  # the relation's name: one per catalog and anchor on the same executor
    totals: dict[str, Any] = field(default_factory=dict)  # whole-base sums, computed once
    seconds: float = 0.0
    source: str = "built"  # built | file | view

    @property
    def relation(self) -> str:
        return self.name

    @property
    def categories(self) -> str | None:
        return self.name.replace(TRAITS, CATEGORY_SPEND) if self.columns.categories else None


# --- the queries ---------------------------------------------------------------------------------


def window_predicate(alias: str, as_of: date) -> str:
    from assistant.profile import twelve_month_window

    start, end = twelve_month_window(as_of)
    return f"{alias}.ts >= DATE '{start}' AND {alias}.ts < DATE '{end}' + 1"


def trait_columns(catalog: Catalog) -> TraitColumns:
    from assistant.ideas import SPLIT_MODELS
    from assistant.segmodels import available_models
    from assistant.value_counts import default_properties

    available = set(available_models(catalog))
    purchases = catalog.roles.purchases is not None
    return TraitColumns(
        purchases=purchases,
        revenue=roles.revenue_measure(catalog) is not None,
        channels=tuple(roles.channels(catalog)),
        unsubscribed=roles.unsubscribed_sql(catalog) is not None,
        models=tuple(m for m in SPLIT_MODELS if m in available),
        categories=roles.category_sql(catalog) is not None,
        properties=tuple(default_properties(catalog)),
    )


def traits_sql(catalog: Catalog, as_of: date, columns: TraitColumns) -> str:
    """SELECT one row per customer with every trait column this catalog supports."""
    entity, key = roles.entity_table(catalog), roles.entity_key(catalog)
    ctes, joins = [], []
    select = [f"{key} AS customer_id"]
    if columns.purchases:
        rows = roles.purchases_sql(catalog)
        count = roles.purchases_count_sql(catalog, "p")
        in_window = window_predicate("p", as_of)
        ctes.append(
            "per_customer AS (\n"
            f"    SELECT p.customer_id, {count} FILTER (WHERE {in_window}) AS n,\n"
            f"           sum(p.amount) FILTER (WHERE {in_window}) AS amount, max(p.ts) AS last_ts\n"
            f"    FROM ({rows}) AS p GROUP BY p.customer_id)"
        )
        joins.append(f"LEFT JOIN per_customer ON per_customer.customer_id = {key}")
        select += [
            "per_customer.n AS purchases_12m",
            "per_customer.amount AS amount_12m",
            "per_customer.last_ts AS last_ts",
        ]
    if columns.revenue:
        if roles.revenue_is_purchase_amount(catalog):
            select.append("coalesce(per_customer.amount, 0) AS revenue_12m")
        else:
            rows = roles.revenue_sql(catalog)
            ctes.append(
                "revenue AS (\n"
                f"    SELECT r.customer_id, sum(r.revenue) AS revenue FROM ({rows}) AS r\n"
                f"    WHERE {window_predicate('r', as_of)} GROUP BY r.customer_id)"
            )
            joins.append(f"LEFT JOIN revenue ON revenue.customer_id = {key}")
            select.append("coalesce(revenue.revenue, 0) AS revenue_12m")
    for channel in columns.channels:
        reach = roles.reachable_sql(catalog, channel, as_of)
        select.append(f"{reach} AS {columns.reach(channel)}")
    if columns.unsubscribed:
        unsub = roles.unsubscribed_sql(catalog)
        select.append(f"{key} IN (SELECT customer_id FROM ({unsub}) AS u) AS unsubscribed")
    for model in columns.models:
        alias = f"m_{model}"
        joins.append(
            f"LEFT JOIN ({assignment_sql(model, as_of, catalog)}) AS {alias} "
            f"ON {alias}.customer_id = {key}"
        )
        select.append(f"CAST({alias}.label AS VARCHAR) AS label_{model}")
    # Each property the splits, differentiators and breakdowns count, evaluated once (a derived
    # band's CASE per member cost the value counts a third of their time) and, read back from
    # the cache, held as codes: grouping on them is twice as fast as on text.
    for name in columns.properties:
        select.append(f"{roles.property_sql(catalog, name, as_of)} AS {columns.prop(name)}")
    with_clause = ("WITH " + ",\n".join(ctes) + "\n") if ctes else ""
    columns_sql = ",\n       ".join(select)
    return f"{with_clause}SELECT {columns_sql}\nFROM {entity}\n" + "\n".join(joins)


def category_spend_sql(catalog: Catalog, as_of: date) -> str | None:
    """SELECT customer_id, category, amount: each customer's spend per category in the window
    (on the lines when the category is a line's, so it is the category's own amount)."""
    rows = roles.category_sql(catalog)
    if rows is None:
        return None
    return (
        "SELECT c.customer_id, c.category, sum(c.amount) AS amount\n"
        f"FROM ({rows}) AS c\nWHERE {window_predicate('c', as_of)}\nGROUP BY 1, 2"
    )


# --- building and caching -----------------------------------------------------------------------


_LOCK = threading.Lock()
# Per executor (a turn's pinned executor shares its parent's): traits registered on it, by key.
_BUILT: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Traits]] = weakref.WeakKeyDictionary()
_BUILDING: dict[tuple[Any, ...], threading.Event] = {}
# Per catalog object (a copy with other roles is another object; its derived cache is shared).
_RENDERED: dict[tuple[int, date, bool], tuple[Any, tuple[Any, str, str | None]]] = {}


def _owner(executor: Any) -> Any:
    return getattr(executor, "_parent", None) or executor


def _key(executor: Any, sqls: list[str]) -> tuple[Any, ...]:
    path = Path(executor.db_path)
    try:
        stat = path.stat()
        version = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = (str(path), 0, 0)
    return (id(_owner(executor)), *version, *sqls)


def get(executor: Any, catalog: Catalog, as_of: date) -> Traits:
    """The traits of this executor's data, catalog and anchor: built (or read back) once."""
    columns, traits_query, spend_query = _queries(executor, catalog, as_of)
    owner = _owner(executor)
    key = _key(executor, [FORMAT, traits_query, spend_query or ""])
    while True:
        with _LOCK:
            found = _BUILT.get(owner, {}).get(key)
            if found is not None:
                return found
            pending = _BUILDING.get(key)
            if pending is None:
                pending = _BUILDING[key] = threading.Event()
                break
        pending.wait()  # another thread builds the same traits: take its result
    try:
        traits = _build(executor, columns, traits_query, spend_query, key)
        with _LOCK:
            _BUILT.setdefault(owner, {})[key] = traits
        return traits
    finally:
        with _LOCK:
            _BUILDING.pop(key, None)
        pending.set()


def _queries(executor: Any, catalog: Catalog, as_of: date) -> tuple[TraitColumns, str, str | None]:
    """The columns and both queries, rendered once per catalog, anchor and kind of engine (every
    answer asks for the traits several times; rendering the model queries took ~25 ms)."""
    frames = hasattr(executor, "register")

    def render(c: Catalog) -> tuple[TraitColumns, str, str | None]:
        columns = _engine_columns(executor, trait_columns(c))
        return columns, traits_sql(c, as_of, columns), category_spend_sql(c, as_of)

    key = (id(catalog), as_of, frames)
    with _LOCK:
        found = _RENDERED.get(key)
    if found is None or found[0] is not catalog:  # an id is reused only after its object died
        found = (catalog, render(catalog))
        with _LOCK:
            _RENDERED[key] = found
    return found[1]


def _engine_columns(executor: Any, columns: TraitColumns) -> TraitColumns:
    # Engines without in-memory frames (Spark) answer the segment, funnel and profile only: the
    # model labels, for ideas, would cost them minutes and are left out.
    return columns if hasattr(executor, "register") else replace(columns, models=())


def start(executor: Any, catalog: Catalog, as_of: date) -> threading.Thread:
    """Build the traits in a background thread (the first answer need not wait for it)."""

    def work() -> None:
        try:
            get(executor, catalog, as_of)
        except Exception:  # the next answer builds them itself and reports what fails
            log.exception("building the customer traits failed")

    thread = threading.Thread(target=work, name="segment-traits", daemon=True)
    thread.start()
    return thread


def ready(executor: Any, catalog: Catalog, as_of: date) -> bool:
    """Whether `get` would answer at once."""
    return if_ready(executor, catalog, as_of) is not None


def if_ready(executor: Any, catalog: Catalog, as_of: date) -> Traits | None:
    """The traits if they are built, else None (never starts a build)."""
    _, traits_query, spend_query = _queries(executor, catalog, as_of)
    sqls = [FORMAT, traits_query, spend_query or ""]
    with _LOCK:
        return _BUILT.get(_owner(executor), {}).get(_key(executor, sqls))


def _build(
    executor: Any,
    columns: TraitColumns,
    traits_query: str,
    spend_query: str | None,
    key: tuple[Any, ...],
) -> Traits:
    import time

    started = time.perf_counter()
    digest = hashlib.sha256(repr(key[1:]).encode()).hexdigest()[:20]
    name = f"{TRAITS}_{digest[:10]}"
    spend_name = name.replace(TRAITS, CATEGORY_SPEND)
    if not hasattr(executor, "register"):  # an engine without frames: session temp tables
        executor.query(f"CREATE OR REPLACE TEMP TABLE {name} AS {traits_query}")
        if spend_query:
            executor.query(f"CREATE OR REPLACE TEMP TABLE {spend_name} AS {spend_query}")
        traits = Traits(columns=columns, name=name, source="view")
    else:
        files = cache_files(Path(executor.db_path), digest)
        frames, source = _read(files, spend_query is not None), "file"
        if frames is None:
            frames, source = _compute(executor, traits_query, spend_query), "built"
            if _write(files, frames):
                frames = _read(files, spend_query is not None) or frames
        executor.register(name, frames[0])
        if spend_query:
            executor.register(spend_name, frames[1])
        traits = Traits(columns=columns, name=name, source=source)
        totals_file = files[0].with_name(f"{digest}-totals.json")
        traits.totals = _read_totals(totals_file) if source == "file" else None
        if traits.totals is None:
            traits.totals = _totals(executor, traits)
            _write_totals(totals_file, traits.totals)
    if not traits.totals:
        traits.totals = _totals(executor, traits)
    traits.seconds = round(time.perf_counter() - started, 3)
    log.info("customer traits %s in %.2f s", traits.source, traits.seconds)
    return traits


def _compute(executor: Any, traits_query: str, spend_query: str | None) -> list[pd.DataFrame]:
    frames = [executor.frame(f"{traits_query}\nORDER BY customer_id")]
    if spend_query:
        frames.append(executor.frame(spend_query))
    return frames


def _totals(executor: Any, traits: Traits) -> dict[str, Any]:
    """Whole-base figures every answer compares with: customers, revenue, each model's labels."""
    columns = traits.columns
    values = ["count(*) AS customers"]
    if columns.revenue:
        values.append("coalesce(sum(revenue_12m), 0) AS revenue_12m")
    row = executor.query(f"SELECT {', '.join(values)} FROM {traits.name}").rows[0]
    totals: dict[str, Any] = dict(zip(["customers", "revenue_12m"], row, strict=False))
    for model in columns.models:
        rows = executor.query(
            f"SELECT label_{model}, count(*) FROM {traits.name} GROUP BY 1", max_rows=10_000
        ).rows
        totals[f"labels_{model}"] = {label: int(n) for label, n in rows if label is not None}
    return totals


_WHOLE_BASE: dict[tuple[Any, ...], list[tuple]] = {}


def whole_base(executor: Any, sql: str) -> list[tuple]:
    """The rows of a query over the whole base (the same for every segment), run once per
    data version and query text."""
    key = _key(executor, [sql])[1:]  # any executor of the same data file may share them
    with _LOCK:
        found = _WHOLE_BASE.get(key)
    if found is None:
        found = executor.query(sql, max_rows=1_000_000).rows
        with _LOCK:
            _WHOLE_BASE[key] = found
    return found


# --- files beside the database ------------------------------------------------------------------


def cache_dir(db_path: Path) -> Path:
    """`.<database name>.traits/` beside the database; the user cache when that is not writable."""
    beside = db_path.resolve().parent / f".{db_path.name}.traits"
    try:
        beside.mkdir(exist_ok=True)
        if os.access(beside, os.W_OK):
            return beside
    except OSError:
        pass
    fallback = user_cache_dir(
        "traits", hashlib.sha256(str(db_path.resolve()).encode()).hexdigest()[:12]
    )
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def cache_files(db_path: Path, digest: str) -> list[Path]:
    folder = cache_dir(db_path)
    return [folder / f"{digest}-{TRAITS}.parquet", folder / f"{digest}-{CATEGORY_SPEND}.parquet"]


def _local() -> Any:
    # A private in-memory DuckDB reads and writes the cache files: the executor's sandbox has no
    # file access, and pyarrow is not a dependency.
    import duckdb

    return duckdb.connect(":memory:", config={"threads": 2})


def _read(files: list[Path], with_spend: bool) -> list[pd.DataFrame] | None:
    wanted = files if with_spend else files[:1]
    if not all(f.is_file() for f in wanted):
        return None
    try:
        with _local() as con:
            return [_as_frame(con, f"read_parquet('{_quoted(f)}')") for f in wanted]
    except Exception:  # a damaged or half-written file is rebuilt, never trusted
        log.warning("customer traits cache %s unreadable; rebuilding", wanted[0].parent)
        return None


def _as_frame(con: Any, relation: str) -> pd.DataFrame:
    """The relation as a frame whose text columns are categoricals: a million Python strings per
    label column took ~3 s to read back; DuckDB hands an ENUM over as codes."""
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    columns = []
    for name, kind, *_ in described:
        quoted = '"' + name.replace('"', '""') + '"'
        if kind == "VARCHAR":
            found = con.execute(f"SELECT DISTINCT {quoted} FROM {relation}").fetchall()
            values = sorted(str(v) for (v,) in found if v is not None)  # a stable order
            members = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
            if members:
                columns.append(f"CAST({quoted} AS ENUM({members})) AS {quoted}")
                continue
        columns.append(quoted)
    return con.execute(f"SELECT {', '.join(columns)} FROM {relation}").df()


def _write(files: list[Path], frames: list[pd.DataFrame]) -> bool:
    try:
        with _local() as con:
            for path, frame in zip(files, frames, strict=False):
                partial = path.with_suffix(".partial")
                con.register("frame", frame)
                con.execute(f"COPY frame TO '{_quoted(partial)}' (FORMAT parquet)")
                con.unregister("frame")
                partial.replace(path)  # readers see a whole file or none
        _prune(files[0].parent)
        return True
    except Exception:  # no cache file costs the next start a rebuild, nothing more
        log.warning("could not write the customer traits cache in %s", files[0].parent)
        return False


def _read_totals(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_totals(path: Path, totals: dict[str, Any]) -> None:
    try:
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(totals, default=float))
        partial.replace(path)
    except OSError:
        log.warning("could not write %s", path)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _prune(folder: Path) -> None:
    files = sorted(folder.glob(f"*-{TRAITS}.parquet"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP_FILES]:
        digest = old.name.split("-", 1)[0]
        for path in folder.glob(f"{digest}-*"):
            path.unlink(missing_ok=True)


# --- one pass over a segment's members ----------------------------------------------------------


def per_executor(executor: Any, key: tuple[Any, ...], build: Any) -> Any:
    """`build()` once per executor and key. An answer's pinned executor lives for one turn, so
    what its temp tables hold cannot change under the memo; on a shared executor a query reads
    only the read-only data, so its text decides its result."""
    memo = executor.__dict__.setdefault("_per_executor", {})
    with _LOCK:
        if key in memo:
            return memo[key]
    found = build()
    with _LOCK:
        memo[key] = found
    return found


def member_summary(executor: Any, members_sql: str, built: Traits) -> dict[str, Any]:
    """Reach per channel, unsubscribed, 12-month revenue, size and each model's label counts of
    the members, from one GROUPING SETS query over the traits, once per executor and members
    query (reach, revenue share and the model splits each joined the traits on their own)."""

    def build() -> dict[str, Any]:
        values, labels, sql = _summary_sql(members_sql, built)
        rows = executor.query(sql, max_rows=100_000).rows
        return _parse_summary(rows, values, labels, built.columns.models)

    return per_executor(executor, ("member_summary", members_sql, built.name), build)


def _summary_sql(members_sql: str, built: Traits) -> tuple[list[str], list[str], str]:
    columns = built.columns
    reach = [columns.reach(channel) for channel in columns.channels]
    values = {"customers": "count(*)"}
    values |= {r: f"count(*) FILTER (WHERE t.{r})" for r in reach}
    if reach:
        values["any_channel"] = f"count(*) FILTER (WHERE {' OR '.join(f't.{r}' for r in reach)})"
    if columns.unsubscribed:
        values["unsubscribed"] = "count(*) FILTER (WHERE t.unsubscribed)"
    if columns.revenue:
        values["revenue_12m"] = "coalesce(sum(t.revenue_12m), 0)"
    labels = [f"t.label_{model}" for model in columns.models]
    selects = [*labels, *values.values(), *(f"GROUPING({label})" for label in labels)]
    sets = ", ".join([*(f"({label})" for label in labels), "()"])
    sql = (
        f"WITH members AS (SELECT DISTINCT customer_id FROM ({members_sql}) AS q)\n"
        f"SELECT {', '.join(selects)}\n"
        f"FROM {built.name} AS t JOIN members USING (customer_id)\n"
        f"GROUP BY GROUPING SETS ({sets})"
    )
    return list(values), labels, sql


def _parse_summary(
    rows: list[tuple], names: list[str], labels: list[str], models: tuple[str, ...]
) -> dict[str, Any]:
    width = len(labels)
    found: dict[str, Any] = {name: 0 for name in names} | {f"labels_{m}": {} for m in models}
    for row in rows:
        figures = dict(zip(names, row[width : width + len(names)], strict=True))
        flags = row[width + len(names) :]
        if all(flags):  # the () set: the whole segment
            found |= {k: (float(v) if k == "revenue_12m" else int(v)) for k, v in figures.items()}
            continue
        grouped = next(i for i, flag in enumerate(flags) if flag == 0)
        if row[grouped] is not None:
            found[f"labels_{models[grouped]}"][str(row[grouped])] = int(figures["customers"])
    return found
