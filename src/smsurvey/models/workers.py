"""The worker processes that are running, so that the texts a dead one held are recovered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smsurvey.models.base import Base


class WorkerProcess(Base):
    """A running worker (inside ``serve`` or ``smsurvey worker``): where it runs and when it
    last said it was alive. Texts it claimed name it (``messages.claimed_by``)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
