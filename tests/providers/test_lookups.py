"""Reconciliation lookups, one runner over a case per provider: a text the provider took is
found with the provider's id, a text it never took is absent where the provider can tell and
inconclusive where it cannot, a hand-over whose connection drops after the request was read is
uncertain, and reports that echo our reference name the text by it. Then each provider's
lookup quirks.

The fakes' clocks run an hour behind, as if the texts had gone an hour ago: reconciliation asks
about texts well after their request, when every provider's records have caught up.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from smsurvey.providers import (
    infobip,
    link_mobility,
    messagebird,
    messagemedia,
    sinch,
    twilio,
    vonage,
)
from smsurvey.providers.base import (
    Connection,
    Lookup,
    OutboundSms,
    Provider,
    ProviderError,
    ProviderKind,
    SendUncertain,
    SentText,
    hand_over,
    text_reference,
)
from tests.fakes import infobip as fake_infobip
from tests.fakes import link_mobility as fake_link
from tests.fakes import messagebird as fake_messagebird
from tests.fakes import messagemedia as fake_messagemedia
from tests.fakes import sinch as fake_sinch
from tests.fakes import twilio as fake_twilio
from tests.fakes import vonage as fake_vonage
from tests.fakes.base import FakeProvider, Fault, webhook

ORG = "OR_1234567abcdefgh"
TO = "+14155552671"
HOUR = 3600.0
REQUEST_TIME = timedelta(seconds=30)
"""How long a request may last (the send path's total timeout)."""
STATUS_URL = f"https://x.test/distribution-providers/v1/receive/distribution/status/x/{ORG}"


@dataclass(frozen=True)
class Case:
    """A provider as the runner drives it."""

    kind: ProviderKind
    fake: type[FakeProvider]
    fields: Mapping[str, str]
    sender: str
    tells: bool
    """It can be asked, and says whether it has a text."""
    waits: bool
    """Its records may miss a text for a while after the request: until then, ask again."""
    echoes: bool
    """Its delivery reports carry our reference."""
    delivered: str
    """Its own status value of a delivered text."""
    secret: str
    """A connection field it refuses a wrong value of."""

    def __str__(self) -> str:
        return self.kind.name


CASES = [
    Case(twilio.KIND, fake_twilio.FakeTwilio, fake_twilio.FIELDS, "+15005550006",
         tells=True, waits=False, echoes=False, delivered="delivered", secret="auth_token"),
    Case(infobip.KIND, fake_infobip.FakeInfobip, fake_infobip.FIELDS, "+41793026700",
         tells=True, waits=True, echoes=True, delivered="DELIVERED_TO_HANDSET", secret="api_key"),
    Case(vonage.KIND, fake_vonage.FakeVonage, fake_vonage.FIELDS, "+15005550006",
         tells=True, waits=True, echoes=True, delivered="delivered", secret="api_secret"),
    Case(messagebird.KIND, fake_messagebird.FakeMessageBird, fake_messagebird.FIELDS,
         "+15005550006", tells=True, waits=False, echoes=True, delivered="delivered",
         secret="access_key"),
    Case(sinch.KIND, fake_sinch.FakeSinch, fake_sinch.FIELDS, "+15005550006",
         tells=True, waits=True, echoes=True, delivered="DELIVERED", secret="client_secret"),
    Case(link_mobility.KIND, fake_link.FakeLinkMobility, fake_link.FIELDS, "+35312345678",
         tells=False, waits=False, echoes=True, delivered="1001", secret="password"),
    Case(messagemedia.KIND, fake_messagemedia.FakeMessageMedia, fake_messagemedia.FIELDS,
         "+61491570156", tells=True, waits=True, echoes=True, delivered="delivered",
         secret="password"),
]  # fmt: skip
each = pytest.mark.parametrize("case", CASES, ids=str)


def hour_ago() -> float:
    return time.time() - HOUR


def text(number: int, body: str = "How did we do?", sender: str = "+15005550006") -> OutboundSms:
    return OutboundSms(text_reference(ORG, number), ORG, sender, TO, body)


def adapter(case: Case, http: aiohttp.ClientSession, url: str, **fields: str) -> Provider:
    connection = Connection(
        ORG, {**case.fields, "api_url": url, **fields}, case.sender, "https://x.test/", lambda: http
    )
    return case.kind.connect(connection)


def sent(outbound: OutboundSms, at: float) -> SentText:
    """``outbound`` as reconciliation asks about it, its request started at ``at``."""
    started = datetime.fromtimestamp(at, UTC)
    return SentText(outbound, started, started + REQUEST_TIME)


@dataclass
class Sending:
    """A case's fake on 127.0.0.1 (its clock an hour behind) and its adapter."""

    case: Case
    fake: FakeProvider
    provider: Provider

    def ours(self, number: int, body: str = "How did we do?") -> OutboundSms:
        return text(number, body, self.case.sender)

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
    case: Case = request.param
    async with case.fake(clock=hour_ago) as fake:
        yield Sending(case, fake, adapter(case, http, fake.url))


through = pytest.mark.parametrize("sending", CASES, ids=str, indirect=True)


def cannot_tell(case: Case, lookup: Lookup) -> None:
    assert not lookup.conclusive
    assert lookup.matches == ()
    assert case.kind.title in lookup.note


@through
async def test_a_text_the_provider_took_is_found_with_its_id(sending: Sending) -> None:
    await sending.send(sending.ours(1, "Someone else's question"))
    provider_id, asked = await sending.send(sending.ours(2))
    await sending.send(sending.ours(3, "A third question"))
    lookup = await sending.provider.lookup(asked)
    if sending.case.tells:
        assert lookup == Lookup(matches=(provider_id,))
    else:
        cannot_tell(sending.case, lookup)


@through
async def test_a_text_never_taken_is_absent_where_the_provider_can_tell(sending: Sending) -> None:
    await sending.send(sending.ours(1))
    never = sent(sending.ours(2, "Never sent"), sending.fake.clock())
    lookup = await sending.provider.lookup(never)
    if sending.case.tells:
        assert lookup == Lookup(matches=(), conclusive=True)
    else:
        cannot_tell(sending.case, lookup)


@through
async def test_a_connection_dropped_after_the_request_was_read_is_uncertain(
    sending: Sending,
) -> None:
    sending.fake.faults.append(Fault("dropped"))
    asked = await sending.uncertain(sending.ours(1))
    [taken] = sending.fake.accepted()
    lookup = await sending.provider.lookup(asked)
    if sending.case.tells:
        assert lookup == Lookup(matches=(taken.message_id,))
    else:
        cannot_tell(sending.case, lookup)


@through
async def test_a_request_read_and_not_taken_is_uncertain_then_absent(sending: Sending) -> None:
    sending.fake.faults.append(Fault("lost"))
    asked = await sending.uncertain(sending.ours(1))
    assert len(sending.fake.received) == 1
    assert sending.fake.accepted() == []
    lookup = await sending.provider.lookup(asked)
    if sending.case.tells:
        assert lookup == Lookup()
    else:
        cannot_tell(sending.case, lookup)


@each
async def test_an_answer_that_comes_after_the_timeout_is_uncertain(case: Case) -> None:
    async with (
        case.fake(delay=1.0) as slow,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as http,
    ):
        with pytest.raises(SendUncertain):
            await hand_over(adapter(case, http, slow.url), text(1, sender=case.sender))
        assert len(slow.received) == 1


@each
async def test_an_unreachable_provider_is_retried(case: Case, http) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ProviderError) as refused:
        await hand_over(adapter(case, http, f"http://127.0.0.1:{port}"), text(1))
    assert refused.value.retryable is True


@pytest.mark.parametrize("case", [case for case in CASES if case.waits], ids=str)
async def test_records_that_may_lag_are_asked_again_later(case: Case, http) -> None:
    async with case.fake() as fake:
        provider = adapter(case, http, fake.url)
        outbound = text(1, sender=case.sender)
        at = time.time()
        await hand_over(provider, outbound)
        with pytest.raises(ProviderError, match="may not list the text before") as early:
            await provider.lookup(sent(outbound, at))
    assert early.value.retryable is True


@pytest.mark.parametrize("case", [case for case in CASES if case.tells], ids=str)
async def test_a_lookup_the_provider_refuses_is_for_a_person(case: Case, http) -> None:
    async with case.fake(clock=hour_ago) as fake:
        provider = adapter(case, http, fake.url, **{case.secret: "wrong"})
        lookup = await provider.lookup(sent(text(1, sender=case.sender), fake.clock()))
    assert not lookup.conclusive
    assert lookup.note.startswith(f"{case.kind.title} could not be asked: ")


@through
async def test_reports_name_the_text_by_our_reference(sending: Sending) -> None:
    outbound = sending.ours(1)
    provider_id, _ = await sending.send(outbound)
    callback = sending.fake.status_callback(STATUS_URL, provider_id, sending.case.delivered)
    [report] = sending.provider.parse_status(webhook(callback))
    assert report.provider_message_id == provider_id
    assert report.reference == (outbound.reference if sending.case.echoes else None)
