"""The semantic catalog: tables, columns, values, synonyms and business terms from a YAML file.

The catalog is the single editable source of meaning shared by the rules parser (value synonyms and
term definitions), the LLM prompt builder (a compact schema card) and the SQL guard (`schema()`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date as _date
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
from assistant.datagraph import DataGraph, GraphError, Relation, tables_in
from assistant.errors import AssistantError
from assistant.windows import Window

DEFAULT_CATALOG_PATH = SCHEMAS_DIR / "retail.yaml"


class CatalogError(AssistantError, ValueError):
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
    # One stored value for several places ("Sydney": New South Wales and Nova Scotia): each
    # namesake's links, so a request that says which can be read and one that does not asked.
    namesakes: list[dict[str, str]] = Field(default_factory=list)


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
    values_from: str | None = None
    # How a filter on this column reads after an event's noun: "of {value}", "in {value}".
    phrase: str | None = None

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
    # The property a band's min/max bound (default: this attribute); on a date property the
    # bounds are years ("born 1981-1996").
    bands_on: str | None = None


Aggregate = Literal["count", "distinct", "sum", "avg", "min", "max", "days_since_last", "share"]
FilterValue = list[str | int | float | bool] | bool | dict[str, float | None]


class Measure(_Model):
    """A per-customer aggregate over an event model, named so requests and terms can use it."""

    description: str
    event: str
    aggregate: Aggregate
    field: str | None = None
    filters: dict[str, FilterValue] = Field(default_factory=dict)
    predicates: list[str] = Field(default_factory=list)
    unit: Literal["count", "currency", "percent", "days"]
    phrases: list[str] = Field(default_factory=list)
    # A measure that is a rate over a period ("MRR": billed in the last 30 days) is read over
    # that period when the request gives none.
    window: Window | None = None


class EventField(_Model):
    """A field of an event's rows: a column of the event table or of a neighbour, or SQL."""

    column: str | None = None
    sql: str | None = None
    type: str | None = None
    description: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    phrase: str | None = None  # how a filter on it reads: "of {value}"

    @model_validator(mode="after")
    def _one_source(self) -> EventField:
        if (self.column is None) == (self.sql is None):
            raise ValueError("give exactly one of column or sql")
        if self.sql is not None and self.type is None:
            raise ValueError("a field given as sql needs its type")
        return self


class Event(_Model):
    """An event model: rows of `table` (plus neighbours) that customers do at a time, or the
    `union` of other event models (a purchase in any channel) over the fields they share."""

    table: str | None = None
    union: list[str] = Field(default_factory=list)
    description: str
    noun: str
    plural: str | None = None
    customer: str | None = None
    time: str | None = None
    where: str | None = None
    instance: str | None = None
    amount: str | None = None
    lines: str | None = None
    verbs: list[str] = Field(default_factory=list)
    recency: list[str] = Field(default_factory=list)
    defaults: dict[str, list[str | int | float | bool]] = Field(default_factory=dict)
    fields: dict[str, EventField] = Field(default_factory=dict)
    predicates: dict[str, Predicate] = Field(default_factory=dict)

    @property
    def plural_noun(self) -> str:
        return self.plural or self.noun + "s"

    @model_validator(mode="after")
    def _table_or_union(self) -> Event:
        if self.union:
            own = [k for k in ("table", "customer", "time", "where", "lines") if getattr(self, k)]
            if own:
                raise ValueError(f"a union event takes its {', '.join(own)} from its members")
            if self.fields or self.predicates or self.defaults:
                raise ValueError("a union event has its members' shared fields, no own fields")
        elif not (self.table and self.customer and self.time):
            raise ValueError("an event needs table, customer and time (or union)")
        return self


class Property(_Model):
    """A customer attribute stored on a many-to-one neighbour of the entity table."""

    column: str
    description: str | None = None
    synonyms: list[str] = Field(default_factory=list)


class Entity(_Model):
    table: str
    key: str
    noun: str = "customer"
    plural: str = "customers"
    # Columns that identify a customer in exports and samples (the key first).
    fields: list[str] = Field(default_factory=list)


class Unsubscribed(_Model):
    event: str
    filters: dict[str, FilterValue] = Field(default_factory=dict)


class Contact(_Model):
    """How a channel is reached: the consent property and, optionally, unsubscribe events."""

    consent: str
    unsubscribed: Unsubscribed | None = None


class Roles(_Model):
    """What the analysis features read; a feature whose role is missing is switched off."""

    purchases: str | None = None
    revenue: str | None = None
    engagement: str | None = None
    messages: str | None = None
    signup: str | None = None
    age: str | None = None
    tenure: str | None = None
    birth: str | None = None
    # a date-of-birth property, or a month-of-birth one (1..12): 'during their birthday month'
    birthday: str | None = None
    category: str | None = None
    geography: list[str] = Field(default_factory=list)
    contact: dict[str, Contact] = Field(default_factory=dict)


class Anchor(_Model):
    """The date every window is relative to: a query, a fixed date, or today."""

    sql: str | None = None
    date: str | None = None
    today: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        if value == "today":
            return {"today": True}
        if isinstance(value, str):
            if "TODO" in value:
                raise ValueError(
                    "the anchor date is still TODO: give {sql: ...}, {date: ...} or today"
                )
            table, _, column = value.partition(".")
            if not column:
                raise ValueError(
                    f"anchor {value!r}: expected table.column, {{sql}}, {{date}} or today"
                )
            return {"sql": f"SELECT max({column}) FROM {table}"}
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Anchor:
        if sum([self.sql is not None, self.date is not None, self.today]) != 1:
            raise ValueError("give exactly one of sql, date or today")
        if self.date is not None:
            try:
                _date.fromisoformat(str(self.date))
            except ValueError:
                raise ValueError(f"anchor date {self.date!r} is not YYYY-MM-DD") from None
        return self


class Definition(_Model):
    description: str
    sql: str | None = None
    phrases: list[str] = Field(default_factory=list)


class Term(_Model):
    """A vague marketing word pinned to a precise, parseable restatement in `means`, or, when
    the word is truly ambiguous ("our best customers"), the 2-4 readings to ask between in
    `choices` (each a phrase that reads in the word's place)."""

    description: str
    means: str | None = Field(default=None, min_length=1)
    choices: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _means_or_choices(self) -> Term:
        if (self.means is None) == (not self.choices):
            raise ValueError("give a term either `means` or `choices`, exactly one")
        if self.choices and not 2 <= len(self.choices) <= 4:
            raise ValueError("a term's `choices` are 2 to 4 readings to ask between")
        return self

    @property
    def restatement(self) -> str:
        """What the term stands for, in words: its meaning, or the readings it is asked among."""
        return self.means or " / ".join(self.choices)


class Dataset(_Model):
    name: str
    anchor: Anchor
    description: str
    currency: str | None = None  # the symbol amounts are shown with, e.g. "$"

    @field_validator("anchor", mode="before")
    @classmethod
    def _anchor_shorthand(cls, value: Any) -> Any:
        return Anchor.model_validate(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class ValueSynonym:
    """A lower-cased phrase that names `value` of `table.column`."""

    table: str
    column: str
    value: str
    phrase: str


class Catalog(_Model):
    version: Literal[2]
    dataset: Dataset
    entity: Entity
    relations: list[str] = Field(default_factory=list)
    tables: dict[str, Table]
    properties: dict[str, Property] = Field(default_factory=dict)
    derived: dict[str, Derived] = Field(default_factory=dict)
    events: dict[str, Event] = Field(default_factory=dict)
    measures: dict[str, Measure] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=Roles)
    # Example requests shown to a first-time user: {kind: request}; each must answer non-empty.
    examples: dict[str, str] = Field(default_factory=dict)
    definitions: dict[str, Definition] = Field(default_factory=dict)
    windows: dict[str, Definition] = Field(default_factory=dict)
    terms: dict[str, Term] = Field(default_factory=dict)
    _synonyms: tuple[ValueSynonym, ...] | None = PrivateAttr(default=None)
    _graph: DataGraph | None = PrivateAttr(default=None)
    _derived_cache: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalog:
        problems = _reference_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def graph(self) -> DataGraph:
        """The data graph over this catalog's relations (built once)."""
        if self._graph is None:
            self._graph = DataGraph(self)
        return self._graph

    def cached(self, key: str, build: Any) -> Any:
        """Something derived from this catalog (a vocabulary, a lexicon), built once per load."""
        if key not in self._derived_cache:
            self._derived_cache[key] = build(self)
        return self._derived_cache[key]

    @property
    def anchor_sql(self) -> str:
        """SQL for the anchor date: a scalar subquery, a DATE literal or current_date."""
        anchor = self.dataset.anchor
        if anchor.sql is not None:
            return f"(SELECT CAST(({anchor.sql}) AS DATE))"
        if anchor.date is not None:
            return f"DATE '{anchor.date}'"
        return "current_date"

    def property_names(self) -> list[str]:
        """Customer properties: entity columns, declared neighbour properties, derived ones."""
        entity = self.tables[self.entity.table].columns
        return [*entity, *self.properties, *self.derived]

    def property_label(self, name: str) -> str:
        """What a person calls a property: its first synonym ("preferred customer flag" for
        c_preferred_cust_flag), else its name in words."""
        derived = self.derived.get(name)
        synonyms = derived.synonyms if derived is not None else []
        if derived is None:
            declared = self.properties.get(name)
            place = self.property_column(name)
            synonyms = list(declared.synonyms) if declared is not None else []
            if place is not None:
                synonyms += self.tables[place[0]].columns[place[1]].synonyms
        return synonyms[0] if synonyms else name.replace("_", " ")

    def property_column(self, name: str) -> tuple[str, str] | None:
        """(table, column) holding a stored property; None for derived ones."""
        if name in self.tables[self.entity.table].columns:
            return self.entity.table, name
        if name in self.properties:
            table, _, column = self.properties[name].column.rpartition(".")
            return table, column
        return None

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


def _reference_problems(catalog: Catalog) -> list[str]:
    """Every table, column, event, field and role the catalog names must exist."""
    problems: list[str] = []

    def check(where: str, fn: Any) -> None:
        try:
            fn()
        except (GraphError, KeyError, ValueError) as error:
            problems.append(f"{where}: {str(error).strip(chr(39))}")

    tables = catalog.tables
    entity = catalog.entity
    if entity.table not in tables:
        problems.append(f"entity.table: unknown table {entity.table!r}")
        return problems
    if entity.key not in tables[entity.table].columns:
        problems.append(f"entity.key: no column {entity.key!r} in {entity.table}")
    for name in entity.fields:
        if name not in tables[entity.table].columns:
            problems.append(f"entity.fields: no column {name!r} in {entity.table}")
    for i, text in enumerate(catalog.relations):
        check(f"relations.{i}", lambda text=text: _check_relation(catalog, text))
    if problems:
        return problems
    graph = DataGraph(catalog)
    for name, prop in catalog.properties.items():
        check(f"properties.{name}", lambda prop=prop: graph.property_sql(prop.column))
    for name, derived in catalog.derived.items():
        if derived.table != entity.table:
            problems.append(f"derived.{name}.table: must be the entity table {entity.table}")
    for name, event in catalog.events.items():
        problems += _event_problems(catalog, graph, name, event)
    for name, measure in catalog.measures.items():
        problems += _measure_problems(catalog, graph, name, measure)
    problems += _role_problems(catalog, graph)
    return problems


def _check_relation(catalog: Catalog, text: str) -> None:
    r = Relation.parse(text)
    for table, column in ((r.child, r.child_column), (r.parent, r.parent_column)):
        if table not in catalog.tables:
            raise GraphError(f"unknown table {table!r}")
        if column not in catalog.tables[table].columns:
            raise GraphError(f"no column {table}.{column}")


def _event_problems(catalog: Catalog, graph: DataGraph, name: str, event: Event) -> list[str]:
    where = f"events.{name}"
    if event.union:
        problems = []
        for member in event.union:
            found = catalog.events.get(member)
            if found is None:
                problems.append(f"{where}.union: no event model {member!r}")
            elif found.union:
                problems.append(f"{where}.union: {member} is itself a union")
        for key in ("instance", "amount"):
            value = getattr(event, key)
            if value is not None and value != key:
                problems.append(f"{where}.{key}: a union's {key} is written '{key}'")
        return problems
    if event.table not in catalog.tables:
        return [f"{where}.table: unknown table {event.table!r}"]
    problems: list[str] = []
    for key in ("customer", "time"):
        ref = getattr(event, key)
        try:
            table, _ = graph.qualify(event.table, ref)
            graph.path(event.table, table, one_way=True)
        except GraphError as error:
            problems.append(f"{where}.{key}: {error}")
    try:
        fields = graph._resolve_fields(name)
    except GraphError as error:
        return [*problems, f"{where}.fields: {error}"]
    for fname, ref in fields.items():
        for table in ref.tables:
            try:
                graph.path(event.table, table)
            except GraphError as error:
                problems.append(f"{where}.fields.{fname}: {error}")
    for key in ("amount",):
        value = getattr(event, key)
        if value is not None and value not in fields:
            problems.append(f"{where}.{key}: no field {value!r}")
    if event.instance is not None:
        try:
            graph.qualify(event.table, event.instance)
        except GraphError as error:
            problems.append(f"{where}.instance: {error}")
    if event.lines is not None and event.lines not in catalog.events:
        problems.append(f"{where}.lines: no event model {event.lines!r}")
    for fname in event.defaults:
        if fname not in fields:
            problems.append(f"{where}.defaults.{fname}: no such field")
    for pname, predicate in event.predicates.items():
        try:
            for table in tables_in(predicate.sql):
                graph.path(event.table, table)
        except GraphError as error:
            problems.append(f"{where}.predicates.{pname}: {error}")
    if event.where:
        try:
            for table in tables_in(event.where):
                graph.path(event.table, table, one_way=True)
        except GraphError as error:
            problems.append(f"{where}.where: {error}")
    return problems


def _measure_problems(catalog: Catalog, graph: DataGraph, name: str, m: Measure) -> list[str]:
    where = f"measures.{name}"
    if m.event not in catalog.events:
        return [f"{where}.event: no event model {m.event!r}"]
    fields = graph._resolve_fields(m.event)
    problems = []
    if m.field is not None and m.field not in fields:
        problems.append(f"{where}.field: {m.event} has no field {m.field!r}")
    if m.aggregate in ("sum", "avg", "min", "max", "distinct") and m.field is None:
        problems.append(f"{where}: aggregate {m.aggregate} needs a field")
    problems += [f"{where}.filters.{f}: no such field" for f in m.filters if f not in fields]
    known = catalog.events[m.event].predicates
    problems += [f"{where}.predicates: no predicate {p!r}" for p in m.predicates if p not in known]
    return problems


def _role_problems(catalog: Catalog, graph: DataGraph) -> list[str]:
    roles = catalog.roles
    problems = []
    for key in ("purchases", "engagement"):
        value = getattr(roles, key)
        if value is not None and value not in catalog.events:
            problems.append(f"roles.{key}: no event model {value!r}")
    for key in ("revenue", "messages"):
        value = getattr(roles, key)
        if value is not None and value not in catalog.measures:
            problems.append(f"roles.{key}: no measure {value!r}")
    props = set(catalog.property_names())
    for key in ("signup", "age", "tenure", "birth", "birthday"):
        value = getattr(roles, key)
        if value is not None and value not in props:
            problems.append(f"roles.{key}: no customer property {value!r}")
    for name, derived in catalog.derived.items():
        if derived.bands_on is not None and derived.bands_on not in props:
            problems.append(f"derived.{name}.bands_on: no customer property {derived.bands_on!r}")
    problems += [f"roles.geography: no property {g!r}" for g in roles.geography if g not in props]
    purchases = roles.purchases
    if (
        roles.category
        and purchases in catalog.events
        and roles.category not in graph._resolve_fields(purchases)
    ):
        problems.append(f"roles.category: {roles.purchases} has no field {roles.category!r}")
    for channel, contact in roles.contact.items():
        if contact.consent not in props:
            problems.append(f"roles.contact.{channel}.consent: no property {contact.consent!r}")
        unsub = contact.unsubscribed
        if unsub is not None:
            if unsub.event not in catalog.events:
                problems.append(f"roles.contact.{channel}.unsubscribed: no event {unsub.event!r}")
            else:
                fields = graph._resolve_fields(unsub.event)
                problems += [
                    f"roles.contact.{channel}.unsubscribed.filters.{f}: no such field"
                    for f in unsub.filters
                    if f not in fields
                ]
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


# libyaml's parser when PyYAML has it: a large catalog (TPC-DS) parses in 0.2 s instead of 1.2 s.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
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


CATALOG_ENV = "SEGMENT_ASSISTANT_CATALOG"


def catalog_path_for(
    db: Path | str, catalog: Path | str | None = None, tables: set[str] | None = None
) -> Path:
    """Which catalog describes `db`: the one given, else $SEGMENT_ASSISTANT_CATALOG, else
    `X.catalog.yaml` beside `X.duckdb` (`DIR/catalog.yaml` in a folder of Parquet files), else
    the demo catalog when `db` has the demo's tables.

    `tables`: the database's table names when the caller has it open already (DuckDB allows
    one configuration per file per process). Raises CatalogError saying how to draft one.
    """
    if catalog is not None:
        return Path(catalog)
    env = os.environ.get(CATALOG_ENV)
    if env:
        return Path(env)
    db = Path(db)
    inside = db / "catalog.yaml"  # a folder of Parquet files (`data export`) carries its own
    if db.is_dir() and inside.exists():
        return inside
    beside = db.with_name(db.stem + ".catalog.yaml")
    if beside.exists():
        return beside
    if _has_tables_of(db, DEFAULT_CATALOG_PATH, tables):
        return DEFAULT_CATALOG_PATH
    raise CatalogError(
        f"no catalog for {db}: draft one with `segment-assistant catalog --db {db} -o {beside}`, "
        f"check it with `segment-assistant catalog check {beside} --db {db}`, then pass "
        f"--catalog {beside} (or keep it beside the database under that name)"
    )


def _has_tables_of(db: Path, catalog_path: Path, tables: set[str] | None) -> bool:
    """Whether a database holds every table a catalog names (the demo data does)."""
    import duckdb

    if tables is None:
        if not db.exists():
            return False
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                rows = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            tables = {row[0] for row in rows}
        except duckdb.Error:
            # The file is open in this process already (a sandboxed executor): ask through
            # one with the same configuration.
            from assistant.executor import ExecutionError, Executor

            try:
                with Executor(db) as executor:
                    tables = set(executor.schema())
            except (ExecutionError, duckdb.Error):
                return False
    return set(load_catalog(catalog_path).tables) <= set(tables)


def catalog_for(
    db: Path | str, catalog: Path | str | None = None, tables: set[str] | None = None
) -> Catalog:
    """The loaded catalog for a database (see `catalog_path_for`)."""
    return load_catalog(catalog_path_for(db, catalog, tables))
