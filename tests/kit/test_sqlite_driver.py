"""SQLite connections read on the event loop's thread and write on their own
(``smsurvey.kit.sqlite_driver``), on a real database file."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from smsurvey.kit import sqlite_driver
from smsurvey.kit.db import create_engine, unit_of_work


def _engine(path: Path, threads: list[int]) -> Any:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")

    def where_am_i(_value: object) -> int:
        threads.append(threading.get_ident())
        return 1

    def slowly(_value: object) -> int:
        time.sleep(sqlite_driver.SLOW * 2)
        return 1

    @event.listens_for(engine.sync_engine, "connect")
    def _functions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("where_am_i", 1, where_am_i)
        dbapi_connection.create_function("slowly", 1, slowly)

    return engine


async def test_reads_run_on_the_loop_and_the_first_write_on_the_thread(tmp_path: Path) -> None:
    threads: list[int] = []
    engine = _engine(tmp_path / "t.db", threads)
    loop_thread = threading.get_ident()
    try:
        async with unit_of_work(engine) as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
        async with unit_of_work(engine) as session:
            await session.execute(text("SELECT where_am_i(1)"))
            read_on = threads.pop()
            await session.execute(text("INSERT INTO t VALUES (where_am_i(2))"))
            first_write_on = threads.pop()
            await session.execute(text("INSERT INTO t VALUES (where_am_i(3))"))
            next_write_on = threads.pop()
        async with unit_of_work(engine) as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    finally:
        await engine.dispose()
    assert read_on == loop_thread
    assert first_write_on != loop_thread, "the first write may wait for a lock: not on the loop"
    assert next_write_on == loop_thread, "the write lock is held: nothing waits"


async def test_a_slow_select_goes_to_the_thread_from_then_on(tmp_path: Path) -> None:
    threads: list[int] = []
    engine = _engine(tmp_path / "t.db", threads)
    statement = "SELECT slowly(1), where_am_i(1) -- test_a_slow_select"
    try:
        async with unit_of_work(engine) as session:
            await session.execute(text(statement))
            first = threads.pop()
            await session.execute(text(statement))
            second = threads.pop()
    finally:
        await engine.dispose()
    assert first == threading.get_ident()
    assert second != threading.get_ident()
