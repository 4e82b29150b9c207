"""Recurring schedules for lifecycle programmes: daily, weekly on given weekdays, or monthly on
a day of the month, every ``interval`` days, weeks or months, until an instant. Pure.

Every occurrence is at the local time ``at`` in ``zone`` (UTC by default), so 09:00 stays 09:00
across daylight-saving changes; a time the clocks skip moves on by the jump (see
:mod:`smsurvey.distributions.quiet_hours`). A monthly day past the end of a shorter month means
its last day (31 → 30 April, 28 or 29 February); the next month is back on the 31st.

The first occurrence is the first matching day and time at or after the schedule's start;
intervals count from the previous occurrence: every 2 weeks on Monday and Thursday after a
Monday is that Thursday, then the Monday two weeks after the first. Weeks start on Monday.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import count
from typing import Any, cast

from smsurvey.distributions.quiet_hours import (
    Weekday,
    as_utc,
    check_clock,
    check_weekdays,
    format_clock,
    local_to_utc,
    parse_clock,
    weekdays_from_json,
    weekdays_to_json,
    zone_info,
)


class Frequency(StrEnum):
    """The unit a schedule repeats in."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A recurring schedule (see the module docstring)."""

    frequency: Frequency
    at: time
    """Local time of day of every occurrence, in whole minutes."""
    interval: int = 1
    """Every ``interval`` days, weeks or months."""
    weekdays: frozenset[Weekday] = frozenset()
    """Weekly only, and required: the days of the week."""
    month_day: int | None = None
    """Monthly only, and required: 1 to 31."""
    until: datetime | None = None
    """The last instant an occurrence may fall on (included); ``None`` for no end."""
    zone: str = "UTC"
    """The IANA time zone ``at`` is read in."""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "frequency", Frequency(self.frequency))
        except ValueError:
            raise ValueError(
                f"unknown frequency {self.frequency!r} (use daily, weekly or monthly)"
            ) from None
        check_clock(self.at, "at")
        if not isinstance(self.interval, int) or self.interval < 1:
            raise ValueError(f"interval must be a whole number from 1, not {self.interval!r}")
        weekly = self.frequency == Frequency.WEEKLY
        if weekly:
            object.__setattr__(self, "weekdays", check_weekdays(self.weekdays))
        elif self.weekdays:
            raise ValueError(f"weekdays are for weekly schedules, not {self.frequency}")
        if self.frequency == Frequency.MONTHLY:
            if not isinstance(self.month_day, int) or not 1 <= self.month_day <= 31:
                raise ValueError(f"month_day must be from 1 to 31, not {self.month_day!r}")
        elif self.month_day is not None:
            raise ValueError(f"month_day is for monthly schedules, not {self.frequency}")
        if self.until is not None:
            object.__setattr__(self, "until", as_utc(self.until))
        zone_info(self.zone)  # ValueError if unknown

    def to_json(self) -> dict[str, Any]:
        """``{"frequency": "weekly", "interval": 2, "at": "09:00", "weekdays": ["mon", "thu"],
        "until": "2025-12-31T23:59:00+00:00", "zone": "Europe/London"}``; ``weekdays`` only
        when weekly, ``month_day`` (an integer) only when monthly, ``until`` only when set."""
        data: dict[str, Any] = {
            "frequency": str(self.frequency),
            "interval": self.interval,
            "at": format_clock(self.at),
        }
        if self.weekdays:
            data["weekdays"] = weekdays_to_json(self.weekdays)
        if self.month_day is not None:
            data["month_day"] = self.month_day
        if self.until is not None:
            data["until"] = self.until.isoformat()
        data["zone"] = self.zone
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recurrence:
        """A schedule from :meth:`to_json`'s shape; ``interval`` defaults to 1, ``zone`` to UTC,
        and ``until`` is ISO 8601 with an offset (``Z`` allowed)."""
        known = {"frequency", "interval", "at", "weekdays", "month_day", "until", "zone"}
        if unknown := data.keys() - known:
            raise ValueError(f"unknown recurrence fields: {', '.join(sorted(unknown))}")
        if "frequency" not in data or "at" not in data:
            raise ValueError("a recurrence needs a frequency and a time of day (at)")
        return cls(
            frequency=data["frequency"],
            at=parse_clock(data["at"]),
            interval=data.get("interval", 1),
            weekdays=weekdays_from_json(data["weekdays"]) if "weekdays" in data else frozenset(),
            month_day=data.get("month_day"),
            until=_instant(data["until"]) if data.get("until") is not None else None,
            zone=data.get("zone", "UTC"),
        )


def _instant(text: object) -> datetime:
    if isinstance(text, str):
        with suppress(ValueError):  # not ISO 8601, or naive
            return as_utc(datetime.fromisoformat(text))
    raise ValueError(f"until must be an ISO 8601 instant with an offset, not {text!r}")


def _days(recurrence: Recurrence, first: date, step: int) -> Iterator[date]:
    """The schedule's days in order, every ``step`` days, weeks or months from the start of the
    day, week or month of ``first``."""
    if recurrence.frequency == Frequency.DAILY:
        for n in count(0, step):
            yield first + timedelta(days=n)
    elif recurrence.frequency == Frequency.WEEKLY:
        monday = first - timedelta(days=first.weekday())
        days = sorted(recurrence.weekdays)
        for n in count(0, step):
            yield from (monday + timedelta(weeks=n, days=day) for day in days)
    else:
        month_day = cast(int, recurrence.month_day)  # set on every monthly schedule
        for n in count(first.year * 12 + first.month - 1, step):
            year, month = divmod(n, 12)
            last = calendar.monthrange(year, month + 1)[1]
            yield date(year, month + 1, min(month_day, last))


def _first(recurrence: Recurrence, moment: datetime, *, start: bool) -> datetime | None:
    """The occurrence after ``moment``, or the first at or after it when ``moment`` is the
    schedule's ``start`` (any matching day then, whatever the interval); None past ``until``."""
    zone = zone_info(recurrence.zone)
    moment = as_utc(moment)
    step = 1 if start else recurrence.interval
    days = _days(recurrence, moment.astimezone(zone).date(), step)
    candidates = (local_to_utc(day, recurrence.at, zone) for day in days)
    occurrence = next(c for c in candidates if c > moment or (start and c == moment))
    if recurrence.until is not None and occurrence > recurrence.until:
        return None
    return occurrence


def next_after(recurrence: Recurrence, previous_utc: datetime) -> datetime | None:
    """The occurrence after ``previous_utc`` (the last one sent), intervals counted from its
    day, week or month; ``None`` when it would be past ``until``."""
    return _first(recurrence, previous_utc, start=False)


def occurrences(recurrence: Recurrence, start_utc: datetime, limit: int) -> list[datetime]:
    """The first ``limit`` occurrences of a schedule that starts at ``start_utc`` (included if
    it matches), fewer when ``until`` comes first."""
    found: list[datetime] = []
    moment = _first(recurrence, start_utc, start=True)
    while moment is not None and len(found) < limit:
        found.append(moment)
        moment = next_after(recurrence, moment)
    return found
