"""The schema card: a compact, value-describing summary of a catalog (version 2) for LLM prompts.

Peers send the full DDL plus sample rows; that is large, leaks personal data and carries indirect
prompt injection. The card instead describes what a segment spec can name — the customer
properties (with their allowed values), the events with their fields, values and predicates, the
measures, the business definitions, terms and windows, the roles and the named segment models —
and, for the SQL fallback, the tables and how they join. Free text columns are described as such;
their contents never appear. Everything comes from the catalog: nothing here knows one dataset.

With a request, only what the request (and the segment being refined) uses gets its full
definition; everything else is listed by name, so the model still knows it exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.catalog import Catalog, Column, Table, Term, Value, normalise_phrase
from assistant.spec import (
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    NotGroup,
    OrGroup,
    RankCondition,
    SegmentRef,
    SegmentSpec,
    type_kind,
)
from assistant.tokens import count_tokens

SAMPLE_ROWS = 3
MAX_LISTED_VALUES = 60  # longer vocabularies (cities) are summarised; validation checks spellings
SUMMARY_EXAMPLES = 8
KIND_WORDS = {"text": "text", "number": "number", "date": "date", "boolean": "true/false"}
_PLACEHOLDER = {
    "n": r"\d+",
    "<month>": "(?:" + "|".join(
        ("january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december")
    ) + ")",
    "<year>": r"\d{4}",
}  # fmt: skip
_ANY_WORDS = r"\w[\w'-]*(?: \w[\w'-]*)?"  # a {category} placeholder in a phrase: one or two words


@dataclass(frozen=True)
class SchemaCard:
    text: str
    tables: list[str]  # the tables whose columns the card lists (what the SQL fallback may read)
    tokens: int
    full: dict[str, list[str]] = field(default_factory=dict)  # section -> names given in full


def render_schema_card(
    catalog: Catalog, request: str | None = None, *, current: SegmentSpec | None = None
) -> SchemaCard:
    """The card for `request` (everything in full when None); `current` is the segment being
    refined, whose names are kept in full too."""
    focus = _Focus.build(catalog, request, current)
    sections = [
        _dataset_section(catalog),
        _properties_section(catalog, focus),
        _events_section(catalog, focus),
        _measures_section(catalog, focus),
        _definitions_section(catalog, focus),
        _terms_section(catalog, focus),
        _windows_section(catalog, focus),
        _roles_section(catalog),
        _segment_models_section(focus),
        _tables_section(catalog, focus),
    ]
    text = "\n\n".join(s for s in sections if s)
    return SchemaCard(text=text, tables=focus.tables, tokens=count_tokens(text), full=focus.full)


# --- what the request uses ----------------------------------------------------------------------


@dataclass
class _Focus:
    """Which catalog entries get a full definition on this card."""

    everything: bool
    text: str = ""
    raw: str = ""  # the request as written, for stored codes ("IN", "OR") that are also words
    names: set[str] = field(default_factory=set)  # property, event, field, model names in use
    properties: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    fields: dict[str, set[str]] = field(default_factory=dict)  # event -> fields in full
    measures: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    full: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, catalog: Catalog, request: str | None, current: SegmentSpec | None) -> _Focus:
        if request is None:
            focus = cls(everything=True)
        else:
            text = normalise_phrase(request)
            focus = cls(everything=False, text=text, raw=request, names=_spec_names(current))
            focus.terms = [
                name
                for name, term in catalog.terms.items()
                if focus.mentions([_words(name), *term.synonyms])
            ]
            # "frequent shoppers" needs the purchases event: the term means "... purchases ..."
            extra = [normalise_phrase(catalog.terms[name].restatement) for name in focus.terms]
            focus.text = " ".join([text, *extra])
        focus._choose(catalog)
        return focus

    def mentions(self, phrases: Iterable[str | None], templated: bool = False) -> bool:
        """Whether the request says one of the phrases; `templated` phrases have placeholders
        ("last N days", "since <month>", "{category} buyers")."""
        return self.everything or any(
            _pattern(p, False).search(self.raw)
            if isinstance(p, _Code)
            else _pattern(normalise_phrase(p), templated).search(self.text)
            for p in phrases
            if p
        )

    def mentions_loosely(self, phrases: Iterable[str | None]) -> bool:
        """Like `mentions`, but a phrase of several words also matches when the request has all
        of them in any order ("bought jewelry online" for "bought online")."""
        if self.mentions(phrases):
            return True
        words = set(re.findall(r"[\w'-]+", self.text))
        return any(
            len(found) > 1 and set(found) <= words
            for p in phrases
            if p and not isinstance(p, _Code)
            for found in [re.findall(r"[\w'-]+", normalise_phrase(p))]
        )

    def uses(self, name: str, phrases: Iterable[str | None]) -> bool:
        return self.everything or name in self.names or self.mentions(phrases)

    def _choose(self, catalog: Catalog) -> None:
        if self.everything:
            self.terms = list(catalog.terms)
        self.properties = [
            p for p in catalog.property_names() if self.uses(p, _property_words(catalog, p))
        ]
        self.measures = [
            name
            for name, m in catalog.measures.items()
            if self.everything or self.mentions([_words(name), *m.phrases])
        ]
        own = {
            name
            for name in catalog.events
            if self.uses(name, _event_words(catalog, name))
            or self.mentions_loosely(_event_verbs(catalog, name))
            or any(catalog.measures[m].event == name for m in self.measures)
        }
        by_field: dict[str, set[str]] = {}
        for name in catalog.events:
            hits = {
                f
                for f, words in _field_words(catalog, name).items()
                if f in self.names or self.mentions(words)
            }
            if hits:
                by_field[name] = hits
        # Events the request names; when it names none, those whose field values it uses.
        chosen = own or set(by_field)
        self.events = [e for e in catalog.events if e in chosen]
        self.fields = {e: by_field.get(e, set()) for e in self.events}
        self.tables = _tables_for(catalog, self)
        self.full = {
            "properties": self.properties,
            "events": self.events,
            "measures": self.measures,
            "terms": self.terms,
            "tables": self.tables,
        }


def _spec_names(spec: SegmentSpec | None) -> set[str]:
    """Every catalog name a spec uses (attributes, sources, fields, predicates, models)."""
    names: set[str] = set()

    def visit(condition: Any) -> None:
        match condition:
            case AttributeCondition(attribute=attribute):
                names.add(attribute)
            case ActivityCondition() | RankCondition():
                act = condition.activity
                names.update([act.source, *act.filters, *act.predicates])
                if condition.field:
                    names.add(condition.field)
            case SegmentRef(model=model):
                names.add(model)
            case AndGroup(conditions=inner) | OrGroup(conditions=inner):
                for item in inner:
                    visit(item)
            case NotGroup(condition=inner):
                visit(inner)

    for condition in spec.conditions if spec is not None else []:
        visit(condition)
    return names


@lru_cache(maxsize=8192)
def _pattern(phrase: str, templated: bool = False) -> re.Pattern[str]:
    if not templated:
        return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")
    parts = re.split(r"(\bn\b|<month>|<year>|\{\w+\})", phrase)
    body = "".join(
        _PLACEHOLDER.get(p, _ANY_WORDS if p.startswith("{") else re.escape(p)) for p in parts
    )
    return re.compile(rf"(?<!\w){body}(?!\w)")


def _words(name: str) -> str:
    return name.replace("_", " ")


_NO_TABLE = Table(description="", columns={})


class _Code(str):
    """A short upper-case stored code ("IN", "OR", "US", "F"): named only when written so."""


def _value_words(column: Column | None) -> list[str]:
    words: list[str] = []
    for stored, value in ((column.values or {}) if column is not None else {}).items():
        # A stored number ("3" of a month or a count band) is not a word: requests are full of
        # numbers that mean something else; a code like "IN" (Indiana) is one only in capitals.
        if stored.replace(".", "").isdigit():
            code = []
        elif stored.isalpha() and stored.isupper() and len(stored) <= 3:
            code = [_Code(stored)]
        else:
            code = [stored]
        words += [*code, value.label or "", *value.synonyms]
    return words


def _property_words(catalog: Catalog, name: str) -> list[str]:
    words = [_words(name)]
    if name in catalog.derived:
        derived = catalog.derived[name]
        words += derived.synonyms
        for band, spec in derived.bands.items():
            words += [band, spec.label or "", *spec.synonyms]
        return words
    if name in catalog.properties:
        words += catalog.properties[name].synonyms
    column = _property_column(catalog, name)
    return [*words, *column.synonyms, *_value_words(column)]


def _property_column(catalog: Catalog, name: str) -> Column:
    table, column = catalog.property_column(name)
    return _resolved(catalog, catalog.tables[table].columns[column])


def _resolved(catalog: Catalog, column: Column) -> Column:
    """The column whose values a `values_from` column shares."""
    if column.values_from and not column.values:
        table, _, name = column.values_from.rpartition(".")
        return catalog.tables[table].columns[name]
    return column


def _event_words(catalog: Catalog, name: str) -> list[str]:
    event = catalog.events[name]
    words = [_words(name), event.noun, event.plural_noun, *event.verbs, *event.recency]
    for pname, predicate in event.predicates.items():
        words += [_words(pname), *predicate.synonyms]
    for mname, measure in catalog.measures.items():
        if measure.event == name:
            words += [_words(mname), *measure.phrases]
    if event.table and sum(e.table == event.table for e in catalog.events.values()) == 1:
        words += catalog.tables[event.table].synonyms  # words for the rows of its own table
    return words


def _event_verbs(catalog: Catalog, name: str) -> list[str]:
    event = catalog.events[name]
    return [*event.verbs, *event.recency]


def _event_field_columns(catalog: Catalog, event_name: str) -> dict[str, Column | None]:
    """The event's fields (except its customer and time columns) and the column behind each."""
    event = catalog.events[event_name]
    skip = {event.customer, event.time}
    out: dict[str, Column | None] = {}
    for fname in catalog.graph.event_fields(event_name):
        spec = event.fields.get(fname)
        if spec is None and fname in skip and not event.union:
            continue
        # A union's field is its first member's (the members share it by name).
        place = catalog.graph.member_field_ref(event_name, fname)
        if place is None or place[1] not in catalog.tables.get(place[0], _NO_TABLE).columns:
            out[fname] = None
            continue
        out[fname] = _resolved(catalog, catalog.tables[place[0]].columns[place[1]])
    return out


def _field_words(catalog: Catalog, event_name: str) -> dict[str, list[str]]:
    event = catalog.events[event_name]
    words = {}
    for fname, column in _event_field_columns(catalog, event_name).items():
        spec = event.fields.get(fname)
        own = [_words(fname), *(spec.synonyms if spec is not None else [])]
        if column is not None:
            own += [*column.synonyms, *_value_words(column)]
        words[fname] = own
    return words


def _members(catalog: Catalog, events: Iterable[str]) -> list[str]:
    """The events themselves, a union replaced by its members (recursively)."""
    out: list[str] = []
    for name in events:
        union = catalog.events[name].union
        for member in _members(catalog, union) if union else [name]:
            if member not in out:
                out.append(member)
    return out


def _tables_for(catalog: Catalog, focus: _Focus) -> list[str]:
    if focus.everything:
        return list(catalog.tables)
    wanted = {catalog.entity.table}
    for name in focus.properties:
        place = catalog.property_column(name)
        if place is not None:
            wanted.add(place[0])
    graph = catalog.graph
    for chosen in focus.events:
        shown = focus.fields.get(chosen, set())
        for name in _members(catalog, [chosen]):
            event = catalog.events[name]
            refs = graph.event_fields(name)
            needed = {graph.qualify(event.table, r)[0] for r in (event.customer, event.time)}
            for fname in shown & set(refs):
                needed |= set(refs[fname].tables)
            wanted.add(event.table)
            for table in needed:  # with the tables on the way, so the joins can be written
                wanted |= {hop.target for hop in graph.path(event.table, table)}
    return [t for t in catalog.tables if t in wanted]


# --- rendering ------------------------------------------------------------------------------------


def _dataset_section(catalog: Catalog) -> str:
    entity = catalog.entity
    return (
        f"Dataset {catalog.dataset.name}: {_one_line(catalog.dataset.description)}\n"
        f"A segment is a set of {entity.plural} (table {entity.table}, key {entity.key}); every "
        "window is relative to the data's as_of date."
    )


def _properties_section(catalog: Catalog, focus: _Focus) -> str:
    lines = [_property_line(catalog, name, focus) for name in focus.properties]
    rest = [p for p in catalog.property_names() if p not in focus.properties]
    if rest:
        lines.append("- also (name only): " + _by_kind(catalog, rest))
    title = f"{catalog.entity.noun.capitalize()} properties (attribute conditions)"
    return _section(title, lines)


def _property_line(catalog: Catalog, name: str, focus: _Focus) -> str:
    if name in catalog.derived:
        derived = catalog.derived[name]
        kind = KIND_WORDS[type_kind(derived.type)]
        line = f"- {name} ({kind}, computed at as_of): {_one_line(derived.description)}"
        if derived.bands:
            line += " Values: " + ", ".join(
                f"{k} ({b.label})" if b.label else k for k, b in derived.bands.items()
            )
        return line
    column = _property_column(catalog, name)
    description = column.description
    if name in catalog.properties and catalog.properties[name].description:
        description = catalog.properties[name].description or description
    return _column_line(name, column, focus, description)


def _column_line(name: str, column: Column, focus: _Focus, description: str | None = None) -> str:
    kind = KIND_WORDS[type_kind(column.type)]
    parts = [f"- {name} ({kind}): {_sentence(description or column.description)}"]
    if column.null_means:
        parts.append(f"NULL = {_one_line(column.null_means)}.")
    if column.values and kind != "true/false":
        parts.append(_values_text(column, focus))
    elif kind == "text":
        parts.append("(free text; values not listed)")
    return " ".join(parts)


def _by_kind(catalog: Catalog, names: list[str], kinds: Mapping[str, str] | None = None) -> str:
    groups: dict[str, list[str]] = {}
    for name in names:
        kind = kinds[name] if kinds is not None else _property_kind(catalog, name)
        groups.setdefault(kind, []).append(name)
    return "; ".join(f"{kind}: {', '.join(items)}" for kind, items in groups.items())


def _property_kind(catalog: Catalog, name: str) -> str:
    if name in catalog.derived:
        return KIND_WORDS[type_kind(catalog.derived[name].type)]
    return KIND_WORDS[type_kind(_property_column(catalog, name).type)]


def _values_text(column: Column, focus: _Focus) -> str:
    values = column.values or {}
    if len(values) > MAX_LISTED_VALUES:
        named = [k for k, v in values.items() if not focus.everything and _value_named(k, v, focus)]
        examples = list(dict.fromkeys([*named, *list(values)[:SUMMARY_EXAMPLES]]))
        listed = ", ".join(_value_text(k, values[k]) for k in examples)
        return f"{len(values)} known values, written as usual (e.g. {listed})."
    parent = _common_parent(values.values())
    if parent is None:
        return "Values: " + ", ".join(_value_text(k, v) for k, v in values.items())
    # Hierarchies (city -> region -> country) are listed once per parent, not once per value.
    groups: dict[str, list[str]] = {}
    for stored, value in values.items():
        groups.setdefault(getattr(value, parent), []).append(_value_text(stored, value))
    listed = "; ".join(f"{p}: {', '.join(items)}" for p, items in groups.items())
    return f"Values by {parent}: {listed}"


def _value_named(stored: str, value: Value, focus: _Focus) -> bool:
    return focus.mentions([stored, value.label, *value.synonyms])


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


def _events_section(catalog: Catalog, focus: _Focus) -> str:
    blocks = [_event_block(catalog, name, focus) for name in focus.events]
    rest = [e for e in catalog.events if e not in focus.events]
    if rest:
        named = [
            e
            if normalise_phrase(catalog.events[e].noun) in (_words(e), _words(e).rstrip("s"))
            else f"{e} ({catalog.events[e].noun})"
            for e in rest
        ]
        blocks.append("- also (name only): " + ", ".join(named))
    if not blocks:
        return ""
    head = (
        "## Events (activity.source of activity and rank conditions; filters: "
        "{field: [values] | true/false | {min, max}}; predicates: [names])"
    )
    return head + "\n" + "\n".join(blocks)


def _event_facts(event: Any) -> list[str]:
    """What an event's rows are: its grain, its amount and its default filters."""
    facts = []
    if event.instance:
        facts.append(f"one {event.noun} per {event.instance}")
    if event.amount:
        facts.append(f"amount field {event.amount}")
    if event.defaults:
        facts.append(
            "unless filtered: "
            + "; ".join(f"{f} in {', '.join(map(str, v))}" for f, v in event.defaults.items())
        )
    return facts


def _event_block(catalog: Catalog, name: str, focus: _Focus) -> str:
    event = catalog.events[name]
    facts = [f"any of {', '.join(event.union)}"] if event.union else []
    facts += _event_facts(event)
    head = f"### {name}: {_one_line(event.description)}"
    lines = [head + (f" ({'; '.join(facts)})" if facts else "")]
    columns = _event_field_columns(catalog, name)
    refs = catalog.graph.event_fields(name)
    shown = focus.fields.get(name, set())
    rest: list[str] = []
    for fname, column in columns.items():
        if not (focus.everything or fname in shown):
            rest.append(fname)
            continue
        spec = event.fields.get(fname)
        description = (spec.description if spec is not None else None) or (
            column.description if column is not None else None
        )
        if column is None:
            kind = KIND_WORDS[type_kind(refs[fname].type)]
            about = f": {_sentence(description)}" if description else ""
            lines.append(f"- {fname} ({kind}){about}")
        else:
            lines.append(_column_line(fname, column, focus, description))
    if rest:
        kinds = {f: KIND_WORDS[type_kind(refs[f].type)] for f in rest}
        lines.append("- other fields: " + _by_kind(catalog, rest, kinds))
    for pname, predicate in event.predicates.items():
        lines.append(f"- predicate {pname}: {_one_line(predicate.description)}")
    return "\n".join(lines)


def _measures_section(catalog: Catalog, focus: _Focus) -> str:
    lines = [_measure_line(catalog, name) for name in focus.measures]
    rest = [m for m in catalog.measures if m not in focus.measures]
    if rest:
        lines.append("- also (name only): " + ", ".join(rest))
    return _section("Measures (write them as shown)", lines)


def _measure_line(catalog: Catalog, name: str) -> str:
    m = catalog.measures[name]
    activity: dict[str, Any] = {"source": m.event}
    written: dict[str, Any] = {"activity": activity}
    rows: dict[str, Any] = {}
    if m.filters:
        rows["filters"] = m.filters
    if m.predicates:
        rows["predicates"] = m.predicates
    if m.aggregate == "share":
        written["measure"] = "share"
        written["share_of"] = rows
    else:
        activity.update(rows)
        written["measure"] = m.aggregate
    if m.field:
        written["field"] = m.field
    text = json.dumps(written, separators=(",", ":"))
    return f"- {name} ({m.unit}): {_one_line(m.description)} = {text}"


def _definitions_section(catalog: Catalog, focus: _Focus) -> str:
    lines, rest = [], []
    for name, d in catalog.definitions.items():
        if focus.everything or not d.phrases or focus.mentions(d.phrases, templated=True):
            lines.append(f"- {name}: {_one_line(d.description)}")
        else:
            rest.append(name)
    if rest:
        lines.append("- also (name only): " + ", ".join(rest))
    return _section("Business definitions (always obey)", lines)


def _terms_section(catalog: Catalog, focus: _Focus) -> str:
    """Definitions of the terms the request uses; the other terms by name only."""
    lines = []
    for name in focus.terms:
        term = catalog.terms[name]
        also = [s for s in term.synonyms[:2] if normalise_phrase(s) != _words(name)]
        line = f"- {name}: {_term_meaning(term)}" + (f" (also: {', '.join(also)})" if also else "")
        if term.note:
            line += f" Note: {_one_line(term.note)}"
        lines.append(line)
    rest = [t for t in catalog.terms if t not in focus.terms]
    if rest:
        lines.append(f"- also defined (not used in this request): {', '.join(rest)}")
    return _section("Marketing terms (use the stated meaning)", lines)


def _term_meaning(term: Term) -> str:
    if term.means:
        return f'means "{term.means}"'
    readings = " or ".join(f'"{c}"' for c in term.choices)
    return f"ambiguous: ask which is meant, {readings}"


def _windows_section(catalog: Catalog, focus: _Focus) -> str:
    lines, rest = [], []
    for name, window in catalog.windows.items():
        if focus.everything or focus.mentions(window.phrases, templated=True):
            lines.append(f"- {name}: {_one_line(window.description)}")
        else:
            rest.append(name)
    if rest:
        lines.append("- also (name only): " + ", ".join(rest))
    return _section("Time windows (relative to as_of)", lines)


def _roles_section(catalog: Catalog) -> str:
    roles = catalog.roles
    parts = [
        f"{label} {value}"
        for label, value in (
            ("purchases event", roles.purchases),
            ("revenue measure", roles.revenue),
            ("engagement event", roles.engagement),
            ("messages measure", roles.messages),
            ("signup date", roles.signup),
            ("age", roles.age),
            ("tenure", roles.tenure),
            ("category field", roles.category),
        )
        if value
    ]
    if roles.geography:
        parts.append("geography " + " > ".join(roles.geography))
    if roles.contact:
        parts.append(
            "contact " + ", ".join(f"{ch} (consent {c.consent})" for ch, c in roles.contact.items())
        )
    return _section("Roles", ["; ".join(parts)] if parts else [])


def _segment_models_section(focus: _Focus) -> str:
    try:
        from assistant.segmodels import labels, model_names

        models = {model: labels(model) for model in model_names()}
    except Exception:  # the named models are optional: no card section without them
        return ""
    lines, rest = [], []
    for model, found in models.items():
        words = [_words(model), *(w for label in found for w in (label.key, label.name))]
        if focus.uses(model, words):
            lines.append(
                f"- {model}: " + ", ".join(f"{label.key} ({label.name})" for label in found)
            )
        else:
            rest.append(model)
    if rest:
        lines.append("- also (name only): " + ", ".join(rest))
    return _section("Named segment models (segment_ref model: label key)", lines)


def _tables_section(catalog: Catalog, focus: _Focus) -> str:
    listed = set(focus.tables)
    lines = [f"- {name}({', '.join(catalog.tables[name].columns)})" for name in focus.tables]
    lines += [
        f"- join {text.strip()}"
        for text in catalog.relations
        if {t.split(".")[0].strip() for t in text.split("->")} <= listed
    ]
    rest = [t for t in catalog.tables if t not in listed]
    if rest:
        lines.append("- also (name only): " + ", ".join(rest))
    return _section("Tables (for the sql fallback only; joins are many-to-one)", lines)


def _section(title: str, lines: list[str]) -> str:
    return f"## {title}\n" + "\n".join(lines) if lines else ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _sentence(text: str) -> str:
    text = _one_line(text)
    return text if not text or text[-1] in ".!?)" else text + "."


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


# --- version 3: a stable card (the prompt's cached prefix) and the request's own details -------

STABLE_DESCRIPTION_WORDS = 40  # the dataset's description, clipped: the card is sent every time
DETAIL_LISTED_VALUES = 16  # more values than this: only the ones the request names are listed
DETAIL_DESCRIPTION_WORDS = 24
REQUEST_CARD_BUDGET = 520  # tokens; entries past it (least important last) are left out


def render_stable_card(catalog: Catalog) -> str:
    """The part of the card that is the same for every request on this catalog: every name the
    spec may use (properties by kind, events, measures, terms, windows, models, tables) without
    their definitions, which `render_request_card` adds for the names a request uses. Kept
    byte-identical across requests so a server's prefix cache holds it."""
    return catalog.cached("schema_card:stable:v3", _stable_card)


def _stable_card(catalog: Catalog) -> str:
    entity = catalog.entity
    lines = [
        f"Dataset {catalog.dataset.name}: "
        + _clip_words(catalog.dataset.description, STABLE_DESCRIPTION_WORDS),
        f"A segment is a set of {entity.plural} (table {entity.table}, key {entity.key}).",
        "Properties (attribute): " + _by_kind(catalog, _stable_properties(catalog)),
        "Events (activity.source): "
        + ", ".join(
            f"{name} (any of {', '.join(e.union)})" if e.union else name
            for name, e in catalog.events.items()
        ),
    ]
    # Measures and marketing terms are not names a spec uses: the request's details show the
    # ones it says, written out as conditions.
    roles = _roles_section(catalog)
    if roles:
        lines.append("Roles: " + roles.split("\n", 1)[1])
    models = _segment_model_labels()
    if models:
        lines.append("Segment models (segment_ref model: labels): " + "; ".join(
            f"{model}: {', '.join(keys)}" for model, keys in models.items()
        ))  # fmt: skip
    lines.append("Tables (sql fallback only): " + ", ".join(catalog.tables))
    return "\n".join(lines)


def _stable_properties(catalog: Catalog) -> list[str]:
    """The properties worth naming to a model: not the key, nor a key that joins another table
    (a request never selects on those; the SQL fallback has the tables)."""
    entity = catalog.entity
    keys = {entity.key}
    for text in catalog.relations:
        for side in text.split("->"):
            table, _, column = side.strip().partition(".")
            if table == entity.table:
                keys.add(column)
    return [p for p in catalog.property_names() if p not in keys]


def _segment_model_labels() -> dict[str, list[str]]:
    try:
        from assistant.segmodels import labels, model_names

        return {model: [label.key for label in labels(model)] for model in model_names()}
    except Exception:  # the named models are optional
        return {}


def render_request_card(
    catalog: Catalog,
    request: str,
    *,
    current: SegmentSpec | None = None,
    budget: int = REQUEST_CARD_BUDGET,
) -> SchemaCard:
    """The definitions of what `request` (and the segment being refined) uses: its properties
    with their values (only the named ones of a long list), its events with the fields it
    names, its measures written as a spec, its terms, windows and definitions. Small on purpose:
    it is the per-request part of the prompt, after the stable card."""
    focus = _Focus.build(catalog, request, current)
    items: list[str] = []  # in order of importance: what does not fit the budget is left out
    lines = items
    for name in focus.properties:
        lines.append(_detail_property(catalog, name, focus))
    for name in focus.events:
        lines.append("\n".join(_detail_event(catalog, name, focus)))
    for name in focus.measures:
        lines.append(_measure_line(catalog, name).replace("- ", "- measure ", 1))
    for name in focus.terms:
        term = catalog.terms[name]
        line = f"- term {name}: {_term_meaning(term)}"
        if term.note:
            line += f" ({_clip_words(term.note, DETAIL_DESCRIPTION_WORDS)})"
        lines.append(line)
    for name, window in catalog.windows.items():
        if focus.mentions(window.phrases, templated=True):
            lines.append(f"- window {name}: {_clip_words(window.description, 30)}")
    models = _segment_model_labels()
    try:
        from assistant.segmodels import labels
    except Exception:  # pragma: no cover - the models are optional
        labels = None
    for model in models if labels is not None else []:
        found = labels(model)
        words = [_words(model), *(w for label in found for w in (label.key, label.name))]
        if focus.uses(model, words):
            listed = ", ".join(f"{label.key} ({label.name})" for label in found)
            lines.append(f"- segment model {model}: {listed}")
    for name, d in catalog.definitions.items():
        if d.phrases and focus.mentions(d.phrases, templated=True):
            lines.append(f"- rule {name}: {_clip_words(d.description, 40)}")
    kept, used = [], 0
    for item in items:
        cost = count_tokens(item) + 1
        if used + cost <= budget:
            kept.append(item)
            used += cost
    text = "\n".join(kept) if kept else "(nothing in the request matched a catalog name)"
    return SchemaCard(text=text, tables=focus.tables, tokens=count_tokens(text), full=focus.full)


def _detail_property(catalog: Catalog, name: str, focus: _Focus) -> str:
    if name in catalog.derived:
        derived = catalog.derived[name]
        kind = KIND_WORDS[type_kind(derived.type)]
        line = f"- property {name} ({kind}): {_clip_words(derived.description, 20)}"
        if derived.bands:
            line += " Values: " + ", ".join(
                f"{k} ({b.label})" if b.label and b.label != k else k
                for k, b in derived.bands.items()
            )
        return line
    column = _property_column(catalog, name)
    description = column.description
    if name in catalog.properties and catalog.properties[name].description:
        description = catalog.properties[name].description or description
    return "- property " + _detail_column(name, column, focus, description)


def _detail_column(name: str, column: Column, focus: _Focus, description: str | None) -> str:
    kind = KIND_WORDS[type_kind(column.type)]
    text = f"{name} ({kind})"
    about = _clip_words(description or "", DETAIL_DESCRIPTION_WORDS)
    if about:
        text += f": {about}"
    if column.values and kind != "true/false":
        values = column.values
        if len(values) > DETAIL_LISTED_VALUES:
            named = [k for k, v in values.items() if _value_said(k, v, focus)]
            listed = ", ".join(_short_value(k, values[k]) for k in named)
            text += f" {len(values)} values" + (f", here: {listed}" if named else "")
        else:
            text += " Values: " + ", ".join(_short_value(k, v) for k, v in values.items())
    return text


def _value_said(stored: str, value: Value, focus: _Focus) -> bool:
    code = stored.isalpha() and stored.isupper() and len(stored) <= 3
    return focus.mentions([_Code(stored) if code else stored, value.label, *value.synonyms])


def _short_value(stored: str, value: Value) -> str:
    if value.label and normalise_phrase(value.label) != normalise_phrase(stored):
        return f"{stored} ({value.label})"
    return stored


def _detail_event(catalog: Catalog, name: str, focus: _Focus) -> list[str]:
    event = catalog.events[name]
    facts = _event_facts(event)
    head = f"- event {name}: {_clip_words(event.description, DETAIL_DESCRIPTION_WORDS)}"
    lines = [head + (f" ({'; '.join(facts)})" if facts else "")]
    columns = _event_field_columns(catalog, name)
    refs = catalog.graph.event_fields(name)
    for fname in sorted(focus.fields.get(name, set()), key=list(columns).index):
        column = columns[fname]
        spec = event.fields.get(fname)
        description = (spec.description if spec is not None else None) or (
            column.description if column is not None else None
        )
        if column is None:
            kind = KIND_WORDS[type_kind(refs[fname].type)]
            about = _clip_words(description or "", DETAIL_DESCRIPTION_WORDS)
            lines.append(f"  - field {fname} ({kind})" + (f": {about}" if about else ""))
        else:
            lines.append("  - field " + _detail_column(fname, column, focus, description))
    if event.predicates:
        lines.append("  - predicates: " + ", ".join(event.predicates))
    return lines


def _clip_words(text: str, limit: int) -> str:
    """The first sentence of `text`, at most `limit` words ("…" when cut)."""
    text = _one_line(text)
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    words = first.split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")
