"""Urgent work first: while a worker processes its webhook inbox, its sender starts no new
bulk request, but replies in a conversation still go; bulk work is slowed, never stopped."""

from __future__ import annotations

import asyncio

import pytest

from smsurvey.kit.db import unit_of_work
from smsurvey.messaging import precedence
from smsurvey.messaging.outbox import Route, queue_text
from smsurvey.messaging.precedence import Precedence
from smsurvey.messaging.sender import SenderLoop
from smsurvey.providers.base import OutboundSms, SendResult
from smsurvey.providers.simulator import Simulator
from tests.messaging.harness import harness, queue_invitations

REPLY_TO = "+14155550999"


class Recording:
    """The simulator, noting whom each request was for, in order."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.name = simulator.name
        self.sent_to: list[str] = []
        self.arrived = asyncio.Event()

    async def send(self, message: OutboundSms) -> SendResult:
        self.sent_to.append(message.to)
        self.arrived.set()
        return await self.simulator.send(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self.simulator, name)


async def test_bulk_waits_for_urgent_work_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precedence, "BULK_WAIT", 3600.0)  # no way out but the end
    order = Precedence()
    await asyncio.wait_for(order.bulk_turn(), 5)  # nothing urgent: at once
    with order.urgent():
        waiting = asyncio.create_task(order.bulk_turn())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        with order.urgent():  # nested urgent work: still waiting after the inner one ends
            pass
        await asyncio.sleep(0.05)
        assert not waiting.done()
    await asyncio.wait_for(waiting, 5)


async def test_a_flood_of_urgent_work_slows_bulk_but_never_stops_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(precedence, "BULK_WAIT", 0.01)
    order = Precedence()
    with order.urgent():
        for _ in range(3):
            await asyncio.wait_for(order.bulk_turn(), 5)


async def test_replies_go_while_bulk_waits_for_the_inbox(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(precedence, "BULK_WAIT", 3600.0)  # bulk waits as long as needed
    async with harness(database_url) as system:
        runtime = system.runtime
        invitees = [f"+1415555{n:04d}" for n in range(20)]
        async with unit_of_work(runtime.engine) as session:
            queue_invitations(system, session, "simulator", system.our_number, invitees)
            route = Route(system.organization.id, "simulator", system.our_number, REPLY_TO, "US")
            session.add(
                queue_text(
                    route,
                    "How likely are you to recommend us?",
                    kind="question",
                    rates=runtime.rates,
                    now=system.clock.now(),
                )
            )
        recording = Recording(runtime.simulator)
        runtime.providers.builtin["simulator"] = recording
        order = Precedence()
        sender = SenderLoop(
            runtime.sessions, runtime.providers, system.clock, me="WK_test", precedence=order
        )
        with order.urgent():
            sending = asyncio.create_task(sender.drain())
            await asyncio.wait_for(recording.arrived.wait(), 30)
            for _ in range(20):  # time for bulk requests to start, were they let
                await asyncio.sleep(0.01)
            assert recording.sent_to == [REPLY_TO]
        assert await asyncio.wait_for(sending, 60) == 21
        assert sorted(recording.sent_to[1:]) == sorted(invitees)
