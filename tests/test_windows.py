"""Window resolution: every kind resolves to exact dates anchored at as_of (last day of data)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from assistant.windows import (
    AllTime,
    Before,
    Between,
    Calendar,
    Month,
    Since,
    Trailing,
    Window,
    Year,
    add_months,
    resolve,
)

AS_OF = date(2026, 9, 30)


def days(window: Window, as_of: date = AS_OF) -> tuple[date, date]:
    """First and last day (inclusive) of a whole-day window."""
    resolved = resolve(window, as_of)
    assert resolved.start is not None
    assert resolved.start.time() == resolved.end.time() == datetime.min.time()
    return resolved.start.date(), date.fromordinal(resolved.end.toordinal() - 1)


@pytest.mark.parametrize(
    ("window", "first", "last"),
    [
        (Calendar(period="last_month"), date(2026, 8, 1), date(2026, 8, 31)),
        (Calendar(period="this_month"), date(2026, 9, 1), date(2026, 9, 30)),
        (Calendar(period="this_year"), date(2026, 1, 1), date(2026, 9, 30)),
        (Calendar(period="last_year"), date(2025, 1, 1), date(2025, 12, 31)),
        (Calendar(period="this_quarter"), date(2026, 7, 1), date(2026, 9, 30)),
        (Calendar(period="last_quarter"), date(2026, 4, 1), date(2026, 6, 30)),
        # 2026-09-30 is a Wednesday; weeks start on Monday.
        (Calendar(period="this_week"), date(2026, 9, 28), date(2026, 9, 30)),
        (Calendar(period="last_week"), date(2026, 9, 21), date(2026, 9, 27)),
        (Calendar(period="today"), date(2026, 9, 30), date(2026, 9, 30)),
        (Calendar(period="yesterday"), date(2026, 9, 29), date(2026, 9, 29)),
        (Trailing(n=90, unit="days"), date(2026, 7, 3), date(2026, 9, 30)),
        (Trailing(n=1, unit="days"), date(2026, 9, 30), date(2026, 9, 30)),
        (Trailing(n=2, unit="weeks"), date(2026, 9, 17), date(2026, 9, 30)),
        (Trailing(n=12, unit="months"), date(2025, 10, 1), date(2026, 9, 30)),
        (Trailing(n=3, unit="months"), date(2026, 7, 1), date(2026, 9, 30)),
        (Trailing(n=2, unit="years"), date(2024, 10, 1), date(2026, 9, 30)),
        (Year(year=2025), date(2025, 1, 1), date(2025, 12, 31)),
        (Year(year=2026), date(2026, 1, 1), date(2026, 9, 30)),  # ends with the data
        (Month(month=2, year=2024), date(2024, 2, 1), date(2024, 2, 29)),
        (Month(month=3), date(2026, 3, 1), date(2026, 3, 31)),  # latest March
        (Month(month=12), date(2025, 12, 1), date(2025, 12, 31)),  # December not yet in 2026
        (Since(start=date(2026, 3, 1)), date(2026, 3, 1), date(2026, 9, 30)),
        (
            Between(start=date(2026, 1, 15), end=date(2026, 2, 14)),
            date(2026, 1, 15),
            date(2026, 2, 14),
        ),
    ],
)
def test_whole_day_windows_resolve_to_exact_dates(window: Window, first: date, last: date) -> None:
    assert days(window) == (first, last)


def test_labels_quote_the_concrete_dates() -> None:
    assert resolve(Calendar(period="last_month"), AS_OF).label == (
        "last month = 2026-08-01 … 2026-08-31"
    )
    assert (
        resolve(Trailing(n=90, unit="days"), AS_OF).label
        == "last 90 days = 2026-07-03 … 2026-09-30"
    )
    assert resolve(Calendar(period="yesterday"), AS_OF).label == "yesterday = 2026-09-29"
    assert resolve(Year(year=2025), AS_OF).label == "2025 = 2025-01-01 … 2025-12-31"
    assert resolve(Month(month=3), AS_OF).label == "March 2026 = 2026-03-01 … 2026-03-31"


def test_all_time_has_no_lower_bound_and_ends_after_as_of() -> None:
    resolved = resolve(AllTime(), AS_OF)
    assert resolved.start is None
    assert resolved.end == datetime(2026, 10, 1)
    assert "2026-09-30" in resolved.label


def test_before_excludes_the_given_day() -> None:
    resolved = resolve(Before(end=date(2026, 1, 1)), AS_OF)
    assert resolved.start is None
    assert resolved.end == datetime(2026, 1, 1)
    assert resolved.label.endswith("2025-12-31")


def test_hours_count_back_from_the_end_of_as_of() -> None:
    assert resolve(Trailing(n=24, unit="hours"), AS_OF).start == datetime(2026, 9, 30)
    six = resolve(Trailing(n=6, unit="hours"), AS_OF)
    assert (six.start, six.end) == (datetime(2026, 9, 30, 18), datetime(2026, 10, 1))
    assert "18:00" in six.label


def test_trailing_months_clamp_at_month_ends() -> None:
    # The day after 2026-03-30 is 03-31; one month earlier has no 31st, so February's last day.
    assert days(Trailing(n=1, unit="months"), date(2026, 3, 30)) == (
        date(2026, 2, 28),
        date(2026, 3, 30),
    )
    assert days(Trailing(n=1, unit="months"), date(2024, 3, 30))[0] == date(2024, 2, 29)


def test_leap_day_edges() -> None:
    leap = date(2024, 2, 29)
    assert days(Calendar(period="this_month"), leap) == (date(2024, 2, 1), leap)
    assert days(Calendar(period="yesterday"), date(2024, 3, 1)) == (leap, leap)
    assert days(Calendar(period="last_month"), date(2024, 3, 15)) == (date(2024, 2, 1), leap)
    assert days(Trailing(n=1, unit="years"), leap) == (date(2023, 3, 1), leap)
    assert days(Calendar(period="last_year"), date(2025, 1, 1)) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
    )


def test_month_and_quarter_boundaries_roll_over_years() -> None:
    january = date(2027, 1, 10)
    assert days(Calendar(period="last_month"), january) == (date(2026, 12, 1), date(2026, 12, 31))
    assert days(Calendar(period="last_quarter"), january) == (date(2026, 10, 1), date(2026, 12, 31))
    assert days(Calendar(period="last_week"), date(2027, 1, 1)) == (
        date(2026, 12, 21),
        date(2026, 12, 27),
    )


def test_future_windows_are_empty_and_say_so() -> None:
    resolved = resolve(Year(year=2027), AS_OF)
    assert resolved.is_empty
    assert "after the data ends" in resolved.label


def test_add_months_clamps_days() -> None:
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_windows_are_strict_json() -> None:
    adapter = TypeAdapter(Window)
    window = adapter.validate_python({"kind": "trailing", "n": 30, "unit": "days"})
    assert window == Trailing(n=30, unit="days")
    assert adapter.validate_json(adapter.dump_json(window)) == window
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "trailing", "n": 0, "unit": "days"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "calendar", "period": "last_decade"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "all_time", "n": 3})
    with pytest.raises(ValidationError):
        Between(start=date(2026, 2, 1), end=date(2026, 1, 1))
