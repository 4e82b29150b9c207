"""``smsurvey credits …``: the organisation's SMS credits."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from smsurvey.accounts.credits import Period, add_credits, balance, consumption
from smsurvey.commands.common import OrgOption, console, fail, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.settings import get_settings

app = typer.Typer(help="SMS credits: balance, purchases, consumption.", no_args_is_help=True)


@app.command("balance")
@user_errors
def show_balance(org: OrgOption = None) -> None:
    """The credits left."""
    opening = get_settings().initial_credits
    left = in_organization(org, lambda s, o: balance(s, o, opening, datetime.now(UTC)))
    console.print(f"{left:f} credits")


@app.command("add")
@user_errors
def add(
    amount: Annotated[str, typer.Argument(help="Credits bought (negative to correct).")],
    note: Annotated[str, typer.Option(help="What it was.")] = "purchase",
    org: OrgOption = None,
) -> None:
    """Record credits bought."""
    try:
        credits = Decimal(amount)
    except InvalidOperation:
        raise fail(f"{amount!r} is not a number of credits") from None
    in_organization(org, lambda s, o: add_credits(s, o, credits, note, datetime.now(UTC)))
    show_balance(org)


@app.command("report")
@user_errors
def report(
    by: Annotated[Period, typer.Option(help="Group by day or month.")] = Period.MONTH,
    org: OrgOption = None,
) -> None:
    """Credits spent on texts, by period and destination country."""
    rows = in_organization(org, lambda s, o: consumption(s, o, by))
    shown = table("Period", "Region", "Texts", "Credits", whole={})
    for row in rows:
        shown.add_row(row.period, row.region, f"{row.texts:,}", f"{row.credits:f}")
    console.print(shown)
