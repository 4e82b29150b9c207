"""Bulk inserts store exactly what the ORM stores (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.kit.bulk import insert_rows
from smsurvey.kit.db import unit_of_work
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Contact, Directory

NOW = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=UTC)


async def test_bulk_rows_read_back_like_orm_rows(engine: AsyncEngine) -> None:
    async with unit_of_work(engine) as session:
        session.add(Organization(id="OR_1", name="Org", created_at=NOW))
        session.add(
            Directory(
                id="POOL_1",
                organization_id="OR_1",
                name="D",
                is_default=True,
                dedupe_by="phone",
                created_at=NOW,
            )
        )
        await session.flush()
        session.add(
            Contact(
                id="CID_orm",
                directory_id="POOL_1",
                phone="+14155552671",
                embedded_data={"Store": "12", "ünï": "cödé"},
                opted_out=True,
                created_at=NOW,
                updated_at=NOW + timedelta(seconds=1),
            )
        )
        await session.flush()
        connection = await session.connection()
        columns = ("id", "directory_id", "phone", "embedded_data", "opted_out")
        rows = [
            ("CID_bulk", "POOL_1", "+14155552671", {"Store": "12", "ünï": "cödé"}, True),
            ("CID_bulk2", "POOL_1", None, {}, False),
        ]
        await insert_rows(
            connection,
            Contact.__table__,
            (*columns, "created_at", "updated_at"),
            [(*row, NOW, NOW + timedelta(seconds=1)) for row in rows],
        )

    async with unit_of_work(engine) as session:
        stored = {c.id: c for c in await session.scalars(select(Contact))}
    orm, bulk = stored["CID_orm"], stored["CID_bulk"]
    for name in ("phone", "embedded_data", "opted_out", "created_at", "updated_at"):
        assert getattr(bulk, name) == getattr(orm, name), name
    assert bulk.created_at.tzinfo is UTC
    assert (stored["CID_bulk2"].phone, stored["CID_bulk2"].opted_out) == (None, False)


async def test_bulk_rows_roll_back_with_the_transaction(engine: AsyncEngine) -> None:
    class Abort(Exception):
        pass

    try:
        async with unit_of_work(engine) as session:
            session.add(Organization(id="OR_1", name="Org", created_at=NOW))
            await session.flush()
            await insert_rows(
                await session.connection(),
                Organization.__table__,
                ("id", "name", "created_at"),
                [("OR_2", "Other", NOW)],
            )
            raise Abort
    except Abort:
        pass
    async with unit_of_work(engine) as session:
        assert list(await session.scalars(select(Organization.id))) == []
