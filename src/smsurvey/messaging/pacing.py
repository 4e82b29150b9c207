"""Each sender's pace: at most N SMS parts in any one-second window.

A moving window (``limits``) per sender, charged one unit per part, so a 2-part text
counts twice. Texts wait here, in the sender loop, for their turn; the wait never blocks
texts of other senders.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from fractions import Fraction

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.models.accounts import Sender
from smsurvey.sms.sender_ids import SenderKind, sender_kind

PHONE_NUMBER_PACE = Decimal(3)
ALPHANUMERIC_PACE = Decimal(10)


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

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def take(self, sender: str, pace: Decimal, parts: int) -> None:
        """Return once ``sender`` may send ``parts`` more parts at ``pace`` parts/second."""
        window = _window(pace)
        cost = max(parts, 1)
        if cost > window.amount:  # a text longer than a window goes alone in an empty one
            cost = window.amount
        while not await self._limiter.hit(window, sender, cost=cost):
            stats = await self._limiter.get_window_stats(window, sender)
            await asyncio.sleep(max(stats.reset_time - time.time(), 0.001))


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
