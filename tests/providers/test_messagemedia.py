"""MessageMedia's quirks (the contract runner checks the rest): what each text asks for, the
sender's type, the region, refusals that name the fields, timeouts, and the RSA-signed
Enterprise webhooks, checked against keys and signatures made by ``cryptography`` (no
published vector exists); replies that reach the status URL."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from smsurvey.providers.base import Connection, ProviderError, WebhookRequest
from smsurvey.providers.messagemedia import (
    KIND,
    MessageMedia,
    MessageMediaAccount,
    signed_data,
)
from tests.fakes.base import Fault, webhook
from tests.fakes.messagemedia import (
    API_KEY,
    API_SECRET,
    FIELDS,
    PRIVATE_KEY,
    PUBLIC_KEY_DER_B64,
    PUBLIC_KEY_PEM,
    FakeMessageMedia,
)
from tests.providers.contract import MESSAGEMEDIA, OTHER_RSA_KEY

TEXT = MESSAGEMEDIA.text
STATUS_URL = MESSAGEMEDIA.url("status")
MESSAGE_URL = MESSAGEMEDIA.url("message")


@pytest.fixture
async def fake() -> AsyncIterator[FakeMessageMedia]:
    async with FakeMessageMedia() as server:
        yield server


def adapter(http: aiohttp.ClientSession, url: str, **fields: str) -> MessageMedia:
    messagemedia = MESSAGEMEDIA.connect(http, url, **fields)
    assert isinstance(messagemedia, MessageMedia)
    return messagemedia


async def test_each_text_asks_for_a_delivery_report_of_an_sms(fake, http) -> None:
    await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    [message] = json.loads(sent.body)["messages"]
    assert (message["format"], message["delivery_report"]) == ("SMS", True)


@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("+15005550006", "INTERNATIONAL"),
        ("Qualtrics", "ALPHANUMERIC"),
        ("Survey 1", "ALPHANUMERIC"),
        ("61234", "SHORTCODE"),
    ],
)
async def test_the_sender_goes_with_its_type(fake, http, sender, kind) -> None:
    await adapter(http, fake.url).send(replace(TEXT, sender=sender))
    [sent] = fake.accepted()
    assert (sent.fields["source_number"], sent.fields["source_number_type"]) == (sender, kind)


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (Fault("throttle", retry_after=3), "429"),
        (Fault("throttle"), "Too Many Requests"),
        (Fault("server"), "503"),
        (Fault("permanent"), "destination_number: must be a valid E.164 number"),
    ],
)
async def test_a_refusal_says_what_messagemedia_said(fake, http, fault, says) -> None:
    fake.faults.append(fault)
    with pytest.raises(ProviderError, match=says):
        await adapter(http, fake.url).send(TEXT)


async def test_a_text_the_fake_finds_invalid_is_refused_for_good_naming_the_field(
    fake, http
) -> None:
    with pytest.raises(ProviderError, match=r"messages\[0\]\.content") as refused:
        await adapter(http, fake.url).send(replace(TEXT, body=""))
    assert refused.value.retryable is False


def test_the_region_picks_the_api_host() -> None:
    fields = {**FIELDS, "region": "EU"}
    connection = Connection("OR_x", fields, "+15005550006", None, aiohttp.ClientSession)
    assert KIND.connect(connection)._url == "https://eu.app.api.sinch.com/v1/messages"
    connection = Connection("OR_x", FIELDS, "+15005550006", None, aiohttp.ClientSession)
    assert KIND.connect(connection)._url == "https://api.messagemedia.com/v1/messages"


def test_the_signed_string_is_request_line_date_and_body() -> None:
    # The comparison string of MessageMedia's Enterprise Webhooks documentation.
    body = b'{"status":"enroute","message_id":"a0589035-df10-4f3a-92a5-5beac2d100c3"}'
    date = "Tue, 17 Jul 2018 04:52:31 GMT"
    assert signed_data("post", "https://x.test/data", date, body) == (
        b"POST /data HTTP/1.1Tue, 17 Jul 2018 04:52:31 GMT" + body
    )
    assert signed_data("POST", "https://x.test/in?org=1&k=v", date, b"") == (
        b"POST /in?org=1&k=v HTTP/1.1Tue, 17 Jul 2018 04:52:31 GMT"
    )


@pytest.mark.parametrize(
    ("digest", "algorithm"),
    [("SHA224", hashes.SHA224), ("SHA256", hashes.SHA256), ("SHA512", hashes.SHA512)],
)
def test_a_signature_made_by_cryptography_is_accepted(http, digest, algorithm) -> None:
    # Independent of the fake: the documentation's example, signed here, checked at its Date.
    date = "Tue, 17 Jul 2018 04:52:31 GMT"
    body = (
        b'{"vendor_account_id":{"vendor_id":"MessageMedia","account_id":"MessageMediaM123"},'
        b'"delivery_report_id":"6737fda5-bb86-4fdb-8b62-d7ea49863801","status":"enroute",'
        b'"message_id":"a0589035-df10-4f3a-92a5-5beac2d100c3","error_code":"101","metadata":{}}'
    )
    signature = PRIVATE_KEY.sign(
        b"POST /data HTTP/1.1" + date.encode() + body, padding.PKCS1v15(), algorithm()
    )
    headers = {
        "date": date,
        "x-messagemedia-digest-type": digest,
        "x-messagemedia-signature": base64.b64encode(signature).decode(),
    }
    request = WebhookRequest("POST", "https://x.test/data", headers, body)
    at = parsedate_to_datetime(date).timestamp()
    account = MessageMediaAccount(API_KEY, API_SECRET, PUBLIC_KEY_DER_B64)
    assert MessageMedia(account, lambda: http, clock=lambda: at + 299).verify(request)
    assert not MessageMedia(account, lambda: http, clock=lambda: at + 301).verify(request)
    assert not MessageMedia(account, lambda: http, clock=lambda: at - 301).verify(request)
    other = {**headers, "x-messagemedia-digest-type": "SHA256" if digest != "SHA256" else "SHA512"}
    replaced = WebhookRequest("POST", request.url, other, body)
    assert not MessageMedia(account, lambda: http, clock=lambda: at).verify(replaced)


@pytest.mark.parametrize("digest", ["SHA224", "SHA256", "SHA512"])
async def test_every_digest_signs_the_body_the_url_and_the_date(fake, http, digest) -> None:
    messagemedia = adapter(http, fake.url)
    good = webhook(FakeMessageMedia(digest=digest).status_callback(STATUS_URL, "m1", "delivered"))
    assert messagemedia.verify(good)
    tampered = WebhookRequest("POST", good.url, good.headers, good.body.replace(b"m1", b"m2"))
    assert not messagemedia.verify(tampered)
    forged = FakeMessageMedia(private_key=OTHER_RSA_KEY, digest=digest)
    assert not messagemedia.verify(webhook(forged.status_callback(STATUS_URL, "m1", "delivered")))
    moved = WebhookRequest("POST", STATUS_URL.replace("OR_", "OR_y"), good.headers, good.body)
    assert not messagemedia.verify(moved)
    date = parsedate_to_datetime(good.headers["date"]).timestamp()
    redated = {**good.headers, "date": formatdate(date - 1, usegmt=True)}
    assert not messagemedia.verify(WebhookRequest("POST", good.url, redated, good.body))


@pytest.mark.parametrize(
    ("age", "accepted"), [(0, True), (-290, True), (290, True), (-310, False), (310, False)]
)
async def test_a_callback_dated_over_5_minutes_away_is_rejected(fake, http, age, accepted) -> None:
    stamped = FakeMessageMedia(clock=lambda: time.time() + age)
    callback = webhook(stamped.inbound_callback(MESSAGE_URL, "+14155552671", "+15005550006", "Y"))
    assert adapter(http, fake.url).verify(callback) is accepted


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-messagemedia-signature": "not base64!"},
        {"x-messagemedia-signature": ""},
        {"x-messagemedia-digest-type": "SHA1"},
        {"x-messagemedia-digest-type": ""},
        {"date": "yesterday"},
        {"date": ""},
    ],
)
async def test_missing_or_garbled_headers_are_rejected(fake, http, headers) -> None:
    good = webhook(fake.status_callback(STATUS_URL, "m1", "delivered"))
    messagemedia = adapter(http, fake.url)
    assert messagemedia.verify(good)
    broken = {**good.headers, **headers} if headers else {"content-type": "application/json"}
    assert not messagemedia.verify(WebhookRequest("POST", good.url, broken, good.body))


async def test_the_key_may_be_base64_der_and_must_be_rsa(fake, http) -> None:
    messagemedia = adapter(http, fake.url, webhook_public_key=PUBLIC_KEY_DER_B64)
    assert messagemedia.verify(webhook(fake.status_callback(STATUS_URL, "m1", "delivered")))
    with pytest.raises(ValueError, match="not a readable key"):
        adapter(http, fake.url, webhook_public_key="PUBLIC_KEY_HERE")
    with pytest.raises(ValueError, match="not a readable key"):
        adapter(http, fake.url, webhook_public_key=PUBLIC_KEY_PEM.replace("A", "B", 5))
    ec_key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        adapter(http, fake.url, webhook_public_key=ec_key)


async def test_replies_reach_the_status_url_and_are_read_as_inbound(fake, http) -> None:
    messagemedia = adapter(http, fake.url)
    reply = webhook(fake.inbound_callback(STATUS_URL, "+14155552671", "+15005550006", "STOP"))
    assert messagemedia.verify(reply)
    assert messagemedia.parse_status(reply) == []
    [text] = messagemedia.parse_inbound(reply)
    assert (text.sender, text.recipient, text.text) == ("+14155552671", "+15005550006", "STOP")
    assert text.provider_message_id == json.loads(reply.body)["reply_id"]
    assert text.received_at == datetime(2016, 11, 3, 11, 49, 2, 807000, tzinfo=UTC)
    report = webhook(fake.status_callback(MESSAGE_URL, "m1", "delivered"))
    assert messagemedia.parse_inbound(report) == []


@pytest.mark.parametrize(
    ("sender", "expected"), [("61491570156", "+61491570156"), ("MyBrand", "MyBrand")]
)
async def test_inbound_numbers_get_their_plus(fake, http, sender, expected) -> None:
    callback = webhook(fake.inbound_callback(MESSAGE_URL, sender, "61491570157", "Yes"))
    [text] = adapter(http, fake.url).parse_inbound(callback)
    assert (text.sender, text.recipient, text.text) == (expected, "+61491570157", "Yes")
