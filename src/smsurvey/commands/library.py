"""``smsurvey library …``: saved SMS texts to reuse in distributions, by Qualtrics' message
category."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.distributions.library import library_messages, save_message
from smsurvey.models.accounts import Organization
from smsurvey.models.distributions import LibraryMessage

app = typer.Typer(help="Saved SMS messages (MS_…).", no_args_is_help=True)


@app.command("add")
@user_errors
def add(
    text: Annotated[str, typer.Argument(help="The message, with ${…} fields.")],
    category: Annotated[
        str,
        typer.Option(help="Qualtrics' category: smsInvite, smsReminder, smsThankYou, …"),
    ] = "smsInvite",
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    org: OrgOption = None,
) -> None:
    """Save a message."""

    async def work(session: AsyncSession, organization: Organization) -> str:
        saved = await save_message(
            session, organization, text, category, datetime.now(UTC), description
        )
        return saved.id

    console.print(f"Saved [bold]{in_organization(org, work)}[/]")


@app.command("list")
@user_errors
def list_messages(org: OrgOption = None) -> None:
    """The saved messages."""

    async def work(session: AsyncSession, organization: Organization) -> list[LibraryMessage]:
        return await library_messages(session, organization)

    shown = table("Id", "Category", "Description", "Text", whole={"Id": 18})
    for message in in_organization(org, work):
        shown.add_row(message.id, message.category, message.description, message.text)
    console.print(shown)
