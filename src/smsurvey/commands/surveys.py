"""``smsurvey surveys …``: import, list, show, export and check surveys."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import OrgOption, console, error_console, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.kit.errors import InvalidInput
from smsurvey.models.accounts import Organization
from smsurvey.surveys import service
from smsurvey.surveys.compatibility import (
    CompatibilityReport,
    Severity,
    check_sms_compatibility,
)
from smsurvey.surveys.formats import DocumentFormat, dumps_survey, import_file
from smsurvey.surveys.qsf_export import qsf_losses

T = TypeVar("T")

app = typer.Typer(help="Import, list, show, export and check surveys.", no_args_is_help=True)

EXIT_NOT_COMPATIBLE = 1
_LEVEL_STYLES = {Severity.ERROR: "[red]error[/]", Severity.WARNING: "[yellow]warning[/]"}

SurveyId = Annotated[str, typer.Argument(help="Survey id (SV_…).", show_default=False)]


@app.command("import")
@user_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="Survey file: a Qualtrics export (.qsf) or .yaml, .yml or .json.",
            show_default=False,
        ),
    ],
    org: OrgOption = None,
) -> None:
    """Import a survey file: a new survey, or a replacement when the file carries its id.
    A Qualtrics export always makes a new survey; what it held that cannot be kept is
    listed by element id."""
    read = import_file(file)
    imported = in_organization(
        org, lambda session, o: service.import_survey(session, o, read.survey)
    )
    survey_id = imported.survey.id
    verb = "Created" if imported.created else "Replaced"
    questions = _plural(len(imported.definition.questions), "question")
    console.print(f"{verb} [bold]{survey_id}[/] — {questions}", highlight=False)
    if read.dropped:
        console.print(f"[yellow]Not kept[/] ({len(read.dropped)}):", highlight=False)
        for dropped in read.dropped:
            console.print(f"  {escape(dropped.element)}: {escape(dropped.reason)}", highlight=False)
    if read.warnings:
        elements = ", ".join(warning.element for warning in read.warnings)
        console.print(f"HTML removed from the texts of {escape(elements)}", highlight=False)
    report = check_sms_compatibility(imported.definition)
    hint = "" if report.compatible else f" — see [bold]smsurvey surveys check {survey_id}[/]"
    console.print(_verdict(report) + hint, soft_wrap=True)


@app.command("list")
@user_errors
def list_(org: OrgOption = None) -> None:
    """List the surveys of the organisation."""
    surveys = in_organization(org, service.list_surveys)
    if not surveys:
        console.print("No surveys yet: import one with [bold]smsurvey surveys import FILE[/].")
        return
    table = Table("ID", "Name", "Questions", "SMS", "Updated (UTC)")
    for survey in surveys:
        definition = service.definition_of(survey)
        compatible = check_sms_compatibility(definition).compatible
        table.add_row(
            survey.id,
            escape(survey.name),
            str(len(definition.questions)),
            "[green]yes[/]" if compatible else "[red]no[/]",
            f"{survey.updated_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command()
@user_errors
def show(
    survey_id: SurveyId,
    document_format: Annotated[
        DocumentFormat, typer.Option("--format", help="Output format.")
    ] = DocumentFormat.YAML,
    org: OrgOption = None,
) -> None:
    """Print a survey's definition as YAML or JSON (re-importable)."""
    survey = in_organization(org, lambda session, o: service.get_survey(session, o, survey_id))
    typer.echo(dumps_survey(service.definition_of(survey), document_format), nl=False)


class ExportFormat(StrEnum):
    """What ``surveys export`` writes."""

    QSF = "qsf"
    YAML = "yaml"
    JSON = "json"


@app.command()
@user_errors
def export(
    survey_id: SurveyId,
    export_format: Annotated[
        ExportFormat,
        typer.Option("--format", help="qsf (a Qualtrics survey file), or our yaml or json."),
    ] = ExportFormat.QSF,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Write a survey as a file Qualtrics imports (QSF), or as our YAML or JSON. What a QSF
    cannot hold is listed on stderr."""

    async def read(session: AsyncSession, organization: Organization) -> tuple[str, list[str]]:
        survey = await service.get_survey(session, organization, survey_id)
        definition = service.definition_of(survey)
        if export_format is not ExportFormat.QSF:
            return dumps_survey(definition, DocumentFormat(export_format.value)), []
        document = await service.qsf_document(session, organization, survey)
        return json.dumps(document, ensure_ascii=False) + "\n", qsf_losses(definition)

    text, losses = in_organization(org, read)
    for loss in losses:
        error_console.print(f"[yellow]Not in the QSF[/]: {escape(loss)}", highlight=False)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"{output}: cannot be written ({error.strerror})") from None
    console.print(f"Wrote [bold]{escape(str(output))}[/]", highlight=False)


@app.command()
@user_errors
def check(survey_id: SurveyId, org: OrgOption = None) -> None:
    """Check whether a survey can go by 2-way SMS: exit 0 when it can, 1 when it cannot."""
    report = in_organization(org, lambda session, o: service.check_survey(session, o, survey_id))
    if report.problems:
        table = Table(
            "Question", "Level", "Problem", title=f"SMS compatibility of {escape(survey_id)}"
        )
        for problem in report.problems:
            level = _LEVEL_STYLES[problem.severity]
            table.add_row(escape(problem.question_id or "—"), level, escape(problem.message))
        console.print(table)
    console.print(_verdict(report))
    if not report.compatible:
        raise typer.Exit(EXIT_NOT_COMPATIBLE)


def _verdict(report: CompatibilityReport) -> str:
    warnings = f" ({_plural(len(report.warnings), 'warning')})" if report.warnings else ""
    if report.compatible:
        return f"[green]SMS-compatible[/]{warnings}"
    return f"[red]Not SMS-compatible[/]: {_plural(len(report.errors), 'problem')}{warnings}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
