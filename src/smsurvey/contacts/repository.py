"""Queries on contacts and list memberships used in bulk (Core, on the caller's connection)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from smsurvey.kit.bulk import insert_rows
from smsurvey.models.contacts import Contact, MailingListMember

contacts = Contact.__table__
members = MailingListMember.__table__

# Columns an import may write; the key column ``id`` first.
CONTACT_COLUMNS = (
    "id",
    "directory_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "phone_input",
    "phone_type",
    "phone_region",
    "ext_ref",
    "language",
    "time_zone",
    "embedded_data",
    "opted_out",
    "created_at",
    "updated_at",
)
MUTABLE_COLUMNS = (*CONTACT_COLUMNS[2:13], "updated_at")
_KEY_COLUMNS = {"phone": contacts.c.phone, "email": func.lower(contacts.c.email)}


async def find_by_key(
    connection: AsyncConnection, directory_id: str, key: str, values: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Existing contacts of the directory whose ``key`` (phone, email, ext_ref) is in ``values``.

    Emails compare case-insensitively. When several contacts share a key (possible
    after a change of the directory's rule), the oldest one wins.
    """
    wanted = list(values)
    if not wanted:
        return {}
    column = _KEY_COLUMNS.get(key, contacts.c[key])
    filters = [contacts.c.directory_id == directory_id, column.in_(wanted)]
    if key == "email":
        filters.append(contacts.c.email.is_not(None))
    query = (
        select(column.label("key"), *(contacts.c[name] for name in CONTACT_COLUMNS))
        .where(*filters)
        .order_by(contacts.c.created_at.desc(), contacts.c.id.desc())
    )
    found: dict[str, dict[str, Any]] = {}
    for row in (await connection.execute(query)).mappings():
        values_ = dict(row)
        found[values_.pop("key")] = values_
    return found


async def insert_contacts(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new contacts given as dicts of :data:`CONTACT_COLUMNS`."""
    await insert_rows(
        connection, contacts, CONTACT_COLUMNS, [tuple(r[c] for c in CONTACT_COLUMNS) for r in rows]
    )


async def update_contacts(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Overwrite the mutable columns of existing contacts (dicts with ``id``)."""
    if not rows:
        return
    statement = (
        update(contacts)
        .where(contacts.c.id == bindparam("contact_id"))
        .values({name: bindparam(name) for name in MUTABLE_COLUMNS})
    )
    params = [{"contact_id": r["id"], **{name: r[name] for name in MUTABLE_COLUMNS}} for r in rows]
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
