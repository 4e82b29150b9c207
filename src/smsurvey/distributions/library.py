"""The message library: saved texts (``MS_…``) of an organisation, by Qualtrics' message
category, to reuse in distributions.

The categories are Qualtrics' own. An SMS distribution may send a message of any category;
``smsurvey library add`` saves ``smsInvite`` unless told otherwise.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.distributions import LibraryMessage
from smsurvey.sms import piping

CATEGORIES = (
    "smsInvite",
    "smsReminder",
    "smsThankYou",
    "invite",
    "reminder",
    "thankYou",
    "endOfSurvey",
    "inactiveSurvey",
    "general",
    "validation",
    "lookAndFeel",
    "emailSubject",
    "subjectLine",
    "evaluatorInvite",
    "evaluatorReminder",
)
"""Qualtrics' library message categories, the SMS ones first."""


def category(value: str) -> str:
    """The category ``value`` names, spelt as Qualtrics spells it (any letter case is
    accepted); :class:`InvalidInput` naming the allowed ones otherwise."""
    for known in CATEGORIES:
        if known.lower() == value.strip().lower():
            return known
    raise InvalidInput(f"category {value!r}: use one of " + ", ".join(CATEGORIES))


async def save_message(
    session: AsyncSession,
    organization: Organization,
    text: str,
    kind: str,
    now: datetime,
    description: str = "",
) -> LibraryMessage:
    """Save a message of category ``kind`` (cleaned of pasted formatting; its ``${…}``
    fields checked)."""
    chosen = category(kind)
    cleaned = _checked(text)
    message = LibraryMessage(
        id=new_id("MS"),
        organization_id=organization.id,
        category=chosen,
        description=(description.strip() or cleaned)[:200],
        text=cleaned,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message


async def update_message(
    session: AsyncSession,
    organization: Organization,
    message_id: str,
    *,
    text: str | None = None,
    description: str | None = None,
) -> LibraryMessage:
    """Change a saved message's text or description (what is not given stays); its
    category stays, as in Qualtrics. Distributions that used it keep the text they had."""
    message = await get_message(session, organization, message_id)
    if text is not None:
        message.text = _checked(text)
    if description is not None:
        message.description = (description.strip() or message.text)[:200]
    await session.flush()
    return message


def _checked(text: str) -> str:
    """``text`` cleaned of pasted formatting, its ``${…}`` fields checked."""
    cleaned = piping.clean_message(text)
    if not cleaned:
        raise InvalidInput("the message is empty")
    if problems := piping.validate(cleaned):
        raise InvalidInput("the message has " + "; ".join(problems))
    return cleaned


async def library_messages(
    session: AsyncSession, organization: Organization, kind: str | None = None
) -> list[LibraryMessage]:
    """The saved messages (of category ``kind`` when given), by category then id."""
    query = select(LibraryMessage).where(LibraryMessage.organization_id == organization.id)
    if kind:
        query = query.where(LibraryMessage.category == category(kind))
    rows = await session.scalars(query.order_by(LibraryMessage.category, LibraryMessage.id))
    return list(rows)


async def get_message(
    session: AsyncSession, organization: Organization, message_id: str
) -> LibraryMessage:
    """A saved message of the organisation, or :class:`NotFound`."""
    message = await session.get(LibraryMessage, message_id)
    if message is None or message.organization_id != organization.id:
        raise NotFound(f"no library message {message_id}")
    return message


async def delete_message(
    session: AsyncSession, organization: Organization, message_id: str
) -> None:
    """Delete a saved message (distributions that used it keep their text)."""
    await session.delete(await get_message(session, organization, message_id))
    await session.flush()
