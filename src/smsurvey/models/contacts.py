"""Directories, contacts with their opt-out history, mailing lists, transactions and the
CSV imports the admin pages run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class Directory(Base):
    """A pool of contacts (``POOL_``) in which duplicates are merged by ``dedupe_by``."""

    __tablename__ = "directories"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    dedupe_by: Mapped[str] = mapped_column(String(16), default="phone")
    created_at: Mapped[datetime]


class Contact(Base):
    """A person in a directory (``CID_``); ``phone`` is E.164, ``phone_input`` what was given."""

    __tablename__ = "contacts"
    # The deduplication keys (emails compare without case); partial, as most contacts
    # of an SMS list have no email and many no external reference. SQLite cannot reflect
    # the lower(email) index: a migration that batch-alters this table must recreate it.
    __table_args__ = tuple(
        Index(
            f"ix_contacts_directory_{key}",
            "directory_id",
            column,
            sqlite_where=text(f"{key} IS NOT NULL"),
            postgresql_where=text(f"{key} IS NOT NULL"),
        )
        for key, column in (
            ("phone", "phone"),
            ("email", text("lower(email)")),
            ("ext_ref", "ext_ref"),
        )
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    directory_id: Mapped[str] = mapped_column(ForeignKey("directories.id", ondelete="CASCADE"))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_input: Mapped[str | None] = mapped_column(String(64))
    phone_type: Mapped[str | None] = mapped_column(String(32))
    phone_region: Mapped[str | None] = mapped_column(String(4))
    ext_ref: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    embedded_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opted_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OptOutEvent(Base):
    """One dated change of a contact's SMS opt-out state (the history is append-only)."""

    __tablename__ = "contact_opt_out_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    opted_out: Mapped[bool]
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class MailingList(Base):
    """A named list of contacts in a directory (``CG_``), or a sample drawn from one."""

    __tablename__ = "mailing_lists"
    __table_args__ = (UniqueConstraint("directory_id", "name"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    directory_id: Mapped[str] = mapped_column(
        ForeignKey("directories.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    sample_of: Mapped[str | None] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="SET NULL")
    )
    """For a sample: the list it was drawn from."""
    created_at: Mapped[datetime]


class MailingListMember(Base):
    """A contact's membership of a mailing list."""

    __tablename__ = "mailing_list_members"
    # A pure link table: on SQLite, storing it in its primary key saves a B-tree per insert.
    __table_args__ = ({"sqlite_with_rowid": False},)

    mailing_list_id: Mapped[str] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime]


class Transaction(Base):
    """An interaction with a contact (a purchase, a visit) that surveys can follow up (``CTR_``)."""

    __tablename__ = "contact_transactions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    directory_id: Mapped[str] = mapped_column(
        ForeignKey("directories.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    mailing_list_id: Mapped[str | None] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="SET NULL")
    )
    transaction_date: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class TransactionBatch(Base):
    """A set of transactions a distribution can target (``BT_``)."""

    __tablename__ = "transaction_batches"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    directory_id: Mapped[str] = mapped_column(
        ForeignKey("directories.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]


class TransactionBatchMember(Base):
    """A transaction's place in a batch."""

    __tablename__ = "transaction_batch_members"

    batch_id: Mapped[str] = mapped_column(
        ForeignKey("transaction_batches.id", ondelete="CASCADE"), primary_key=True
    )
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("contact_transactions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ContactImportJob(Base):
    """A contact CSV uploaded on the admin pages (``CIM_``) and its import, run in the
    background by a server process (``runner``): its state, figures and error report."""

    __tablename__ = "contact_import_jobs"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, deferred_raiseload=True
    )
    """The file, until its import ends (so any process can run it); loaded only on demand."""
    state: Mapped[str] = mapped_column(String(16))
    directory_id: Mapped[str | None] = mapped_column(
        ForeignKey("directories.id", ondelete="SET NULL")
    )
    list_name: Mapped[str | None] = mapped_column(String(200))
    mailing_list_id: Mapped[str | None] = mapped_column(
        ForeignKey("mailing_lists.id", ondelete="SET NULL")
    )
    phone_column: Mapped[str | None] = mapped_column(String(200))
    default_region: Mapped[str | None] = mapped_column(String(4))
    bytes_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[dict[str, Any] | None]
    """The finished import's summary (contacts created, updated, added to the list…)."""
    reason: Mapped[str | None] = mapped_column(String(1000))
    """Why it failed."""
    report: Mapped[str | None] = mapped_column(Text)
    """The per-row error report (CSV), when a row had a problem."""
    runner: Mapped[str | None] = mapped_column(String(300))
    """The process running it: ``host:pid:token``."""
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    """When its runner last said it was at work."""
    finished_at: Mapped[datetime | None]
