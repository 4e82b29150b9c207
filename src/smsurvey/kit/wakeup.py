"""Waking the duties of a process when there is new work, without losing a wake-up.

A wake-up names what is new (:class:`Work`), and each duty listens for its own: a
webhook stored wakes the inbox, not the sender; texts queued wake the sender, not the
planner. So a stream of one kind of work does not keep the others busy for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from enum import StrEnum


class Work(StrEnum):
    """What a wake-up is about."""

    SEND = "send"
    """Texts were queued."""
    PLAN = "plan"
    """A distribution was created (it may be due now)."""
    INBOX = "inbox"
    """Provider callbacks were stored."""


class Wakeup:
    """A signal every subscriber of its kind of work sees: :meth:`set` wakes each
    :meth:`wait`-er of that kind once.

    One :class:`asyncio.Event` shared by several duties loses wake-ups (the first to clear
    it hides it from the others); here each subscriber has its own.
    """

    def __init__(self) -> None:
        self._events: dict[Work, list[asyncio.Event]] = {work: [] for work in Work}

    def subscribe(self, *works: Work) -> asyncio.Event:
        """An event of the caller's own, set by every :meth:`set` of one of ``works``
        (of any work when none is named) from now on."""
        event = asyncio.Event()
        for work in works or tuple(Work):
            self._events[work].append(event)
        return event

    def set(self, work: Work) -> None:
        """Wake every subscriber of ``work``."""
        for event in self._events[work]:
            event.set()


async def wait_for(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set or ``seconds`` pass; clear it; whether it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
    was_set = event.is_set()
    event.clear()
    return was_set
