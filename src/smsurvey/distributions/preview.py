"""What a distribution will send, before it does: a sample text, its cost and its duration,
and a warning when its survey takes no answers (paused: the texts would wait; closed or
expired: nothing would be sent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.conditions import Conditions, matches
from smsurvey.distributions.holds import survey_warning
from smsurvey.distributions.links import opt_out_url, survey_url
from smsurvey.distributions.planning import (
    Addressee,
    addressees,
    candidate_query,
    candidate_values,
    estimate,
)
from smsurvey.distributions.quiet_hours import SendingWindow, next_allowed, recipient_zone
from smsurvey.kit.errors import InvalidInput
from smsurvey.messaging.outbox import BULK, Route, queue_text
from smsurvey.messaging.pacing import SenderPaces
from smsurvey.models.distributions import Distribution
from smsurvey.models.surveys import Survey
from smsurvey.runtime import Runtime
from smsurvey.sms import piping
from smsurvey.sms.credits import message_cost
from smsurvey.sms.encoding import prepare
from smsurvey.sms.phones import check_phone


@dataclass(frozen=True, slots=True)
class Preview:
    """A distribution's sample text and what the whole will take."""

    sample_recipient: str | None
    text: str
    encoding: str
    parts: int
    credits_each: Decimal
    recipients: int
    total_credits: Decimal
    duration: timedelta
    """How long sending takes at the sender's pace."""
    waiting: int
    """Texts the quiet hours hold back at the send date."""
    warning: str | None = None
    """What the survey's state does to the distribution (:func:`survey_warning`)."""


@dataclass(frozen=True, slots=True)
class _Sample:
    contact: Addressee
    values: dict[str, Any]


async def preview(session: AsyncSession, runtime: Runtime, distribution: Distribution) -> Preview:
    """Render the text for the first recipient who would receive it, estimate, and warn
    when the survey takes no answers."""
    conditions = Conditions.from_json(distribution.conditions) if distribution.conditions else None
    window = SendingWindow.from_json(distribution.quiet_hours) if distribution.quiet_hours else None
    sample: _Sample | None = None
    waiting = 0
    for contact in await addressees(session, candidate_query(distribution)):
        values = candidate_values(contact)
        if conditions is not None and not matches(conditions, values):
            continue
        if sample is None and not contact.opted_out and contact.phone:
            sample = _Sample(contact, values)
        if window is not None and contact.phone:
            zone = recipient_zone(
                contact.time_zone,
                check_phone(contact.phone).time_zones,
                at=distribution.send_at,
                default=runtime.settings.default_time_zone,
            )
            waiting += next_allowed(window, distribution.send_at, zone) > distribution.send_at
    count, total = await estimate(session, runtime, distribution)
    body, measured = prepare(_sample_text(runtime, distribution, sample))
    region = sample.contact.phone_region if sample else None
    parts = max(measured.parts, 1)
    pace = await SenderPaces(runtime.sessions).pace(
        distribution.organization_id, distribution.sender
    )
    survey = await session.get(Survey, distribution.survey_id)
    assert survey is not None  # a survey's distributions go with it
    return Preview(
        sample_recipient=_name(sample.contact) if sample else None,
        text=body,
        encoding=measured.encoding.value,
        parts=measured.parts,
        credits_each=message_cost(parts, region or "", runtime.rates).credits,
        recipients=count,
        total_credits=total,
        duration=timedelta(seconds=float(count * parts / pace)),
        waiting=waiting,
        warning=survey_warning(survey, runtime.clock.now(), distribution.send_at),
    )


def _name(contact: Addressee) -> str:
    return " ".join(filter(None, (contact.first_name, contact.last_name))) or contact.phone or "?"


def _sample_text(runtime: Runtime, distribution: Distribution, sample: _Sample | None) -> str:
    if distribution.message_text is None:
        return "(the survey's first question)"
    contact = sample.contact if sample else None
    context = piping.PipeContext(
        survey_url=survey_url(runtime, 0),
        opt_out_url=opt_out_url(runtime, 0),
        first_name=contact.first_name if contact else None,
        last_name=contact.last_name if contact else None,
        email=contact.email if contact else None,
        embedded=sample.values["embedded_data"] if sample else {},
    )
    return piping.render(distribution.message_text, context)


async def send_test(
    session: AsyncSession, runtime: Runtime, distribution: Distribution, to: str
) -> None:
    """Send the sample text to ``to`` now (its links are samples: they open nothing)."""
    checked = check_phone(to, runtime.settings.default_region, time_zones=False)
    if checked.e164 is None:
        raise InvalidInput(f"test number {to!r}: {checked.reason}")
    result = await preview(session, runtime, distribution)
    route = Route(
        distribution.organization_id,
        distribution.provider,
        distribution.sender,
        checked.e164,
        checked.region,
    )
    session.add(
        queue_text(
            route,
            result.text,
            kind="test",
            rates=runtime.rates,
            now=runtime.clock.now(),
            priority=BULK,
        )
    )
