"""``smsurvey responses export``: a survey's responses in one of Qualtrics' export formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import console, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.models.accounts import Organization
from smsurvey.responses.export import ExportFormat, ExportOptions, export_file, exported
from smsurvey.responses.service import list_responses
from smsurvey.surveys.service import definition_of, get_survey

app = typer.Typer(help="Survey responses.", no_args_is_help=True)


@app.command("export")
@user_errors
def export(
    survey_id: Annotated[str, typer.Argument(help="Survey id (SV_…).", show_default=False)],
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv, tsv, json or ndjson.")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output).")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organisation id.")] = None,
) -> None:
    """Write the recorded responses of a survey as Qualtrics exports them (CSV and TSV with
    three header rows; metadata, answers and embedded data)."""

    async def work(session: AsyncSession, organization: Organization) -> tuple[bytes, int]:
        survey = await get_survey(session, organization, survey_id)
        definition = definition_of(survey)
        responses = await list_responses(session, organization, survey.id)
        rows = [exported(response, definition) for response in responses]
        return export_file(definition, rows, ExportOptions(format=export_format)), len(rows)

    content, count = in_organization(org, work)
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(content)
        console.print(f"{count} responses written to {output}")
