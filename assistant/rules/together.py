"""Two things in one event: "toys and groceries in the same order".

The grammar reads "bought toys and groceries" as two activities (each at least once, in any
orders). Said "in the same order", the activities that differ only in filters on the event's lines
become one activity whose lines must include each ( `Activity.together`). Anything else is left as
it was, and the words are reported by the parser.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.rules.combine import Reread, plain_count
from assistant.spec import Activity, ActivityCondition, Condition

if TYPE_CHECKING:
    from assistant.catalog import Catalog

SAME = re.compile(r"\b(?:in|on|within)\s+(?:the\s+)?same\s+([a-z]+)")


def reread(normalized: str, conditions: list[Condition], catalog: Catalog) -> Reread | None:
    """'toys and groceries in the same order': one order with lines of each, or None."""
    said = SAME.search(normalized)
    one = merged(conditions, catalog) if said is not None else None
    if one is None:
        return None
    note = f"'{said.group(0)}' = one {said.group(1)} with each of them"
    return Reread(one, note, settles="(two things in one")


def merged(conditions: list[Condition], catalog: Catalog) -> list[Condition] | None:
    """The conditions with the activities said of one event made one; None when they cannot be
    (fewer than two such activities, or ones that differ in more than their lines)."""
    plain = [c for c in conditions if _plain(c)]
    by_source: dict[str, list[ActivityCondition]] = {}
    for c in plain:
        by_source.setdefault(c.activity.source, []).append(c)
    found = [(s, cs) for s, cs in by_source.items() if len(cs) >= 2]
    if len(found) != 1:
        return None
    source, said = found[0]
    event = catalog.events[source]
    if not event.lines or event.union:
        return None
    if len({c.window.model_dump_json() for c in said}) != 1:
        return None
    common = _common(said)
    groups = []
    for c in said:
        own = {k: v for k, v in c.activity.filters.items() if k not in common}
        if not own or not all(_on_lines(catalog, source, name) for name in own):
            return None
        groups.append(own)
    one = ActivityCondition(
        activity=Activity(source=source, filters=common, together=groups), window=said[0].window
    )
    first = conditions.index(said[0])
    kept = [c for c in conditions if not any(c is s for s in said)]
    return [*kept[:first], one, *kept[first:]]


def _plain(c: Condition) -> bool:
    return (
        plain_count(c, ">=", 1)
        and c.since_signup is None
        and not c.activity.predicates
        and not c.activity.together
    )


def _common(said: list[ActivityCondition]) -> dict[str, Any]:
    first = said[0].activity.filters
    return {k: v for k, v in first.items() if all(c.activity.filters.get(k) == v for c in said)}


def _on_lines(catalog: Catalog, source: str, name: str) -> bool:
    graph = catalog.graph
    return graph.needs_lines(source, graph.field(source, name).tables)
