"""After a crash or a dropped connection: nothing lost, nothing sent twice.

A dead worker's claimed texts go back to the queue and are sent once; the texts whose
request had started become unknown and are reconciled by asking the provider; a worker
wrongly taken for dead cannot record over the one that took its texts.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

from sqlalchemy import update

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.reports import report
from smsurvey.distributions.service import Method, Recipients
from smsurvey.kit.db import unit_of_work
from smsurvey.messaging.outbox import BULK, Route, queue_text
from smsurvey.messaging.sender import SenderLoop
from smsurvey.models.messaging import Message, MessageEvent, SendState
from smsurvey.models.workers import WorkerProcess
from smsurvey.providers.base import OutboundSms, SendResult, SendUncertain, text_reference
from smsurvey.providers.simulator import Simulator
from tests.messaging.harness import Harness, harness

SETTLE = timedelta(seconds=61)
"""Past the default SMSURVEY_RECONCILE_AFTER: unknown texts are asked about."""


def phone(n: int) -> str:
    return f"+1415555{n:04d}"


async def queue(system: Harness, count: int) -> list[int]:
    """Queue ``count`` invitations through the simulator; returns their ids."""
    async with unit_of_work(system.runtime.engine) as session:
        texts = [
            queue_text(
                Route(system.organization.id, "simulator", system.our_number, phone(n), "US"),
                f"Invitation {n}",
                kind="invite",
                rates=system.runtime.rates,
                now=system.clock.now(),
                priority=BULK,
            )
            for n in range(count)
        ]
        session.add_all(texts)
        await session.flush()
        return [text.id for text in texts]


async def held_by(system: Harness, worker: str, state: SendState, ids: list[int]) -> None:
    """Put texts in the state a worker left them in."""
    async with unit_of_work(system.runtime.engine) as session:
        await session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(send_state=state, claimed_by=worker, requested_at=system.clock.now())
        )


async def dead_worker(system: Harness, worker: str, *, host: str, pid: int, silent: int) -> None:
    now = system.clock.now()
    async with unit_of_work(system.runtime.engine) as session:
        session.add(
            WorkerProcess(
                id=worker,
                host=host,
                pid=pid,
                started_at=now - timedelta(hours=1),
                seen_at=now - timedelta(seconds=silent),
            )
        )


async def outbound(system: Harness, message_id: int) -> OutboundSms:
    [message] = await system.rows(Message, Message.id == message_id)
    return OutboundSms(
        organization_id=message.organization_id,
        to=message.recipient,
        sender=message.sender,
        body=message.body,
        reference=text_reference(message.organization_id, message.id),
    )


async def received(system: Harness, count: int) -> list[int]:
    return [len(await system.inbox(phone(n))) for n in range(count)]


async def history(system: Harness, message_id: int) -> list[tuple[str, str | None]]:
    events = await system.rows(MessageEvent, MessageEvent.message_id == message_id)
    return [(e.status, e.detail) for e in sorted(events, key=lambda e: e.id)]


async def test_a_dead_workers_texts_are_sent_once(database_url: str) -> None:
    async with harness(database_url) as system:
        ids = await queue(system, 6)
        await dead_worker(system, "WK_dead", host="elsewhere", pid=1, silent=120)
        await held_by(system, "WK_dead", SendState.CLAIMED, ids[0:2])
        await held_by(system, "WK_dead", SendState.SENDING, ids[2:4])
        # The request of text 2 reached the network before the worker died; text 3's not.
        await system.runtime.simulator.send(await outbound(system, ids[2]))

        await system.drain()
        states = {m.id: m.send_state for m in await system.rows(Message)}
        assert [states[i] for i in ids] == ["sent", "sent", "unknown", "unknown", "sent", "sent"]
        assert await received(system, 6) == [1, 1, 1, 0, 1, 1]
        assert ("Requeued", "its worker stopped before sending it") in await history(system, ids[0])

        await system.advance(SETTLE)
        messages = {m.id: m for m in await system.rows(Message)}
        assert all(messages[i].send_state == "sent" for i in ids)
        assert await received(system, 6) == [1] * 6
        [handset_copy] = await system.transcript(phone(2))
        assert messages[ids[2]].provider_message_id == handset_copy.provider_message_id
        statuses = [status for status, _ in await history(system, ids[2])]
        assert statuses == ["Queued", "Unknown", "Sent", "Delivered"]
        assert "Requeued" in [status for status, _ in await history(system, ids[3])]
        assert not await system.rows(WorkerProcess, WorkerProcess.id == "WK_dead")


async def test_a_worker_whose_process_is_gone_is_dead_at_once(database_url: str) -> None:
    finished = await asyncio.create_subprocess_exec("true")
    await finished.wait()
    async with harness(database_url) as system:
        ids = await queue(system, 2)
        here = socket.gethostname()
        await dead_worker(system, "WK_gone", host=here, pid=finished.pid, silent=0)
        await dead_worker(system, "WK_alive", host="elsewhere", pid=1, silent=0)
        await held_by(system, "WK_gone", SendState.CLAIMED, ids[:1])
        await held_by(system, "WK_alive", SendState.CLAIMED, ids[1:])

        await system.drain()
        states = {m.id: m.send_state for m in await system.rows(Message)}
        # A worker that spoke recently on another machine still holds its text.
        assert [states[i] for i in ids] == ["sent", "claimed"]


class Parked:
    """The simulator behind a network that holds each request until it is let go."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.name = simulator.name
        self.arrived = asyncio.Event()
        self.go = asyncio.Event()

    async def send(self, message: OutboundSms) -> SendResult:
        self.arrived.set()
        await self.go.wait()
        return await self.simulator.send(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self.simulator, name)


async def test_a_worker_taken_for_dead_cannot_record_over_its_successor(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        [text_id] = await queue(system, 1)
        runtime = system.runtime
        parked = Parked(runtime.simulator)
        runtime.providers.builtin["simulator"] = parked
        slow = SenderLoop(runtime.sessions, runtime.providers, system.clock, me="WK_slow")
        sending = asyncio.create_task(slow.drain())
        await asyncio.wait_for(parked.arrived.wait(), 30)

        # WK_slow never registered: the worker in the sandbox takes it for dead.
        runtime.providers.builtin["simulator"] = runtime.simulator
        await system.drain()
        [message] = await system.rows(Message)
        assert message.send_state == "unknown"

        parked.go.set()
        await sending  # its request succeeds, but the text is no longer its to record
        [message] = await system.rows(Message)
        assert (message.send_state, message.provider_message_id) == ("unknown", None)

        await system.advance(SETTLE)
        [message] = await system.rows(Message)
        assert message.send_state == "sent"
        assert await received(system, 1) == [1]
        [handset_copy] = await system.transcript(phone(0))
        assert message.provider_message_id == handset_copy.provider_message_id
        assert [s for s, _ in await history(system, text_id)].count("Sent") == 1


class Disconnecting:
    """The simulator behind a network that drops the connection after some requests were
    read: to ``delivered`` numbers the text went; to the others it did not."""

    def __init__(self, simulator: Simulator, delivered: set[str], lost: set[str]) -> None:
        self.simulator = simulator
        self.name = simulator.name
        self.delivered = delivered
        self.lost = lost

    async def send(self, message: OutboundSms) -> SendResult:
        if message.to in self.delivered:
            await self.simulator.send(message)
        if message.to in self.delivered | self.lost:
            raise SendUncertain("Server disconnected after the request was written")
        return await self.simulator.send(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self.simulator, name)


async def invite(system: Harness, count: int, network: type[Disconnecting]) -> str:
    """An invitation to ``count`` people through ``network``, on which the first one's text
    arrives and the second one's is lost, both with the connection dropped; its id."""
    people = [phone(n) for n in range(count)]
    list_id = await system.contacts("L", *(ContactFields(phone=p) for p in people))
    system.runtime.providers.builtin["simulator"] = network(
        system.runtime.simulator, delivered={people[0]}, lost={people[1]}
    )
    return await system.distribute(
        system.survey_id,
        recipients=Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text="Tell us: ${l://SurveyURL}",
    )


async def test_a_dropped_connection_is_reconciled_never_retried_blindly(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        runtime = system.runtime
        distribution_id = await invite(system, 4, Disconnecting)
        await system.drain()
        assert await received(system, 4) == [1, 0, 1, 1]
        async with unit_of_work(runtime.engine) as session:
            seen = await report(session, system.organization, distribution_id)
        assert (seen.metrics.sent, seen.metrics.failed, seen.metrics.unknown) == (2, 0, 2)
        assert seen.metrics.uncertain == "2 unknown: Simulator is being asked"
        assert seen.status == "In progress"

        runtime.providers.builtin["simulator"] = runtime.simulator
        await system.advance(SETTLE)
        assert await received(system, 4) == [1, 1, 1, 1]
        async with unit_of_work(runtime.engine) as session:
            seen = await report(session, system.organization, distribution_id)
        assert (seen.metrics.sent, seen.metrics.unknown, seen.status) == (4, 0, "Sent")
