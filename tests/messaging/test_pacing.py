"""Each sender's pace as the provider counts it, by arrival: no window over its limit, in
SMS parts, however slowly and unevenly requests travel; turns in memory and in Redis."""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal

import pytest
from aiohttp import web
from redis.asyncio import Redis

from smsurvey.kit.db import unit_of_work
from smsurvey.messaging.outbox import BULK, Route, queue_text
from smsurvey.messaging.pacing import (
    POLL,
    MemoryTurns,
    Pacer,
    RedisTurns,
    Turn,
    Turns,
    Window,
    default_pace,
)
from smsurvey.models.accounts import Sender
from smsurvey.providers.base import OutboundSms, SendResult
from smsurvey.providers.connections import NewConnection, add_connection
from smsurvey.providers.simulator import Simulator
from tests.fakes.twilio import FIELDS, FakeTwilio
from tests.messaging.harness import Harness, harness

REDIS_URL = os.environ.get("SMSURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NUMBER = "+15005550006"


class Stopwatch:
    """The simulator, noting the real time at which each text reached it."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.name = simulator.name
        self.arrivals: list[tuple[float, int]] = []

    async def send(self, message: OutboundSms) -> SendResult:
        self.arrivals.append((time.monotonic(), len(message.body) // 150 + 1))
        return await self.simulator.send(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self.simulator, name)


class JitteryTwilio(FakeTwilio):
    """Twilio behind a slow, uneven network: each request arrives up to ``travel`` seconds
    after it was sent, and its answer takes up to ``travel`` seconds more."""

    def __init__(self, travel: float, seed: int) -> None:
        super().__init__()
        self.travel = travel
        self.rng = random.Random(seed)

    async def take(
        self,
        request: web.Request,
        fields: Mapping[str, str],
        message_id: str,
        answer: Callable[[], web.Response],
    ) -> web.Response:
        await asyncio.sleep(self.rng.uniform(0, self.travel))
        response = await super().take(request, fields, message_id, answer)
        await asyncio.sleep(self.rng.uniform(0, self.travel))
        return response


def busiest_window(arrivals: list[tuple[float, int]], length: float = 1.0) -> int:
    """The most parts that arrived within any window of ``length`` seconds."""
    return max(
        sum(parts for at, parts in arrivals if start <= at < start + length)
        for start, _ in arrivals
    )


async def _queue(system: Harness, provider: str, pace: Decimal, bodies: list[str]) -> None:
    async with unit_of_work(system.runtime.engine) as session:
        organization = system.organization.id
        now = system.clock.now()
        session.add(
            Sender(organization_id=organization, address=NUMBER, parts_per_second=pace,
                   created_at=now)
        )  # fmt: skip
        for n, body in enumerate(bodies):
            route = Route(organization, provider, NUMBER, f"+1415555{n:04d}", "US")
            rates = system.runtime.rates
            session.add(queue_text(route, body, kind="invite", rates=rates, now=now, priority=BULK))


@pytest.mark.parametrize("body", ["Short invitation", "Long invitation " + "x" * 200])
async def test_no_second_over_the_pace(database_url: str, body: str) -> None:
    async with harness(database_url, pacing=True) as system:
        stopwatch = Stopwatch(system.runtime.simulator)
        system.runtime.providers.builtin["simulator"] = stopwatch
        await _queue(system, "simulator", Decimal(10), [body] * 30)
        await system.drain()

    assert len(stopwatch.arrivals) == 30
    assert busiest_window(stopwatch.arrivals) <= 10


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_slow_uneven_requests_never_arrive_over_the_pace(database_url: str) -> None:
    pace, texts = 5, 30
    async with (
        harness(database_url, pacing=True) as system,
        JitteryTwilio(travel=0.3, seed=7) as fake,
    ):
        async with unit_of_work(system.runtime.engine) as session:
            new = NewConnection("Slow", "twilio", NUMBER, {**FIELDS, "api_url": fake.url})
            connection = await add_connection(
                session, system.runtime.secret, system.organization.id, new, system.clock.now()
            )
        await _queue(
            system, connection.id, Decimal(pace), [f"Invitation {n}" for n in range(texts)]
        )
        await system.drain()

    arrivals = [(item.at, 1) for item in fake.accepted()]
    assert len(arrivals) == texts
    assert busiest_window(arrivals) <= pace


def test_default_paces() -> None:
    assert default_pace("+15005550006") == 3
    assert default_pace("12345") == 3
    assert default_pace("ACME") == 10


def test_fractional_paces_are_whole_parts_per_whole_seconds() -> None:
    assert Window.of(Decimal("2.5")) == Window(5, 2)
    assert Window.of(Decimal(3)) == Window(3, 1)


# -- the turns' stores, in memory and in the real Redis ------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Turns]]:
    """Makes stores of one kind that share their turns (for Redis: as separate processes
    would, each with its own connection, under a key prefix of this test's own)."""
    if request.param == "memory":
        shared = MemoryTurns()
        yield lambda: shared
        return
    prefix = f"test-pace-{uuid.uuid4().hex}"
    clients: list[Redis] = []

    def store() -> Turns:
        clients.append(Redis.from_url(REDIS_URL))
        return RedisTurns(clients[-1], prefix)

    yield store
    if clients:
        keys = [key async for key in clients[0].scan_iter(f"{prefix}:*")]
        if keys:
            await clients[0].delete(*keys)
    for client in clients:
        await client.aclose()


# Each end is read inside the request's block, before the store notes it (later), and
# each grant after the store admitted it: the gaps below are lower bounds that hold
# however busy the machine is.


async def test_a_turn_holds_the_window_until_a_second_after_its_request_ends(
    stores: Callable[[], Turns],
) -> None:
    pacer = Pacer(stores())
    requesting = asyncio.Event()

    async def slow_request() -> float:
        async with pacer.turn("one-a-second", Decimal(1), 1):
            requesting.set()
            await asyncio.sleep(0.5)
            return time.monotonic()

    async def next_turn() -> float:
        await requesting.wait()
        async with pacer.turn("one-a-second", Decimal(1), 1):
            return time.monotonic()

    ended, granted = await asyncio.gather(slow_request(), next_turn())
    assert granted - ended >= 1.0


async def test_fractional_paces_hold_their_longer_window(stores: Callable[[], Turns]) -> None:
    pacer = Pacer(stores())
    ends = []
    for _ in range(5):
        async with pacer.turn("slow", Decimal("2.5"), 1):
            ends.append(time.monotonic())
    async with pacer.turn("slow", Decimal("2.5"), 1):
        granted = time.monotonic()
    # 5 parts per 2 seconds: the sixth waits until 2 s after the first ended.
    assert granted - ends[0] >= 2.0


async def test_a_longer_text_goes_alone_in_an_empty_window(stores: Callable[[], Turns]) -> None:
    pacer = Pacer(stores())
    async with pacer.turn("three", Decimal(3), 1):
        short_ended = time.monotonic()
    async with pacer.turn("three", Decimal(3), 5):
        long_granted = long_ended = time.monotonic()
    async with pacer.turn("three", Decimal(3), 1):
        after_granted = time.monotonic()
    assert long_granted - short_ended >= 1.0
    assert after_granted - long_ended >= 1.0


async def test_a_turn_whose_holder_vanished_is_freed_after_its_lease(
    stores: Callable[[], Turns],
) -> None:
    """A worker took a turn and died before its request ended: the turn never ends, and
    the sender's window frees once its lease (request timeout + window) is over."""
    lease = 1.5
    vanished = Turn("lost", uuid.uuid4().hex, 1, Window(1, 1), lease)
    taken = time.monotonic()
    assert await stores().admit(vanished) == 0
    pacer = Pacer(stores(), request_timeout=lease - 1)
    async with asyncio.timeout(60), pacer.turn("lost", Decimal(1), 1):
        granted = time.monotonic()
    assert granted - taken >= lease


async def test_a_request_that_outlived_its_lease_holds_a_window_once_it_ends(
    stores: Callable[[], Turns],
) -> None:
    turns = stores()
    minute = Window(1, 60)
    late = Turn("late", uuid.uuid4().hex, 1, minute, 0.1)
    assert await turns.admit(late) == 0
    await asyncio.sleep(0.2)
    await turns.end(late)
    assert await turns.admit(Turn("late", uuid.uuid4().hex, 1, minute, 60)) > 0


async def test_redis_says_how_long_to_wait() -> None:
    """The script's answer when the window is full: until an ended turn expires, or a
    short look again while a turn still in flight holds it."""
    client = Redis.from_url(REDIS_URL)
    prefix = f"test-pace-{uuid.uuid4().hex}"
    turns = RedisTurns(client, prefix)
    minute = Window(1, 60)
    try:
        ended = Turn("ended", "a", 1, minute, 120)
        assert await turns.admit(ended) == 0
        await turns.end(ended)
        assert 0 < await turns.admit(Turn("ended", "b", 1, minute, 120)) <= 60
        assert await turns.admit(Turn("in-flight", "c", 1, minute, 120)) == 0
        assert 0 < await turns.admit(Turn("in-flight", "d", 1, minute, 120)) <= POLL
        assert 0 < await client.pttl(f"{prefix}:in-flight") <= 120_000
    finally:
        await client.delete(*[key async for key in client.scan_iter(f"{prefix}:*")])
        await client.aclose()
