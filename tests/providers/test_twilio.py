"""Twilio's quirks (the contract runner checks the rest): Messaging Service senders, the
published signature vector, and texts looked up in the Messages list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from smsurvey.providers.base import Lookup, OutboundSms, SendUncertain, SentText, hand_over
from smsurvey.providers.twilio import LOOKUP_PAGE, signature
from tests.fakes.base import Fault
from tests.fakes.twilio import FakeTwilio
from tests.providers.contract import TWILIO

TEXT = TWILIO.text


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


async def test_a_messaging_service_sender_goes_as_its_sid(fake, http) -> None:
    service = "MG" + "a" * 32
    await TWILIO.connect(http, fake.url).send(replace(TEXT, sender=service))
    [sent] = fake.accepted()
    assert sent.fields["MessagingServiceSid"] == service
    assert "From" not in sent.fields


def test_signature_matches_the_published_vector() -> None:
    fields = {
        "CallSid": "CA1234567890ABCDE",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
        "Caller": "+14158675309",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature("12345", url, fields) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def _sent(text: OutboundSms, started: datetime) -> SentText:
    return SentText(text, started, started + timedelta(seconds=60))


async def test_a_text_twilio_took_is_found_and_one_it_did_not_is_absent(fake, http) -> None:
    twilio = TWILIO.connect(http, fake.url)
    started = datetime.now(UTC)
    result = await twilio.send(TEXT)
    found = await twilio.lookup(_sent(TEXT, started))
    assert found == Lookup(matches=(result.provider_message_id,))
    other = replace(TEXT, to="+14155552672", body="Hi Bob")
    assert await twilio.lookup(_sent(other, started)) == Lookup(matches=())
    reworded = replace(TEXT, body="Hi Ann, again")
    assert await twilio.lookup(_sent(reworded, started)) == Lookup(matches=())
    long_before = started - timedelta(hours=1)
    assert (await twilio.lookup(_sent(TEXT, long_before))).matches == ()


async def test_identical_texts_are_all_found_oldest_first_across_pages(fake, http) -> None:
    twilio = TWILIO.connect(http, fake.url)
    started = datetime.now(UTC)
    sids = [(await twilio.send(TEXT)).provider_message_id for _ in range(LOOKUP_PAGE + 5)]
    found = await twilio.lookup(_sent(TEXT, started))
    assert found.matches == tuple(sids)


async def test_a_connection_dropped_after_the_request_was_read_is_uncertain(fake, http) -> None:
    twilio = TWILIO.connect(http, fake.url)
    fake.faults.append(Fault("drop_after_read"))
    started = datetime.now(UTC)
    with pytest.raises(SendUncertain):
        await hand_over(twilio, TEXT)
    [taken] = fake.accepted()
    assert (await twilio.lookup(_sent(TEXT, started))).matches == (taken.message_id,)
