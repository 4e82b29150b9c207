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


class User(Base):
    """Someone who uses the API and the admin pages on behalf of an organisation.

    ``role`` is ``BrandAdministrator`` or ``User``; ``permissions`` names what a user may
    do beyond the basics (``UseSMSDistributions`` gates every SMS distribution call).
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(200), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(32))
    permissions: Mapped[list[str]]
    created_at: Mapped[datetime]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """Argon2 (``pwdlib``); none until the user sets a password for the admin pages."""
    disabled_at: Mapped[datetime | None]
    """A disabled user can neither sign in nor use their tokens."""
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    """Failed sign-ins since the last one that succeeded: each beyond a few waits longer."""
    failed_sign_in_at: Mapped[datetime | None]


class ApiToken(Base):
    """A credential of a user: an API token (``X-API-TOKEN``), an OAuth client, or a bearer
    token issued to that client. Only a hash is kept; the secret is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    hint: Mapped[str] = mapped_column(String(8))
    """The secret's last 4 characters, to tell tokens apart."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    client_id: Mapped[str | None] = mapped_column(String(40))
    """For a bearer token: the OAuth client it was issued to."""
