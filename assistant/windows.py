"""Time windows of a segment spec and their resolution to concrete datetimes.

Every window is anchored at `as_of`, the last day of data: activity timestamps are strictly before
`as_of + 1 day` at 00:00, which is therefore the exclusive end of every resolved window. All windows
are half-open `[start, end)` and cover whole days unless stated otherwise; labels show the first and
last day inclusively, e.g. "last month = 2026-08-01 … 2026-08-31".

Exact semantics (quoted to users as assumptions):

- all_time: all history up to and including `as_of` (no lower bound).
- trailing N days: the N days ending on `as_of`, inclusive: "last 90 days" on 2026-09-30 is
  2026-07-03 … 2026-09-30. N weeks = 7·N days.
- trailing N months / years: from the same day-of-month N months (years) before the day after
  `as_of`, so "last 12 months" on 2026-09-30 is 2025-10-01 … 2026-09-30. A day that does not exist
  in the target month is clamped to that month's last day (Mar 31 - 1 month = Feb 28/29).
- trailing N hours: the N hours before the end of `as_of`, so "last 24 hours" is the day `as_of`
  itself and "last 6 hours" is 18:00 … 24:00 on `as_of`.
- today = `as_of`; yesterday = the day before `as_of`.
- this week / month / quarter / year: from the first day of the calendar period containing `as_of`
  up to and including `as_of` (to date). Weeks start on Monday (ISO).
- last week / month / quarter / year: the whole previous calendar period.
- year Y: 1 January … 31 December of Y; month M of year Y: that whole month. When the month's year
  is omitted it is the most recent such month that started on or before `as_of`.
- since D: from D (inclusive) up to and including `as_of`.
- between D1 and D2: both days inclusive.
- before D: all history strictly before D (D itself excluded).

Ends never go past the end of the data: "this year" and "2026" both end on `as_of` (2026-09-30).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TrailingUnit = Literal["hours", "days", "weeks", "months", "years"]
CalendarPeriod = Literal[
    "today",
    "yesterday",
    "this_week",
    "this_month",
    "this_quarter",
    "this_year",
    "last_week",
    "last_month",
    "last_quarter",
    "last_year",
]
MONTH_NAMES = tuple(calendar.month_name)[1:]


class _WindowModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AllTime(_WindowModel):
    """All history up to and including as_of."""

    kind: Literal["all_time"] = "all_time"


class Trailing(_WindowModel):
    """The last N hours/days/weeks/months/years ending at the end of as_of (inclusive)."""

    kind: Literal["trailing"] = "trailing"
    n: int = Field(ge=1, le=10_000)
    unit: TrailingUnit


class Calendar(_WindowModel):
    """A calendar period relative to as_of: `this_*` is to date, `last_*` the previous period."""

    kind: Literal["calendar"] = "calendar"
    period: CalendarPeriod


class Year(_WindowModel):
    """One calendar year."""

    kind: Literal["year"] = "year"
    year: int = Field(ge=1900, le=2200)


class Month(_WindowModel):
    """One calendar month; without a year, the latest such month starting on or before as_of."""

    kind: Literal["month"] = "month"
    month: int = Field(ge=1, le=12)
    year: int | None = Field(default=None, ge=1900, le=2200)


class Since(_WindowModel):
    """From a date (inclusive) up to and including as_of."""

    kind: Literal["since"] = "since"
    start: date


class Between(_WindowModel):
    """From start to end, both days inclusive."""

    kind: Literal["between"] = "between"
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Between:
        if self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")
        return self


class Before(_WindowModel):
    """All history strictly before a date."""

    kind: Literal["before"] = "before"
    end: date


Window = Annotated[
    AllTime | Trailing | Calendar | Year | Month | Since | Between | Before,
    Field(discriminator="kind"),
]


@dataclass(frozen=True)
class ResolvedWindow:
    """Concrete half-open interval `[start, end)`; `start` None means no lower bound."""

    start: datetime | None
    end: datetime
    label: str

    @property
    def is_empty(self) -> bool:
        return self.start is not None and self.start >= self.end


def resolve(window: Window, as_of: date) -> ResolvedWindow:
    """Turn a window into concrete datetimes anchored at as_of (see the module docstring)."""
    data_end = _midnight(as_of + timedelta(days=1))
    name, start, end = _bounds(window, as_of)
    end = min(end, data_end)
    return ResolvedWindow(start=start, end=end, label=_label(name, start, end, window))


def describe(window: Window) -> str:
    """Short human name of a window without dates, e.g. "last 90 days"."""
    match window:
        case AllTime():
            return "all history"
        case Trailing(n=n, unit=unit):
            return f"last {n} {unit[:-1] if n == 1 else unit}"
        case Calendar(period=period):
            return period.replace("_", " ")
        case Year(year=year):
            return str(year)
        case Month(month=month, year=year):
            return MONTH_NAMES[month - 1] + ("" if year is None else f" {year}")
        case Since(start=start):
            return f"since {start.isoformat()}"
        case Between(start=start, end=end):
            return f"between {start.isoformat()} and {end.isoformat()}"
        case Before(end=end):
            return f"before {end.isoformat()}"
    raise TypeError(f"unknown window {window!r}")


def add_months(day: date, months: int) -> date:
    """Shift by whole months, clamping the day to the target month's end (Mar 31 - 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _bounds(window: Window, as_of: date) -> tuple[str, datetime | None, datetime]:
    name = describe(window)
    day_after = as_of + timedelta(days=1)
    match window:
        case AllTime():
            return name, None, _midnight(day_after)
        case Trailing(n=n, unit=unit):
            return name, _trailing_start(n, unit, as_of), _midnight(day_after)
        case Calendar(period=period):
            first, last = _calendar_days(period, as_of)
            return name, _midnight(first), _midnight(last + timedelta(days=1))
        case Year(year=year):
            return name, _midnight(date(year, 1, 1)), _midnight(date(year + 1, 1, 1))
        case Month(month=month, year=year):
            first = _month_start(month, year, as_of)
            return (
                describe(Month(month=month, year=first.year)),
                _midnight(first),
                _midnight(add_months(first, 1)),
            )
        case Since(start=start):
            return name, _midnight(start), _midnight(day_after)
        case Between(start=start, end=end):
            return name, _midnight(start), _midnight(end + timedelta(days=1))
        case Before(end=end):
            return name, None, _midnight(end)
    raise TypeError(f"unknown window {window!r}")


def _trailing_start(n: int, unit: TrailingUnit, as_of: date) -> datetime:
    end = _midnight(as_of + timedelta(days=1))
    if unit == "hours":
        return end - timedelta(hours=n)
    if unit in ("days", "weeks"):
        days = n * 7 if unit == "weeks" else n
        return _midnight(as_of - timedelta(days=days - 1))
    months = n * 12 if unit == "years" else n
    return _midnight(add_months(end.date(), -months))


def _calendar_days(period: CalendarPeriod, as_of: date) -> tuple[date, date]:
    """First and last day (inclusive) of a calendar period relative to as_of."""
    if period == "today":
        return as_of, as_of
    if period == "yesterday":
        yesterday = as_of - timedelta(days=1)
        return yesterday, yesterday
    which, unit = period.split("_")
    first = _period_start(unit, as_of)
    if which == "this":
        return first, as_of
    previous_first = _period_start(unit, first - timedelta(days=1))
    return previous_first, first - timedelta(days=1)


def _period_start(unit: str, day: date) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _month_start(month: int, year: int | None, as_of: date) -> date:
    if year is not None:
        return date(year, month, 1)
    candidate = date(as_of.year, month, 1)
    return candidate if candidate <= as_of else date(as_of.year - 1, month, 1)


def _label(name: str, start: datetime | None, end: datetime, window: Window) -> str:
    whole = _whole_days(end) and (start is None or _whole_days(start))
    last = _fmt(end - timedelta(days=1)) if whole else _fmt(end) + " (exclusive)"
    if start is None:
        prefix = "all history" if isinstance(window, AllTime) else f"{name} = all history"
        return f"{prefix} up to {last}"
    if start >= end:
        return f"{name} = {_fmt(start)} (after the data ends on {_fmt(end - timedelta(days=1))})"
    if whole and end - start == timedelta(days=1):
        return f"{name} = {_fmt(start)}"
    return f"{name} = {_fmt(start)} … {last}"


def _whole_days(moment: datetime) -> bool:
    return moment.time() == time()


def _fmt(moment: datetime) -> str:
    return moment.date().isoformat() if _whole_days(moment) else moment.strftime("%Y-%m-%d %H:%M")


def span_before(window: Window, n: int, unit: str, as_of: date) -> Window | None:
    """The span of n units (or of the window's own length, for 'period') just before it: 'the
    6 months before that', 'the 30 days before the last two weeks'."""
    span = resolve(window, as_of)
    if span.start is None:
        return None
    start, end = span.start.date(), span.end.date()
    if unit == "period":
        first = start - (end - start)
    elif unit in ("months", "quarters", "years"):
        months = {"months": 1, "quarters": 3, "years": 12}[unit] * n
        first = add_months(start, -months)
    else:
        first = start - timedelta(days=n * (7 if unit == "weeks" else 1))
    return Between(start=first, end=start - timedelta(days=1))
