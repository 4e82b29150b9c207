"""SQLite connections that read on the event loop and write on their own thread.

``aiosqlite`` runs every call of a connection on a thread of its own: opening a cursor,
the statement, fetching its rows, closing the cursor, each a round trip between threads.
A query costs four of them, a request a dozen or more, and under load each waits for the
interpreter lock, so most of an API call's time went to hand-overs, not to SQLite.

Reading a WAL database does not wait for writers, and the queries of a web request take
microseconds, so here a ``SELECT`` (and fetching its rows, opening and closing cursors,
committing or rolling back when there is nothing to commit) runs at once on the caller's
thread; so does every statement of a transaction that holds the write lock already,
which then ends without other coroutines running in the middle of it. What may wait —
the first write of a transaction, which may wait for another process's lock, and its
``COMMIT``, which may checkpoint — goes to the connection's thread, so the event loop
does not sleep in SQLite's busy handler. A ``SELECT`` that once took longer than :data:`SLOW`
(a big export, say) is sent to the thread from then on, so that it never holds up the
loop again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

SLOW = 0.005
"""Seconds after which a ``SELECT`` run on the loop is run on the thread from then on."""
_CURSOR_CALLS = frozenset({"close", "fetchone", "fetchmany", "fetchall"})


class _Connection(aiosqlite.Connection):
    """An ``aiosqlite`` connection that runs what cannot wait on the caller's thread."""

    slow: ClassVar[set[str]] = set()
    """``SELECT`` statements that took longer than :data:`SLOW` (shared by all)."""

    ended: Callable[[], None] | None = None
    """Called on the connection's thread right after its transaction's end (see
    :func:`on_end`)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None or not self._at_once(fn, args):
            if self.ended is not None and getattr(fn, "__name__", "") in ("commit", "rollback"):
                fn = partial(_then, fn, self.ended)
                self.ended = None
            return await super()._execute(fn, *args, **kwargs)
        if getattr(fn, "__name__", "") != "execute" or self._conn.in_transaction:
            return fn(*args, **kwargs)
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        if time.perf_counter() - started > SLOW and len(self.slow) < 10_000:
            self.slow.add(args[0])
        return result

    def _at_once(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        name, owner = getattr(fn, "__name__", ""), getattr(fn, "__self__", None)
        if isinstance(owner, sqlite3.Cursor):
            if name in _CURSOR_CALLS:
                return True
            if name not in ("execute", "executemany") or not args:
                return False
            if self._conn.in_transaction:
                return True  # it holds the write lock: nothing it does waits for one
            statement = args[0]
            return (
                name == "execute"
                and statement.lstrip()[:6].upper() == "SELECT"
                and statement not in self.slow
            )
        if isinstance(owner, sqlite3.Connection):
            return name == "cursor" or (name in ("commit", "rollback") and not owner.in_transaction)
        return False


def _then(fn: Callable[[], Any], after: Callable[[], None]) -> Any:
    try:
        return fn()
    finally:
        after()


def on_end(connection: Any, ended: Callable[[], None]) -> None:
    """Call ``ended`` on ``connection``'s thread the moment its transaction commits or
    rolls back (for a connection of :func:`connector`; others are left alone), so that
    what waits for its write lock need not wait for the event loop to come round."""
    if isinstance(connection, _Connection):
        connection.ended = ended


def connector(url: str) -> Callable[[], aiosqlite.Connection]:
    """An ``async_creator`` for SQLAlchemy: a connection as SQLAlchemy would open it for
    ``url`` (its file name and options)."""
    args, options = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    connect = partial(sqlite3.connect, *args, **{**options, "check_same_thread": False})

    def create() -> aiosqlite.Connection:
        connection = _Connection(connect, 64)
        connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        return connection

    return create
