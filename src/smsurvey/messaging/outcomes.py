"""What the send path writes when a text's fate is known: the outbox texts as the sender
loop and reconciliation read them, their histories, and settling a text as handed over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.models.accounts import CreditEntry
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import Message, MessageEvent, SendState
from smsurvey.providers.base import OutboundSms, text_reference

_MESSAGES = Message.__table__


@dataclass(frozen=True, slots=True)
class OutboxText:
    """An outgoing text as the send path handles it (the columns of :data:`COLUMNS`)."""

    id: int
    organization_id: str
    provider: str
    sender: str
    recipient: str
    body: str
    attempts: int
    recipient_id: int | None
    parts: int
    credits: Decimal
    region: str | None
    priority: int
    requested_at: datetime | None

    @classmethod
    def of(cls, row: Sequence[Any]) -> OutboxText:
        """The text of a row of :data:`COLUMNS`."""
        return cls(*row)

    @property
    def reference(self) -> str:
        """Ours for the text, as providers see it (:func:`text_reference`)."""
        return text_reference(self.organization_id, self.id)

    def outbound(self) -> OutboundSms:
        """The text as handed to a provider."""
        return OutboundSms(
            self.reference, self.organization_id, self.sender, self.recipient, self.body
        )


COLUMNS = (
    Message.id,
    Message.organization_id,
    Message.provider,
    Message.sender,
    Message.recipient,
    Message.body,
    Message.attempts,
    Message.recipient_id,
    Message.parts,
    Message.credits,
    Message.region,
    Message.priority,
    Message.requested_at,
)
"""What to select (or return) to build an :class:`OutboxText`, in its field order."""


async def append_history(
    session: AsyncSession,
    texts: Sequence[OutboxText],
    status: str,
    detail: str | None,
    now: datetime,
    *,
    recipients: bool = True,
) -> None:
    """History entries for the texts and, with ``recipients``, for the distribution
    recipients they went to (one multi-row insert each: the ORM's would cost more than the
    sends)."""
    if not texts:
        return
    entry = {"status": status, "detail": detail, "at": now}
    await session.execute(
        insert(MessageEvent.__table__), [{"message_id": text.id, **entry} for text in texts]
    )
    people = [
        {"recipient_id": text.recipient_id, **entry}
        for text in texts
        if recipients and text.recipient_id is not None
    ]
    if people:
        await session.execute(insert(RecipientEvent.__table__), people)


async def settle_sent(
    session: AsyncSession,
    handed: Sequence[tuple[OutboxText, str | None]],
    expected: ColumnElement[bool],
    detail: str,
    now: datetime,
) -> list[OutboxText]:
    """Record texts as handed over, with the provider's ids when known: those still in the
    ``expected`` state (checked in the same statement that changes them) become ``sent``,
    get a ``Sent`` entry in their histories and their credits debited. Returns the texts
    settled."""
    if not handed:
        return []
    changed = await session.scalars(
        update(Message)
        .where(Message.id.in_([text.id for text, _ in handed]), expected)
        .values(send_state=SendState.SENT, claimed_by=None)
        .returning(Message.id)
    )
    mine = set(changed)
    settled = [(text, pmid) for text, pmid in handed if text.id in mine]
    if not settled:
        return []
    await session.execute(
        update(_MESSAGES)
        .where(_MESSAGES.c.id == bindparam("message_id"))
        .values(provider_message_id=bindparam("pmid")),
        [{"message_id": text.id, "pmid": pmid} for text, pmid in settled],
    )
    texts = [text for text, _ in settled]
    await append_history(session, texts, "Sent", detail, now)
    debits = [
        {
            "organization_id": text.organization_id,
            "amount": -text.credits,
            "kind": "message",
            "message_id": text.id,
            "region": text.region,
            "at": now,
        }
        for text in texts
        if text.credits
    ]
    if debits:
        await session.execute(insert(CreditEntry.__table__), debits)
    return texts
