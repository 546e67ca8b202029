"""One name, several places: "Victoria" (a region of AU and a city of CA), "CA" (Canada, or
California's usual short form), "Sydney" (one stored city value for two namesakes).

The catalog's links (`country`, `region`, `category` of a value, and a value's `namesakes`) tell
nested readings (the city of Berlin lies in the region Berlin: either reading is the same place)
from rival ones. Another value said in the request that fits one reading ("Victoria, Australia",
"Melbourne, Victoria", "Sydney, Nova Scotia") picks it; with none, the request is ambiguous and
the backend asks which, each choice a request of its own.
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
class Homonym:
    text: str  # the name as said (normalised)
    label: str  # the name as stored
    choices: tuple[str, ...]  # what to say instead, one per reading ("Victoria, Australia")


def resolve_homonyms(items: list[Item], catalog: Catalog) -> tuple[list[Item], list[Homonym]]:
    """The items with each homonym's fitting reading first, and the homonyms left open."""
    out, open_ = list(items), []
    said = _said_values(items)
    for k, item in enumerate(items):
        others = said - {(m.table, m.column, m.value) for m in item.meanings}
        readings = _rival_readings(item, catalog)
        if readings:
            fitting = [m for m in readings if _fits(_links(m, catalog), m.table, others)]
            inside = [m for m in fitting if _holds_another(m, items, k, catalog)]
            fitting = inside if len(inside) == 1 else fitting
            if len(fitting) == 1:
                lead = fitting[0]
                rest = [m for m in item.meanings if m is not lead]
                out[k] = replace(item, meanings=[lead, *rest])
            elif len(fitting) == len(readings):
                choices = _choices(readings, catalog)
                if choices:
                    open_.append(Homonym(item.text, _stored(readings[0]), choices))
            continue
        namesakes = _namesakes(item, catalog)
        if namesakes and not any(_fits_said(links, item, others) for links in namesakes):
            lead = item.meaning
            choices = tuple(
                f"{_stored(lead)}, {_label(catalog, lead.table, 'country', n['country'])}"
                for n in namesakes
                if "country" in n
            )
            if len(choices) == len(namesakes) and len(set(choices)) == len(choices):
                open_.append(Homonym(item.text, _stored(lead), choices))
    return out, open_


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


def _stored(m: Meaning) -> str:
    return str(m.value)


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


def _namesakes(item: Item, catalog: Catalog) -> list[dict[str, str]]:
    if item.kind != "value":
        return []
    value = _value(catalog, item.meaning)
    return list(value.namesakes) if value is not None and len(value.namesakes) > 1 else []


def _links(m: Meaning, catalog: Catalog) -> dict[str, str]:
    value = _value(catalog, m)
    links = {k: getattr(value, k) for k in LINKS if value is not None and getattr(value, k)}
    if m.column in LINKS and m.value is not None:
        links[m.column] = m.value  # a region reading is its own region
    return links


def _rivals(a: Meaning, b: Meaning, catalog: Catalog) -> bool:
    la, lb = _links(a, catalog), _links(b, catalog)
    return any(la[k] != lb[k] for k in la.keys() & lb.keys())


def _fits(links: dict[str, str], table: str | None, others: set[tuple[str | None, ...]]) -> bool:
    """No other value said in the request contradicts a link of this reading."""
    return all(
        not (t == table and column in links and links[column] != value)
        for t, column, value in others
    )


def _fits_said(links: dict[str, str], item: Item, others: set[tuple[str | None, ...]]) -> bool:
    """A namesake that another value said names ('Sydney, Australia')."""
    return any(t == item.meaning.table and links.get(c or "") == v for t, c, v in others)


def _holds_another(m: Meaning, items: list[Item], k: int, catalog: Catalog) -> bool:
    """'Melbourne, Victoria': another place said lies in this reading."""
    for j, other in enumerate(items):
        if j == k or other.kind != "value":
            continue
        beside = other.meaning
        if beside.column != m.column and _links(beside, catalog).get(m.column or "") == m.value:
            return True
    return False


def _choices(readings: list[Meaning], catalog: Catalog) -> tuple[str, ...]:
    """Each reading said plainly: its own label when the labels differ ('Canada',
    'California'), else the name with where it lies ('Victoria, Australia')."""
    labels = [_label(catalog, m.table, m.column or "", m.value or "") for m in readings]
    if len(set(labels)) == len(labels):
        return tuple(labels)
    choices = []
    for m in readings:
        qualifier = _qualifier(m, readings, catalog)
        if not qualifier:
            return ()
        choices.append(f"{_stored(m)}, {qualifier}")
    return tuple(choices)


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
