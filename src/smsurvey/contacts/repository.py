"""Queries on contacts and list memberships used in bulk (Core, on the caller's connection)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Select, String, any_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smsurvey.contacts.fields import RECORD_FIELDS
from smsurvey.kit.bulk import driver_value, insert_records, insert_rows
from smsurvey.models.contacts import Contact, MailingListMember

contacts = Contact.__table__
members = MailingListMember.__table__

CONTACT_COLUMNS = ("id", "directory_id", *RECORD_FIELDS, "opted_out", "created_at", "updated_at")
_KEY_COLUMNS = {"phone": contacts.c.phone, "email": func.lower(contacts.c.email)}


def lookup_query(dialect: str, directory_id: str, key: str, values: Sequence[str]) -> Select[Any]:
    """Contacts of the directory whose ``key`` (phone, email, ext_ref) is in ``values``.

    Rows are the key, id, creation time and the ``RECORD_FIELDS``, newest first. The
    values travel as one parameter (a JSON array on SQLite, an array on PostgreSQL):
    thousands of separate ones would cost more to bind than the lookup itself.
    """
    column = _KEY_COLUMNS.get(key, contacts.c[key])
    if dialect == "postgresql":
        matches = column == any_(bindparam("keys", list(values), type_=ARRAY(String)))
    else:
        listed = func.json_each(json.dumps(list(values))).table_valued("value")
        matches = column.in_(select(listed.c.value))
    filters = [contacts.c.directory_id == directory_id, matches]
    if key == "email":
        # Lets the partial index on lower(email) serve the lookup; the other keys must not
        # have it, as SQLite would then scan their index as a range instead of seeking.
        filters.append(contacts.c.email.is_not(None))
    return (
        select(
            column,
            contacts.c.id,
            contacts.c.created_at,
            *(contacts.c[name] for name in RECORD_FIELDS),
        )
        .where(*filters)
        .order_by(contacts.c.created_at.desc(), contacts.c.id.desc())
    )


async def find_by_key(
    connection: AsyncConnection, directory_id: str, key: str, values: Iterable[str]
) -> dict[str, tuple[str, datetime, list[Any]]]:
    """Existing contacts by key: each key found → the contact's id, creation time and record.

    Emails compare case-insensitively. When several contacts share a key (possible
    after a change of the directory's rule), the oldest one wins.
    """
    wanted = list(values)
    if not wanted:
        return {}
    found = {}
    query = lookup_query(connection.dialect.name, directory_id, key, wanted)
    rows = await connection.execute(query)
    for found_key, contact_id, created_at, *record in rows:
        found[found_key] = (contact_id, created_at, record)
    return found


def driver_values(connection: AsyncConnection, **values: Any) -> dict[str, Any]:
    """Contact column values as the driver takes them (for :func:`insert_contacts`)."""
    return {name: driver_value(connection, contacts, name, value) for name, value in values.items()}


async def insert_contacts(connection: AsyncConnection, records: Sequence[Sequence[Any]]) -> None:
    """Insert new contacts: tuples in :data:`CONTACT_COLUMNS` order of driver values."""
    await insert_records(connection, contacts, CONTACT_COLUMNS, records)


async def update_contacts(
    connection: AsyncConnection, updates: Sequence[tuple[str, list[Any]]], now: datetime
) -> None:
    """Overwrite the records of existing contacts, given as ``(id, record)`` pairs."""
    if not updates:
        return
    statement = (
        update(contacts)
        .where(contacts.c.id == bindparam("contact_id"))
        .values({name: bindparam(name) for name in (*RECORD_FIELDS, "updated_at")})
    )
    params = [
        {
            "contact_id": contact_id,
            "updated_at": now,
            **dict(zip(RECORD_FIELDS, record, strict=True)),
        }
        for contact_id, record in updates
    ]
    await connection.execute(statement, params)


async def members_among(
    connection: AsyncConnection, mailing_list_id: str, contact_ids: Sequence[str]
) -> set[str]:
    """Which of ``contact_ids`` are already in the mailing list."""
    if not contact_ids:
        return set()
    query = select(members.c.contact_id).where(
        members.c.mailing_list_id == mailing_list_id, members.c.contact_id.in_(contact_ids)
    )
    return set((await connection.execute(query)).scalars())


async def add_members(
    connection: AsyncConnection, mailing_list_id: str, contact_ids: Sequence[str], now: datetime
) -> None:
    """Add contacts (not yet members) to a mailing list."""
    await insert_rows(
        connection,
        members,
        ("mailing_list_id", "contact_id", "added_at"),
        [(mailing_list_id, contact_id, now) for contact_id in contact_ids],
    )
