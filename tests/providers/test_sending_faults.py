"""Sending through real provider connections when providers misbehave: 30 % of sends
throttled or failing, permanent refusals, and fail-over to the next connection."""

from __future__ import annotations

import itertools
import json
import random
import re
from datetime import timedelta

from smsurvey.distributions.service import Method, Recipients
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.secrets import seal
from smsurvey.messaging.sender import MAX_ATTEMPTS
from smsurvey.models.connections import ProviderConnection
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.providers.connections import NewConnection, add_connection
from tests.fakes.base import Fault
from tests.fakes.twilio import FIELDS, FakeTwilio
from tests.messaging.harness import Harness, harness

OUR_NUMBER = "+15005550006"
PHONES = [f"+1415555{n:04d}" for n in range(40)]
INVITE = "How did we do? ${l://SurveyURL}"
WAIT = re.compile(r"next try in ([\d.]+) s")


async def _connect(system: Harness, name: str, fake: FakeTwilio) -> ProviderConnection:
    async with unit_of_work(system.runtime.engine) as session:
        fields = {**FIELDS, "api_url": fake.url}
        new = NewConnection(name, "twilio", OUR_NUMBER, fields)
        return await add_connection(
            session, system.runtime.secret, system.organization.id, new, system.clock.now()
        )


async def _send_until_settled(system: Harness, step: timedelta, limit: int) -> None:
    """Let time pass in ``step``s until no text is left to send."""
    for _ in range(limit):
        await system.drain()
        if not await system.rows(Message, Message.send_state.in_(("queued", "claimed"))):
            return
        system.clock.advance(step)
    raise AssertionError(f"texts were still queued after {limit} steps")


async def test_every_text_goes_once_despite_thirty_percent_refusals(database_url: str) -> None:
    rng = random.Random(5)

    def flaky(_: int) -> Fault | None:
        roll = rng.random()
        if roll < 0.15:
            return Fault("throttle", retry_after=3)
        if roll < 0.30:
            return Fault("server")
        return None

    permanent = [Fault("permanent", code="21211"), Fault("permanent", code="21610")]
    async with harness(database_url) as system, FakeTwilio(delay=0.005) as fake:
        fake.faults.extend(permanent)
        fake.policy = flaky
        await _connect(system, "Flaky", fake)
        list_id = await system.people("Many", *PHONES)
        await system.distribute(
            system.survey_id, Recipients(mailing_list_id=list_id), method=Method.INVITE,
            message_text=INVITE,
        )  # fmt: skip
        await _send_until_settled(system, timedelta(seconds=1), limit=600)

        refused = [item for item in fake.received if not item.accepted]
        assert len(refused) >= 0.2 * len(fake.received), "the fake refused too few to matter"
        first_two = {fake.received[0].fields["To"], fake.received[1].fields["To"]}
        taken = [item.fields["To"] for item in fake.accepted()]
        # Handed over exactly once each, except the two refused for good.
        assert sorted(taken) == sorted(set(PHONES) - first_two)
        for phone in first_two:
            assert [item.fields["To"] for item in fake.received].count(phone) == 1
            [message] = await system.rows(Message, Message.recipient == phone)
            assert message.send_state == "failed"
            assert message.attempts == 1

        # Each retry came no sooner than the wait the refusal set: Twilio's Retry-After,
        # else exponential backoff with jitter (2 s × 2ⁿ⁻¹, ±50 %).
        retried = 0
        for phone in set(PHONES) - first_two:
            [message] = await system.rows(Message, Message.recipient == phone)
            assert message.send_state == "sent"
            events = sorted(
                await system.rows(MessageEvent, MessageEvent.message_id == message.id),
                key=lambda event: (event.at, event.id),
            )
            tries = [event for event in events if event.status in ("Retrying", "Sent")]
            assert tries[-1].status == "Sent"
            assert len(tries) == message.attempts
            for number, (before, after) in enumerate(itertools.pairwise(tries), 1):
                found = WAIT.search(before.detail or "")
                assert found is not None
                wait = float(found.group(1))
                assert (after.at - before.at).total_seconds() >= wait
                if "429" in (before.detail or ""):
                    assert wait == 3
                else:
                    assert 0.5 * 2**number <= wait <= 1.5 * 2**number
                retried += 1
        assert retried >= 5


async def test_the_next_connection_takes_what_the_first_keeps_refusing(database_url: str) -> None:
    async with (
        harness(database_url) as system,
        FakeTwilio(policy=lambda _: Fault("server")) as down,
        FakeTwilio() as up,
    ):
        first = await _connect(system, "Down", down)
        second = await _connect(system, "Up", up)
        await system.distribute(
            system.survey_id, Recipients(mailing_list_id=await system.people("Two", *PHONES[:2])),
            method=Method.INVITE, message_text=INVITE,
        )  # fmt: skip
        await _send_until_settled(system, timedelta(seconds=60), limit=100)

        assert len(down.received) == 2 * MAX_ATTEMPTS
        assert sorted(item.fields["To"] for item in up.accepted()) == PHONES[:2]
        for message in await system.rows(Message, Message.direction == "out"):
            assert message.provider == second.id
            assert message.send_state == "sent"
            history = await system.rows(MessageEvent, MessageEvent.message_id == message.id)
            [rerouted] = [event for event in history if event.status == "Rerouted"]
            assert f"{first.id} gave up after {MAX_ATTEMPTS} tries" in (rerouted.detail or "")
            assert f"{second.id} (Up) takes it" in (rerouted.detail or "")
            [sent] = [event for event in history if event.status == "Sent"]
            assert sent.detail == f"via {second.id}"


async def test_a_connection_whose_credentials_do_not_open_stalls_nothing(
    database_url: str,
) -> None:
    """Credentials sealed with another key (a database restored without its key file, a
    changed ``SMSURVEY_SECRET_KEY``): nothing reaches that provider, each text is retried
    with the reason, then the next connection takes it; the worker never stalls."""
    async with harness(database_url) as system, FakeTwilio() as locked, FakeTwilio() as up:
        first = await _connect(system, "Locked", locked)
        second = await _connect(system, "Up", up)
        async with unit_of_work(system.runtime.engine) as session:
            row = await session.get(ProviderConnection, first.id)
            assert row is not None
            row.sealed_fields = seal(b"another instance's key", json.dumps(FIELDS).encode())
        await system.distribute(
            system.survey_id, Recipients(mailing_list_id=await system.people("Two", *PHONES[:2])),
            method=Method.INVITE, message_text=INVITE,
        )  # fmt: skip
        await _send_until_settled(system, timedelta(seconds=60), limit=100)

        assert locked.received == []
        assert sorted(item.fields["To"] for item in up.accepted()) == PHONES[:2]
        for message in await system.rows(Message, Message.direction == "out"):
            assert (message.provider, message.send_state) == (second.id, "sent")
            history = await system.rows(MessageEvent, MessageEvent.message_id == message.id)
            retries = [event.detail or "" for event in history if event.status == "Retrying"]
            assert len(retries) == MAX_ATTEMPTS - 1
            assert all(f"{first.id} cannot be used" in detail for detail in retries)
            assert all("cannot be decrypted" in detail for detail in retries)
