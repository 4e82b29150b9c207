"""The webhook inbox: every delivery report and inbound text is stored once, at once, and
processed by the worker.

The receive endpoints store what a callback carries (:func:`ingest`) and answer: one row
per report or text (or part of a long text), keyed per connection by the provider's
message id — and status, for a report — so that a provider's retry or a replay of the same
callback adds nothing (``INSERT … ON CONFLICT DO NOTHING``) and so changes nothing. The
callbacks that come together are written together, as urgent writes
(:func:`~smsurvey.kit.db.urgent_writes`).

The worker (:func:`process_inbox`) claims stored events in arrival order with
``UPDATE … RETURNING`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), any number of workers
at once. An event is claimed only when no earlier event of its lane is still open, so a
phone number's texts (and a message's reports) are processed in the order they came, one
at a time. Events are processed a few at a time in one short transaction
(:data:`GROUP`, :data:`GROUP_SECONDS`), which also marks them done under their claim: a
worker whose claim was taken over (it stalled for :data:`LEASE`) writes nothing. The
group's writes go at its end, in one flush (no autoflush in between: a claim holds one
event per lane, so no event of a group reads what another writes), so on SQLite the write
lock the receive endpoints wait for is held for the writes alone. When one
of them raises, they are processed again one by one: the one that raises is marked failed
with its error, and blocks nothing.

Processed events (done or failed) are kept ``SMSURVEY_WEBHOOK_RETENTION_HOURS`` (72) after
they arrived — longer than providers retry a callback (Vonage 24 hours, Sinch about 23,
MessageBird 8; Twilio only within its connection overrides' seconds) — so that a retry
finds them; then the worker deletes them, oldest first, in bounded batches
(:func:`prune_inbox`). A callback older than that is taken as new.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import sys
import time
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from smsurvey.kit.claims import due_ids
from smsurvey.kit.db import unit_of_work, urgent_writes
from smsurvey.kit.wakeup import Work
from smsurvey.messaging.inbound import handle_inbound
from smsurvey.messaging.statuses import record_reports
from smsurvey.models.inbox import OPEN, EventKind, EventState, WebhookEvent
from smsurvey.providers.base import DeliveryReport, DeliveryStatus, InboundSms, TextPart
from smsurvey.runtime import Runtime
from smsurvey.sms.phones import check_phone

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claimed event is left to its worker before another may take it over."""
GROUP = 50
GROUP_SECONDS = 0.05
"""Events are processed together, one transaction for up to this many or this long."""
WRITE_BATCH = 500
"""Stored events per transaction at most (the callbacks that come together are written
together, up to this many events)."""
PRUNE_BATCH = 1000
"""Processed events deleted per transaction at most."""
_KEY_LENGTH = 255
_EVENTS = WebhookEvent.__table__


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A report or text of a callback, as the inbox stores it."""

    kind: EventKind
    dedup_key: str
    lane: str
    payload: dict[str, Any]


def report_event(report: DeliveryReport) -> NewEvent:
    """The inbox event of a delivery report: one per message and status."""
    payload = _payload(report)
    return NewEvent(
        EventKind.REPORT,
        _dedup_key(EventKind.REPORT, report.provider_message_id, report.dedup_key, payload),
        _bounded(f"message:{report.provider_message_id}"),
        payload,
    )


def text_event(sms: InboundSms) -> NewEvent:
    """The inbox event of an inbound text (or part): one per provider message id."""
    payload = _payload(sms)
    phone = check_phone(sms.sender, time_zones=False).e164 or sms.sender
    return NewEvent(
        EventKind.TEXT,
        _dedup_key(EventKind.TEXT, sms.provider_message_id, sms.dedup_key, payload),
        _bounded(f"phone:{phone}"),
        payload,
    )


async def ingest(
    engine: AsyncEngine,
    organization_id: str,
    provider: str,
    events: Sequence[NewEvent],
    now: datetime,
) -> int:
    """Store the events of a callback to connection ``provider``, committed, and return how
    many were new (the others were stored before: a retry or a replay).

    The callbacks that arrive while a write is under way are written together, in one
    transaction, as soon as it ends: a webhook waits for at most two writes, however
    many come at once.
    """
    if not events:
        return 0
    writer = _writers.get(engine)
    if writer is None:
        writer = _writers[engine] = _GroupWriter(engine)
    rows = [
        {
            "organization_id": organization_id,
            "provider": provider,
            "kind": event.kind,
            "dedup_key": event.dedup_key,
            "lane": event.lane,
            "payload": event.payload,
            "state": EventState.PENDING,
            "received_at": now,
        }
        for event in events
    ]
    return await writer.write(rows)


class _GroupWriter:
    """Writes the rows of the callbacks waiting, all in one transaction, one write at a time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._waiting: list[tuple[list[dict[str, Any]], asyncio.Future[int]]] = []
        self._task: asyncio.Task[None] | None = None

    async def write(self, rows: list[dict[str, Any]]) -> int:
        """Write ``rows`` with the others waiting; how many of them were new."""
        written: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, written))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return await written

    async def _run(self) -> None:
        while self._waiting:
            group = self._next_group()
            try:
                new = await self._insert([row for rows, _ in group for row in rows])
            except Exception:  # one callback's rows may be at fault: each goes alone
                if len(group) == 1:
                    _settle_writes(group, error=sys.exc_info()[1])
                    continue
                for one in group:
                    try:
                        _settle_writes([one], await self._insert(one[0]))
                    except Exception as error:
                        _settle_writes([one], error=error)
                continue
            _settle_writes(group, new)

    def _next_group(self) -> list[tuple[list[dict[str, Any]], asyncio.Future[int]]]:
        """The callbacks waiting longest, as many as fit in :data:`WRITE_BATCH` events
        (one, however many events it has, when the first alone is larger)."""
        size = len(self._waiting[0][0])
        taken = 1
        while taken < len(self._waiting) and size + len(self._waiting[taken][0]) <= WRITE_BATCH:
            size += len(self._waiting[taken][0])
            taken += 1
        group, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return group

    async def _insert(self, rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        """Insert ``rows``, :data:`WRITE_BATCH` per transaction; the keys of the new ones."""
        new: set[tuple[str, str, str]] = set()
        with urgent_writes():  # a provider waits for the answer
            for start in range(0, len(rows), WRITE_BATCH):
                new |= await self._insert_now(rows[start : start + WRITE_BATCH])
        return new

    async def _insert_now(self, rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        async with unit_of_work(self._engine) as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(_EVENTS)
                .values(rows)
                .on_conflict_do_nothing(index_elements=list(_KEY))
                .returning(*(_EVENTS.c[name] for name in _KEY))
            )
            return {tuple(row) for row in await session.execute(statement)}


_KEY = ("organization_id", "provider", "dedup_key")
_writers: weakref.WeakKeyDictionary[AsyncEngine, _GroupWriter] = weakref.WeakKeyDictionary()


def _settle_writes(
    group: list[tuple[list[dict[str, Any]], asyncio.Future[int]]],
    new: set[tuple[str, str, str]] | None = None,
    error: BaseException | None = None,
) -> None:
    """Answer each waiting callback: how many of its rows were new (each counted once)."""
    for rows, written in group:
        if written.done():  # its request went away; its rows are written all the same
            continue
        if error is not None:
            written.set_exception(error)
            continue
        assert new is not None
        keys = {tuple(row[name] for name in _KEY) for row in rows}
        written.set_result(len(keys & new))
        new -= keys


async def prune_inbox(
    session: AsyncSession, now: datetime, keep: timedelta, *, limit: int = PRUNE_BATCH
) -> int:
    """Delete up to ``limit`` of each kind of processed event (done, failed) that arrived
    more than ``keep`` before ``now``, oldest first; returns how many were deleted.

    Only the ``limit`` oldest events of a state are looked at (ids follow arrival), so a
    round costs the same however many events are kept.
    """
    cutoff = now - keep
    pruned = 0
    for state in (EventState.DONE, EventState.FAILED):
        oldest = (
            select(WebhookEvent.id, WebhookEvent.received_at)
            .where(WebhookEvent.state == state)
            .order_by(WebhookEvent.id)
            .limit(limit)
            .subquery()
        )
        due = select(oldest.c.id).where(oldest.c.received_at <= cutoff)
        deleted = await session.execute(
            delete(WebhookEvent)
            .where(WebhookEvent.id.in_(due))
            .execution_options(synchronize_session=False)
        )
        pruned += deleted.rowcount  # type: ignore[attr-defined]
    return pruned


async def process_inbox(runtime: Runtime, *, limit: int) -> int:
    """Claim up to ``limit`` stored events, oldest first, and process them (see the module
    docstring); returns how many were processed, failed ones included."""
    claim = uuid.uuid4().hex
    with urgent_writes():  # a respondent waits for the answer
        events = await _claim(runtime, claim, limit)
        left = events
        while left:
            together = await _process_together(runtime, claim, left)
            if together is None:  # one of them failed: each goes alone
                together = min(len(left), GROUP)
                for event in left[:together]:
                    await _process(runtime, claim, event)
            left = left[together:]
    if events:
        runtime.wake.set(Work.SEND)  # the replies they queued go out now
    return len(events)


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    organization_id: str
    provider: str
    kind: str
    payload: dict[str, Any]
    received_at: datetime


class _ClaimLost(Exception):
    """Another worker took the event over: this one's work on it is rolled back."""


async def _claim(runtime: Runtime, claim: str, limit: int) -> list[_Claimed]:
    now = runtime.clock.now()
    claimable = or_(
        WebhookEvent.state == EventState.PENDING,
        and_(
            WebhookEvent.state == EventState.PROCESSING,
            WebhookEvent.claimed_at <= now - LEASE,
        ),
    )
    earlier = aliased(WebhookEvent)
    waiting_behind = exists().where(
        earlier.organization_id == WebhookEvent.organization_id,
        earlier.lane == WebhookEvent.lane,
        earlier.id < WebhookEvent.id,
        earlier.state.in_(OPEN),
    )
    due = (
        select(WebhookEvent.id)
        .where(claimable, ~waiting_behind)
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    async with runtime.sessions() as session:  # a look first: an idle poll writes nothing
        if await session.scalar(due) is None:
            return []
    async with unit_of_work(runtime.engine) as session:
        rows = await session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id.in_(due_ids(due)), claimable)
            .values(state=EventState.PROCESSING, claim=claim, claimed_at=now)
            .returning(
                WebhookEvent.id,
                WebhookEvent.organization_id,
                WebhookEvent.provider,
                WebhookEvent.kind,
                WebhookEvent.payload,
                WebhookEvent.received_at,
            )
        )
        return sorted((_Claimed(*row) for row in rows), key=lambda event: event.id)


async def _process_together(runtime: Runtime, claim: str, events: list[_Claimed]) -> int | None:
    """Process the first events in one transaction, as many as :data:`GROUP_SECONDS` and
    :data:`GROUP` allow; how many, or None when one failed (then nothing was written)."""
    started = time.monotonic()
    done: list[_Claimed] = []
    try:
        async with unit_of_work(runtime.engine) as session:
            with session.no_autoflush:
                for event in events[:GROUP]:
                    await _apply(session, runtime, event)
                    done.append(event)
                    if time.monotonic() - started >= GROUP_SECONDS:
                        break
            await _settle(session, done, claim, EventState.DONE, runtime.clock.now())
    except Exception:
        return None
    return len(done)


async def _process(runtime: Runtime, claim: str, event: _Claimed) -> None:
    """Process one event alone: done, or failed with its error."""
    try:
        async with unit_of_work(runtime.engine) as session:
            await _apply(session, runtime, event)
            await _settle(session, [event], claim, EventState.DONE, runtime.clock.now())
    except _ClaimLost:
        log.warning("webhook event taken over by another worker", extra={"event_id": event.id})
    except Exception as error:  # a poison event: marked failed, the next ones go on
        log.exception("webhook event failed", extra={"event_id": event.id})
        async with unit_of_work(runtime.engine) as session:
            reason = f"{type(error).__name__}: {error}"
            await _settle(session, [event], claim, EventState.FAILED, runtime.clock.now(), reason)


async def _apply(session: AsyncSession, runtime: Runtime, event: _Claimed) -> None:
    """What the event means: a report in its message's history, or a text acted on."""
    if event.kind == EventKind.REPORT:
        report = _report(event.payload)
        await record_reports(
            session, event.organization_id, event.provider, [report], event.received_at
        )
    else:
        sms = _text(event.payload)
        sms = dataclasses.replace(sms, received_at=sms.received_at or event.received_at)
        await handle_inbound(session, runtime, event.organization_id, event.provider, sms)


async def _settle(
    session: AsyncSession,
    events: list[_Claimed],
    claim: str,
    state: EventState,
    now: datetime,
    error: str | None = None,
) -> None:
    """Mark the events ``state`` if they are all still under ``claim``; else
    :class:`_ClaimLost`."""
    changed = await session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.id.in_([event.id for event in events]),
            WebhookEvent.state == EventState.PROCESSING,
            WebhookEvent.claim == claim,
        )
        .values(state=state, processed_at=now, error=error)
    )
    if changed.rowcount != len(events):  # type: ignore[attr-defined]
        raise _ClaimLost()


# -- the payload: a report or text as JSON ----------------------------------------------


def _payload(item: DeliveryReport | InboundSms) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in dataclasses.asdict(item).items()
    }


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _report(payload: dict[str, Any]) -> DeliveryReport:
    return DeliveryReport(
        **{**payload, "status": DeliveryStatus(payload["status"]), "at": _when(payload["at"])}
    )


def _text(payload: dict[str, Any]) -> InboundSms:
    part = payload.get("part")
    return InboundSms(
        **{
            **payload,
            "received_at": _when(payload.get("received_at")),
            "part": TextPart(**part) if part else None,
        }
    )


def _dedup_key(kind: EventKind, message_id: str, key: str, payload: dict[str, Any]) -> str:
    """The provider's key; without a message id, the event's content (the same again is
    a replay)."""
    if not message_id:
        content = json.dumps(payload, sort_keys=True).encode()
        return f"{kind}:content:{hashlib.sha256(content).hexdigest()}"
    return _bounded(key)


def _bounded(key: str) -> str:
    """``key``, or its hash when it is longer than the column."""
    if len(key) <= _KEY_LENGTH:
        return key
    return f"sha256:{hashlib.sha256(key.encode()).hexdigest()}"
