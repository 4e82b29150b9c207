"""Delivery reports into message and recipient histories.

A report names its text by the provider's id. A text whose hand-over is uncertain
(``unknown`` or ``undecided``) has none yet; a report that carries our reference
(:attr:`~smsurvey.providers.base.DeliveryReport.reference`) then names it, and proves the
provider has it: the text is settled as sent with the report's id, then the report applies
as any other. Only a text of the connection the report came through counts: a reference
naming another connection's or organisation's text changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.messaging.outcomes import COLUMNS, OutboxText, settle_sent
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import UNCERTAIN, Direction, Message, MessageEvent
from smsurvey.providers.base import DeliveryReport, message_id_of

log = logging.getLogger(__name__)


async def record_reports(
    session: AsyncSession,
    organization_id: str,
    provider: str,
    reports: Sequence[DeliveryReport],
    now: datetime,
) -> int:
    """Append each report to its message's history (and its recipient's, for invitations).

    ``provider`` is the connection the reports came through. A status the provider sent
    that the domain does not know is kept as ``Unknown`` with the provider's value; a
    report on a message we never sent is logged. Returns how many reports matched a message.
    """
    matched = 0
    for report in reports:
        message = await _reported(session, organization_id, provider, report)
        if message is None and await _settle_named(session, organization_id, provider, report, now):
            message = await _reported(session, organization_id, provider, report)
        if message is None:
            log.warning(
                "delivery report for an unknown message",
                extra={
                    "provider": provider,
                    "provider_message_id": report.provider_message_id,
                    "reference": report.reference,
                },
            )
            continue
        matched += 1
        message_id, recipient_id = message
        detail = report.provider_status + (f" ({report.error_code})" if report.error_code else "")
        at = report.at or now
        session.add(MessageEvent(message_id=message_id, status=report.status, detail=detail, at=at))
        if recipient_id is not None:
            session.add(
                RecipientEvent(
                    recipient_id=recipient_id, status=report.status, detail=detail, at=at
                )
            )
    return matched


async def _reported(
    session: AsyncSession, organization_id: str, provider: str, report: DeliveryReport
) -> tuple[int, int | None] | None:
    """The id (and recipient) of the connection's text the report names by its id."""
    row = await session.execute(
        select(Message.id, Message.recipient_id).where(
            Message.organization_id == organization_id,
            Message.provider == provider,
            Message.provider_message_id == report.provider_message_id,
        )
    )
    found = row.first()
    return None if found is None else (found[0], found[1])


async def _settle_named(
    session: AsyncSession,
    organization_id: str,
    provider: str,
    report: DeliveryReport,
    now: datetime,
) -> bool:
    """Settle as sent the uncertain text of connection ``provider`` that the report's
    reference names, with the report's id; whether it named one (settled now, or a moment
    ago by reconciliation in another transaction)."""
    named = message_id_of(report.reference) if report.reference else None
    if named is None or named[0] != organization_id or not report.provider_message_id:
        return False
    ours = (
        (Message.organization_id == organization_id)
        & (Message.provider == provider)
        & (Message.direction == Direction.OUT)
        & Message.send_state.in_(UNCERTAIN)
    )
    row = (await session.execute(select(*COLUMNS).where(Message.id == named[1], ours))).first()
    if row is None:
        return False
    pmid = report.provider_message_id
    detail = f"settled as sent by a delivery report via {provider}: the provider has it as {pmid}"
    await settle_sent(session, [(OutboxText.of(row), pmid)], ours, detail, now)
    return True
