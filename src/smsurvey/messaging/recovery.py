"""Recovering the texts a dead worker held (at start-up and by the recovery sweep).

A text it had only claimed never reached a provider: it goes back to the queue and the
next worker sends it. A text whose request had started may have reached the provider: it
becomes ``unknown`` and is reconciled (:mod:`smsurvey.messaging.reconcile`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.messaging.outcomes import COLUMNS, OutboxText, append_history
from smsurvey.models.messaging import Message, SendState
from smsurvey.worker.registry import WorkerIdentity, live_workers

log = logging.getLogger(__name__)


async def recover_claims(
    session: AsyncSession,
    me: WorkerIdentity,
    now: datetime,
    *,
    silence: timedelta,
    settle: timedelta,
) -> int:
    """Give back what workers taken as stopped (silent for ``silence``, or gone from this
    machine) held: claimed texts to the queue, texts mid-request to ``unknown``, to be
    asked about ``settle`` from now. Returns how many texts were recovered."""
    alive = await live_workers(session, me, now, silence)
    orphaned = Message.claimed_by.not_in(alive)
    requeued = await _move(
        session,
        (Message.send_state == SendState.CLAIMED) & orphaned,
        {"send_state": SendState.QUEUED, "next_attempt_at": now},
    )
    await append_history(
        session, requeued, "Requeued", "its worker stopped before sending it", now, recipients=False
    )
    # Texts claimed before claims named their worker may have been mid-request.
    mid_request = (Message.send_state == SendState.SENDING) & (
        orphaned | Message.claimed_by.is_(None)
    ) | (Message.send_state == SendState.CLAIMED) & Message.claimed_by.is_(None)
    unknown = await _move(
        session,
        mid_request,
        {"send_state": SendState.UNKNOWN, "next_attempt_at": now + settle},
    )
    seconds = f"{settle.total_seconds():g}"
    detail = f"its worker stopped during the request; the provider will be asked in {seconds} s"
    await append_history(session, unknown, "Unknown", detail, now, recipients=False)
    if requeued or unknown:
        log.warning(
            "texts of a stopped worker recovered",
            extra={"requeued": len(requeued), "unknown": len(unknown)},
        )
    return len(requeued) + len(unknown)


async def _move(
    session: AsyncSession, which: ColumnElement[bool], values: dict[str, object]
) -> list[OutboxText]:
    rows = await session.execute(
        update(Message).where(which).values(claimed_by=None, **values).returning(*COLUMNS)
    )
    return [OutboxText.of(row) for row in rows]
