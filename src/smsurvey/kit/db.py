"""Database engines and the unit of work.

Services take an ``AsyncSession`` and never commit; callers open a unit of work
with :func:`unit_of_work`, which commits when the block succeeds.

SQLite takes one writer at a time. Left to itself, a writer that finds the database locked
sleeps and tries again (1, 2, 5 … 100 ms), so under load writers wait in turns of up to
100 ms each, in no order, and one may wait for seconds while others come and go. So the
writers of a process queue instead, in order of arrival: a transaction's first write
waits for its turn (:data:`WRITE_WAIT` at most, like the busy timeout), and the next one
goes the moment its connection goes back to the pool, urgent writes first
(:func:`urgent_writes`: webhooks and conversations before planning and bulk sending).
Reads never wait. Between processes on the same file (``serve`` and its worker), the
writer whose turn it is also takes a lock file beside the database (``….db-writers``),
which the kernel hands to the next process the moment it is let go, instead of SQLite's
sleeping retries: so a webhook's write waits for at most the worker's transaction under
way, not for a gap in a stream of them.
"""

from __future__ import annotations

import asyncio
import fcntl
import heapq
import itertools
import re
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_

from smsurvey.kit import sqlite_driver


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
URGENT, NORMAL = 0, 10
"""Write priorities: someone waits for an urgent write (a webhook, a conversation's next
question); bulk work (planning, sending) is normal."""
_priority: ContextVar[int] = ContextVar("smsurvey_write_priority", default=NORMAL)
_TURN = "smsurvey_write_turn"
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@contextmanager
def urgent_writes() -> Iterator[None]:
    """SQLite transactions begun in the block (and in tasks it starts) write before those
    of normal priority that wait for their turn."""
    token = _priority.set(URGENT)
    try:
        yield
    finally:
        _priority.reset(token)


class _Turns:
    """One writer at a time, the others waiting in order of priority, then of arrival."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def acquire(self, priority: int) -> None:
        if not self._held and not self._waiting:
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # it came as the waiter gave up
                self.release()
            raise

    def release(self) -> None:
        """Hand the turn to the first waiter still waiting, if any."""
        while self._waiting:
            turn = heapq.heappop(self._waiting)[2]
            if not turn.done():
                turn.set_result(None)
                return
        self._held = False


class _ProcessLock:
    """The lock file SQLite writers of all processes take in turn (see the module)."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "a+b")  # noqa: SIM115 - held for the engine's life

    async def acquire(self) -> None:
        """Take the lock, waiting on a thread when another process holds it."""
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        taking = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, self._file, fcntl.LOCK_EX))
        try:
            await asyncio.shield(taking)
        except asyncio.CancelledError:
            taking.add_done_callback(lambda _: self.release())  # taken after all: let it go
            raise

    def release(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)


class _Hold:
    """A writer's turn, given back once: the moment its transaction ends on the driver's
    thread (the lock file at once, the turn on the event loop), else when its connection
    goes back to the pool."""

    def __init__(
        self,
        info: dict[Any, Any],
        turns: _Turns,
        process_lock: _ProcessLock | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._info, self._turns, self._process_lock, self._loop = info, turns, process_lock, loop
        self._guard = threading.Lock()
        self._unlocked = process_lock is None
        self._given = False

    def ended(self) -> None:
        """On the driver's thread, right after ``COMMIT`` or ``ROLLBACK``."""
        self._unlock()
        self._loop.call_soon_threadsafe(self.give_back)

    def give_back(self) -> None:
        """On the event loop: the next writer of this process may go."""
        self._unlock()
        if not self._given:
            self._given = True
            if self._info.get(_TURN) is self:
                del self._info[_TURN]
            self._turns.release()

    def _unlock(self) -> None:
        with self._guard:
            if self._unlocked:
                return
            self._unlocked = True
        assert self._process_lock is not None
        self._process_lock.release()


class _WriteTurns:
    """The queue of a SQLite engine's writers in this process (one per event loop), and
    the lock that orders them with other processes' writers."""

    def __init__(self, process_lock: _ProcessLock | None) -> None:
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = (
            weakref.WeakKeyDictionary()
        )
        self._process_lock = process_lock

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
        turns = self._turns.setdefault(asyncio.get_running_loop(), _Turns())
        try:
            await_(asyncio.wait_for(turns.acquire(_priority.get()), WRITE_WAIT))
        except TimeoutError:
            raise TimeoutError(f"no turn to write to SQLite within {WRITE_WAIT:g} s") from None
        if self._process_lock is not None:
            try:
                await_(asyncio.wait_for(self._process_lock.acquire(), WRITE_WAIT))
            except BaseException:
                turns.release()
                raise
        hold = _Hold(connection.info, turns, self._process_lock, asyncio.get_running_loop())
        connection.info[_TURN] = hold
        sqlite_driver.on_end(connection.connection.driver_connection, hold.ended)

    @staticmethod
    def give_back(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        """When a connection goes back to the pool (committed or rolled back): the next
        writer, if its transaction's end did not let it go already."""
        hold = record.info.pop(_TURN, None)
        if hold is not None:
            hold.give_back()


def _writes(statement: str, context: ExecutionContext | None) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is not None and hasattr(compiled, "isinsert"):
        return bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)
    return _WRITE.match(statement) is not None


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout, and its
    writers in this process queued in order (see the module docstring)."""
    if is_sqlite(url):
        database = make_url(url).database
        on_file = bool(database) and database != ":memory:" and "mode=memory" not in url
        if on_file:
            kwargs.setdefault("async_creator", sqlite_driver.connector(url))
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        turns = _WriteTurns(_ProcessLock(f"{database}-writers") if on_file else None)
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


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call ``callback`` once the session's transaction has committed (never when it rolls
    back): a wake-up sent before the commit would find nothing to do."""
    event.listen(session.sync_session, "after_commit", lambda _session: callback(), once=True)
