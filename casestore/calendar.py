"""The council's working-day calendar: the clock every SLA is counted on.

Rules:

- A working day is Monday to Friday, not a bank holiday of the council's nation, and not one of
  the council's own closure days (e.g. the days between Christmas and New Year).
- Bank holidays come from ``holidays.country_holidays("GB", subdiv=...)``. In holidays 0.109 the
  UK subdivision codes are exactly ``ENG``, ``WLS``, ``SCT`` and ``NIR`` (the names "England",
  "Scotland", ... are aliases), and GB has one category, ``public``, which already holds every
  bank holiday: Scotland's 2 January and St Andrew's Day, Northern Ireland's St Patrick's Day and
  Battle of the Boyne, one-off days (jubilees, state funerals), and the substitute ("observed")
  weekdays when a holiday falls on a weekend. Scotland has no Easter Monday. The category is
  passed explicitly so that a change of default in the package cannot change our deadlines.
- Times are Europe/London. An SLA clock's "day 0" is the day a case is received if that is a
  working day and it arrives before the daily cut-off; otherwise the next working day.

Each year is computed once, on first touch, into a frozenset (``is_working_day`` is O(1)) and a
sorted tuple of working days (``add_working_days`` and ``working_days_between`` bisect into it
rather than walking day by day).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
CLOSURE_DAY = "Council closure day"


class Nation(StrEnum):
    """A UK nation; the value is the ``holidays`` subdivision code for GB."""

    ENG = "ENG"
    WLS = "WLS"
    SCT = "SCT"
    NIR = "NIR"


@dataclass(frozen=True, slots=True)
class _Year:
    bank_holidays: Mapping[date, str]
    working: frozenset[date]
    ordered: tuple[date, ...]


class WorkingCalendar:
    """Working days for one council: its nation's bank holidays plus its own closure days."""

    def __init__(
        self,
        *,
        nation: Nation | str,
        closure_days: Iterable[date] = (),
        cutoff: time = time(17, 0),
        tz: ZoneInfo = LONDON,
    ) -> None:
        try:
            self._nation = Nation(str(nation).strip().upper())
        except ValueError:
            codes = ", ".join(Nation)
            raise ValueError(f"unknown nation {nation!r}; expected one of {codes}") from None
        if cutoff.tzinfo is not None:
            raise ValueError(f"cutoff must be a naive local time, got {cutoff!r}")
        self._closures = frozenset(_plain_date(day) for day in closure_days)
        self._cutoff = cutoff
        self._tz = tz
        self._years: dict[int, _Year] = {}

    @property
    def nation(self) -> Nation:
        return self._nation

    @property
    def cutoff(self) -> time:
        return self._cutoff

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a bank holiday of the nation, not a closure day."""
        return day in self._year_of(day).working

    def holiday_name(self, day: date) -> str | None:
        """The bank holiday's name, else "Council closure day", else None."""
        name = self._year_of(day).bank_holidays.get(day)
        if name is None and day in self._closures:
            return CLOSURE_DAY
        return name

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        ordered = self._year_of(day).ordered
        year, index = day.year, bisect_left(ordered, day) - 1
        while index < 0:
            year -= 1
            ordered = self._year(year).ordered
            index += len(ordered)
        return ordered[index]

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day strictly after ``start``.

        ``days == 0`` gives ``working_day_on_or_after(start)``; a negative count is a ValueError.
        """
        if days < 0:
            raise ValueError(f"days must be zero or more, got {days!r}")
        if days == 0:
            return self.working_day_on_or_after(start)
        ordered = self._year_of(start).ordered
        year, index = start.year, bisect_right(ordered, start) + days - 1
        while index >= len(ordered):
            index -= len(ordered)
            year += 1
            ordered = self._year(year).ordered
        return ordered[index]

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days ``d`` satisfy ``start < d <= end``.

        Negative (the mirror image) when ``end < start``; 0 when they are equal. For a working
        day ``s``, ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        through_end = bisect_right(self._year_of(end).ordered, end)
        through_start = bisect_right(self._year_of(start).ordered, start)
        whole_years = sum(len(self._year(year).ordered) for year in range(start.year, end.year))
        return whole_years + through_end - through_start

    def local_date(self, at: datetime) -> date:
        """The calendar date of an aware datetime in the council's time zone."""
        return self._local(at).date()

    def clock_start_on(self, received_at: datetime) -> date:
        """Day 0 of an SLA clock for something received at ``received_at``.

        The local date if it is a working day and the local time is before the cut-off;
        otherwise the next working day after the local date.
        """
        local = self._local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < self._cutoff:
            return day
        return self.next_working_day(day)

    def is_working_time(
        self, at: datetime, *, start: time = time(8, 0), end: time = time(18, 0)
    ) -> bool:
        """Whether ``at`` is on a working day, at or after ``start`` and before ``end`` (local)."""
        local = self._local(at)
        return self.is_working_day(local.date()) and start <= local.time() < end

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got {at!r}")
        return at.astimezone(self._tz)

    def _year_of(self, day: date) -> _Year:
        return self._year(_plain_date(day).year)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            cached = self._years[year] = self._compute_year(year)
        return cached

    def _compute_year(self, year: int) -> _Year:
        # The year before is included in case a substitute day ever spills into January.
        found = holidays.country_holidays(
            "GB", subdiv=self._nation.value, years=(year - 1, year), categories=(holidays.PUBLIC,)
        )
        bank_holidays = {day: str(name) for day, name in found.items() if day.year == year}
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        ordered = tuple(
            day
            for day in map(date.fromordinal, range(first, last + 1))
            if day.weekday() < 5 and day not in bank_holidays and day not in self._closures
        )
        return _Year(bank_holidays=bank_holidays, working=frozenset(ordered), ordered=ordered)


def _plain_date(day: date) -> date:
    if isinstance(day, datetime):
        raise TypeError(f"expected a date, not a datetime: {day!r}")
    return day
