"""Distributions (``SMSD_``), their recipients and each recipient's status history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class Distribution(Base):
    """One sending of a survey by SMS to a set of recipients.

    ``status`` is the stored lifecycle (``Scheduled`` → ``In progress`` → ``Planned``, or
    ``Cancelled`` / ``Failed``); what a user sees (Sent, Interrupted…) is derived from it
    and the messages.
    """

    __tablename__ = "distributions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The user whose credential created it (none when made by a command or the worker)."""
    method: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(32))
    mailing_list_id: Mapped[str | None] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="SET NULL")
    )
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    sample_id: Mapped[str | None] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="SET NULL")
    )
    transaction_batch_id: Mapped[str | None] = mapped_column(
        ForeignKey("transaction_batches.id", ondelete="SET NULL")
    )
    parent_distribution_id: Mapped[str | None] = mapped_column(
        ForeignKey("distributions.id", ondelete="SET NULL"), index=True
    )
    library_message_id: Mapped[str | None] = mapped_column(
        ForeignKey("library_messages.id", ondelete="SET NULL")
    )
    message_text: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[dict[str, Any] | None]
    """Limiting conditions on the recipients (``distributions.conditions``)."""
    quiet_hours: Mapped[dict[str, Any] | None]
    """The sending window in each recipient's time zone (``distributions.quiet_hours``)."""
    recurrence: Mapped[dict[str, Any] | None]
    """For a recurring distribution: how it repeats and until when."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    failure: Mapped[str | None] = mapped_column(String(500))
    plan_cursor: Mapped[str | None] = mapped_column(String(64))
    """How far planning got (planning goes in chunks, one transaction each)."""
    send_at: Mapped[datetime]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    planned_at: Mapped[datetime | None]


class Recipient(Base):
    """A contact a distribution is sent to; its status history is in :class:`RecipientEvent`."""

    __tablename__ = "distribution_recipients"
    __table_args__ = (UniqueConstraint("distribution_id", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    distribution_id: Mapped[str] = mapped_column(
        ForeignKey("distributions.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str | None] = mapped_column(String(20))
    transaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("contact_transactions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]


class RecipientEvent(Base):
    """One status a recipient went through (Sent, Delivered, Skipped…): append-only."""

    __tablename__ = "recipient_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("distribution_recipients.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class LibraryMessage(Base):
    """A saved text (``MS_``) to reuse in distributions, by Qualtrics' category
    (``smsInvite``, ``smsReminder``, ``smsThankYou``, ``invite``… see
    :mod:`smsurvey.distributions.library`)."""

    __tablename__ = "library_messages"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AccessCode(Base):
    """An inbound code (``@…``) that starts a survey for anyone texting it from ``region``."""

    __tablename__ = "access_codes"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(4))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
