"""Every provider end to end: a 2-way survey through its fake server on 127.0.0.1, its
signed delivery reports and replies posted to our receive endpoints, a forged reply
refused, STOP honoured."""

from __future__ import annotations

import base64
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from smsurvey.kit.db import unit_of_work
from smsurvey.models.contacts import Contact
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.models.responses import Response
from smsurvey.providers.base import DeliveryStatus
from smsurvey.providers.connections import NewConnection, add_connection
from tests.fakes.base import Callback
from tests.messaging.harness import Harness, harness
from tests.providers.contract import CASES, ProviderCase

ANN, BOB = "+14155552671", "+14155552672"
OUR_NUMBER = "+15005550006"


def _failed(case: ProviderCase) -> tuple[str, DeliveryStatus]:
    """A status value of the provider's for a text that did not arrive, and what it means."""
    undelivered = (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED)
    return next((raw, status) for raw, status in case.statuses if status in undelivered)


async def _post(system: Harness, callback: Callback) -> int:
    """Post a callback the provider signed for our public URL to the app."""
    parts = urlsplit(callback.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = await system.client.request(
        callback.method, path, headers=dict(callback.headers), content=callback.body
    )
    return response.status_code


def _forged(callback: Callback) -> Callback:
    """The callback with "Keep" in its text made "Fake", and credentials nobody gave us."""
    intruder = "Basic " + base64.b64encode(b"intruder:guess").decode()
    return replace(
        callback,
        url=callback.url.replace("Keep", "Fake"),
        body=callback.body.replace(b"Keep", b"Fake"),
        headers={**callback.headers, "Authorization": intruder},
    )


async def _sent_to(system: Harness, phone: str) -> list[Message]:
    return await system.rows(Message, Message.recipient == phone, Message.direction == "out")


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_two_way_survey_through_each_provider(
    database_url: str, case: ProviderCase
) -> None:
    async with harness(database_url) as system, case.fake() as fake:
        org = system.organization.id
        fields = {**case.fields, "api_url": fake.url}
        async with unit_of_work(system.runtime.engine) as session:
            connection = await add_connection(
                session,
                system.runtime.secret,
                org,
                NewConnection("Ours", case.name, OUR_NUMBER, fields),
                system.clock.now(),
            )
        base = system.runtime.settings.public_url.rstrip("/")
        receive = f"{base}/distribution-providers/v1/receive/distribution"
        status_url = f"{receive}/status/{case.name}/{org}"
        message_url = f"{receive}/message/{case.name}/{org}"

        await system.distribute_list(await system.people("E2E", ANN, BOB))
        await system.drain()
        assert len(fake.accepted()) == 2
        [to_ann], [to_bob] = await _sent_to(system, ANN), await _sent_to(system, BOB)
        assert to_ann.provider == to_bob.provider == connection.id
        assert {to_ann.provider_message_id, to_bob.provider_message_id} == {
            sent.message_id for sent in fake.accepted()
        }

        # Delivery reports, signed the provider's way.
        delivered = fake.status_callback(
            status_url, to_ann.provider_message_id or "", case.raw(DeliveryStatus.DELIVERED)
        )
        failed_raw, failed_as = _failed(case)
        failed = fake.status_callback(status_url, to_bob.provider_message_id or "", failed_raw)
        assert await _post(system, delivered) == 200
        assert await _post(system, failed) == 200
        await system.drain()  # the worker processes what the receive endpoint stored
        ann_events = await system.rows(MessageEvent, MessageEvent.message_id == to_ann.id)
        bob_events = await system.rows(MessageEvent, MessageEvent.message_id == to_bob.id)
        assert "Delivered" in {event.status for event in ann_events}
        assert failed_as in {event.status for event in bob_events}
        assert any(event.detail == f"via {connection.id}" for event in ann_events)

        # Ann answers the whole survey by signed replies; each answer gets the next question.
        for answer in ("10", "product QUALITY", "Keep it up!"):
            reply = fake.inbound_callback(message_url, ANN, OUR_NUMBER, answer)
            assert await _post(system, reply) == 200
            await system.drain()
        texts = await _sent_to(system, ANN)
        assert texts[-1].body.startswith("Thank you for your feedback!")
        assert len(fake.accepted()) == 2 + 3
        [response] = await system.rows(Response, Response.finished.is_(True))
        assert response.values["QID1"] == 10
        assert response.values["QID5_TEXT"] == "Keep it up!"

        # A forged reply changes nothing.
        genuine = fake.inbound_callback(message_url, ANN, OUR_NUMBER, "Keep it up!")
        assert await _post(system, _forged(genuine)) == 401
        await system.drain()
        assert len(await _sent_to(system, ANN)) == len(texts)

        # STOP opts Bob out.
        assert (
            await _post(system, fake.inbound_callback(message_url, BOB, OUR_NUMBER, "STOP")) == 200
        )
        await system.drain()
        async with unit_of_work(system.runtime.engine) as session:
            bob = await session.scalar(select(Contact).where(Contact.phone == BOB))
            assert bob is not None
            assert bob.opted_out
