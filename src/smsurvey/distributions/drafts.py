"""A distribution being written in the admin: the fields of its form, as a person typed them,
and the :class:`~smsurvey.distributions.service.DistributionRequest` they make.

A draft is plain text until it is read (:meth:`Draft.request`), so a form with a mistake is
shown again as it was typed, with the reason; it travels as JSON in the signed confirmation
ticket (:meth:`Draft.to_json`). Dates and times are read in the time zone the draft names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from smsurvey.distributions.quiet_hours import Weekday, zone_info
from smsurvey.distributions.service import FOLLOW_UPS, DistributionRequest, Method, Recipients
from smsurvey.kit.errors import InvalidInput

CONDITION_ROWS = 3
"""How many limiting conditions the form offers."""
MESSAGE_LIMIT = 1600
FIELD_LIMIT = 200
_MULTI = ("repeat_days", "quiet_days")


@dataclass(frozen=True, slots=True)
class ConditionRow:
    """One row of the limiting conditions: a field (``embedded`` with its name), an operator,
    a value; a row without a field is left out."""

    field: str = ""
    name: str = ""
    operator: str = "equals"
    value: str = ""

    def to_json(self) -> dict[str, str] | None:
        """The condition as the service takes it, or None for an empty row."""
        if not self.field:
            return None
        condition = {"field": self.field, "operator": self.operator}
        if self.field == "embedded":
            condition["name"] = self.name.strip()
        if self.operator not in ("is_empty", "is_not_empty"):
            condition["value"] = self.value
        return condition


@dataclass(frozen=True, slots=True)
class Draft:
    """The new-distribution form's fields (see the module docstring)."""

    method: str = Method.INVITE.value
    name: str = ""
    survey_id: str = ""
    recipients: str = "mailing_list"
    mailing_list_id: str = ""
    sample_id: str = ""
    contact_id: str = ""
    parent_id: str = ""
    message_source: str = "text"
    message_text: str = ""
    library_message_id: str = ""
    when: str = "now"
    send_at: str = ""
    zone: str = "UTC"
    frequency: str = ""
    repeat_at: str = "09:00"
    interval: str = "1"
    repeat_days: tuple[str, ...] = ()
    month_day: str = ""
    until: str = ""
    quiet_start: str = ""
    quiet_end: str = ""
    quiet_days: tuple[str, ...] = ()
    connection_id: str = ""
    sender: str = ""
    conditions: tuple[ConditionRow, ...] = field(
        default_factory=lambda: (ConditionRow(),) * CONDITION_ROWS
    )

    @classmethod
    def from_form(cls, form: Mapping[str, Any], multi: Mapping[str, list[str]]) -> Draft:
        """A draft from a posted form: ``form`` its single values, ``multi`` the lists of
        its checkbox groups (``repeat_days``, ``quiet_days``)."""
        limits = {"message_text": MESSAGE_LIMIT}
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name == "conditions":
                continue
            if item.name in _MULTI:
                values[item.name] = tuple(str(day)[:3] for day in multi.get(item.name, ())[:7])
            elif isinstance(raw := form.get(item.name), str):
                values[item.name] = raw[: limits.get(item.name, FIELD_LIMIT)]
        values["conditions"] = tuple(
            ConditionRow(
                **{
                    key: str(form.get(f"condition_{key}_{index}", ""))[:FIELD_LIMIT]
                    for key in ("field", "name", "operator", "value")
                }
            )
            for index in range(CONDITION_ROWS)
        )
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON (for the confirmation ticket)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        """A draft from :meth:`to_json`'s shape."""
        values = dict(data)
        values["conditions"] = tuple(ConditionRow(**row) for row in values.get("conditions", ()))
        for name in _MULTI:
            values[name] = tuple(values.get(name, ()))
        return cls(**values)

    def request(self) -> DistributionRequest:
        """The request the draft makes; :class:`InvalidInput` saying what to fix."""
        method = Method.parse(self.method)
        if not self.survey_id:
            raise InvalidInput("choose the survey to send")
        text = library = None
        if method is not Method.INTERACTIVE:
            if self.message_source == "library":
                library = self.library_message_id or _missing("choose a saved message")
            else:
                text = self.message_text.strip() or _missing("write the message")
        conditions = [c for row in self.conditions if (c := row.to_json())]
        return DistributionRequest(
            survey_id=self.survey_id,
            method=method,
            recipients=Recipients() if method in FOLLOW_UPS else self._recipients(),
            parent_distribution_id=(self.parent_id or None) if method in FOLLOW_UPS else None,
            message_text=text,
            library_message_id=library,
            sender=self.sender.strip() or None,
            connection_id=self.connection_id or None,
            send_at=self.send_date(),
            name=self.name.strip() or None,
            conditions={"conditions": conditions} if conditions else None,
            quiet_hours=self._quiet_hours(),
            recurrence=self._recurrence(),
        )

    def send_date(self) -> datetime | None:
        """When to send, in UTC: None for now."""
        if self.when != "later":
            return None
        return read_local(self.send_at, self.zone, "send date")

    def _recipients(self) -> Recipients:
        chosen = {
            "mailing_list": ("mailing_list_id", self.mailing_list_id, "a mailing list"),
            "sample": ("sample_id", self.sample_id, "a sample"),
            "contact": ("contact_id", self.contact_id.strip(), "a contact id (CID_…)"),
        }.get(self.recipients)
        if chosen is None:
            raise InvalidInput("choose who receives it: a mailing list, a sample or a contact")
        key, value, what = chosen
        return Recipients(**{key: value or _missing(f"choose {what}")})

    def _quiet_hours(self) -> dict[str, Any] | None:
        if not self.quiet_start and not self.quiet_end:
            return None
        if not (self.quiet_start and self.quiet_end):
            raise InvalidInput("quiet hours: give both the time sending starts and ends")
        window: dict[str, Any] = {"start": self.quiet_start, "end": self.quiet_end}
        if self.quiet_days:
            window["weekdays"] = list(self.quiet_days)
        return window

    def _recurrence(self) -> dict[str, Any] | None:
        if not self.frequency:
            return None
        rule: dict[str, Any] = {
            "frequency": self.frequency,
            "at": self.repeat_at,
            "interval": _whole(self.interval, "repeat every"),
            "zone": self.zone,
        }
        if self.frequency == "weekly":
            rule["weekdays"] = list(self.repeat_days)
        if self.frequency == "monthly":
            rule["month_day"] = _whole(self.month_day, "day of the month")
        if self.until:
            try:
                last = date.fromisoformat(self.until)
            except ValueError:
                raise InvalidInput(f"repeat until {self.until!r}: give a date") from None
            end = datetime.combine(last, time(23, 59), _zone(self.zone))
            rule["until"] = end.astimezone(UTC).isoformat()
        return rule


def read_local(text: str, zone: str, what: str) -> datetime:
    """A date and time typed in a form (``2026-05-01T09:00``), read in ``zone``, in UTC;
    :class:`InvalidInput` naming ``what`` when it is missing or malformed."""
    if not text:
        raise InvalidInput(f"give the {what}")
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} {text!r}: give a date and a time") from None
    return local.replace(tzinfo=_zone(zone)).astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return zone_info(name)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def _missing(what: str) -> NoReturn:
    raise InvalidInput(what)


def _whole(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{what}: give a whole number, not {text!r}") from None


WEEKDAYS = tuple((str(day), day.name.title()) for day in Weekday)
"""The weekdays as the form offers them: ``("mon", "Mon")`` …"""
