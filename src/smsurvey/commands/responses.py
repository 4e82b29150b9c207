"""``smsurvey responses export``: a survey's responses as CSV or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import console, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.models.accounts import Organization
from smsurvey.models.responses import Response
from smsurvey.responses.export import ExportFormat, to_csv, to_json
from smsurvey.responses.service import list_responses
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.service import definition_of, get_survey

app = typer.Typer(help="Survey responses.", no_args_is_help=True)


@app.command("export")
@user_errors
def export(
    survey_id: Annotated[str, typer.Argument(help="Survey id (SV_…).", show_default=False)],
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output).")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organisation id.")] = None,
) -> None:
    """Write the responses of a survey with contact fields, embedded data, values and labels."""

    async def work(
        session: AsyncSession, organization: Organization
    ) -> tuple[SurveyDefinition, list[Response]]:
        survey = await get_survey(session, organization, survey_id)
        return definition_of(survey), await list_responses(session, organization, survey.id)

    definition, responses = in_organization(org, work)
    text = (
        to_csv(definition, responses) if export_format is ExportFormat.CSV else to_json(responses)
    )
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(responses)} responses written to {output}")
