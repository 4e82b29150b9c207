"""The webhook inbox: every delivery report and inbound text a provider called back with,
stored by the receive endpoint and processed by the worker."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class EventKind(StrEnum):
    """What a webhook event carries (``webhook_events.kind``)."""

    REPORT = "report"
    TEXT = "text"


class EventState(StrEnum):
    """Where a webhook event is (``webhook_events.state``)."""

    PENDING = "pending"
    PROCESSING = "processing"
    """A worker claimed it (``claim``, at ``claimed_at``)."""
    DONE = "done"
    FAILED = "failed"
    """Processing it raised ``error``; nothing of it was written."""


OPEN = (EventState.PENDING, EventState.PROCESSING)
"""The states of an event whose effects are not written yet."""


class WebhookEvent(Base):
    """One delivery report or inbound text (or part of one) as a provider sent it to a
    connection (``provider``: the simulator or an ``OC_…``), in arrival order (``id``).

    ``dedup_key`` says which report or text it is among the connection's callbacks, so a
    provider's retry or a replay finds it there and adds nothing. ``lane`` orders the events
    that must not overtake each other: a phone number's texts, a message's reports.
    ``payload`` is the parsed report or text.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ux_webhook_events_dedup", "organization_id", "provider", "dedup_key", unique=True),
        Index("ix_webhook_events_due", "state", "id"),
        Index(
            "ix_webhook_events_open_lane",
            "organization_id",
            "lane",
            "id",
            sqlite_where=text("state IN ('pending', 'processing')"),
            postgresql_where=text("state IN ('pending', 'processing')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    dedup_key: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime]
    claim: Mapped[str | None] = mapped_column(String(32))
    """The claim of the worker processing it: its effects are written only under it."""
    claimed_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
