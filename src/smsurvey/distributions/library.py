"""The message library: saved SMS texts (``MS_…``) of an organisation, by kind (Invite,
Interactive, Reminder, ThankYou), to reuse in distributions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.service import Method
from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.distributions import LibraryMessage
from smsurvey.sms import piping


async def save_message(
    session: AsyncSession,
    organization: Organization,
    text: str,
    category: str,
    now: datetime,
    description: str = "",
) -> LibraryMessage:
    """Save a message (cleaned of pasted formatting; its ``${…}`` fields checked)."""
    kind = Method.parse(category)
    cleaned = piping.clean_message(text)
    if not cleaned:
        raise InvalidInput("the message is empty")
    if problems := piping.validate(cleaned):
        raise InvalidInput("the message has " + "; ".join(problems))
    message = LibraryMessage(
        id=new_id("MS"),
        organization_id=organization.id,
        category=kind.value,
        description=(description.strip() or cleaned)[:200],
        text=cleaned,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message


async def library_messages(
    session: AsyncSession, organization: Organization, category: str | None = None
) -> list[LibraryMessage]:
    """The saved messages (of one kind when given), by kind then id."""
    query = select(LibraryMessage).where(LibraryMessage.organization_id == organization.id)
    if category:
        query = query.where(LibraryMessage.category == Method.parse(category).value)
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
