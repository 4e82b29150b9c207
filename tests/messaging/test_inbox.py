"""The webhook inbox: callbacks stored at once, processed by the worker in arrival order, per
phone number one at a time, by any number of processors, a poison event set aside
(SQLite and PostgreSQL, the simulator's signed callbacks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from smsurvey.kit.db import unit_of_work
from smsurvey.messaging.inbox import (
    LEASE,
    WRITE_BATCH,
    NewEvent,
    ingest,
    process_inbox,
    prune_inbox,
    text_event,
)
from smsurvey.models.inbox import EventKind, EventState, WebhookEvent
from smsurvey.models.messaging import Message
from smsurvey.models.responses import Response
from smsurvey.providers.base import InboundSms
from smsurvey.providers.simulator import signing_key
from tests.messaging.harness import Harness, SimulatorCallbacks, harness

ANN, BOB = "+14155552671", "+14155552672"
NOT_IN_SESSION = "You are not currently taking a survey."


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def texted(system: Harness, phone: str, *bodies: str) -> None:
    """``phone`` texts ``bodies`` in turn; the callbacks are stored, not processed yet."""
    callbacks = SimulatorCallbacks(signing_key(system.runtime.secret))
    url = system.receive_url("message", "simulator")
    for body in bodies:
        callback = callbacks.inbound_callback(url, phone, system.our_number, body)
        assert await system.post(callback) == 200


async def received(system: Harness, phone: str) -> list[str]:
    """The texts we took from ``phone``, in the order they were handled."""
    rows = await system.rows(Message, Message.direction == "in", Message.sender == phone)
    return [row.body for row in sorted(rows, key=lambda row: row.id)]


async def test_a_text_is_stored_at_once_and_handled_by_the_worker(system: Harness) -> None:
    await texted(system, ANN, "hello")
    [event] = await system.rows(WebhookEvent)
    assert (event.kind, event.state, event.provider) == ("text", "pending", "simulator")
    assert await received(system, ANN) == []

    await system.drain()
    [event] = await system.rows(WebhookEvent)
    assert event.state == "done"
    assert await received(system, ANN) == ["hello"]
    assert await system.inbox(ANN) == [NOT_IN_SESSION]


async def test_a_phones_texts_are_handled_in_the_order_they_came(system: Harness) -> None:
    await system.distribute_list(await system.people("Customers", ANN))
    await system.drain()
    await texted(system, ANN, "10", "2", "Keep it up!")  # before the worker looks
    await system.drain()

    [response] = await system.rows(Response)
    assert response.finished
    assert (response.values["QID1"], response.values["QID2"]) == (10, 2)
    assert response.values["QID5_TEXT"] == "Keep it up!"
    assert await received(system, ANN) == ["10", "2", "Keep it up!"]


async def test_several_processors_handle_each_event_once_in_order(system: Harness) -> None:
    phones = [f"+1415555{n:04d}" for n in range(8)]
    for body in ("first", "second", "third"):  # interleaved: a claim spans phones
        for phone in phones:
            await texted(system, phone, body)

    async def processor() -> None:
        while await process_inbox(system.runtime, limit=3):
            pass

    await asyncio.gather(*(processor() for _ in range(3)))
    await system.drain()

    assert {event.state for event in await system.rows(WebhookEvent)} == {"done"}
    for phone in phones:
        assert await received(system, phone) == ["first", "second", "third"]
        assert await system.inbox(phone) == [NOT_IN_SESSION] * 3


async def test_a_poison_event_is_set_aside_and_blocks_nothing(system: Harness) -> None:
    lane = text_event(InboundSms(ANN, system.our_number, "x", "SM0")).lane
    unreadable = NewEvent(EventKind.TEXT, "message:SM-broken", lane, {"sender": ANN})
    org = system.organization.id
    await ingest(system.runtime.engine, org, "simulator", [unreadable], system.clock.now())
    await texted(system, ANN, "hello")
    await texted(system, BOB, "hi")
    await system.drain()

    broken, *handled = sorted(await system.rows(WebhookEvent), key=lambda event: event.id)
    assert broken.state == EventState.FAILED
    assert (broken.error or "").startswith("TypeError")
    assert [event.state for event in handled] == ["done", "done"]
    assert await system.inbox(ANN) == [NOT_IN_SESSION]
    assert await system.inbox(BOB) == [NOT_IN_SESSION]


async def test_an_event_a_stopped_worker_held_is_taken_over_after_the_lease(
    system: Harness,
) -> None:
    await texted(system, ANN, "hello")
    async with unit_of_work(system.runtime.engine) as session:
        await session.execute(
            update(WebhookEvent).values(
                state=EventState.PROCESSING, claim="a-stopped-worker", claimed_at=system.clock.now()
            )
        )
    await texted(system, ANN, "again")
    await system.drain()
    assert await received(system, ANN) == [], "the held text goes first: the phone waits"

    await system.advance(LEASE)
    assert await received(system, ANN) == ["hello", "again"]
    assert await system.inbox(ANN) == [NOT_IN_SESSION] * 2


KEPT = timedelta(hours=72)
"""SMSURVEY_WEBHOOK_RETENTION_HOURS's default."""


async def test_a_retry_within_the_retention_changes_nothing_then_the_event_is_pruned(
    system: Harness,
) -> None:
    callbacks = SimulatorCallbacks(signing_key(system.runtime.secret))
    url = system.receive_url("message", "simulator")
    callback = callbacks.inbound_callback(url, ANN, system.our_number, "hello")
    assert await system.post(callback) == 200
    await system.drain()

    await system.advance(KEPT - timedelta(minutes=1))
    assert await system.post(callback) == 200, "the provider retries a day or two later"
    await system.drain()
    [kept] = await system.rows(WebhookEvent, WebhookEvent.kind == EventKind.TEXT)
    assert kept.state == EventState.DONE
    assert await received(system, ANN) == ["hello"]
    assert await system.inbox(ANN) == [NOT_IN_SESSION]

    await system.advance(timedelta(minutes=2))
    assert await system.rows(WebhookEvent, WebhookEvent.kind == EventKind.TEXT) == []
    assert await received(system, ANN) == ["hello"], "what the event did stays"


async def _stored(system: Harness, state: EventState, count: int, age: timedelta) -> None:
    org = system.organization.id
    events = [
        text_event(InboundSms(ANN, system.our_number, "x", f"SM-{state}-{age}-{n}"))
        for n in range(count)
    ]
    await ingest(system.runtime.engine, org, "simulator", events, system.clock.now() - age)
    async with unit_of_work(system.runtime.engine) as session:
        await session.execute(
            update(WebhookEvent).where(WebhookEvent.state == EventState.PENDING).values(state=state)
        )


async def test_pruning_goes_in_bounded_batches_and_leaves_what_is_not_processed(
    system: Harness,
) -> None:
    await _stored(system, EventState.DONE, 5, KEPT + timedelta(hours=1))
    await _stored(system, EventState.FAILED, 3, KEPT + timedelta(hours=1))
    await _stored(system, EventState.PROCESSING, 2, KEPT + timedelta(hours=1))
    await _stored(system, EventState.DONE, 2, KEPT - timedelta(hours=1))
    now = system.clock.now()

    async def prune() -> int:
        async with unit_of_work(system.runtime.engine) as session:
            return await prune_inbox(session, now, KEPT, limit=2)

    assert [await prune() for _ in range(4)] == [4, 3, 1, 0]
    left = await system.rows(WebhookEvent)
    assert sorted(e.state for e in left) == ["done", "done", "processing", "processing"]
    assert all(e.received_at > now - KEPT for e in left if e.state == EventState.DONE)


async def test_callbacks_are_stored_at_most_500_events_a_transaction(system: Harness) -> None:
    engine = system.runtime.engine
    written: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO webhook_events"):
            written.append(len(parameters) // 8)  # eight columns a row

    def texts(first: int, count: int) -> list[NewEvent]:
        return [
            text_event(InboundSms(f"+1415555{n:04d}", system.our_number, "hi", f"SM{n}"))
            for n in range(first, first + count)
        ]

    org = system.organization.id
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await ingest(engine, org, "simulator", texts(0, 1200), system.clock.now()) == 1200
        stored = await asyncio.gather(
            *(ingest(engine, org, "simulator", texts(2000 + 60 * n, 60), system.clock.now())
              for n in range(20))
        )  # fmt: skip
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert stored == [60] * 20
    assert written[:3] == [500, 500, 200]
    assert sum(written) == 2400
    assert max(written) <= WRITE_BATCH


async def test_a_group_of_events_writes_only_once_all_are_read(system: Harness) -> None:
    """Events processed together write at the end, so a group holds SQLite's write lock
    (which the receive endpoints wait for) only for its writes, not while it thinks."""
    phones = [f"+1415555{n:04d}" for n in range(4)]
    await system.distribute_list(await system.people("Respondents", *phones))
    await system.drain()
    for phone in phones:
        await texted(system, phone, "9")
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    engine = system.runtime.engine
    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert await process_inbox(system.runtime, limit=10) == 4
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    claim = statements.index("WITH")  # the claim: UPDATE … WHERE id IN (WITH due …)
    processing = statements[claim + 1 :]
    first_write = next(i for i, kind in enumerate(processing) if kind in ("INSERT", "UPDATE"))
    assert processing.count("SELECT") >= 4  # each event read what it needs …
    assert "SELECT" not in processing[first_write:]  # … before any of them wrote
    for phone in phones:
        assert await received(system, phone) == ["9"]
