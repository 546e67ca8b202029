"""'In every month of this quarter', 'each of the last 3 months', 'every year from 2000 through
2002': an activity in each of several periods of a window, one condition per period.

A trailing window ('the last 3 months') splits into blocks of its own unit counted back from its
end, as the window itself is counted; a calendar window splits into the calendar periods of the
named unit that it overlaps, clipped to it (this quarter's months up to as_of).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from assistant.windows import Between, Trailing, Window, add_months, resolve

UNITS = ("day", "week", "month", "quarter", "year")
MAX_PERIODS = 36  # more periods than this is a rate ("every day of the year"), not a list
_EVERY_UNIT = re.compile(
    r"\b(?:each|every)\s+(?:single\s+)?(day|week|month|quarter|year)\s+"
    r"(?:of\s+|in\s+|during\s+|over\s+|for\s+|across\s+)?(?:the\s+)?(__t\d+__)"
)
# ("at least once each in the past year": each of the things listed, not each period)
_EACH_OF = re.compile(
    r"(?<!times )(?<!time )\b(?:each|every)\s+(?:one\s+)?(?:of\s+)?(?:the\s+)?(__t\d+__)"
)


def find_every(text: str) -> tuple[str, list[tuple[str | None, str, str]]]:
    """The text without the 'every …' words, and (unit or None, placeholder, words said) for
    each; None means the window's own unit ('each of the last 3 months')."""
    found: list[tuple[str | None, str, str]] = []

    def unit_of(m: re.Match[str]) -> str:
        found.append((m.group(1), m.group(2), m.group(0).split("__t")[0].strip()))
        return f" {m.group(2)} "

    def own(m: re.Match[str]) -> str:
        found.append((None, m.group(1), m.group(0).split("__t")[0].strip()))
        return f" {m.group(1)} "

    text = _EVERY_UNIT.sub(unit_of, text)
    text = _EACH_OF.sub(own, text)
    return text, found


def split_window(window: Window, unit: str | None, as_of: date) -> list[Between] | None:
    """The periods of `window`, or None when it has no start or too many periods."""
    if isinstance(window, Trailing) and unit is not None and window.unit == f"{unit}s":
        unit = None  # "every week over the last 4 weeks": the window's own 4 blocks
    if unit is None and _whole_months(window):
        unit = "month"  # "each of the 3 previous full months": its calendar months
    if unit is None:
        if not isinstance(window, Trailing) or window.unit not in ("days", "weeks", "months"):
            return None
        return _trailing_blocks(window, as_of)
    resolved = resolve(window, as_of)
    if resolved.start is None:
        return None
    start, end = resolved.start.date(), resolved.end.date()  # end exclusive
    periods: list[Between] = []
    cursor = _floor(start, unit)
    while cursor < end:
        following = _next(cursor, unit)
        periods.append(Between(start=max(cursor, start), end=min(following, end) - timedelta(1)))
        cursor = following
        if len(periods) > MAX_PERIODS:
            return None
    return periods if len(periods) > 1 else None


def _whole_months(window: Window) -> bool:
    """A span from the first of a month to the last day of a later one."""
    return (
        isinstance(window, Between)
        and window.start.day == 1
        and (window.end + timedelta(1)).day == 1
        and window.end.replace(day=1) > window.start
    )


def _trailing_blocks(window: Trailing, as_of: date) -> list[Between] | None:
    if window.n < 2 or window.n > MAX_PERIODS:
        return None
    end = as_of + timedelta(1)

    def back(k: int) -> date:  # as the window itself is counted from its end
        if window.unit == "months":
            return add_months(end, -k)
        return end - timedelta(days=k * (7 if window.unit == "weeks" else 1))

    return [Between(start=back(k), end=back(k - 1) - timedelta(1)) for k in range(window.n, 0, -1)]


def _floor(day: date, unit: str) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _next(day: date, unit: str) -> date:
    if unit == "day":
        return day + timedelta(1)
    if unit == "week":
        return day + timedelta(7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)
