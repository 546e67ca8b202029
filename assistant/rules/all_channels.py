"""Every channel named, to say they count together: "Count store, web and catalog together",
"returns … store, web and catalog combined", "in store, online and in the app combined".

Read as a list, those words would be one condition per channel (a purchase in each). Said with
"together", "combined" or "in total" they say the opposite: no channel is singled out. When the
items name every member of one of the catalog's all-channel events, or every value of one
event field, the words are taken out and the activity is read across all of them; a list that
leaves a channel out stays in the request (and what is not understood of it is reported).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.rules.coverage import walk
from assistant.spec import ActivityCondition, Condition, field_values

_TAIL = re.compile(
    r"\s*,?\s*\b(?:and|&|\+|plus)\s+(?P<last>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)\s+"
    r"(?:channels?\s+)?(?:all\s+)?(?P<tail>together|combined|altogether|summed|added\s+up|"
    r"in\s+total|put\s+together)\b[.!]?",
    re.IGNORECASE,
)
# the word that leads into the list ("count store, …", "across the store, …")
_LEAD = re.compile(
    r"(?:\b(?:please\s+)?(?:count(?:ing)?|includ(?:e|ing)|add(?:ing)?|across|over|from|for|in|"
    r"at|by|through|via|on)\s+(?:the\s+|all\s+(?:of\s+)?(?:the\s+)?|our\s+)?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AllChannels:
    words: str  # as said


Reader = Callable[[str], list[Condition]]


def taken_out(text: str, read: Reader, catalog) -> tuple[str, AllChannels | None]:
    """The request without its 'store, web and catalog together' words, and those words;
    `read` gives the conditions words alone make."""
    for m in _TAIL.finditer(text):
        items, start = _items_before(text[: m.start()], read)
        if not items:
            continue
        channels = [_channel(read(w)) for w in [*items, m.group("last")]]
        if any(c is None for c in channels) or not _every_channel(channels, catalog):
            continue
        lead = _LEAD.search(text[:start])
        begin = lead.start() if lead is not None else start
        said = text[begin : m.end()].strip(" ,.;:!?")
        rest = text[:begin].rstrip(" ,;:") + " " + text[m.end() :].lstrip(" ,.;:")
        return " ".join(rest.split()).strip(), AllChannels(said)
    return text, None


def _items_before(head: str, read: Reader) -> tuple[list[str], int]:
    """The channel words of a comma list that ends where `head` ends, first to last, and where
    the list starts in `head`."""
    items: list[str] = []
    start = len(head)
    for piece in reversed(head.split(",")):
        words = piece.split()
        found = next(
            (n for n in (1, 2, 3) if len(words) >= n and _channel(read(" ".join(words[-n:])))),
            None,
        )
        if found is None:
            break
        items.insert(0, " ".join(words[-found:]))
        while found < len(words) and words[-found - 1].lower() in _LINKS:
            found += 1  # "on the web": the words that lead to the channel go with it
        start -= len(piece)
        if len(words) > found:
            start += piece.rfind(words[-found])  # the piece's leading words stay
            break
        start -= 1  # its comma
    return items, max(start, 0)


_LINKS = frozenset({"in", "on", "the", "by", "at", "through", "via", "our", "from", "over"})


def _channel(conditions: list[Condition]) -> tuple[str, str | None, str | None] | None:
    """(source, field, value) of the one plain activity the words make, else None."""
    found = list(walk(conditions))
    if len(found) != 1 or not isinstance(found[0], ActivityCondition):
        return None
    act = found[0].activity
    if act.predicates or len(act.filters) > 1:
        return None
    if not act.filters:
        return act.source, None, None
    ((name, value),) = act.filters.items()
    if not isinstance(value, list) or len(value) != 1:
        return None
    return act.source, name, str(value[0])


def _every_channel(channels: list, catalog) -> bool:
    sources = {c[0] for c in channels}
    if all(c[1] is None for c in channels):
        return any(
            set(e.union or ()) == sources and len(sources) > 1 for e in catalog.events.values()
        )
    fields = {(c[0], c[1]) for c in channels}
    if len(fields) != 1 or None in {c[1] for c in channels}:
        return False
    ((source, name),) = fields
    values = set(field_values(catalog, source, name))
    return len(values) > 1 and {c[2] for c in channels} == values
