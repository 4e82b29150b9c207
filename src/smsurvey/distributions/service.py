"""Creating distributions, starting them when due, and planning their texts.

Planning an Interactive (2-way) distribution opens a conversation session per recipient
and queues its first question; a recipient who cannot be sent to gets a ``Skipped`` status
with the reason (``Skipped (opt-out)`` for an opted-out contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.service import get_contact, get_mailing_list
from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.messaging.outbox import BULK, Route
from smsurvey.messaging.sessions import open_session, open_session_for
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Contact, MailingListMember
from smsurvey.models.distributions import Distribution, Recipient, RecipientEvent
from smsurvey.models.surveys import Survey
from smsurvey.runtime import Runtime
from smsurvey.sms.sender_ids import SenderKind, sender_kind
from smsurvey.surveys.compatibility import check_sms_compatibility
from smsurvey.surveys.service import definition_of, get_survey


class Method(StrEnum):
    """How a distribution reaches people."""

    INTERACTIVE = "Interactive"


class Lifecycle(StrEnum):
    """The stored stages of a distribution."""

    SCHEDULED = "Scheduled"
    IN_PROGRESS = "In progress"
    PLANNED = "Planned"
    CANCELLED = "Cancelled"
    FAILED = "Failed"


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who a distribution goes to: exactly one of a mailing list or a contact."""

    mailing_list_id: str | None = None
    contact_id: str | None = None


async def create_interactive(
    session: AsyncSession,
    runtime: Runtime,
    organization: Organization,
    survey_id: str,
    recipients: Recipients,
    *,
    sender: str | None = None,
    send_at: datetime | None = None,
    name: str | None = None,
) -> Distribution:
    """Schedule a 2-way SMS distribution of a survey (now when ``send_at`` is omitted).

    Refused before anything is sent when the survey cannot go by 2-way SMS, when the
    recipients are not exactly one list or contact of the organisation, or when the sender
    cannot receive replies (an alphanumeric id).
    """
    survey = await get_survey(session, organization, survey_id)
    report = check_sms_compatibility(definition_of(survey))
    if not report.compatible:
        problem = report.errors[0]
        raise InvalidInput(f"survey {survey.id} cannot go by 2-way SMS: {problem.message}")
    sender = sender or runtime.settings.simulator_number
    try:
        kind = sender_kind(sender)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    if kind is SenderKind.ALPHANUMERIC:
        raise InvalidInput(
            f"sender {sender!r} is an alphanumeric id, which cannot receive replies:"
            " a 2-way survey needs a phone number or short code"
        )
    if (recipients.mailing_list_id is None) == (recipients.contact_id is None):
        raise InvalidInput("give exactly one of a mailing list or a contact as recipients")
    if recipients.mailing_list_id:
        await get_mailing_list(session, organization, recipients.mailing_list_id)
    else:
        await get_contact(session, organization, recipients.contact_id or "")
    now = runtime.clock.now()
    distribution = Distribution(
        id=new_id("SMSD"),
        organization_id=organization.id,
        survey_id=survey.id,
        method=Method.INTERACTIVE,
        name=name or f"{survey.name} — 2-way SMS",
        provider=runtime.settings.provider,
        sender=sender,
        mailing_list_id=recipients.mailing_list_id,
        contact_id=recipients.contact_id,
        status=Lifecycle.SCHEDULED,
        send_at=send_at or now,
        created_at=now,
    )
    session.add(distribution)
    await session.flush()
    return distribution


async def start_due(session: AsyncSession, now: datetime) -> list[str]:
    """Move due distributions to ``In progress``; returns their ids.

    A compare-and-set, so many processes can run the scheduler: each distribution is
    started by exactly one.
    """
    rows = await session.execute(
        update(Distribution)
        .where(Distribution.status == Lifecycle.SCHEDULED, Distribution.send_at <= now)
        .values(status=Lifecycle.IN_PROGRESS, started_at=now)
        .returning(Distribution.id)
    )
    return list(rows.scalars())


async def fail_distribution(session: AsyncSession, distribution_id: str, reason: str) -> None:
    """Mark a distribution Failed, saying why."""
    await session.execute(
        update(Distribution)
        .where(Distribution.id == distribution_id)
        .values(status=Lifecycle.FAILED, failure=reason[:500])
    )


async def plan(session: AsyncSession, runtime: Runtime, distribution_id: str) -> int:
    """Open a session and queue the first question for each recipient; returns how many."""
    distribution = await session.get(Distribution, distribution_id)
    if distribution is None:
        raise NotFound(f"no distribution {distribution_id}")
    survey = await session.get(Survey, distribution.survey_id)
    if survey is None:
        raise NotFound(f"survey {distribution.survey_id} was deleted")
    definition = definition_of(survey)
    now = runtime.clock.now()
    opened = 0
    for contact in await _contacts(session, distribution):
        recipient = Recipient(
            distribution_id=distribution.id,
            contact_id=contact.id,
            phone=contact.phone,
            created_at=now,
        )
        session.add(recipient)
        await session.flush()
        skipped = await _why_skipped(session, distribution, contact)
        if skipped is not None:
            status, reason = skipped
            session.add(
                RecipientEvent(recipient_id=recipient.id, status=status, detail=reason, at=now)
            )
            continue
        route = Route(
            organization_id=distribution.organization_id,
            provider=distribution.provider,
            sender=distribution.sender,
            to=contact.phone or "",
            region=contact.phone_region,
        )
        await open_session(
            session,
            runtime,
            survey=survey,
            definition=definition,
            route=route,
            contact=contact,
            embedded_data=dict(contact.embedded_data),
            distribution_id=distribution.id,
            recipient_id=recipient.id,
            priority=BULK,
        )
        opened += 1
    distribution.status = Lifecycle.PLANNED
    distribution.planned_at = now
    return opened


async def _contacts(session: AsyncSession, distribution: Distribution) -> list[Contact]:
    if distribution.contact_id is not None:
        contact = await session.get(Contact, distribution.contact_id)
        return [contact] if contact is not None else []
    rows = await session.scalars(
        select(Contact)
        .join(MailingListMember, MailingListMember.contact_id == Contact.id)
        .where(MailingListMember.mailing_list_id == distribution.mailing_list_id)
        .order_by(Contact.id)
    )
    return list(rows)


async def _why_skipped(
    session: AsyncSession, distribution: Distribution, contact: Contact
) -> tuple[str, str] | None:
    """``(status, reason)`` when the contact gets nothing, else ``None``."""
    if contact.opted_out:
        return "Skipped (opt-out)", "the contact opted out of SMS"
    if not contact.phone:
        return "Skipped", "no phone number"
    if contact.phone_type == "fixed_line":
        return "Skipped", f"{contact.phone} is a fixed line, which cannot take SMS"
    if await open_session_for(session, distribution.organization_id, contact.phone):
        return "Skipped", f"{contact.phone} already has an open 2-way survey session"
    return None
