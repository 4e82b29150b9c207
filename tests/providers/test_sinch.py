"""Sinch's quirks (the contract runner checks the rest): SMS only, the OAuth token's life, the
project and data center, the published signature vector, the official SDK's validator as an
oracle, stale callbacks, other triggers on the status webhook, inbound texts without our
number."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sinch.domains.conversation.sinch_events.v1.conversation_sinch_event import (
    ConversationSinchEvent,
)

from smsurvey.providers.base import Connection, ProviderError, WebhookRequest
from smsurvey.providers.sinch import KIND, Sinch, SinchAccount, signature
from tests.fakes.base import Callback, webhook
from tests.fakes.sinch import APP_ID, FIELDS, WEBHOOK_SECRET, FakeSinch
from tests.providers.contract import SINCH

TEXT = SINCH.text
STATUS_URL = SINCH.url("status")
INBOUND_URL = SINCH.url("message")
NOW = 1_714_557_600.0

VECTOR_SECRET = "foo_secret1234"
VECTOR_NONCE = "01FJA8B4A7BM43YGWSG9GBV067"
VECTOR_TIMESTAMP = "1634579353"
VECTOR_BODY = (
    b'{"app_id":"01EB37HMH1M6SV18BSNS3G135H","accepted_time":"2020-11-17T15:09:11.659Z",'
    b'"project_id":"c36f3d3d-1513-2edd-ae42-11995557ff61","message_delivery_report":'
    b'{"message_id":"01EQBC1A3BEK731GY4YXEN0C2R","conversation_id":"01EPYATA64TMNZ1FV02JKF12JF",'
    b'"status":"QUEUED_ON_CHANNEL","contact_id":"01EXA07N79THJ20WSN6AS30TMW"}}'
)
VECTOR_SIGNATURE = "Yc+3R1pIS78xLASybulhs8BsSo9BPB3Pr92QCUoczfk="


class Clock:
    """A wall clock a test sets."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeSinch]:
    async with FakeSinch(clock=Clock()) as server:
        yield server


def adapter(http: aiohttp.ClientSession, url: str, **fields: str) -> Sinch:
    sinch = SINCH.connect(http, url, **fields)
    assert isinstance(sinch, Sinch)
    return sinch


def clocked(http: aiohttp.ClientSession, url: str, clock: Clock, secret: str = "") -> Sinch:
    account = SinchAccount(
        FIELDS["client_id"],
        FIELDS["client_secret"],
        FIELDS["project_id"],
        APP_ID,
        secret or WEBHOOK_SECRET,
        sender="+15005550006",
        api_url=url,
    )
    return Sinch(account, lambda: http, clock=clock)


async def test_the_text_goes_to_the_app_by_sms_only(fake, http) -> None:
    await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    body = json.loads(sent.body)
    assert (body["app_id"], body["channel_priority_order"]) == (APP_ID, ["SMS"])
    # Our reference goes twice: as the correlation id and as the metadata it is looked up by.
    assert body["correlation_id"] == body["message_metadata"] == TEXT.reference


async def test_the_token_is_reused_across_sends(fake, http) -> None:
    sinch = adapter(http, fake.url)
    await sinch.send(TEXT)
    await sinch.send(TEXT)
    assert fake.tokens_issued == 1
    assert len(fake.accepted()) == 2
    first, second = fake.accepted()
    assert first.headers["Authorization"] == second.headers["Authorization"]


async def test_a_refused_token_is_renewed_once(fake, http) -> None:
    sinch = adapter(http, fake.url)
    await sinch.send(TEXT)
    fake.expire_tokens()
    result = await sinch.send(TEXT)
    assert fake.tokens_issued == 2
    first, second = fake.accepted()
    assert first.headers["Authorization"] != second.headers["Authorization"]
    assert result.provider_message_id == second.message_id


async def test_a_token_is_renewed_before_it_expires(fake, http) -> None:
    clock = Clock()
    sinch = clocked(http, fake.url, clock)
    await sinch.send(TEXT)
    clock.now += fake.token_lifetime - 120
    await sinch.send(TEXT)
    assert fake.tokens_issued == 1
    clock.now += 61
    await sinch.send(TEXT)
    assert fake.tokens_issued == 2
    assert len(fake.accepted()) == 3


async def test_a_project_the_key_cannot_use_is_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="403") as refused:
        await adapter(http, fake.url, project_id="another").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "PERMISSION_DENIED")


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("EU", "https://eu.conversation.api.sinch.com"),
        ("US", "https://us.conversation.api.sinch.com"),
    ],
)
def test_the_data_center_picks_the_host(http, region, host) -> None:
    fields = {**FIELDS, "region": region}
    sinch = KIND.connect(Connection("OR_x", fields, "+15005550006", None, lambda: http))
    assert sinch._send_url == f"{host}/v1/projects/{FIELDS['project_id']}/messages:send"
    assert sinch._token_url == "https://auth.sinch.com/oauth2/token"


def test_the_kind_lists_the_support_page_fields() -> None:
    fields = {field.key: (field.label, field.secret, field.choices) for field in KIND.fields}
    assert fields == {
        "client_id": ("OAuth Client ID", False, ()),
        "client_secret": ("OAuth Client Secret", True, ()),
        "region": ("Sinch Account DataCenter", False, ("EU", "US")),
        "project_id": ("Sinch Account Project ID", False, ()),
        "app_id": ("Sinch Conversational App ID", False, ()),
        "webhook_secret": ("Webhook Secret Token", True, ()),
        "api_url": ("API base URL", False, ()),
    }
    assert (KIND.name, KIND.title, KIND.plus_sign) == ("sinch", "Sinch", True)


def test_signature_matches_the_published_vector() -> None:
    assert signature(VECTOR_SECRET, VECTOR_BODY, VECTOR_NONCE, VECTOR_TIMESTAMP) == VECTOR_SIGNATURE
    swapped = signature(VECTOR_SECRET, VECTOR_BODY, VECTOR_TIMESTAMP, VECTOR_NONCE)
    assert swapped == "XHVst9Y9oC1w/nb7U1vCDpNa/JULyzxJ6ZUtHesfwpQ="


async def test_the_published_vector_is_verified_only_when_fresh(http) -> None:
    headers = {
        "x-sinch-webhook-signature": VECTOR_SIGNATURE,
        "x-sinch-webhook-signature-nonce": VECTOR_NONCE,
        "x-sinch-webhook-signature-timestamp": VECTOR_TIMESTAMP,
    }
    request = WebhookRequest("POST", STATUS_URL, headers, VECTOR_BODY)
    assert ConversationSinchEvent(VECTOR_SECRET).validate_authentication_header(
        headers, VECTOR_BODY
    )
    sent_at = float(VECTOR_TIMESTAMP)
    assert clocked(http, "http://127.0.0.1:9", Clock(sent_at + 299), VECTOR_SECRET).verify(request)
    assert not clocked(http, "http://127.0.0.1:9", Clock(sent_at + 301), VECTOR_SECRET).verify(
        request
    )
    assert not clocked(http, "http://127.0.0.1:9", Clock(sent_at - 301), VECTOR_SECRET).verify(
        request
    )


async def test_verify_agrees_with_the_official_validator(fake, http) -> None:
    sinch = clocked(http, fake.url, Clock())
    oracle = ConversationSinchEvent(WEBHOOK_SECRET)
    good = fake.status_callback(STATUS_URL, "01FAKE1", "DELIVERED")
    tampered = Callback(good.method, good.url, good.headers, good.body.replace(b"01FAKE1", b"X"))
    forged = FakeSinch(webhook_secret="another", clock=Clock()).status_callback(
        STATUS_URL, "01FAKE1", "DELIVERED"
    )
    for callback, accepted in ((good, True), (tampered, False), (forged, False)):
        assert oracle.validate_authentication_header(dict(callback.headers), callback.body) is (
            accepted
        )
        assert sinch.verify(webhook(callback)) is accepted


async def test_a_replayed_callback_is_rejected(fake, http) -> None:
    clock = Clock()
    sinch = clocked(http, fake.url, clock)
    callback = webhook(fake.inbound_callback(INBOUND_URL, "+14155552671", "+15005550006", "Y"))
    assert sinch.verify(callback)
    clock.now += 301
    assert not sinch.verify(callback)


@pytest.mark.parametrize(
    "missing",
    [
        "x-sinch-webhook-signature",
        "x-sinch-webhook-signature-nonce",
        "x-sinch-webhook-signature-timestamp",
    ],
)
async def test_a_callback_missing_a_signature_header_is_rejected(fake, http, missing) -> None:
    callback = webhook(fake.status_callback(STATUS_URL, "01FAKE1", "DELIVERED"))
    headers = {key: value for key, value in callback.headers.items() if key != missing}
    request = WebhookRequest("POST", callback.url, headers, callback.body)
    assert not clocked(http, fake.url, Clock()).verify(request)


async def test_other_triggers_on_the_status_webhook_carry_no_report(fake, http) -> None:
    event = {"event_delivery_report": {"event_id": "01E1", "status": "DELIVERED"}}
    callback = fake.signed(STATUS_URL, event)
    assert adapter(http, fake.url).parse_status(webhook(callback)) == []


async def test_inbound_numbers_given_with_a_plus_and_no_sender_id(fake, http) -> None:
    message = {
        "id": "01MO1",
        "direction": "TO_APP",
        "channel_identity": {"channel": "SMS", "identity": "+447700900123"},
        "contact_message": {"text_message": {"text": "yes"}},
    }
    callback = fake.signed(INBOUND_URL, {"message": message})
    [text] = adapter(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == ("+447700900123", "+15005550006", "yes")
