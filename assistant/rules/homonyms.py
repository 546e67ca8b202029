"""One name, several places: a value phrase that is a value of two columns of one table whose
hierarchy links disagree ("Victoria": a region of AU and a city of CA).

The catalog's links (`country`, `region`, `category` of a value) tell nested readings (the city
of Berlin lies in the region Berlin: either reading is the same place) from rival ones. Another
value said in the request that a link names ("Victoria, Australia", "Victoria, British
Columbia") picks the reading it fits; with none, the request is ambiguous and the backend asks
which one, each choice a request of its own that names the link.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.rules.items import Item

if TYPE_CHECKING:
    from assistant.catalog import Catalog, Value
    from assistant.rules.lexicon import Meaning

LINKS = ("country", "region", "category")


@dataclass(frozen=True)
class Reading:
    """One place a name may be, and a phrase that says which."""

    meaning: Meaning
    qualifier: str  # "Australia", "British Columbia"


@dataclass(frozen=True)
class Homonym:
    text: str  # the name as said (normalised)
    label: str  # the name as stored
    readings: tuple[Reading, ...]


def resolve_homonyms(items: list[Item], catalog: Catalog) -> tuple[list[Item], list[Homonym]]:
    """The items with each homonym's fitting reading first, and the homonyms left open."""
    out, open_ = list(items), []
    said = _said_values(items)
    for k, item in enumerate(items):
        readings = _rival_readings(item, catalog)
        if not readings:
            continue
        others = said - {(m.table, m.column, m.value) for m in item.meanings}
        fitting = [m for m in readings if _fits(m, catalog, others)]
        # "Melbourne, Victoria": a place said beside it lies in one reading
        inside = [m for m in fitting if _holds_another(m, items, k, catalog)]
        fitting = inside if len(inside) == 1 else fitting
        if len(fitting) == 1:
            lead = fitting[0]
            out[k] = replace(item, meanings=[lead, *[m for m in item.meanings if m is not lead]])
        elif len(fitting) == len(readings):
            choices = tuple(Reading(m, _qualifier(m, readings, catalog)) for m in readings)
            if all(c.qualifier for c in choices):
                open_.append(Homonym(item.text, str(readings[0].value), choices))
    return out, open_


def _holds_another(m: Meaning, items: list[Item], k: int, catalog: Catalog) -> bool:
    for j, other in enumerate(items):
        if j == k or other.kind != "value":
            continue
        beside = other.meaning
        if beside.column != m.column and _links(beside, catalog).get(m.column or "") == m.value:
            return True
    return False


def _said_values(items: list[Item]) -> set[tuple[str | None, str | None, str | None]]:
    return {
        (i.meaning.table, i.meaning.column, i.meaning.value) for i in items if i.kind == "value"
    }


def _value(catalog: Catalog, m: Meaning) -> Value | None:
    if m.table is None or m.column is None or m.value is None:
        return None
    return (catalog.column(m.table, m.column).values or {}).get(m.value)


def _rival_readings(item: Item, catalog: Catalog) -> list[Meaning]:
    """The item's value readings on different columns of one table whose links disagree."""
    values = [m for m in item.meanings if m.kind == "value" and _value(catalog, m) is not None]
    if len({m.column for m in values}) < 2 or len({m.table for m in values}) != 1:
        return []
    for a in values:
        for b in values:
            if a.column != b.column and _rivals(a, b, catalog):
                return values
    return []


def _links(m: Meaning, catalog: Catalog) -> dict[str, str]:
    value = _value(catalog, m)
    links = {k: getattr(value, k) for k in LINKS if value is not None and getattr(value, k)}
    if m.column in LINKS and m.value is not None:
        links[m.column] = m.value  # a region reading is its own region
    return links


def _rivals(a: Meaning, b: Meaning, catalog: Catalog) -> bool:
    la, lb = _links(a, catalog), _links(b, catalog)
    return any(la[k] != lb[k] for k in la.keys() & lb.keys())


def _fits(m: Meaning, catalog: Catalog, others: set[tuple[str | None, ...]]) -> bool:
    """No other value said in the request contradicts a link of this reading."""
    links = _links(m, catalog)
    for table, column, value in others:
        if table == m.table and column in links and links[column] != value:
            return False
    return True


def _qualifier(m: Meaning, readings: list[Meaning], catalog: Catalog) -> str:
    """The label of the first link on which this reading differs from every rival."""
    mine = _links(m, catalog)
    rivals = [_links(r, catalog) for r in readings if r is not m]
    for key in LINKS:
        if key == m.column or key not in mine:
            continue
        if all(r.get(key) != mine[key] for r in rivals):
            return _label(catalog, m.table, key, mine[key])
    return ""


def _label(catalog: Catalog, table: str | None, column: str, value: str) -> str:
    columns = catalog.table(table).columns if table else {}
    stored = columns[column].values or {} if column in columns else {}
    entry = stored.get(value)
    return entry.label if entry is not None and entry.label else value


def locates(a: Item, b: Item, catalog: Catalog) -> bool:
    """'Victoria, British Columbia': b names where a is (a link of one of a's readings)."""
    for ma in a.meanings:
        if ma.kind != "value" or _value(catalog, ma) is None:
            continue
        links = _links(ma, catalog)
        for mb in b.meanings:
            if mb.kind == "value" and mb.column != ma.column and links.get(mb.column) == mb.value:
                return True
    return False
