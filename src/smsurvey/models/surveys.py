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
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)
    """False while response collection is paused."""
    closed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
