"""Putting texts in the outbox: one ``messages`` row each, measured and priced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.sms.credits import CreditRates, message_cost
from smsurvey.sms.encoding import prepare

# Replies in a live conversation go before bulk invitations.
CONVERSATION = 0
BULK = 10


@dataclass(frozen=True, slots=True)
class Route:
    """Who sends a text to whom, through which provider, for which organisation."""

    organization_id: str
    provider: str
    sender: str
    to: str
    region: str | None
    own_provider: bool = False


def queue_text(
    route: Route,
    body: str,
    *,
    kind: str,
    rates: CreditRates,
    now: datetime,
    due: datetime | None = None,
    priority: int = CONVERSATION,
    distribution_id: str | None = None,
    recipient_id: int | None = None,
    session_id: str | None = None,
    template_hash: str | None = None,
) -> Message:
    """A new outbox row for ``body`` (smart-encoded when that pays), due ``due`` (now if None).

    The caller adds it to its unit of work; the sender loop sends it once that commits.
    """
    text, measure = prepare(body)
    cost = message_cost(
        max(measure.parts, 1), route.region or "", rates, own_provider=route.own_provider
    )
    return Message(
        organization_id=route.organization_id,
        direction="out",
        provider=route.provider,
        sender=route.sender,
        recipient=route.to,
        body=text,
        kind=kind,
        template_hash=template_hash,
        region=route.region,
        encoding=measure.encoding.value,
        parts=cost.parts,
        credits=cost.credits,
        priority=priority,
        distribution_id=distribution_id,
        recipient_id=recipient_id,
        session_id=session_id,
        send_state="queued",
        next_attempt_at=due or now,
        attempts=0,
        created_at=now,
        events=[MessageEvent(status="Queued", at=now)],
    )


_COLUMNS = tuple(column.key for column in Message.__table__.columns if column.key != "id")


async def insert_texts(session: AsyncSession, texts: Sequence[Message]) -> None:
    """Insert new outbox rows (from :func:`queue_text`) and their ``Queued`` events as two
    multi-row inserts, for planning's thousands of texts: the ORM's unit of work would cost
    more than the rows."""
    if not texts:
        return
    ids = await session.scalars(
        insert(Message).returning(Message.id, sort_by_parameter_order=True),
        [{key: getattr(text, key) for key in _COLUMNS} for text in texts],
    )
    await session.execute(
        insert(MessageEvent),
        [
            {"message_id": message_id, "status": "Queued", "at": text.created_at}
            for message_id, text in zip(ids, texts, strict=True)
        ],
    )
