"""How catalog things map onto the segment spec: sources, measures, filters, bands.

Everything here is read off the loaded catalog (events, their fields and predicates, measures,
properties), so the grammar works the same on any schema the catalog describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.catalog import Catalog
from assistant.rules.lexicon import Meaning


@dataclass(frozen=True)
class MeasureShape:
    source: str
    filters: dict[str, Any]
    predicates: tuple[str, ...]
    measure: str
    field: str | None


@dataclass
class Vocabulary:
    """The catalog seen by the grammar: which event a value, measure or predicate belongs to."""

    catalog: Catalog
    measures: dict[str, MeasureShape] = field(default_factory=dict)
    # (event, predicate name) pairs, keyed by predicate name
    predicates: dict[str, list[str]] = field(default_factory=dict)
    # (table, column) of a value -> [(event, field)] in catalog order
    value_fields: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    table_source: dict[str, str] = field(default_factory=dict)
    table_order: list[str] = field(default_factory=list)
    boolean_fields: set[tuple[str, str]] = field(default_factory=set)
    # (table, column) of a customer property -> property name
    property_of: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def build(cls, catalog: Catalog) -> Vocabulary:
        v = cls(catalog)
        for name, m in catalog.measures.items():
            if m.aggregate == "share":
                continue  # a share needs which rows: not a plain measure phrase (yet)
            v.measures[name] = MeasureShape(
                m.event, dict(m.filters), tuple(m.predicates), m.aggregate, m.field
            )
        graph = catalog.graph
        for event_name, event in catalog.events.items():
            for pname in event.predicates:
                v.predicates.setdefault(pname, []).append(event_name)
            for fname, ref in graph.event_fields(event_name).items():
                place = graph.member_field_ref(event_name, fname)
                if place is None or place[1] not in catalog.tables[place[0]].columns:
                    continue
                table, column = place
                keys = [(table, column)]
                col = catalog.tables[table].columns[column]
                if col.values_from:
                    t, _, c = col.values_from.rpartition(".")
                    keys.append((t, c))
                for key in keys:
                    v.value_fields.setdefault(key, []).append((event_name, fname))
                if ref.type.upper().startswith("BOOL"):
                    v.boolean_fields.add((event_name, fname))
                for t in (event.table, table) if not event.union else ():
                    v.table_source.setdefault(t, event_name)
                    if t not in v.table_order:
                        v.table_order.append(t)
        # A value of a table narrows first the event whose own rows are that table ("3 or more
        # admins": the users, not the usage events that reach users), then catalog order.
        for (table, _), found in v.value_fields.items():
            found.sort(key=lambda pair: catalog.events[pair[0]].table != table)
        entity = catalog.entity.table
        for column in catalog.tables[entity].columns:
            v.property_of[(entity, column)] = column
        for pname, prop in catalog.properties.items():
            table, _, column = prop.column.rpartition(".")
            v.property_of.setdefault((table, column), pname)
        return v

    # -- questions the grammar asks ---------------------------------------------------------------

    def default_source(self) -> str:
        """The event a bare 'bought', a money amount or a ranking is about."""
        return self.catalog.roles.purchases or next(iter(self.catalog.events))

    def measure_source(self, name: str) -> str | None:
        shape = self.measures.get(name)
        return shape.source if shape else None

    def predicate_sources(self, name: str) -> list[str]:
        return self.predicates.get(name, [])

    def value_target(self, value: Meaning, source: str) -> tuple[str, str] | None:
        """The (source, field) a value narrows when the activity is `source`, if any."""
        for event, fname in self.value_fields.get((value.table or "", value.column or ""), []):
            if event == source:
                return event, fname
        return None

    def value_source(self, value: Meaning) -> str | None:
        """The first event whose rows a value narrows (catalog order)."""
        found = self.value_fields.get((value.table or "", value.column or ""))
        return found[0][0] if found else None

    def default_field_sources(self, value: Meaning) -> set[str]:
        """Events for which this value is of the field they default (an event's kind)."""
        if value.kind != "value":
            return set()
        found = self.value_fields.get((value.table or "", value.column or ""), [])
        return {e for e, f in found if f in self.catalog.events[e].defaults}

    def is_property(self, table: str | None, column: str | None) -> bool:
        return (table or "", column or "") in self.property_of

    def property_name(self, table: str | None, column: str | None) -> str | None:
        return self.property_of.get((table or "", column or ""))

    def is_boolean(self, source: str, fname: str) -> bool:
        return (source, fname) in self.boolean_fields

    def amount(self, source: str) -> str | None:
        return self.catalog.events[source].amount

    def specificity(self, table: str | None) -> int:
        return self.table_order.index(table) if table in self.table_order else 99


def vocabulary_for(catalog: Catalog) -> Vocabulary:
    """Built once per loaded catalog."""
    return catalog.cached("rules.vocabulary", Vocabulary.build)


UNIT_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 365}


def band_bounds(key: str) -> tuple[float, float] | None:
    """'<25k' -> (0, 25000), '25-50k' -> (25000, 50000), '200k+' -> (200000, inf), '1-10'."""
    text = key.replace(",", "").lower()
    scale = 1000 if "k" in text else 1
    text = text.replace("k", "")
    try:
        if text.startswith("<"):
            return 0.0, float(text[1:]) * scale
        if text.startswith(">"):
            return float(text[1:]) * scale, float("inf")
        if text.endswith("+"):
            return float(text[:-1]) * scale, float("inf")
        low, high = text.split("-")
        return float(low) * scale, float(high) * scale
    except ValueError:
        return None


def band_satisfies(bounds: tuple[float, float], op: str, low: float, high: float) -> bool:
    """A band qualifies when every value in it satisfies the comparison."""
    start, end = bounds
    return {
        ">": start >= low,
        ">=": start >= low,
        "<": end <= low,
        "<=": end <= low,
        "between": start >= low and end <= high,
        "=": start <= low < end,
    }.get(op, False)
