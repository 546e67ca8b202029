"""The second bound of a range said as two comparisons: "store spend in 2002 over $40,000 but
under 100000", "at least 5 and at most 7 purchases". The clause holding only a comparator and a
number bounds the same figure as the condition beside it, from the other side."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.rules.items import Item
from assistant.spec import ActivityCondition, AttributeCondition, Condition
from assistant.windows import AllTime

_LOWER = (">", ">=")
_UPPER = ("<", "<=")


@dataclass(frozen=True)
class Bound:
    op: str
    value: float
    money: bool
    text: str  # as said, for the assumption
    window: object | None = None  # "… and at most $250 over the past year": its own time


def bound_of(clause: list[Item]) -> Bound | None:
    """The one comparison a clause says with nothing else ('but under 100000'), or None."""
    times = [i for i in clause if i.kind == "time"]
    content = [i for i in clause if i.kind not in ("stopword", "time")]
    if len(content) != 2 or len(times) > 1:
        return None
    comparator, number = content
    if comparator.kind != "comparator" or number.kind != "number" or number.value is None:
        return None
    op = comparator.meaning.name
    if op not in (*_LOWER, *_UPPER):
        return None
    return Bound(
        op,
        number.value,
        number.number_kind == "money",
        f"{comparator.text} {number.text}",
        times[0].window if times else None,
    )


def times_of(clause: list[Item]) -> Bound | None:
    """A clause of only a number of times ('a couple of times or more', 'at least 3 times'):
    how many times the activity before it was done."""
    if not any(i.kind == "stopword" and i.text in ("times", "time") for i in clause):
        return None
    content = [i for i in clause if i.kind != "stopword"]
    numbers = [i for i in content if i.kind == "number" and i.value is not None]
    comparators = [i for i in content if i.kind == "comparator"]
    if len(numbers) != 1 or len(content) != len(numbers) + len(comparators) or len(comparators) > 1:
        return None
    op = comparators[0].meaning.name if comparators else ">="
    if op not in (*_LOWER, *_UPPER, "="):
        return None
    number = numbers[0]
    said = " ".join(i.text for i in clause if i.kind != "stopword" or i.text in ("times", "time"))
    return Bound(op, number.value, False, said)


def other_bound(condition: Condition, bound: Bound) -> Condition | None:
    """`condition` again with the bound's comparison, when the two bound one figure from
    opposite sides and leave something between them; else None."""
    if not isinstance(condition, ActivityCondition | AttributeCondition):
        return None
    value = condition.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(condition, ActivityCondition) and condition.op == ">=" and value == 1:
        return None  # "buyers under 35": a bare activity has no figure said to bound
    if bound.window is not None and getattr(condition, "window", None) not in (
        bound.window,
        AllTime(),
    ):
        return None  # a time of its own: another figure ("over $100 in 2025, under $50 in 2026")
    counted = ("count", "distinct", "days_since_last")
    if isinstance(condition, ActivityCondition) and bound.money and condition.measure in counted:
        return None  # "3+ orders and under $100": an amount bounds no count
    update = {"op": bound.op, "value": _number(bound.value)}
    if bound.window is not None and isinstance(condition, ActivityCondition):
        update["window"] = bound.window  # the time said after both bounds is both's
    if condition.op in _LOWER and bound.op in _UPPER and bound.value > value:
        return condition.model_copy(update=update)
    if condition.op in _UPPER and bound.op in _LOWER and bound.value < value:
        return condition.model_copy(update=update)
    return None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
