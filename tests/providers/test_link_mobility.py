"""The LINK Mobility adapter against the fake LINK Mobility on 127.0.0.1."""

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
from smsurvey.providers.link_mobility import KIND, LinkMobility
from tests.fakes.base import Fault, webhook
from tests.fakes.link_mobility import FIELDS, GATE_ID, FakeLinkMobility
from tests.providers.refusals import refusal

TEXT = OutboundSms("42", "OR_x", "+35312345678", "+4799999999", "Hi Ann")
STATUS_URL = (
    "https://x.test/distribution-providers/v1/receive/distribution/status/link-mobility/OR_x"
)
MESSAGE_URL = (
    "https://x.test/distribution-providers/v1/receive/distribution/message/link-mobility/OR_x"
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeLinkMobility]:
    async with FakeLinkMobility() as server:
        yield server


def adapter(http: aiohttp.ClientSession, url: str | None, **fields: str) -> LinkMobility:
    fields = {**FIELDS, **({"api_url": url} if url else {}), **fields}
    connection = Connection("OR_x", fields, "+35312345678", "https://x.test/", lambda: http)
    link = KIND.connect(connection)
    assert isinstance(link, LinkMobility)
    return link


async def test_send_posts_the_json_and_reads_the_message_id(fake, http) -> None:
    result = await adapter(http, fake.url).send(TEXT)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id
    assert sent.path == "/sms/send"
    assert sent.headers["Authorization"] == "Basic bGluay11c2VyOmxpbmstc2VjcmV0"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "source": "+35312345678",
        "sourceTON": "MSISDN",
        "destination": "+4799999999",
        "destinationTON": "MSISDN",
        "userData": "Hi Ann",
        "platformId": "COMMON_API",
        "platformPartnerId": "30978",
        "refId": "42",
        "useDeliveryReport": True,
        "deliveryReportGates": [GATE_ID],
        "ignoreResponse": False,
    }


@pytest.mark.parametrize(
    ("sender", "ton"),
    [("+35312345678", "MSISDN"), ("2333", "SHORTNUMBER"), ("Qualtrics", "ALPHANUMERIC")],
)
async def test_the_sender_goes_as_is_with_its_type_of_number(fake, http, sender, ton) -> None:
    text = OutboundSms("42", "OR_x", sender, "+4799999999", "Hi Ann")
    await adapter(http, fake.url).send(text)
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
    assert adapter(http, None, endpoint_host=host)._url == url


@pytest.mark.parametrize(
    ("fault", "retryable", "code", "retry_after"),
    [
        (Fault("throttle", retry_after=3), True, None, 3.0),
        (Fault("throttle", code="3"), True, "3", None),
        (Fault("server"), True, None, None),
        (Fault("permanent"), False, "106000", None),
        (Fault("permanent", code="106101"), False, "106101", None),
        (Fault("permanent", code="106300"), False, "106300", None),
        (Fault("permanent", code="2106"), False, "2106", None),
        (Fault("permanent", code="2105"), False, "2105", None),
        (Fault("permanent", code="3"), True, "3", None),
    ],
)
async def test_refusals_are_classified(fake, http, fault, retryable, code, retry_after) -> None:
    send = adapter(http, fake.url).send
    assert await refusal(fake, fault, lambda: send(TEXT)) == (retryable, code, retry_after)
    assert fake.accepted() == []


async def test_wrong_credentials_are_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="401") as refused:
        await adapter(http, fake.url, password="wrong").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "106100")
    assert fake.received == []


async def test_a_wrong_platform_partner_id_is_permanent(fake, http) -> None:
    with pytest.raises(ProviderError, match="400") as refused:
        await adapter(http, fake.url, platform_partner_id="1").send(TEXT)
    assert (refused.value.retryable, refused.value.code) == (False, "106201")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        *((str(code), DeliveryStatus.SENT) for code in (1000, 1005, 1008, 1011, 1012, 1013)),
        *((str(code), DeliveryStatus.DELIVERED) for code in (1001, 1007)),
        *(
            (str(code), DeliveryStatus.BOUNCED)
            for code in (4, 5, 1002, 1003, 1004, 1006, 1009, 1010, 2104, 2106)
        ),
        *((str(code), DeliveryStatus.BLOCKED) for code in (2103, 2105, 2107, 2205)),
        *(
            (str(code), DeliveryStatus.FAILED)
            for code in (
                *(0, 1, 2, 3, 6, 104, 105),
                *(2000, 2001, 2002, 2003, 2100, 2101, 2102),
                *(2200, 2201, 2202, 2203, 2204, 2206, 2207),
                *(3000, 3001, 3002),
                *(4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007),
            )
        ),
        ("9999", DeliveryStatus.UNKNOWN),
        ("DELIVRD", DeliveryStatus.UNKNOWN),
    ],
)
async def test_every_result_code_is_mapped(fake, http, raw, status) -> None:
    [report] = adapter(http, fake.url).parse_status(
        webhook(fake.status_callback(STATUS_URL, "Dcshuhod0PMAAAFQ+/PbnR3x", raw))
    )
    assert (report.provider_message_id, report.status, report.provider_status) == (
        "Dcshuhod0PMAAAFQ+/PbnR3x",
        status,
        raw,
    )


async def test_a_report_keeps_its_error_code_and_time(fake, http) -> None:
    link = adapter(http, fake.url)
    [failed] = link.parse_status(webhook(fake.status_callback(STATUS_URL, "M1", "2104")))
    [delivered] = link.parse_status(webhook(fake.status_callback(STATUS_URL, "M1", "1001")))
    assert (failed.error_code, delivered.error_code) == ("2104", None)
    assert delivered.at == datetime(2015, 11, 19, 9, 37, tzinfo=UTC)


async def test_each_segment_report_names_the_text_send_returned(fake, http) -> None:
    link = adapter(http, fake.url)
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
    [report] = adapter(http, None).parse_status(request)
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
    link = adapter(http, None)
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
    "body",
    [b"not json", b"[]", b'{"id": "M1"}', b'{"resultCode": 1001}'],
)
async def test_unreadable_reports_raise(http, body) -> None:
    request = WebhookRequest("POST", STATUS_URL, {"content-type": "application/json"}, body)
    with pytest.raises((ValueError, KeyError)):
        adapter(http, None).parse_status(request)


@pytest.mark.parametrize(
    ("sender", "recipient", "expected"),
    [
        ("+4799999999", "+35312345678", ("+4799999999", "+35312345678")),
        ("4799999999", "NO-2333", ("+4799999999", "2333")),
        ("LINK", "+35312345678", ("LINK", "+35312345678")),
    ],
)
async def test_inbound_texts_are_parsed(fake, http, sender, recipient, expected) -> None:
    callback = fake.inbound_callback(MESSAGE_URL, sender, recipient, "STOP")
    link = adapter(http, fake.url)
    assert link.verify(webhook(callback))
    [text] = link.parse_inbound(webhook(callback))
    assert (text.sender, text.recipient, text.text) == (*expected, "STOP")
    assert text.provider_message_id == json.loads(callback.body)["messageId"]
    assert text.received_at == datetime(2015, 11, 19, 9, 37, tzinfo=UTC)


async def test_callbacks_with_the_gate_credentials_are_accepted(fake, http) -> None:
    link = adapter(http, fake.url)
    good = webhook(fake.status_callback(STATUS_URL, "M1", "1001"))
    assert link.verify(good)
    forged = FakeLinkMobility(password="another").status_callback(STATUS_URL, "M1", "1001")
    assert not link.verify(webhook(forged))
    other_user = FakeLinkMobility(username="someone").status_callback(STATUS_URL, "M1", "1001")
    assert not link.verify(webhook(other_user))


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic", "Basic !!!not-base64", "Bearer bGluay11c2VyOmxpbmstc2VjcmV0", "Basic é"],
)
async def test_missing_or_malformed_credentials_are_rejected(http, authorization) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    request = WebhookRequest("POST", STATUS_URL, headers, b'{"id": "M1", "resultCode": 1001}')
    assert adapter(http, None).verify(request) is False


async def test_the_rfc_7617_basic_example_is_accepted(http) -> None:
    link = adapter(http, None, username="Aladdin", password="open sesame")
    headers = {"authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}
    assert link.verify(WebhookRequest("POST", STATUS_URL, headers, b"{}"))
    headers = {"authorization": "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}
    assert link.verify(WebhookRequest("POST", STATUS_URL, headers, b"{}"))
