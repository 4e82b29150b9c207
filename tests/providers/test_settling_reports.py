"""A delivery report settles a text whose hand-over was uncertain, for every provider whose
reports carry our reference: the connection dropped after the provider read the request, the
text is ``unknown``, and the provider's report on it (which names it by our reference, the
provider's id being new to us) makes it Sent with that id, whether the report comes before
reconciliation asks, while it asks, or after. One Sent text, never sent again. A report
through another organisation's or another connection's account settles nothing (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import update

from smsurvey.accounts.service import create_organization
from smsurvey.kit.db import unit_of_work
from smsurvey.messaging.inbox import process_inbox
from smsurvey.messaging.outbox import Route, queue_text
from smsurvey.messaging.statuses import record_reports
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import Message, MessageEvent, SendState
from smsurvey.providers.base import (
    DeliveryReport,
    DeliveryStatus,
    Lookup,
    OutboundSms,
    Provider,
    SentText,
    text_reference,
)
from tests.fakes.base import Fault
from tests.messaging.harness import Harness, harness
from tests.providers.connected import OUR_NUMBER, Connected, connect, connected
from tests.providers.contract import CASES, VONAGE, ProviderCase

ANN = "+14155552671"
SETTLE = timedelta(seconds=61)
"""Past the default SMSURVEY_RECONCILE_AFTER: unknown texts are asked about."""
ECHOING = [case for case in CASES if case.reconciliation.echoes]
echoing = pytest.mark.parametrize("case", ECHOING, ids=str)
asked = pytest.mark.parametrize(
    "case", [case for case in ECHOING if case.reconciliation.tells], ids=str
)


def an_hour_ago() -> datetime:
    """The system's start: the providers' records of its texts are complete by now, and
    Infobip still keeps them (48 hours)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@asynccontextmanager
async def unknown_invitation(
    database_url: str, case: ProviderCase, **fake_options: object
) -> AsyncIterator[tuple[Connected, Message, str]]:
    """An invitation to Ann that the provider took, its connection dropped before the
    answer: the system, the ``unknown`` text and the id the provider gave it. The
    ``fake_options`` are set on the fake first."""
    async with connected(database_url, case, start=an_hour_ago()) as provider:
        assert provider.fake is not None
        for name, value in fake_options.items():
            setattr(provider.fake, name, value)
        provider.fake.faults.append(Fault("drop_after_read"))
        system = provider.system
        await system.distribute_list(await system.people("Uncertain", ANN))
        await system.drain()
        [text] = await system.rows(Message, Message.direction == "out")
        assert (text.send_state, text.provider_message_id) == (SendState.UNKNOWN, None)
        [taken] = provider.fake.accepted()
        assert taken.message_id
        yield provider, text, taken.message_id


async def deliver(provider: Connected, case: ProviderCase, provider_message_id: str) -> None:
    """The provider reports the text delivered; the worker processes the report at once."""
    report = provider.report(provider_message_id, case.raw(DeliveryStatus.DELIVERED))
    assert await provider.system.post(report) == 200
    assert await process_inbox(provider.system.runtime, limit=10) == 1


async def history(provider: Connected, text: Message) -> list[tuple[str, str | None]]:
    events = await provider.system.rows(MessageEvent, MessageEvent.message_id == text.id)
    return [(event.status, event.detail) for event in sorted(events, key=lambda e: e.id)]


async def sent_once(provider: Connected, text: Message, provider_message_id: str) -> str:
    """The text is Sent with the provider's id, once in its and its recipient's history,
    then Delivered; the provider took it once. Returns the Sent event's detail."""
    system = provider.system
    [now] = await system.rows(Message, Message.id == text.id)
    assert (now.send_state, now.provider_message_id) == (SendState.SENT, provider_message_id)
    events = await history(provider, text)
    statuses = [status for status, _ in events]
    assert statuses.count("Sent") == 1
    assert statuses.index("Unknown") < statuses.index("Sent") < statuses.index("Delivered")
    assert text.recipient_id is not None
    people = await system.rows(RecipientEvent, RecipientEvent.recipient_id == text.recipient_id)
    assert [event.status for event in people].count("Sent") == 1
    assert await provider.texts_to(ANN) == 1
    return next(detail or "" for status, detail in events if status == "Sent")


def by_report(provider: Connected, provider_message_id: str) -> str:
    return (
        f"settled as sent by a delivery report via {provider.connection}: "
        f"the provider has it as {provider_message_id}"
    )


@echoing
async def test_a_report_before_reconciliation_settles_the_text(
    database_url: str, case: ProviderCase
) -> None:
    async with unknown_invitation(database_url, case) as (provider, text, provider_id):
        await deliver(provider, case, provider_id)
        assert await sent_once(provider, text, provider_id) == by_report(provider, provider_id)
        assert provider.fake is not None
        asked_before = len(provider.fake.asked)
        await provider.system.advance(SETTLE)  # reconciliation has nothing left to ask
        await provider.system.advance(SETTLE)
        assert len(provider.fake.asked) == asked_before
        assert await sent_once(provider, text, provider_id) == by_report(provider, provider_id)


@echoing
async def test_a_report_after_reconciliation_only_adds_its_status(
    database_url: str, case: ProviderCase
) -> None:
    async with unknown_invitation(database_url, case) as (provider, text, provider_id):
        await provider.system.advance(SETTLE)
        [asked_about] = await provider.system.rows(Message, Message.id == text.id)
        # A provider that can tell has it; the one that cannot leaves it to a person.
        tells = case.reconciliation.tells
        expected = SendState.SENT if tells else SendState.UNDECIDED
        assert asked_about.send_state == expected
        await deliver(provider, case, provider_id)
        detail = await sent_once(provider, text, provider_id)
        if tells:
            assert detail.startswith("reconciled: ")
        else:
            assert detail == by_report(provider, provider_id)
        await provider.system.advance(SETTLE)
        assert await provider.texts_to(ANN) == 1


class ReportedWhileAsked:
    """The connection's adapter, whose provider's report on the text comes, and is
    processed, while reconciliation asks about it (before the answer)."""

    def __init__(
        self, adapter: Provider, provider: Connected, case: ProviderCase, provider_id: str
    ) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self.reported = (provider, case, provider_id)

    async def lookup(self, sent: SentText) -> Lookup:
        await deliver(*self.reported)
        return await self.adapter.lookup(sent)

    def __getattr__(self, name: str) -> object:
        return getattr(self.adapter, name)


@asked
async def test_a_report_while_reconciliation_asks_settles_the_text_once(
    database_url: str, case: ProviderCase
) -> None:
    async with unknown_invitation(database_url, case) as (provider, text, provider_id):
        directory = provider.system.runtime.providers
        adapter = await directory.get(provider.connection)
        assert adapter is not None
        stand_in = ReportedWhileAsked(adapter, provider, case, provider_id)
        directory.builtin[provider.connection] = stand_in  # type: ignore[assignment]
        await provider.system.advance(SETTLE)
        # The provider's answer came second, and found the text settled already.
        assert await sent_once(provider, text, provider_id) == by_report(provider, provider_id)
        await provider.system.advance(SETTLE)
        assert await provider.texts_to(ANN) == 1


@echoing
async def test_a_report_through_another_organisations_account_settles_nothing(
    database_url: str, case: ProviderCase, http: aiohttp.ClientSession
) -> None:
    """Intruders connect an account of their own (here, one the fake takes as the
    victim's) and make its reports name the victim's text: by the victim's reference, and
    by a reference with their own organisation and the victim's text's number. The
    victim's own report settles it afterwards."""
    async with unknown_invitation(database_url, case) as (provider, text, provider_id):
        system, fake = provider.system, provider.fake
        assert fake is not None
        async with unit_of_work(system.runtime.engine) as session:
            intruders = await create_organization(session, "Intruders", system.clock)
        await connect(system, case, fake, intruders.id)
        reference = text_reference(intruders.id, text.id)
        forged = OutboundSms(reference, intruders.id, OUR_NUMBER, "+14155550199", "Not yours")
        forged_id = (await case.connect(http, fake.url).send(forged)).provider_message_id
        delivered = case.raw(DeliveryStatus.DELIVERED)
        for provider_message_id in (provider_id, forged_id):
            report = provider.report(provider_message_id, delivered, organization=intruders.id)
            assert await system.post(report) == 200
        assert await process_inbox(system.runtime, limit=10) == 2
        [untouched] = await system.rows(Message, Message.id == text.id)
        assert (untouched.send_state, untouched.provider_message_id) == (SendState.UNKNOWN, None)
        assert [status for status, _ in await history(provider, text)] == ["Queued", "Unknown"]
        await deliver(provider, case, provider_id)
        assert await sent_once(provider, text, provider_id) == by_report(provider, provider_id)


async def test_vonage_a_text_in_parts_is_settled_by_the_first_receipt_that_comes(
    database_url: str,
) -> None:
    """Vonage sends a receipt per part, each with its own id: the first to come settles the
    text, against its part; the others are skipped, as for any text in parts."""
    async with unknown_invitation(database_url, VONAGE, parts=3) as (provider, text, first):
        second = f"{int(first, 16) + 1:016X}"
        await deliver(provider, VONAGE, second)
        await deliver(provider, VONAGE, first)
        assert await sent_once(provider, text, second) == by_report(provider, second)
        events = await history(provider, text)
        assert [status for status, _ in events].count("Delivered") == 1
        await provider.system.advance(SETTLE)
        assert await provider.texts_to(ANN) == 1


# What the report path checks, without a provider: texts in the database, reports made here.


async def _texts(
    system: Harness, organization_id: str, connection: str, *states: SendState
) -> list[Message]:
    """Texts of the organisation through ``connection``, one in each of ``states``."""
    async with unit_of_work(system.runtime.engine) as session:
        texts = [
            queue_text(
                Route(organization_id, connection, OUR_NUMBER, f"+1415555{n:04d}", "US"),
                "How did we do?",
                kind="invite",
                rates=system.runtime.rates,
                now=system.clock.now(),
            )
            for n in range(len(states))
        ]
        session.add_all(texts)
        await session.flush()
        for text, state in zip(texts, states, strict=True):
            await session.execute(
                update(Message).where(Message.id == text.id).values(send_state=state)
            )
        return texts


UNREADABLE = ("²", "٣", str(2**31), str(2**70), "", "-1")
"""What follows ``OR_…-`` in references that name no text (and must not fail the report)."""


def _delivered(provider_message_id: str, reference: str | None) -> DeliveryReport:
    return DeliveryReport(
        provider_message_id, DeliveryStatus.DELIVERED, "delivered", reference=reference
    )


async def test_a_reference_settles_only_an_uncertain_text_of_the_connection_reporting(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        ours = system.organization.id
        async with unit_of_work(system.runtime.engine) as session:
            others = (await create_organization(session, "Others", system.clock)).id
        U = SendState
        mine = await _texts(
            system, ours, "OC_one", U.UNKNOWN, U.UNDECIDED, U.SENT, U.QUEUED, U.FAILED, U.UNKNOWN
        )
        [elsewhere] = await _texts(system, ours, "OC_two", U.UNKNOWN)
        [theirs] = await _texts(system, others, "OC_one", U.UNKNOWN)
        reports = [
            _delivered("P1", text_reference(ours, mine[0].id)),
            _delivered("P2", text_reference(ours, mine[1].id)),
            *(_delivered(f"P{n}", text_reference(ours, mine[n - 1].id)) for n in (3, 4, 5)),
            _delivered("P6", text_reference(ours, elsewhere.id)),  # another connection's
            _delivered("P7", text_reference(others, theirs.id)),  # another organisation's
            _delivered("P8", text_reference(ours, theirs.id)),  # theirs, as if ours
            _delivered("", text_reference(ours, mine[5].id)),  # no id to record
            _delivered("P10", f"{ours}-x{mine[5].id}"),
            _delivered("P11", str(mine[5].id)),
            _delivered("P12", None),
            *(_delivered(f"P{13 + n}", f"{ours}-{bad}") for n, bad in enumerate(UNREADABLE)),
        ]
        async with unit_of_work(system.runtime.engine) as session:
            now = system.clock.now()
            assert await record_reports(session, ours, "OC_one", reports, now) == 2
            # The same report again is an ordinary report on a text we know.
            assert await record_reports(session, ours, "OC_one", reports[:1], now) == 1

        texts = {text.id: text for text in await system.rows(Message)}
        assert [(texts[t.id].send_state, texts[t.id].provider_message_id) for t in mine] == [
            (U.SENT, "P1"),
            (U.SENT, "P2"),
            (U.SENT, None),
            (U.QUEUED, None),
            (U.FAILED, None),
            (U.UNKNOWN, None),
        ]
        for untouched in (elsewhere, theirs):
            assert (texts[untouched.id].send_state, texts[untouched.id].provider_message_id) == (
                U.UNKNOWN,
                None,
            )
        events = await system.rows(MessageEvent)
        by_text = {
            text.id: [event.status for event in sorted(events, key=lambda e: e.id)
                      if event.message_id == text.id]
            for text in (*mine, elsewhere, theirs)
        }  # fmt: skip
        assert by_text[mine[0].id] == ["Queued", "Sent", "Delivered", "Delivered"]
        assert by_text[mine[1].id] == ["Queued", "Sent", "Delivered"]
        assert all(by_text[t.id] == ["Queued"] for t in (*mine[2:], elsewhere, theirs))
        [settled] = [e.detail for e in events if e.message_id == mine[1].id and e.status == "Sent"]
        assert (
            settled == "settled as sent by a delivery report via OC_one: the provider has it as P2"
        )
