"""Vonage's quirks (the contract runner checks the rest): its connection fields, Unicode texts,
long callback URLs, texts in several parts, Vonage's always-200 answers, the published signature
vectors, every signature method and webhook form, stale callbacks, parts of long replies."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from smsurvey.providers.base import DeliveryStatus, ProviderError, WebhookRequest
from smsurvey.providers.vonage import (
    KIND,
    SIGNATURE_METHODS,
    Vonage,
    VonageAccount,
    signature,
)
from tests.fakes.base import Fault, webhook
from tests.fakes.vonage import SIGNATURE_SECRET, FakeVonage
from tests.providers.contract import VONAGE

TEXT = VONAGE.text
STATUS_URL = VONAGE.url("status")
INBOUND_URL = VONAGE.url("message")


@pytest.fixture
async def fake() -> AsyncIterator[FakeVonage]:
    async with FakeVonage() as server:
        yield server


def adapter(http: aiohttp.ClientSession, url: str, **options: str) -> Vonage:
    vonage = VONAGE.connect(http, url, **options)
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


@pytest.mark.parametrize(("body", "kind"), [("Hi Ann", "text"), ("Ça va ? 👍", "unicode")])
async def test_a_text_beyond_gsm7_goes_as_unicode(fake, http, body, kind) -> None:
    await adapter(http, fake.url).send(replace(TEXT, body=body))
    [sent] = fake.accepted()
    assert (sent.fields["type"], sent.fields["text"]) == (kind, body)


async def test_a_callback_url_too_long_for_vonage_is_left_out(fake, http) -> None:
    public_url = "https://surveys.a-rather-long-domain-name.example.org"
    await VONAGE.connect(http, fake.url, public_url=public_url).send(TEXT)
    [sent] = fake.accepted()
    assert "callback" not in sent.fields


async def test_a_text_in_several_parts_is_named_after_its_first(fake, http) -> None:
    fake.parts = 3
    result = await adapter(http, fake.url).send(TEXT)
    assert result.provider_message_id == "0000000000000001"
    second = await adapter(http, fake.url).send(TEXT)
    assert second.provider_message_id == "0000000000000004"


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


async def test_tampered_unsigned_or_broken_callbacks_are_rejected(http) -> None:
    vonage = adapter(http, "http://127.0.0.1:9", signature_method="sha256")
    fake = FakeVonage(signature_method="sha256")
    good = webhook(fake.status_callback(STATUS_URL, "0A00000001", "delivered"))
    assert vonage.verify(good)
    assert not vonage.verify(tampered(good))
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
