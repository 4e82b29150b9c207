"""Use cases on directories, contacts, mailing lists, opt-outs and transactions.

Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.fields import MAX_LENGTHS, DedupeBy, problem_with
from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import (
    Contact,
    Directory,
    MailingList,
    MailingListMember,
    OptOutEvent,
    Transaction,
    TransactionBatch,
    TransactionBatchMember,
)
from smsurvey.models.distributions import Recipient
from smsurvey.models.messaging import ConversationSession, Direction, Message, MessageEvent
from smsurvey.models.responses import Response
from smsurvey.providers.base import DeliveryStatus
from smsurvey.sms.phones import check_phone, validate_region

DEFAULT_DIRECTORY_NAME = "Default directory"
OPTED_OUT_FIELD = "Opted out"
M = TypeVar("M", MailingList, Contact)


@dataclass(frozen=True, slots=True)
class ContactFields:
    """What a caller may set on a contact; ``None`` leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    ext_ref: str | None = None
    language: str | None = None
    time_zone: str | None = None
    embedded_data: dict[str, str] | None = None


_NAMES = {MailingList: "mailing list", Contact: "contact"}


async def _in_directory_of(
    session: AsyncSession, model: type[M], record_id: str, organization_id: str
) -> M:
    """The record ``record_id`` of a directory of the organisation, or :class:`NotFound`."""
    found = await session.execute(
        select(model)
        .join(Directory, Directory.id == model.directory_id)
        .where(model.id == record_id, Directory.organization_id == organization_id)
    )
    record = found.scalar_one_or_none()
    if record is None:
        raise NotFound(f"no {_NAMES[model]} {record_id}")
    return record


async def _in_directory(
    session: AsyncSession, model: type[M], record_id: str, directory: Directory
) -> M:
    """The record ``record_id`` of ``directory``, or :class:`NotFound` (which names the
    directory when the record is in another of the organisation's)."""
    record = await _in_directory_of(session, model, record_id, directory.organization_id)
    if record.directory_id != directory.id:
        raise NotFound(f"no {_NAMES[model]} {record_id} in {directory.id}")
    return record


# Directories -----------------------------------------------------------------


async def create_directory(
    session: AsyncSession,
    organization: Organization,
    name: str,
    dedupe_by: DedupeBy = DedupeBy.PHONE,
    clock: Clock = system_clock,
) -> Directory:
    """A new directory in ``organization`` (names are unique within it)."""
    name = name.strip()
    if not name:
        raise InvalidInput("a directory needs a name")
    taken = await session.scalar(
        select(Directory.id).where(
            Directory.organization_id == organization.id, Directory.name == name
        )
    )
    if taken:
        raise Conflict(f"a directory called {name!r} already exists ({taken})")
    is_first = not await session.scalar(
        select(func.count()).where(Directory.organization_id == organization.id)
    )
    directory = Directory(
        id=new_id("POOL"),
        organization_id=organization.id,
        name=name,
        is_default=is_first,
        dedupe_by=DedupeBy(dedupe_by).value,
        created_at=clock.now(),
    )
    session.add(directory)
    await session.flush()
    return directory


async def default_directory(
    session: AsyncSession, organization: Organization, clock: Clock = system_clock
) -> Directory:
    """The organisation's default directory, created on first use."""
    directory = await session.scalar(
        select(Directory).where(
            Directory.organization_id == organization.id, Directory.is_default.is_(True)
        )
    )
    if directory is None:
        directory = await create_directory(
            session, organization, DEFAULT_DIRECTORY_NAME, clock=clock
        )
    return directory


async def get_directory(
    session: AsyncSession, organization: Organization, directory_id: str
) -> Directory:
    """The directory ``directory_id`` of ``organization``, or :class:`NotFound`."""
    directory = await session.get(Directory, directory_id)
    if directory is None or directory.organization_id != organization.id:
        raise NotFound(f"no directory {directory_id}")
    return directory


async def directories_with_counts(
    session: AsyncSession, organization: Organization, clock: Clock = system_clock
) -> list[tuple[Directory, int]]:
    """The organisation's directories (the default one made on first use), with contacts."""
    await default_directory(session, organization, clock)
    count = select(func.count()).where(Contact.directory_id == Directory.id).scalar_subquery()
    rows = await session.execute(
        select(Directory, count)
        .where(Directory.organization_id == organization.id)
        .order_by(Directory.created_at, Directory.id)
    )
    return [(directory, n) for directory, n in rows.all()]


# Mailing lists ---------------------------------------------------------------


async def mailing_list_named(
    session: AsyncSession, directory: Directory, name: str, clock: Clock = system_clock
) -> tuple[MailingList, bool]:
    """The directory's mailing list called ``name``, created if needed; and whether it was."""
    name = name.strip()
    if not name:
        raise InvalidInput("a mailing list needs a name")
    existing = await session.scalar(
        select(MailingList).where(
            MailingList.directory_id == directory.id, MailingList.name == name
        )
    )
    if existing is not None:
        return existing, False
    mailing_list = MailingList(
        id=new_id("CG"), directory_id=directory.id, name=name, created_at=clock.now()
    )
    session.add(mailing_list)
    await session.flush()
    return mailing_list, True


async def draw_sample(
    session: AsyncSession,
    mailing_list: MailingList,
    name: str,
    *,
    size: int | None = None,
    percentage: float | None = None,
    seed: int | None = None,
    clock: Clock = system_clock,
) -> MailingList:
    """A sample of ``mailing_list``: a new list of ``size`` (or ``percentage`` %) of its
    contacts drawn at random, which a distribution can target."""
    if (size is None) == (percentage is None):
        raise InvalidInput("give exactly one of a sample size or a percentage")
    members = list(
        await session.scalars(
            select(MailingListMember.contact_id)
            .where(MailingListMember.mailing_list_id == mailing_list.id)
            .order_by(MailingListMember.contact_id)
        )
    )
    if percentage is not None:
        if not 0 < percentage <= 100:
            raise InvalidInput(f"a sample percentage is above 0 and at most 100, not {percentage}")
        size = round(len(members) * percentage / 100)
    if size is None or size < 1:
        raise InvalidInput("a sample holds at least one contact")
    directory = await session.get(Directory, mailing_list.directory_id)
    assert directory is not None
    sample, created = await mailing_list_named(session, directory, name, clock)
    if not created:
        raise Conflict(f"a list called {name!r} already exists ({sample.id})")
    sample.sample_of = mailing_list.id
    now = clock.now()
    chosen = random.Random(seed).sample(members, min(size, len(members)))
    session.add_all(
        MailingListMember(mailing_list_id=sample.id, contact_id=contact_id, added_at=now)
        for contact_id in chosen
    )
    await session.flush()
    return sample


async def get_mailing_list(
    session: AsyncSession, organization: Organization, mailing_list_id: str
) -> MailingList:
    """The mailing list ``mailing_list_id`` of ``organization``, or :class:`NotFound`."""
    return await _in_directory_of(session, MailingList, mailing_list_id, organization.id)


async def get_directory_mailing_list(
    session: AsyncSession, directory: Directory, mailing_list_id: str
) -> MailingList:
    """The mailing list ``mailing_list_id`` of ``directory``, or :class:`NotFound`."""
    return await _in_directory(session, MailingList, mailing_list_id, directory)


async def mailing_lists_with_counts(
    session: AsyncSession,
    organization: Organization,
    *,
    directory: Directory | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[MailingList, int]]:
    """The organisation's mailing lists (of ``directory`` only, when given) with their
    number of contacts, oldest first: all of them, or ``limit`` from ``offset``."""
    count = (
        select(func.count())
        .where(MailingListMember.mailing_list_id == MailingList.id)
        .scalar_subquery()
    )
    query = (
        select(MailingList, count)
        .join(Directory, Directory.id == MailingList.directory_id)
        .where(Directory.organization_id == organization.id)
        .order_by(MailingList.created_at, MailingList.id)
        .limit(limit)
        .offset(offset)
    )
    if directory is not None:
        query = query.where(MailingList.directory_id == directory.id)
    rows = await session.execute(query)
    return [(mailing_list, n) for mailing_list, n in rows.all()]


async def mailing_list_size(session: AsyncSession, mailing_list: MailingList) -> int:
    """How many contacts ``mailing_list`` holds."""
    count = await session.scalar(
        select(func.count()).where(MailingListMember.mailing_list_id == mailing_list.id)
    )
    return int(count or 0)


async def create_mailing_list(
    session: AsyncSession, directory: Directory, name: str, clock: Clock = system_clock
) -> MailingList:
    """A new mailing list in ``directory``; :class:`Conflict` when the name is taken."""
    mailing_list, created = await mailing_list_named(session, directory, name, clock)
    if not created:
        raise Conflict(f"a mailing list called {name.strip()!r} exists ({mailing_list.id})")
    return mailing_list


async def rename_mailing_list(session: AsyncSession, mailing_list: MailingList, name: str) -> None:
    """Give the list another name (unique in its directory)."""
    name = name.strip()
    if not name:
        raise InvalidInput("a mailing list needs a name")
    taken = await session.scalar(
        select(MailingList.id).where(
            MailingList.directory_id == mailing_list.directory_id,
            MailingList.name == name,
            MailingList.id != mailing_list.id,
        )
    )
    if taken:
        raise Conflict(f"a mailing list called {name!r} exists ({taken})")
    mailing_list.name = name


async def delete_mailing_list(session: AsyncSession, mailing_list: MailingList) -> None:
    """Delete the list (its contacts stay in the directory)."""
    await session.delete(mailing_list)
    await session.flush()


async def list_members(
    session: AsyncSession,
    mailing_list: MailingList,
    *,
    limit: int = 100,
    offset: int = 0,
    opted_out: bool | None = None,
) -> list[Contact]:
    """A page of the list's contacts, in id order (roughly the order they were created);
    only those who opted out of SMS (or only the others) when ``opted_out`` says so."""
    rows = await session.scalars(
        select(Contact)
        .join(MailingListMember, MailingListMember.contact_id == Contact.id)
        .where(MailingListMember.mailing_list_id == mailing_list.id, *_opted_out(opted_out))
        .order_by(Contact.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def get_member(session: AsyncSession, mailing_list: MailingList, contact_id: str) -> Contact:
    """The contact ``contact_id`` of ``mailing_list``, or :class:`NotFound`."""
    contact = await session.scalar(
        select(Contact)
        .join(MailingListMember, MailingListMember.contact_id == Contact.id)
        .where(MailingListMember.mailing_list_id == mailing_list.id, Contact.id == contact_id)
    )
    if contact is None:
        raise NotFound(f"{contact_id} is not in {mailing_list.id}")
    return contact


async def lists_of(session: AsyncSession, contact: Contact) -> list[MailingList]:
    """The mailing lists ``contact`` is in, oldest first."""
    rows = await session.scalars(
        select(MailingList)
        .join(MailingListMember, MailingListMember.mailing_list_id == MailingList.id)
        .where(MailingListMember.contact_id == contact.id)
        .order_by(MailingList.created_at, MailingList.id)
    )
    return list(rows)


async def add_to_list(
    session: AsyncSession, mailing_list: MailingList, contact: Contact, clock: Clock = system_clock
) -> bool:
    """Put ``contact`` in ``mailing_list``; ``False`` when it already was."""
    if contact.directory_id != mailing_list.directory_id:
        raise InvalidInput(f"{contact.id} is not in the directory of {mailing_list.id}")
    if await session.get(MailingListMember, (mailing_list.id, contact.id)) is not None:
        return False
    session.add(
        MailingListMember(
            mailing_list_id=mailing_list.id, contact_id=contact.id, added_at=clock.now()
        )
    )
    await session.flush()
    return True


async def remove_from_list(
    session: AsyncSession, mailing_list: MailingList, contact: Contact
) -> bool:
    """Take ``contact`` out of ``mailing_list``; ``False`` when it was not in it."""
    result = await session.execute(
        delete(MailingListMember).where(
            MailingListMember.mailing_list_id == mailing_list.id,
            MailingListMember.contact_id == contact.id,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # a DML Result is a CursorResult


# Contacts --------------------------------------------------------------------


async def get_contact(
    session: AsyncSession, organization: Organization, contact_id: str
) -> Contact:
    """The contact ``contact_id`` of ``organization``, or :class:`NotFound`."""
    return await _in_directory_of(session, Contact, contact_id, organization.id)


async def get_directory_contact(
    session: AsyncSession, directory: Directory, contact_id: str
) -> Contact:
    """The contact ``contact_id`` of ``directory``, or :class:`NotFound`."""
    return await _in_directory(session, Contact, contact_id, directory)


def _opted_out(opted_out: bool | None) -> list[ColumnElement[bool]]:
    return [] if opted_out is None else [Contact.opted_out.is_(opted_out)]


async def directory_contacts(
    session: AsyncSession,
    directory: Directory,
    *,
    limit: int,
    offset: int,
    opted_out: bool | None = None,
) -> list[Contact]:
    """A page of the directory's contacts, in id order; only those who opted out of SMS
    (or only the others) when ``opted_out`` says so."""
    rows = await session.scalars(
        select(Contact)
        .where(Contact.directory_id == directory.id, *_opted_out(opted_out))
        .order_by(Contact.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def delete_contact(session: AsyncSession, contact: Contact) -> None:
    """Delete the contact and its list memberships (histories keep what was sent)."""
    await session.delete(contact)
    await session.flush()


def checked_region(region: str | None) -> str | None:
    """``region`` (for numbers without a country code) as its ISO code, ``None`` when blank;
    :class:`InvalidInput` for an unknown one."""
    if not region or not region.strip():
        return None
    try:
        return validate_region(region)
    except ValueError as error:
        raise InvalidInput(f"region: {error}") from None


def _checked_values(fields: ContactFields, default_region: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("first_name", "last_name", "email", "ext_ref", "language", "time_zone"):
        value = getattr(fields, name)
        if value is None:
            continue
        value = value.strip()
        if value and (problem := problem_with(name, value)):
            raise InvalidInput(f"{name}: {value!r} is {problem}")
        values[name] = value or None
    if fields.phone is not None:
        values.update(_phone_values(fields.phone, default_region))
    return values


def _phone_values(raw: str, default_region: str | None) -> dict[str, Any]:
    raw = raw.strip()
    if not raw:
        return {"phone": None, "phone_input": None, "phone_type": None, "phone_region": None}
    checked = check_phone(raw, default_region, time_zones=False)
    if checked.e164 is None:
        raise InvalidInput(f"phone: {raw!r} is refused: {checked.reason}")
    return {
        "phone": checked.e164,
        "phone_input": raw[: MAX_LENGTHS["phone_input"]],
        "phone_type": checked.type,
        "phone_region": checked.region,
    }


async def _find_duplicate(
    session: AsyncSession, directory: Directory, values: dict[str, Any]
) -> Contact | None:
    key = directory.dedupe_by
    value = values.get(key)
    if not value:
        return None
    column = getattr(Contact, key)
    condition = func.lower(column) == value.lower() if key == DedupeBy.EMAIL else column == value
    return await session.scalar(
        select(Contact)
        .where(Contact.directory_id == directory.id, condition)
        .order_by(Contact.created_at, Contact.id)
        .limit(1)
    )


async def upsert_contact(
    session: AsyncSession,
    directory: Directory,
    fields: ContactFields,
    *,
    default_region: str | None = None,
    clock: Clock = system_clock,
) -> tuple[Contact, bool]:
    """Create a contact, or merge into the one the directory's rule says is the same person.

    Returns the contact and whether it was created. Given fields overwrite, embedded
    data is merged key by key.
    """
    values = _checked_values(fields, default_region)
    now = clock.now()
    contact = await _find_duplicate(session, directory, values)
    created = contact is None
    if contact is None:
        contact = Contact(
            id=new_id("CID"),
            directory_id=directory.id,
            embedded_data={},
            opted_out=False,
            created_at=now,
        )
        session.add(contact)
    _apply(contact, values, fields.embedded_data, now)
    await session.flush()
    return contact, created


async def update_contact(
    session: AsyncSession,
    contact: Contact,
    fields: ContactFields,
    *,
    default_region: str | None = None,
    clock: Clock = system_clock,
) -> None:
    """Change the given fields of ``contact`` (embedded data merged key by key)."""
    _apply(contact, _checked_values(fields, default_region), fields.embedded_data, clock.now())
    await session.flush()


def _apply(
    contact: Contact, values: dict[str, Any], embedded: dict[str, str] | None, now: datetime
) -> None:
    for name, value in values.items():
        setattr(contact, name, value)
    if embedded:
        contact.embedded_data = {**contact.embedded_data, **embedded}
    contact.updated_at = now


async def set_opted_out(
    session: AsyncSession,
    contact: Contact,
    opted_out: bool,
    *,
    source: str,
    detail: str | None = None,
    clock: Clock = system_clock,
) -> bool:
    """Opt ``contact`` out of (or back into) SMS, with a dated history entry.

    The contact's embedded field ``Opted out`` says ``Yes`` or ``No`` accordingly.
    ``source`` says how (``sms-keyword``, ``opt-out-link``, ``api``, ``cli``…).
    Returns ``False`` when the contact was already in that state (nothing recorded).
    """
    if contact.opted_out == opted_out:
        return False
    now = clock.now()
    contact.opted_out = opted_out
    contact.embedded_data = {**contact.embedded_data, OPTED_OUT_FIELD: "Yes" if opted_out else "No"}
    contact.updated_at = now
    session.add(
        OptOutEvent(
            contact_id=contact.id, opted_out=opted_out, source=source, detail=detail, at=now
        )
    )
    await session.flush()
    return True


async def contacts_with_phone(
    session: AsyncSession, organization_id: str, phone: str
) -> list[Contact]:
    """The organisation's contacts (in any directory) with the E.164 number ``phone``."""
    rows = await session.scalars(
        select(Contact)
        .join(Directory, Directory.id == Contact.directory_id)
        .where(Directory.organization_id == organization_id, Contact.phone == phone)
        .order_by(Contact.created_at, Contact.id)
    )
    return list(rows)


async def first_text_sent(
    session: AsyncSession, recipient_id: int
) -> tuple[Message, datetime] | None:
    """The first text to a distribution recipient and when it was first ``Sent``, if it
    was handed to the provider (what an opt-out link in it is valid from)."""
    message = await session.scalar(
        select(Message)
        .where(Message.recipient_id == recipient_id, Message.direction == Direction.OUT)
        .order_by(Message.id)
        .limit(1)
    )
    if message is None:
        return None
    sent_at = await session.scalar(
        select(func.min(MessageEvent.at)).where(
            MessageEvent.message_id == message.id, MessageEvent.status == DeliveryStatus.SENT
        )
    )
    return None if sent_at is None else (message, sent_at)


@dataclass(frozen=True, slots=True)
class ContactStats:
    """What was sent to a contact and what they answered."""

    sent: int
    """Texts handed to the provider (invitations, reminders, 2-way questions…)."""
    last_sent_at: datetime | None
    responses: int
    """Finished responses."""
    last_response_at: datetime | None


async def contacts_stats(
    session: AsyncSession, contact_ids: Sequence[str]
) -> dict[str, ContactStats]:
    """The :class:`ContactStats` of each contact of ``contact_ids`` (a page of them), from
    the texts' histories and the responses: three grouped queries."""
    ids = list(contact_ids)
    arms = [
        select(owner.label("contact_id"), Message.id.label("message_id"))
        .join(Message, link)
        .where(owner.in_(ids), Message.direction == Direction.OUT)
        for owner, link in (
            (Recipient.contact_id, Message.recipient_id == Recipient.id),
            (ConversationSession.contact_id, Message.session_id == ConversationSession.id),
        )
    ]
    texts = union(*arms).subquery()
    sent = {
        contact_id: (count, last)
        for contact_id, count, last in await session.execute(
            select(texts.c.contact_id, func.count(func.distinct(texts.c.message_id)),
                   func.max(MessageEvent.at))
            .join(MessageEvent, MessageEvent.message_id == texts.c.message_id)
            .where(MessageEvent.status == DeliveryStatus.SENT)
            .group_by(texts.c.contact_id)
        )
    }  # fmt: skip
    answered = {
        contact_id: (count, last)
        for contact_id, count, last in await session.execute(
            select(Response.contact_id, func.count(Response.id), func.max(Response.ended_at))
            .where(Response.contact_id.in_(ids), Response.finished.is_(True))
            .group_by(Response.contact_id)
        )
    }
    nothing = (0, None)
    return {
        contact_id: ContactStats(*sent.get(contact_id, nothing), *answered.get(contact_id, nothing))
        for contact_id in ids
    }


async def opt_out_history(session: AsyncSession, contact: Contact) -> list[OptOutEvent]:
    """The contact's opt-out changes, oldest first."""
    rows = await session.scalars(
        select(OptOutEvent).where(OptOutEvent.contact_id == contact.id).order_by(OptOutEvent.id)
    )
    return list(rows)


# Transactions ----------------------------------------------------------------


async def create_transaction(
    session: AsyncSession,
    contact: Contact,
    data: dict[str, Any],
    *,
    transaction_date: datetime | None = None,
    mailing_list: MailingList | None = None,
    clock: Clock = system_clock,
) -> Transaction:
    """Record an interaction with ``contact`` (a purchase, a visit) and its data."""
    if mailing_list is not None and mailing_list.directory_id != contact.directory_id:
        raise InvalidInput(f"{mailing_list.id} is not in the directory of {contact.id}")
    now = clock.now()
    transaction = Transaction(
        id=new_id("CTR"),
        directory_id=contact.directory_id,
        contact_id=contact.id,
        mailing_list_id=mailing_list.id if mailing_list else None,
        transaction_date=transaction_date or now,
        data=data,
        created_at=now,
    )
    session.add(transaction)
    await session.flush()
    return transaction


async def transactions_of(
    session: AsyncSession, contact: Contact, *, limit: int = 100
) -> list[Transaction]:
    """The contact's latest ``limit`` transactions, newest first."""
    rows = await session.scalars(
        select(Transaction)
        .where(Transaction.contact_id == contact.id)
        .order_by(Transaction.transaction_date.desc(), Transaction.id.desc())
        .limit(limit)
    )
    return list(rows)


async def create_transaction_batch(
    session: AsyncSession,
    directory: Directory,
    transaction_ids: Sequence[str],
    clock: Clock = system_clock,
) -> TransactionBatch:
    """A batch of the directory's transactions that a distribution can target."""
    ids = list(dict.fromkeys(transaction_ids))
    known = set(
        await session.scalars(
            select(Transaction.id).where(
                Transaction.directory_id == directory.id, Transaction.id.in_(ids)
            )
        )
    )
    if missing := [i for i in ids if i not in known]:
        raise NotFound(f"no transaction {', '.join(missing)} in {directory.id}")
    batch = TransactionBatch(id=new_id("BT"), directory_id=directory.id, created_at=clock.now())
    session.add(batch)
    await session.flush()
    session.add_all(TransactionBatchMember(batch_id=batch.id, transaction_id=i) for i in ids)
    await session.flush()
    return batch


async def transaction_batches(
    session: AsyncSession, directory: Directory, *, limit: int, offset: int
) -> list[TransactionBatch]:
    """A page of the directory's transaction batches, oldest first."""
    rows = await session.scalars(
        select(TransactionBatch)
        .where(TransactionBatch.directory_id == directory.id)
        .order_by(TransactionBatch.created_at, TransactionBatch.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def get_transaction_batch(
    session: AsyncSession, directory: Directory, batch_id: str
) -> TransactionBatch:
    """The directory's transaction batch ``batch_id``, or :class:`NotFound`."""
    batch = await session.get(TransactionBatch, batch_id)
    if batch is None or batch.directory_id != directory.id:
        raise NotFound(f"no transaction batch {batch_id} in {directory.id}")
    return batch


async def batch_transactions(session: AsyncSession, batch: TransactionBatch) -> list[Transaction]:
    """The transactions of ``batch``, oldest first."""
    rows = await session.scalars(
        select(Transaction)
        .join(TransactionBatchMember, TransactionBatchMember.transaction_id == Transaction.id)
        .where(TransactionBatchMember.batch_id == batch.id)
        .order_by(Transaction.id)
    )
    return list(rows)
