"""MessageBird's quirks (the contract runner checks the rest): JSON and short-code inbound
texts, the official ``RequestValidator`` as an oracle, token lifetimes, algorithms and issuers,
and MessageBird's published webhook-signature test data."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import jwt
import pytest
from messagebird.error import ValidationError
from messagebird.request_validator import RequestValidator

from smsurvey.providers.base import WebhookRequest
from smsurvey.providers.messagebird import KIND, MessageBird, MessageBirdAccount
from tests.fakes.base import Callback, webhook
from tests.fakes.messagebird import SIGNING_KEY, FakeMessageBird
from tests.providers.contract import MESSAGEBIRD

STATUS_URL = MESSAGEBIRD.url("status")
INBOUND_URL = MESSAGEBIRD.url("message")


@pytest.fixture
async def fake() -> AsyncIterator[FakeMessageBird]:
    async with FakeMessageBird() as server:
        yield server


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


def test_json_and_short_code_inbound_texts_are_parsed(http) -> None:
    messagebird = MESSAGEBIRD.connect(http, "")
    body = b'{"id": "mb2", "originator": 31612345678, "recipient": 3197010260000, "payload": "Yes"}'
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


def _oracle_accepts(callback: Callback) -> bool:
    token = dict(webhook(callback).headers)["messagebird-signature-jwt"]
    try:
        RequestValidator(SIGNING_KEY).validate_signature(token, callback.url, callback.body)
    except ValidationError:
        return False
    return True


async def test_verify_agrees_with_the_official_validator(fake, http) -> None:
    messagebird = MESSAGEBIRD.connect(http, fake.url)
    report = fake.status_callback(STATUS_URL, "mb1", "delivered")
    inbound = fake.inbound_callback(INBOUND_URL, "+14155552671", "+15005550006", "STOP")
    moved = Callback("GET", report.url.replace("delivered", "expired"), report.headers)
    changed = Callback("POST", inbound.url, inbound.headers, inbound.body.replace(b"STOP", b"STAY"))
    for callback, genuine in ((report, True), (inbound, True), (moved, False), (changed, False)):
        assert _oracle_accepts(callback) is genuine
        assert messagebird.verify(webhook(callback)) is genuine


async def test_a_missing_or_garbled_token_is_refused(http) -> None:
    messagebird = MESSAGEBIRD.connect(http, "")
    assert not messagebird.verify(WebhookRequest("GET", STATUS_URL, {}, b""))
    garbled = {"messagebird-signature-jwt": "not.a.jwt"}
    assert not messagebird.verify(WebhookRequest("GET", STATUS_URL, garbled, b""))


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
