"""The data graph: the catalog's tables joined by its relations, walked to build event queries.

A relation `child.fk -> parent.key` is many-to-one from child to parent. Walking it that way is
a JOIN that keeps the row count; walking it against the arrow (parent to child) is one-to-many
and becomes an EXISTS, so a filter on an order's items never multiplies the orders.

`EventRows` is the FROM / WHERE of one event model with its filters: the compiler puts a
GROUP BY on it for counts and sums, the analysis features read `rows_sql()` (one row per event
row with `customer_id`, `ts` and, where there is one, `amount`).
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.catalog import Catalog, Event

IND = "    "
_RELATION = re.compile(r"^\s*(\w+)\.(\w+)\s*->\s*(\w+)\.(\w+)\s*$")


class GraphError(AssistantError, ValueError):
    """A catalog reference the data graph cannot resolve (unknown table, no join path...)."""


@dataclass(frozen=True)
class Relation:
    child: str
    child_column: str
    parent: str
    parent_column: str

    @classmethod
    def parse(cls, text: str) -> Relation:
        match = _RELATION.match(text)
        if not match:
            raise GraphError(f"relation {text!r}: expected 'child.column -> parent.column'")
        return cls(*match.groups())


@dataclass(frozen=True)
class Hop:
    """One step of a join path; `many` is True when it goes one-to-many (against the arrow)."""

    source: str
    target: str
    on: str
    many: bool


@dataclass(frozen=True)
class FieldRef:
    """A resolved event field: its SQL over qualified columns and the tables it needs."""

    name: str
    sql: str
    type: str
    tables: frozenset[str]


class DataGraph:
    """Join paths between the catalog's tables (shortest path, breadth first)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.relations = [Relation.parse(text) for text in catalog.relations]
        self._edges: dict[str, list[Hop]] = {}
        for r in self.relations:
            on = f"{r.child}.{r.child_column} = {r.parent}.{r.parent_column}"
            self._edges.setdefault(r.child, []).append(Hop(r.child, r.parent, on, many=False))
            self._edges.setdefault(r.parent, []).append(Hop(r.parent, r.child, on, many=True))

    def path(self, source: str, target: str, *, one_way: bool = False) -> list[Hop]:
        """The shortest join path; `one_way` allows many-to-one hops only."""
        if source == target:
            return []
        seen = {source}
        queue: deque[tuple[str, list[Hop]]] = deque([(source, [])])
        while queue:
            table, hops = queue.popleft()
            for hop in self._edges.get(table, []):
                if hop.target in seen or (one_way and hop.many):
                    continue
                route = [*hops, hop]
                if hop.target == target:
                    return route
                seen.add(hop.target)
                queue.append((hop.target, route))
        how = "a many-to-one join path" if one_way else "a join path"
        raise GraphError(f"no {how} from {source} to {target} in the catalog's relations")

    # -- references -------------------------------------------------------------------------------

    def column_type(self, table: str, column: str) -> str:
        try:
            return self.catalog.tables[table].columns[column].type
        except KeyError:
            raise GraphError(f"unknown column {table}.{column}") from None

    def qualify(self, base: str, ref: str) -> tuple[str, str]:
        """'col' -> (base, col); 'table.col' -> (table, col); both checked."""
        table, _, column = ref.rpartition(".")
        table = table or base
        self.column_type(table, column)
        return table, column

    def event(self, name: str) -> Event:
        try:
            return self.catalog.events[name]
        except KeyError:
            known = ", ".join(self.catalog.events) or "none"
            raise GraphError(f"no event model {name!r}; known: {known}") from None

    def event_fields(self, name: str) -> dict[str, FieldRef]:
        return self._fields[name]

    @cached_property
    def _fields(self) -> dict[str, dict[str, FieldRef]]:
        return {name: self._resolve_fields(name) for name in self.catalog.events}

    def _resolve_fields(self, name: str) -> dict[str, FieldRef]:
        event = self.event(name)
        if event.union:
            return self._union_fields(name)
        base = event.table
        fields: dict[str, FieldRef] = {}
        for column, col in self.catalog.tables[base].columns.items():
            fields[column] = FieldRef(column, f"{base}.{column}", col.type, frozenset({base}))
        for field_name, spec in event.fields.items():
            if spec.column is not None:
                table, column = self.qualify(base, spec.column)
                ftype = spec.type or self.column_type(table, column)
                fields[field_name] = FieldRef(
                    field_name, f"{table}.{column}", ftype, frozenset({table})
                )
            else:
                sql = spec.sql or ""
                fields[field_name] = FieldRef(
                    field_name, sql, spec.type or "VARCHAR", frozenset(tables_in(sql) or {base})
                )
        return fields

    def _union_fields(self, name: str) -> dict[str, FieldRef]:
        """The fields every member shares (by name), read off the union's derived table."""
        members = [self._resolve_fields(m) for m in self.event(name).union]
        common = [f for f in members[0] if all(f in m for m in members[1:])]
        common = [f for f in common if f not in ("customer_id", "ts", "instance", "amount")]
        fields = {
            f: FieldRef(f, f"{name}.{f}", members[0][f].type, frozenset({name})) for f in common
        }
        fields["amount"] = FieldRef("amount", f"{name}.amount", "DOUBLE", frozenset({name}))
        return fields

    def member_field_ref(self, event: str, name: str) -> tuple[str, str] | None:
        """(table, column) behind a field, looking through a union to its first member."""
        spec = self.event(event)
        if spec.union:
            return self.member_field_ref(spec.union[0], name)
        declared = spec.fields.get(name)
        ref = declared.column if declared is not None else name
        if ref is None:
            return None
        table, _, column = ref.rpartition(".")
        return table or spec.table, column

    def field(self, event: str, name: str) -> FieldRef:
        fields = self.event_fields(event)
        if name not in fields:
            raise GraphError(
                f"event {event!r} has no field {name!r}; known: {', '.join(sorted(fields))}"
            )
        return fields[name]

    def needs_lines(self, event: str, tables: Iterable[str]) -> bool:
        """Whether reaching these tables from the event goes one-to-many (an order's items)."""
        spec = self.event(event)
        if spec.union:
            return False
        base = spec.table
        return any(any(h.many for h in self.path(base, t)) for t in tables if t != base)

    # -- entity properties ------------------------------------------------------------------------

    def property_sql(self, ref: str) -> str:
        """SQL for an entity property: a column of the entity, or a scalar subquery that follows
        the many-to-one path to the neighbour holding it."""
        entity = self.catalog.entity.table
        table, column = self.qualify(entity, ref)
        if table == entity:
            return f"{entity}.{column}"
        hops = self.path(entity, table, one_way=True)
        first, rest = hops[0], hops[1:]
        joins = "".join(f" JOIN {h.target} ON {h.on}" for h in rest)
        return f"(SELECT {table}.{column} FROM {first.target}{joins} WHERE {first.on})"


def tables_in(sql: str) -> set[str]:
    """Table qualifiers of the columns a SQL fragment uses ("t.status = 'x'" -> {"t"})."""
    return set(_tables_in(sql))


@functools.lru_cache(maxsize=4096)
def _tables_in(sql: str) -> frozenset[str]:
    # The same fragments come back for every idea of every answer: parsed once.
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as error:
        raise GraphError(f"cannot parse SQL fragment {sql!r}: {error}") from None
    inner = {t.alias_or_name for t in tree.find_all(exp.Table)}
    return frozenset(c.table for c in tree.find_all(exp.Column) if c.table and c.table not in inner)


def columns_of(sql: str, table: str) -> set[str]:
    """Columns of `table` a SQL fragment reads."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return {c.name for c in tree.find_all(exp.Column) if c.table == table}


# --- event rows --------------------------------------------------------------------------------


@dataclass
class EventRows:
    """FROM / WHERE of one event model's rows, with JOINs and EXISTS filters from the graph."""

    graph: DataGraph
    event_name: str
    where: list[str] = field(default_factory=list)
    _joins: list[Hop] = field(default_factory=list)
    _exists: dict[str, list[str]] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)  # a union's fields this query reads

    @property
    def event(self) -> Event:
        return self.graph.event(self.event_name)

    @property
    def base(self) -> str:
        return self.event.table or self.event_name

    def __post_init__(self) -> None:
        event = self.event
        if event.union:
            self.customer = f"{self.event_name}.customer_id"
            return
        self.customer = self._ref_sql(event.customer)
        if event.where:
            self.add_condition(event.where)

    @property
    def ts(self) -> str:
        """The event's time; joined in only when a query reads it (a window, a recency), so
        rows without a date still count when no time is asked for."""
        if self.event.union:
            self._used.add("ts")
            return f"{self.event_name}.ts"
        return self._ref_sql(self.event.time)

    def field_ref(self, ref: str) -> str:
        """A column of the event's table (or a table it joins), as the catalog refers to it."""
        return self._ref_sql(ref)

    def _ref_sql(self, ref: str) -> str:
        table, column = self.graph.qualify(self.base, ref)
        self.need(table)
        return f"{table}.{column}"

    def need(self, table: str) -> None:
        """Join `table` in (many-to-one only: anything else must go through `add_condition`)."""
        if table == self.base or any(h.target == table for h in self._joins):
            return
        for hop in self.graph.path(self.base, table, one_way=True):
            if not any(h.target == hop.target for h in self._joins):
                self._joins.append(hop)

    def field(self, name: str) -> str:
        ref = self.graph.field(self.event_name, name)
        if self.event.union:
            self._used.add(name)
            return ref.sql
        for table in ref.tables:
            if self.graph.needs_lines(self.event_name, [table]):
                raise GraphError(
                    f"field {name!r} of {self.event_name} is on its lines (one-to-many): "
                    "it can filter these rows but not be aggregated here"
                )
            self.need(table)
        return ref.sql

    def member_sql(self) -> str:
        """Which member event a row of a union comes from (its name)."""
        if not self.event.union:
            raise GraphError(f"event {self.event_name!r} joins no other events")
        self._used.add("member")
        return f"{self.event_name}.member"

    def add_condition(self, sql: str) -> None:
        """A row condition; tables beyond a one-to-many hop go into an EXISTS."""
        if self.event.union:
            self._used |= columns_of(sql, self.event_name)
            self.where.append(sql)
            return
        far = {t for t in tables_in(sql) if t != self.base and self._is_far(t)}
        if not far:
            for table in tables_in(sql):
                self.need(table)
            self.where.append(sql)
            return
        key = self._exists_key(far)
        self._exists.setdefault(key, []).append(sql)

    def add_line_group(self, conditions: list[str]) -> None:
        """Conditions one line of the event must meet together, apart from other such groups
        ('toys and groceries in the same order': one line of each, each its own EXISTS)."""
        far = {
            t for sql in conditions for t in tables_in(sql) if t != self.base and self._is_far(t)
        }
        if not far:
            raise GraphError(f"these fields are not on the lines of {self.event_name}")
        key = f"{self._exists_key(far)}#{len(self._exists)}"
        self._exists[key] = list(conditions)

    def _is_far(self, table: str) -> bool:
        return any(h.many for h in self.graph.path(self.base, table))

    def _exists_key(self, tables: set[str]) -> str:
        return ",".join(sorted(tables))

    def exists_sql(self) -> list[str]:
        out = []
        for key, conditions in self._exists.items():
            tables = key.split("#")[0].split(",")
            out.append(self._exists_one(tables, conditions))
        return out

    def _exists_one(self, tables: list[str], conditions: list[str]) -> str:
        # Follow the path from the base to each far table; the first one-to-many hop correlates.
        hops: list[Hop] = []
        for table in tables:
            for hop in self.graph.path(self.base, table):
                if hop not in hops:
                    hops.append(hop)
        split = next(i for i, h in enumerate(hops) if h.many)
        near = hops[:split]
        for hop in near:
            self.need(hop.target)
        first, rest = hops[split], hops[split + 1 :]
        joins = "".join(f"\n{IND}JOIN {h.target} ON {h.on}" for h in rest)
        body = f"\n{IND}  AND ".join([first.on, *conditions])
        return f"EXISTS (\n{IND}SELECT 1\n{IND}FROM {first.target}{joins}\n{IND}WHERE {body}\n)"

    def from_sql(self) -> str:
        if self.event.union:
            return f"(\n{IND}{_indented(self._union_sql(), 4)}\n) AS {self.event_name}"
        lines = [self.base, *(f"JOIN {h.target} ON {h.on}" for h in self._joins)]
        return "\n".join(lines)

    def _union_sql(self) -> str:
        """Each member's rows with the shared fields, stacked (UNION ALL)."""
        shared = [f for f in self.graph.event_fields(self.event_name) if f in self._used]
        shared = [f for f in shared if f != "amount"]
        parts = []
        for member in self.event.union:
            rows = EventRows(self.graph, member)
            spec = rows.event
            instance = (
                f"'{member}:' || CAST({rows._ref_sql(spec.instance)} AS VARCHAR)"
                if spec.instance
                else "NULL"
            )
            amount = rows.field(spec.amount) if spec.amount else "NULL"
            extra = {f: rows.field(f) for f in shared}
            if "member" in self._used:
                extra["member"] = f"'{member}'"
            ts = rows.ts if "ts" in self._used else "NULL"
            parts.append(rows.rows_sql_exact(instance, amount, extra, ts))
        return "\nUNION ALL\n".join(parts)

    def rows_sql_exact(self, instance: str, amount: str, extra: Mapping[str, str], ts: str) -> str:
        cols = [
            f"{self.customer} AS customer_id",
            f"{ts} AS ts",
            f"{instance} AS instance",
            f"{amount} AS amount",
            *(f"{sql} AS {name}" for name, sql in extra.items()),
        ]
        lines = ["SELECT " + ",\n       ".join(cols), f"FROM {self.from_sql()}"]
        where = self.where_sql()
        if where:
            lines.append("WHERE " + "\n  AND ".join(_indented(w, 2) for w in where))
        return "\n".join(lines)

    def where_sql(self) -> list[str]:
        return [*self.where, *self.exists_sql()]

    def select(
        self,
        having: str | None = None,
        distinct: bool = False,
        columns: list[str] | None = None,
        group: bool = False,
    ) -> str:
        """Customer keys (`customer_id`) of matching rows, optionally grouped with a HAVING."""
        head = "SELECT DISTINCT" if distinct else "SELECT"
        cols = ",\n       ".join([f"{self.customer} AS customer_id", *(columns or [])])
        lines = [f"{head} {cols}", f"FROM {self.from_sql()}"]
        where = self.where_sql()
        if where:
            lines.append("WHERE " + "\n  AND ".join(_indented(w, 2) for w in where))
        if having is not None or group:
            lines.append(f"GROUP BY {self.customer}")
        if having is not None:
            lines.append(f"HAVING {having}")
        return "\n".join(lines)

    def rows_sql(self, extra: Mapping[str, str] | None = None) -> str:
        """One row per event row: customer_id, ts, amount (when the event has one), extras."""
        cols = [f"{self.customer} AS customer_id", f"{self.ts} AS ts"]
        event = self.event
        if event.union:
            alias = self.event_name
            cols += [f"{alias}.instance AS instance", f"{alias}.amount AS amount"]
        elif event.instance:
            cols.append(f"{self._ref_sql(event.instance)} AS instance")
        if event.amount and not event.union:
            cols.append(f"{self.field(event.amount)} AS amount")
        cols += [f"{sql} AS {name}" for name, sql in (extra or {}).items()]
        lines = ["SELECT " + ",\n       ".join(cols), f"FROM {self.from_sql()}"]
        where = self.where_sql()
        if where:
            lines.append("WHERE " + "\n  AND ".join(_indented(w, 2) for w in where))
        return "\n".join(lines)


def filter_sql(column_sql: str, value: Any, literal: Any) -> str:
    """A filter value as SQL: a list is IN, a bool is =, {min, max} is a range (inclusive)."""
    if isinstance(value, bool):
        return f"{column_sql} = {literal(value)}"
    if isinstance(value, Mapping):
        parts = []
        if value.get("min") is not None:
            parts.append(f"{column_sql} >= {literal(value['min'])}")
        if value.get("max") is not None:
            parts.append(f"{column_sql} <= {literal(value['max'])}")
        return " AND ".join(parts) or "TRUE"
    values = list(value)
    if len(values) == 1:
        return f"{column_sql} = {literal(values[0])}"
    return f"{column_sql} IN ({', '.join(literal(v) for v in values)})"


def _indented(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)
