"""The sender loop: claim due outbox rows, hand them to providers, record what happened.

Claims are one ``UPDATE … RETURNING`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so many
workers can share the outbox); texts go to the providers concurrently; outcomes of a
batch are written in one transaction. Retryable refusals come back with exponential
backoff and jitter (honouring the provider's wait); permanent ones are not retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.kit.clock import Clock
from smsurvey.messaging.pacing import Pacer, SenderPaces
from smsurvey.models.accounts import CreditEntry
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.base import (
    OutboundSms,
    ProviderError,
    SendUncertain,
    hand_over,
    text_reference,
)
from smsurvey.providers.directory import ProviderDirectory

log = logging.getLogger(__name__)

_MESSAGES = Message.__table__
MAX_ATTEMPTS = 8
CLAIM_HORIZON = 5
"""Seconds of a paced sender's texts one round claims."""
BASE_BACKOFF = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class _Claimed:
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


@dataclass(frozen=True, slots=True)
class _Outcome:
    claimed: _Claimed
    provider_message_id: str | None = None
    error: ProviderError | None = None
    gone: bool = False
    """The text's provider connection was deleted."""


def backoff(attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """The wait before attempt ``attempts + 1``: the provider's, else 2 s × 2ⁿ with ±50 % jitter."""
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    wait = min(BASE_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
    return wait * rng.uniform(0.5, 1.5)


class SenderLoop:
    """Hands queued texts to their providers (see the module docstring).

    With a :class:`~smsurvey.messaging.pacing.Pacer`, each sender's texts go at its pace
    (``paces`` gives it) and a round claims only what the sender can send in
    :data:`CLAIM_HORIZON`; without one, texts go as fast as the providers take them.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        providers: ProviderDirectory,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        paces: SenderPaces | None = None,
        batch: int = 1000,
        concurrency: int = 200,
        claim_for: timedelta = timedelta(minutes=2),
        seed: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._providers = providers
        self._clock = clock
        self._pacer = pacer
        self._paces = paces or SenderPaces(sessions)
        self._batch = batch
        self._lanes = concurrency
        self._concurrency = asyncio.Semaphore(concurrency)
        self._claim_for = claim_for
        self._rng = random.Random(seed)

    async def drain(self) -> int:
        """Send rounds of due texts until none is due; returns how many were tried.

        A round's outcomes are written while the next round is out with the providers (its
        texts claimed first, so the two transactions do not wait for each other).
        """
        tried = 0
        recording: asyncio.Task[None] | None = None
        claimed = await self.claim()
        while claimed:
            tried += len(claimed)
            outcomes = await self._send_all(claimed)
            if recording is not None:
                await recording
            claimed = await self.claim()
            recording = asyncio.create_task(self._record(outcomes))
        if recording is not None:
            await recording
        return tried

    async def claim(self) -> list[_Claimed]:
        """Claim due texts: per sender, at most what its pace allows in the horizon."""
        now = self._clock.now()
        claimed: list[_Claimed] = []
        async with self._sessions() as session, session.begin():
            for organization_id, sender in await self._due_senders(session, now):
                quota = self._batch
                if self._pacer is not None:
                    pace = await self._paces.pace(organization_id, sender)
                    quota = max(1, min(self._batch, int(pace * CLAIM_HORIZON)))
                claimed += await self._claim_from(session, organization_id, sender, quota, now)
        return claimed

    async def _due_senders(self, session: AsyncSession, now: datetime) -> list[tuple[str, str]]:
        rows = await session.execute(
            select(Message.organization_id, Message.sender)
            .where(Message.send_state == "queued", Message.next_attempt_at <= now)
            .distinct()
        )
        return [(organization_id, sender) for organization_id, sender in rows]

    async def _claim_from(
        self, session: AsyncSession, organization_id: str, sender: str, quota: int, now: datetime
    ) -> list[_Claimed]:
        due = (
            select(Message.id)
            .where(
                Message.send_state == "queued",
                Message.next_attempt_at <= now,
                Message.organization_id == organization_id,
                Message.sender == sender,
            )
            .order_by(Message.priority, Message.id)
            .limit(quota)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = (
            update(Message)
            .where(Message.id.in_(due), Message.send_state == "queued")
            .values(
                send_state="claimed",
                claimed_until=now + self._claim_for,
                attempts=Message.attempts + 1,
            )
            .returning(
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
            )
        )
        rows = (await session.execute(statement)).all()
        return sorted((_Claimed(*row) for row in rows), key=lambda item: item.id)

    async def _send_all(self, claimed: list[_Claimed]) -> list[_Outcome]:
        """Send every claimed text; with a pacer, each sender's texts take turns at its pace."""
        if self._pacer is None:
            return await self._in_lanes(claimed)
        by_sender: dict[tuple[str, str], list[_Claimed]] = {}
        for item in claimed:
            by_sender.setdefault((item.organization_id, item.sender), []).append(item)
        pacer = self._pacer
        groups = await asyncio.gather(
            *(self._send_paced(pacer, group) for group in by_sender.values())
        )
        return [outcome for group in groups for outcome in group]

    async def _in_lanes(self, items: list[_Claimed]) -> list[_Outcome]:
        """Send ``items`` as fast as the providers take them, ``concurrency`` at a time (as
        many lanes, each sending one text after another: cheaper than a task per text)."""
        outcomes: list[_Outcome] = []
        left = iter(items)

        async def lane() -> None:
            for item in left:
                outcomes.append(await self._send(item))

        await asyncio.gather(*(lane() for _ in range(min(self._lanes, len(items)))))
        return outcomes

    async def _send_paced(self, pacer: Pacer, items: list[_Claimed]) -> list[_Outcome]:
        pace = await self._paces.pace(items[0].organization_id, items[0].sender)
        turns = asyncio.Lock()

        async def in_turn(item: _Claimed) -> _Outcome:
            async with turns:  # turns are taken in claim order
                await pacer.take(item.sender, pace, item.parts)
            # No await between the turn and the provider call: the provider sees the text
            # when the window counted it, whatever else the loop is doing.
            async with self._concurrency:
                return await self._send(item)

        return list(await asyncio.gather(*(in_turn(item) for item in items)))

    async def _send(self, item: _Claimed) -> _Outcome:
        provider = await self._providers.get(item.provider)
        if provider is None:  # a deleted connection: the next one may take the text
            error = ProviderError(f"no provider {item.provider!r}", retryable=True)
            return _Outcome(item, error=error, gone=True)
        text = OutboundSms(
            reference=text_reference(item.organization_id, item.id),
            organization_id=item.organization_id,
            sender=item.sender,
            to=item.recipient,
            body=item.body,
        )
        try:
            result = await hand_over(provider, text)
        except ProviderError as error:
            return _Outcome(item, error=error)
        except SendUncertain as error:
            return _Outcome(item, error=ProviderError(str(error), retryable=True))
        return _Outcome(item, provider_message_id=result.provider_message_id)

    async def _record(self, outcomes: list[_Outcome]) -> None:
        """Write a batch's outcomes in one transaction (sent ones as one statement each kind)."""
        now = self._clock.now()
        sent = [o for o in outcomes if o.error is None]
        async with self._sessions() as session, session.begin():
            if sent:
                await session.execute(
                    update(_MESSAGES)
                    .where(_MESSAGES.c.id == bindparam("message_id"))
                    .values(
                        send_state="sent", claimed_until=None, provider_message_id=bindparam("pmid")
                    ),
                    [{"message_id": o.claimed.id, "pmid": o.provider_message_id} for o in sent],
                )
                by_provider: dict[str, list[_Claimed]] = {}
                for o in sent:
                    by_provider.setdefault(o.claimed.provider, []).append(o.claimed)
                for provider, items in by_provider.items():
                    await self._events(session, items, "Sent", f"via {provider}", now)
                debits = [
                    {
                        "organization_id": o.claimed.organization_id,
                        "amount": -o.claimed.credits,
                        "kind": "message",
                        "message_id": o.claimed.id,
                        "region": o.claimed.region,
                        "at": now,
                    }
                    for o in sent
                    if o.claimed.credits
                ]
                if debits:
                    await session.execute(insert(CreditEntry.__table__), debits)
            for outcome in outcomes:
                if outcome.error is not None:
                    await self._record_refusal(session, outcome, now)

    async def _record_refusal(
        self, session: AsyncSession, outcome: _Outcome, now: datetime
    ) -> None:
        """Retry with backoff while the retry budget lasts; then hand the text to the
        organisation's next connection (fail-over) if it has one; else it failed."""
        item, error = outcome.claimed, outcome.error
        assert error is not None
        detail = f"{error}" + (f" (code {error.code})" if error.code else "")
        values: dict[str, object]
        successor = None
        if error.retryable and (outcome.gone or item.attempts >= MAX_ATTEMPTS):
            successor = await self._providers.next_connection(
                session, item.organization_id, item.provider
            )
        if error.retryable and not outcome.gone and item.attempts < MAX_ATTEMPTS:
            wait = backoff(item.attempts, error.retry_after, self._rng)
            values = {"send_state": "queued", "next_attempt_at": now + wait}
            status, detail = "Retrying", f"{detail}; next try in {wait.total_seconds():.1f} s"
            log.info("send will be retried", extra={"message_id": item.id, "detail": detail})
        elif successor is not None:
            values = {
                "send_state": "queued",
                "next_attempt_at": now,
                "attempts": 0,
                "provider": successor.id,
                "sender": successor.sender,
            }
            status = "Rerouted"
            detail = (
                f"{detail}; {item.provider} gave up after {item.attempts} tries,"
                f" {successor.id} ({successor.name}) takes it"
            )
            log.warning("send handed to the next connection", extra={"message_id": item.id})
        else:
            values = {"send_state": "exhausted" if error.retryable else "failed"}
            status = "Failed"
            log.warning("send failed", extra={"message_id": item.id, "detail": detail})
        await session.execute(
            update(Message).where(Message.id == item.id).values(claimed_until=None, **values)
        )
        await self._events(session, [item], status, detail, now, recipients=status == "Failed")

    @staticmethod
    async def _events(
        session: AsyncSession,
        items: list[_Claimed],
        status: str,
        detail: str | None,
        now: datetime,
        *,
        recipients: bool = True,
    ) -> None:
        """History entries for the messages and, for invitations, their recipients (one
        multi-row Core insert each: the ORM's would cost more than the sends)."""
        entry = {"status": status, "detail": detail, "at": now}
        await session.execute(
            insert(MessageEvent.__table__), [{"message_id": item.id, **entry} for item in items]
        )
        people = [
            {"recipient_id": item.recipient_id, **entry}
            for item in items
            if recipients and item.recipient_id is not None
        ]
        if people:
            await session.execute(insert(RecipientEvent.__table__), people)
