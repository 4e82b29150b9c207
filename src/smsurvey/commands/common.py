"""What every command shares: the console, settings, running async work, error display."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.kit.db import create_engine
from smsurvey.kit.errors import SmsurveyError
from smsurvey.settings import Settings, get_settings

console = Console()
error_console = Console(stderr=True)

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
    """Run ``work`` with an engine on the configured database, then dispose of it."""
    settings = settings or get_settings()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from a command."""
    return asyncio.run(coro)


def stdout_is_terminal() -> bool:
    """Whether a person is watching (progress bars only then)."""
    return sys.stdout.isatty()
