"""A callback sent twice counts once, for every provider and the simulator: a provider's
retry (or a replay) of a signed inbound text adds no inbound row and no second reply, and a
delivery report sent twice adds one status (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import pytest

from smsurvey.kit.db import unit_of_work
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.base import DeliveryStatus
from smsurvey.providers.connections import NewConnection, add_connection
from smsurvey.providers.simulator import signing_key
from tests.fakes.base import Callback, FakeProvider
from tests.messaging.harness import Harness, SimulatorCallbacks, harness
from tests.providers.contract import CASES
from tests.providers.test_end_to_end import OUR_NUMBER

ANN, BOB = "+14155552671", "+14155552672"


class Callbacks(Protocol):
    """What makes a provider's signed callbacks (its fake, or the simulator's stand-in)."""

    def status_callback(self, url: str, message_id: str, status: str) -> Callback: ...

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback: ...


@dataclass(frozen=True)
class Replay:
    """A provider to replay callbacks of: its receive URL segment, its fake (none for the
    simulator) and connection fields, and a delivered status in its own words."""

    provider: str
    delivered: str
    fake: Callable[[], FakeProvider] | None = None
    fields: dict[str, str] | None = None


REPLAYS = [Replay("simulator", "delivered")] + [
    Replay(case.name, case.raw(DeliveryStatus.DELIVERED), case.fake, dict(case.fields))
    for case in CASES
]


@dataclass
class Connected:
    """A running system whose texts go through the provider, and that provider's side."""

    system: Harness
    callbacks: Callbacks
    our_number: str
    texts_to: Callable[[str], Awaitable[int]]
    """How many texts the provider took for a phone number."""


@asynccontextmanager
async def connected(database_url: str, replay: Replay) -> AsyncIterator[Connected]:
    async with AsyncExitStack() as stack:
        system = await stack.enter_async_context(harness(database_url))
        if replay.fake is None:
            simulator = SimulatorCallbacks(signing_key(system.runtime.secret))

            async def handset(phone: str) -> int:
                return len(await system.inbox(phone))

            yield Connected(system, simulator, system.our_number, handset)
            return
        fake = await stack.enter_async_context(replay.fake())
        async with unit_of_work(system.runtime.engine) as session:
            fields = {**(replay.fields or {}), "api_url": fake.url}
            new = NewConnection("Ours", replay.provider, OUR_NUMBER, fields)
            await add_connection(
                session, system.runtime.secret, system.organization.id, new, system.clock.now()
            )

        async def taken(phone: str) -> int:
            return sum(sent.fields["to"].lstrip("+") == phone[1:] for sent in fake.accepted())

        yield Connected(system, fake, OUR_NUMBER, taken)


@pytest.mark.parametrize("replay", REPLAYS, ids=[replay.provider for replay in REPLAYS])
async def test_a_callback_sent_twice_counts_once(database_url: str, replay: Replay) -> None:
    async with connected(database_url, replay) as provider:
        system = provider.system
        await system.distribute_list(await system.people("Replays", ANN))
        await system.drain()
        [invitation] = await system.rows(Message, Message.direction == "out")
        assert invitation.provider_message_id

        # A delivery report twice: one status change.
        report = provider.callbacks.status_callback(
            system.receive_url("status", replay.provider),
            invitation.provider_message_id,
            replay.delivered,
        )
        assert await system.post(report) == 200
        assert await system.post(report) == 200
        await system.drain()
        assert await system.post(report) == 200  # after it was handled, too
        await system.drain()
        history = await system.rows(MessageEvent, MessageEvent.message_id == invitation.id)
        assert [event.status for event in history].count("Delivered") == 1

        # An inbound text twice: one inbound row, one reply.
        text = provider.callbacks.inbound_callback(
            system.receive_url("message", replay.provider), BOB, provider.our_number, "hello"
        )
        assert await system.post(text) == 200
        assert await system.post(text) == 200
        await system.drain()
        assert await system.post(text) == 200
        await system.drain()
        inbound = await system.rows(Message, Message.direction == "in", Message.sender == BOB)
        assert [row.body for row in inbound] == ["hello"]
        replies = await system.rows(Message, Message.direction == "out", Message.recipient == BOB)
        assert [row.kind for row in replies] == ["not_in_session"]
        assert await provider.texts_to(BOB) == 1
