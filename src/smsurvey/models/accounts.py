"""Organisations (brands): every other record belongs to exactly one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class Organization(Base):
    """A brand using smsurvey; the unit of ownership and isolation."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
