"""The sender loop: claim due outbox texts, hand them to providers, record what happened.

A text goes ``queued`` → ``claimed`` (this worker holds it, in memory, in priority order
per sender: replies in a live conversation before bulk invitations) → ``sending`` (marked
in the database, in batches, just before its request starts) → ``sent``; or it is refused
(retried with backoff and jitter honouring the provider's wait, handed to the next
connection, or failed for good); or the request may have reached the provider (a dropped
connection, a read timeout): ``unknown``, reconciled by asking the provider
(:mod:`smsurvey.messaging.reconcile`), never sent blindly. A worker that dies leaves
``claimed`` texts, which go back to the queue, and ``sending`` ones, which become
``unknown`` (:mod:`smsurvey.messaging.recovery`).

Every change of state is a compare-and-set on the state and on the worker holding the
text, so a worker wrongly taken for dead cannot send or record what another took over.
Claims are ``UPDATE … RETURNING`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL); outcomes
are written in batches, one transaction each.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from smsurvey.distributions.holds import waiting_for_its_survey
from smsurvey.kit.claims import due_ids
from smsurvey.kit.clock import Clock
from smsurvey.kit.db import urgent_writes
from smsurvey.kit.wakeup import wait_for
from smsurvey.messaging.outbox import BULK
from smsurvey.messaging.outcomes import COLUMNS, OutboxText, append_history, settle_sent
from smsurvey.messaging.pacing import Pacer, SenderPaces
from smsurvey.messaging.precedence import Precedence
from smsurvey.models.messaging import Message, SendState
from smsurvey.providers.base import Provider, ProviderError, SendUncertain, hand_over
from smsurvey.providers.directory import ProviderDirectory

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=10)
BUFFER_SECONDS = 2.0
"""A paced sender's claimed texts: what it can send in this many seconds."""
MARK_AHEAD_SECONDS = 0.1
"""A paced sender's texts marked ``sending`` at once: what it sends in this long."""
GATHER = 0.005
"""Seconds an unpaced sender waits for more free lanes, so that one mark covers several."""
URGENT_CLAIM = 200
"""Conversation replies claimed at a time (of all senders), however full the buffers."""
RESCAN = 0.25
"""Seconds between looks for senders with due texts; those already known are claimed
from at every round."""
RESCAN_WOKEN = 0.02
"""The same, once woken (new texts were queued in this process)."""
POLL = 0.25
"""Seconds between claims when nothing wakes the loop (texts queued by other processes,
retries coming due)."""
RECORD_BATCH = 500
RECORD_DELAY = 0.05
"""Outcomes are written once this many are waiting, or this many seconds after the first."""


def due_texts(
    key: tuple[str, str] | None, quota: int, now: datetime, *, urgent: bool
) -> Select[int]:
    """The ids of up to ``quota`` texts a claim takes: replies of every sender (``key``
    None) best first when ``urgent``, else a sender's bulk texts as they fell due. Each
    order is an index's, so a claim reads a batch and stops, however long the queue."""
    order: tuple[InstrumentedAttribute[Any], ...]
    if urgent:
        kind, order = Message.priority < BULK, (Message.priority, Message.id)
    else:
        kind = (Message.priority >= BULK) & ~waiting_for_its_survey(now)
        order = (Message.next_attempt_at, Message.id)
    whose = [Message.organization_id == key[0], Message.sender == key[1]] if key else []
    return (
        select(Message.id)
        .where(Message.send_state == SendState.QUEUED, *whose, Message.next_attempt_at <= now, kind)
        .order_by(*order)
        .limit(quota)
    )


def backoff(attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """The wait before attempt ``attempts + 1``: the provider's, else 2 s × 2ⁿ with ±50 % jitter."""
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    wait = min(BASE_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
    return wait * rng.uniform(0.5, 1.5)


@dataclass(frozen=True, slots=True)
class _Outcome:
    text: OutboxText
    provider_message_id: str | None = None
    error: ProviderError | None = None
    uncertain: str | None = None
    """Why the provider may have the text although we do not know it."""
    gone: bool = False
    """The text's provider connection was deleted."""


class SenderLoop:
    """Hands queued texts to their providers (see the module docstring) as worker ``me``.

    With a :class:`~smsurvey.messaging.pacing.Pacer`, each sender's texts go at its pace
    (``paces`` gives it); without one, as fast as the providers take them, ``lanes`` at a
    time. A text whose hand-over is uncertain is asked about ``settle`` after its request
    started (by then the provider has taken it, if it ever will).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        providers: ProviderDirectory,
        clock: Clock,
        *,
        me: str,
        pacer: Pacer | None = None,
        paces: SenderPaces | None = None,
        precedence: Precedence | None = None,
        lanes: int = 200,
        buffer: int = 1000,
        settle: timedelta = timedelta(seconds=60),
        seed: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._providers = providers
        self._clock = clock
        self._me = me
        self._pacer = pacer
        self._paces = paces or SenderPaces(sessions)
        self._precedence = precedence or Precedence()
        """Whose urgent work bulk texts wait for (by default, none ever runs)."""
        self._lanes_count = lanes
        self._lanes = asyncio.Semaphore(lanes)
        self._buffer = buffer
        self._settle = settle
        self._rng = random.Random(seed)
        self._queues: dict[tuple[str, str], list[tuple[int, int, OutboxText]]] = {}
        self._dispatchers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._senders: set[tuple[str, str]] = set()
        """Senders that had due texts at the last look."""
        self._scanned = -math.inf
        self._marked: dict[int, OutboxText] = {}
        """Texts marked ``sending`` whose request has not started (waiting for the pace)."""
        self._ready: asyncio.PriorityQueue[tuple[int, int, OutboxText, Decimal | None]] = (
            asyncio.PriorityQueue()
        )
        """Texts whose request may start now, for the first free lane: replies in a live
        conversation before bulk texts marked earlier, then in the order they came."""
        self._lane_tasks: list[asyncio.Task[None]] = []
        self._requesting = 0
        """Requests under way."""
        self._writes = asyncio.Lock()
        self._progress = asyncio.Event()
        self._recorder = _Recorder(self._record)
        self._stopping = False
        self.tried = 0
        """Texts handed to a provider (or refused on the way) since the loop was made."""

    # -- driving ------------------------------------------------------------------------

    async def drain(
        self, feeding: asyncio.Future[Any] | None = None, wake: asyncio.Event | None = None
    ) -> int:
        """Send everything due now and write every outcome; returns how many were tried.

        While ``feeding`` (planning, say) is not done, texts it queues are sent too: the
        loop claims again when ``wake`` is set.
        """
        before = self.tried
        self._scanned = -math.inf
        while True:
            claimed = await self._claim_round()
            busy = self._busy()
            if not claimed and not busy and (feeding is None or feeding.done()):
                if await self._claim_round(rescan=0):
                    continue
                break
            if not claimed:
                await self._wait_for_progress(wake, feeding)
        await self._recorder.flush()
        await self._stop_lanes()
        return self.tried - before

    async def run(
        self, stop: asyncio.Event, wake: asyncio.Event, replies: asyncio.Event | None = None
    ) -> None:
        """Send until ``stop`` is set: claim when ``wake`` is set, when a sender runs low,
        and every :data:`POLL` seconds; then give back what was claimed and not sent.

        Replies in a conversation are also claimed on their own the moment ``replies`` is
        set, not after the bulk claims under way."""
        answering = None
        if replies is not None:
            answering = asyncio.create_task(self._claim_replies_when(stop, replies))
        try:
            woke = True
            while not stop.is_set():
                try:
                    await self._claim_round(rescan=RESCAN_WOKEN if woke else RESCAN)
                except Exception:  # the database may be away for a while: try again
                    log.exception("claiming texts failed")
                    await asyncio.sleep(1)
                woke = await self._wait_for_progress(wake)
        finally:
            if answering is not None:
                answering.cancel()
                await asyncio.gather(answering, return_exceptions=True)
            await self.release()

    async def _claim_replies_when(self, stop: asyncio.Event, replies: asyncio.Event) -> None:
        while not stop.is_set():
            if await wait_for(replies, POLL):
                try:
                    await self._claim_replies(self._clock.now())
                except Exception:  # the main loop claims them too
                    log.exception("claiming replies failed")

    async def release(self) -> None:
        """Stop sending: texts claimed or marked but not requested go back to the queue,
        requests under way finish, and every outcome is written."""
        self._stopping = True
        for task in list(self._dispatchers.values()):
            task.cancel()
        await asyncio.gather(*self._dispatchers.values(), return_exceptions=True)
        await self._stop_lanes()
        await self._recorder.flush()
        async with self._writes, self._sessions() as session, session.begin():
            mine = Message.claimed_by == self._me
            await session.execute(
                update(Message)
                .where(mine, Message.send_state == SendState.CLAIMED)
                .values(send_state=SendState.QUEUED, claimed_by=None)
            )
            if self._marked:
                await session.execute(
                    update(Message)
                    .where(
                        mine,
                        Message.send_state == SendState.SENDING,
                        Message.id.in_(list(self._marked)),
                    )
                    .values(
                        send_state=SendState.QUEUED,
                        claimed_by=None,
                        attempts=Message.attempts - 1,
                    )
                )
        self._queues.clear()
        self._marked.clear()
        self._stopping = False

    def _busy(self) -> bool:
        return bool(self._dispatchers or self._requesting or not self._ready.empty())

    async def _wait_for_progress(
        self, wake: asyncio.Event | None, feeding: asyncio.Future[Any] | None = None
    ) -> bool:
        """Until a sender runs low or finishes, ``wake`` is set, ``feeding`` is done, or
        :data:`POLL` passes; whether ``wake`` was set."""
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._progress.wait())]
        if wake is not None:
            waits.append(asyncio.ensure_future(wake.wait()))
        watched = [feeding] if feeding is not None and not feeding.done() else []
        try:
            await asyncio.wait(waits + watched, timeout=POLL, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        self._progress.clear()
        return wake is not None and await wait_for(wake, 0)

    # -- claiming -----------------------------------------------------------------------

    async def _claim_round(self, *, rescan: float = RESCAN) -> int:
        """Claim due texts for every sender with due texts (looked for again when the last
        look is ``rescan`` seconds old): its replies, and bulk texts up to its buffer."""
        now = self._clock.now()
        if time.monotonic() - self._scanned >= rescan:
            self._scanned = time.monotonic()
            async with self._sessions() as session:
                self._senders.update(await self._due_senders(session, now))
        # What is claimed is only held (and so marked ``sending``) once the claim is
        # committed: a mark that saw the texts still queued would find none of them.
        bulk: dict[tuple[str, str], list[OutboxText]] = {}
        async with self._writes, self._sessions() as session, session.begin():
            replies = await self._claim_from(session, None, URGENT_CLAIM, now, urgent=True)
            for key in list(self._senders):
                organization_id, sender = key
                held = len(self._queues.get(key, ())) + sum(
                    (text.organization_id, text.sender) == key for text in replies
                )
                target = await self._target(organization_id, sender)
                if held < target / 2:
                    texts = await self._claim_from(session, key, target - held, now, urgent=False)
                    if not texts and not held:  # nothing due: looked for at the next scan
                        self._senders.discard(key)
                    bulk[key] = texts
        claimed = self._hold_replies(replies)
        for key, texts in bulk.items():
            self._hold(key, texts)
            claimed += len(texts)
        for key in list(self._queues):  # a sender whose dispatcher stopped on an error
            self._hold(key, ())
        return claimed

    async def _claim_replies(self, now: datetime) -> int:
        """Claim due replies of every sender, in a transaction of their own that goes
        before bulk writes (a respondent waits for each) and not behind the loop's other
        writes: they touch no text those do."""
        with urgent_writes():
            async with self._sessions() as session, session.begin():
                texts = await self._claim_from(session, None, URGENT_CLAIM, now, urgent=True)
        return self._hold_replies(texts)

    def _hold_replies(self, texts: list[OutboxText]) -> int:
        by_sender: dict[tuple[str, str], list[OutboxText]] = {}
        for text in texts:
            by_sender.setdefault((text.organization_id, text.sender), []).append(text)
        for key, theirs in by_sender.items():
            self._senders.add(key)
            self._hold(key, theirs)
        return len(texts)

    async def _target(self, organization_id: str, sender: str) -> int:
        if self._pacer is None:
            return self._buffer
        pace = await self._paces.pace(organization_id, sender)
        return max(1, min(self._buffer, int(pace * Decimal(BUFFER_SECONDS))))

    async def _due_senders(self, session: AsyncSession, now: datetime) -> list[tuple[str, str]]:
        rows = await session.execute(
            select(Message.organization_id, Message.sender)
            .where(Message.send_state == SendState.QUEUED, Message.next_attempt_at <= now)
            .distinct()
        )
        return [(organization_id, sender) for organization_id, sender in rows]

    async def _claim_from(
        self,
        session: AsyncSession,
        key: tuple[str, str] | None,
        quota: int,
        now: datetime,
        *,
        urgent: bool,
    ) -> list[OutboxText]:
        """Claim up to ``quota`` due texts of a sender (of every sender when ``key`` is
        None): its replies when ``urgent``, else its bulk texts."""
        if quota <= 0:
            return []
        due = due_texts(key, quota, now, urgent=urgent)
        rows = await session.execute(
            update(Message)
            .where(Message.id.in_(due_ids(due)), Message.send_state == SendState.QUEUED)
            .values(send_state=SendState.CLAIMED, claimed_by=self._me)
            .returning(*COLUMNS)
        )
        return [OutboxText.of(row) for row in rows]

    def _hold(self, key: tuple[str, str], texts: Iterable[OutboxText]) -> None:
        """Keep claimed texts in the sender's queue and make sure they are being sent."""
        queue = self._queues.setdefault(key, [])
        for text in texts:
            heapq.heappush(queue, (text.priority, text.id, text))
        if queue and key not in self._dispatchers and not self._stopping:
            self._dispatchers[key] = asyncio.create_task(self._dispatch(key))

    # -- sending ------------------------------------------------------------------------

    async def _dispatch(self, key: tuple[str, str]) -> None:
        """Send a sender's claimed texts, best first: mark a few ``sending``, then start
        each request as a lane is free and (when paced) the sender's pace allows."""
        queue = self._queues[key]
        organization_id, sender = key
        pace = await self._paces.pace(organization_id, sender) if self._pacer else None
        ahead = (
            self._lanes_count if pace is None else max(1, int(pace * Decimal(MARK_AHEAD_SECONDS)))
        )
        target = await self._target(organization_id, sender)
        try:
            while queue:
                # Bulk texts wait for urgent work; once they waited, a batch of them goes.
                waited = self._held_back(queue)
                if waited:
                    await self._precedence.bulk_turn()
                await self._lanes.acquire()
                if pace is None and len(queue) > 1:
                    await asyncio.sleep(GATHER)
                batch = [heapq.heappop(queue)[2]]
                while (
                    queue
                    and len(batch) < ahead
                    and not self._lanes.locked()
                    and (waited or not self._held_back(queue))
                ):
                    await self._lanes.acquire()
                    batch.append(heapq.heappop(queue)[2])
                if len(queue) < target / 2:
                    self._progress.set()
                for text in await self._mark_sending(batch):
                    self._start(text, pace)
        except Exception:
            log.exception("sending stopped for a sender", extra={"sender": sender})
        finally:
            if self._dispatchers.get(key) is asyncio.current_task():
                del self._dispatchers[key]
            self._progress.set()

    def _held_back(self, queue: list[tuple[int, int, OutboxText]]) -> bool:
        """Whether the queue's next text is a bulk one and urgent work runs."""
        return self._precedence.busy and queue[0][0] >= BULK

    async def _mark_sending(self, batch: list[OutboxText]) -> list[OutboxText]:
        """Mark the texts ``sending`` (those still ours); the lanes of the others are freed.

        The write is not cancelled half-way by a stop: what it marked is then known, and
        :meth:`release` gives it back.
        """
        now = self._clock.now()
        urgent = any(text.priority < BULK for text in batch)
        writing = asyncio.ensure_future(
            self._write_sending([text.id for text in batch], now, urgent=urgent)
        )
        try:
            marked = await asyncio.shield(writing)
        except asyncio.CancelledError:
            marked = await writing if not writing.cancelled() else set()
            self._note_marked(batch, marked, now)
            for _ in batch:
                self._lanes.release()
            raise
        except BaseException:
            for _ in batch:
                self._lanes.release()
            raise
        ready = self._note_marked(batch, marked, now)
        for text in batch:
            if text.id not in marked:
                log.warning("text taken over by another worker", extra={"message_id": text.id})
                self._lanes.release()
        return ready

    async def _write_sending(self, ids: list[int], now: datetime, *, urgent: bool) -> set[int]:
        if urgent:  # a respondent waits: before bulk writes, not behind the loop's own
            with urgent_writes():
                return await self._set_sending(ids, now)
        async with self._writes:
            return await self._set_sending(ids, now)

    async def _set_sending(self, ids: list[int], now: datetime) -> set[int]:
        async with self._sessions() as session, session.begin():
            return set(
                await session.scalars(
                    update(Message)
                    .where(
                        Message.id.in_(ids),
                        Message.send_state == SendState.CLAIMED,
                        Message.claimed_by == self._me,
                    )
                    .values(
                        send_state=SendState.SENDING,
                        requested_at=now,
                        attempts=Message.attempts + 1,
                    )
                    .returning(Message.id)
                )
            )

    def _note_marked(
        self, batch: list[OutboxText], marked: set[int], now: datetime
    ) -> list[OutboxText]:
        ready = []
        for text in batch:
            if text.id in marked:
                ready.append(_with(text, attempts=text.attempts + 1, requested_at=now))
                self._marked[text.id] = ready[-1]
        return ready

    def _start(self, text: OutboxText, pace: Decimal | None) -> None:
        """Give a marked text to the lanes (started on first use: cheaper than a task per
        text), to be sent at ``pace`` (or at once)."""
        del self._marked[text.id]
        if not self._lane_tasks:
            self._lane_tasks = [asyncio.create_task(self._lane()) for _ in range(self._lanes_count)]
        self._ready.put_nowait((text.priority, text.id, text, pace))

    async def _lane(self) -> None:
        """Send ready texts one after another, for as long as the loop runs."""
        while True:
            _, _, text, pace = await self._ready.get()
            self._requesting += 1
            try:
                outcome = await self._hand_over(text, pace)
            except Exception as error:  # the lane lives on; the request may have gone
                log.exception("sending a text failed", extra={"message_id": text.id})
                outcome = _Outcome(text, uncertain=f"sending failed unexpectedly: {error!r}")
            finally:
                self._requesting -= 1
                self._lanes.release()
            self.tried += 1
            self._recorder.add(outcome)
            self._ready.task_done()

    async def _stop_lanes(self) -> None:
        """Once every ready text is sent, end the lanes."""
        await self._ready.join()
        for lane in self._lane_tasks:
            lane.cancel()
        await asyncio.gather(*self._lane_tasks, return_exceptions=True)
        self._lane_tasks = []

    async def _hand_over(self, text: OutboxText, pace: Decimal | None) -> _Outcome:
        try:
            provider = await self._providers.get(text.provider)
        except Exception as error:  # e.g. credentials another key sealed: nothing was sent
            log.exception("a connection cannot be used", extra={"message_id": text.id})
            reason = f"{text.provider} cannot be used: {error}"
            return _Outcome(text, error=ProviderError(reason, retryable=True))
        if provider is None:  # a deleted connection: the next one may take the text
            missing = ProviderError(f"no provider {text.provider!r}", retryable=True)
            return _Outcome(text, error=missing, gone=True)
        if self._pacer is not None and pace is not None:
            # The turn spans exactly the request: the provider counts its arrival, which
            # comes somewhere in between.
            async with self._pacer.turn(f"{text.provider}|{text.sender}", pace, text.parts):
                return await self._request(provider, text)
        return await self._request(provider, text)

    async def _request(self, provider: Provider, text: OutboxText) -> _Outcome:
        try:
            result = await hand_over(provider, text.outbound())
        except ProviderError as error:
            return _Outcome(text, error=error)
        except SendUncertain as error:
            return _Outcome(text, uncertain=str(error))
        except Exception as error:  # an adapter's bug, after the request may have gone
            log.exception("send failed unexpectedly", extra={"message_id": text.id})
            return _Outcome(text, uncertain=f"{provider.name} failed unexpectedly: {error!r}")
        return _Outcome(text, provider_message_id=result.provider_message_id)

    # -- recording ----------------------------------------------------------------------

    async def _record(self, outcomes: list[_Outcome]) -> None:
        """Write a batch of outcomes in one transaction."""
        now = self._clock.now()
        ours = (Message.send_state == SendState.SENDING) & (Message.claimed_by == self._me)
        async with self._writes, self._sessions() as session, session.begin():
            by_provider: dict[str, list[tuple[OutboxText, str]]] = {}
            for outcome in outcomes:
                if outcome.provider_message_id is not None:
                    handed = (outcome.text, outcome.provider_message_id)
                    by_provider.setdefault(outcome.text.provider, []).append(handed)
            for provider, handed_over in by_provider.items():
                await settle_sent(session, handed_over, ours, f"via {provider}", now)
            uncertain = [o for o in outcomes if o.uncertain is not None]
            if uncertain:
                await self._record_uncertain(session, uncertain, now)
            for outcome in outcomes:
                if outcome.error is not None:
                    await self._record_refusal(session, outcome, now)

    async def _record_uncertain(
        self, session: AsyncSession, outcomes: list[_Outcome], now: datetime
    ) -> None:
        """The provider may have these: ``unknown``, asked after :attr:`_settle`."""
        changed = set(
            await session.scalars(
                update(Message)
                .where(
                    Message.id.in_([o.text.id for o in outcomes]),
                    Message.send_state == SendState.SENDING,
                    Message.claimed_by == self._me,
                )
                .values(
                    send_state=SendState.UNKNOWN,
                    claimed_by=None,
                    next_attempt_at=now + self._settle,
                )
                .returning(Message.id)
            )
        )
        seconds = f"{self._settle.total_seconds():g}"
        for outcome in outcomes:
            if outcome.text.id in changed:
                detail = f"{outcome.uncertain}; the provider will be asked in {seconds} s"
                log.warning("hand-over uncertain", extra={"message_id": outcome.text.id})
                await append_history(session, [outcome.text], "Unknown", detail, now)

    async def _record_refusal(
        self, session: AsyncSession, outcome: _Outcome, now: datetime
    ) -> None:
        """Retry with backoff while the retry budget lasts; then hand the text to the
        organisation's next connection (fail-over) if it has one; else it failed."""
        text, error = outcome.text, outcome.error
        assert error is not None
        detail = f"{error}" + (f" (code {error.code})" if error.code else "")
        values: dict[str, object]
        successor = None
        if error.retryable and (outcome.gone or text.attempts >= MAX_ATTEMPTS):
            successor = await self._providers.next_connection(
                session, text.organization_id, text.provider
            )
        if error.retryable and not outcome.gone and text.attempts < MAX_ATTEMPTS:
            wait = backoff(text.attempts, error.retry_after, self._rng)
            values = {"send_state": SendState.QUEUED, "next_attempt_at": now + wait}
            status, detail = "Retrying", f"{detail}; next try in {wait.total_seconds():.1f} s"
            log.info("send will be retried", extra={"message_id": text.id, "detail": detail})
        elif successor is not None:
            values = {
                "send_state": SendState.QUEUED,
                "next_attempt_at": now,
                "attempts": 0,
                "provider": successor.id,
                "sender": successor.sender,
            }
            status = "Rerouted"
            detail = (
                f"{detail}; {text.provider} gave up after {text.attempts} tries,"
                f" {successor.id} ({successor.name}) takes it"
            )
            log.warning("send handed to the next connection", extra={"message_id": text.id})
        else:
            values = {"send_state": SendState.EXHAUSTED if error.retryable else SendState.FAILED}
            status = "Failed"
            log.warning("send failed", extra={"message_id": text.id, "detail": detail})
        changed = await session.execute(
            update(Message)
            .where(
                Message.id == text.id,
                Message.send_state == SendState.SENDING,
                Message.claimed_by == self._me,
            )
            .values(claimed_by=None, **values)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            await append_history(
                session, [text], status, detail, now, recipients=status == "Failed"
            )


def _with(text: OutboxText, *, attempts: int, requested_at: datetime) -> OutboxText:
    return OutboxText(
        text.id,
        text.organization_id,
        text.provider,
        text.sender,
        text.recipient,
        text.body,
        attempts,
        text.recipient_id,
        text.parts,
        text.credits,
        text.region,
        text.priority,
        requested_at,
    )


class _Recorder:
    """Collects outcomes and writes them in batches (:data:`RECORD_BATCH`, or
    :data:`RECORD_DELAY` after the first), retrying a batch until it is written: an outcome
    is never dropped."""

    def __init__(self, write: Callable[[list[_Outcome]], Awaitable[None]]) -> None:
        self._write = write
        self._waiting: list[_Outcome] = []
        self._task: asyncio.Task[None] | None = None
        self._full = asyncio.Event()

    def add(self, outcome: _Outcome) -> None:
        self._waiting.append(outcome)
        if len(self._waiting) >= RECORD_BATCH:
            self._full.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def flush(self) -> None:
        """Return once every outcome added so far is written."""
        while self._task is not None and not self._task.done():
            self._full.set()
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._waiting:
            await wait_for(self._full, RECORD_DELAY)
            batch, self._waiting = self._waiting[:RECORD_BATCH], self._waiting[RECORD_BATCH:]
            delay = 0.1
            while True:
                try:
                    await self._write(batch)
                    break
                except Exception:
                    log.exception("writing send outcomes failed; retrying")
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
