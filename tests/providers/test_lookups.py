"""Reconciliation lookups, a runner over the contract's cases (``contract.py``, whose
``reconciliation`` says what each provider can tell): a text the provider took is
found with the provider's id, a text it never took is absent where the provider can tell and
inconclusive where it cannot, a hand-over whose connection drops after the request was read is
uncertain, and reports that echo our reference name the text by it. Then each provider's
lookup quirks.

The fakes' clocks run an hour behind, as if the texts had gone an hour ago: reconciliation asks
about texts well after their request, when every provider's records have caught up.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import encode_basic_auth

from smsurvey.providers.base import (
    DeliveryStatus,
    Lookup,
    OutboundSms,
    Provider,
    ProviderError,
    SendUncertain,
    SentText,
    hand_over,
    text_reference,
)
from tests.fakes import infobip as fake_infobip
from tests.fakes import sinch as fake_sinch
from tests.fakes import twilio as fake_twilio
from tests.fakes import vonage as fake_vonage
from tests.fakes.base import FakeProvider, Fault, webhook
from tests.providers.contract import CASES, INFOBIP, SINCH, TWILIO, VONAGE, ProviderCase

ORG = "OR_1234567abcdefgh"
TO = "+14155552671"
HOUR = 3600.0
REQUEST_TIME = timedelta(seconds=30)
"""How long a request may last (the send path's total timeout)."""
STATUS_URL = f"https://x.test/distribution-providers/v1/receive/distribution/status/x/{ORG}"
each = pytest.mark.parametrize("case", CASES, ids=str)


def hour_ago() -> float:
    return time.time() - HOUR


def text(number: int, body: str = "How did we do?", sender: str = "+15005550006") -> OutboundSms:
    return OutboundSms(text_reference(ORG, number), ORG, sender, TO, body)


def sent(outbound: OutboundSms, at: float) -> SentText:
    """``outbound`` as reconciliation asks about it, its request started at ``at``."""
    started = datetime.fromtimestamp(at, UTC)
    return SentText(outbound, started, started + REQUEST_TIME)


@dataclass
class Sending:
    """A case's fake on 127.0.0.1 (its clock an hour behind) and its adapter."""

    case: ProviderCase
    fake: FakeProvider
    provider: Provider

    def ours(self, number: int, body: str = "How did we do?") -> OutboundSms:
        return text(number, body, self.case.text.sender)

    async def send(self, outbound: OutboundSms) -> tuple[str, SentText]:
        """Hand ``outbound`` over; its provider id and how reconciliation would ask."""
        at = self.fake.clock()
        result = await hand_over(self.provider, outbound)
        return result.provider_message_id, sent(outbound, at)

    async def uncertain(self, outbound: OutboundSms) -> SentText:
        """Hand ``outbound`` over, which must be uncertain; how reconciliation would ask."""
        at = self.fake.clock()
        with pytest.raises(SendUncertain):
            await hand_over(self.provider, outbound)
        return sent(outbound, at)


@pytest.fixture
async def sending(request: pytest.FixtureRequest, http) -> AsyncIterator[Sending]:
    case: ProviderCase = request.param
    async with case.fake(clock=hour_ago) as fake:
        yield Sending(case, fake, case.connect(http, fake.url))


through = pytest.mark.parametrize("sending", CASES, ids=str, indirect=True)


def cannot_tell(case: ProviderCase, lookup: Lookup) -> None:
    assert not lookup.conclusive
    assert lookup.matches == ()
    assert case.kind.title in lookup.note


@through
async def test_a_text_the_provider_took_is_found_with_its_id(sending: Sending) -> None:
    await sending.send(sending.ours(1, "Someone else's question"))
    provider_id, asked = await sending.send(sending.ours(2))
    await sending.send(sending.ours(3, "A third question"))
    lookup = await sending.provider.lookup(asked)
    if sending.case.reconciliation.tells:
        assert lookup == Lookup(matches=(provider_id,))
    else:
        cannot_tell(sending.case, lookup)


@through
async def test_a_text_never_taken_is_absent_where_the_provider_can_tell(sending: Sending) -> None:
    await sending.send(sending.ours(1))
    never = sent(sending.ours(2, "Never sent"), sending.fake.clock())
    lookup = await sending.provider.lookup(never)
    if sending.case.reconciliation.tells:
        assert lookup == Lookup(matches=(), conclusive=True)
    else:
        cannot_tell(sending.case, lookup)


@through
async def test_a_connection_dropped_after_the_request_was_read_is_uncertain(
    sending: Sending,
) -> None:
    sending.fake.faults.append(Fault("drop_after_read"))
    asked = await sending.uncertain(sending.ours(1))
    [taken] = sending.fake.accepted()
    lookup = await sending.provider.lookup(asked)
    if sending.case.reconciliation.tells:
        assert lookup == Lookup(matches=(taken.message_id,))
    else:
        cannot_tell(sending.case, lookup)


@through
async def test_a_request_read_and_not_taken_is_uncertain_then_absent(sending: Sending) -> None:
    sending.fake.faults.append(Fault("drop_not_taken"))
    asked = await sending.uncertain(sending.ours(1))
    assert len(sending.fake.received) == 1
    assert sending.fake.accepted() == []
    lookup = await sending.provider.lookup(asked)
    if sending.case.reconciliation.tells:
        assert lookup == Lookup()
    else:
        cannot_tell(sending.case, lookup)


@each
async def test_an_answer_that_comes_after_the_timeout_is_uncertain(case: ProviderCase) -> None:
    async with (
        case.fake(delay=1.0) as slow,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as http,
    ):
        with pytest.raises(SendUncertain):
            await hand_over(case.connect(http, slow.url), text(1, sender=case.text.sender))
        assert len(slow.received) == 1


@pytest.mark.parametrize("case", [case for case in CASES if case.reconciliation.waits], ids=str)
async def test_records_that_may_lag_are_asked_again_later(case: ProviderCase, http) -> None:
    async with case.fake() as fake:
        provider = case.connect(http, fake.url)
        outbound = text(1, sender=case.text.sender)
        at = time.time()
        await hand_over(provider, outbound)
        with pytest.raises(ProviderError, match="may not list the text before") as early:
            await provider.lookup(sent(outbound, at))
    assert early.value.retryable is True


@pytest.mark.parametrize("case", [case for case in CASES if case.reconciliation.tells], ids=str)
async def test_a_lookup_the_provider_refuses_is_for_a_person(case: ProviderCase, http) -> None:
    async with case.fake(clock=hour_ago) as fake:
        provider = case.connect(http, fake.url, **case.wrong)
        lookup = await provider.lookup(sent(text(1, sender=case.text.sender), fake.clock()))
    assert not lookup.conclusive
    assert lookup.note.startswith(f"{case.kind.title} could not be asked: ")


@through
async def test_reports_name_the_text_by_our_reference(sending: Sending) -> None:
    outbound = sending.ours(1)
    provider_id, _ = await sending.send(outbound)
    delivered = sending.case.raw(DeliveryStatus.DELIVERED)
    callback = sending.fake.status_callback(STATUS_URL, provider_id, delivered)
    [report] = sending.provider.parse_status(webhook(callback))
    assert report.provider_message_id == provider_id
    echoes = sending.case.reconciliation.echoes
    assert report.reference == (outbound.reference if echoes else None)


# Twilio: the Messages list by To, From and DateSent, matched on body and time.


@pytest.fixture
async def twilio_fake() -> AsyncIterator[fake_twilio.FakeTwilio]:
    async with fake_twilio.FakeTwilio(clock=hour_ago, page_size=2) as fake:
        yield fake


async def test_twilio_is_asked_by_to_from_and_the_days_sent(twilio_fake, http) -> None:
    provider = TWILIO.connect(http, twilio_fake.url)
    outbound = text(1)
    at = twilio_fake.clock()
    await hand_over(provider, outbound)
    assert (await provider.lookup(sent(outbound, at))).matches
    [asked] = [item for item in twilio_fake.asked if item.method == "GET"]
    assert asked.path == f"/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Messages.json"
    assert asked.query["To"] == TO
    assert asked.query["From"] == "+15005550006"
    start = datetime.fromtimestamp(at, UTC) - timedelta(minutes=2)
    assert asked.query["DateSent>"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert asked.query["DateSent<"] > asked.query["DateSent>"]


async def test_twilio_pages_are_followed_to_the_text(twilio_fake, http) -> None:
    provider = TWILIO.connect(http, twilio_fake.url)
    first = text(1, "The first")
    at = twilio_fake.clock()
    sid = (await hand_over(provider, first)).provider_message_id
    for number in range(2, 8):
        await hand_over(provider, text(number, f"Text {number}"))
    assert await provider.lookup(sent(first, at)) == Lookup(matches=(sid,))
    assert len([item for item in twilio_fake.asked if item.method == "GET"]) == 4


async def test_twilio_identical_texts_are_all_matches_oldest_first(twilio_fake, http) -> None:
    provider = TWILIO.connect(http, twilio_fake.url)
    at = twilio_fake.clock()
    sids = [(await hand_over(provider, text(number))).provider_message_id for number in (1, 2, 3)]
    assert await provider.lookup(sent(text(2), at)) == Lookup(matches=tuple(sids))


async def test_twilio_texts_of_another_time_or_body_are_not_this_one(twilio_fake, http) -> None:
    provider = TWILIO.connect(http, twilio_fake.url)
    at = twilio_fake.clock()
    await hand_over(provider, text(1, "Another body"))
    await hand_over(provider, text(2))
    earlier = sent(text(2), at - 600)
    assert await provider.lookup(earlier) == Lookup()
    assert await provider.lookup(sent(text(3, "A third body"), at)) == Lookup()
    elsewhere = OutboundSms(text_reference(ORG, 4), ORG, "+15005550006", "+14155550199", "Hi")
    assert await provider.lookup(sent(elsewhere, at)) == Lookup()


async def test_twilio_a_text_it_has_not_sent_yet_is_found(http) -> None:
    async with fake_twilio.FakeTwilio(clock=hour_ago, queued=True) as fake:
        provider = TWILIO.connect(http, fake.url)
        outbound = text(1)
        at = fake.clock()
        sid = (await hand_over(provider, outbound)).provider_message_id
        assert await provider.lookup(sent(outbound, at)) == Lookup(matches=(sid,))
        dated, undated = [item.query for item in fake.asked if item.method == "GET"]
    assert "DateSent>" in dated
    assert "DateSent>" not in undated


async def test_twilio_smart_encoding_of_the_body_still_matches(twilio_fake, http) -> None:
    provider = TWILIO.connect(http, twilio_fake.url)
    at = twilio_fake.clock()
    sid = (await hand_over(provider, text(1, "It’s “great”"))).provider_message_id
    rewritten = sent(text(1, 'It\'s "great"'), at)
    assert await provider.lookup(rewritten) == Lookup(matches=(sid,))


async def test_twilio_a_messaging_service_is_matched_by_its_sid(twilio_fake, http) -> None:
    service = "MG" + "a" * 32
    provider = TWILIO.connect(http, twilio_fake.url)
    outbound = text(1, sender=service)
    at = twilio_fake.clock()
    sid = (await hand_over(provider, outbound)).provider_message_id
    assert await provider.lookup(sent(outbound, at)) == Lookup(matches=(sid,))
    [asked, *_] = [item.query for item in twilio_fake.asked if item.method == "GET"]
    assert "From" not in asked


async def test_twilio_fetch_answers_a_text_it_took(twilio_fake, http) -> None:
    sid = (await hand_over(TWILIO.connect(http, twilio_fake.url), text(1))).provider_message_id
    base = f"{twilio_fake.url}/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Messages"
    auth = {"Authorization": encode_basic_auth(fake_twilio.ACCOUNT_SID, fake_twilio.AUTH_TOKEN)}
    async with http.get(f"{base}/{sid}.json", headers=auth) as found:
        assert (found.status, (await found.json())["sid"]) == (200, sid)
    async with http.get(f"{base}/SM{'0' * 32}.json", headers=auth) as missing:
        assert (missing.status, (await missing.json())["code"]) == (404, 20404)


# The others' quirks.


async def test_infobip_logs_older_than_two_days_cannot_tell(http) -> None:
    async with fake_infobip.FakeInfobip() as fake:
        provider = INFOBIP.connect(http, fake.url)
        lookup = await provider.lookup(sent(text(1), time.time() - 49 * HOUR))
    assert not lookup.conclusive
    assert "48 hours" in lookup.note


async def test_vonage_records_are_read_page_after_page(http) -> None:
    async with fake_vonage.FakeVonage(clock=hour_ago, records_page=2) as fake:
        provider = VONAGE.connect(http, fake.url)
        at = fake.clock()
        ids = [(await hand_over(provider, text(number))).provider_message_id for number in range(5)]
        assert await provider.lookup(sent(text(4), at)) == Lookup(matches=(ids[4],))
        pages = [item for item in fake.asked if item.path == "/v2/reports/records"]
    assert len(pages) == 3
    assert pages[0].query["date_start"] < pages[0].query["date_end"]
    assert pages[1].query["cursor"] == "2"


async def test_vonage_a_text_in_parts_is_named_after_its_first(http) -> None:
    async with fake_vonage.FakeVonage(clock=hour_ago, parts=3) as fake:
        provider = VONAGE.connect(http, fake.url)
        at = fake.clock()
        first = (await hand_over(provider, text(1))).provider_message_id
        assert await provider.lookup(sent(text(1), at)) == Lookup(matches=(first,))


async def test_sinch_an_app_in_dispatch_mode_is_asked_for_dispatched_messages(http) -> None:
    async with fake_sinch.FakeSinch(clock=hour_ago, dispatch=True) as fake:
        provider = SINCH.connect(http, fake.url)
        at = fake.clock()
        message_id = (await hand_over(provider, text(1))).provider_message_id
        assert await provider.lookup(sent(text(1), at)) == Lookup(matches=(message_id,))
        sources = [item.query["messages_source"] for item in fake.asked if item.method == "GET"]
    assert sources == ["CONVERSATION_SOURCE", "DISPATCH_SOURCE"]
