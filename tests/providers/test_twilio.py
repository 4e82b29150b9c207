"""The Twilio adapter against the fake Twilio on 127.0.0.1, and the official validator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from smsurvey.providers.base import (
    Connection,
    DeliveryStatus,
    OutboundSms,
    ProviderError,
    WebhookRequest,
)
from smsurvey.providers.twilio import KIND, Twilio, signature
from tests.fakes.base import Fault, webhook
from tests.fakes.twilio import FIELDS, FakeTwilio
from tests.providers.refusals import refusal

TEXT = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "Hi Ann")
STATUS_URL = "https://x.test/distribution-providers/v1/receive/distribution/status/twilio/OR_x"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


def adapter(http: aiohttp.ClientSession, url: str, **fields: str) -> Twilio:
    fields = {**FIELDS, "api_url": url, **fields}
    connection = Connection("OR_x", fields, "+15005550006", "https://x.test/", lambda: http)
    twilio = KIND.connect(connection)
    assert isinstance(twilio, Twilio)
    return twilio


async def test_send_posts_the_form_and_reads_the_sid(fake, http) -> None:
    result = await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id
    assert sent.fields["To"] == "+14155552671"
    assert sent.fields["From"] == "+15005550006"
    assert sent.fields["Body"] == "Hi Ann"
    assert sent.fields["StatusCallback"] == STATUS_URL


async def test_a_messaging_service_sender_goes_as_its_sid(fake, http) -> None:
    service = "MG" + "a" * 32
    text = OutboundSms("42", "OR_x", service, "+14155552671", "Hi Ann")
    await adapter(http, fake.url).send(text)
    [sent] = fake.accepted()
    assert sent.fields["MessagingServiceSid"] == service
    assert "From" not in sent.fields


@pytest.mark.parametrize(
    ("fault", "retryable", "code", "retry_after"),
    [
        (Fault("throttle", retry_after=3), True, "20429", 3.0),
        (Fault("throttle", code="63018"), True, "63018", None),
        (Fault("server"), True, None, None),
        (Fault("permanent", code="21211"), False, "21211", None),
        (Fault("permanent", code="21610"), False, "21610", None),
    ],
)
async def test_refusals_are_classified(fake, http, fault, retryable, code, retry_after) -> None:
    send = adapter(http, fake.url).send
    assert await refusal(fake, fault, lambda: send(TEXT)) == (retryable, code, retry_after)


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="401") as refused:
        await adapter(http, fake.url, auth_token="wrong").send(TEXT)
    assert refused.value.retryable is False
    assert fake.received == []


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


async def test_callbacks_signed_by_the_official_validator_are_accepted(fake, http) -> None:
    twilio = adapter(http, fake.url)
    good = webhook(fake.status_callback(STATUS_URL, "SM1", "undelivered"))
    assert twilio.verify(good)
    forged = webhook(FakeTwilio(auth_token="another").status_callback(STATUS_URL, "SM1", "sent"))
    assert not twilio.verify(forged)
    tampered = WebhookRequest("POST", good.url, good.headers, good.body.replace(b"SM1", b"SM2"))
    assert not twilio.verify(tampered)
    [report] = twilio.parse_status(good)
    assert (report.provider_message_id, report.status, report.error_code) == (
        "SM1",
        DeliveryStatus.BOUNCED,
        "30003",
    )


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.BOUNCED),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
        ("partially_delivered", DeliveryStatus.UNKNOWN),
    ],
)
async def test_every_status_value_is_mapped(fake, http, raw, status) -> None:
    [report] = adapter(http, fake.url).parse_status(
        webhook(fake.status_callback(STATUS_URL, "SM1", raw))
    )
    assert (report.status, report.provider_status) == (status, raw)


async def test_blocking_codes_mark_the_text_blocked(fake, http) -> None:
    fields = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "21610"}
    callback = fake._signed(STATUS_URL, fields)
    [report] = adapter(http, fake.url).parse_status(webhook(callback))
    assert report.status is DeliveryStatus.BLOCKED


async def test_inbound_texts_are_parsed(fake, http) -> None:
    callback = fake.inbound_callback("https://x.test/in", "+14155552671", "+15005550006", "STOP")
    [text] = adapter(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == ("+14155552671", "+15005550006", "STOP")
    assert text.provider_message_id.startswith("SM")
