"""Each sender's pace: at most N SMS parts in any one-second window.

A moving window (``limits``) per sender, charged one unit per part, so a 2-part text
counts twice. Texts wait here, in the sender loop, for their turn; the wait never blocks
texts of other senders. The windows live in process memory, or in Redis when
``SMSURVEY_REDIS_URL`` is set, so that every worker on every machine shares each
sender's pace (Redis keeps the windows with the workers' clock readings: keep the
machines' clocks in step, as NTP does).

A text that had to wait goes a margin (``SMSURVEY_PACE_MARGIN``, :data:`MARGIN` by
default) after the window has room, so that the provider, which counts arrivals, never
sees a second over the pace when one request travels a little slower than the next.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from fractions import Fraction

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.models.accounts import Sender
from smsurvey.settings import Settings
from smsurvey.sms.sender_ids import SenderKind, sender_kind

log = logging.getLogger(__name__)

PHONE_NUMBER_PACE = Decimal(3)
ALPHANUMERIC_PACE = Decimal(10)
MARGIN = 0.05
"""Seconds a waiting text leaves between the window's room and its request."""


def default_pace(sender: str) -> Decimal:
    """3 parts/s from a number or short code, 10 from an alphanumeric id."""
    try:
        kind = sender_kind(sender)
    except ValueError:
        return PHONE_NUMBER_PACE
    return ALPHANUMERIC_PACE if kind is SenderKind.ALPHANUMERIC else PHONE_NUMBER_PACE


def _window(pace: Decimal) -> RateLimitItemPerSecond:
    """``pace`` parts per second as a whole number of parts per whole seconds (2.5/s → 5/2 s)."""
    fraction = Fraction(pace).limit_denominator(60)
    return RateLimitItemPerSecond(fraction.numerator, fraction.denominator)


class Pacer:
    """Waits until a sender may send a text of N parts (see the module docstring)."""

    def __init__(self, storage: Storage | None = None, margin: float = MARGIN) -> None:
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self._margin = margin

    @classmethod
    def for_settings(cls, settings: Settings, *, key_prefix: str = "smsurvey-pace") -> Pacer:
        """The pace shared through ``settings.redis_url``, else this process's own (and a
        warning when the database is shared by other workers that then pace alone)."""
        if settings.redis_url:
            uri = "async+" + settings.redis_url.removeprefix("async+")
            storage = RedisStorage(uri, implementation="redispy", key_prefix=key_prefix)
            return cls(storage, settings.pace_margin)
        if not settings.database_url.startswith("sqlite"):
            log.warning(
                "SMSURVEY_REDIS_URL is not set: each worker process paces its senders alone, "
                "so N workers may send up to N times a sender's pace"
            )
        return cls(margin=settings.pace_margin)

    async def take(self, sender: str, pace: Decimal, parts: int) -> None:
        """Return once ``sender`` may send ``parts`` more parts at ``pace`` parts/second."""
        window = _window(pace)
        cost = min(max(parts, 1), window.amount)  # a longer text goes alone in an empty window
        while not await self._limiter.hit(window, sender, cost=cost):
            stats = await self._limiter.get_window_stats(window, sender)
            await asyncio.sleep(max(stats.reset_time - time.time(), 0.0) + self._margin)


class SenderPaces:
    """Each sender's pace: its ``senders`` row, else :func:`default_pace` (cached a while)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], refresh: float = 30.0) -> None:
        self._sessions = sessions
        self._refresh = refresh
        self._loaded: dict[str, tuple[float, dict[str, Decimal]]] = {}

    async def pace(self, organization_id: str, sender: str) -> Decimal:
        """Parts per second ``sender`` may send for the organisation."""
        loaded_at, paces = self._loaded.get(organization_id, (0.0, {}))
        if time.monotonic() - loaded_at > self._refresh:
            async with self._sessions() as session:
                rows = await session.execute(
                    select(Sender.address, Sender.parts_per_second).where(
                        Sender.organization_id == organization_id
                    )
                )
                paces = dict(rows.all())
            self._loaded[organization_id] = (time.monotonic(), paces)
        return paces.get(sender) or default_pace(sender)
