"""``smsurvey library …``: saved SMS texts to reuse in distributions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.distributions.service import Method
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.distributions import LibraryMessage
from smsurvey.sms import piping

app = typer.Typer(help="Saved SMS messages (MS_…).", no_args_is_help=True)


@app.command("add")
@user_errors
def add(
    text: Annotated[str, typer.Argument(help="The message, with ${…} fields.")],
    category: Annotated[
        str, typer.Option(help="invite, interactive, reminder or thankyou.")
    ] = "invite",
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    org: OrgOption = None,
) -> None:
    """Save a message."""
    kind = Method.parse(category)
    cleaned = piping.clean_message(text)
    if problems := piping.validate(cleaned):
        raise InvalidInput("the message has " + "; ".join(problems))

    async def work(session: AsyncSession, organization: Organization) -> str:
        message = LibraryMessage(
            id=new_id("MS"),
            organization_id=organization.id,
            category=kind.value,
            description=description or cleaned[:60],
            text=cleaned,
            created_at=datetime.now(UTC),
        )
        session.add(message)
        return message.id

    console.print(f"Saved [bold]{in_organization(org, work)}[/]")


@app.command("list")
@user_errors
def list_messages(org: OrgOption = None) -> None:
    """The saved messages."""

    async def work(session: AsyncSession, organization: Organization) -> list[LibraryMessage]:
        rows = await session.scalars(
            select(LibraryMessage)
            .where(LibraryMessage.organization_id == organization.id)
            .order_by(LibraryMessage.category, LibraryMessage.id)
        )
        return list(rows)

    shown = table("Id", "Category", "Description", "Text", whole={"Id": 18})
    for message in in_organization(org, work):
        shown.add_row(message.id, message.category, message.description, message.text)
    console.print(shown)
