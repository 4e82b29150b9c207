"""The MessageBird adapter against the fake MessageBird on 127.0.0.1, the official
``RequestValidator`` and MessageBird's published webhook-signature test data."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import aiohttp
import jwt
import pytest
from messagebird.error import ValidationError
from messagebird.request_validator import RequestValidator

from smsurvey.providers.base import (
    Connection,
    DeliveryStatus,
    OutboundSms,
    ProviderError,
    WebhookRequest,
)
from smsurvey.providers.messagebird import KIND, MessageBird, MessageBirdAccount
from tests.fakes.base import Fault, webhook
from tests.fakes.messagebird import FIELDS, SIGNING_KEY, FakeMessageBird
from tests.providers.refusals import refusal

TEXT = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "Hi Ann")
STATUS_URL = "https://x.test/distribution-providers/v1/receive/distribution/status/messagebird/OR_x"
INBOUND_URL = (
    "https://x.test/distribution-providers/v1/receive/distribution/message/messagebird/OR_x"
)
ANOTHER_KEY = "f" * 64


@pytest.fixture
async def fake() -> AsyncIterator[FakeMessageBird]:
    async with FakeMessageBird() as server:
        yield server


def adapter(
    http: aiohttp.ClientSession, url: str, public_url: str | None = "https://x.test/", **fields: str
) -> MessageBird:
    fields = {**FIELDS, "api_url": url, **fields}
    connection = Connection("OR_x", fields, "+15005550006", public_url, lambda: http)
    messagebird = KIND.connect(connection)
    assert isinstance(messagebird, MessageBird)
    return messagebird


def at(clock: float, signing_key: str = SIGNING_KEY) -> MessageBird:
    """An adapter (for callbacks only) whose clock says ``clock``."""
    account = MessageBirdAccount("unused", signing_key)
    return MessageBird(account, aiohttp.ClientSession, clock=lambda: clock)


def test_kind_lists_the_support_page_fields() -> None:
    fields = [(field.key, field.label, field.secret) for field in KIND.fields]
    assert fields == [
        ("signing_key", "Signing Key", True),
        ("access_key", "Access Token", True),
        ("api_url", "API base URL", False),
    ]
    assert (KIND.name, KIND.title, KIND.aliases, KIND.plus_sign) == (
        "messagebird",
        "MessageBird",
        ("bird",),
        False,
    )


async def test_send_posts_the_json_and_reads_the_id(fake, http) -> None:
    result = await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id
    assert sent.path == "/messages"
    assert sent.headers["Authorization"] == f"AccessKey {FIELDS['access_key']}"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "originator": "15005550006",
        "recipients": ["14155552671"],
        "body": "Hi Ann",
        "reference": "42",
        "reportUrl": STATUS_URL,
    }


async def test_an_alphanumeric_sender_goes_as_it_is(fake, http) -> None:
    text = OutboundSms("42", "OR_x", "SURVEYS", "+14155552671", "Hi Ann")
    await adapter(http, fake.url).send(text)
    [sent] = fake.accepted()
    assert sent.fields["originator"] == "SURVEYS"


async def test_without_a_public_url_no_report_url_is_asked(fake, http) -> None:
    await adapter(http, fake.url, public_url=None).send(TEXT)
    [sent] = fake.accepted()
    assert "reportUrl" not in json.loads(sent.body)
    assert sent.fields["reference"] == "42"


@pytest.mark.parametrize(
    ("fault", "retryable", "code", "retry_after"),
    [
        (Fault("throttle", retry_after=3), True, None, 3.0),
        (Fault("throttle"), True, None, None),
        (Fault("server"), True, None, None),
        (Fault("server", code="99"), True, "99", None),
        (Fault("permanent"), False, "9", None),
        (Fault("permanent", code="10"), False, "10", None),
        (Fault("permanent", code="21"), False, "21", None),
        (Fault("permanent", code="25"), False, "25", None),
    ],
)
async def test_refusals_are_classified(fake, http, fault, retryable, code, retry_after) -> None:
    send = adapter(http, fake.url).send
    assert await refusal(fake, fault, lambda: send(TEXT)) == (retryable, code, retry_after)


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="401") as refused:
        await adapter(http, fake.url, access_key="wrong").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "2")
    assert fake.received == []


async def test_a_missing_field_is_refused_for_good(fake, http) -> None:
    text = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "")
    with pytest.raises(ProviderError, match="body is required") as refused:
        await adapter(http, fake.url).send(text)
    assert (refused.value.retryable, refused.value.code) == (False, "9")


async def test_a_report_names_the_text_as_the_send_did(fake, http) -> None:
    messagebird = adapter(http, fake.url)
    result = await messagebird.send(TEXT)
    report_url = json.loads(fake.accepted()[0].body)["reportUrl"]
    callback = webhook(fake.status_callback(report_url, result.provider_message_id, "delivered"))
    assert callback.method == "GET"
    assert callback.query["reference"] == "42"
    assert callback.query["recipient"] == "14155552671"
    assert messagebird.verify(callback)
    [report] = messagebird.parse_status(callback)
    assert (report.provider_message_id, report.status, report.provider_status) == (
        result.provider_message_id,
        DeliveryStatus.DELIVERED,
        "delivered",
    )
    assert report.at == datetime(2024, 5, 3, 8, 58, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("scheduled", DeliveryStatus.SENT),
        ("sent", DeliveryStatus.SENT),
        ("buffered", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("expired", DeliveryStatus.BOUNCED),
        ("delivery_failed", DeliveryStatus.BOUNCED),
        ("in_limbo", DeliveryStatus.UNKNOWN),
    ],
)
async def test_every_status_value_is_mapped(fake, http, raw, status) -> None:
    [report] = adapter(http, fake.url).parse_status(
        webhook(fake.status_callback(STATUS_URL, "mb1", raw))
    )
    assert (report.provider_message_id, report.status, report.provider_status) == (
        "mb1",
        status,
        raw,
    )


async def test_the_error_code_is_kept_and_103_means_blocked(fake, http) -> None:
    messagebird = adapter(http, fake.url)
    [failed] = messagebird.parse_status(
        webhook(fake.status_callback(STATUS_URL, "mb1", "delivery_failed"))
    )
    assert (failed.status, failed.error_code) == (DeliveryStatus.BOUNCED, "1")
    [stopped] = messagebird.parse_status(
        webhook(fake.status_callback(STATUS_URL, "mb1", "delivery_failed", error_code="103"))
    )
    assert (stopped.status, stopped.error_code) == (DeliveryStatus.BLOCKED, "103")


async def test_an_unreadable_report_is_refused(fake, http) -> None:
    request = WebhookRequest("GET", STATUS_URL + "?id=mb1", {}, b"", {"id": "mb1"})
    with pytest.raises(KeyError):
        adapter(http, fake.url).parse_status(request)


async def test_inbound_texts_are_parsed(fake, http) -> None:
    callback = fake.inbound_callback(INBOUND_URL, "+14155552671", "+15005550006", "STOP")
    messagebird = adapter(http, fake.url)
    assert messagebird.verify(webhook(callback))
    [text] = messagebird.parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == ("+14155552671", "+15005550006", "STOP")
    sent = dict(parse_qsl(callback.body.decode()))
    assert text.provider_message_id == sent["id"]
    assert text.received_at == datetime.fromisoformat(sent["createdDatetime"])


async def test_json_and_short_code_inbound_texts_are_parsed(fake, http) -> None:
    messagebird = adapter(http, fake.url)
    body = json.dumps(
        {"id": "mb2", "originator": 31612345678, "recipient": 3197010260000, "payload": "Yes"}
    ).encode()
    request = WebhookRequest("POST", INBOUND_URL, {"content-type": "application/json"}, body)
    [text] = messagebird.parse_inbound(request)
    assert (text.sender, text.recipient, text.text, text.provider_message_id) == (
        "+31612345678",
        "+3197010260000",
        "Yes",
        "mb2",
    )
    form = (
        b"mid=mb3&shortcode=1008&originator=31612345678&message=No&receive_datetime=20240503085810"
    )
    request = WebhookRequest("POST", INBOUND_URL, {}, form)
    [text] = messagebird.parse_inbound(request)
    assert (text.sender, text.recipient, text.text, text.provider_message_id) == (
        "+31612345678",
        "1008",
        "No",
        "mb3",
    )
    assert text.received_at == datetime(2024, 5, 3, 8, 58, 10, tzinfo=UTC)


async def test_callbacks_the_official_validator_accepts_are_accepted(fake, http) -> None:
    messagebird = adapter(http, fake.url)
    oracle = RequestValidator(SIGNING_KEY)
    for callback in (
        fake.status_callback(STATUS_URL, "mb1", "delivered"),
        fake.inbound_callback(INBOUND_URL, "+14155552671", "+15005550006", "STOP"),
    ):
        oracle.validate_signature(
            callback.headers["MessageBird-Signature-JWT"], callback.url, callback.body
        )
        assert messagebird.verify(webhook(callback))


async def test_tampered_or_foreign_callbacks_are_rejected(fake, http) -> None:
    messagebird = adapter(http, fake.url)
    oracle = RequestValidator(SIGNING_KEY)
    report = webhook(fake.status_callback(STATUS_URL, "mb1", "delivered"))
    moved = WebhookRequest("GET", report.url.replace("delivered", "expired"), report.headers, b"")
    assert not messagebird.verify(moved)
    with pytest.raises(ValidationError):
        oracle.validate_signature(report.headers["messagebird-signature-jwt"], moved.url, b"")
    inbound = webhook(fake.inbound_callback(INBOUND_URL, "+14155552671", "+15005550006", "STOP"))
    changed = WebhookRequest(
        "POST", inbound.url, inbound.headers, inbound.body.replace(b"STOP", b"STAY")
    )
    assert not messagebird.verify(changed)
    with pytest.raises(ValidationError):
        oracle.validate_signature(
            inbound.headers["messagebird-signature-jwt"], changed.url, changed.body
        )
    foreign = FakeMessageBird(signing_key=ANOTHER_KEY).status_callback(STATUS_URL, "mb1", "sent")
    assert not messagebird.verify(webhook(foreign))
    assert not messagebird.verify(WebhookRequest("GET", report.url, {}, b""))
    assert not messagebird.verify(
        WebhookRequest("GET", report.url, {"messagebird-signature-jwt": "not.a.jwt"}, b"")
    )


def test_tokens_outside_their_window_are_rejected() -> None:
    fake = FakeMessageBird()
    issued = time.time() - 3600
    token = fake.signature(STATUS_URL, issued_at=issued)
    request = WebhookRequest("GET", STATUS_URL, {"messagebird-signature-jwt": token}, b"")
    expires = int(issued) + 60
    assert at(int(issued)).verify(request)
    assert at(expires + 299).verify(request)
    assert not at(expires + 301).verify(request)
    assert not at(int(issued) - 301).verify(request)
    assert not at(time.time()).verify(request)
    with pytest.raises(ValidationError, match="expired"):
        RequestValidator(SIGNING_KEY).validate_signature(token, STATUS_URL, b"")


def test_other_algorithms_and_issuers_are_rejected() -> None:
    now = int(time.time())
    url_hash = hashlib.sha256(STATUS_URL.encode()).hexdigest()
    claims = {"iss": "MessageBird", "nbf": now, "exp": now + 60, "url_hash": url_hash}
    for token, valid in (
        (jwt.encode(claims, SIGNING_KEY, algorithm="HS384"), True),
        (jwt.encode(claims, SIGNING_KEY, algorithm="HS512"), True),
        (jwt.encode({**claims, "iss": "Someone"}, SIGNING_KEY, algorithm="HS256"), False),
        (jwt.encode({**claims, "nbf": None}, SIGNING_KEY, algorithm="HS256"), False),
    ):
        request = WebhookRequest("GET", STATUS_URL, {"messagebird-signature-jwt": token}, b"")
        assert at(now).verify(request) is valid


PUBLISHED_AT = datetime.fromisoformat("2021-07-05T12:00:00+02:00").timestamp()
"""The frozen clock of python-rest-api's ``webhook_signature_test_data.json``."""
PUBLISHED_SECRET = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"
PLAIN_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ."
    "6Fp0rVOsRr1fj9S2GidXAfkmPVofKr8_RTffC6G6r2E"
)
PARAMS_URL = "https://example.com/path?bar=1&foo=2"
HELLO = "Hello, World!"
SPECIAL = "Some text containg & < >, & and \\u0026"


@pytest.mark.parametrize(
    ("method", "url", "payload", "token", "valid"),
    [
        pytest.param("GET", "https://example.com/", "", PLAIN_TOKEN, True, id="plain GET"),
        pytest.param("POST", "https://example.com/", "", PLAIN_TOKEN, True, id="plain POST"),
        pytest.param(
            "GET",
            PARAMS_URL,
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiJjOTQ2YWY3Ny1lMTgyLTRlYWEtYjJmZi0xYTU0NWI1ZTk5MWEiLCJ1cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAifQ.huo2ou6JDoDc7sV25d75UMWeYhBeavQlLsqIibSZuac",
            True,
            id="URL parameters",
        ),
        pytest.param(
            "POST",
            PARAMS_URL,
            HELLO,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI5M2U1NTAwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAyMWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNjIxODI5ODZmIn0._H--TOuYFLpeEH39-rg5E3IHVkjHozBcaKVWPRC5m9I",
            True,
            id="URL parameters and payload",
        ),
        pytest.param(
            "GET",
            "https://example.com/",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ4MjgwMCwiZXhwIjoxNjI1NDgyODYwLCJqdGkiOiJmOWY4YzM4Mi0yNDQ5LTQzMTEtYjcyYi0xZGY3MTY4NzkzMWUiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.ZELgDFNGhjZH9CffQKcq3sytBe2I0KciLxpBhcfstHQ",
            False,
            id="received before it was issued",
        ),
        pytest.param(
            "GET",
            "https://example.com/",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3NTYwMCwiZXhwIjoxNjI1NDc1NjYwLCJqdGkiOiI1ZjAyZjUyMi02MDMwLTQ2YzgtYjVhMy0wMTI0NjQ3OGQ4YmMiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.45MSST3B_2PsjNUeiuW54_vUQgVw4rBXrdWrOUEz3lM",
            False,
            id="received after it expired",
        ),
        pytest.param(
            "GET",
            "https://example.com/path?foo=1&bar=2",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiJhNzVjOTA5Ni1lODIzLTQ0MmItODVmMi03ZDNjOWQ5YjcyNmIiLCJ1cmxfaGFzaCI6IjZhMDIyZDgzNGMxODMzMGJhYWQ4YTJiZDYxMzUxNzNlZDIxNjEwYTQ1NDUxNmJlMGRmM2YxY2MwMTUxNjEwZWEifQ.z6Sw1XQIM0wuEQGBhXBdawDIIrtMg2XnmA_bpDq53pE",
            False,
            id="different URL",
        ),
        pytest.param(
            "POST",
            "https://example.com/",
            HELLO,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiIxNDUwMTUzMi05NmYyLTQ2ODQtOTgzMi02OGYwOTUxYWUzNDIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDciLCJwYXlsb2FkX2hhc2giOiJmYjYyZjAyYWNkYTdkNzQxNzdhNzAxYTFjZTAwNmU2YmFjZDkwYzdkNGQ3YWI0ODE2OTJjMWRhNDdjODEwNzZiIn0.m79RCwO6dGa9pvzsQypkVuXQ6eM0CkRl6_U7MfWg6TM",
            False,
            id="payload does not match",
        ),
        pytest.param(
            "GET",
            "https://example.com/",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiIyNDNjMjdhZS0yZjAyLTQ2YTAtODg1Mi1jNjZmMzdlYTlmNDYiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.JgSeYyOtlEKAXk8bz30iJI4tXgf4lxknoiezawuVhb4",
            False,
            id="different secret",
        ),
        pytest.param(
            "POST",
            "https://example.com/",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiIxNDUwMTUzMi05NmYyLTQ2ODQtOTgzMi02OGYwOTUxYWUzNDIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDciLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAyMWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNjIxODI5ODZmIn0.bHfsjj3tljfzTufoG3EU3p_yFrQh9CufyzRSaRMd4ss",
            False,
            id="payload removed in transit",
        ),
        pytest.param(
            "POST", "https://example.com/", HELLO, PLAIN_TOKEN, False, id="payload added in transit"
        ),
        pytest.param(
            "GET",
            "https://example.com:8080/",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjA3Zjc4NjFhNjliMTNjMjI5YzZhZTU5NmQxOThiMjc2M2IwNTRjZjVlMDAwZDczNmQxYzQ4MTAyZDc3MGNmZmMifQ.vcpa0IicGAbpo064dOjiA2VbVOR2S5uZBEaBOP16sS8",
            True,
            id="port number in URL",
        ),
        pytest.param(
            "GET",
            "https://example.com/?obj%5Bfield1%5D=val1&obj%5Bfield2%5D=val2&param=value+with+spaces",
            "",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjhhZmYzNzQ4ZDc4OWM0MzMzNTczZTFjMzFmZTViMDA0OTQwY2I1ZmM0NzQ2MGVkM2QwZTY1NGY3ZmM0ZTVmYWUifQ.mJBCMfEjKmN3IMuzqPXPHktWETrcu0iNdF3agE8PDyI",
            True,
            id="special characters in URL",
        ),
        pytest.param(
            "POST",
            "https://example.com/",
            SPECIAL,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDciLCJwYXlsb2FkX2hhc2giOiIyNDMxYmQ5Y2NiNDhlZDAxNmZhZDU2N2IwNzcxMjAzOGI1Y2RkOTQ5YWM5ZDQxZmU0NjkzZDVhMzg0NWNmN2U4In0.IQiKzeEPaO3A48lhKmBDSmxZyCESPCGxdSKFdi0dEJs",
            True,
            id="special characters in the payload",
        ),
        pytest.param(
            "GET",
            "https://example.com/",
            "",
            "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.KNMW-29X77lZeuPmThmHWc_RUAvTkaDkpxIZK6mqE08v8mWKiU9Edh4QXwAJO2nv",
            True,
            id="HS384",
        ),
        pytest.param(
            "GET",
            "https://example.com/",
            "",
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.rd6r0iMyNGnVPCwurETphE3Y8rpAyvvnUK0S8WvGUkt2E1QSRAZ7NZJZBHw1Y_Wb5W-sK9HJr_PRL2vz4jRT3Q",
            True,
            id="HS512",
        ),
        pytest.param(
            "GET",
            "https://example.com/",
            "",
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJNZXNzYWdlQmlyZCIsImlhdCI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.",
            False,
            id="none alg",
        ),
    ],
)
def test_the_published_signature_vectors(method, url, payload, token, valid) -> None:
    request = WebhookRequest(method, url, {"messagebird-signature-jwt": token}, payload.encode())
    assert at(PUBLISHED_AT, PUBLISHED_SECRET).verify(request) is valid


def test_the_published_url_hash() -> None:
    claims = jwt.decode(PLAIN_TOKEN, options={"verify_signature": False})
    assert claims["url_hash"] == "0f115db062b7c0dd030b16878c99dea5c354b49dc37b38eb8846179c7783e9d7"
    assert (claims["nbf"], claims["exp"]) == (1625479200, 1625479260)
    assert PUBLISHED_AT == 1625479200
