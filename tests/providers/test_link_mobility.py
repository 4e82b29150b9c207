"""LINK Mobility's quirks (the contract runner checks the rest): the platform, partner and gate
each text names, the sender's type of number, the endpoint host, result codes kept as error
codes, segment reports, key/value gates, the published report examples, short numbers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from smsurvey.providers.base import DeliveryStatus, ProviderError, WebhookRequest
from tests.fakes.base import webhook
from tests.fakes.link_mobility import GATE_ID, PLATFORM_ID, PLATFORM_PARTNER_ID, FakeLinkMobility
from tests.providers.contract import LINK_MOBILITY

TEXT = LINK_MOBILITY.text
STATUS_URL = LINK_MOBILITY.url("status")


@pytest.fixture
async def fake() -> AsyncIterator[FakeLinkMobility]:
    async with FakeLinkMobility() as server:
        yield server


async def test_each_text_names_the_platform_and_the_gate_and_wants_an_answer(fake, http) -> None:
    await LINK_MOBILITY.connect(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    body = json.loads(sent.body)
    assert {key: body[key] for key in body if key not in ("source", "destination", "userData")} == {
        "sourceTON": "MSISDN",
        "destinationTON": "MSISDN",
        "platformId": PLATFORM_ID,
        "platformPartnerId": PLATFORM_PARTNER_ID,
        "refId": TEXT.reference,
        "useDeliveryReport": True,
        "deliveryReportGates": [GATE_ID],
        "ignoreResponse": False,
    }


@pytest.mark.parametrize(
    ("sender", "ton"),
    [("+35312345678", "MSISDN"), ("2333", "SHORTNUMBER"), ("Qualtrics", "ALPHANUMERIC")],
)
async def test_the_sender_goes_as_is_with_its_type_of_number(fake, http, sender, ton) -> None:
    await LINK_MOBILITY.connect(http, fake.url).send(replace(TEXT, sender=sender))
    [sent] = fake.accepted()
    assert (sent.fields["source"], sent.fields["sourceTON"]) == (sender, ton)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("wsx.sp247.net", "https://wsx.sp247.net/sms/send"),
        ("n-eu.linkmobility.io", "https://n-eu.linkmobility.io/sms/send"),
        ("https://c-eu.linkmobility.io/sms", "https://c-eu.linkmobility.io/sms/send"),
    ],
)
async def test_the_endpoint_host_makes_the_send_url(http, host, url) -> None:
    assert LINK_MOBILITY.connect(http, "", endpoint_host=host)._url == url


async def test_a_wrong_platform_partner_id_is_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="400") as refused:
        await LINK_MOBILITY.connect(http, fake.url, platform_partner_id="1").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "106201")


async def test_a_failing_result_code_is_kept_as_the_error_code(fake, http) -> None:
    link = LINK_MOBILITY.connect(http, fake.url)
    [failed] = link.parse_status(webhook(fake.status_callback(STATUS_URL, "M1", "2104")))
    [delivered] = link.parse_status(webhook(fake.status_callback(STATUS_URL, "M1", "1001")))
    assert (failed.error_code, delivered.error_code) == ("2104", None)


async def test_each_segment_report_names_the_text_send_returned(fake, http) -> None:
    link = LINK_MOBILITY.connect(http, fake.url)
    result = await link.send(TEXT)
    reports = [
        report
        for segment in (0, 1)
        for report in link.parse_status(
            webhook(fake.report(STATUS_URL, result.provider_message_id, "1001", segment))
        )
    ]
    assert [report.provider_message_id for report in reports] == [result.provider_message_id] * 2
    assert {report.status for report in reports} == {DeliveryStatus.DELIVERED}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_key_value_gates_are_read_too(http, method) -> None:
    pairs = "id=M7%241&resultCode=1006&timestamp=2015-11-19T10%3A17%3A37Z"
    request = (
        WebhookRequest(
            "GET", f"{STATUS_URL}?{pairs}", {}, b"", {"id": "M7$1", "resultCode": "1006"}
        )
        if method == "GET"
        else WebhookRequest(
            "POST",
            STATUS_URL,
            {"content-type": "application/x-www-form-urlencoded"},
            pairs.encode(),
        )
    )
    [report] = LINK_MOBILITY.connect(http, "").parse_status(request)
    assert (report.provider_message_id, report.status, report.error_code) == (
        "M7",
        DeliveryStatus.BOUNCED,
        "1006",
    )


async def test_the_published_delivery_report_examples_are_read(http) -> None:
    delivered = (
        b'{"refId": "0", "id": "Dcshuhod0PMAAAFQ+/PbnR3x", "operator": "no.telenor",'
        b' "sentTimestamp": "2015-11-19T09:37:35Z", "timestamp": "2015-11-19T09:37:00Z",'
        b' "resultCode": 1001, "operatorResultCode": "2", "segments": 1,'
        b' "gateCustomParameters": {}, "customParameters": {"received": "2015-11-19 10:37:36"}}'
    )
    unknown_number = (
        b'{"refId": "0", "id": "0", "operator": null, "sentTimestamp": "2015-11-19T10:17:37Z",'
        b' "timestamp": "2015-11-19T10:17:37Z", "resultCode": 2106, "operatorResultCode": null,'
        b' "segments": 1, "gateCustomParameters": {}, "customParameters": {}}'
    )
    link = LINK_MOBILITY.connect(http, "")
    headers = {"content-type": "application/json"}
    [first] = link.parse_status(WebhookRequest("POST", STATUS_URL, headers, delivered))
    [second] = link.parse_status(WebhookRequest("POST", STATUS_URL, headers, unknown_number))
    assert (first.provider_message_id, first.status, first.provider_status) == (
        "Dcshuhod0PMAAAFQ+/PbnR3x",
        DeliveryStatus.DELIVERED,
        "1001",
    )
    assert (second.provider_message_id, second.status, second.error_code) == (
        "0",
        DeliveryStatus.BOUNCED,
        "2106",
    )


@pytest.mark.parametrize(
    ("sender", "recipient", "expected"),
    [
        ("4799999999", "NO-2333", ("+4799999999", "2333")),
        ("LINK", "+35312345678", ("LINK", "+35312345678")),
    ],
)
async def test_inbound_short_numbers_and_names(fake, http, sender, recipient, expected) -> None:
    callback = fake.inbound_callback(LINK_MOBILITY.url("message"), sender, recipient, "STOP")
    [text] = LINK_MOBILITY.connect(http, fake.url).parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == (*expected, "STOP")
