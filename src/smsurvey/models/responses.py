"""Survey responses (``R_``), complete or partial."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class Response(Base):
    """One respondent's answers, with the contact's fields and embedded data at the time.

    ``values`` and ``labels`` follow the Qualtrics export keys (``QID1``, ``QID1_TEXT``,
    ``QID1_NPS_GROUP``); ``finished`` is false for a partial response (an expired session).
    """

    __tablename__ = "responses"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    distribution_id: Mapped[str | None] = mapped_column(
        ForeignKey("distributions.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversation_sessions.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    finished: Mapped[bool]
    values: Mapped[dict[str, Any]]
    labels: Mapped[dict[str, Any]]
    embedded_data: Mapped[dict[str, Any]]
    recipient: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
