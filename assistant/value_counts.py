"""How many of a segment's members hold each value of each customer property.

The ideas' splits and Kotler's differentiators both compare a segment's value counts with the
base's. Both are served by one GROUPING SETS query over every property either may ask for, run
once per set of members (per answer, its members table) and, for the whole base, once per data
version: at 1M customers the two separate queries cost 0.1-0.2 s each per answer.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from assistant import roles, traits

if TYPE_CHECKING:
    from assistant.catalog import Catalog
    from assistant.executor import Executor

Counts = dict[str, list[tuple[Any, int]]]  # property -> [(value, members)], most common first


def default_properties(catalog: Catalog) -> list[str]:
    """Every property a split or a differentiator may use: geography levels, then traits."""
    found = [*catalog.roles.geography, *roles.trait_properties(catalog)]
    return list(dict.fromkeys(found))


def value_counts(
    executor: Executor,
    members_sql: str | None,
    properties: list[str],
    as_of: date,
    catalog: Catalog,
) -> Counts:
    """Value counts of `properties` among the members (`members_sql` selects their customer_id;
    None = the whole base). Once per executor and members query (`traits.per_executor`)."""
    # One order for every caller, so their questions are the same query.
    wanted = list(dict.fromkeys([*default_properties(catalog), *properties]))
    built = traits.if_ready(executor, catalog, as_of)
    if built is not None and not built.columns.has_properties(wanted):
        built = None
    if members_sql is None:
        sql = _counts_sql(None, wanted, as_of, catalog, built)
        return _parse(traits.whole_base(executor, sql), wanted)

    def count() -> Counts:
        sql = _counts_sql(members_sql, wanted, as_of, catalog, built)
        return _parse(executor.query(sql, max_rows=1_000_000).rows, wanted)

    key = ("value_counts", members_sql, tuple(wanted), as_of, id(catalog))
    return traits.per_executor(executor, key, count)


def _counts_sql(
    members_sql: str | None,
    columns: list[str],
    as_of: date,
    catalog: Catalog,
    built: traits.Traits | None,
) -> str:
    """Over the traits' property columns when they hold them all (evaluated once, held as
    codes), else over the customer table itself."""
    names = [f"a{i}" for i in range(len(columns))]
    if built is not None:
        exprs = [f"t.{built.columns.prop(c)}" for c in columns]
        entity, key = f"{built.relation} AS t", "t.customer_id"
    else:
        exprs = [roles.property_sql(catalog, c, as_of) for c in columns]
        entity, key = roles.entity_table(catalog), roles.entity_key(catalog)
    exprs = [f"{e} AS {n}" for e, n in zip(exprs, names, strict=True)]
    grouping = ", ".join(f"GROUPING({n}) AS g_{n}" for n in names)
    source = f"FROM {entity}"
    ctes = ""
    if members_sql is not None:
        ctes = f"WITH members_seg AS (SELECT DISTINCT customer_id FROM ({members_sql}) AS q)\n"
        source += f" JOIN members_seg ON members_seg.customer_id = {key}"
    return (
        f"{ctes}SELECT {', '.join(names)}, {grouping}, count(*) AS n\n"
        f"FROM (SELECT {', '.join(exprs)} {source}) AS members\n"
        f"GROUP BY GROUPING SETS ({', '.join(f'({n})' for n in names)})"
    )


def _parse(rows: list[tuple], columns: list[str]) -> Counts:
    counts: Counts = {col: [] for col in columns}
    width = len(columns)
    for row in rows:
        values, grouped, n = row[:width], row[width : 2 * width], int(row[-1])
        for col, value, g in zip(columns, values, grouped, strict=True):
            if g == 0:  # GROUPING() is 0 for the column this row is grouped by
                counts[col].append((value, n))
    for pairs in counts.values():
        pairs.sort(key=lambda pair: (-pair[1], str(pair[0])))
    return counts
