"""Delivery reports into message and recipient histories."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.base import DeliveryReport

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
