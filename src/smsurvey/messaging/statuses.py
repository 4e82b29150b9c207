"""Delivery reports into message and recipient histories, and the recovery of lost claims."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.base import DeliveryReport, Lookup, OutboundSms, SentText, text_reference
from smsurvey.providers.directory import ProviderDirectory

log = logging.getLogger(__name__)


async def record_reports(
    session: AsyncSession,
    organization_id: str,
    provider: str,
    reports: Sequence[DeliveryReport],
    now: datetime,
) -> int:
    """Append each report to its message's history (and its recipient's, for invitations).

    A status the provider sent that the domain does not know is kept as ``Unknown`` with
    the provider's value; a report on a message we never sent is logged. Returns how many
    reports matched a message.
    """
    matched = 0
    for report in reports:
        message = await session.scalar(
            select(Message).where(
                Message.organization_id == organization_id,
                Message.provider == provider,
                Message.provider_message_id == report.provider_message_id,
            )
        )
        if message is None:
            log.warning(
                "delivery report for an unknown message",
                extra={"provider": provider, "provider_message_id": report.provider_message_id},
            )
            continue
        matched += 1
        detail = report.provider_status + (f" ({report.error_code})" if report.error_code else "")
        at = report.at or now
        session.add(MessageEvent(message_id=message.id, status=report.status, detail=detail, at=at))
        if message.recipient_id is not None:
            session.add(
                RecipientEvent(
                    recipient_id=message.recipient_id, status=report.status, detail=detail, at=at
                )
            )
    return matched


async def recover_claims(session: AsyncSession, providers: ProviderDirectory, now: datetime) -> int:
    """Settle texts whose sender's claim expired (the process died mid-send).

    A provider that can look the text up settles it: sent if it has it, queued again if
    not. Otherwise the text becomes ``unknown``, to be checked, never sent twice blindly.
    Returns how many were settled.
    """
    lost = list(
        await session.scalars(
            select(Message).where(Message.send_state == "claimed", Message.claimed_until < now)
        )
    )
    for message in lost:
        provider = await providers.get(message.provider)
        values: dict[str, object] = {"claimed_until": None}
        sent = SentText(
            OutboundSms(
                text_reference(message.organization_id, message.id),
                message.organization_id,
                message.sender,
                message.recipient,
                message.body,
            ),
            requested_at=now,
            until=now,
        )
        found = await provider.lookup(sent) if provider is not None else Lookup(conclusive=False)
        if found.matches:
            values.update(send_state="sent", provider_message_id=found.matches[0])
            status, detail = "Sent", "reconciled after an interrupted send"
        elif found.conclusive:
            values.update(send_state="queued", next_attempt_at=now)
            status, detail = "Requeued", "the provider never got it"
        else:
            values.update(send_state="unknown")
            status, detail = "Unknown", "interrupted mid-send; check with the provider"
        await session.execute(update(Message).where(Message.id == message.id).values(**values))
        session.add(MessageEvent(message_id=message.id, status=status, detail=detail, at=now))
    return len(lost)
