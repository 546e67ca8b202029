"""An activity and the lack of a follow-up about the same thing: "got a win-back email in the
last 3 months but never opened it", "clicked a promo but didn't buy from it".

The grammar reads the second part as "no opens of that kind at all". Said of "it" (the thing the
first part names), it is about the same campaign: a delivery with no open of that campaign is
enough (`ActivityCondition.none_on_same`). The thing is a field both events share that points to
a table of its own (a campaign), never the customer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.rules.combine import Reread, plain_count
from assistant.spec import Condition, NoneOnSame

if TYPE_CHECKING:
    from assistant.catalog import Catalog

# "… but never opened it", "and did not click them", "… but not that one"
SAID_OF_IT = re.compile(
    r"\b(?:but|and|yet)\s+(?:still\s+)?(?:never|not|did\s+not|have\s+not|has\s+not|had\s+not|"
    r"do\s+not|does\s+not)\b[^,.;]{0,40}?\b(?:it|them|that\s+one|those|that\s+email|"
    r"that\s+message|that\s+campaign|that\s+offer)\b"
)


def reread(normalized: str, conditions: list[Condition], catalog: Catalog) -> Reread | None:
    """'got a win-back email but never opened it': no open of that same campaign, or None."""
    said = SAID_OF_IT.search(normalized)
    found = merged(conditions, catalog) if said is not None else None
    if found is None:
        return None
    one, on = found
    words = said.group(0).strip(" ,.;")
    return Reread(
        one, f"'{words}' is about the same {on.replace('_', ' ')}: one without it is enough"
    )


def merged(conditions: list[Condition], catalog: Catalog) -> tuple[list[Condition], str] | None:
    """The conditions with 'A but never B (of it)' made one: A with no B about the same thing,
    and the field they share; None when the request has no such pair."""
    for k in range(len(conditions) - 1):
        did, then = conditions[k], conditions[k + 1]
        if not (_did(did) and _none(then)):
            continue
        on = shared_thing(catalog, did.activity.source, then.activity.source)
        if on is None:
            continue
        same = NoneOnSame(activity=then.activity, on=on)
        one = did.model_copy(update={"none_on_same": same})
        return [*conditions[:k], one, *conditions[k + 2 :]], on
    return None


def shared_thing(catalog: Catalog, first: str, second: str) -> str | None:
    """A field of both events, at the same column, that points to another table's key."""
    graph = catalog.graph
    for name in catalog.events[first].fields:
        ref = graph.member_field_ref(first, name)
        if ref is None or graph.member_field_ref(second, name) != ref:
            continue
        column = f"{ref[0]}.{ref[1]}"
        if any(r.split("->")[0].strip() == column for r in catalog.relations):
            return name
    return None


def _did(c: Condition) -> bool:
    return plain_count(c, ">=", 1) and c.none_on_same is None


def _none(c: Condition) -> bool:
    return plain_count(c, "=", 0)
