"""SMS credits: an organisation's balance, purchases, and the consumption report.

The balance is the sum of the ledger. A new organisation opens with
``SMSURVEY_INITIAL_CREDITS`` (its first look at the balance records the grant).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import InvalidInput
from smsurvey.models.accounts import CreditEntry, Organization


class Period(StrEnum):
    """How the consumption report groups days."""

    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Consumption:
    """Credits spent in one period to one region, over how many texts."""

    period: str
    region: str
    texts: int
    credits: Decimal


async def balance(
    session: AsyncSession, organization: Organization, opening: Decimal, now: datetime
) -> Decimal:
    """The organisation's credits now (recording the opening grant on first use)."""
    granted = await session.scalar(
        select(func.count()).where(
            CreditEntry.organization_id == organization.id, CreditEntry.kind == "grant"
        )
    )
    if not granted and opening:
        session.add(
            CreditEntry(
                organization_id=organization.id,
                amount=opening,
                kind="grant",
                note="opening balance",
                at=now,
            )
        )
        await session.flush()
    total = await session.scalar(
        select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
            CreditEntry.organization_id == organization.id
        )
    )
    assert total is not None  # an aggregate has its one row, and coalesce makes it 0 at least
    return Decimal(total)


async def add_credits(
    session: AsyncSession, organization: Organization, amount: Decimal, note: str, now: datetime
) -> None:
    """Record a purchase (or, negative, a correction) of credits."""
    if not amount:
        raise InvalidInput("the amount of credits cannot be 0")
    session.add(
        CreditEntry(
            organization_id=organization.id, amount=amount, kind="purchase", note=note, at=now
        )
    )
    await session.flush()


def _period(dialect: str, period: Period) -> ColumnElement[str]:
    """The period label of a ledger entry, computed by the database (UTC)."""
    if dialect == "postgresql":
        pattern = "YYYY-MM-DD" if period is Period.DAY else "YYYY-MM"
        return func.to_char(func.timezone("UTC", CreditEntry.at), pattern)
    return func.strftime("%Y-%m-%d" if period is Period.DAY else "%Y-%m", CreditEntry.at)


async def consumption(
    session: AsyncSession,
    organization: Organization,
    period: Period,
    since: datetime | None = None,
) -> list[Consumption]:
    """Credits spent on texts, by period (UTC) and destination region, oldest first."""
    label = _period(session.get_bind().dialect.name, period).label("period")
    region = func.coalesce(CreditEntry.region, "??").label("region")
    rows = await session.execute(
        select(label, region, func.count(), -func.sum(CreditEntry.amount))
        .where(
            CreditEntry.organization_id == organization.id,
            CreditEntry.kind == "message",
            *([CreditEntry.at >= since] if since else []),
        )
        .group_by(label, region)
        .order_by(label, region)
    )
    return [Consumption(p, r, texts, Decimal(spent)) for p, r, texts, spent in rows]
