"""``smsurvey access-codes …``: let people start a survey by texting a code."""

from __future__ import annotations

from typing import Annotated

import typer

from smsurvey.commands.common import OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.distributions.access_codes import access_codes_of, link_access_code
from smsurvey.settings import get_settings

app = typer.Typer(
    help="Inbound access codes (@CODE) that start a 2-way survey.", no_args_is_help=True
)


@app.command("link")
@user_errors
def link(
    code: Annotated[str, typer.Argument(help="The code, starting with @.", show_default=False)],
    survey: Annotated[str, typer.Option(help="Survey id (SV_…).", show_default=False)],
    region: Annotated[str, typer.Option(help="Only numbers of this country, e.g. US.")] = "US",
    org: OrgOption = None,
) -> None:
    """Link CODE to a survey: texting it to our number starts the survey by 2-way SMS."""
    linked = in_organization(
        org, lambda session, o: link_access_code(session, o, code, region, survey)
    )
    number = get_settings().simulator_number
    console.print(
        f"Texting [bold]{linked.code}[/] to {number} from a {linked.region} number"
        f" starts {linked.survey_id}."
    )


@app.command("list")
@user_errors
def list_(org: OrgOption = None) -> None:
    """Show the organisation's access codes."""
    codes = table("Code", "Region", "Survey", "Linked (UTC)", whole={"Survey": 18})
    for code in in_organization(org, access_codes_of):
        codes.add_row(code.code, code.region, code.survey_id, f"{code.created_at:%Y-%m-%d %H:%M}")
    console.print(codes)
