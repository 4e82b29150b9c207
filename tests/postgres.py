"""Scratch PostgreSQL databases, for the test suite and the benchmarks that need one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from smsurvey.kit.db import create_engine
from tests.support import run_sync

POSTGRES_ADMIN_URL = os.environ.get(
    "SMSURVEY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
"""A database of the server to connect to while creating and dropping the others."""


async def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def scratch_database(name: str, admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database ``name`` on the server of ``admin_url`` (one left
    by an earlier run is replaced): its URL, and it is dropped afterwards."""
    run_sync(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    run_sync(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sync(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
