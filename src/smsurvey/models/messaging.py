"""Every text sent or received, its status history, and 2-way conversation sessions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smsurvey.models.base import Base


class SendState(StrEnum):
    """Where a text is on the send path (``messages.send_state``)."""

    QUEUED = "queued"
    """Waiting to be sent, from ``next_attempt_at``."""
    HELD = "held"
    """Waiting for its survey to take responses again."""
    CLAIMED = "claimed"
    """A worker (``claimed_by``) holds it; its request has not started."""
    SENDING = "sending"
    """Its request started at ``requested_at``: the provider may have it."""
    SENT = "sent"
    FAILED = "failed"
    """Refused for good."""
    EXHAUSTED = "exhausted"
    """Still refused after every retry."""
    UNKNOWN = "unknown"
    """The provider may have it: it is asked (from ``next_attempt_at``), never sent blindly."""
    UNDECIDED = "undecided"
    """The provider cannot tell whether it has it: a person decides."""
    RECEIVED = "received"
    """An inbound text."""


class Direction(StrEnum):
    """Which way a text went (``messages.direction``)."""

    OUT = "out"
    """Sent by us."""
    IN = "in"
    """Received from a phone."""


class MessageKind(StrEnum):
    """What a text is for (``messages.kind``)."""

    INVITE = "invite"
    REMINDER = "reminder"
    THANK_YOU = "thank_you"
    QUESTION = "question"
    """A 2-way conversation's next question."""
    END = "end"
    """A 2-way conversation's end message (or the survey is closed)."""
    CONFIRMATION = "confirmation"
    """The answer to STOP or START."""
    HELP = "help"
    NOT_IN_SESSION = "not_in_session"
    REFUSAL = "refusal"
    """An access code that cannot start its survey now."""
    TEST = "test"
    """A distribution's test text."""
    REPLY = "reply"
    """An inbound text."""


class SessionStatus(StrEnum):
    """Where a 2-way conversation or a web survey visit is (``conversation_sessions.status``,
    ``web_sessions.status``)."""

    OPEN = "open"
    COMPLETED = "completed"
    EXPIRED = "expired"
    """It ran out of time, or its survey stopped taking answers."""
    OPTED_OUT = "opted_out"
    """The respondent texted STOP (conversations only)."""


PLANNED_PENDING = "send_state IN ('queued', 'held') AND recipient_id IS NOT NULL"
"""Texts planned for a distribution recipient and not sent yet (the partial index's rows)."""

UNCERTAIN = (SendState.UNKNOWN, SendState.UNDECIDED)
"""The states of a text whose hand-over nobody knows yet."""


class Message(Base):
    """A text: an outbox row until it is handed to the provider, then its record.

    ``send_state`` (:class:`SendState`) drives the sender loop; what happened to the text is
    in :class:`MessageEvent`.
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_due", "send_state", "next_attempt_at"),
        # The sender's claims read these in the order they take texts, and stop after a
        # batch: a sender's bulk texts by when they are due, replies by priority (a claim
        # that sorted all due texts would cost more the longer the queue).
        Index(
            "ix_messages_sender_due", "send_state", "organization_id", "sender", "next_attempt_at"
        ),
        Index("ix_messages_urgent", "send_state", "priority", "next_attempt_at"),
        Index("ix_messages_provider_message", "provider", "provider_message_id"),
        # The 24-hour duplicate rule: an organisation's message (before piping) to these
        # numbers since then. It leads with the organisation, so it is that column's index
        # too: beside one of its own, SQLite would read all of an organisation's texts.
        Index(
            "ix_messages_duplicates", "organization_id", "template_hash", "recipient", "created_at"
        ),
        # A distribution's texts with what its report counts and sums, read from the index
        # alone (distributions.reports.metrics).
        Index(
            "ix_messages_distribution_states",
            "distribution_id",
            "direction",
            "send_state",
            "parts",
            "credits",
        ),
        # Planned texts not sent yet, by distribution and state: what a survey that stops
        # taking answers holds or ends (distributions.holds); small whatever the history.
        Index(
            "ix_messages_planned_pending",
            "distribution_id",
            "send_state",
            sqlite_where=text(PLANNED_PENDING),
            postgresql_where=text(PLANNED_PENDING),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))
    """A :class:`Direction`."""
    provider: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    """A :class:`MessageKind`."""
    template_hash: Mapped[str | None] = mapped_column(String(16))
    """For invitations: the message before piping, hashed (the 24-hour duplicate rule)."""
    region: Mapped[str | None] = mapped_column(String(4))
    encoding: Mapped[str | None] = mapped_column(String(8))
    parts: Mapped[int] = mapped_column(default=0)
    credits: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(0))
    priority: Mapped[int] = mapped_column(default=0)
    distribution_id: Mapped[str | None] = mapped_column(
        ForeignKey("distributions.id", ondelete="SET NULL")
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("distribution_recipients.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversation_sessions.id", ondelete="SET NULL"), index=True
    )
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    send_state: Mapped[str] = mapped_column(String(12))
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(24))
    """The worker (:class:`~smsurvey.models.workers.WorkerProcess`) holding it."""
    requested_at: Mapped[datetime | None]
    """When its last request to the provider started."""
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    # Only ever written through (new messages with their first event); read with queries.
    events: Mapped[list[MessageEvent]] = relationship(lazy="raise", passive_deletes=True)


class MessageEvent(Base):
    """One status a message went through (Queued, Sent, Delivered, Failed…): append-only.

    ``detail`` keeps what the provider said (its status value, error code) as received.
    """

    __tablename__ = "message_events"
    # A text's events, and whether it reached a status, from the index alone.
    __table_args__ = (Index("ix_message_events_message_status", "message_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class ConversationSession(Base):
    """A 2-way survey in progress with one phone number (``FS_``).

    At most one session per number is open in an organisation (a partial unique index).
    ``state`` is the conversation's JSON state (``smsurvey.surveys.conversation``);
    ``definition`` the survey as it was when the session opened, so an edit of the survey
    cannot change a conversation half-way.
    """

    __tablename__ = "conversation_sessions"
    __table_args__ = (
        Index(
            "ux_conversation_sessions_open_phone",
            "organization_id",
            "phone",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_conversation_sessions_expiry", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    distribution_id: Mapped[str | None] = mapped_column(
        ForeignKey("distributions.id", ondelete="SET NULL"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("distribution_recipients.id", ondelete="SET NULL")
    )
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(20))
    our_number: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8), default="sms", server_default="sms")
    """``sms``, or ``test`` for a distribution's test: its response is recorded as a test."""
    status: Mapped[str] = mapped_column(String(12))
    """A :class:`SessionStatus`."""
    definition: Mapped[dict[str, Any]]
    state: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class InboundPart(Base):
    """A part of a long inbound text whose provider delivers the parts one by one, kept
    until the last part arrives and the whole text is handled."""

    __tablename__ = "inbound_parts"
    __table_args__ = (
        Index(
            "ux_inbound_parts_part",
            "organization_id",
            "provider",
            "sender",
            "reference",
            "number",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
