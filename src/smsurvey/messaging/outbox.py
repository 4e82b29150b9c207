"""Putting texts in the outbox: one ``messages`` row each, measured and priced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.ids import is_id
from smsurvey.models.messaging import Direction, Message, MessageEvent, MessageKind, SendState
from smsurvey.sms.credits import CreditRates, message_cost
from smsurvey.sms.encoding import prepare

_MESSAGES = Message.__table__


def is_connection(provider: str) -> bool:
    """Whether a text's ``provider`` names an organisation's connection (``OC_…``), not a
    built-in provider such as the simulator."""
    return is_id(provider, "OC")


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

    @property
    def own_provider(self) -> bool:
        """Whether it goes through the organisation's own provider connection (0 credits)."""
        return is_connection(self.provider)


def text_row(
    route: Route,
    body: str,
    *,
    kind: MessageKind,
    rates: CreditRates,
    now: datetime,
    due: datetime | None = None,
    priority: int = CONVERSATION,
    distribution_id: str | None = None,
    recipient_id: int | None = None,
    session_id: str | None = None,
    template_hash: str | None = None,
) -> dict[str, Any]:
    """The ``messages`` row of a new outbox text: ``body`` smart-encoded when that pays,
    measured and priced, due ``due`` (now if None)."""
    text, measure = prepare(body)
    cost = message_cost(
        max(measure.parts, 1), route.region or "", rates, own_provider=route.own_provider
    )
    return {
        "organization_id": route.organization_id,
        "direction": Direction.OUT,
        "provider": route.provider,
        "sender": route.sender,
        "recipient": route.to,
        "body": text,
        "kind": kind,
        "template_hash": template_hash,
        "region": route.region,
        "encoding": measure.encoding.value,
        "parts": cost.parts,
        "credits": cost.credits,
        "priority": priority,
        "distribution_id": distribution_id,
        "recipient_id": recipient_id,
        "session_id": session_id,
        "send_state": SendState.QUEUED,
        "next_attempt_at": due or now,
        "attempts": 0,
        "created_at": now,
    }


def queue_text(route: Route, body: str, **options: Any) -> Message:
    """A new outbox row (the arguments of :func:`text_row`) with its ``Queued`` event.

    The caller adds it to its unit of work; the sender loop sends it once that commits.
    """
    row = text_row(route, body, **options)
    return Message(**row, events=[MessageEvent(status="Queued", at=row["created_at"])])


async def insert_texts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new outbox rows (from :func:`text_row`) and their ``Queued`` events as two
    multi-row inserts, for planning's thousands of texts: the ORM's unit of work would cost
    more than the rows."""
    if not rows:
        return
    # Core inserts into the tables (the ORM's bulk path costs as much as the database), and
    # RETURNING without ``sort_by_parameter_order``, which SQLite would pay for with a
    # statement per row: each row says which text it is by its own columns.
    inserted = await session.execute(
        insert(_MESSAGES).returning(_MESSAGES.c.id, _MESSAGES.c.created_at), rows
    )
    await session.execute(
        insert(MessageEvent.__table__),
        [{"message_id": id_, "status": "Queued", "at": at} for id_, at in inserted],
    )
