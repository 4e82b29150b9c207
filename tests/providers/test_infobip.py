"""The Infobip adapter against the fake Infobip on 127.0.0.1, and RFC 7617's Basic vector."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from smsurvey.providers.base import (
    Connection,
    DeliveryStatus,
    OutboundSms,
    ProviderError,
    WebhookRequest,
)
from smsurvey.providers.infobip import KIND, Infobip, base_url
from tests.fakes.base import Fault, webhook
from tests.fakes.infobip import API_KEY, FIELDS, STATUSES, FakeInfobip
from tests.providers.refusals import refusal

TEXT = OutboundSms("42", "OR_x", "+41793026700", "+41793026727", "Hi Ann")
STATUS_URL = "https://x.test/distribution-providers/v1/receive/distribution/status/infobip/OR_x"
INBOUND_URL = "https://x.test/distribution-providers/v1/receive/distribution/message/infobip/OR_x"


@pytest.fixture
async def fake() -> AsyncIterator[FakeInfobip]:
    async with FakeInfobip() as server:
        yield server


def adapter(http: aiohttp.ClientSession, url: str, **fields: str) -> Infobip:
    fields = {**FIELDS, "api_url": url, **fields}
    connection = Connection("OR_x", fields, "41793026700", "https://x.test/", lambda: http)
    infobip = KIND.connect(connection)
    assert isinstance(infobip, Infobip)
    return infobip


async def test_send_posts_the_v3_message_and_reads_its_id(fake, http) -> None:
    result = await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id == TEXT.reference
    assert sent.path == "/sms/3/messages"
    assert sent.headers["Authorization"] == f"App {API_KEY}"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "messages": [
            {
                "sender": "41793026700",
                "destinations": [{"to": "41793026727", "messageId": "42"}],
                "content": {"text": "Hi Ann"},
                "webhooks": {"delivery": {"url": STATUS_URL}, "contentType": "application/json"},
            }
        ]
    }


async def test_an_alphanumeric_sender_goes_as_is(fake, http) -> None:
    await adapter(http, fake.url).send(OutboundSms("42", "OR_x", "Survey", "+41793026727", "Hi"))
    [sent] = fake.accepted()
    assert (sent.fields["from"], sent.fields["to"]) == ("Survey", "41793026727")


async def test_without_a_public_url_no_webhook_is_asked(fake, http) -> None:
    connection = Connection("OR_x", {**FIELDS, "api_url": fake.url}, "", None, lambda: http)
    await KIND.connect(connection).send(TEXT)
    [sent] = fake.accepted()
    assert "webhooks" not in json.loads(sent.body)["messages"][0]


def test_the_base_url_is_the_host_infobip_shows_over_https() -> None:
    assert base_url("xxxxx.api.infobip.com") == "https://xxxxx.api.infobip.com"
    assert base_url(" https://xxxxx.api.infobip.com/ ") == "https://xxxxx.api.infobip.com"
    assert KIND.plus_sign is False
    assert KIND.aliases == ("infobip-sms",)
    assert [(f.key, f.secret) for f in KIND.fields] == [
        ("api_key", True),
        ("webhook_username", False),
        ("webhook_password", True),
        ("base_url", False),
        ("api_url", False),
    ]


@pytest.mark.parametrize(
    ("fault", "retryable", "code", "retry_after"),
    [
        (Fault("throttle", retry_after=3), True, "E429", 3.0),
        (Fault("throttle"), True, "E429", None),
        (Fault("server"), True, "E500", None),
        (Fault("permanent"), False, "REJECTED_DESTINATION", None),
        (
            Fault("permanent", code="REJECTED_PREFIX_MISSING"),
            False,
            "REJECTED_PREFIX_MISSING",
            None,
        ),
        (Fault("permanent", code="REJECTED_DND"), False, "REJECTED_DND", None),
        (Fault("permanent", code="SIGNALS_BLOCKED"), False, "SIGNALS_BLOCKED", None),
        (Fault("permanent", code="REJECTED_SYSTEM_ERROR"), True, "REJECTED_SYSTEM_ERROR", None),
        (Fault("permanent", code="E400"), False, "E400", None),
    ],
)
async def test_refusals_are_classified(fake, http, fault, retryable, code, retry_after) -> None:
    send = adapter(http, fake.url).send
    assert await refusal(fake, fault, lambda: send(TEXT)) == (retryable, code, retry_after)
    assert fake.accepted() == []


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="401") as refused:
        await adapter(http, fake.url, api_key="wrong").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "E401")
    assert fake.received == []


async def test_a_missing_text_is_refused_the_way_infobip_does(fake, http) -> None:
    with pytest.raises(ProviderError, match="400") as refused:
        await adapter(http, fake.url).send(OutboundSms("42", "OR_x", "Survey", "+41793026727", ""))
    assert (refused.value.retryable, refused.value.code) == (False, "E400")


async def test_basic_auth_of_the_webhook_credentials_is_accepted(fake, http) -> None:
    infobip = adapter(http, fake.url)
    good = webhook(fake.status_callback(STATUS_URL, "id-1", "DELIVERED_TO_HANDSET"))
    assert infobip.verify(good)
    assert infobip.verify(
        webhook(fake.inbound_callback(INBOUND_URL, "+41793026727", "+41793026700", "Yes"))
    )
    forged = FakeInfobip(webhook_password="guess").status_callback(
        STATUS_URL, "id-1", "DELIVERED_TO_HANDSET"
    )
    assert not infobip.verify(webhook(forged))
    other_user = FakeInfobip(webhook_username="admin").status_callback(
        STATUS_URL, "id-1", "DELIVERED_TO_HANDSET"
    )
    assert not infobip.verify(webhook(other_user))
    for header in ("", "Basic", "Basic !!!", "Bearer abc", "App " + API_KEY):
        assert not infobip.verify(
            WebhookRequest("POST", STATUS_URL, {"authorization": header}, good.body)
        )
    assert not infobip.verify(WebhookRequest("POST", STATUS_URL, {}, good.body))


async def test_no_webhook_credentials_accept_nothing(fake, http) -> None:
    infobip = adapter(http, fake.url, webhook_username="", webhook_password="")
    callback = FakeInfobip(webhook_username="", webhook_password="").status_callback(
        STATUS_URL, "id-1", "DELIVERED_TO_HANDSET"
    )
    assert not infobip.verify(webhook(callback))


def test_basic_auth_matches_the_rfc_7617_vector(http) -> None:
    infobip = adapter(
        http, "http://127.0.0.1:9", webhook_username="Aladdin", webhook_password="open sesame"
    )
    good = {"authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}
    assert infobip.verify(WebhookRequest("POST", STATUS_URL, good, b"{}"))
    assert infobip.verify(
        WebhookRequest(
            "POST", STATUS_URL, {"authorization": "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}, b"{}"
        )
    )
    wrong = {"authorization": "Basic QWxhZGRpbjpvcGVuIFNlc2FtZQ=="}
    assert not infobip.verify(WebhookRequest("POST", STATUS_URL, wrong, b"{}"))


EXPECTED = {
    "PENDING_WAITING_DELIVERY": DeliveryStatus.SENT,
    "PENDING_ENROUTE": DeliveryStatus.SENT,
    "PENDING_ACCEPTED": DeliveryStatus.SENT,
    "UNDELIVERABLE_REJECTED_OPERATOR": DeliveryStatus.BOUNCED,
    "UNDELIVERABLE_NOT_DELIVERED": DeliveryStatus.BOUNCED,
    "UNDELIVERABLE_NOT_SENT": DeliveryStatus.BOUNCED,
    "DELIVERED_TO_OPERATOR": DeliveryStatus.SENT,
    "DELIVERED_TO_HANDSET": DeliveryStatus.DELIVERED,
    "EXPIRED_EXPIRED": DeliveryStatus.BOUNCED,
    "EXPIRED_DLR_UNKNOWN": DeliveryStatus.BOUNCED,
    "REJECTED_NETWORK": DeliveryStatus.FAILED,
    "REJECTED_PREFIX_MISSING": DeliveryStatus.FAILED,
    "REJECTED_DND": DeliveryStatus.BLOCKED,
    "REJECTED_SOURCE": DeliveryStatus.FAILED,
    "REJECTED_NOT_ENOUGH_CREDITS": DeliveryStatus.FAILED,
    "REJECTED_SENDER": DeliveryStatus.FAILED,
    "REJECTED_DESTINATION_BLOCKLISTED": DeliveryStatus.BLOCKED,
    "REJECTED_PREPAID_PACKAGE_EXPIRED": DeliveryStatus.FAILED,
    "REJECTED_DESTINATION_NOT_REGISTERED": DeliveryStatus.FAILED,
    "REJECTED_ROUTE_NOT_AVAILABLE": DeliveryStatus.FAILED,
    "REJECTED_FLOODING_FILTER": DeliveryStatus.FAILED,
    "REJECTED_SYSTEM_ERROR": DeliveryStatus.FAILED,
    "REJECTED_INVALID_UDH": DeliveryStatus.FAILED,
    "REJECTED_MESSAGE_TOO_LONG": DeliveryStatus.FAILED,
    "MISSING_TO": DeliveryStatus.FAILED,
    "REJECTED_DESTINATION": DeliveryStatus.FAILED,
    "SIGNALS_BLOCKED": DeliveryStatus.BLOCKED,
    "UNDELIVERABLE_REJECTED_PLATFORM": DeliveryStatus.FAILED,
}


def test_the_expectations_cover_every_status_the_fake_knows() -> None:
    assert EXPECTED.keys() | {"REJECTED_DUPLICATE_MESSAGE_ID"} == STATUSES.keys()


async def test_a_refused_duplicate_reports_nothing_of_the_text_with_its_id(fake, http) -> None:
    callback = fake.status_callback(STATUS_URL, "OR_x-7", "REJECTED_DUPLICATE_MESSAGE_ID")
    assert adapter(http, fake.url).parse_status(webhook(callback)) == []


async def test_a_text_sent_again_with_idempotency_on_is_the_one_infobip_has(http) -> None:
    text = OutboundSms("OR_x-7", "OR_x", "+41793026700", "+41793026727", "Hi Ann")
    async with FakeInfobip(idempotent=True) as fake:
        infobip = adapter(http, fake.url)
        first, again = await infobip.send(text), await infobip.send(text)
    assert first.provider_message_id == again.provider_message_id == "OR_x-7"
    assert [item.message_id for item in fake.received] == ["OR_x-7", None]


@pytest.mark.parametrize(("raw", "status"), EXPECTED.items())
async def test_every_status_value_is_mapped(fake, http, raw, status) -> None:
    [report] = adapter(http, fake.url).parse_status(
        webhook(fake.status_callback(STATUS_URL, "id-1", raw))
    )
    assert (report.provider_message_id, report.status, report.provider_status) == (
        "id-1",
        status,
        raw,
    )
    assert report.at == datetime(2024, 5, 1, 10, 0, 5, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "group", "status"),
    [
        ("SCHEDULED_FOR_LATER", (6, "SCHEDULED"), DeliveryStatus.UNKNOWN),
        ("PENDING_SOMETHING_NEW", (1, "PENDING"), DeliveryStatus.SENT),
        ("REJECTED_SOMETHING_NEW", (5, "REJECTED"), DeliveryStatus.FAILED),
    ],
)
async def test_an_unknown_status_name_is_kept(fake, http, raw, group, status) -> None:
    callback = fake.reports_callback(STATUS_URL, [fake.report("id-1", raw, group=group)])
    [report] = adapter(http, fake.url).parse_status(webhook(callback))
    assert (report.status, report.provider_status) == (status, raw)


async def test_a_batched_report_gives_one_report_each_with_its_error(fake, http) -> None:
    results = [
        fake.report("id-1", "DELIVERED_TO_HANDSET"),
        fake.report("id-2", "UNDELIVERABLE_NOT_DELIVERED", error="EC_UNKNOWN_SUBSCRIBER"),
        fake.report("id-3", "UNDELIVERABLE_NOT_DELIVERED", error="EC_CONTENT_BLOCKED"),
        fake.report("id-4", "EXPIRED_EXPIRED"),
    ]
    reports = adapter(http, fake.url).parse_status(
        webhook(fake.reports_callback(STATUS_URL, results))
    )
    assert [(r.provider_message_id, r.status, r.error_code) for r in reports] == [
        ("id-1", DeliveryStatus.DELIVERED, None),
        ("id-2", DeliveryStatus.BOUNCED, "EC_UNKNOWN_SUBSCRIBER"),
        ("id-3", DeliveryStatus.BLOCKED, "EC_CONTENT_BLOCKED"),
        ("id-4", DeliveryStatus.BOUNCED, "EC_ABSENT_SUBSCRIBER"),
    ]


async def test_the_report_names_the_id_send_returned(fake, http) -> None:
    infobip = adapter(http, fake.url)
    sent = await infobip.send(TEXT)
    callback = fake.status_callback(STATUS_URL, sent.provider_message_id, "DELIVERED_TO_HANDSET")
    [report] = infobip.parse_status(webhook(callback))
    assert report.provider_message_id == sent.provider_message_id


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"results": {}}', b'{"results": [{}]}'])
async def test_unreadable_callbacks_raise(fake, http, body) -> None:
    infobip = adapter(http, fake.url)
    request = WebhookRequest("POST", STATUS_URL, {}, body)
    with pytest.raises((ValueError, KeyError)):
        infobip.parse_status(request)
    with pytest.raises((ValueError, KeyError)):
        infobip.parse_inbound(request)


async def test_inbound_texts_are_parsed_back_to_e164(fake, http) -> None:
    callback = fake.inbound_callback(INBOUND_URL, "+41793026727", "+41793026700", "YES please")
    assert b'"from": "41793026727"' in callback.body
    [text] = adapter(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == (
        "+41793026727",
        "+41793026700",
        "YES please",
    )
    assert text.provider_message_id
    assert text.received_at == datetime(2024, 5, 1, 10, 1, tzinfo=UTC)


async def test_inbound_short_codes_and_names_stay_as_they_are(fake, http) -> None:
    callback = fake.inbound_callback(INBOUND_URL, "Bank", "868686", "hello")
    [text] = adapter(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient) == ("Bank", "868686")
