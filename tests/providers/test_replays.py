"""A callback sent twice counts once, for every provider and the simulator: a provider's
retry (or a replay) of a signed inbound text adds no inbound row and no second reply, and a
delivery report sent twice adds one status (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.base import DeliveryStatus
from tests.providers.connected import connected
from tests.providers.contract import CASES, ProviderCase

ANN, BOB = "+14155552671", "+14155552672"


@pytest.mark.parametrize("case", [None, *CASES], ids=lambda case: str(case or "simulator"))
async def test_a_callback_sent_twice_counts_once(
    database_url: str, case: ProviderCase | None
) -> None:
    async with connected(database_url, case) as provider:
        system = provider.system
        await system.distribute_list(await system.people("Replays", ANN))
        await system.drain()
        [invitation] = await system.rows(Message, Message.direction == "out")
        assert invitation.provider_message_id

        # A delivery report twice: one status change.
        delivered = case.raw(DeliveryStatus.DELIVERED) if case else "delivered"
        report = provider.report(invitation.provider_message_id, delivered)
        assert await system.post(report) == 200
        assert await system.post(report) == 200
        await system.drain()
        assert await system.post(report) == 200  # after it was handled, too
        await system.drain()
        history = await system.rows(MessageEvent, MessageEvent.message_id == invitation.id)
        assert [event.status for event in history].count("Delivered") == 1

        # An inbound text twice: one inbound row, one reply.
        text = provider.inbound(BOB, "hello")
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
