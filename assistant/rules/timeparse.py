"""Time expressions in a normalised request -> spec windows.

Each expression is cut out of the text and replaced by a placeholder token (`__t0__`, `__t1__` …)
so the rest of the grammar sees one word where the request said "in the last two weeks".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

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
    resolve,
    span_before,
)

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEK_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
                  "4th": 3}  # fmt: skip
_UNIT = r"(hours?|days?|weeks?|months?|years?|quarters?)"
_LEAD = r"(?:(?:in|during|within|over|for|from|of)\s+)?(?:the\s+)?"
PLAUSIBLE_YEARS = (1900, 2100)  # a bare four-digit number outside these is not a year
_DAY = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*,?\s*\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})(?:\s*,?\s*\d{{4}})?"
    rf"|(?:{_MONTH})(?:\s+\d{{4}})?|\d{{4}})"
)
_FEW = {"few": 3, "couple of": 2, "several": 3}
_YEAR = r"(?:19|20)\d{2}"
# Meteorological seasons: first month and length; winter starts in December.
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_SEASON = "|".join(SEASONS)
# Occasions said as times, each the span of days it usually means in retail planning (first and
# last month and day, both included): "the run-up to Christmas" is 1-24 December.
OCCASIONS = {
    r"(?:run|lead|build)[- ]up\s+to\s+(?:christmas|xmas)": ((12, 1), (12, 24)),
    r"(?:holiday|holidays|festive)\s+(?:season|period|quarter)": ((11, 1), (12, 31)),
    r"(?:christmas|xmas)\s+(?:season|period|time)": ((12, 1), (12, 31)),
}
_OCCASION = "|".join(f"(?:{o})" for o in OCCASIONS)
_HALF = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "latter": 2, "last": 2}


_YEAR_OF_MONTHS = re.compile(
    rf"\b((?:{_MONTH}|{_SEASON})(?:\s*(?:,|and|&|or|through|thru|to|until|-)\s*(?:{_MONTH}))*)"
    r"\s*,?\s+(?:of\s+)?(?:the\s+)?(last|previous|this|current)\s+year\b"
)


@dataclass(frozen=True)
class TimeMatch:
    window: Window
    text: str
    placeholder: str


class TimeParser:
    """Finds time expressions; `as_of` resolves month names without a year."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._rules = [
            # "during the first week of September", "in the last week of June 2025"
            (
                rf"\b(?:in|during|over)\s+the\s+(first|1st|second|2nd|third|3rd|fourth|4th|last|"
                rf"final)\s+week\s+of\s+({_MONTH})(?:,?\s+(?:of\s+)?(\d{{4}}))?\b",
                self._week_of_month,
            ),
            # "in the 30 days before the last two weeks": a span just before a trailing one
            (
                rf"\b{_LEAD}(\d+)\s+{_UNIT}\s+(?:just\s+|right\s+)?(?:before|prior\s+to|preceding)"
                rf"\s+(?:the\s+)?(?:last|past|previous)\s+(\d+)\s+{_UNIT}\b",
                self._before_trailing,
            ),
            # "in the first half of 2002", "H2 2025", "the second half of last year"
            (
                rf"\b{_LEAD}(first|second|1st|2nd|latter)\s+half\s+of\s+(?:the\s+year\s+)?"
                rf"({_YEAR}|the\s+year|this\s+year|last\s+year|the\s+previous\s+year)\b",
                self._half,
            ),
            (rf"\b{_LEAD}h([12])(?:\s+(?:of\s+)?({_YEAR}))?\b", self._half),
            # "in the run-up to Christmas", "sat out the holiday season (of) 2002"
            (
                rf"\b(?:(?:in|during|over|for|through)\s+)?(?:the\s+)?(?:(this|last|past)\s+)?"
                rf"({_OCCASION})(?:\s+(?:of\s+)?({_YEAR}))?\b",
                self._occasion,
            ),
            # "over the summer", "in the autumn of 2025", "last winter", "summer 2002"
            (
                rf"\b(?:(?:in|during|over|for|from)\s+)?(?:the\s+)?(?:(this|last|past)\s+)?"
                rf"({_SEASON})(?:\s+(?:of\s+)?({_YEAR}))?\b",
                self._season,
            ),
            # "in January and February 2002", "during March through May": one period
            (
                rf"\b(?:(?:in|during|over|from)\s+)?(?:the\s+months\s+of\s+)?({_MONTH})"
                rf"((?:\s*,\s*(?:{_MONTH}))*)\s*,?\s*(and|&|or|through|thru|to|until|till|-)\s+"
                rf"({_MONTH})(?:\s*,?\s+(?:of\s+)?({_YEAR}))?\b",
                self._months,
            ),
            (rf"\b{_LEAD}between\s+({_DAY})\s+and\s+({_DAY})\b", self._between),
            (rf"\bfrom\s+({_DAY})\s+(?:to|until|till|through)\s+({_DAY})\b", self._between),
            (rf"\b(?:ever\s+)?since\s+({_DAY})\b", self._since),
            (rf"\b(?:before|prior to)\s+({_DAY})\b", self._before),
            # "the 3 previous full calendar months", "the last 3 complete months": whole months
            # before the current one
            (
                rf"\b{_LEAD}(?:(?:last|past|previous|prior)\s+(\d+)|(\d+)\s+(?:previous|prior|last))"
                r"\s+(?:full|complete|completed|whole)\s+(?:calendar\s+)?months\b",
                self._full_months,
            ),
            # "the last two complete quarters": whole calendar quarters before the current one
            (
                rf"\b{_LEAD}(?:(?:last|past|previous|prior)\s+(\d+)|(\d+)\s+(?:previous|prior|last))"
                r"\s+(?:full|complete|completed|whole)\s+(?:calendar\s+)?quarters\b",
                self._full_quarters,
            ),
            (rf"\b{_LEAD}(?:last|past|previous|prior|recent)\s+(\d+)\s+{_UNIT}\b", self._trailing),
            # "haven't bought in more than 6 months", "not logged in for over a week": none in
            # that long (the trailing period)
            (
                rf"\b(in|for)\s+(?:more\s+than|over|longer\s+than)\s+(\d+)\s+{_UNIT}\b"
                r"(?!\s+(?:ago|back))",
                self._none_for_long,
            ),
            # "haven't opened an email in 60 days", "within 2 weeks"
            (
                rf"\b(?:in|within|for)\s+(?:the\s+)?(\d+)\s+{_UNIT}\b(?!\s+(?:ago|back))",
                self._trailing,
            ),
            (rf"\b{_LEAD}(?:last|past|previous)\s+(few|couple of|several)\s+{_UNIT}\b", self._few),
            (
                r"\b(?:in\s+the\s+)?(?:last|past)\s+24\s+hours\b",
                lambda m: Trailing(n=24, unit="hours"),
            ),
            (rf"\b{_LEAD}(?:past|recent)\s+(week|month|quarter|year)\b", self._past_one),
            # "in the last year": the past 12 months ("last year" alone is the calendar one)
            (
                r"\b(?:in|within|over|during)\s+the\s+(?:last|past)\s+year\b",
                lambda m: Trailing(n=12, unit="months"),
            ),
            (rf"\b{_LEAD}(?:last|previous|prior)\s+(week|month|quarter|year)\b", self._last_period),
            (
                rf"\b{_LEAD}(?:this|current)\s+(week|month|quarter|year)(?:\s+so\s+far)?\b",
                self._this_period,
            ),
            (
                r"\b(?:so\s+far\s+this\s+year|year\s+to\s+date|ytd)\b",
                lambda m: Calendar(period="this_year"),
            ),
            (r"\b(?:month\s+to\s+date|mtd)\b", lambda m: Calendar(period="this_month")),
            # "monthly active users": active in the last 30 days (weekly 7, daily 1)
            (r"\b(daily|weekly|monthly)\s+(?=active\b)", self._per_period),
            # "in Q4 2002", "the fourth quarter of 2002", "in Q1"
            (
                rf"\b{_LEAD}(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
                r"(?:\s+(?:of\s+)?((?:19|20)\d{2}))?\b",
                self._quarter,
            ),
            (r"\btoday\b", lambda m: Calendar(period="today")),
            (r"\byesterday\b", lambda m: Calendar(period="yesterday")),
            # ("only ever buy online" is a share of all purchases, not a time)
            (
                r"\b(?:(?<!only )ever|all\s+time|of\s+all\s+time|at\s+any\s+time|"
                r"lifetime(?!\s+(?:value|customer\s+value))|in\s+their\s+lifetime)\b",
                lambda m: AllTime(),
            ),
            (
                rf"\b(?:in|during)\s+(?:the\s+month\s+of\s+)?({_MONTH})(?:,?\s+(?:of\s+)?(\d{{4}}))?\b",
                self._month,
            ),
            (r"\b(?:in|during)\s+(?:(?:the\s+)?year\s+)?((?:19|20)\d{2})\b", self._year),
            # "shoe buyers from 2001 who …": that year ("from 2001 to 2003" is a range above)
            (
                r"\bfrom\s+((?:19|20)\d{2})\b(?!\s*(?:on|onwards|onward|-|to|until|through))",
                self._year,
            ),
            # "the 50 biggest online spenders of 2002", "top buyers for 2001": that year
            (r"\b(?:of|for)\s+((?:19|20)\d{2})\b(?=\s*(?:$|,|\band\b|\bwho\b|\bin\b))", self._year),
        ]

    def extract(self, text: str) -> tuple[str, list[TimeMatch]]:
        """Return the text with placeholders and the windows found, in order of appearance."""
        found: list[TimeMatch] = []
        text = self._year_of_months(text)
        for pattern, build in self._rules:

            def replace(match: re.Match[str], build=build) -> str:
                window = build(match)
                if window is None:
                    return match.group(0)
                placeholder = f"__t{len(found)}__"
                found.append(TimeMatch(window, match.group(0), placeholder))
                return f" {placeholder} "

            text = re.sub(pattern, replace, text)
        text = self._year_earlier(text, found)
        return _restated_times(re.sub(r"\s+", " ", text).strip(), found)

    def _year_earlier(self, text: str, found: list[TimeMatch]) -> str:
        """'… last quarter but not in the same quarter the year before' (text.py says it as 'the
        year earlier period'): the time said before it, a year back."""

        def replace(match: re.Match[str]) -> str:
            before = re.findall(r"__t\d+__", text[: match.start()])
            earlier = next((t for t in found if before and t.placeholder == before[-1]), None)
            if earlier is None:
                return match.group(0)
            span = resolve(earlier.window, self.as_of)
            start, end = span.start.date(), (span.end - timedelta(days=1)).date()
            window = Between(start=_year_back(start), end=_year_back(end))
            placeholder = f"__t{len(found)}__"
            found.append(TimeMatch(window, match.group(0), placeholder))
            return f" {placeholder} "

        return re.sub(r"\b(?:in\s+)?(?:the\s+)?year earlier period\b", replace, text)

    def _year_of_months(self, text: str) -> str:
        """'in November or December last year', 'summer of this year': the months' (or
        season's) year, said as a number so the months are read in it."""
        years = {"last": self.as_of.year - 1, "previous": self.as_of.year - 1}
        years |= {"this": self.as_of.year, "current": self.as_of.year}

        def number(m: re.Match[str]) -> str:
            return f"{m.group(1)} {years[m.group(2)]}"

        return _YEAR_OF_MONTHS.sub(number, text)

    # -- builders ---------------------------------------------------------------------------------

    def _trailing(self, m: re.Match[str]) -> Window:
        return self._trailing_of(int(m.group(1)), _plural(m.group(2)))

    def _full_months(self, m: re.Match[str]) -> Window:
        n = max(int(m.group(1) or m.group(2)), 1)
        first = self.as_of.replace(day=1)
        return Between(start=_add_months(first, -n), end=first - timedelta(days=1))

    def _full_quarters(self, m: re.Match[str]) -> Window:
        n = max(int(m.group(1) or m.group(2)), 1)
        first = self.as_of.replace(month=3 * ((self.as_of.month - 1) // 3) + 1, day=1)
        return Between(start=_add_months(first, -3 * n), end=first - timedelta(days=1))

    def _none_for_long(self, m: re.Match[str]) -> Window | None:
        """'haven't bought in more than 6 months': the trailing period; after 'for' only when
        a negation comes before it ('been customers for more than 6 months' is a tenure)."""
        if m.group(1) == "for" and not re.search(
            r"\b(?:not|never|no)\b(?:\s+\S+){0,5}\s*$", m.string[: m.start()]
        ):
            return None
        return self._trailing_of(int(m.group(2)), _plural(m.group(3)))

    def _before_trailing(self, m: re.Match[str]) -> Window | None:
        if "hours" in (_plural(m.group(2)), _plural(m.group(4))):
            return None  # a span of days: hours before a window are no calendar days
        later = self._trailing_of(int(m.group(3)), _plural(m.group(4)))
        return span_before(later, max(int(m.group(1)), 1), _plural(m.group(2)), self.as_of)

    @staticmethod
    def _trailing_of(n: int, unit: str) -> Window:
        """The last n units (at least one); quarters as months."""
        n = max(n, 1)
        return Trailing(n=3 * n, unit="months") if unit == "quarters" else Trailing(n=n, unit=unit)

    def _few(self, m: re.Match[str]) -> Window:
        return self._trailing_of(_FEW[m.group(1)], _plural(m.group(2)))

    def _past_one(self, m: re.Match[str]) -> Window:
        unit = m.group(1)
        if unit == "quarter":
            return Trailing(n=3, unit="months")
        if unit == "week":
            return Trailing(n=7, unit="days")
        return Trailing(n=12 if unit == "year" else 1, unit="months")

    def _quarter(self, m: re.Match[str]) -> Window:
        words = {"first": 1, "second": 2, "third": 3, "fourth": 4}
        named = m.group(2) or ""
        number = int(m.group(1) or words.get(named, 0) or named[:1])
        if m.group(3):
            year = int(m.group(3))
        else:  # the latest such quarter that started by as_of
            year = self.as_of.year
            if date(year, 3 * number - 2, 1) > self.as_of:
                year -= 1
        start = date(year, 3 * number - 2, 1)
        end = date(year + (number == 4), (3 * number) % 12 + 1, 1) - timedelta(days=1)
        return Between(start=start, end=end)

    def _half(self, m: re.Match[str]) -> Window:
        which = m.group(1)
        half = int(which) if which.isdigit() else _HALF[which]
        said = re.sub(r"\s+", " ", m.group(2) or "")
        if re.fullmatch(_YEAR, said):
            year = int(said)
        elif said in ("last year", "the previous year"):
            year = self.as_of.year - 1
        elif said:  # "the year", "this year"
            year = self.as_of.year
        else:  # "H1": the latest one that started by as_of
            year = (
                self.as_of.year
                if date(self.as_of.year, 6 * half - 5, 1) <= self.as_of
                else (self.as_of.year - 1)
            )
        start = date(year, 6 * half - 5, 1)
        end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
        return Between(start=start, end=end)

    def _occasion(self, m: re.Match[str]) -> Window:
        """The occasion's days in the year said, else the latest one that has begun by as_of
        ('last' one: the latest that is over)."""
        which, name, said = m.group(1), m.group(2), m.group(3)
        (m1, d1), (m2, d2) = next(
            days for pattern, days in OCCASIONS.items() if re.fullmatch(pattern, name)
        )
        if said:
            year = int(said)
        else:
            year = (
                self.as_of.year
                if date(self.as_of.year, m1, d1) <= self.as_of
                else self.as_of.year - 1
            )
            if which in ("last", "past") and date(year, m2, d2) >= self.as_of:
                year -= 1
        return Between(start=date(year, m1, d1), end=date(year, m2, d2))

    def _season(self, m: re.Match[str]) -> Window | None:
        which, name, said = m.group(1), m.group(2), m.group(3)
        if m.group(0).split()[0] == name and not said:
            return None  # "summer camping gear", "they fall into": no time said
        first = SEASONS[name]
        if said:
            if name == "winter":
                return None  # "winter 2002": which December? say so, never guess
            year = int(said)
        else:
            year = (
                self.as_of.year
                if date(self.as_of.year, first, 1) <= self.as_of
                else (self.as_of.year - 1)
            )
            if which in ("last", "past") and _add_months(date(year, first, 1), 3) > self.as_of:
                year -= 1  # "last summer": the latest one that is over
        start = date(year, first, 1)
        end = _add_months(start, 3) - timedelta(days=1)
        return Between(start=start, end=end)

    def _months(self, m: re.Match[str]) -> Window | None:
        """'in January and February 2002': the months said, as one period; a list whose months
        do not follow each other is left to the month rule (the rest is then reported)."""
        first, last = MONTHS[m.group(1)], MONTHS[m.group(4)]
        middle = [MONTHS[w] for w in re.findall(r"[a-z]+", m.group(2) or "")]
        listed = [first, *middle, last]
        if m.group(3) in ("and", "&", "or"):
            if any(b != a + 1 for a, b in zip(listed, listed[1:], strict=False)):
                return None
        elif middle or last < first:
            return None
        if m.group(5):
            year = int(m.group(5))
        else:
            year = (
                self.as_of.year
                if date(self.as_of.year, first, 1) <= self.as_of
                else (self.as_of.year - 1)
            )
        start = date(year, first, 1)
        end = _add_months(date(year, last, 1), 1) - timedelta(days=1)
        return Between(start=start, end=end)

    def _per_period(self, m: re.Match[str]) -> Window:
        return Trailing(n={"daily": 1, "weekly": 7, "monthly": 30}[m.group(1)], unit="days")

    def _last_period(self, m: re.Match[str]) -> Window:
        return Calendar(period=f"last_{m.group(1)}")

    def _this_period(self, m: re.Match[str]) -> Window:
        return Calendar(period=f"this_{m.group(1)}")

    def _week_of_month(self, m: re.Match[str]) -> Window | None:
        """The days 1-7, 8-14, 15-21 or 22-28 of the month, or its last 7."""
        said = f"{m.group(2)} {m.group(3)}" if m.group(3) else m.group(2)
        first = self.parse_day(said)
        if first is None:
            return None
        last_day = calendar.monthrange(first.year, first.month)[1]
        which = m.group(1)
        if which in ("last", "final"):
            start = first.replace(day=last_day - 6)
        else:
            start = first.replace(day=1 + 7 * _WEEK_ORDINALS[which])
        return Between(start=start, end=start + timedelta(days=6))

    def _month(self, m: re.Match[str]) -> Window:
        year = int(m.group(2)) if m.group(2) else None
        return Month(month=MONTHS[m.group(1)], year=year)

    def _year(self, m: re.Match[str]) -> Window:
        return Year(year=int(m.group(1)))

    def _since(self, m: re.Match[str]) -> Window | None:
        start = self.parse_day(m.group(1))
        return None if start is None else Since(start=start)

    def _before(self, m: re.Match[str]) -> Window | None:
        end = self.parse_day(m.group(1))
        return None if end is None else Before(end=end)

    def _between(self, m: re.Match[str]) -> Window | None:
        first, second = m.group(1), m.group(2)
        year = re.search(r"\b(?:19|20)\d\d\b", second)
        if year and not re.search(r"\d{4}", first) and re.search(r"[a-z]", first):
            first = f"{first} {year.group(0)}"  # "between January and June 2025": both 2025
        start, end = self.parse_day(first), self.parse_day(second, last=True)
        if start is None or end is None or end < start:
            return None
        return Between(start=start, end=end)

    def parse_day(self, text: str, *, last: bool = False) -> date | None:
        """'2026-03-05', 'march 5', '5th of march 2025', 'march', 'march 2025', '2025'.

        A month or year alone means its first day (its last day when `last` is set, for the end
        of a between); a month without a year is the latest one that started by as_of.
        """
        text = text.strip().replace(",", " ")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            if not PLAUSIBLE_YEARS[0] <= year <= PLAUSIBLE_YEARS[1]:
                return None  # "a purchase estimate between 2000 and 4000": numbers, not years
            return date(year, 12, 31) if last else date(year, 1, 1)
        words = re.findall(r"[a-z]+|\d+", text)
        month = next((MONTHS[w] for w in words if w in MONTHS), None)
        numbers = [int(w) for w in words if w.isdigit()]
        if month is None:
            return None
        year = next((n for n in numbers if n > 31), None)
        day_number = next((n for n in numbers if n <= 31), None)
        if year is None:
            year = (
                self.as_of.year
                if date(self.as_of.year, month, 1) <= self.as_of
                else (self.as_of.year - 1)
            )
        if day_number is None:
            day_number = calendar.monthrange(year, month)[1] if last else 1
        try:
            return date(year, month, day_number)
        except ValueError:
            return None


_RESTATED_TIME = re.compile(r"(__t\d+__)\s*[,(]\s*(__t\d+__)\s*[,)]?")


def _restated_times(text: str, found: list[TimeMatch]) -> tuple[str, list[TimeMatch]]:
    """'last autumn (Sept through Nov)': a time said again right after a time, in brackets or
    after a comma, spells the first out; the first is the one read."""
    dropped: set[str] = set()

    def first(m: re.Match[str]) -> str:
        dropped.add(m.group(2))
        return f"{m.group(1)} "

    text = _RESTATED_TIME.sub(first, text)
    return re.sub(r"\s+", " ", text).strip(), [t for t in found if t.placeholder not in dropped]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _plural(unit: str) -> str:
    return unit if unit.endswith("s") else unit + "s"


def _year_back(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
