"""Infobip's quirks (the contract runner checks the rest): reports asked for as JSON, the base
URL Infobip shows, webhooks without credentials, status names beyond the table, batched
reports, short codes and names in inbound texts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from smsurvey.providers.base import DeliveryStatus, OutboundSms
from smsurvey.providers.infobip import KIND, base_url
from tests.fakes.base import webhook
from tests.fakes.infobip import STATUSES, FakeInfobip
from tests.providers.contract import INFOBIP


@pytest.fixture
async def fake() -> AsyncIterator[FakeInfobip]:
    async with FakeInfobip() as server:
        yield server


async def test_each_text_asks_for_its_reports_as_json(fake, http) -> None:
    await INFOBIP.connect(http, fake.url).send(INFOBIP.text)
    [sent] = fake.accepted()
    [sms] = json.loads(sent.body)["messages"]
    assert sms["webhooks"]["contentType"] == "application/json"


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


async def test_no_webhook_credentials_accept_nothing(fake, http) -> None:
    infobip = INFOBIP.connect(http, fake.url, webhook_username="", webhook_password="")
    callback = FakeInfobip(webhook_username="", webhook_password="").status_callback(
        INFOBIP.url("status"), "id-1", "DELIVERED_TO_HANDSET"
    )
    assert not infobip.verify(webhook(callback))


def test_the_contract_maps_every_status_the_fake_knows() -> None:
    assert {raw for raw, _ in INFOBIP.statuses} | {"REJECTED_DUPLICATE_MESSAGE_ID"} == (
        STATUSES.keys()
    )


async def test_a_refused_duplicate_reports_nothing_of_the_text_with_its_id(fake, http) -> None:
    callback = fake.status_callback(
        INFOBIP.url("status"), "OR_x-7", "REJECTED_DUPLICATE_MESSAGE_ID"
    )
    assert INFOBIP.connect(http, fake.url).parse_status(webhook(callback)) == []


async def test_a_text_sent_again_with_idempotency_on_is_the_one_infobip_has(http) -> None:
    text = OutboundSms("OR_x-7", "OR_x", "+41793026700", "+41793026727", "Hi Ann")
    async with FakeInfobip(idempotent=True) as fake:
        infobip = INFOBIP.connect(http, fake.url)
        first, again = await infobip.send(text), await infobip.send(text)
    assert first.provider_message_id == again.provider_message_id == "OR_x-7"
    assert [item.message_id for item in fake.received] == ["OR_x-7", None]


@pytest.mark.parametrize(
    ("raw", "group", "status"),
    [
        ("SCHEDULED_FOR_LATER", (6, "SCHEDULED"), DeliveryStatus.UNKNOWN),
        ("PENDING_SOMETHING_NEW", (1, "PENDING"), DeliveryStatus.SENT),
        ("REJECTED_SOMETHING_NEW", (5, "REJECTED"), DeliveryStatus.FAILED),
    ],
)
async def test_an_unknown_status_name_is_kept(fake, http, raw, group, status) -> None:
    callback = fake.reports_callback(INFOBIP.url("status"), [fake.report("id-1", raw, group=group)])
    [report] = INFOBIP.connect(http, fake.url).parse_status(webhook(callback))
    assert (report.status, report.provider_status) == (status, raw)


async def test_a_batched_report_gives_one_report_each_with_its_error(fake, http) -> None:
    results = [
        fake.report("id-1", "DELIVERED_TO_HANDSET"),
        fake.report("id-2", "UNDELIVERABLE_NOT_DELIVERED", error="EC_UNKNOWN_SUBSCRIBER"),
        fake.report("id-3", "UNDELIVERABLE_NOT_DELIVERED", error="EC_CONTENT_BLOCKED"),
        fake.report("id-4", "EXPIRED_EXPIRED"),
    ]
    reports = INFOBIP.connect(http, fake.url).parse_status(
        webhook(fake.reports_callback(INFOBIP.url("status"), results))
    )
    assert [(r.provider_message_id, r.status, r.error_code) for r in reports] == [
        ("id-1", DeliveryStatus.DELIVERED, None),
        ("id-2", DeliveryStatus.BOUNCED, "EC_UNKNOWN_SUBSCRIBER"),
        ("id-3", DeliveryStatus.BLOCKED, "EC_CONTENT_BLOCKED"),
        ("id-4", DeliveryStatus.BOUNCED, "EC_ABSENT_SUBSCRIBER"),
    ]


async def test_inbound_numbers_come_without_their_plus_and_get_it_back(fake, http) -> None:
    text = INFOBIP.text
    callback = fake.inbound_callback(INFOBIP.url("message"), text.to, text.sender, "Yes")
    assert b'"from": "41793026727"' in callback.body
    [inbound] = INFOBIP.connect(http, fake.url).parse_inbound(webhook(callback))
    assert (inbound.sender, inbound.recipient) == (text.to, text.sender)


async def test_inbound_short_codes_and_names_stay_as_they_are(fake, http) -> None:
    callback = fake.inbound_callback(INFOBIP.url("message"), "Bank", "868686", "hello")
    [text] = INFOBIP.connect(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient) == ("Bank", "868686")
