"""Sending windows ("quiet hours" are the rest): when texts may go out, in each recipient's own
time zone. Pure: the time is always passed in.

A window runs from ``start`` (included) to ``end`` (excluded), local wall-clock time, on some
weekdays (every day by default). An ``end`` before ``start`` runs past midnight: 21:00–02:00 on
Fridays is Friday 21:00 to Saturday 02:00, the window belonging to the day it opens on. An
``end`` equal to ``start`` is the whole day.

Local times are read as RFC 5545 reads them: a time that does not exist because clocks go
forward is read with the offset before the change, which moves it on by the jump (02:30 → 03:30
in New York on the spring-forward day), and a time that happens twice because clocks go back
is its first occurrence. Only a window with a bound inside the changing hour notices.

The calendar helpers at the top (weekdays, ``HH:MM`` times, zones, local → UTC) are shared with
:mod:`smsurvey.distributions.recurrence`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Weekday(IntEnum):
    """A day of the week, numbered like ``date.weekday()``; named ``"mon"`` … ``"sun"`` in JSON."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @classmethod
    def parse(cls, name: object) -> Weekday:
        """The weekday called ``name`` (``"mon"``, ``"Tue"`` …)."""
        if isinstance(name, str) and name.upper() in cls.__members__:
            return cls[name.upper()]
        raise ValueError(f"unknown weekday {name!r} (use mon, tue, wed, thu, fri, sat or sun)")

    def __str__(self) -> str:
        return self.name.lower()


EVERY_DAY = frozenset(Weekday)
WORKDAYS = frozenset(Weekday) - {Weekday.SAT, Weekday.SUN}


def weekdays_from_json(names: object) -> frozenset[Weekday]:
    """Weekdays from a JSON list of names; ``ValueError`` if it is not one or names none."""
    if not isinstance(names, list):
        raise ValueError(f"weekdays must be a list of day names, not {names!r}")
    return check_weekdays(Weekday.parse(name) for name in names)


def check_weekdays(days: Iterable[int]) -> frozenset[Weekday]:
    """``days`` as a set of :class:`Weekday`; ``ValueError`` if it is empty."""
    weekdays = frozenset(map(Weekday, days))
    if not weekdays:
        raise ValueError("no weekdays given: name at least one day")
    return weekdays


def weekdays_to_json(days: Iterable[Weekday]) -> list[str]:
    """Day names in week order, Monday first."""
    return [str(day) for day in sorted(days)]


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def parse_clock(text: object) -> time:
    """A local time of day written ``HH:MM`` (24-hour)."""
    if not isinstance(text, str) or not (match := _CLOCK.fullmatch(text)):
        raise ValueError(f"bad time of day {text!r}: write HH:MM, from 00:00 to 23:59")
    return time(int(match[1]), int(match[2]))


def format_clock(moment: time) -> str:
    """``moment`` as ``HH:MM``."""
    return moment.strftime("%H:%M")


def check_clock(moment: time, what: str) -> None:
    """``ValueError`` unless ``moment`` is a local time of day in whole minutes."""
    if moment.tzinfo is not None or moment.second or moment.microsecond:
        raise ValueError(f"{what} must be a local time in whole minutes, not {moment}")


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # unknown, malformed, or a non-zone data file
        return None


def zone_info(name: str) -> ZoneInfo:
    """The IANA time zone called ``name``; ``ValueError`` if there is none."""
    zone = _zone(name) if isinstance(name, str) else None
    if zone is None:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/London)")
    return zone


def as_utc(moment: datetime) -> datetime:
    """An aware ``moment`` in UTC; ``ValueError`` if it is naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment}: pass an aware UTC datetime")
    return moment.astimezone(UTC)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock time ``at`` on ``day`` in ``zone``: a skipped time moves on
    by the jump, a repeated one is its first occurrence (RFC 5545, and ``fold=0``)."""
    return datetime.combine(day, at, zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SendingWindow:
    """When texts may go out, in the recipient's local time (see the module docstring)."""

    start: time
    end: time
    weekdays: frozenset[Weekday] = EVERY_DAY
    """The days a window opens on."""

    def __post_init__(self) -> None:
        check_clock(self.start, "start")
        check_clock(self.end, "end")
        object.__setattr__(self, "weekdays", check_weekdays(self.weekdays))

    def to_json(self) -> dict[str, Any]:
        """``{"start": "09:00", "end": "20:00", "weekdays": ["mon", …, "fri"]}``."""
        return {
            "start": format_clock(self.start),
            "end": format_clock(self.end),
            "weekdays": weekdays_to_json(self.weekdays),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SendingWindow:
        """A window from :meth:`to_json`'s shape; ``weekdays`` may be left out for every day."""
        if unknown := data.keys() - {"start", "end", "weekdays"}:
            raise ValueError(f"unknown sending window fields: {', '.join(sorted(unknown))}")
        if "start" not in data or "end" not in data:
            raise ValueError("a sending window needs a start and an end (HH:MM)")
        weekdays = weekdays_from_json(data["weekdays"]) if "weekdays" in data else EVERY_DAY
        return cls(parse_clock(data["start"]), parse_clock(data["end"]), weekdays)


def next_allowed(window: SendingWindow, moment_utc: datetime, zone: str) -> datetime:
    """The earliest instant at or after ``moment_utc`` inside ``window`` in ``zone``, in UTC."""
    moment = as_utc(moment_utc)
    local = zone_info(zone)
    overnight = timedelta(days=1 if window.end <= window.start else 0)
    # Yesterday's window may run past midnight; some day within a week is allowed.
    day = moment.astimezone(local).date() - timedelta(days=1)
    while True:
        if day.weekday() in window.weekdays:
            opens = local_to_utc(day, window.start, local)
            closes = local_to_utc(day + overnight, window.end, local)
            # opens >= closes only for a window inside the hour clocks skip: none that day.
            if moment < closes and opens < closes:
                return max(moment, opens)
        day += timedelta(days=1)


def recipient_zone(
    contact_time_zone: str | None,
    phone_time_zones: Sequence[str],
    *,
    at: datetime,
    default: str = "UTC",
) -> str:
    """The time zone to apply a sending window in for one recipient.

    In order: the contact's own time zone if it is a known zone; ``default`` if it is one of
    the phone number's zones (an organisation texting numbers of its own country); the phone's
    first zone if all of them show the same UTC offset at ``at`` (one zone, or the four of a
    UK mobile: London, Guernsey, Jersey, Isle of Man); else ``default``. A mobile number is
    often only known by country (+61 gives eight zones, +7 sixteen): guessing one of them would
    text some recipients at night. Unknown names among the phone's zones are ignored.

    ``phone_time_zones`` is ``check_phone(number).time_zones``; ``at`` is when the text is
    due to go.
    """
    moment = as_utc(at)
    zone_info(default)  # ValueError if unknown
    if contact_time_zone and _zone(contact_time_zone):
        return contact_time_zone
    zones = {name: zone for name in phone_time_zones if (zone := _zone(name))}
    if default in zones:
        return default
    if len({moment.astimezone(zone).utcoffset() for zone in zones.values()}) == 1:
        return next(iter(zones))
    return default
