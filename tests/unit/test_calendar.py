"""The working-day calendar: properties over 2020-2035 and tables of each nation's bank holidays.

Every expected date in the tables was worked out by hand from the published UK bank holidays and
checked against holidays 0.109; the tables are literal so that a change in the package shows up.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casestore.calendar import LONDON, Nation, WorkingCalendar

ENG, WLS, SCT, NIR = Nation.ENG, Nation.WLS, Nation.SCT, Nation.NIR

# A council that shuts between Christmas and New Year: 29, 30 and 31 December 2026 (Tue-Thu).
CHRISTMAS_SHUTDOWN_2026 = (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31))


@cache
def calendar_for(nation: Nation, closure_days: tuple[date, ...] = ()) -> WorkingCalendar:
    return WorkingCalendar(nation=nation, closure_days=closure_days)


def walk_working_days(cal: WorkingCalendar, start: date, days: int) -> date:
    """The obvious day-by-day reference the fast implementation must agree with."""
    day = start
    if days == 0:
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        return day
    while days:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            days -= 1
    return day


def every_year_shutdown() -> tuple[date, ...]:
    return tuple(date(year, 12, day) for year in range(2019, 2038) for day in (29, 30, 31))


nations = st.sampled_from(list(Nation))
calendars = st.builds(calendar_for, nations, st.sampled_from([(), every_year_shutdown()]))
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
counts = st.integers(min_value=0, max_value=300)


# --- properties --------------------------------------------------------------------------------


@settings(deadline=None)
@given(cal=calendars, start=dates, n=counts)
def test_adding_working_days_always_lands_on_a_working_day(
    cal: WorkingCalendar, start: date, n: int
) -> None:
    assert cal.is_working_day(cal.add_working_days(start, n))


@settings(deadline=None)
@given(cal=calendars, start=dates, n=counts)
def test_adding_working_days_agrees_with_walking_day_by_day(
    cal: WorkingCalendar, start: date, n: int
) -> None:
    assert cal.add_working_days(start, n) == walk_working_days(cal, start, n)


@settings(deadline=None)
@given(cal=calendars, start=dates, n=counts, m=counts)
def test_more_working_days_give_a_strictly_later_date(
    cal: WorkingCalendar, start: date, n: int, m: int
) -> None:
    n, m = sorted((n, m))
    # from a non-working day, 0 and 1 working days both land on the next working day
    if n < m and (n >= 1 or cal.is_working_day(start)):
        assert cal.add_working_days(start, n) < cal.add_working_days(start, m)
    elif n < m:
        assert cal.add_working_days(start, n) <= cal.add_working_days(start, m)


@settings(deadline=None)
@given(cal=calendars, first=dates, second=dates, n=counts)
def test_a_later_start_never_gives_an_earlier_deadline(
    cal: WorkingCalendar, first: date, second: date, n: int
) -> None:
    earlier, later = sorted((first, second))
    assert cal.add_working_days(earlier, n) <= cal.add_working_days(later, n)


@settings(deadline=None)
@given(cal=calendars, day=dates, n=counts)
def test_counting_back_from_a_deadline_gives_the_days_added(
    cal: WorkingCalendar, day: date, n: int
) -> None:
    start = cal.working_day_on_or_after(day)
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@settings(deadline=None)
@given(cal=calendars, first=dates, second=dates)
def test_working_days_between_is_antisymmetric(
    cal: WorkingCalendar, first: date, second: date
) -> None:
    assert cal.working_days_between(first, second) == -cal.working_days_between(second, first)


@settings(deadline=None)
@given(cal=calendars, start=dates, span=st.integers(min_value=0, max_value=800))
def test_working_days_between_counts_working_days_after_start_up_to_end(
    cal: WorkingCalendar, start: date, span: int
) -> None:
    days = (start + timedelta(days=offset) for offset in range(1, span + 1))
    expected = sum(cal.is_working_day(day) for day in days)
    assert cal.working_days_between(start, start + timedelta(days=span)) == expected


@settings(deadline=None)
@given(cal=calendars, day=dates)
def test_next_and_previous_working_day_are_inverse_on_working_days(
    cal: WorkingCalendar, day: date
) -> None:
    working = cal.working_day_on_or_after(day)
    assert cal.previous_working_day(cal.next_working_day(working)) == working
    assert cal.next_working_day(cal.previous_working_day(working)) == working
    assert cal.previous_working_day(day) < day < cal.next_working_day(day)


# --- each nation's bank holidays ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "start", "n", "expected"),
    [
        # Christmas 2026: 25 Fri, Boxing Day Sat 26 -> substitute Mon 28.
        (ENG, date(2026, 12, 24), 1, date(2026, 12, 29)),
        (WLS, date(2026, 12, 24), 1, date(2026, 12, 29)),
        (SCT, date(2026, 12, 24), 1, date(2026, 12, 29)),
        (NIR, date(2026, 12, 24), 1, date(2026, 12, 29)),
        # Christmas 2027: 25 Sat, 26 Sun -> substitutes Mon 27 and Tue 28.
        (ENG, date(2027, 12, 24), 1, date(2027, 12, 29)),
        (WLS, date(2027, 12, 24), 1, date(2027, 12, 29)),
        (SCT, date(2027, 12, 24), 1, date(2027, 12, 29)),
        (NIR, date(2027, 12, 24), 1, date(2027, 12, 29)),
        (ENG, date(2026, 12, 18), 10, date(2027, 1, 6)),
        # New Year 2026: 1 Jan Thu; Scotland also Fri 2 Jan.
        (ENG, date(2025, 12, 31), 1, date(2026, 1, 2)),
        (WLS, date(2025, 12, 31), 1, date(2026, 1, 2)),
        (SCT, date(2025, 12, 31), 1, date(2026, 1, 5)),
        (NIR, date(2025, 12, 31), 1, date(2026, 1, 2)),
        # New Year 2027: 1 Jan Fri; Scotland's 2 Jan is a Saturday -> substitute Mon 4 Jan.
        (ENG, date(2026, 12, 31), 1, date(2027, 1, 4)),
        (WLS, date(2026, 12, 31), 1, date(2027, 1, 4)),
        (SCT, date(2026, 12, 31), 1, date(2027, 1, 5)),
        (NIR, date(2026, 12, 31), 1, date(2027, 1, 4)),
        # New Year 2023: 1 Jan Sun -> Mon 2 Jan; Scotland's 2 Jan substitute Tue 3 Jan.
        (ENG, date(2022, 12, 30), 1, date(2023, 1, 3)),
        (SCT, date(2022, 12, 30), 1, date(2023, 1, 4)),
        # Easter 2026: Good Friday 3 Apr everywhere; Easter Monday 6 Apr except in Scotland.
        (ENG, date(2026, 4, 2), 1, date(2026, 4, 7)),
        (WLS, date(2026, 4, 2), 1, date(2026, 4, 7)),
        (SCT, date(2026, 4, 2), 1, date(2026, 4, 6)),
        (NIR, date(2026, 4, 2), 1, date(2026, 4, 7)),
        # A 28-working-day SLA across Easter and May Day 2026.
        (ENG, date(2026, 3, 27), 28, date(2026, 5, 11)),
        (WLS, date(2026, 3, 27), 28, date(2026, 5, 11)),
        (SCT, date(2026, 3, 27), 28, date(2026, 5, 8)),
        (NIR, date(2026, 3, 27), 28, date(2026, 5, 11)),
        # St Andrew's Day: Mon 30 Nov 2026; Sun 30 Nov 2025 -> substitute Mon 1 Dec. Scotland only.
        (SCT, date(2026, 11, 27), 1, date(2026, 12, 1)),
        (ENG, date(2026, 11, 27), 1, date(2026, 11, 30)),
        (NIR, date(2026, 11, 27), 1, date(2026, 11, 30)),
        (SCT, date(2025, 11, 28), 1, date(2025, 12, 2)),
        (ENG, date(2025, 11, 28), 1, date(2025, 12, 1)),
        # St Patrick's Day, Tue 17 Mar 2026: Northern Ireland only.
        (NIR, date(2026, 3, 16), 1, date(2026, 3, 18)),
        (ENG, date(2026, 3, 16), 1, date(2026, 3, 17)),
        # Battle of the Boyne: Sun 12 Jul 2026 -> Mon 13; Sat 12 Jul 2025 -> Mon 14; Mon 2027.
        (NIR, date(2026, 7, 10), 1, date(2026, 7, 14)),
        (ENG, date(2026, 7, 10), 1, date(2026, 7, 13)),
        (NIR, date(2025, 7, 11), 1, date(2025, 7, 15)),
        (NIR, date(2027, 7, 9), 1, date(2027, 7, 13)),
        # Zero days: the start itself if it is a working day, else the next one.
        (ENG, date(2026, 12, 29), 0, date(2026, 12, 29)),
        (ENG, date(2026, 12, 25), 0, date(2026, 12, 29)),
        (ENG, date(2026, 12, 26), 0, date(2026, 12, 29)),
    ],
)
def test_add_working_days_skips_the_nations_bank_holidays(
    nation: Nation, start: date, n: int, expected: date
) -> None:
    cal = calendar_for(nation)
    assert cal.add_working_days(start, n) == expected
    if n and cal.is_working_day(start):
        assert cal.working_days_between(start, expected) == n


@pytest.mark.parametrize(
    ("nation", "day", "name"),
    [
        (ENG, date(2026, 12, 25), "Christmas Day"),
        (ENG, date(2026, 12, 28), "Boxing Day (observed)"),
        (WLS, date(2027, 12, 27), "Christmas Day (observed)"),
        (NIR, date(2027, 12, 28), "Boxing Day (observed)"),
        (SCT, date(2026, 1, 2), "New Year Holiday"),
        (ENG, date(2026, 1, 2), None),
        (SCT, date(2027, 1, 4), "New Year Holiday (observed)"),
        (WLS, date(2026, 4, 3), "Good Friday"),
        (SCT, date(2026, 4, 3), "Good Friday"),
        (WLS, date(2026, 4, 6), "Easter Monday"),
        (NIR, date(2026, 4, 6), "Easter Monday"),
        (SCT, date(2026, 4, 6), None),
        (SCT, date(2026, 11, 30), "Saint Andrew's Day"),
        (ENG, date(2026, 11, 30), None),
        (SCT, date(2025, 12, 1), "Saint Andrew's Day (observed)"),
        (NIR, date(2026, 3, 17), "Saint Patrick's Day"),
        (NIR, date(2026, 7, 13), "Battle of the Boyne (observed)"),
        (WLS, date(2026, 7, 13), None),
        (ENG, date(2026, 3, 10), None),
    ],
)
def test_holiday_name_names_the_nations_bank_holidays(
    nation: Nation, day: date, name: str | None
) -> None:
    cal = calendar_for(nation)
    assert cal.holiday_name(day) == name
    if name is not None and day.weekday() < 5:
        assert not cal.is_working_day(day)


@pytest.mark.parametrize("nation", list(Nation))
def test_weekends_are_not_working_days_and_ordinary_weekdays_are(nation: Nation) -> None:
    cal = calendar_for(nation)
    assert cal.is_working_day(date(2026, 3, 10))  # Tuesday
    assert not cal.is_working_day(date(2026, 3, 14))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 15))  # Sunday
    assert cal.holiday_name(date(2026, 3, 14)) is None


# --- closure days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "start", "n", "expected"),
    [
        (ENG, date(2026, 12, 24), 1, date(2027, 1, 4)),
        (ENG, date(2026, 12, 24), 3, date(2027, 1, 6)),
        (SCT, date(2026, 12, 24), 1, date(2027, 1, 5)),
        (NIR, date(2026, 12, 29), 0, date(2027, 1, 4)),
    ],
)
def test_closure_days_are_skipped_like_bank_holidays(
    nation: Nation, start: date, n: int, expected: date
) -> None:
    cal = calendar_for(nation, CHRISTMAS_SHUTDOWN_2026)
    assert cal.add_working_days(start, n) == expected


def test_a_closure_day_makes_a_weekday_non_working_and_is_named() -> None:
    cal = calendar_for(ENG, CHRISTMAS_SHUTDOWN_2026)
    assert not cal.is_working_day(date(2026, 12, 30))
    assert cal.holiday_name(date(2026, 12, 30)) == "Council closure day"
    assert cal.holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert calendar_for(ENG).is_working_day(date(2026, 12, 30))


def test_previous_working_day_steps_back_over_closures_and_holidays() -> None:
    cal = calendar_for(ENG, CHRISTMAS_SHUTDOWN_2026)
    assert cal.previous_working_day(date(2027, 1, 4)) == date(2026, 12, 24)


# --- working_days_between ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "start", "end", "expected"),
    [
        (ENG, date(2026, 12, 24), date(2026, 12, 29), 1),
        (ENG, date(2026, 12, 29), date(2026, 12, 24), -1),
        (ENG, date(2026, 12, 24), date(2026, 12, 24), 0),
        (ENG, date(2025, 12, 31), date(2026, 1, 5), 2),
        (SCT, date(2025, 12, 31), date(2026, 1, 5), 1),
        (ENG, date(2026, 12, 25), date(2026, 12, 28), 0),
        (ENG, date(2026, 12, 18), date(2027, 1, 6), 10),
    ],
)
def test_working_days_between_counts_days_after_start_up_to_and_including_end(
    nation: Nation, start: date, end: date, expected: int
) -> None:
    assert calendar_for(nation).working_days_between(start, end) == expected


def test_a_long_count_crosses_many_years_consistently() -> None:
    cal = calendar_for(SCT)
    deadline = cal.add_working_days(date(2026, 1, 5), 2_500)
    assert deadline.year == 2035
    assert cal.working_days_between(date(2026, 1, 5), deadline) == 2_500


# --- clock start and working time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "received_at", "expected"),
    [
        (ENG, datetime(2026, 3, 10, 9, 0, tzinfo=LONDON), date(2026, 3, 10)),
        (ENG, datetime(2026, 3, 10, 16, 59, tzinfo=LONDON), date(2026, 3, 10)),
        (ENG, datetime(2026, 3, 10, 17, 0, tzinfo=LONDON), date(2026, 3, 11)),
        (ENG, datetime(2026, 3, 10, 17, 30, tzinfo=LONDON), date(2026, 3, 11)),
        (ENG, datetime(2026, 3, 14, 10, 0, tzinfo=LONDON), date(2026, 3, 16)),  # Saturday
        (ENG, datetime(2026, 12, 25, 9, 0, tzinfo=LONDON), date(2026, 12, 29)),
        # Friday evening before the May Day bank holiday (Mon 4 May 2026): Tuesday.
        (ENG, datetime(2026, 5, 1, 17, 30, tzinfo=LONDON), date(2026, 5, 5)),
        (SCT, datetime(2026, 5, 1, 17, 30, tzinfo=LONDON), date(2026, 5, 5)),
        # Friday before the Late Summer holiday (Mon 31 Aug 2026): not a holiday in Scotland.
        (ENG, datetime(2026, 8, 28, 17, 30, tzinfo=LONDON), date(2026, 9, 1)),
        (SCT, datetime(2026, 8, 28, 17, 30, tzinfo=LONDON), date(2026, 8, 31)),
        # In BST, 23:30 UTC is 00:30 the next day in London, before the cut-off.
        (ENG, datetime(2026, 7, 14, 23, 30, tzinfo=UTC), date(2026, 7, 15)),
        # In BST, 16:30 UTC is 17:30 in London: after the cut-off.
        (ENG, datetime(2026, 7, 14, 16, 30, tzinfo=UTC), date(2026, 7, 15)),
        # Friday 23:30 UTC in BST is Saturday 00:30 in London: Monday.
        (ENG, datetime(2026, 7, 17, 23, 30, tzinfo=UTC), date(2026, 7, 20)),
        # In GMT, 16:30 UTC is 16:30 in London: before the cut-off.
        (ENG, datetime(2026, 1, 14, 16, 30, tzinfo=UTC), date(2026, 1, 14)),
    ],
)
def test_clock_starts_on_the_day_received_only_before_the_cut_off_on_a_working_day(
    nation: Nation, received_at: datetime, expected: date
) -> None:
    assert calendar_for(nation).clock_start_on(received_at) == expected


def test_clock_start_honours_a_custom_cut_off() -> None:
    cal = WorkingCalendar(nation="ENG", cutoff=time(16, 0))
    assert cal.clock_start_on(datetime(2026, 3, 10, 16, 30, tzinfo=LONDON)) == date(2026, 3, 11)


def test_clock_start_rejects_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar_for(ENG).clock_start_on(datetime(2026, 3, 10, 9, 0))


def test_local_date_converts_to_the_calendars_time_zone() -> None:
    cal = calendar_for(ENG)
    assert cal.local_date(datetime(2026, 7, 14, 23, 30, tzinfo=UTC)) == date(2026, 7, 15)
    assert cal.local_date(datetime(2026, 1, 14, 23, 30, tzinfo=UTC)) == date(2026, 1, 14)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert cal.local_date(datetime(2026, 7, 15, 1, 0, tzinfo=tokyo)) == date(2026, 7, 14)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.local_date(datetime(2026, 7, 14, 23, 30))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 3, 10, 8, 0, tzinfo=LONDON), True),
        (datetime(2026, 3, 10, 17, 59, tzinfo=LONDON), True),
        (datetime(2026, 3, 10, 7, 59, tzinfo=LONDON), False),
        (datetime(2026, 3, 10, 18, 0, tzinfo=LONDON), False),
        (datetime(2026, 3, 14, 12, 0, tzinfo=LONDON), False),  # Saturday
        (datetime(2026, 4, 6, 12, 0, tzinfo=LONDON), False),  # Easter Monday
        (datetime(2026, 7, 14, 7, 30, tzinfo=UTC), True),  # 08:30 BST
    ],
)
def test_working_time_is_office_hours_on_a_working_day(at: datetime, expected: bool) -> None:
    assert calendar_for(ENG).is_working_time(at) is expected


def test_working_time_accepts_other_office_hours() -> None:
    at = datetime(2026, 3, 10, 18, 30, tzinfo=LONDON)
    assert calendar_for(ENG).is_working_time(at, start=time(9, 0), end=time(19, 0))


# --- construction and errors -------------------------------------------------------------------


def test_the_nation_may_be_given_as_its_code() -> None:
    cal = WorkingCalendar(nation="sct")
    assert cal.nation is Nation.SCT
    assert cal.cutoff == time(17, 0)
    assert cal.tz == LONDON


def test_an_unknown_nation_is_rejected_by_name() -> None:
    with pytest.raises(ValueError, match="'IRL'"):
        WorkingCalendar(nation="IRL")


def test_a_negative_number_of_days_is_rejected_with_the_value() -> None:
    with pytest.raises(ValueError, match="-3"):
        calendar_for(ENG).add_working_days(date(2026, 3, 10), -3)


def test_a_datetime_is_not_taken_for_a_date() -> None:
    with pytest.raises(TypeError, match="datetime"):
        calendar_for(ENG).is_working_day(datetime(2026, 3, 10, 9, 0, tzinfo=LONDON))
