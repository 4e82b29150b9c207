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
    displayed: Mapped[list[str] | None]
    """Ids of the questions the respondent was shown, in order (``None`` for responses
    recorded before it was kept): what tells a question seen but unanswered in exports."""
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]


class WebSession(Base):
    """A respondent's visit to the web survey through a personal or anonymous link (``FS_``).

    ``state`` is the same JSON state as a 2-way conversation's; ``definition`` the survey
    when the visit began.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    distribution_id: Mapped[str | None] = mapped_column(
        ForeignKey("distributions.id", ondelete="SET NULL")
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("distribution_recipients.id", ondelete="SET NULL"), unique=True
    )
    """One visit per recipient: a second visit resumes the first."""
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12))
    """A :class:`~smsurvey.models.messaging.SessionStatus` (``open`` or ``completed``)."""
    definition: Mapped[dict[str, Any]]
    state: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ResponseExport(Base):
    """A requested export of a survey's responses (``ES_…``): the file is made when it is
    fetched, from the responses recorded up to ``until``."""

    __tablename__ = "response_exports"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(8))
    compress: Mapped[bool]
    in_progress: Mapped[bool]
    """Whether it holds the responses still in progress (open sessions) instead of the
    recorded ones."""
    since: Mapped[datetime | None]
    until: Mapped[datetime]
    options: Mapped[dict[str, Any]]
    """The request's other options (:meth:`~smsurvey.responses.export.ExportOptions.to_json`)."""
    created_at: Mapped[datetime]
