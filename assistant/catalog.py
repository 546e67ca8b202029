"""The semantic catalog: tables, columns, values, synonyms and business terms from a YAML file.

The catalog is the single editable source of meaning shared by the rules parser (value synonyms and
term definitions), the LLM prompt builder (a compact schema card) and the SQL guard (`schema()`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from assistant.config import PROJECT_ROOT, SCHEMAS_DIR

DEFAULT_CATALOG_PATH = SCHEMAS_DIR / "retail.yaml"


class CatalogError(ValueError):
    """A catalog file that is missing, not YAML, or does not match the catalog shape."""


class _Model(BaseModel):
    # Typos in a hand-edited catalog should fail loudly rather than be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Value(_Model):
    """One stored value of an enumerated column and the words marketers use for it."""

    label: str | None = None
    description: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    note: str | None = None
    # Hierarchy links let a parser narrow or widen: region -> country, subcategory -> category.
    country: str | None = None
    region: str | None = None
    category: str | None = None


class Predicate(_Model):
    """A named row condition that is not a single stored value, e.g. "csat_score <= 2"."""

    description: str
    sql: str
    synonyms: list[str] = Field(default_factory=list)


class Column(_Model):
    type: str
    description: str
    null_means: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    values: dict[str, Value] | None = None

    @field_validator("type")
    @classmethod
    def _upper_type(cls, v: str) -> str:
        return _normalise_type(v)

    @field_validator("values", mode="before")
    @classmethod
    def _stringify_keys(cls, v: Any) -> Any:
        # YAML reads `true:`/`1:` keys as bool/int; stored values are always compared as text.
        if isinstance(v, Mapping):
            return {_value_key(k): ({} if item is None else item) for k, item in v.items()}
        return v

    @property
    def is_enumerated(self) -> bool:
        return bool(self.values)


class Table(_Model):
    description: str
    grain: str | None = None
    key: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    joins: dict[str, str] = Field(default_factory=dict)
    predicates: dict[str, Predicate] = Field(default_factory=dict)
    columns: dict[str, Column]

    @field_validator("key", mode="before")
    @classmethod
    def _key_as_list(cls, v: Any) -> Any:
        if v is None:
            return []
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _key_columns_exist(self) -> Table:
        missing = [k for k in self.key if k not in self.columns]
        if missing:
            raise ValueError(f"key column(s) not among the columns: {', '.join(missing)}")
        return self


class Band(_Model):
    """A named range of a derived attribute; bounds are inclusive, None means open-ended."""

    label: str | None = None
    min: float | None = None
    max: float | None = None
    synonyms: list[str] = Field(default_factory=list)


class Derived(_Model):
    """An attribute computed from columns, e.g. age from birth_date and the as_of anchor."""

    table: str
    type: str
    description: str
    sql: str
    synonyms: list[str] = Field(default_factory=list)
    bands: dict[str, Band] = Field(default_factory=dict)


class Measure(_Model):
    """A per-customer aggregate that term definitions and requests count or compare."""

    description: str
    table: str
    sql: str
    where: str | None = None
    time_column: str | None = None
    unit: Literal["count", "currency", "percent", "days"]
    phrases: list[str] = Field(default_factory=list)


class Definition(_Model):
    description: str
    sql: str | None = None
    phrases: list[str] = Field(default_factory=list)


class Term(_Model):
    """A vague marketing word pinned to a precise, parseable restatement in `means`."""

    description: str
    means: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)
    note: str | None = None


class Dataset(_Model):
    name: str
    anchor: str
    description: str


@dataclass(frozen=True)
class ValueSynonym:
    """A lower-cased phrase that names `value` of `table.column`."""

    table: str
    column: str
    value: str
    phrase: str


class Catalog(_Model):
    version: int
    dataset: Dataset
    tables: dict[str, Table]
    derived: dict[str, Derived] = Field(default_factory=dict)
    measures: dict[str, Measure] = Field(default_factory=dict)
    definitions: dict[str, Definition] = Field(default_factory=dict)
    windows: dict[str, Definition] = Field(default_factory=dict)
    terms: dict[str, Term] = Field(default_factory=dict)
    _synonyms: tuple[ValueSynonym, ...] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalog:
        problems = [*self._join_problems(), *self._table_ref_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _join_problems(self) -> list[str]:
        return [
            f"tables.{name}.joins.{target}: unknown table"
            for name, table in self.tables.items()
            for target in table.joins
            if target not in self.tables
        ]

    def _table_ref_problems(self) -> list[str]:
        problems: list[str] = []
        for section, items in (("derived", self.derived), ("measures", self.measures)):
            for name, item in items.items():
                if item.table not in self.tables:
                    problems.append(f"{section}.{name}.table: unknown table {item.table!r}")
        for name, m in self.measures.items():
            table = self.tables.get(m.table)
            if table and m.time_column and m.time_column not in table.columns:
                problems.append(f"measures.{name}.time_column: no column {m.time_column!r}")
        return problems

    @property
    def anchor_sql(self) -> str:
        """A scalar subquery for the anchor date, e.g. (SELECT as_of FROM dataset_info)."""
        table, _, column = self.dataset.anchor.partition(".")
        return f"(SELECT {column} FROM {table})"

    def fill(self, fragment: str, **params: object) -> str:
        """Substitute {placeholders} in a catalog SQL fragment; {as_of} defaults to the anchor.

        Only the named placeholders are replaced, so other braces in the SQL stay intact.
        """
        values = {"as_of": self.anchor_sql, **params}
        for name, value in values.items():
            fragment = fragment.replace("{" + name + "}", str(value))
        return fragment

    def schema(self) -> dict[str, dict[str, str]]:
        """table -> column -> DuckDB type, the shape the SQL guard checks queries against."""
        return {
            t: {c: col.type for c, col in table.columns.items()} for t, table in self.tables.items()
        }

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; known: {', '.join(self.tables)}") from None

    def column(self, table: str, column: str) -> Column:
        columns = self.table(table).columns
        try:
            return columns[column]
        except KeyError:
            raise KeyError(f"no column {table}.{column}; known: {', '.join(columns)}") from None

    def value_synonyms(self) -> list[ValueSynonym]:
        """Every phrase (stored value, label, synonyms) naming an enumerated value, lower-cased.

        A phrase may name several values ("vip" -> gold and platinum) or several columns
        ("email" -> preferred_channel, campaigns.channel, ...); the caller decides by context.
        """
        return list(self._synonym_index())

    def lookup(self, phrase: str) -> list[ValueSynonym]:
        """The values a phrase names, matched after the same normalisation as `value_synonyms`."""
        wanted = normalise_phrase(phrase)
        return [s for s in self._synonym_index() if s.phrase == wanted]

    def _synonym_index(self) -> tuple[ValueSynonym, ...]:
        # Built once per loaded catalog: the parser asks for it on every request.
        if self._synonyms is None:
            self._synonyms = _value_synonyms(self)
        return self._synonyms

    def check_against(self, schema: Mapping[str, Mapping[str, str]]) -> list[str]:
        """Human-readable differences between the catalog and a live table->column->type schema."""
        problems: list[str] = []
        for name in sorted(set(self.tables) - set(schema)):
            problems.append(f"table {name} is in the catalog but not in the database")
        for name in sorted(set(schema) - set(self.tables)):
            problems.append(f"table {name} is in the database but not in the catalog")
        for name in sorted(set(self.tables) & set(schema)):
            problems.extend(_column_problems(name, self.schema()[name], schema[name]))
        return problems


def _column_problems(table: str, ours: Mapping[str, str], theirs: Mapping[str, str]) -> list[str]:
    problems = [
        f"column {table}.{c} is in the catalog but not in the database"
        for c in ours
        if c not in theirs
    ]
    problems += [
        f"column {table}.{c} is in the database but not in the catalog"
        for c in theirs
        if c not in ours
    ]
    for c in ours:
        if c in theirs and _normalise_type(theirs[c]) != ours[c]:
            problems.append(
                f"column {table}.{c} has type {_normalise_type(theirs[c])} in the database "
                f"but {ours[c]} in the catalog"
            )
    return problems


def _value_synonyms(catalog: Catalog) -> tuple[ValueSynonym, ...]:
    seen: dict[tuple[str, str, str, str], None] = {}
    for t, table in catalog.tables.items():
        for c, column in table.columns.items():
            for stored, value in (column.values or {}).items():
                for phrase in (stored, value.label, *value.synonyms):
                    if phrase:
                        seen[(t, c, stored, normalise_phrase(phrase))] = None
    return tuple(ValueSynonym(*key) for key in seen)


def normalise_phrase(phrase: str) -> str:
    """Lower-case and collapse whitespace so user text and catalog phrases compare equal."""
    return re.sub(r"\s+", " ", phrase).strip().lower()


def _normalise_type(type_name: str) -> str:
    return re.sub(r"\s+", "", type_name).upper()


def _value_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Load and validate a catalog YAML file (default `schemas/retail.yaml`), cached per file.

    The cache is keyed on the file's modification time too, so an edited catalog is re-read.
    """
    resolved = Path(path).resolve() if path is not None else DEFAULT_CATALOG_PATH
    try:
        mtime = resolved.stat().st_mtime_ns
    except FileNotFoundError:
        raise CatalogError(f"{_display(resolved)}: catalog file not found") from None
    return _load_cached(resolved, mtime)


@lru_cache(maxsize=16)
def _load_cached(path: Path, _mtime_ns: int) -> Catalog:
    return parse_catalog(path.read_text(encoding="utf-8"), source=_display(path))


def parse_catalog(text: str, source: str = "<catalog>") -> Catalog:
    """Validate catalog YAML text; errors name `source` and the dotted path of the bad entry."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{source}: expected a mapping at the top level")
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(_format_errors(source, exc)) from None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, which plain YAML silently overwrites."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
    return "\n".join(lines)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
