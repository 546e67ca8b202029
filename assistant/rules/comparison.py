"""Comparisons between two of a customer's own aggregates, found in the request's words.

"spent more on the web than in our stores last year", "more dashboard views than logins in
the last 30 days", "logged in less this month than last month", "usage dropped last month
compared with the month before", "at least 2 times as many logins as exports".

The sentence is split into a shared head ("customers who spent"), what the left side says
("on the web") and what the right side says ("in our stores last year"). Each side is then
read as a request of its own (head + side), so every grammar rule applies to both; the
conditions both readings share are the audience's, and the one activity each adds is that
side of the comparison. A time said on one side only is both sides' ("… than logins in the
last 30 days"); "the 6 months before that" is the span just before the left side's window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assistant.rules.text import FRACTION_PERCENTS
from assistant.spec import (
    ActivityCondition,
    AttributeCondition,
    CompareCondition,
    Condition,
    MeasureSide,
)
from assistant.windows import AllTime, Window, span_before

_LESS = {"less", "fewer", "lower", "smaller"}
_MORE = {"more", "higher", "bigger", "greater", "larger"}
# A number after "than" is an ordinary comparator ("more than 3 orders", "more than a year").
_NUMBER_AFTER = (
    r"(?:\$|£|€|\d|a\b|an\b|one\b|half\b|twice\b|once\b|double\b|triple\b|the\s+average\b|"
    r"average\b|usual\b|not\b|ever\b|before\b|expected\b)"
)
_THAN = re.compile(
    r"\b(?P<word>more|less|fewer|higher|lower|bigger|greater|larger|smaller)\b"
    r"(?P<x>(?:\s+(?!than\b)\S+){0,10}?)\s+than\s+(?!" + _NUMBER_AFTER + r")(?P<y>\S.*)$"
)
_TIMES = re.compile(
    r"\b(?:(?P<op>at\s+least|over|more\s+than)\s+)?(?P<n>\d+(?:\.\d+)?)\s+times\s+as\s+"
    r"(?:many|much)\b(?P<x>(?:\s+(?!as\b)\S+){0,10}?)\s+as\s+(?P<y>\S.*)$"
)
# "less than half of what they spent in …", "more than twice as much … as …": a multiple of
# the customer's own other figure
_FRACTION_WORDS = "|".join(
    sorted((k.replace(" ", r"\s+") for k in FRACTION_PERCENTS), key=len, reverse=True)
)
_BOUNDS = {
    "at least": ">=", "no less than": ">=", "not less than": ">=", "at most": "<=",
    "no more than": "<=", "not more than": "<=", "over": ">", "above": ">", "under": "<",
    "below": "<",
}  # fmt: skip
_PART = re.compile(
    r"\b(?:(?P<word>less|fewer|lower|smaller|more|higher|greater|bigger)\s+than|"
    r"(?P<bound>at\s+least|at\s+most|no\s+less\s+than|not\s+less\s+than|no\s+more\s+than|"
    r"not\s+more\s+than|over|above|under|below))\s+"
    rf"(?P<frac>{_FRACTION_WORDS}|twice|double|\d+(?:\.\d+)?\s*%)\s+(?:"
    r"(?:of\s+)?(?P<x>)(?P<y>(?:what|how\s+much|how\s+many|the\s+amount)\b.*)"
    r"|as\s+(?:much|many)\b(?P<x2>(?:\s+(?!as\b)\S+){0,10}?)\s+as\s+(?P<y2>\S.*))$"
)
_TREND = re.compile(
    r"\b(?P<word>dropped|fell|declined|decreased|shrank|went\s+down|(?:is|was|were|are)\s+down|"
    r"down|grew|rose|increased|went\s+up|(?:is|was|were|are)\s+up|up)\b"
    r"(?P<x>(?:\s+(?!compared\b|vs\b|versus\b|relative\b)\S+){0,6}?)\s+"
    r"(?:compared\s+(?:with|to)|vs|versus|relative\s+to)\s+(?P<y>\S.*)$"
)
# "usage in the last 30 days fell below what they did in the 30 days before that": a level
# compared with what the customer did (the right side starts with what/the/their/how).
_LEVEL = re.compile(
    r"\b(?P<word>(?:fell|dropped|went|was|were|is|are|stayed|rose|climbed|got)\s+(?:below|under|"
    r"above|over)|below|under|above)(?P<x>)\s+(?P<y>(?:what|how\s+much|the\s+level|their|his|her)"
    r"\b.*)$"
)
_FALLING = re.compile(r"^(?:dropped|fell|declined|decreased|shrank|went down|\w+ down|down)$")
# Where the right side ends and the rest of the request, about both, begins.
_SIDE_END = re.compile(
    r"\s*(?:,|;|\bbut\b|\bwho\b|\bthat\b|\band\s+(?:who|that|are|is|have|has|live|lives|"
    r"were|was|did|do|does|never|haven't|hasn't|not)\b)"
)
_UNIT = r"(?P<unit>day|week|month|quarter|year|period)s?"
_RELATIVE = [
    re.compile(
        r"(?:(?:in|during|over|for)\s+)?the\s+(?:(?P<n>\d+)\s+)?"
        + _UNIT
        + r"\s+(?:just\s+)?(?:before|prior|earlier)(?:\s+(?:that|then|it|this))?\b"
    ),
    re.compile(
        r"(?:(?:in|during|over|for)\s+)?the\s+(?:previous|prior|preceding)\s+(?:(?P<n>\d+)\s+)?"
        + _UNIT
        + r"\b"
    ),
    re.compile(
        r"(?:(?:in|during|over|for)\s+)?(?:the\s+)?(?P<unit>)(?:period\s+)?before\s+(?:that|then)\b"
    ),
]


# "logged in more over the last 30 days than the average pro account", "whose revenue is below
# the average revenue of those paying accounts": the customer's figure against the average of a
# group's; "below-average spend in the last year": against everyone's with any
_AVERAGE = re.compile(
    r"(?:\b(?P<least>at\s+least)\s+)?(?:(?P<pct>\d+(?:\.\d+)?)\s*%\s+)?"
    # ("2 or more tickets … whose average rating": 'or more' is a bound, not a comparison)
    r"(?<!or )\b(?P<word>more|less|fewer|higher|lower|bigger|greater|larger|smaller|above|below|"
    r"under)\b(?P<x>(?:\s+(?!than\b)\S+){0,10}?)\s+(?:than\s+)?"
    r"(?:(?P<times>double|twice|triple|half|(?P<n>\d+(?:\.\d+)?)\s+times)\s+)?"
    r"(?:the\s+|an?\s+)?(?:average|typical|(?=aov\b))\b(?!-)(?P<y>.*)$"
)
_WIDE = re.compile(
    r"\b(?:the\s+)?(?:(?:company|business|store|site|shop|chain|network)[- ]wide|overall|general)"
    r"\s+(?=average\b|aov\b)"
)
_OVERALL = re.compile(
    r"\b(?:overall|in\s+total|altogether|across\s+the\s+board|everyone'?s?|"
    r"(?:in|for|over|during)\s+(?:that|the\s+same|this)\s+(?:period|time|window|span)|"
    r"(?:across|of|for|among)\s+(?:all|every|each)\b)|^\s*(?:all|every|each)\b|\([^)]*\)"
)
_THEIR_OWN = re.compile(
    r"\s*\b(?:in|of|for|from|within|among|across)\s+(?:their|his|her|its|the\s+same)\s+"
    r"(?:own\s+)?(?P<prop>[a-z][a-z ]*?)\s*$"
)
_MULTIPLES = {"double": 2.0, "twice": 2.0, "triple": 3.0, "half": 0.5}
_AVERAGE_OF = re.compile(r"\b(?P<word>above|below)[- ]average\s+(?P<y>\S.*)$")
# Where the group averaged ends ("… than the average pro account, in Germany")
_GROUP_END = re.compile(r"\s*(?:,|;|\bbut\b)")
# The group said again by pointing back ("of those paying accounts"): the compared activity's own
_BACK = re.compile(r"^(?:those|these|them|such)\b")


@dataclass(frozen=True)
class Split:
    """A comparison's words: each side as a request of its own, and how they compare."""

    left: str
    right: str
    op: str
    factor: float
    words: str  # what the request said, for the assumptions
    relative: tuple[int, str] | None = None  # "the 6 months before that": (6, "months")
    # "shop in store more than online": the right side replaces the head's last words, so
    # also try it with 1, 2, 3 … of them left out
    shorter: tuple[str, ...] = ()
    # "… than the average pro account": the words of the group averaged ("" for everyone with
    # any of the activity), and then `right` is unused
    average: str | None = None
    # "the company-wide AOV", "the average ticket overall": the average of every event, not of
    # each customer's own
    overall: bool = False
    # "… than the average account in their industry": the property whose groups are averaged
    average_by: str = ""


def split(text: str) -> Split | None:
    """The comparison a normalized request makes, or None."""
    if re.search(r"\bmore\s+often\s+than\s+not\b|\brather\s+than\b", text):
        return None
    part = _PART.search(text)
    if part is not None:
        return _part_of(text, part)
    averaged = _averaged(text)
    if averaged is not None:
        return averaged
    for pattern, kind in ((_TIMES, "times"), (_THAN, "than"), (_TREND, "trend"), (_LEVEL, "level")):
        m = pattern.search(text)
        if m is not None:
            return _sides(text, m, kind)
    return None


def _averaged(text: str) -> Split | None:
    """The customer's figure against an average: 'more … than the average pro account'."""
    m = _AVERAGE_OF.search(text)
    if m is not None:  # "below-average spend in the last year": the figure is after it
        head = text[: m.start()].strip()
        op = "<" if m.group("word") == "below" else ">"
        left = f"{head} {m.group('y')}".strip()
        return Split(left, "", op, 1.0, f"{m.group('word')}-average …", average="")
    text, wide = _WIDE.subn("the ", text)
    m = _AVERAGE.search(text)
    if m is None:
        return None
    head = text[: m.start()].strip()
    group = m.group("y").strip()
    end = _GROUP_END.search(group)
    tail = ""
    if end is not None and end.start() > 0:
        group, tail = group[: end.start()].strip(), group[end.start() :].strip(" ,;")
    # "the average buyer in their own state": each customer's own group of that property
    own = _THEIR_OWN.search(group)
    by = ""
    if own is not None:
        group, by = group[: own.start()].strip(), own.group("prop")
    # "the average store ticket overall", "across all orders in that period": every event
    group, overall = _OVERALL.subn(" ", group)
    group = " ".join(group.split())
    of = re.search(r"\b(?:of|among|across|for)\s+(?P<g>\S.*)$", group)
    group = of.group("g") if of is not None else group  # "… revenue of those paying accounts"
    if _BACK.match(group):
        group = ""
    less = m.group("word") in (_LESS | {"below", "under"})
    op = ("<=" if less else ">=") if m.group("least") else ("<" if less else ">")
    factor = 1.0
    if m.group("n"):
        factor = float(m.group("n"))  # "more than 3 times the average"
    elif m.group("times"):
        factor = _MULTIPLES[m.group("times")]
    if m.group("pct"):
        # "at least 50% bigger than the average ticket": 1.5 times it
        share = float(m.group("pct")) / 100
        factor *= 1 - share if less else 1 + share
    x = re.sub(r"^(?:often|frequently)\b", "", m.group("x").strip()).strip()  # more often: times
    left = " ".join(p for p in (head, x, tail) if p)
    said = " ".join(w for w in (m.group("pct") and f"{m.group('pct')}%", m.group("word")) if w)
    return Split(
        left,
        "",
        op,
        factor,
        f"{said} … the average …",
        average=group,
        overall=bool(wide + overall),
        average_by=by,
    )


def _part_of(text: str, m: re.Match[str]) -> Split | None:
    """'… is less than half of what they spent in the 6 months before that'."""
    head = text[: m.start()].strip()
    x = (m.group("x2") or "").strip()
    y, tail = _right_end((m.group("y") or m.group("y2") or "").strip())
    if not head or not y:
        return None
    frac = " ".join(m.group("frac").split())
    bound = " ".join((m.group("bound") or "").split())
    op = _BOUNDS[bound] if bound else "<" if m.group("word") in _LESS else ">"
    if not x:
        x = _this_of(y) or ""
    y, relative = _relative(y)
    words = f"{bound or m.group('word') + ' than'} {frac} of …"
    left = " ".join(p for p in (head, x, tail) if p)
    right = " ".join(p for p in (head, y, tail) if p)
    shorter = () if x else _shorter(head, y, tail)
    # "more than 20% of what they spent": a percentage is its fraction
    return Split(left, right, op, _factor(frac), words, relative, shorter)


def _factor(frac: str) -> float:
    """'half' 0.5, 'a third' 1/3, '2 thirds' 2/3, '20%' 0.2, 'twice' 2."""
    if frac in ("twice", "double"):
        return 2.0
    percent = frac.rstrip("% ") if frac.endswith("%") else FRACTION_PERCENTS[frac]
    return float(percent) / 100


def _shorter(head: str, y: str, tail: str) -> tuple[str, ...]:
    """The right side with 1, 2, 3 … of the head's last words left out ('shop in store more
    than online': online replaces 'in store')."""
    words_of = head.split()
    return tuple(
        " ".join(p for p in (" ".join(words_of[:-k]), y, tail) if p)
        for k in range(1, min(8, len(words_of) - 1) + 1)
    )


def _sides(text: str, m: re.Match[str], kind: str) -> Split | None:
    head = text[: m.start()].strip()
    x = m.group("x").strip()
    y, tail = _right_end(m.group("y").strip())
    if not head or not y:
        return None
    if kind == "times":
        op = ">" if (m.group("op") or "").startswith(("over", "more")) else ">="
        factor = float(m.group("n"))
        words = f"{m.group('n')} times as many … as …"
    elif kind == "trend":
        falling = _FALLING.match(" ".join(m.group("word").split())) is not None
        op, factor = ("<" if falling else ">"), 1.0
        # "accounts whose usage dropped …": each side is "accounts with usage <time>"
        head = re.sub(r"\bwhose\b", "with", head)
        if not x:
            x = _this_of(y)
            if x is None:
                return None
        words = f"{m.group('word')} … compared with …"
    elif kind == "level":
        op = "<" if re.search(r"\b(?:below|under)$", m.group("word")) else ">"
        factor = 1.0
        words = f"{m.group('word')} …"
    else:
        op = "<" if m.group("word") in _LESS else ">"
        factor = 1.0
        words = f"{m.group('word')} … than …"
    if not x and kind in ("than", "level"):
        x = _this_of(y) or ""
    y, relative = _relative(y)
    left = " ".join(p for p in (head, x, tail) if p)
    right = " ".join(p for p in (head, y, tail) if p)
    shorter = () if x else _shorter(head, y, tail)
    return Split(
        left=left,
        right=right,
        op=op,
        factor=factor,
        words=words,
        relative=relative,
        shorter=shorter,
    )


def _right_end(y: str) -> tuple[str, str]:
    """The right side's own words, and the rest of the request after them."""
    m = _SIDE_END.search(y)
    if m is None or m.start() == 0:
        return y, ""
    return y[: m.start()].strip(), y[m.start() :].strip(" ,;")


def _this_of(y: str) -> str | None:
    """'logins down vs last month': the left side is this month."""
    m = re.match(r"^(?:the\s+)?(?:last|previous|prior)\s+(day|week|month|quarter|year)\b", y)
    return f"this {m.group(1)}" if m else None


def _relative(y: str) -> tuple[str, tuple[int, str] | None]:
    """'in the 6 months before that' -> ('', (6, 'months')): the span before the left's."""
    for pattern in _RELATIVE:
        m = pattern.search(y)
        if m is not None:
            unit = m.group("unit") or "period"
            n = int(m.group("n")) if "n" in pattern.groupindex and m.group("n") else 1
            rest = (y[: m.start()] + " " + y[m.end() :]).strip()
            return rest, (n, unit if unit == "period" else unit + "s")
    return y, None


def compare(
    left: list[Condition],
    right: list[Condition],
    found: Split,
    as_of: date,
    right_windows: list[Window] | None = None,
) -> tuple[list[Condition], CompareCondition] | None:
    """(the conditions both sides share, the comparison) from each side's reading, or None
    when each side does not add exactly one plain activity of its own. A right side that is
    only a time ("more logins this month than last month") is the left's activity then."""
    shared = [c for c in left if c in right]
    mine = [c for c in left if c not in right]
    theirs = [c for c in right if c not in left]
    a = [c for c in mine if isinstance(c, ActivityCondition)]
    b = [c for c in theirs if isinstance(c, ActivityCondition)]
    if len(a) == 1 and not theirs and found.relative is not None:
        b = [a[0]]  # "… than the month before": the same activity, its window set below
    elif len(a) == 1 and not right and right_windows and len(right_windows) == 1:
        b = [a[0].model_copy(update={"window": right_windows[0]})]
    if len(a) != 1 or len(b) != 1 or not (_plain(a[0]) and _plain(b[0])):
        return None
    shared += [c for c in mine + theirs if c not in (a[0], b[0]) and c not in shared]
    lw, rw = a[0].window, b[0].window
    if found.relative is not None:
        n, unit = found.relative
        rw = span_before(lw, n, unit, as_of) if not isinstance(lw, AllTime) else None
        if rw is None:
            return None
    elif isinstance(lw, AllTime):
        lw = rw
    elif isinstance(rw, AllTime):
        rw = lw
    filters = {**a[0].activity.filters, **b[0].activity.filters}
    if b[0].activity.source != a[0].activity.source:
        filters = dict(b[0].activity.filters)
    right_act = b[0].activity.model_copy(update={"filters": filters})
    try:
        made = CompareCondition(
            left=side_of(a[0], lw),
            right=side_of(b[0].model_copy(update={"activity": right_act}), rw),
            op=found.op,  # type: ignore[arg-type]
            factor=found.factor,
        )
    except ValueError:
        return None
    return shared, made


def _plain(c: ActivityCondition) -> bool:
    """'spent on the web', 'logins': that there is such activity, no number of its own."""
    return c.after is None and c.op == ">=" and c.value == 1 and c.measure in ("count", "sum")


def side_of(c: ActivityCondition, window: Window) -> MeasureSide:
    """The activity's aggregate as one side of a comparison."""
    return MeasureSide(
        activity=c.activity, measure=c.measure, field=c.field, share_of=c.share_of, window=window
    )


def _average_figure(c: ActivityCondition) -> bool:
    """'their average order value': an average with no number of its own."""
    return c.after is None and c.measure == "avg" and c.op == ">=" and c.value == 1


def compare_average(
    left: list[Condition],
    group: list[Condition],
    found: Split,
    amount: str | None = None,
    over_events: bool = False,
    by: str | None = None,
    everyone: bool = False,
) -> tuple[list[Condition], CompareCondition] | None:
    """(the other conditions, the comparison) for '… more than the average <group>': the last
    plain count, amount or average the left side reads is the figure; the group's properties
    say whom it is averaged over (all of them, none counting 0), its activity that only those
    with any are (also when no group is said: 'the average spender'). `over_events`: an
    average figure against the average of every such event ('the average order overall')."""
    figures = [
        c for c in left if isinstance(c, ActivityCondition) and (_plain(c) or _average_figure(c))
    ]
    if not figures:
        return None
    figure = figures[-1]
    acts = [c for c in left if isinstance(c, ActivityCondition)]
    if acts[-1] is not figure:
        return None  # "whose average ticket is … than the average": a figure this cannot average
    if amount is not None and figure.measure == "count":
        # "spent more with us than the average man": their spend, not their number of purchases
        figure = figure.model_copy(update={"measure": "sum", "field": amount})
    if (
        over_events
        and figure.measure == "avg"
        and any(
            isinstance(c, ActivityCondition) and c.activity.source != figure.activity.source
            for c in group
        )
    ):
        return None  # "… above the average web order" for a store figure: not that average
    among = [c for c in group if isinstance(c, AttributeCondition)]
    if any(not isinstance(c, AttributeCondition | ActivityCondition) for c in group):
        return None
    active = len(among) < len(group) or (not among and not everyone)
    side = side_of(figure, figure.window)
    try:
        made = CompareCondition(
            left=side,
            op=found.op,  # type: ignore[arg-type]
            right_average=side,
            average_among=among,
            average_active_only=active,
            average_over="events" if over_events and figure.measure == "avg" else "customers",
            factor=found.factor,
            average_by=by,
        )
    except ValueError:
        return None
    if active and found.op in ("<", "<=") and figure.measure != "avg":
        # "below the average of those paying": they are among those with any, too
        return [figure if c is figures[-1] else c for c in left], made
    return [c for c in left if c is not figures[-1]], made
