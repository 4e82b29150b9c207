"""``smsurvey senders …``: the numbers and ids texts come from, and their pace."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.kit.errors import InvalidInput
from smsurvey.messaging.pacing import default_pace
from smsurvey.models.accounts import Organization, Sender
from smsurvey.sms.sender_ids import sender_kind

app = typer.Typer(help="Senders and their pace (SMS parts per second).", no_args_is_help=True)


@app.command("set")
@user_errors
def set_pace(
    sender: Annotated[str, typer.Argument(help="A number (+1…) or an alphanumeric id.")],
    pace: Annotated[float, typer.Option(help="SMS parts per second.", min=0.1, max=10_000)],
    org: OrgOption = None,
) -> None:
    """Set how many SMS parts per second a sender may send."""
    try:
        sender_kind(sender)
    except ValueError as error:
        raise InvalidInput(str(error)) from None

    async def work(session: AsyncSession, organization: Organization) -> None:
        row = await session.scalar(
            select(Sender).where(
                Sender.organization_id == organization.id, Sender.address == sender
            )
        )
        if row is None:
            row = Sender(
                organization_id=organization.id, address=sender, created_at=datetime.now(UTC)
            )
            session.add(row)
        row.parts_per_second = Decimal(str(pace))

    in_organization(org, work)
    console.print(f"{sender} sends at most {pace:g} parts per second.")


@app.command("list")
@user_errors
def list_senders(org: OrgOption = None) -> None:
    """Senders with a pace of their own (others: 3 parts/s from a number, 10 from an id)."""

    async def work(session: AsyncSession, organization: Organization) -> list[Sender]:
        rows = await session.scalars(
            select(Sender).where(Sender.organization_id == organization.id).order_by(Sender.address)
        )
        return list(rows)

    shown = table("Sender", "Parts per second", "Default", whole={})
    for row in in_organization(org, work):
        shown.add_row(row.address, f"{row.parts_per_second:g}", f"{default_pace(row.address):g}")
    console.print(shown)
