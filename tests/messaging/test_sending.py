"""The send path's failure handling: refusals, retries with backoff, lost claims."""

from __future__ import annotations

import random
from datetime import timedelta

from smsurvey.contacts.service import ContactFields
from smsurvey.messaging.sender import MAX_ATTEMPTS, backoff
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.base import OutboundSms, ProviderError, SendResult
from smsurvey.providers.simulator import Simulator
from tests.messaging.harness import Harness, harness

ANN, BOB, CID = "+14155552671", "+14155552672", "+14155552673"


async def events(system: Harness, message_id: int) -> list[str]:
    return [
        e.status for e in await system.rows(MessageEvent, MessageEvent.message_id == message_id)
    ]


async def test_failures_bounces_and_refusals(database_url: str) -> None:
    async with harness(database_url, f"{BOB}=failed,{CID}=rejected") as system:
        list_id = await system.contacts(
            "L", ContactFields(phone=ANN), ContactFields(phone=BOB), ContactFields(phone=CID)
        )
        await system.distribute_list(list_id)
        await system.drain()
        await system.advance(timedelta(seconds=1))

        by_phone = {m.recipient: m for m in await system.rows(Message)}
        assert await events(system, by_phone[ANN].id) == ["Queued", "Sent", "Delivered"]
        assert await events(system, by_phone[BOB].id) == ["Queued", "Sent", "Failed"]
        assert await events(system, by_phone[CID].id) == ["Queued", "Failed"]
        assert (by_phone[CID].send_state, by_phone[CID].attempts) == ("failed", 1)
        [refusal] = await system.rows(
            RecipientEvent,
            RecipientEvent.status == "Failed",
            RecipientEvent.detail.like("%rejected%"),
        )
        assert "refuses texts" in (refusal.detail or "")


class Flaky:
    """The simulator behind a network that refuses the first ``refusals`` sends (HTTP 429)."""

    def __init__(self, simulator: Simulator, refusals: int) -> None:
        self.simulator = simulator
        self.refusals = refusals
        self.name = simulator.name

    async def send(self, message: OutboundSms) -> SendResult:
        if self.refusals > 0:
            self.refusals -= 1
            raise ProviderError("too many requests", retryable=True, code="429")
        return await self.simulator.send(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self.simulator, name)


async def test_retryable_refusals_back_off_then_send(database_url: str) -> None:
    async with harness(database_url) as system:
        system.runtime.providers.builtin["simulator"] = Flaky(system.runtime.simulator, refusals=2)
        list_id = await system.contacts("L", ContactFields(phone=ANN))
        await system.distribute_list(list_id)
        await system.drain()
        [message] = await system.rows(Message)
        assert message.send_state == "queued"
        assert message.next_attempt_at is not None
        assert message.next_attempt_at > system.clock.now()  # not before its backoff
        for _ in range(2):
            await system.advance(timedelta(seconds=10))
        [message] = await system.rows(Message)
        assert message.send_state == "sent"
        assert message.attempts == 3
        assert await events(system, message.id) == ["Queued", "Retrying", "Retrying", "Sent"]
        assert [e.status for e in await system.rows(RecipientEvent)] == ["Sent"]
        assert len(await system.inbox(ANN)) == 1


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    rng = random.Random(1)
    waits = [backoff(attempt, None, rng).total_seconds() for attempt in range(1, MAX_ATTEMPTS)]
    assert all(1 <= wait <= 3 * 2 ** (n - 1) * 1.0 for n, wait in enumerate(waits, 1))
    assert waits[-1] > waits[0] * 8
    assert backoff(1, 30.0, rng) == timedelta(seconds=30)
