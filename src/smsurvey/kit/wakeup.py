"""Waking the duties of a process when there is new work, without losing a wake-up."""

from __future__ import annotations

import asyncio
import contextlib


class Wakeup:
    """A signal every subscriber sees: :meth:`set` wakes each :meth:`wait`-er once.

    One :class:`asyncio.Event` shared by several duties loses wake-ups (the first to clear
    it hides it from the others); here each subscriber has its own.
    """

    def __init__(self) -> None:
        self._events: list[asyncio.Event] = []

    def subscribe(self) -> asyncio.Event:
        """An event of the caller's own, set by every :meth:`set` from now on."""
        event = asyncio.Event()
        self._events.append(event)
        return event

    def set(self) -> None:
        """Wake every subscriber."""
        for event in self._events:
            event.set()


async def wait_for(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set or ``seconds`` pass; clear it; whether it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
    was_set = event.is_set()
    event.clear()
    return was_set
