"""Each sender's pace: no one-second window over its limit, counted in SMS parts."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from smsurvey.kit.db import unit_of_work
from smsurvey.messaging.outbox import BULK, Route, queue_text
from smsurvey.messaging.pacing import Pacer, default_pace
from smsurvey.models.accounts import Sender
from smsurvey.providers.base import OutboundSms, SendResult
from smsurvey.providers.simulator import Simulator
from tests.messaging.harness import harness


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


def busiest_second(arrivals: list[tuple[float, int]]) -> int:
    """The most parts that arrived within any one-second window."""
    return max(
        sum(parts for at, parts in arrivals if start <= at < start + 1.0) for start, _ in arrivals
    )


@pytest.mark.parametrize("body", ["Short invitation", "Long invitation " + "x" * 200])
async def test_no_second_over_the_pace(database_url: str, body: str) -> None:
    async with harness(database_url, pacing=True) as system:
        stopwatch = Stopwatch(system.runtime.simulator)
        system.runtime.providers.builtin["simulator"] = stopwatch
        async with unit_of_work(system.runtime.engine) as session:
            session.add(
                Sender(
                    organization_id=system.organization.id,
                    address="+15005550006",
                    parts_per_second=Decimal(10),
                    created_at=system.clock.now(),
                )
            )
            for n in range(30):
                route = Route(
                    system.organization.id, "simulator", "+15005550006", f"+1415555{n:04d}", "US"
                )
                session.add(
                    queue_text(
                        route,
                        body,
                        kind="invite",
                        rates=system.runtime.rates,
                        now=system.clock.now(),
                        priority=BULK,
                    )
                )
        await system.drain()

    parts = [p for _, p in stopwatch.arrivals]
    assert len(parts) == 30
    assert busiest_second(stopwatch.arrivals) <= 10


def test_default_paces() -> None:
    assert default_pace("+15005550006") == 3
    assert default_pace("12345") == 3
    assert default_pace("ACME") == 10


async def test_fractional_paces_are_kept() -> None:
    pacer = Pacer()
    granted = []
    for _ in range(6):
        await pacer.take("slow", Decimal("2.5"), 1)
        granted.append(time.monotonic())
    # 5 parts per 2 seconds: the sixth waits for the window to move.
    assert granted[5] - granted[0] >= 2.0
