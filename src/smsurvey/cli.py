"""The ``smsurvey`` command line.

Commands live in ``smsurvey.commands`` and are imported only when used, so light
commands start fast and processes that import this module (multiprocessing
workers re-import the console script) stay small.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # The Click that Typer vendors since 0.26, and that TyperGroup's methods take and return.
    from typer._click import Command, Context

# Command name → "module:attribute" (a Typer app for a group, else a function).
COMMANDS = {
    "serve": "smsurvey.commands.server:serve",
    "migrate": "smsurvey.commands.server:migrate",
    "worker": "smsurvey.commands.worker:worker",
    "demo": "smsurvey.commands.demo:demo",
    "phone": "smsurvey.commands.phone:phone",
    "responses": "smsurvey.commands.responses:app",
    "contacts": "smsurvey.commands.contacts:app",
    "surveys": "smsurvey.commands.surveys:app",
    "distributions": "smsurvey.commands.distributions:app",
    "library": "smsurvey.commands.library:app",
    "credits": "smsurvey.commands.credits:app",
    "senders": "smsurvey.commands.senders:app",
    "providers": "smsurvey.commands.providers:app",
    "users": "smsurvey.commands.users:users",
    "tokens": "smsurvey.commands.users:tokens",
    "access-codes": "smsurvey.commands.access_codes:app",
    "segments": "smsurvey.commands.segments:segments",
    "phones": "smsurvey.commands.phones:app",
    "messages": "smsurvey.commands.messages:app",
}


class _LazyGroup(TyperGroup):
    """A group that imports a command's module when the command is looked up."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: Command = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name=cmd_name)(found)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(
    name="smsurvey",
    cls=_LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root() -> None:
    """Self-hosted surveys over SMS."""


def main() -> None:
    """Entry point of the console script."""
    app()
