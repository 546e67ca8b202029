"""Recognised stretches of a request (pass 2 of the grammar) and number ranges."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.rules.lexicon import Meaning
from assistant.windows import Window


@dataclass
class Item:
    """A recognised stretch of the request."""

    kind: str  # a lexicon kind, or number / time / word (unknown) / range
    text: str
    meanings: list[Meaning] = field(default_factory=list)
    value: float | None = None
    number_kind: str = ""  # number / money / percent
    window: Window | None = None
    high: float | None = None  # for ranges
    joined_by: str = ""  # the joining word before it, when it starts a clause ("with")

    @property
    def meaning(self) -> Meaning:
        return self.meanings[0]


def merge_ranges(items: list[Item]) -> list[Item]:
    """'between 2 and 5', 'from 25 to 34', '25 to 34' -> one range item."""
    out: list[Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        window = items[i : i + 4]
        if (
            item.kind == "between"
            and len(window) == 4
            and window[1].kind == "number"
            and window[2].text in ("and", "to", "through", "until")
            and window[3].kind == "number"
        ):
            out.append(range_item(window[1], window[3]))
            i += 4
            continue
        pair = items[i : i + 3]
        if (
            item.kind == "number"
            and len(pair) == 3
            and pair[1].text in ("to", "through")
            and pair[2].kind == "number"
        ):
            out.append(range_item(pair[0], pair[2]))
            i += 3
            continue
        run = number_list(items, i)
        if run is not None:
            # "rated support 4 or 5", "a csat of 1, 2 or 3": one list of numbers, not two
            # clauses; consecutive whole numbers are the range they span.
            numbers, i = run
            values = [n.value or 0 for n in numbers]
            whole = all(float(v).is_integer() for v in values)
            if whole and sorted(values) == list(range(int(min(values)), int(max(values)) + 1)):
                out.append(range_item(numbers[0], numbers[-1]))
            else:
                out += numbers
            continue
        if item.kind == "between":
            i += 1  # "customers from Texas": a lone 'from' says nothing
            continue
        out.append(item)
        i += 1
    return out


def range_item(low: Item, high: Item) -> Item:
    lo, hi = sorted([low.value or 0, high.value or 0])
    kind = "money" if "money" in (low.number_kind, high.number_kind) else low.number_kind
    return Item("range", f"{low.text} to {high.text}", value=lo, high=hi, number_kind=kind)


def number_list(items: list[Item], start: int) -> tuple[list[Item], int] | None:
    """Numbers joined by ',' / 'or' from `start`: (the numbers, the index after them)."""
    if items[start].kind != "number":
        return None
    numbers = [items[start]]
    i = start + 1
    while (
        i + 1 < len(items)
        and items[i].kind == "conjunction"
        and items[i].text in (",", "or")
        and items[i + 1].kind == "number"
        and items[i + 1].number_kind == numbers[0].number_kind
    ):
        numbers.append(items[i + 1])
        i += 2
    return (numbers, i) if len(numbers) > 1 else None
