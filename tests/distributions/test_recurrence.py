"""Recurring schedules: daily, weekly, monthly, intervals, month ends, end dates and DST."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.distributions.quiet_hours import Weekday
from smsurvey.distributions.recurrence import Frequency, Recurrence, next_after, occurrences

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
DAILY, WEEKLY, MONTHLY = Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY
NINE = time(9)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def walls(moments: list[datetime], zone: str) -> list[str]:
    return [moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M") for moment in moments]


# --- daily -------------------------------------------------------------------------------------


def test_daily() -> None:
    daily = Recurrence(DAILY, NINE)
    assert occurrences(daily, utc(2025, 6, 1, 8), 3) == [
        utc(2025, 6, 1, 9),
        utc(2025, 6, 2, 9),
        utc(2025, 6, 3, 9),
    ]
    assert occurrences(daily, utc(2025, 6, 1, 9), 1) == [utc(2025, 6, 1, 9)]  # start included
    assert occurrences(daily, utc(2025, 6, 1, 9, 1), 1) == [utc(2025, 6, 2, 9)]


def test_every_three_days_counts_from_the_previous_occurrence() -> None:
    every_third = Recurrence(DAILY, NINE, interval=3)
    assert occurrences(every_third, utc(2025, 6, 1), 3) == [
        utc(2025, 6, 1, 9),
        utc(2025, 6, 4, 9),
        utc(2025, 6, 7, 9),
    ]
    assert next_after(every_third, utc(2025, 6, 1, 8)) == utc(2025, 6, 1, 9)
    assert next_after(every_third, utc(2025, 6, 1, 10)) == utc(2025, 6, 4, 9)


# --- weekly ------------------------------------------------------------------------------------


def test_weekly_on_weekdays() -> None:
    mondays_and_thursdays = Recurrence(WEEKLY, NINE, weekdays=frozenset({Weekday.MON, Weekday.THU}))
    found = occurrences(mondays_and_thursdays, utc(2025, 6, 3), 4)  # a Tuesday
    assert walls(found, "UTC") == [
        "Thu 2025-06-05 09:00",
        "Mon 2025-06-09 09:00",
        "Thu 2025-06-12 09:00",
        "Mon 2025-06-16 09:00",
    ]


def test_every_two_weeks_counts_weeks_from_the_previous_occurrence() -> None:
    fortnightly = Recurrence(
        WEEKLY, NINE, interval=2, weekdays=frozenset({Weekday.MON, Weekday.THU}), zone=NEW_YORK
    )
    # The schedule starts on Saturday 2025-03-01: its first occurrence is the next Monday.
    found = occurrences(fortnightly, local(NEW_YORK, 2025, 3, 1), 5)
    assert walls(found, NEW_YORK) == [
        "Mon 2025-03-03 09:00",
        "Thu 2025-03-06 09:00",
        "Mon 2025-03-17 09:00",
        "Thu 2025-03-20 09:00",
        "Mon 2025-03-31 09:00",
    ]
    # After a Thursday, Monday and Thursday of that week are past: the next is two weeks on.
    assert next_after(fortnightly, found[1]) == found[2]


# --- monthly -----------------------------------------------------------------------------------


def test_monthly_on_the_31st_is_the_last_day_of_shorter_months() -> None:
    month_end = Recurrence(MONTHLY, NINE, month_day=31)
    found = occurrences(month_end, utc(2025, 1, 1), 5)
    assert [moment.date().isoformat() for moment in found] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2025-05-31",
    ]


def test_monthly_on_the_30th_in_a_leap_february() -> None:
    thirtieth = Recurrence(MONTHLY, NINE, month_day=30)
    found = occurrences(thirtieth, utc(2024, 1, 31), 3)
    assert [moment.date().isoformat() for moment in found] == [
        "2024-02-29",
        "2024-03-30",
        "2024-04-30",
    ]


def test_every_three_months() -> None:
    quarterly = Recurrence(MONTHLY, NINE, interval=3, month_day=15)
    # Starting on 20 January, the first is 15 February, then every third month from there.
    found = occurrences(quarterly, utc(2025, 1, 20), 4)
    assert [moment.date().isoformat() for moment in found] == [
        "2025-02-15",
        "2025-05-15",
        "2025-08-15",
        "2025-11-15",
    ]
    assert next_after(quarterly, utc(2025, 11, 15, 9)) == utc(2026, 2, 15, 9)


# --- until -------------------------------------------------------------------------------------


def test_until_is_included() -> None:
    daily = Recurrence(DAILY, NINE, until=utc(2025, 6, 3, 9))
    assert occurrences(daily, utc(2025, 6, 1), 10) == [
        utc(2025, 6, 1, 9),
        utc(2025, 6, 2, 9),
        utc(2025, 6, 3, 9),
    ]
    assert next_after(daily, utc(2025, 6, 3, 9)) is None
    assert occurrences(daily, utc(2025, 6, 4), 10) == []
    assert occurrences(daily, utc(2025, 6, 1), 0) == []


def test_until_is_kept_in_utc() -> None:
    until = datetime(2025, 6, 3, 11, tzinfo=ZoneInfo("Europe/Paris"))
    daily = Recurrence(DAILY, NINE, until=until)
    assert daily.until == utc(2025, 6, 3, 9)
    assert daily.until.tzinfo is UTC


# --- time zones and daylight saving --------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "utc_hours"),
    [
        pytest.param(NEW_YORK, utc(2025, 3, 7), [14, 14, 13, 13], id="New York spring"),
        pytest.param(NEW_YORK, utc(2025, 10, 31), [13, 13, 14, 14], id="New York fall"),
        pytest.param(LONDON, utc(2025, 3, 28), [9, 9, 8, 8], id="London spring"),
        pytest.param(LONDON, utc(2025, 10, 24), [8, 8, 9, 9], id="London autumn"),
    ],
)
def test_nine_local_stays_nine_local(zone: str, start: datetime, utc_hours: list[int]) -> None:
    found = occurrences(Recurrence(DAILY, NINE, zone=zone), start, 4)
    assert [moment.hour for moment in found] == utc_hours
    assert {moment.astimezone(ZoneInfo(zone)).hour for moment in found} == {9}


def test_a_skipped_time_moves_on_for_that_day_only() -> None:
    small_hours = Recurrence(DAILY, time(2, 30), zone=NEW_YORK)
    found = occurrences(small_hours, local(NEW_YORK, 2025, 3, 8), 3)
    assert walls(found, NEW_YORK) == [
        "Sat 2025-03-08 02:30",
        "Sun 2025-03-09 03:30",  # 02:30 does not exist that day
        "Mon 2025-03-10 02:30",
    ]


def test_a_repeated_time_is_its_first_occurrence() -> None:
    small_hours = Recurrence(DAILY, time(1, 30), zone=NEW_YORK)
    found = occurrences(small_hours, local(NEW_YORK, 2025, 11, 2), 2)
    assert found == [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]  # EDT, then EST


def test_weekdays_are_local_weekdays() -> None:
    # 09:00 on Monday in Tokyo is 00:00 on Monday UTC; 09:00 Monday in Honolulu, 19:00 UTC.
    mondays = frozenset({Weekday.MON})
    tokyo = Recurrence(WEEKLY, NINE, weekdays=mondays, zone="Asia/Tokyo")
    honolulu = Recurrence(WEEKLY, NINE, weekdays=mondays, zone="Pacific/Honolulu")
    assert occurrences(tokyo, utc(2025, 6, 1), 1) == [utc(2025, 6, 2, 0)]
    assert occurrences(honolulu, utc(2025, 6, 1), 1) == [utc(2025, 6, 2, 19)]


# --- JSON and validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "data"),
    [
        (
            Recurrence(DAILY, NINE),
            {"frequency": "daily", "interval": 1, "at": "09:00", "zone": "UTC"},
        ),
        (
            Recurrence(
                WEEKLY,
                time(17, 30),
                interval=2,
                weekdays=frozenset({Weekday.THU, Weekday.MON}),
                until=utc(2025, 12, 31, 23, 59),
                zone=LONDON,
            ),
            {
                "frequency": "weekly",
                "interval": 2,
                "at": "17:30",
                "weekdays": ["mon", "thu"],
                "until": "2025-12-31T23:59:00+00:00",
                "zone": LONDON,
            },
        ),
        (
            Recurrence(MONTHLY, NINE, month_day=31, zone=NEW_YORK),
            {
                "frequency": "monthly",
                "interval": 1,
                "at": "09:00",
                "month_day": 31,
                "zone": NEW_YORK,
            },
        ),
    ],
)
def test_json_round_trip(recurrence: Recurrence, data: dict[str, Any]) -> None:
    assert recurrence.to_json() == data
    assert Recurrence.from_json(data) == recurrence


def test_json_defaults_and_z_instants() -> None:
    data = {"frequency": "daily", "at": "08:15", "until": "2025-06-30T23:59:59Z"}
    recurrence = Recurrence.from_json(data)
    assert recurrence == Recurrence(DAILY, time(8, 15), until=utc(2025, 6, 30, 23, 59, 59))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"at": "09:00"}, "needs a frequency and a time of day"),
        ({"frequency": "hourly", "at": "09:00"}, "unknown frequency 'hourly'"),
        ({"frequency": "daily", "at": "9am"}, "bad time of day '9am'"),
        ({"frequency": "daily", "at": "09:00", "interval": 0}, "interval must be a whole number"),
        ({"frequency": "daily", "at": "09:00", "interval": 1.5}, "interval must be a whole number"),
        ({"frequency": "weekly", "at": "09:00"}, "no weekdays given"),
        ({"frequency": "weekly", "at": "09:00", "weekdays": []}, "no weekdays given"),
        ({"frequency": "daily", "at": "09:00", "weekdays": ["mon"]}, "weekdays are for weekly"),
        ({"frequency": "monthly", "at": "09:00"}, "month_day must be from 1 to 31, not None"),
        ({"frequency": "monthly", "at": "09:00", "month_day": 32}, "month_day must be from 1"),
        ({"frequency": "daily", "at": "09:00", "month_day": 1}, "month_day is for monthly"),
        ({"frequency": "daily", "at": "09:00", "zone": "Europe/Lindon"}, "unknown time zone"),
        ({"frequency": "daily", "at": "09:00", "until": "2025-06-30"}, "until must be an ISO"),
        ({"frequency": "daily", "at": "09:00", "until": "soon"}, "until must be an ISO"),
        ({"frequency": "daily", "at": "09:00", "until": 20250630}, "until must be an ISO"),
        ({"frequency": "daily", "at": "09:00", "every": 2}, "unknown recurrence fields: every"),
    ],
)
def test_bad_json_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Recurrence.from_json(data)


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match="at must be a local time in whole minutes"):
        Recurrence(DAILY, time(9, 0, 30))
    with pytest.raises(ValueError, match="naive datetime"):
        Recurrence(DAILY, NINE, until=datetime(2025, 6, 1))
    with pytest.raises(ValueError, match="naive datetime"):
        next_after(Recurrence(DAILY, NINE), datetime(2025, 6, 1))


# --- properties ----------------------------------------------------------------------------------

ZONES = ["UTC", NEW_YORK, LONDON, "Australia/Sydney", "Australia/Lord_Howe"]
# Times outside 01:00-03:00 exist exactly once every day in ZONES.
steady_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
steady_times = steady_times.filter(lambda t: not time(1) <= t < time(3))
weekday_sets = st.frozensets(st.sampled_from(Weekday), min_size=1)
instants = st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))


@st.composite
def recurrences(draw: st.DrawFn) -> Recurrence:
    frequency = draw(st.sampled_from(Frequency))
    return Recurrence(
        frequency,
        draw(steady_times),
        interval=draw(st.integers(1, 5)),
        weekdays=draw(weekday_sets) if frequency == WEEKLY else frozenset(),
        month_day=draw(st.integers(1, 31)) if frequency == MONTHLY else None,
        until=draw(st.none() | instants),
        zone=draw(st.sampled_from(ZONES)),
    )


@given(recurrences(), instants)
def test_occurrences_increase_keep_their_time_and_never_pass_until(
    recurrence: Recurrence, start: datetime
) -> None:
    found = occurrences(recurrence, start, 12)
    zone = ZoneInfo(recurrence.zone)
    assert all(a < b for a, b in pairwise(found))
    assert all(moment >= start for moment in found)
    if recurrence.until is not None:
        assert all(moment <= recurrence.until for moment in found)
    if len(found) < 12:  # cut short by until
        assert recurrence.until is not None
        if found:
            assert next_after(recurrence, found[-1]) is None
    for previous, moment in pairwise(found):
        assert next_after(recurrence, previous) == moment
    for moment in found:
        wall = moment.astimezone(zone)
        assert wall.time().replace(tzinfo=None) == recurrence.at
        if recurrence.frequency == WEEKLY:
            assert wall.weekday() in recurrence.weekdays
        if recurrence.frequency == MONTHLY:
            last = calendar.monthrange(wall.year, wall.month)[1]
            assert wall.day == min(recurrence.month_day or 0, last)


@given(recurrences(), instants)
def test_intervals_are_kept(recurrence: Recurrence, start: datetime) -> None:
    zone = ZoneInfo(recurrence.zone)
    days = [moment.astimezone(zone).date() for moment in occurrences(recurrence, start, 8)]
    for previous, day in pairwise(days):
        if recurrence.frequency == DAILY:
            assert day - previous == timedelta(days=recurrence.interval)
        elif recurrence.frequency == MONTHLY:
            months = (day.year - previous.year) * 12 + day.month - previous.month
            assert months == recurrence.interval
        else:
            weeks = (monday(day) - monday(previous)).days // 7
            assert weeks in (0, recurrence.interval)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
