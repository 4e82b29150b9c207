"""The Twilio adapter against a Twilio-shaped server on 127.0.0.1, and the official validator."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from twilio.request_validator import RequestValidator

from smsurvey.providers.base import DeliveryStatus, OutboundSms, ProviderError, WebhookRequest
from smsurvey.providers.twilio import Twilio, TwilioAccount, signature

SID, TOKEN = "AC" + "1" * 32, "secret-token"
TEXT = OutboundSms("42", "OR_x", "+15005550006", "+14155552671", "Hi Ann")


class FakeTwilio:
    """Checks auth and fields like Twilio; answers with what ``answers`` says, in turn."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, object], dict[str, str]]] = []
        self.received: list[dict[str, str]] = []

    async def messages(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        form = dict(await request.post())
        self.received.append({k: str(v) for k, v in form.items()})
        status, body, headers = self.answers.pop(0) if self.answers else (201, {}, {})
        body = body or {"sid": f"SM{len(self.received):032d}", "status": "queued"}
        return web.json_response(body, status=status, headers=headers)


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeTwilio, str]]:
    server = FakeTwilio()
    app = web.Application()
    app.router.add_post(f"/2010-04-01/Accounts/{SID}/Messages.json", server.messages)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


def adapter(http: aiohttp.ClientSession, url: str, token: str = TOKEN) -> Twilio:
    account = TwilioAccount(SID, token, public_url="https://x.test/", api_url=url)
    return Twilio(account, lambda: http)


async def test_send_posts_the_form_and_reads_the_sid(fake, http) -> None:
    server, url = fake
    result = await adapter(http, url).send(TEXT)
    assert result.provider_message_id == "SM" + "0" * 31 + "1"
    assert server.received == [
        {
            "To": "+14155552671",
            "From": "+15005550006",
            "Body": "Hi Ann",
            "StatusCallback": "https://x.test/distribution-providers/v1/receive/distribution/status/twilio/OR_x",
        }
    ]


@pytest.mark.parametrize(
    ("status", "body", "headers", "retryable", "code", "retry_after"),
    [
        (
            429,
            {"code": 20429, "message": "Too Many Requests"},
            {"Retry-After": "3"},
            True,
            "20429",
            3.0,
        ),
        (503, {"message": "Service Unavailable"}, {}, True, None, None),
        (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, {}, False, "21211", None),
        (
            400,
            {"code": 21610, "message": "Attempt to send to unsubscribed recipient"},
            {},
            False,
            "21610",
            None,
        ),
    ],
)
async def test_refusals_are_classified(
    fake, http, status, body, headers, retryable, code, retry_after
) -> None:
    server, url = fake
    server.answers.append((status, body, headers))
    with pytest.raises(ProviderError) as refused:
        await adapter(http, url).send(TEXT)
    assert (refused.value.retryable, refused.value.code, refused.value.retry_after) == (
        retryable,
        code,
        retry_after,
    )


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    _, url = fake
    with pytest.raises(ProviderError, match="401") as refused:
        await adapter(http, url, token="wrong").send(TEXT)
    assert refused.value.retryable is False


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


def _callback(fields: dict[str, str], signed_with: str, url: str) -> WebhookRequest:
    sig = RequestValidator(signed_with).compute_signature(url, fields)
    headers = {"x-twilio-signature": sig, "content-type": "application/x-www-form-urlencoded"}
    return WebhookRequest("POST", url, headers, urlencode(fields).encode())


async def test_callbacks_signed_by_the_official_validator_are_accepted(http) -> None:
    twilio = adapter(http, "http://unused")
    url = (
        "https://smsurvey.example/distribution-providers/v1/receive/distribution/status/twilio/OR_x"
    )
    fields = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30004"}
    good = _callback(fields, TOKEN, url)
    assert twilio.verify(good)
    assert not twilio.verify(_callback(fields, "another-token", url))
    tampered = WebhookRequest("POST", url, good.headers, good.body.replace(b"30004", b"30005"))
    assert not twilio.verify(tampered)
    [report] = twilio.parse_status(good)
    assert (report.provider_message_id, report.status, report.error_code) == (
        "SM1",
        DeliveryStatus.BLOCKED,
        "30004",
    )
    delivered = _callback({"MessageSid": "SM2", "MessageStatus": "delivered"}, TOKEN, url)
    assert twilio.parse_status(delivered)[0].status is DeliveryStatus.DELIVERED
    odd = _callback({"MessageSid": "SM3", "MessageStatus": "partially_delivered"}, TOKEN, url)
    assert twilio.parse_status(odd)[0].provider_status == "partially_delivered"


async def test_inbound_texts_are_parsed(http) -> None:
    url = "https://smsurvey.example/in"
    fields = {"MessageSid": "SM9", "From": "+14155552671", "To": "+15005550006", "Body": "STOP"}
    [text] = adapter(http, "http://unused").parse_inbound(_callback(fields, TOKEN, url))
    assert (text.sender, text.recipient, text.text, text.provider_message_id) == (
        "+14155552671",
        "+15005550006",
        "STOP",
        "SM9",
    )
