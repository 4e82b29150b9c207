"""Organisations (brands): every other record belongs to exactly one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class Organization(Base):
    """A brand using smsurvey; the unit of ownership and isolation."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]


class CreditEntry(Base):
    """A change of an organisation's SMS credits: a purchase (+) or a message's cost (−).

    The balance is the sum; the consumption report groups the debits by period and region.
    """

    __tablename__ = "credit_ledger"
    __table_args__ = (Index("ix_credit_ledger_organization_at", "organization_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    kind: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    region: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]


class Sender(Base):
    """A number or alphanumeric id an organisation sends from, and its pace (parts/second)."""

    __tablename__ = "senders"
    __table_args__ = (UniqueConstraint("organization_id", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(32))
    parts_per_second: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    created_at: Mapped[datetime]
