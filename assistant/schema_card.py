"""The schema card: a compact, value-describing summary of the catalog for LLM prompts.

Peers send the full DDL plus sample rows; that is large, leaks personal data and carries indirect
prompt injection. The card instead describes each column's type, meaning and allowed values, with
the business vocabulary (derived attributes, measures, definitions, terms, named segments). Free
text columns are described as such; their contents never appear. For big catalogs (or when asked)
only the tables a request needs are included, plus `customers` and the join paths to it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.catalog import Catalog, Column, Table, Value, normalise_phrase
from assistant.tokens import count_tokens

ANCHOR_TABLES = (
    "customers",
    "dataset_info",
)  # every segment starts from customers; as_of lives here
LARGE_CATALOG_TABLES = 12  # above this, a card for a request keeps only the tables it needs
DEFAULT_MAX_TABLES = 8
SAMPLE_ROWS = 3
MAX_LISTED_VALUES = 60  # longer vocabularies (cities) are summarised; the guard checks spellings


@dataclass(frozen=True)
class SchemaCard:
    text: str
    tables: list[str]
    tokens: int


def render_schema_card(
    catalog: Catalog, request: str | None = None, *, max_tables: int | None = None
) -> SchemaCard:
    """A compact card of the catalog; narrowed to the request's tables when large or capped.

    `max_tables` counts every table on the card except `dataset_info`.
    """
    tables = select_tables(catalog, request, max_tables=max_tables)
    sections = [
        _dataset_section(catalog),
        *(_table_section(name, catalog.tables[name]) for name in tables),
        _derived_section(catalog, tables),
        _measures_section(catalog, tables),
        _definitions_section(catalog),
        _terms_section(catalog, request),
        _segment_models_section(),
    ]
    text = "\n\n".join(s for s in sections if s)
    return SchemaCard(text=text, tables=tables, tokens=count_tokens(text))


# --- table selection ------------------------------------------------------------------------------


def select_tables(
    catalog: Catalog, request: str | None, *, max_tables: int | None = None
) -> list[str]:
    """The catalog's tables a request needs, in catalog order (all of them when no narrowing)."""
    narrow = max_tables is not None or len(catalog.tables) > LARGE_CATALOG_TABLES
    if request is None or not narrow:
        return list(catalog.tables)
    limit = max_tables if max_tables is not None else DEFAULT_MAX_TABLES
    selected = {t for t in ANCHOR_TABLES if t in catalog.tables}
    graph = _join_graph(catalog)
    for table in _ranked_tables(catalog, request):
        path = _path_to_customers(graph, table)
        if len((selected | path) - {"dataset_info"}) <= limit:
            selected |= path
    return [t for t in catalog.tables if t in selected]


def _ranked_tables(catalog: Catalog, request: str) -> list[str]:
    text = _expand_with_terms(catalog, normalise_phrase(request))
    scores = {name: _score(text, _vocabulary(catalog, name)) for name in catalog.tables}
    ranked = sorted((t for t, s in scores.items() if s > 0), key=lambda t: (-scores[t], t))
    return [t for t in ranked if t not in ANCHOR_TABLES]


def _expand_with_terms(catalog: Catalog, text: str) -> str:
    # "frequent shoppers" needs transactions because the term means "... purchases ..."
    extra = [
        term.means
        for name, term in catalog.terms.items()
        if _mentions(text, [name.replace("_", " "), *term.synonyms])
    ]
    return " ".join([text, *(normalise_phrase(m) for m in extra)])


def _vocabulary(catalog: Catalog, name: str) -> set[str]:
    table = catalog.tables[name]
    words = {name, name.replace("_", " "), *table.synonyms}
    for column_name, column in table.columns.items():
        if column_name.endswith("_id"):
            continue  # keys name every table; they say nothing about the request
        words |= {column_name.replace("_", " "), *column.synonyms}
        for stored, value in (column.values or {}).items():
            words |= {stored, *([value.label] if value.label else []), *value.synonyms}
    for predicate_name, predicate in table.predicates.items():
        words |= {predicate_name.replace("_", " "), *predicate.synonyms}
    for measure in catalog.measures.values():
        if measure.table == name:
            words |= set(measure.phrases)
    return {normalise_phrase(w) for w in words if w}


def _score(text: str, vocabulary: Iterable[str]) -> int:
    return sum(1 for phrase in vocabulary if _mentions(text, [phrase]))


def _mentions(text: str, phrases: Iterable[str]) -> bool:
    return any(
        re.search(rf"(?<!\w){re.escape(normalise_phrase(p))}(?!\w)", text) for p in phrases if p
    )


def _join_graph(catalog: Catalog) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in catalog.tables}
    for name, table in catalog.tables.items():
        for target in table.joins:
            graph[name].add(target)
            graph[target].add(name)
    return graph


def _path_to_customers(graph: dict[str, set[str]], table: str) -> set[str]:
    """The tables on the shortest join path from `table` to customers (just `table` if none)."""
    previous: dict[str, str | None] = {table: None}
    queue = deque([table])
    while queue:
        current = queue.popleft()
        if current == "customers":
            path: set[str] = set()
            node: str | None = current
            while node is not None:
                path.add(node)
                node = previous[node]
            return path
        for neighbour in sorted(graph.get(current, ())):
            if neighbour not in previous:
                previous[neighbour] = current
                queue.append(neighbour)
    return {table}


# --- rendering ------------------------------------------------------------------------------------


def _dataset_section(catalog: Catalog) -> str:
    return (
        f"Dataset {catalog.dataset.name}: {_one_line(catalog.dataset.description)}\n"
        f'Anchor ("today" for every window): {catalog.dataset.anchor}'
    )


def _table_section(name: str, table: Table) -> str:
    head = f"## {name}: {_one_line(table.description)}"
    facts = [f"grain: {table.grain}" if table.grain else ""]
    if table.key:
        facts.append(f"key: {', '.join(table.key)}")
    lines = [head + (f" ({'; '.join(f for f in facts if f)})" if any(facts) else "")]
    lines += [_column_line(c, column) for c, column in table.columns.items()]
    lines += [f"- join {target}: {on}" for target, on in table.joins.items()]
    lines += [
        f"- predicate {p}: {predicate.sql} ({_one_line(predicate.description)})"
        for p, predicate in table.predicates.items()
    ]
    return "\n".join(lines)


def _column_line(name: str, column: Column) -> str:
    parts = [f"- {name} {column.type}: {_one_line(column.description)}"]
    if column.null_means:
        parts.append(f"NULL = {column.null_means}.")
    if column.values:
        parts.append(_values_text(column))
    elif column.type.startswith("VARCHAR") and "free text" not in column.description.lower():
        parts.append("(free text; values not listed)")
    return " ".join(parts)


def _values_text(column: Column) -> str:
    values = column.values or {}
    if len(values) > MAX_LISTED_VALUES:
        examples = ", ".join(list(values)[:8])
        return f"{len(values)} known values, written as usual (e.g. {examples})."
    parent = _common_parent(values.values())
    if parent is None:
        return "Values: " + ", ".join(_value_text(k, v) for k, v in values.items())
    # Hierarchies (city -> region -> country) are listed once per parent, not once per value.
    groups: dict[str, list[str]] = {}
    for stored, value in values.items():
        groups.setdefault(getattr(value, parent), []).append(_value_text(stored, value))
    listed = "; ".join(f"{p}: {', '.join(items)}" for p, items in groups.items())
    return f"Values by {parent}: {listed}"


def _common_parent(values: Iterable[Value]) -> str | None:
    values = list(values)
    for parent in ("region", "category", "country"):  # most specific first
        if values and all(getattr(v, parent) for v in values):
            return parent
    return None


def _value_text(stored: str, value: Value) -> str:
    notes = []
    if value.label and normalise_phrase(value.label) != normalise_phrase(stored):
        notes.append(value.label)
    if value.description:
        notes.append(_one_line(value.description))
    if value.note:
        notes.append(_one_line(value.note))
    return f"{stored} ({'; '.join(notes)})" if notes else stored


def _derived_section(catalog: Catalog, tables: list[str]) -> str:
    lines = []
    for name, derived in catalog.derived.items():
        if derived.table not in tables:
            continue
        line = f"- {name} {derived.type} ({derived.table}): {_one_line(derived.description)}"
        if derived.bands:
            line += " Bands: " + ", ".join(
                f"{k}{f' ({b.label})' if b.label else ''}" for k, b in derived.bands.items()
            )
        lines.append(line)
    return _section("Derived attributes (computed relative to as_of)", lines)


def _measures_section(catalog: Catalog, tables: list[str]) -> str:
    lines = [
        f"- {name} ({measure.table}, {measure.unit}): {_one_line(measure.description)}"
        for name, measure in catalog.measures.items()
        if measure.table in tables
    ]
    return _section("Per-customer measures", lines)


def _definitions_section(catalog: Catalog) -> str:
    lines = [f"- {name}: {_one_line(d.description)}" for name, d in catalog.definitions.items()]
    return _section("Business definitions", lines)


def _terms_section(catalog: Catalog, request: str | None = None) -> str:
    """Definitions of the terms the request uses (all of them without a request); the other
    terms by name only, which keeps the card short while the model still knows they exist."""
    lines = []
    text = normalise_phrase(request) if request else None
    others = []
    for name, term in catalog.terms.items():
        if text is not None and not _mentions(text, [name.replace("_", " "), *term.synonyms]):
            others.append(name)
            continue
        also = [s for s in term.synonyms[:2] if normalise_phrase(s) != name.replace("_", " ")]
        line = f'- {name}: means "{term.means}"' + (f" (also: {', '.join(also)})" if also else "")
        if term.note:
            line += f" Note: {_one_line(term.note)}"
        lines.append(line)
    if others:
        lines.append(f"- also defined (not used in this request): {', '.join(others)}")
    return _section("Marketing terms (use the stated meaning)", lines)


def _segment_models_section() -> str:
    from assistant.segmodels import labels, model_names

    lines = [
        f"- {model}: " + ", ".join(f"{label.key} ({label.name})" for label in labels(model))
        for model in model_names()
    ]
    return _section("Named segment models (segment_ref model: label key)", lines)


def _section(title: str, lines: list[str]) -> str:
    return f"## {title}\n" + "\n".join(lines) if lines else ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- the baseline peers send ----------------------------------------------------------------------


def full_schema_with_samples(executor) -> str:
    """What common text-to-SQL chains send: DDL of every table plus three sample rows each."""
    blocks = []
    for table, columns in executor.schema().items():
        ddl = ",\n  ".join(f"{c} {t}" for c, t in columns.items())
        sample = executor.query(f'SELECT * FROM "{table}" LIMIT {SAMPLE_ROWS}')
        rows = "\n".join("\t".join(str(v) for v in row) for row in sample.rows)
        header = "\t".join(sample.columns)
        blocks.append(
            f"CREATE TABLE {table} (\n  {ddl}\n)\n\n/*\n{SAMPLE_ROWS} rows from {table} table:\n"
            f"{header}\n{rows}\n*/"
        )
    return "\n\n".join(blocks)


def full_schema_with_samples_tokens(executor) -> int:
    """Token size of `full_schema_with_samples`, the benchmark the card is compared with."""
    return count_tokens(full_schema_with_samples(executor))
