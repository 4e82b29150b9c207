"""Test fixtures: every database test runs once on a SQLite file and once on PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from smsurvey.kit.db import create_engine, is_sqlite, session_factory
from smsurvey.models import Base
from smsurvey.models.migrate import upgrade
from smsurvey.settings import get_settings
from tests.postgres import scratch_database
from tests.support import run_sync

hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
hypothesis_settings.load_profile("ci")


async def _empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = list(reversed(Base.metadata.sorted_tables))
            if is_sqlite(url):
                for table in tables:
                    await connection.execute(table.delete())
            else:
                names = ", ".join(f'"{table.name}"' for table in tables)
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for this test run."""
    path = tmp_path_factory.mktemp("sqlite") / "smsurvey-test.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped afterwards."""
    with scratch_database(f"smsurvey_test_{secrets.token_hex(4)}") as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty, migrated database: once SQLite, once PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_database")
    run_sync(_empty_all_tables(url))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session in an open transaction, committed at the end of the test."""
    async with session_factory(engine)() as session, session.begin():
        yield session


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Point the CLI's settings at the test database; returns its URL.

    On PostgreSQL every process needs the secret key from the environment; on SQLite the
    CLI uses the key file next to the database, as a real install does.
    """
    monkeypatch.setenv("SMSURVEY_DATABASE_URL", database_url)
    if not is_sqlite(database_url):
        monkeypatch.setenv("SMSURVEY_SECRET_KEY", "tests-" + "k" * 40)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()
