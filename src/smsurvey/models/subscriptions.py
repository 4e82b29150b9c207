"""Event subscriptions: where to post survey events (completed and partial responses),
and the deliveries owed to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class DeliveryState(StrEnum):
    """Where an event owed to a subscription is (``event_deliveries.state``)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up after a day."""


class EventSubscription(Base):
    """A subscription (``SUB_…``): events whose topic matches ``topics`` go to ``url``,
    signed with the shared key (kept encrypted) when there is one."""

    __tablename__ = "event_subscriptions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    topics: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000))
    sealed_key: Mapped[str | None] = mapped_column(Text)
    successful_calls: Mapped[int] = mapped_column(Integer, default=0)
    last_errors: Mapped[list[str]]
    created_at: Mapped[datetime]


class EventDelivery(Base):
    """One event owed to a subscription: tried until it is taken or a day has passed."""

    __tablename__ = "event_deliveries"
    __table_args__ = (Index("ix_event_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("event_subscriptions.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(400))
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    """A :class:`DeliveryState`."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
