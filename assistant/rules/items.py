"""Recognised stretches of a request (pass 2 of the grammar) and number ranges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

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


def only_after_verb(items: list[Item]) -> list[Item]:
    """'bought only in the app', 'buy by the application only': 'only' after the verb, with no
    number after it ('bought only once' is a count), is all of the activity, as before it."""
    out = list(items)
    for k, item in enumerate(out):
        if item.kind != "stopword" or item.text != "only":
            continue
        if not any(i.kind in ("verb", "measure") for i in out[:k]):
            continue
        after = next((i for i in out[k + 1 :] if i.kind != "stopword"), None)
        if after is not None and after.kind in ("number", "range", "unit", "share"):
            continue
        out[k] = Item("share", "only", [Meaning("share", name="all")])
    return out


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


def coordinate_values(
    items: list[Item], locates: Callable[[Item, Item], bool] | None = None
) -> list[Item]:
    """'in Berlin, Munich or Hamburg', 'a high or urgent ticket': values joined by 'or', 'and'
    or commas are values of one column when one column has them all (Berlin is a region and a
    city, Munich only a city: all three are cities), and a list that ends in 'or' is one 'or'
    list, its commas included."""
    out = list(items)
    for start, end in _value_runs(out):
        joiners = out[start + 1 : end : 2]
        values = out[start:end:2]
        commas = all(j.text == "," for j in joiners)
        if commas and (locates is None or _any_located(values, locates)):
            continue  # "Victoria, British Columbia": a place and where it is, not a list
        shared = _shared_column(values)
        if shared is None:
            continue
        for k in range(start, end, 2):
            if (out[k].meaning.table, out[k].meaning.column) != shared:
                out[k] = _led_by(out[k], shared)
        if joiners[-1].meaning.name == "or" and all(j.text == "," for j in joiners[:-1]):
            for k in range(start + 1, end - 1, 2):
                out[k] = replace(out[k], meanings=[joiners[-1].meaning])
        elif commas:
            # "in Munich, Hamburg, Berlin": a list of one property's values is any of them
            either = Meaning("conjunction", name="or")
            for k in range(start + 1, end, 2):
                out[k] = replace(out[k], meanings=[either])
    return out


def _any_located(values: list[Item], locates: Callable[[Item, Item], bool]) -> bool:
    return any(locates(a, b) or locates(b, a) for a, b in zip(values, values[1:], strict=False))


def _value_runs(items: list[Item]) -> list[tuple[int, int]]:
    """[start, end) of each run 'value (conjunction value)+', the conjunctions ',', 'and', 'or'."""
    runs, i = [], 0
    while i < len(items):
        if not _has_value(items[i]):
            i += 1
            continue
        j = i + 1
        while (
            j + 1 < len(items)
            and items[j].kind == "conjunction"
            and items[j].text in (",", "and", "or")
            and _has_value(items[j + 1])
        ):
            j += 2
        if j > i + 1:
            runs.append((i, j))
        i = j
    return runs


def _has_value(item: Item) -> bool:
    return any(m.kind == "value" for m in item.meanings)


def _shared_column(values: list[Item]) -> tuple[str | None, str | None] | None:
    """The first column of the first item's that every item has a value of."""
    columns = [[(m.table, m.column) for m in v.meanings if m.kind == "value"] for v in values]
    common = [c for c in columns[0] if all(c in others for others in columns[1:])]
    return common[0] if common else None


def _led_by(item: Item, column: tuple[str | None, str | None]) -> Item:
    lead = [m for m in item.meanings if m.kind == "value" and (m.table, m.column) == column]
    rest = [m for m in item.meanings if m not in lead]
    return replace(item, kind="value", meanings=lead + rest)
