"""An Invite distribution of the example survey, built row by row, and page helpers.

The distribution engine plans Invite distributions; these tests only need the rows a
planned one leaves: the distribution, a recipient per contact and the texts sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.links import opt_out_url, survey_url
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.ids import new_id
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Distribution, Recipient
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.models.surveys import Survey
from tests.messaging.harness import Harness

SENDER = "+15005550006"
ANN = ContactFields(first_name="Ann", phone="+14155552671", embedded_data={"tier": "silver"})
BOB = ContactFields(first_name="Bob", phone="+14155552672")
GOLD = ContactFields(first_name="Gil", phone="+14155552673", embedded_data={"tier": "gold"})


@dataclass(frozen=True)
class Invitee:
    """A recipient of the Invite distribution and the links their text carried."""

    recipient_id: int
    contact_id: str
    phone: str
    survey_url: str
    """Absolute, under ``public_url``."""
    path: str
    """The survey link's path, for the in-process client."""


async def invite(system: Harness, *people: ContactFields) -> list[Invitee]:
    """An Invite distribution of the example survey to ``people``, planned."""
    list_id = await system.contacts("Invitees", *people)
    now = system.clock.now()
    async with unit_of_work(system.runtime.engine) as session:
        distribution = Distribution(
            id=new_id("SMSD"),
            organization_id=system.organization.id,
            survey_id=system.survey_id,
            method="Invite",
            name="Invitation",
            provider="simulator",
            sender=SENDER,
            mailing_list_id=list_id,
            status="Planned",
            send_at=now,
            created_at=now,
            planned_at=now,
        )
        session.add(distribution)
        phones = [person.phone for person in people]
        contacts = await session.scalars(select(Contact).where(Contact.phone.in_(phones)))
        by_phone = {contact.phone: contact for contact in contacts}
        recipients = []
        for phone in phones:
            recipient = Recipient(
                distribution_id=distribution.id,
                contact_id=by_phone[phone].id,
                phone=phone,
                created_at=now,
            )
            session.add(recipient)
            recipients.append(recipient)
        await session.flush()
    invitees = []
    for recipient in recipients:
        url = survey_url(system.runtime, recipient.id)
        path = url.removeprefix(system.runtime.settings.public_url)
        invitees.append(
            Invitee(recipient.id, recipient.contact_id or "", recipient.phone or "", url, path)
        )
    return invitees


async def text_sent(system: Harness, invitee: Invitee, *, sent_at: datetime | None) -> str:
    """A text to ``invitee`` (handed to the provider at ``sent_at``, or never); returns the
    path of its opt-out link."""
    async with unit_of_work(system.runtime.engine) as session:
        message = Message(
            organization_id=system.organization.id,
            direction="out",
            provider="simulator",
            sender=SENDER,
            recipient=invitee.phone,
            body="Tell us how we did",
            kind="invitation",
            recipient_id=invitee.recipient_id,
            send_state="sent" if sent_at else "queued",
            created_at=system.clock.now(),
        )
        session.add(message)
        await session.flush()
        if sent_at is not None:
            session.add(MessageEvent(message_id=message.id, status="Sent", at=sent_at))
    url = opt_out_url(system.runtime, invitee.recipient_id)
    return url.removeprefix(system.runtime.settings.public_url)


async def edit_survey(system: Harness, **values: object) -> None:
    """Set columns of the example survey (``is_active``, ``closed_at``, ``definition``…)."""
    async with unit_of_work(system.runtime.engine) as session:
        survey = await session.get(Survey, system.survey_id)
        assert survey is not None
        for name, value in values.items():
            setattr(survey, name, value)


def options(html: str, name: str = "answer") -> list[str]:
    """The values of the radio buttons and checkboxes named ``name`` on a page."""
    found = rf'<input type="(?:radio|checkbox)" name="{re.escape(name)}"\s+value="([^"]*)"'
    return re.findall(found, html)


def question_on(html: str) -> str:
    """The id of the question a page asks."""
    found = re.search(r'<input type="hidden" name="question" value="([^"]*)">', html)
    assert found, "the page asks no question"
    return found[1]
