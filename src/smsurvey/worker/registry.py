"""Which workers are alive: each registers, says it is alive every few seconds, and is
taken as dead when it stops saying so — or at once, when it ran on this machine and its
process is gone (a worker restarted after a crash recovers its predecessor's texts
without waiting).

Taking a live worker for dead costs nothing but time: every step of the send path
re-checks, in the same statement that changes a text, that the worker still holds it.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import psutil
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.ids import new_id
from smsurvey.models.workers import WorkerProcess

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=5)
"""How often a worker says it is alive."""


@dataclass(frozen=True, slots=True)
class WorkerIdentity:
    """This process as a worker: its id (``WK_…``), host and process id."""

    id: str
    host: str
    pid: int

    @classmethod
    def of_this_process(cls) -> WorkerIdentity:
        """A new identity for the running process."""
        return cls(new_id("WK"), socket.gethostname(), os.getpid())


async def register(session: AsyncSession, me: WorkerIdentity, now: datetime) -> None:
    """Record ``me`` as alive (again, after :func:`unregister` or a lost row)."""
    if await session.get(WorkerProcess, me.id) is None:
        session.add(WorkerProcess(id=me.id, host=me.host, pid=me.pid, started_at=now, seen_at=now))
    else:
        await heartbeat(session, me, now)


async def heartbeat(session: AsyncSession, me: WorkerIdentity, now: datetime) -> None:
    """Say ``me`` is alive."""
    await session.execute(
        update(WorkerProcess).where(WorkerProcess.id == me.id).values(seen_at=now)
    )


async def unregister(session: AsyncSession, me: WorkerIdentity) -> None:
    """Remove ``me`` (a clean stop)."""
    await session.execute(delete(WorkerProcess).where(WorkerProcess.id == me.id))


async def live_workers(
    session: AsyncSession, me: WorkerIdentity, now: datetime, silence: timedelta
) -> set[str]:
    """The ids of the workers taken as alive: ``me``, and every other that spoke within
    ``silence`` and, on this machine, whose process still runs. The others' rows are
    removed."""
    alive = {me.id}
    for worker in await session.scalars(select(WorkerProcess).where(WorkerProcess.id != me.id)):
        if worker.seen_at >= now - silence and not _gone(worker, me.host):
            alive.add(worker.id)
        else:
            log.warning(
                "worker taken as stopped",
                extra={"worker": worker.id, "host": worker.host, "pid": worker.pid},
            )
            await session.delete(worker)
    return alive


def _gone(worker: WorkerProcess, this_host: str) -> bool:
    """Whether ``worker`` ran on this machine and its process is no longer there."""
    if worker.host != this_host:
        return False
    try:
        return psutil.Process(worker.pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:
        return False
