"""Stored surveys; the definition is the validated document of ``smsurvey.surveys.definition``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class Survey(Base):
    """A survey (``SV_``) and its definition document."""

    __tablename__ = "surveys"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The user who imported or created it (the v3 ``ownerId``); none when the organisation
    had no user then, or the user was deleted."""
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)
    """False while response collection is paused."""
    closed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
