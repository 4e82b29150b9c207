"""The MessageMedia adapter against the fake MessageMedia on 127.0.0.1, with RSA signatures
checked against keys and signatures made by ``cryptography`` (no published vector exists)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from smsurvey.providers.base import (
    Connection,
    DeliveryStatus,
    OutboundSms,
    ProviderError,
    WebhookRequest,
)
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

TEXT = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "Hi Ann")
BASE = "https://x.test/distribution-providers/v1/receive/distribution"
STATUS_URL = f"{BASE}/status/messagemedia/OR_x"
MESSAGE_URL = f"{BASE}/message/messagemedia/OR_x"
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def fake() -> AsyncIterator[FakeMessageMedia]:
    async with FakeMessageMedia() as server:
        yield server


def adapter(
    http: aiohttp.ClientSession, url: str, public_url: str | None = "https://x.test/", **fields: str
) -> MessageMedia:
    fields = {**FIELDS, "api_url": url, **fields}
    connection = Connection("OR_x", fields, "+15005550006", public_url, lambda: http)
    messagemedia = KIND.connect(connection)
    assert isinstance(messagemedia, MessageMedia)
    return messagemedia


async def test_send_posts_the_json_and_reads_the_message_id(fake, http) -> None:
    result = await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id
    assert sent.path == "/v1/messages"
    credentials = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {credentials}"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "messages": [
            {
                "content": "Hi Ann",
                "destination_number": "+14155552671",
                "format": "SMS",
                "delivery_report": True,
                "metadata": {"reference": "42"},
                "source_number": "+15005550006",
                "source_number_type": "INTERNATIONAL",
                "callback_url": STATUS_URL,
            }
        ]
    }


@pytest.mark.parametrize(
    ("sender", "kind"),
    [("Qualtrics", "ALPHANUMERIC"), ("Survey 1", "ALPHANUMERIC"), ("61234", "SHORTCODE")],
)
async def test_other_senders_go_as_they_are_with_their_type(fake, http, sender, kind) -> None:
    text = OutboundSms("42", "OR_x", sender, "+14155552671", "Hi Ann")
    await adapter(http, fake.url).send(text)
    [sent] = fake.accepted()
    assert (sent.fields["source_number"], sent.fields["source_number_type"]) == (sender, kind)


async def test_without_a_public_url_no_callback_is_asked(fake, http) -> None:
    await adapter(http, fake.url, public_url=None).send(TEXT)
    [sent] = fake.accepted()
    assert "callback_url" not in json.loads(sent.body)["messages"][0]


def test_the_region_picks_the_api_host() -> None:
    fields = {**FIELDS, "region": "EU"}
    connection = Connection("OR_x", fields, "+15005550006", None, aiohttp.ClientSession)
    assert KIND.connect(connection)._url == "https://eu.app.api.sinch.com/v1/messages"
    connection = Connection("OR_x", FIELDS, "+15005550006", None, aiohttp.ClientSession)
    assert KIND.connect(connection)._url == "https://api.messagemedia.com/v1/messages"


@pytest.mark.parametrize(
    ("fault", "retryable", "retry_after", "says"),
    [
        (Fault("throttle", retry_after=3), True, 3.0, "429"),
        (Fault("throttle"), True, None, "Too Many Requests"),
        (Fault("server"), True, None, "503"),
        (Fault("permanent"), False, None, "destination_number: must be a valid E.164 number"),
    ],
)
async def test_refusals_are_classified(fake, http, fault, retryable, retry_after, says) -> None:
    fake.faults.append(fault)
    with pytest.raises(ProviderError, match=says) as refused:
        await adapter(http, fake.url).send(TEXT)
    assert (refused.value.retryable, refused.value.code, refused.value.retry_after) == (
        retryable,
        None,
        retry_after,
    )


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="401") as refused:
        await adapter(http, fake.url, password="wrong").send(TEXT)
    assert refused.value.retryable is False
    assert fake.received == []


async def test_a_text_the_fake_finds_invalid_is_refused_for_good(fake, http) -> None:
    empty = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "")
    with pytest.raises(ProviderError, match=r"messages\[0\]\.content") as refused:
        await adapter(http, fake.url).send(empty)
    assert refused.value.retryable is False


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
async def test_signed_callbacks_are_accepted_and_forgeries_rejected(fake, http, digest) -> None:
    messagemedia = adapter(http, fake.url)
    good = webhook(FakeMessageMedia(digest=digest).status_callback(STATUS_URL, "m1", "delivered"))
    assert messagemedia.verify(good)
    tampered = WebhookRequest("POST", good.url, good.headers, good.body.replace(b"m1", b"m2"))
    assert not messagemedia.verify(tampered)
    moved = WebhookRequest("POST", f"{BASE}/status/messagemedia/OR_y", good.headers, good.body)
    assert not messagemedia.verify(moved)
    date = parsedate_to_datetime(good.headers["date"]).timestamp()
    redated = {**good.headers, "date": formatdate(date - 1, usegmt=True)}
    assert not messagemedia.verify(WebhookRequest("POST", good.url, redated, good.body))
    forged = FakeMessageMedia(private_key=OTHER_KEY, digest=digest)
    assert not messagemedia.verify(webhook(forged.status_callback(STATUS_URL, "m1", "delivered")))


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


async def test_a_report_names_the_sent_text(fake, http) -> None:
    messagemedia = adapter(http, fake.url)
    result = await messagemedia.send(TEXT)
    callback = webhook(fake.status_callback(STATUS_URL, result.provider_message_id, "delivered"))
    [report] = messagemedia.parse_status(callback)
    assert report.provider_message_id == result.provider_message_id
    assert (report.status, report.provider_status, report.error_code) == (
        DeliveryStatus.DELIVERED,
        "delivered",
        "220",
    )
    assert report.at == datetime(2016, 11, 3, 11, 49, 1, 551000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("queued", DeliveryStatus.SENT),
        ("scheduled", DeliveryStatus.SENT),
        ("processing", DeliveryStatus.SENT),
        ("processed", DeliveryStatus.SENT),
        ("held", DeliveryStatus.SENT),
        ("enroute", DeliveryStatus.SENT),
        ("submitted", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("READ", DeliveryStatus.DELIVERED),
        ("expired", DeliveryStatus.BOUNCED),
        ("undeliverable", DeliveryStatus.BOUNCED),
        ("failed", DeliveryStatus.BOUNCED),
        ("rejected", DeliveryStatus.FAILED),
        ("cancelled", DeliveryStatus.FAILED),
        ("OPT_OUT_SMS", DeliveryStatus.BLOCKED),
        ("UNDEFINED", DeliveryStatus.UNKNOWN),
        ("vanished", DeliveryStatus.UNKNOWN),
    ],
)
async def test_every_status_value_is_mapped(fake, http, raw, status) -> None:
    [report] = adapter(http, fake.url).parse_status(
        webhook(fake.status_callback(STATUS_URL, "m1", raw))
    )
    assert (report.provider_message_id, report.status, report.provider_status) == (
        "m1",
        status,
        raw,
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("302", DeliveryStatus.BLOCKED),
        (412, DeliveryStatus.BLOCKED),
        ("411", DeliveryStatus.FAILED),
        ("", DeliveryStatus.FAILED),
    ],
)
async def test_blocked_destinations_mark_the_text_blocked(fake, http, code, status) -> None:
    payload = {"message_id": "m1", "status": "rejected", "error_code": code}
    [report] = adapter(http, fake.url).parse_status(webhook(fake.signed(STATUS_URL, payload)))
    assert (report.status, report.error_code) == (status, str(code) or None)


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
    ("sender", "expected"),
    [("61491570156", "+61491570156"), ("+61491570156", "+61491570156"), ("MyBrand", "MyBrand")],
)
async def test_inbound_numbers_get_their_plus(fake, http, sender, expected) -> None:
    callback = webhook(fake.inbound_callback(MESSAGE_URL, sender, "61491570157", "Yes"))
    [text] = adapter(http, fake.url).parse_inbound(callback)
    assert (text.sender, text.recipient, text.text) == (expected, "+61491570157", "Yes")


@pytest.mark.parametrize(
    ("body", "error"),
    [(b"status=delivered", ValueError), (b"[]", ValueError), (b'{"status":"sent"}', KeyError)],
)
async def test_unreadable_callbacks_raise(fake, http, body, error) -> None:
    request = WebhookRequest("POST", STATUS_URL, {}, body)
    with pytest.raises(error):
        adapter(http, fake.url).parse_status(request)
    with pytest.raises((ValueError, KeyError)):
        adapter(http, fake.url).parse_inbound(request)
