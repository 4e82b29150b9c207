"""The ``smsurvey`` command line."""

from __future__ import annotations

import typer

from smsurvey.commands import contacts, phones, segments, server, surveys

app = typer.Typer(
    name="smsurvey",
    help="Self-hosted surveys over SMS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.command()(server.serve)
app.command()(server.migrate)
app.command()(segments.segments)
app.add_typer(phones.app, name="phones")
app.add_typer(surveys.app, name="surveys")
app.add_typer(contacts.app, name="contacts")


def main() -> None:
    """Entry point of the console script."""
    app()
