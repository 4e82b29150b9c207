"""Database engines and the unit of work.

Services take an ``AsyncSession`` and never commit; callers open a unit of work
with :func:`unit_of_work`, which commits when the block succeeds.

SQLite takes one writer at a time. Left to itself, a writer that finds the database locked
sleeps and tries again (1, 2, 5 … 100 ms), so under load writers wait in turns of up to
100 ms each, in no order, and one may wait for seconds while others come and go. So the
writers of a process queue instead, in order of arrival: a transaction's first write
waits for its turn (:data:`WRITE_WAIT` at most, like the busy timeout), and the next one
goes the moment its connection goes back to the pool. Reads never wait. Other processes
on the same file are still kept out by SQLite's own lock.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext, make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    """Whether ``url`` points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache (the default is 2 MB): indexes of a million contacts stay in
    # memory, which makes bulk imports about twice as fast. Pages are only taken as used.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


WRITE_WAIT = 30.0
"""Seconds a SQLite write waits for its turn before it fails."""
_TURN = "smsurvey_write_turn"
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class _WriteTurns:
    """The queue of a SQLite engine's writers in this process (one lock per event loop)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def take(
        self,
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        """Before a statement: a write outside the connection's turn waits for one."""
        if _TURN in connection.info or not _writes(statement, context):
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        try:
            await_(asyncio.wait_for(lock.acquire(), WRITE_WAIT))
        except TimeoutError:
            raise TimeoutError(f"no turn to write to SQLite within {WRITE_WAIT:g} s") from None
        connection.info[_TURN] = lock

    @staticmethod
    def give_back(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        """When a connection goes back to the pool (committed or rolled back): next writer."""
        lock = record.info.pop(_TURN, None)
        if lock is not None:
            lock.release()


def _writes(statement: str, context: ExecutionContext | None) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is not None and hasattr(compiled, "isinsert"):
        return bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)
    return _WRITE.match(statement) is not None


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout, and its
    writers in this process queued in order (see the module docstring)."""
    if is_sqlite(url):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        turns = _WriteTurns()
        event.listen(engine.sync_engine, "before_cursor_execute", turns.take)
        event.listen(engine.sync_engine, "checkin", turns.give_back)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed when the block ends normally, rolled back otherwise."""
    async with session_factory(engine)() as session, session.begin():
        yield session
