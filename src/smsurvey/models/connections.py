"""An organisation's connections to its own SMS providers' accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class ProviderConnection(Base):
    """A provider account an organisation sends through (``OC_…``); never edited.

    ``sealed_fields`` holds every field the provider needs, encrypted with the instance's
    key; ``shown_fields`` what may be shown again (secrets as their last 4 characters).
    ``position`` orders an organisation's connections: it sends through the first, the
    next take over when one keeps failing. A deleted connection keeps its row (``deleted_at``)
    so the history of what it sent still names it.
    """

    __tablename__ = "provider_connections"
    __table_args__ = (Index("ix_provider_connections_organization", "organization_id", "position"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(40))
    sealed_fields: Mapped[str] = mapped_column(Text)
    shown_fields: Mapped[dict[str, Any]]
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
