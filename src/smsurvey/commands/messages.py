"""``smsurvey messages unknown``: texts that may or may not have reached the provider,
and a person's decision about them."""

from __future__ import annotations

import getpass
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import (
    ID_WIDTH,
    PHONE_WIDTH,
    OrgOption,
    console,
    fail,
    table,
    user_errors,
)
from smsurvey.commands.database import in_organization
from smsurvey.distributions.service import get_distribution
from smsurvey.kit.clock import SystemClock
from smsurvey.messaging.decisions import Decision, UncertainText, decide, uncertain_texts
from smsurvey.models.accounts import Organization

app = typer.Typer(help="Texts whose hand-over to the provider is not known.", no_args_is_help=True)


class Settle(StrEnum):
    """What ``--settle`` records a text as."""

    SENT = "sent"
    FAILED = "failed"


@app.command("unknown")
@user_errors
def unknown(
    distribution: Annotated[
        str | None, typer.Option(help="Only this distribution's texts (SMSD_…).")
    ] = None,
    resend: Annotated[bool, typer.Option("--resend", help="Send the listed texts again.")] = False,
    settle: Annotated[
        Settle | None, typer.Option(help="Record the listed texts as sent or failed.")
    ] = None,
    org: OrgOption = None,
) -> None:
    """List texts nobody knows were sent (a crash or a dropped connection during their
    request); with --resend or --settle, decide about all of them."""
    if resend and settle is not None:
        raise fail("choose one of --resend and --settle")
    decision = Decision.RESEND if resend else Decision(settle.value) if settle else None
    by = f"{getpass.getuser()} (command line)"

    async def work(
        session: AsyncSession, organization: Organization
    ) -> tuple[list[UncertainText], int]:
        if distribution is not None:
            await get_distribution(session, organization, distribution)
        texts = await uncertain_texts(session, organization.id, distribution)
        if decision is None or not texts:
            return texts, 0
        ids = [text.id for text in texts]
        return texts, await decide(session, organization.id, ids, decision, by, SystemClock().now())

    texts, changed = in_organization(org, work)
    if not texts:
        console.print("No texts of unknown fate.")
        return
    state = "needs a decision"
    shown = table(
        "Message", "Distribution", "To", "State", "Why",
        whole={"Distribution": ID_WIDTH, "To": PHONE_WIDTH, "State": len(state)},
    )  # fmt: skip
    for text in texts:
        shown.add_row(
            str(text.id),
            text.distribution_id or "",
            text.to,
            "being asked" if text.asking else state,
            text.detail or "",
        )
    console.print(shown)
    if decision is Decision.RESEND:
        console.print(f"{changed:,} texts queued to be sent again.")
    elif decision is not None:
        console.print(f"{changed:,} texts recorded as {decision.value}.")
    else:
        console.print(
            f"{len(texts):,} texts. Decide with --resend, --settle sent or --settle failed."
        )
