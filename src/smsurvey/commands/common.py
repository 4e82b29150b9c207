"""What every command shares: the console, settings, running async work, error display."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.kit.db import create_engine, is_sqlite
from smsurvey.kit.errors import SmsurveyError
from smsurvey.models.migrate import current_revision, head_revision, upgrade
from smsurvey.settings import Settings, get_settings

console = Console()
error_console = Console(stderr=True)
ID_WIDTH = 20  # the longest ids: POOL_ + 15 characters
PHONE_WIDTH = 16  # + and at most 15 digits

P = ParamSpec("P")
T = TypeVar("T")

EXIT_USER_ERROR = 2


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red line on stderr and return the exit to raise (code 2)."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USER_ERROR)


def user_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Turn a domain error raised by a command into a red line and exit code 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except SmsurveyError as error:
            raise fail(str(error)) from None

    return wrapper


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
        upgrade(settings.database_url)

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


def table(*headers: str, whole: dict[str, int] | None = None) -> Table:
    """A Rich table; the columns named in ``whole`` (header → width) are never cut short.

    By default that is a first column called ``Id``, as ids get copied into other commands.
    """
    whole = {"Id": ID_WIDTH} if whole is None else whole
    result = Table()
    for header in headers:
        if header in whole:
            result.add_column(header, no_wrap=True, min_width=whole[header], overflow="fold")
        else:
            result.add_column(header)
    return result
