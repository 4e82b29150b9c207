"""Running command work against the configured database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from smsurvey.accounts.service import resolve_organization
from smsurvey.commands.common import error_console
from smsurvey.kit.db import create_engine, is_sqlite, unit_of_work
from smsurvey.kit.errors import SmsurveyError
from smsurvey.models.accounts import Organization
from smsurvey.models.migrate import current_revision, head_revision, upgrade
from smsurvey.settings import Settings, get_settings

if TYPE_CHECKING:
    from smsurvey.runtime import Runtime

T = TypeVar("T")


def upgrade_database(url: str) -> None:
    """Create or upgrade the schema at ``url``; a SQLite file created on the way is named
    in one line on stderr (nothing when it existed), so a command run from another directory
    cannot start on a new, empty database unnoticed."""
    created = _sqlite_file(url)
    if created is not None and created.exists():
        created = None
    upgrade(url)
    if created is not None:
        error_console.print(
            f"Created a new SQLite database: {created} (set SMSURVEY_DATABASE_URL to use another)",
            highlight=False,
            soft_wrap=True,
        )


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (absolute), or None for another database or one in memory."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).resolve()


def run_with_engine(
    work: Callable[[AsyncEngine], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Run ``work`` with an engine on the configured database, then dispose of it.

    The embedded SQLite database is created or upgraded on the way, so every
    command works in an empty directory; any other database must have been
    migrated with ``smsurvey migrate``.
    """
    settings = settings or get_settings()
    if is_sqlite(settings.database_url):
        upgrade_database(settings.database_url)

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            if not is_sqlite(settings.database_url):
                await _check_schema(engine)
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _check_schema(engine: AsyncEngine) -> None:
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise SmsurveyError(
            f"the database schema is at revision {current or 'none'}, this smsurvey needs {head}:"
            " run `smsurvey migrate`"
        )


def in_session(use_case: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``use_case`` in one unit of work on the configured database."""

    async def work(engine: AsyncEngine) -> T:
        async with unit_of_work(engine) as session:
            return await use_case(session)

    return run_with_engine(work)


def in_organization(
    organization_id: str | None,
    use_case: Callable[[AsyncSession, Organization], Awaitable[T]],
) -> T:
    """Run ``use_case`` in one unit of work for the organisation (the default one if ``None``)."""

    async def work(session: AsyncSession) -> T:
        return await use_case(session, await resolve_organization(session, organization_id))

    return in_session(work)


def in_runtime(
    organization_id: str | None,
    use_case: Callable[[AsyncSession, Organization, Runtime], Awaitable[T]],
) -> T:
    """Like :func:`in_organization`, with a runtime (settings, clock, rates, secret key,
    providers) for use cases that render links, price texts or call providers."""
    from smsurvey.runtime import build_runtime

    async def work(session: AsyncSession, organization: Organization) -> T:
        runtime = build_runtime(get_settings())
        try:
            return await use_case(session, organization, runtime)
        finally:
            await runtime.aclose()

    return in_organization(organization_id, work)
