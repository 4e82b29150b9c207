"""Urgent work first, within a worker process.

A worker sends bulk texts as fast as its core allows, and its other duties share that core
(one event loop): left alone, a reply that came during a big send waits behind hundreds of
bulk requests at every step, and every transaction it opens holds SQLite's write lock for
as long, which the server's webhooks then wait for too. So while urgent work runs (the
webhook inbox: replies, delivery reports), the sender starts no new bulk request; those
under way finish. Bulk work waits :data:`BULK_WAIT` at most each time, so a flood of
urgent work slows a send but never stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

BULK_WAIT = 0.25
"""Seconds bulk work waits for urgent work at most, each time it asks for its turn."""


class Precedence:
    """Urgent work of one process before its bulk work (see the module)."""

    def __init__(self) -> None:
        self._running = 0
        self._clear = asyncio.Event()
        self._clear.set()

    @contextlib.contextmanager
    def urgent(self) -> Iterator[None]:
        """Urgent work runs in the block: bulk work waits for it to end."""
        self._running += 1
        self._clear.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._clear.set()

    @property
    def busy(self) -> bool:
        """Whether urgent work runs now."""
        return not self._clear.is_set()

    async def bulk_turn(self) -> None:
        """Return once no urgent work runs, or after :data:`BULK_WAIT` seconds."""
        if not self.busy:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._clear.wait(), BULK_WAIT)
