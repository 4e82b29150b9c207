"""The provider contract runner: every adapter, against its fake on 127.0.0.1, through the same
checks (the cases are in ``contract.py``): the send request's shape and the id read from the
answer, every refusal class, wrong credentials, every status value, inbound texts, genuine,
forged and tampered callbacks, unreadable callbacks.

A new check over every provider is a new test function here decorated with ``@each``; the
``fake`` and ``adapter`` fixtures give it the case's fake, running, and an adapter pointed at
it. A new provider gets every check by adding its case to ``CASES``.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest

from smsurvey.providers.base import (
    DeliveryStatus,
    Provider,
    ProviderError,
    WebhookRequest,
    hand_over,
)
from tests.fakes.base import Callback, FakeProvider, webhook
from tests.providers.contract import CASES, PUBLIC_URL, ProviderCase, Wire

each = pytest.mark.parametrize("case", CASES, ids=str)
basic = pytest.mark.parametrize("case", [case for case in CASES if case.credentials], ids=str)
callbacks = pytest.mark.parametrize("what", ["status", "message"])
MESSAGE_ID = "M0001"
REPLY = "Yes please"


@pytest.fixture
async def fake(case: ProviderCase) -> AsyncIterator[FakeProvider]:
    async with case.fake() as server:
        yield server


@pytest.fixture
def adapter(case: ProviderCase, fake: FakeProvider, http: aiohttp.ClientSession) -> Provider:
    return case.connect(http, fake.url)


def callback(case: ProviderCase, fake: FakeProvider, what: str) -> Callback:
    """A delivery report on :data:`MESSAGE_ID`, or the respondent's :data:`REPLY`, as ``fake``
    signs (or authenticates) it for our receive URL."""
    if what == "status":
        delivered = case.raw(DeliveryStatus.DELIVERED)
        return fake.status_callback(case.url("status"), MESSAGE_ID, delivered)
    return fake.inbound_callback(case.url("message"), case.text.to, case.text.sender, REPLY)


def tampered(genuine: Callback, what: str) -> Callback:
    """``genuine`` naming another text, or saying something else, wherever it says it."""
    old, new = (MESSAGE_ID, "M0002") if what == "status" else ("Yes", "Nay")
    return replace(
        genuine,
        url=genuine.url.replace(old, new),
        body=genuine.body.replace(old.encode(), new.encode()),
    )


@each
async def test_a_send_request_carries_the_text_and_its_id_is_read(case, fake, adapter) -> None:
    text = case.text
    result = await adapter.send(text)
    [sent] = fake.accepted()
    assert result.provider_message_id == sent.message_id
    assert sent.headers["Content-Type"] == case.content_type
    assert case.read(sent.fields) == Wire(
        to=case.wire(text.to),
        sender=case.wire(text.sender),
        body=text.body,
        callback_url=case.url("status") if case.callback else None,
        reference=text.reference if case.reference else None,
    )
    if not case.callback:
        assert PUBLIC_URL.encode() not in sent.body


@each
async def test_an_alphanumeric_sender_goes_as_it_is(case, fake, adapter) -> None:
    await adapter.send(replace(case.text, sender="Survey"))
    [sent] = fake.accepted()
    assert case.read(sent.fields).sender == "Survey"


@each
async def test_without_a_public_url_the_text_goes_without_a_callback(case, fake, http) -> None:
    await case.connect(http, fake.url, public_url=None).send(case.text)
    [sent] = fake.accepted()
    wire = case.read(sent.fields)
    assert wire.callback_url is None
    assert wire.reference == (case.text.reference if case.reference else None)
    assert PUBLIC_URL.encode() not in sent.body


@pytest.mark.parametrize(
    ("case", "refusal"),
    [
        pytest.param(case, refusal, id=f"{case}-{refusal}")
        for case in CASES
        for refusal in case.refusals
    ],
)
async def test_a_refusal_is_classified_and_nothing_is_taken(case, refusal, fake, adapter) -> None:
    fake.faults.append(refusal.fault)
    with pytest.raises(ProviderError) as refused:
        await adapter.send(case.text)
    error = refused.value
    assert (error.retryable, error.code, error.retry_after) == (
        refusal.retryable,
        refusal.code,
        refusal.retry_after,
    )
    assert len(fake.received) == 1
    assert fake.accepted() == []


@each
def test_the_refusals_cover_every_class(case) -> None:
    kinds = {refusal.fault.kind for refusal in case.refusals}
    assert {"throttle", "server", "permanent"} <= kinds
    assert any(refusal.retry_after for refusal in case.refusals), "Retry-After is honoured"


@each
async def test_wrong_credentials_are_permanent_and_nothing_is_taken(case, fake, http) -> None:
    with pytest.raises(ProviderError) as refused:
        await case.connect(http, fake.url, **case.wrong).send(case.text)
    assert (refused.value.retryable, refused.value.code) == (False, case.wrong_code)
    assert fake.received == []


@each
async def test_a_provider_that_cannot_be_reached_is_a_retryable_refusal(case, http) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError) as refused:
        await hand_over(case.connect(http, f"http://127.0.0.1:{port}"), case.text)
    assert refused.value.retryable is True


@pytest.mark.parametrize(
    ("case", "raw", "status"),
    [
        pytest.param(case, raw, status, id=f"{case}-{raw}")
        for case in CASES
        for raw, status in case.statuses
    ],
)
async def test_every_status_value_maps(case, raw, status, fake, adapter) -> None:
    request = webhook(fake.status_callback(case.url("status"), MESSAGE_ID, raw))
    [report] = adapter.parse_status(request)
    assert (report.provider_message_id, report.status, report.provider_status) == (
        MESSAGE_ID,
        status,
        raw,
    )
    assert report.at == case.reported_at


@pytest.mark.parametrize(
    ("case", "coded"),
    [
        pytest.param(case, coded, id=f"{case}-{coded.raw}-{coded.code}")
        for case in CASES
        for coded in case.codes
    ],
)
async def test_an_error_code_is_kept_and_may_change_the_status(case, coded, fake, adapter) -> None:
    assert case.coded is not None
    request = webhook(case.coded(fake, case.url("status"), MESSAGE_ID, coded.raw, coded.code))
    [report] = adapter.parse_status(request)
    assert (report.provider_message_id, report.status, report.error_code) == (
        MESSAGE_ID,
        coded.status,
        coded.kept,
    )


@each
async def test_a_report_names_the_text_by_the_id_send_returned(case, fake, adapter) -> None:
    result = await adapter.send(case.text)
    delivered = case.raw(DeliveryStatus.DELIVERED)
    report_url = case.url("status")
    request = webhook(fake.status_callback(report_url, result.provider_message_id, delivered))
    assert adapter.verify(request)
    [report] = adapter.parse_status(request)
    assert (report.provider_message_id, report.status) == (
        result.provider_message_id,
        DeliveryStatus.DELIVERED,
    )


@each
async def test_an_inbound_text_is_parsed(case, fake, adapter) -> None:
    reply = callback(case, fake, "message")
    [text] = adapter.parse_inbound(webhook(reply))
    assert (text.sender, text.recipient, text.text) == (case.text.to, case.text.sender, REPLY)
    named = case.inbound(reply)
    assert (text.provider_message_id, text.received_at) == (named.provider_message_id, named.at)
    assert text.part is None


@each
@callbacks
async def test_a_genuine_callback_verifies_and_forged_ones_do_not(
    case, what, fake, adapter
) -> None:
    assert adapter.verify(webhook(callback(case, fake, what)))
    for forger in case.forgers:
        assert not adapter.verify(webhook(callback(case, forger(), what)))


@each
@callbacks
async def test_a_tampered_callback_is_refused_where_callbacks_are_signed(
    case, what, fake, adapter
) -> None:
    """A Basic-auth callback carries no signature of its body: its credentials are the check,
    so a changed body still passes (the forgers above show wrong credentials do not)."""
    genuine = callback(case, fake, what)
    changed = tampered(genuine, what)
    assert changed != genuine
    assert adapter.verify(webhook(changed)) is (case.credentials is not None)


def _basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


@basic
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic", "Basic !!!not-base64", "Basic é", "Bearer {good}", "Basic {good}x"],
)
def test_missing_or_malformed_basic_credentials_are_refused(case, http, authorization) -> None:
    user, password = (case.fields[key] for key in case.credentials)
    headers = {} if authorization is None else {"authorization": authorization}
    headers = {key: value.format(good=_basic(user, password)) for key, value in headers.items()}
    adapter = case.connect(http, "http://127.0.0.1:9")
    assert adapter.verify(WebhookRequest("POST", case.url("status"), headers, b"{}")) is False


@basic
def test_the_rfc_7617_example_credentials_are_accepted(case, http) -> None:
    user, password = case.credentials
    adapter = case.connect(http, "http://127.0.0.1:9", **{user: "Aladdin", password: "open sesame"})

    def verify(authorization: str) -> bool:
        headers = {"authorization": authorization}
        return adapter.verify(WebhookRequest("POST", case.url("status"), headers, b"{}"))

    assert verify("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    assert verify("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    assert not verify("Basic QWxhZGRpbjpvcGVuIFNlc2FtZQ==")


@pytest.mark.parametrize(
    ("case", "request_"),
    [
        pytest.param(case, request, id=f"{case}-{index}")
        for case in CASES
        for index, request in enumerate(case.unreadable)
    ],
)
def test_an_unreadable_callback_raises(case, request_, http) -> None:
    adapter = case.connect(http, "http://127.0.0.1:9")
    with pytest.raises((ValueError, KeyError)):
        adapter.parse_status(request_)
    with pytest.raises((ValueError, KeyError)):
        adapter.parse_inbound(request_)
