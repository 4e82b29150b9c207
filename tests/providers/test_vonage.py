"""The Vonage adapter against the fake Vonage on 127.0.0.1, the SDK's signer and its vectors."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from smsurvey.providers.base import (
    Connection,
    DeliveryStatus,
    OutboundSms,
    ProviderError,
    WebhookRequest,
)
from smsurvey.providers.vonage import (
    KIND,
    SIGNATURE_METHODS,
    Vonage,
    VonageAccount,
    signature,
)
from tests.fakes.base import Fault, webhook
from tests.fakes.vonage import FIELDS, SIGNATURE_SECRET, FakeVonage
from tests.providers.refusals import refusal

TEXT = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "Hi Ann")
STATUS_URL = "https://x.test/distribution-providers/v1/receive/distribution/status/vonage/OR_x"
INBOUND_URL = "https://x.test/distribution-providers/v1/receive/distribution/message/vonage/OR_x"


@pytest.fixture
async def fake() -> AsyncIterator[FakeVonage]:
    async with FakeVonage() as server:
        yield server


def adapter(
    http: aiohttp.ClientSession, url: str, public_url: str = "https://x.test/", **fields: str
) -> Vonage:
    fields = {**FIELDS, "api_url": url, **fields}
    connection = Connection("OR_x", fields, "15005550006", public_url, lambda: http)
    vonage = KIND.connect(connection)
    assert isinstance(vonage, Vonage)
    return vonage


def test_the_kind_names_vonage_without_plus_signs() -> None:
    assert (KIND.name, KIND.title, KIND.aliases, KIND.plus_sign) == (
        "vonage",
        "Vonage",
        ("nexmo",),
        False,
    )
    fields = {field.key: (field.label, field.secret, field.required) for field in KIND.fields}
    assert fields == {
        "api_key": ("Account SID", False, True),
        "api_secret": ("Auth Token", True, True),
        "signature_secret": ("Signature Secret", True, True),
        "signature_method": ("Signature method", False, False),
        "api_url": ("API base URL", False, False),
    }
    [method] = [field for field in KIND.fields if field.key == "signature_method"]
    assert method.choices == ("md5hash", "md5", "sha1", "sha256", "sha512")


def test_an_unknown_signature_method_is_refused() -> None:
    with pytest.raises(ValueError, match="sha384"):
        VonageAccount("k", "s", "secret", signature_method="sha384")


async def test_send_posts_the_form_and_reads_the_message_id(fake, http) -> None:
    result = await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id == "0000000000000001"
    assert sent.path == "/sms/json"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(sent.fields) == {
        "api_key": FIELDS["api_key"],
        "api_secret": FIELDS["api_secret"],
        "from": "15005550006",
        "to": "14155552671",
        "text": "Hi Ann",
        "type": "text",
        "client-ref": "42",
        "callback": STATUS_URL,
    }


async def test_an_alphanumeric_sender_goes_as_it_is(fake, http) -> None:
    text = OutboundSms("42", "OR_x", "AcmeInc", "+14155552671", "Hi Ann")
    await adapter(http, fake.url).send(text)
    [sent] = fake.accepted()
    assert sent.fields["from"] == "AcmeInc"


async def test_a_text_beyond_gsm7_goes_as_unicode(fake, http) -> None:
    text = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "Ça va ? 👍")
    await adapter(http, fake.url).send(text)
    [sent] = fake.accepted()
    assert (sent.fields["type"], sent.fields["text"]) == ("unicode", "Ça va ? 👍")


async def test_a_callback_url_too_long_for_vonage_is_left_out(fake, http) -> None:
    public_url = "https://surveys.a-rather-long-domain-name.example.org"
    await adapter(http, fake.url, public_url=public_url).send(TEXT)
    [sent] = fake.accepted()
    assert "callback" not in sent.fields


async def test_a_text_in_several_parts_is_named_after_its_first(fake, http) -> None:
    fake.parts = 3
    result = await adapter(http, fake.url).send(TEXT)
    assert result.provider_message_id == "0000000000000001"
    second = await adapter(http, fake.url).send(TEXT)
    assert second.provider_message_id == "0000000000000004"


@pytest.mark.parametrize(
    ("fault", "retryable", "code", "retry_after"),
    [
        (Fault("throttle", retry_after=0.25), True, "1", 0.25),
        (Fault("throttle"), True, "1", None),
        (Fault("throttle", code="429", retry_after=3), True, None, 3.0),
        (Fault("server"), True, None, None),
        (Fault("server", code="5"), True, "5", None),
        (Fault("server", code="10"), True, "10", None),
        (Fault("permanent"), False, "3", None),
        (Fault("permanent", code="2"), False, "2", None),
        (Fault("permanent", code="6"), False, "6", None),
        (Fault("permanent", code="7"), False, "7", None),
        (Fault("permanent", code="9"), False, "9", None),
        (Fault("permanent", code="15"), False, "15", None),
        (Fault("permanent", code="29"), False, "29", None),
    ],
)
async def test_refusals_are_classified(fake, http, fault, retryable, code, retry_after) -> None:
    send = adapter(http, fake.url).send
    assert await refusal(fake, fault, lambda: send(TEXT)) == (retryable, code, retry_after)


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="Bad Credentials") as refused:
        await adapter(http, fake.url, api_secret="wrong").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "4")
    assert fake.received == []


class PartlyTaking(FakeVonage):
    """Takes the first part of a text and refuses the second."""

    def refusal(self, fault: Fault) -> web.Response:
        taken = {"to": "14155552671", "message-id": "0A00000001", "status": "0"}
        return self.answer(taken, {"status": "1", "error-text": "Throughput Rate Exceeded"})


async def test_a_text_partly_sent_is_not_sent_again(http) -> None:
    async with PartlyTaking(faults=[Fault("throttle")]) as fake:
        with pytest.raises(ProviderError, match="1 of 2 parts sent") as refused:
            await adapter(http, fake.url).send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "1")


class Garbling(FakeVonage):
    """Answers 200 with something that is not Vonage's answer."""

    def refusal(self, fault: Fault) -> web.Response:
        return web.Response(text="<html>gateway</html>")


async def test_an_unreadable_answer_is_a_refusal(http) -> None:
    async with Garbling(faults=[Fault("server")]) as fake:
        with pytest.raises(ProviderError, match="unreadably") as refused:
            await adapter(http, fake.url).send(TEXT)
    assert refused.value.retryable is False


VECTORS = {"param1": "value1", "param2": "value2", "timestamp": "1234567890"}


@pytest.mark.parametrize(
    ("secret", "method", "params", "expected"),
    [
        (
            "signature_secret",
            "sha256",
            VECTORS,
            "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287",
        ),
        ("signature_secret", "md5", VECTORS, "724c2bf6ca423c36e20631b11d1c5753"),
        (
            "signature_secret",
            "md5",
            {"param1": "value&1", "param2": "value=2", "timestamp": "1234567890"},
            "2bbf0abafb2c55e5af6231513896a2ac",
        ),
        (
            "signature_secret",
            "md5",
            {"param": "value", "timestamp": "1234567890"},
            "655a4d0b7f064dff438defc52b012cf5",
        ),
        ("signature_secret", "md5hash", VECTORS, "d72f75ac8cda9bbce891c4fa62bee6cd"),
        (
            "secret",
            "md5hash",
            {"a": "1", "b": "2", "timestamp": "1461605396"},
            "6af838ef94998832dbfc29020b564830",
        ),
    ],
)
def test_signatures_match_the_published_vectors(secret, method, params, expected) -> None:
    assert signature(secret, method, params) == expected
    account = VonageAccount("abcd1234", "s", secret, signature_method=method)
    now = float(params["timestamp"])
    vonage = Vonage(account, aiohttp.ClientSession, clock=lambda: now)
    query = {**params, "sig": expected.upper()}
    request = WebhookRequest("GET", "https://x.test/?" + urlencode(query), {}, b"", query)
    assert vonage.verify(request)


@pytest.mark.parametrize("method", SIGNATURE_METHODS)
@pytest.mark.parametrize("how", ["GET", "POST", "POST-JSON"])
async def test_signed_callbacks_are_accepted_and_read(http, method, how) -> None:
    fake = FakeVonage(signature_method=method, webhook_method=how)
    vonage = adapter(http, "http://127.0.0.1:9", signature_method=method)
    status = webhook(fake.status_callback(STATUS_URL, "0A00000001", "failed"))
    assert vonage.verify(status)
    [report] = vonage.parse_status(status)
    assert (report.provider_message_id, report.status, report.provider_status) == (
        "0A00000001",
        DeliveryStatus.BOUNCED,
        "failed",
    )
    assert report.error_code == "12"
    inbound = webhook(fake.inbound_callback(INBOUND_URL, "+447700900001", "+447700900000", "Yes"))
    assert vonage.verify(inbound)
    [text] = vonage.parse_inbound(inbound)
    assert (text.sender, text.recipient, text.text) == ("+447700900001", "+447700900000", "Yes")


def tampered(request: WebhookRequest) -> WebhookRequest:
    body = request.body.replace(b"delivered", b"failed")
    return WebhookRequest(request.method, request.url, request.headers, body, request.query)


async def test_forged_or_broken_callbacks_are_rejected(http) -> None:
    vonage = adapter(http, "http://127.0.0.1:9", signature_method="sha256")
    fake = FakeVonage(signature_method="sha256")
    good = webhook(fake.status_callback(STATUS_URL, "0A00000001", "delivered"))
    assert vonage.verify(good)
    assert not vonage.verify(tampered(good))
    other_key = FakeVonage(signature_secret="another", signature_method="sha256")
    assert not vonage.verify(webhook(other_key.status_callback(STATUS_URL, "0A1", "delivered")))
    other_method = FakeVonage(signature_method="sha512")
    assert not vonage.verify(webhook(other_method.status_callback(STATUS_URL, "0A1", "failed")))
    fields = json.loads(good.body)
    unsigned = {key: value for key, value in fields.items() if key != "sig"}
    for body in (json.dumps(unsigned).encode(), b"[1, 2]", b"{not json", b"\xff\xfe"):
        request = WebhookRequest("POST", STATUS_URL, {"content-type": "application/json"}, body)
        assert not vonage.verify(request)
    undated = {key: value for key, value in fields.items() if key != "timestamp"}
    request = WebhookRequest("POST", STATUS_URL, good.headers, json.dumps(undated).encode())
    assert not vonage.verify(request)


@pytest.mark.parametrize(("skew", "accepted"), [(-299, True), (-301, False), (301, False)])
async def test_a_replayed_callback_is_rejected(http, skew, accepted) -> None:
    now = time.time()
    fake = FakeVonage(clock=lambda: now + skew)
    account = VonageAccount("abcd1234", "s", SIGNATURE_SECRET)
    vonage = Vonage(account, lambda: http, clock=lambda: now)
    callback = webhook(fake.status_callback(STATUS_URL, "0A00000001", "delivered"))
    assert vonage.verify(callback) is accepted


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("accepted", DeliveryStatus.SENT),
        ("buffered", DeliveryStatus.SENT),
        ("unknown", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("expired", DeliveryStatus.BOUNCED),
        ("failed", DeliveryStatus.BOUNCED),
        ("rejected", DeliveryStatus.FAILED),
        ("submitted", DeliveryStatus.UNKNOWN),
    ],
)
async def test_every_status_value_is_mapped(fake, http, raw, status) -> None:
    [report] = adapter(http, fake.url).parse_status(
        webhook(fake.status_callback(STATUS_URL, "0A00000001", raw))
    )
    assert (report.status, report.provider_status) == (status, raw)


@pytest.mark.parametrize(
    ("raw", "code", "status", "error_code"),
    [
        ("failed", "53", DeliveryStatus.BLOCKED, "53"),
        ("rejected", "6", DeliveryStatus.BLOCKED, "6"),
        ("expired", "14", DeliveryStatus.BLOCKED, "14"),
        ("failed", "3", DeliveryStatus.BOUNCED, "3"),
        ("delivered", "0", DeliveryStatus.DELIVERED, None),
    ],
)
async def test_error_codes_are_kept_and_blocking_ones_mark_the_text_blocked(
    fake, http, raw, code, status, error_code
) -> None:
    fields = {"messageId": "0A00000001", "status": raw, "err-code": code}
    [report] = adapter(http, fake.url).parse_status(webhook(fake.signed(STATUS_URL, fields)))
    assert (report.status, report.error_code) == (status, error_code)


async def test_inbound_texts_are_parsed(fake, http) -> None:
    callback = fake.inbound_callback(INBOUND_URL, "+14155552671", "+15005550006", "STOP now")
    [text] = adapter(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == ("+14155552671", "+15005550006", "STOP now")
    assert len(text.provider_message_id) == 16


async def test_a_part_of_a_concatenated_text_and_an_alphanumeric_sender(fake, http) -> None:
    fields = {
        "msisdn": "Acme",
        "to": "447700900000",
        "messageId": "0A00000009",
        "text": "part two",
        "type": "text",
        "concat": "true",
        "concat-ref": "7",
        "concat-total": "2",
        "concat-part": "2",
    }
    [text] = adapter(http, fake.url).parse_inbound(webhook(fake.signed(INBOUND_URL, fields)))
    assert (text.sender, text.recipient, text.text, text.provider_message_id) == (
        "Acme",
        "+447700900000",
        "part two",
        "0A00000009",
    )


async def test_unreadable_callbacks_raise(fake, http) -> None:
    vonage = adapter(http, fake.url)
    with pytest.raises(KeyError):
        vonage.parse_status(webhook(fake.signed(STATUS_URL, {"status": "delivered"})))
    with pytest.raises(KeyError):
        vonage.parse_inbound(webhook(fake.signed(INBOUND_URL, {"text": "hi"})))
    array = WebhookRequest("POST", STATUS_URL, {"content-type": "application/json"}, b"[]")
    with pytest.raises(ValueError, match="JSON object"):
        vonage.parse_status(array)
