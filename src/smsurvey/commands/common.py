"""What every command shares: the consoles, error display, tables. Light to import."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from smsurvey.kit.errors import SmsurveyError

console = Console()
error_console = Console(stderr=True)
ID_WIDTH = 20  # the longest ids: POOL_ + 15 characters
PHONE_WIDTH = 16  # + and at most 15 digits

P = ParamSpec("P")
T = TypeVar("T")

EXIT_USER_ERROR = 2

OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="Organisation id (OR_…); the default organisation otherwise."),
]
"""The ``--org`` option of every command that works inside an organisation."""


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
