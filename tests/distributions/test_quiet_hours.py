"""Sending windows in each recipient's time zone, across weekends and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsurvey.distributions.quiet_hours import (
    EVERY_DAY,
    WORKDAYS,
    SendingWindow,
    Weekday,
    next_allowed,
    recipient_zone,
)
from smsurvey.sms.phones import check_phone

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
DAYTIME = SendingWindow(time(9), time(20))
WORKING_DAYTIME = SendingWindow(time(9), time(20), WORKDAYS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


# --- the window and its JSON ---------------------------------------------------------------


def test_json_round_trip() -> None:
    assert WORKING_DAYTIME.to_json() == {
        "start": "09:00",
        "end": "20:00",
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    }
    assert SendingWindow.from_json(WORKING_DAYTIME.to_json()) == WORKING_DAYTIME


def test_json_without_weekdays_is_every_day() -> None:
    window = SendingWindow.from_json({"start": "21:30", "end": "07:15"})
    assert window == SendingWindow(time(21, 30), time(7, 15), EVERY_DAY)
    assert window.to_json()["weekdays"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_weekday_names_ignore_case_and_order() -> None:
    window = SendingWindow.from_json({"start": "09:00", "end": "17:00", "weekdays": ["SUN", "Mon"]})
    assert window.weekdays == {Weekday.MON, Weekday.SUN}
    assert window.to_json()["weekdays"] == ["mon", "sun"]


def test_weekdays_may_be_given_as_numbers() -> None:
    window = SendingWindow(time(9), time(17), frozenset({0, 6}))
    assert window.weekdays == {Weekday.MON, Weekday.SUN}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "9:00", "end": "20:00"}, "bad time of day '9:00': write HH:MM"),
        ({"start": "09:00", "end": "24:00"}, "bad time of day '24:00'"),
        ({"start": "09:60", "end": "20:00"}, "bad time of day '09:60'"),
        ({"start": 900, "end": "20:00"}, "bad time of day 900"),
        ({"start": "09:00:30", "end": "20:00"}, "bad time of day '09:00:30'"),
        ({"start": "09:00", "end": "20:00", "weekdays": []}, "no weekdays given"),
        ({"start": "09:00", "end": "20:00", "weekdays": ["mon", "funday"]}, "unknown weekday"),
        ({"start": "09:00", "end": "20:00", "weekdays": "mon"}, "weekdays must be a list"),
        ({"start": "09:00"}, "needs a start and an end"),
        ({"start": "09:00", "end": "20:00", "weekday": ["mon"]}, "unknown sending window fields"),
    ],
)
def test_bad_json_is_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SendingWindow.from_json(data)


@pytest.mark.parametrize(
    ("start", "end", "weekdays", "message"),
    [
        (time(9, 0, 30), time(20), EVERY_DAY, "start must be a local time in whole minutes"),
        (time(9), time(20, tzinfo=UTC), EVERY_DAY, "end must be a local time"),
        (time(9), time(20), frozenset(), "no weekdays given"),
        (time(9), time(20), frozenset({7}), "7 is not a valid Weekday"),
    ],
)
def test_bad_windows_are_refused(
    start: time, end: time, weekdays: frozenset[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SendingWindow(start, end, weekdays)  # type: ignore[arg-type]


# --- next_allowed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "moment", "expected"),
    [
        pytest.param(DAYTIME, utc(2025, 6, 4, 12), utc(2025, 6, 4, 12), id="inside"),
        pytest.param(DAYTIME, utc(2025, 6, 4, 9), utc(2025, 6, 4, 9), id="at the start"),
        pytest.param(DAYTIME, utc(2025, 6, 4, 7, 59), utc(2025, 6, 4, 9), id="before"),
        pytest.param(DAYTIME, utc(2025, 6, 4, 20), utc(2025, 6, 5, 9), id="at the end"),
        pytest.param(DAYTIME, utc(2025, 6, 4, 23), utc(2025, 6, 5, 9), id="after"),
        # 2025-06-06 is a Friday.
        pytest.param(WORKING_DAYTIME, utc(2025, 6, 6, 21), utc(2025, 6, 9, 9), id="Fri night"),
        pytest.param(WORKING_DAYTIME, utc(2025, 6, 7, 12), utc(2025, 6, 9, 9), id="Saturday"),
        pytest.param(WORKING_DAYTIME, utc(2025, 6, 8, 23), utc(2025, 6, 9, 9), id="Sunday"),
    ],
)
def test_next_allowed_in_utc(window: SendingWindow, moment: datetime, expected: datetime) -> None:
    assert next_allowed(window, moment, "UTC") == expected


FRIDAY_NIGHT = SendingWindow(time(22), time(2), frozenset({Weekday.FRI}))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(utc(2025, 6, 6, 21), utc(2025, 6, 6, 22), id="Friday evening"),
        pytest.param(utc(2025, 6, 6, 23), utc(2025, 6, 6, 23), id="Friday night"),
        pytest.param(utc(2025, 6, 7, 1, 59), utc(2025, 6, 7, 1, 59), id="Saturday small hours"),
        pytest.param(utc(2025, 6, 7, 2), utc(2025, 6, 13, 22), id="closed Saturday 02:00"),
        pytest.param(utc(2025, 6, 7, 23), utc(2025, 6, 13, 22), id="Saturday night is not"),
        pytest.param(utc(2025, 6, 6, 1), utc(2025, 6, 6, 22), id="Thursday's is not"),
    ],
)
def test_a_window_past_midnight_belongs_to_the_day_it_opens(
    moment: datetime, expected: datetime
) -> None:
    assert next_allowed(FRIDAY_NIGHT, moment, "UTC") == expected


def test_equal_start_and_end_is_the_whole_day() -> None:
    weekdays = SendingWindow(time(0), time(0), WORKDAYS)
    assert next_allowed(weekdays, utc(2025, 6, 5, 3), "UTC") == utc(2025, 6, 5, 3)
    assert next_allowed(weekdays, utc(2025, 6, 7, 12), "UTC") == utc(2025, 6, 9)
    assert next_allowed(SendingWindow(time(9), time(9)), utc(2025, 6, 7, 8), "UTC") == utc(
        2025, 6, 7, 8
    )


def test_next_allowed_reads_the_window_in_the_zone() -> None:
    # 14:00 UTC on a June Wednesday is 10:00 in New York (EDT) and 15:00 in London (BST).
    moment = utc(2025, 6, 4, 1)  # 21:00 on Tuesday in New York, 02:00 on Wednesday in London
    assert next_allowed(DAYTIME, moment, NEW_YORK) == local(NEW_YORK, 2025, 6, 4, 9)
    assert next_allowed(DAYTIME, moment, LONDON) == local(LONDON, 2025, 6, 4, 9)
    assert next_allowed(DAYTIME, moment, "Asia/Tokyo") == moment  # 10:00 in Tokyo


def test_the_weekend_is_the_recipients_weekend() -> None:
    # Monday 2025-06-09 02:00 UTC is still Sunday evening in New York, Monday 11:00 in Tokyo.
    moment = utc(2025, 6, 9, 2)
    assert next_allowed(WORKING_DAYTIME, moment, NEW_YORK) == local(NEW_YORK, 2025, 6, 9, 9)
    assert next_allowed(WORKING_DAYTIME, moment, "Asia/Tokyo") == moment


@pytest.mark.parametrize(
    ("zone", "day_before", "change_day", "day_after"),
    [
        # Clocks go forward on 2025-03-09 in New York, on 2025-03-30 in London, and back on
        # 2025-11-02 and 2025-10-26.
        pytest.param(NEW_YORK, (2025, 3, 8), (2025, 3, 9), (2025, 3, 10), id="New York spring"),
        pytest.param(NEW_YORK, (2025, 11, 1), (2025, 11, 2), (2025, 11, 3), id="New York fall"),
        pytest.param(LONDON, (2025, 3, 29), (2025, 3, 30), (2025, 3, 31), id="London spring"),
        pytest.param(LONDON, (2025, 10, 25), (2025, 10, 26), (2025, 10, 27), id="London autumn"),
    ],
)
def test_nine_stays_nine_across_a_clock_change(
    zone: str,
    day_before: tuple[int, int, int],
    change_day: tuple[int, int, int],
    day_after: tuple[int, int, int],
) -> None:
    evening_before = local(zone, *day_before, 21)
    opening = next_allowed(DAYTIME, evening_before, zone)
    assert opening == local(zone, *change_day, 9)
    assert opening.astimezone(ZoneInfo(zone)).hour == 9
    closing_time = local(zone, *change_day, 20)
    assert next_allowed(DAYTIME, closing_time, zone) == local(zone, *day_after, 9)
    assert closing_time - evening_before in (timedelta(hours=22), timedelta(hours=24))


def test_spring_forward_in_new_york_by_the_utc_clock() -> None:
    # 09:00 EST is 14:00 UTC on Saturday, 09:00 EDT 13:00 UTC on Sunday.
    assert next_allowed(DAYTIME, utc(2025, 3, 8, 2), NEW_YORK) == utc(2025, 3, 8, 14)
    assert next_allowed(DAYTIME, utc(2025, 3, 9, 2), NEW_YORK) == utc(2025, 3, 9, 13)


def test_a_start_the_clocks_skip_moves_on_by_the_jump() -> None:
    # In New York 02:00-03:00 does not exist on 2025-03-09: 02:30 is read as 03:30 EDT.
    window = SendingWindow(time(2, 30), time(5))
    moment = local(NEW_YORK, 2025, 3, 9, 0)
    assert next_allowed(window, moment, NEW_YORK) == local(NEW_YORK, 2025, 3, 9, 3, 30)


def test_a_window_inside_the_skipped_hour_is_shut_that_day() -> None:
    # 02:45 reads as 03:45 EDT, after 03:10: nothing is open on 2025-03-09.
    window = SendingWindow(time(2, 45), time(3, 10))
    moment = local(NEW_YORK, 2025, 3, 9, 0)
    assert next_allowed(window, moment, NEW_YORK) == local(NEW_YORK, 2025, 3, 10, 2, 45)


def test_a_repeated_start_is_its_first_occurrence() -> None:
    # In New York 01:00-02:00 happens twice on 2025-11-02: first EDT (05:00 UTC), then EST.
    window = SendingWindow(time(1, 30), time(5))
    moment = local(NEW_YORK, 2025, 11, 2, 0)
    assert next_allowed(window, moment, NEW_YORK) == utc(2025, 11, 2, 5, 30)


def test_next_allowed_refuses_naive_moments_and_unknown_zones() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        next_allowed(DAYTIME, datetime(2025, 6, 4, 12), "UTC")
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        next_allowed(DAYTIME, utc(2025, 6, 4, 12), "Mars/Olympus")


def test_next_allowed_answers_in_utc() -> None:
    moment = local(LONDON, 2025, 6, 4, 12)
    result = next_allowed(DAYTIME, moment.astimezone(ZoneInfo(LONDON)), LONDON)
    assert result == moment
    assert result.tzinfo is UTC


# --- properties: never early, always inside, never later than needed --------------------------

ZONES = [
    "UTC",
    NEW_YORK,
    LONDON,
    "Australia/Sydney",
    "Australia/Lord_Howe",  # moves by 30 minutes
    "Asia/Kolkata",
]
# Days clocks change in some of ZONES, to draw moments around.
CHANGE_DAYS = [
    utc(2025, 3, 9),
    utc(2025, 3, 30),
    utc(2025, 4, 6),
    utc(2025, 10, 5),
    utc(2025, 10, 26),
    utc(2025, 11, 2),
]

# Bounds outside 01:00-03:00 never fall in an hour that is skipped or repeated in ZONES, so a
# window is exactly the wall-clock times between them.
bounds = st.times().map(lambda t: t.replace(second=0, microsecond=0))
steady_bounds = bounds.filter(lambda t: not time(1) <= t < time(3))
windows = st.builds(
    SendingWindow,
    start=bounds,
    end=bounds,
    weekdays=st.frozensets(st.sampled_from(Weekday), min_size=1),
)
steady_windows = st.builds(
    SendingWindow,
    start=steady_bounds,
    end=steady_bounds,
    weekdays=st.frozensets(st.sampled_from(Weekday), min_size=1),
)
moments = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    st.builds(
        lambda day, minutes: day + timedelta(minutes=minutes),
        st.sampled_from(CHANGE_DAYS),
        st.integers(-36 * 60, 36 * 60),
    ),
)


def inside(window: SendingWindow, moment: datetime, zone: str) -> bool:
    """Whether the wall-clock time of ``moment`` in ``zone`` is in ``window``."""
    wall = moment.astimezone(ZoneInfo(zone))
    clock, today = wall.time().replace(tzinfo=None), wall.weekday()
    yesterday = (today - 1) % 7
    if window.start < window.end:
        return today in window.weekdays and window.start <= clock < window.end
    return (today in window.weekdays and clock >= window.start) or (
        yesterday in window.weekdays and clock < window.end
    )


@given(windows, moments, st.sampled_from(ZONES))
def test_next_allowed_is_never_early_and_is_a_fixed_point(
    window: SendingWindow, moment: datetime, zone: str
) -> None:
    result = next_allowed(window, moment, zone)
    assert moment <= result < moment + timedelta(days=8)
    assert next_allowed(window, result, zone) == result


@settings(max_examples=60)
@given(steady_windows, moments, st.sampled_from(ZONES))
def test_next_allowed_is_the_first_minute_inside(
    window: SendingWindow, moment: datetime, zone: str
) -> None:
    result = next_allowed(window, moment, zone)
    assert inside(window, result, zone)
    first = moment
    while not inside(window, first, zone):
        first += timedelta(minutes=1)
    assert result == first


# --- recipient_zone ----------------------------------------------------------------------------

JULY = utc(2025, 7, 1, 12)
JANUARY = utc(2025, 1, 15, 12)


def phone_zones(number: str) -> tuple[str, ...]:
    return check_phone(number).time_zones


def test_the_contacts_own_zone_comes_first() -> None:
    assert recipient_zone("Asia/Tokyo", phone_zones("+12125551234"), at=JULY) == "Asia/Tokyo"


def test_an_unknown_contact_zone_is_passed_over() -> None:
    zones = phone_zones("+12125551234")
    assert recipient_zone("Mars/Olympus", zones, at=JULY) == NEW_YORK
    assert recipient_zone("", zones, at=JULY) == NEW_YORK
    assert recipient_zone(None, zones, at=JULY) == NEW_YORK


def test_a_phone_with_zones_that_agree_gives_the_first() -> None:
    uk_mobile = phone_zones("+447911123456")  # London, Guernsey, Jersey, Isle of Man
    assert len(uk_mobile) > 1
    assert recipient_zone(None, uk_mobile, at=JULY) == uk_mobile[0]


def test_a_country_wide_mobile_gives_the_default() -> None:
    australia = phone_zones("+61412345678")
    assert len(australia) == 8
    assert recipient_zone(None, australia, at=JULY) == "UTC"
    assert recipient_zone(None, australia, at=JULY, default="Europe/Paris") == "Europe/Paris"


def test_the_default_wins_when_it_is_one_of_the_phones_zones() -> None:
    australia = phone_zones("+61412345678")
    assert recipient_zone(None, australia, at=JULY, default="Australia/Perth") == "Australia/Perth"
    spain = phone_zones("+34612345678")  # Madrid and the Canaries
    assert recipient_zone(None, spain, at=JULY, default="Europe/Madrid") == "Europe/Madrid"


def test_zones_agree_or_not_at_the_moment_given() -> None:
    # Brisbane keeps +10 all year; Sydney is +10 in July and +11 in January.
    zones = ["Australia/Sydney", "Australia/Brisbane"]
    assert recipient_zone(None, zones, at=JULY) == "Australia/Sydney"
    assert recipient_zone(None, zones, at=JANUARY) == "UTC"


def test_unknown_phone_zones_are_ignored() -> None:
    assert recipient_zone(None, ["Etc/Unknown", "Europe/Paris"], at=JULY) == "Europe/Paris"
    assert recipient_zone(None, [], at=JULY, default=LONDON) == LONDON


def test_the_default_must_be_a_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Nowhere'"):
        recipient_zone("Asia/Tokyo", [], at=JULY, default="Nowhere")
    with pytest.raises(ValueError, match="naive datetime"):
        recipient_zone(None, ["Asia/Tokyo", "Asia/Seoul"], at=datetime(2025, 7, 1))
