"""Directories, contacts, mailing lists, opt-outs and transactions (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.service import create_organization, default_organization
from smsurvey.contacts import service
from smsurvey.contacts.fields import DedupeBy
from smsurvey.contacts.service import ContactFields
from smsurvey.kit.clock import FrozenClock
from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.kit.ids import is_id


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


async def test_default_directory_is_created_once(session: AsyncSession) -> None:
    organization = await default_organization(session)
    first = await service.default_directory(session, organization)
    again = await service.default_directory(session, organization)
    assert first.id == again.id
    assert is_id(first.id, "POOL")
    assert first.is_default
    assert first.dedupe_by == "phone"
    other = await service.create_directory(session, organization, "Employees", DedupeBy.EMAIL)
    assert not other.is_default
    with pytest.raises(Conflict, match="already exists"):
        await service.create_directory(session, organization, "Employees")


async def test_upsert_merges_by_the_directory_rule(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organization = await default_organization(session)
    directory = await service.default_directory(session, organization)
    ann, created = await service.upsert_contact(
        session,
        directory,
        ContactFields(first_name="Ann", phone="1 (415) 555-2671", embedded_data={"Store": "12"}),
        clock=clock,
    )
    assert created
    assert ann.phone == "+14155552671"
    assert ann.phone_type is not None
    clock.advance(timedelta(hours=1))
    same, created = await service.upsert_contact(
        session,
        directory,
        ContactFields(last_name="Lee", phone="+1 415 555 2671", embedded_data={"Tier": "gold"}),
        clock=clock,
    )
    assert not created
    assert same.id == ann.id
    assert (same.first_name, same.last_name) == ("Ann", "Lee")
    assert same.embedded_data == {"Store": "12", "Tier": "gold"}
    assert same.updated_at == clock.now() != same.created_at


async def test_upsert_refuses_bad_values(session: AsyncSession) -> None:
    organization = await default_organization(session)
    directory = await service.default_directory(session, organization)
    with pytest.raises(InvalidInput, match="phone: '12' is refused"):
        await service.upsert_contact(session, directory, ContactFields(phone="12"))
    with pytest.raises(InvalidInput, match="email: 'nope' is not an email address"):
        await service.upsert_contact(session, directory, ContactFields(email="nope"))


async def test_opt_out_keeps_a_dated_history(session: AsyncSession, clock: FrozenClock) -> None:
    organization = await default_organization(session)
    directory = await service.default_directory(session, organization)
    contact, _ = await service.upsert_contact(
        session, directory, ContactFields(phone="+447911123456")
    )
    assert await service.set_opted_out(
        session, contact, True, source="sms-keyword", detail="STOP", clock=clock
    )
    assert not await service.set_opted_out(session, contact, True, source="cli", clock=clock)
    clock.advance(timedelta(days=3))
    assert await service.set_opted_out(session, contact, False, source="sms-keyword", clock=clock)

    history = await service.opt_out_history(session, contact)
    assert [(e.opted_out, e.source, e.detail) for e in history] == [
        (True, "sms-keyword", "STOP"),
        (False, "sms-keyword", None),
    ]
    assert history[1].at - history[0].at == timedelta(days=3)
    assert contact.opted_out is False


async def test_mailing_lists_count_their_members(session: AsyncSession) -> None:
    organization = await default_organization(session)
    directory = await service.default_directory(session, organization)
    customers, created = await service.mailing_list_named(session, directory, "Customers")
    assert created
    assert is_id(customers.id, "CG")
    assert (await service.mailing_list_named(session, directory, " Customers "))[
        0
    ].id == customers.id
    await service.mailing_list_named(session, directory, "Empty")
    for phone in ("+14155552671", "+447911123456"):
        contact, _ = await service.upsert_contact(session, directory, ContactFields(phone=phone))
        assert await service.add_to_list(session, customers, contact)
    assert not await service.add_to_list(session, customers, contact)

    counts = {m.name: n for m, n in await service.mailing_lists_with_counts(session, organization)}
    assert counts == {"Customers": 2, "Empty": 0}
    members = await service.list_members(session, customers)
    assert {c.phone for c in members} == {"+14155552671", "+447911123456"}
    assert await service.remove_from_list(session, customers, contact)
    assert not await service.remove_from_list(session, customers, contact)
    assert len(await service.list_members(session, customers)) == 1


async def test_transactions_and_batches(session: AsyncSession, clock: FrozenClock) -> None:
    organization = await default_organization(session)
    directory = await service.default_directory(session, organization)
    contact, _ = await service.upsert_contact(
        session, directory, ContactFields(phone="+14155552671")
    )
    visit = await service.create_transaction(
        session, contact, {"store": "12", "amount": "19.90"}, clock=clock
    )
    later = await service.create_transaction(
        session,
        contact,
        {"store": "7"},
        transaction_date=clock.now() - timedelta(days=1),
        clock=clock,
    )
    assert is_id(visit.id, "CTR")
    assert visit.transaction_date == clock.now()
    batch = await service.create_transaction_batch(
        session, directory, [visit.id, later.id, visit.id]
    )
    assert is_id(batch.id, "BT")
    assert [t.id for t in await service.batch_transactions(session, batch)] == sorted(
        [visit.id, later.id]
    )
    with pytest.raises(NotFound, match="no transaction CTR_missing"):
        await service.create_transaction_batch(session, directory, ["CTR_missing"])


async def test_records_of_another_organisation_are_not_found(session: AsyncSession) -> None:
    mine = await default_organization(session)
    theirs = await create_organization(session, "Other brand")
    directory = await service.default_directory(session, mine)
    mailing_list, _ = await service.mailing_list_named(session, directory, "Customers")
    contact, _ = await service.upsert_contact(
        session, directory, ContactFields(phone="+14155552671")
    )

    with pytest.raises(NotFound):
        await service.get_directory(session, theirs, directory.id)
    with pytest.raises(NotFound):
        await service.get_mailing_list(session, theirs, mailing_list.id)
    with pytest.raises(NotFound):
        await service.get_contact(session, theirs, contact.id)
    assert (await service.get_contact(session, mine, contact.id)).id == contact.id


async def test_opting_out_sets_the_embedded_field(session: AsyncSession) -> None:
    organization = await default_organization(session)
    directory = await service.default_directory(session, organization)
    contact, _ = await service.upsert_contact(
        session, directory, ContactFields(phone="+14155552671", embedded_data={"Store": "1"})
    )
    await service.set_opted_out(session, contact, True, source="sms-keyword", detail="STOP")
    assert contact.embedded_data == {"Store": "1", "Opted out": "Yes"}
    await service.set_opted_out(session, contact, False, source="sms-keyword", detail="START")
    assert contact.embedded_data == {"Store": "1", "Opted out": "No"}
    found = await service.contacts_with_phone(session, organization.id, "+14155552671")
    assert [c.id for c in found] == [contact.id]
    assert await service.contacts_with_phone(session, "OR_other", "+14155552671") == []
