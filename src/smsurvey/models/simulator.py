"""The built-in simulator provider's own storage: the inboxes of simulated phones."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class HandsetDirection(StrEnum):
    """Which way a simulated phone's text went (``simulator_texts.direction``)."""

    TO_HANDSET = "to_handset"
    """We sent it."""
    FROM_HANDSET = "from_handset"
    """Typed on the phone and sent to us."""


class SimulatedText(Base):
    """A text on a simulated handset: received from us, or typed on it and sent to us.

    ``outcome`` is what the simulated network does with a text we sent (``delivered``,
    ``failed``, ``bounced``); ``report_at`` when its delivery report is due, ``reported_at``
    once it went back through the receive path.
    """

    __tablename__ = "simulator_texts"
    __table_args__ = (Index("ix_simulator_texts_due", "reported_at", "report_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    handset: Mapped[str] = mapped_column(String(32), index=True)
    counterpart: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(16))
    """A :class:`HandsetDirection`."""
    body: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    report_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
