"""Invitations, reminders and thank-yous end to end on the simulator (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from smsurvey.accounts.credits import add_credits, balance
from smsurvey.contacts.service import (
    ContactFields,
    create_transaction,
    create_transaction_batch,
    default_directory,
    draw_sample,
    get_mailing_list,
)
from smsurvey.distributions.service import (
    Lifecycle,
    Method,
    Recipients,
    cancel,
    get_distribution,
    reschedule,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import Conflict, InvalidInput
from smsurvey.models.accounts import CreditEntry
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Distribution, RecipientEvent
from smsurvey.models.messaging import Message
from tests.messaging.harness import Harness, harness

ANN, BOB, CID = "+14155552671", "+14155552672", "+14155552673"
INVITE = "Hi ${m://FirstName}, how did we do? ${l://SurveyURL} Text STOP to opt out"


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def customers(system: Harness) -> str:
    return await system.contacts(
        "Customers",
        ContactFields(first_name="Ann", phone=ANN, embedded_data={"Tier": "gold"}),
        ContactFields(first_name="Bob", phone=BOB, embedded_data={"Tier": "silver"}),
        ContactFields(first_name="Cid", phone=CID, time_zone="America/New_York"),
    )


async def invite(system: Harness, list_id: str, text: str = INVITE, **request: object) -> str:
    distribution_id = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text=text,
        **request,
    )
    await system.drain()
    return distribution_id


async def statuses(system: Harness, distribution_id: str) -> list[str]:
    rows = await system.rows(
        RecipientEvent,
        RecipientEvent.recipient_id.in_(await recipient_ids(system, distribution_id)),
    )
    return sorted(event.status for event in rows)


async def recipient_ids(system: Harness, distribution_id: str) -> list[int]:
    messages = await system.rows(Message, Message.distribution_id == distribution_id)
    from smsurvey.models.distributions import Recipient

    recipients = await system.rows(Recipient, Recipient.distribution_id == distribution_id)
    assert {m.recipient_id for m in messages} <= {r.id for r in recipients}
    return [r.id for r in recipients]


async def test_each_recipient_gets_a_personal_link(system: Harness) -> None:
    distribution_id = await invite(system, await customers(system))
    ann, bob = await system.last(ANN), await system.last(BOB)
    assert ann.startswith("Hi Ann, how did we do? http://127.0.0.1:8000/s/")
    assert bob.startswith("Hi Bob, how did we do?")
    link = re.compile(r"http://\S+/s/\S+")
    assert link.search(ann).group() != link.search(bob).group()  # type: ignore[union-attr]
    messages = await system.rows(Message, Message.distribution_id == distribution_id)
    assert {(m.kind, m.parts, m.encoding, m.region) for m in messages} == {
        ("invite", 1, "GSM-7", "US")
    }
    await system.advance(timedelta(seconds=1))
    assert await statuses(system, distribution_id) == ["Delivered"] * 3 + ["Sent"] * 3
    distribution = (await system.rows(Distribution))[0]
    assert distribution.status == Lifecycle.PLANNED


async def test_the_same_invitation_within_24_hours_is_duplicated(system: Harness) -> None:
    list_id = await customers(system)
    await invite(system, list_id)
    again = await invite(system, list_id)
    assert await statuses(system, again) == ["Duplicated"] * 3
    await system.advance(timedelta(hours=24))
    later = await invite(system, list_id)
    assert await statuses(system, later) == ["Sent"] * 3
    other_text = await invite(system, list_id, "Last chance: ${l://SurveyURL}")
    assert "Duplicated" not in await statuses(system, other_text)


async def test_limiting_conditions(system: Harness) -> None:
    conditions = {  # (Tier is gold or silver) and first name starts with A
        "conditions": [
            {"field": "embedded", "name": "Tier", "operator": "equals", "value": "gold"},
            {"field": "embedded", "name": "Tier", "operator": "equals", "value": "SILVER"},
            {"field": "first_name", "operator": "starts_with", "value": "a"},
        ]
    }
    await invite(system, await customers(system), conditions=conditions)
    assert len(await system.inbox(ANN)) == 1
    assert await system.inbox(BOB) == await system.inbox(CID) == []


async def test_reminders_and_thank_yous_follow_who_responded(system: Harness) -> None:
    list_id = await customers(system)
    parent = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()
    for reply in ("10", "1", "Great"):
        await system.text(ANN, reply)
    for method, text in (
        (Method.REMINDER, "Reminder: ${l://SurveyURL}"),
        (Method.THANK_YOU, "Thanks!"),
    ):
        await system.distribute(
            system.survey_id, method=method, message_text=text, parent_distribution_id=parent
        )
    await system.drain()
    assert await system.last(ANN) == "Thanks!"
    assert (await system.last(BOB)).startswith("Reminder: http")
    assert (await system.last(CID)).startswith("Reminder: http")
    with pytest.raises(InvalidInput, match="without a parentDistributionId"):
        await system.distribute(
            system.survey_id,
            Recipients(mailing_list_id=list_id),
            method=Method.REMINDER,
            message_text="x",
        )


async def test_quiet_hours_in_the_recipients_zone(system: Harness) -> None:
    window = {"start": "09:00", "end": "20:00", "weekdays": ["mon", "tue", "wed", "thu", "fri"]}
    # The harness clock is Monday 2 March 2026, 09:00 UTC: 04:00 in New York (Cid's time
    # zone field), 01:00 in San Francisco (Ann's and Bob's numbers' zone).
    await invite(system, await customers(system), quiet_hours=window)
    due = {m.recipient: m.next_attempt_at for m in await system.rows(Message)}
    assert {phone: at.hour for phone, at in due.items() if at} == {ANN: 17, BOB: 17, CID: 14}
    await system.advance(timedelta(hours=4, minutes=59))
    assert await system.inbox(CID) == []
    await system.advance(timedelta(minutes=1))
    assert len(await system.inbox(CID)) == 1
    assert await system.inbox(ANN) == []
    await system.advance(timedelta(hours=3))
    assert len(await system.inbox(ANN)) == 1


async def test_credits_are_debited_and_an_unaffordable_distribution_fails(
    system: Harness,
) -> None:
    list_id = await customers(system)
    await invite(system, list_id)
    debits = await system.rows(CreditEntry, CreditEntry.kind == "message")
    assert sorted((d.amount, d.region) for d in debits) == [(Decimal(-1), "US")] * 3
    async with unit_of_work(system.runtime.engine) as session:
        left = await balance(session, system.organization, Decimal(1000), system.clock.now())
        assert left == Decimal(997)
        await add_credits(session, system.organization, Decimal(-996), "test", system.clock.now())
    poor = await invite(system, list_id, "Another survey ${l://SurveyURL}")
    [distribution] = await system.rows(Distribution, Distribution.id == poor)
    assert distribution.status == Lifecycle.FAILED
    assert "not enough credits" in (distribution.failure or "")
    assert await system.rows(Message, Message.distribution_id == poor) == []


async def test_alphanumeric_invitations_need_an_opt_out_link(system: Harness) -> None:
    list_id = await customers(system)
    with pytest.raises(InvalidInput, match=r"put \$\{l://OptOutURL\}"):
        await invite(system, list_id, sender="ACME")
    await invite(
        system, list_id, "Acme survey: ${l://SurveyURL} Opt out: ${l://OptOutURL}", sender="ACME"
    )
    text = await system.last(ANN)
    assert "/o/" in text
    assert (await system.rows(Message, Message.recipient == ANN))[0].sender == "ACME"


async def test_samples_and_transaction_batches(system: Harness) -> None:
    list_id = await customers(system)
    async with unit_of_work(system.runtime.engine) as session:
        mailing_list = await get_mailing_list(session, system.organization, list_id)
        sample = await draw_sample(session, mailing_list, "Two of them", size=2, seed=1)
        directory = await default_directory(session, system.organization)
        [cid] = [
            c
            for c in await session.scalars(__import__("sqlalchemy").select(Contact))
            if c.phone == CID
        ]
        visit = await create_transaction(session, cid, {"Store": "Soho"})
        batch = await create_transaction_batch(session, directory, [visit.id])
    await system.distribute(
        system.survey_id, Recipients(sample_id=sample.id), method=Method.INVITE, message_text=INVITE
    )
    await system.distribute(
        system.survey_id,
        Recipients(transaction_batch_id=batch.id),
        method=Method.INVITE,
        message_text="How was ${e://Field/Store}? ${l://SurveyURL}",
    )
    await system.drain()
    got_invite = [
        p for p in (ANN, BOB, CID) if any(t.startswith("Hi ") for t in await system.inbox(p))
    ]
    assert len(got_invite) == 2
    assert any(t.startswith("How was Soho? http") for t in await system.inbox(CID))


async def test_scheduled_distributions_can_be_edited_or_cancelled(system: Harness) -> None:
    list_id = await customers(system)
    later = system.clock.now() + timedelta(days=1)
    first = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text=INVITE,
        send_at=later,
    )
    second = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text="Other ${l://SurveyURL}",
        send_at=later,
    )
    async with unit_of_work(system.runtime.engine) as session:
        await reschedule(
            session,
            system.organization,
            [first],
            send_at=later + timedelta(hours=1),
            message_text="New text ${l://SurveyURL}",
        )
        assert await cancel(session, system.organization, [second]) == [second]
    await system.advance(timedelta(days=1, hours=1))
    assert (await system.last(ANN)).startswith("New text http")
    async with unit_of_work(system.runtime.engine) as session:
        assert (
            await get_distribution(session, system.organization, second)
        ).status == Lifecycle.CANCELLED
        with pytest.raises(Conflict, match="cannot be cancelled"):
            await cancel(session, system.organization, [first])


async def test_a_recurring_distribution_schedules_its_next_occurrence(system: Harness) -> None:
    recurrence = {"frequency": "daily", "at": "09:00", "until": "2026-03-04T23:59:00+00:00"}
    await invite(system, await customers(system), recurrence=recurrence)
    await system.advance(timedelta(days=1))
    await system.advance(timedelta(days=1))
    await system.advance(timedelta(days=1))
    assert len(await system.inbox(ANN)) == 3  # 2, 3 and 4 March; none after "until"
    assert len(await system.rows(Distribution)) == 3
