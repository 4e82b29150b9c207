"""Texts whose hand-over nobody knows yet, and a person's decision about them.

``unknown`` texts are being asked about (:mod:`smsurvey.messaging.reconcile`);
``undecided`` ones wait for a person, because their provider cannot tell. A person may
decide either: send it again, or settle it as sent or failed. Every decision is an event
in the text's history naming who made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.messaging.outcomes import COLUMNS, OutboxText, append_history, settle_sent
from smsurvey.models.messaging import UNCERTAIN, Message, MessageEvent, SendState
from smsurvey.providers.base import text_reference


class Decision(StrEnum):
    """What a person decides about an uncertain text."""

    RESEND = "resend"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class UncertainText:
    """An uncertain text as a person sees it."""

    id: int
    reference: str
    distribution_id: str | None
    to: str
    provider: str
    state: SendState
    requested_at: datetime | None
    detail: str | None
    """What its history last said about it."""

    @property
    def asking(self) -> bool:
        """Whether its provider is still being asked (else it needs a decision)."""
        return self.state == SendState.UNKNOWN


async def uncertain_texts(
    session: AsyncSession, organization_id: str, distribution_id: str | None = None
) -> list[UncertainText]:
    """The organisation's uncertain texts (of one distribution), oldest first."""
    where = [Message.organization_id == organization_id, Message.send_state.in_(UNCERTAIN)]
    if distribution_id is not None:
        where.append(Message.distribution_id == distribution_id)
    last_event = (
        select(func.max(MessageEvent.id))
        .where(MessageEvent.message_id == Message.id)
        .correlate(Message)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Message, MessageEvent.detail)
        .join(MessageEvent, MessageEvent.id == last_event, isouter=True)
        .where(*where)
        .order_by(Message.id)
    )
    return [
        UncertainText(
            id=message.id,
            reference=text_reference(message.organization_id, message.id),
            distribution_id=message.distribution_id,
            to=message.recipient,
            provider=message.provider,
            state=SendState(message.send_state),
            requested_at=message.requested_at,
            detail=detail,
        )
        for message, detail in rows
    ]


async def decide(
    session: AsyncSession,
    organization_id: str,
    message_ids: Sequence[int],
    decision: Decision,
    by: str,
    now: datetime,
) -> int:
    """Apply ``decision`` to the organisation's uncertain texts ``message_ids`` (all or
    none: an id that is not one of them is refused); ``by`` names who decided. Returns how
    many texts it changed."""
    if not message_ids:
        raise InvalidInput("name at least one text")
    rows = await session.execute(
        select(*COLUMNS)
        .where(
            Message.id.in_(list(message_ids)),
            Message.organization_id == organization_id,
            Message.send_state.in_(UNCERTAIN),
        )
        .with_for_update()
    )
    texts = [OutboxText.of(row) for row in rows]
    missing = sorted(set(message_ids) - {text.id for text in texts})
    if missing:
        raise NotFound(
            f"not an uncertain text of this organisation: {', '.join(map(str, missing))}"
        )
    uncertain = Message.send_state.in_(UNCERTAIN)
    if decision is Decision.SENT:
        settled = await settle_sent(
            session, [(text, None) for text in texts], uncertain, f"settled as sent by {by}", now
        )
        return len(settled)
    state = SendState.QUEUED if decision is Decision.RESEND else SendState.FAILED
    await session.execute(
        update(Message)
        .where(Message.id.in_([text.id for text in texts]), uncertain)
        .values(send_state=state, next_attempt_at=now, claimed_by=None)
    )
    if decision is Decision.RESEND:
        await append_history(session, texts, "Resent", f"sent again by {by}", now, recipients=False)
    else:
        await append_history(session, texts, "Failed", f"settled as failed by {by}", now)
    return len(texts)
