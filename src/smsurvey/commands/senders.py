"""``smsurvey senders …``: the numbers and ids texts come from, and their pace."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import typer

from smsurvey.commands.common import OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.messaging.pacing import default_pace, senders_of, set_sender_pace

app = typer.Typer(help="Senders and their pace (SMS parts per second).", no_args_is_help=True)


@app.command("set")
@user_errors
def set_pace(
    sender: Annotated[str, typer.Argument(help="A number (+1…) or an alphanumeric id.")],
    pace: Annotated[float, typer.Option(help="SMS parts per second.", min=0.1, max=10_000)],
    org: OrgOption = None,
) -> None:
    """Set how many SMS parts per second a sender may send."""
    in_organization(
        org,
        lambda session, o: set_sender_pace(
            session, o.id, sender, Decimal(str(pace)), datetime.now(UTC)
        ),
    )
    console.print(f"{sender} sends at most {pace:g} parts per second.")


@app.command("list")
@user_errors
def list_senders(org: OrgOption = None) -> None:
    """Senders with a pace of their own (others: 3 parts/s from a number, 10 from an id)."""
    shown = table("Sender", "Parts per second", "Default", whole={})
    for row in in_organization(org, lambda session, o: senders_of(session, o.id)):
        shown.add_row(row.address, f"{row.parts_per_second:g}", f"{default_pace(row.address):g}")
    console.print(shown)
