"""``smsurvey contacts …``: import contacts from CSV, look at lists and contacts, opt-outs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import (
    ID_WIDTH,
    PHONE_WIDTH,
    console,
    error_console,
    fail,
    user_errors,
)
from smsurvey.commands.common import table as id_table
from smsurvey.commands.database import in_organization
from smsurvey.contacts import service
from smsurvey.contacts.fields import DedupeBy
from smsurvey.contacts.importer import (
    ImportOptions,
    ImportSummary,
    NothingImported,
    import_contacts,
)
from smsurvey.contacts.rows import RowProblem
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Contact, OptOutEvent
from smsurvey.settings import get_settings

app = typer.Typer(help="Contacts, mailing lists and CSV imports.", no_args_is_help=True)

OrgOption = typer.Option(None, "--org", help="Organisation id (default: the default organisation).")


class _ErrorReport:
    """The per-row error report, a CSV created when the first problem turns up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._writer: Any = None

    def add(self, problem: RowProblem) -> None:
        if self._writer is None:
            self._file = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["row", "column", "value", "problem", "action"])
        self._writer.writerow(
            [problem.row, problem.column, problem.value, problem.problem, problem.action]
        )

    @property
    def written(self) -> bool:
        """Whether a problem was reported (and the file made)."""
        return self._writer is not None

    def close(self, *, keep: bool) -> None:
        if self._file is not None:
            self._file.close()
            if not keep:
                self.path.unlink(missing_ok=True)


@app.command("import")
@user_errors
def import_csv(
    file: Path = typer.Argument(..., help="CSV file with a header row (UTF-8)."),
    list_name: str = typer.Option(..., "--list", help="Mailing list to put the contacts in."),
    phone_column: str = typer.Option(..., help="Header of the column holding phone numbers."),
    directory: str = typer.Option(None, help="Directory id (default: the default directory)."),
    dedupe: DedupeBy = typer.Option(
        None, help="Field that identifies a person (default: the directory's rule, phone)."
    ),
    region: str = typer.Option(
        None, help="Region for numbers without a country code, e.g. US (default from settings)."
    ),
    delimiter: str = typer.Option(None, help="Field delimiter (default: detected)."),
    errors: Path = typer.Option(
        None, help="Where to write the per-row error report (default: FILE-STEM.errors.csv here)."
    ),
    workers: int = typer.Option(
        None, help="Processes that parse rows and check numbers (default: one per core, big files)."
    ),
    org: str = OrgOption,
) -> None:
    """Import contacts from a CSV file into a mailing list.

    Rows with problems are written to the error report and the import goes on;
    a file that cannot be read at all (not UTF-8, wrong delimiter, unknown
    column) stops with exit code 2 and imports nothing.
    """
    options = ImportOptions(
        list_name=list_name,
        phone_column=phone_column,
        directory_id=directory,
        dedupe_by=dedupe,
        default_region=(region or get_settings().default_region or None),
        delimiter=delimiter.encode().decode("unicode_escape") if delimiter else None,
        workers=workers,
    )
    report = _ErrorReport(errors or Path.cwd() / f"{file.stem}.errors.csv")
    size = file.stat().st_size if file.is_file() else 0
    progress = Progress(
        TextColumn("[bold]Importing[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=error_console,
        transient=True,
    )

    async def work(session: AsyncSession, organization: Organization) -> ImportSummary:
        return await import_contacts(
            session,
            organization,
            file,
            options,
            on_problem=report.add,
            on_progress=lambda done, rows: progress.update(task, completed=done, rows=rows),
        )

    task = progress.add_task("import", total=size or None, rows=0)
    try:
        with progress:
            summary = in_organization(org, work)
    except NothingImported as error:
        report.close(keep=True)
        raise fail(f"{error}: see {report.path}" if report.written else str(error)) from None
    except BaseException:
        report.close(keep=False)
        raise
    report.close(keep=True)
    _print_summary(summary, report.path if summary.problems else None)


def _print_summary(summary: ImportSummary, report: Path | None) -> None:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rate = summary.rows / summary.seconds if summary.seconds else 0
    for label, value in (
        ("Rows read", f"{summary.rows:,}"),
        ("Contacts created", f"{summary.created:,}"),
        ("Contacts updated", f"{summary.updated:,}"),
        ("Duplicate rows merged", f"{summary.merged_in_file:,}"),
        ("Added to the list", f"{summary.added_to_list:,}"),
        ("Already in the list", f"{summary.already_in_list:,}"),
        ("Rows skipped", f"{summary.skipped:,}"),
        ("Time", f"{summary.seconds:.1f} s ({rate:,.0f} rows/s)"),
    ):
        table.add_row(label, value)
    verb = "created" if summary.list_created else "updated"
    console.print(
        f"Mailing list [bold]{summary.mailing_list_id}[/] {verb} in directory "
        f"{summary.directory_id} (duplicates merged by {summary.dedupe_by})"
    )
    console.print(table)
    for column in summary.ignored_columns:
        console.print(f"[yellow]{column} was not imported[/]")
    if report is not None:
        console.print(
            f"[yellow]{summary.problems:,} problems[/] (rows skipped, values ignored): see {report}"
        )


@app.command("lists")
@user_errors
def lists(org: str = OrgOption) -> None:
    """Show the mailing lists and how many contacts each holds."""

    table = id_table("Id", "Name", "Directory", "Contacts", "Created")
    for mailing_list, count in in_organization(org, service.mailing_lists_with_counts):
        table.add_row(
            mailing_list.id,
            mailing_list.name,
            mailing_list.directory_id,
            f"{count:,}",
            f"{mailing_list.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command("members")
@user_errors
def members(
    mailing_list_id: str = typer.Argument(..., help="Mailing list id (CG_…)."),
    limit: int = typer.Option(50, min=1, help="How many contacts to show."),
    offset: int = typer.Option(0, min=0, help="How many to skip first."),
    org: str = OrgOption,
) -> None:
    """Show the contacts of a mailing list."""

    async def work(session: AsyncSession, organization: Organization) -> list[Contact]:
        mailing_list = await service.get_mailing_list(session, organization, mailing_list_id)
        return await service.list_members(session, mailing_list, limit=limit, offset=offset)

    table = id_table(
        "Id",
        "First name",
        "Last name",
        "Phone",
        "Email",
        "Opted out",
        whole={"Id": ID_WIDTH, "Phone": PHONE_WIDTH},
    )
    for contact in in_organization(org, work):
        table.add_row(
            contact.id,
            contact.first_name or "",
            contact.last_name or "",
            contact.phone or "",
            contact.email or "",
            "yes" if contact.opted_out else "",
        )
    console.print(table)


@app.command("show")
@user_errors
def show(
    contact_id: str = typer.Argument(..., help="Contact id (CID_…)."), org: str = OrgOption
) -> None:
    """Show a contact with its embedded data and opt-out history."""

    async def work(
        session: AsyncSession, organization: Organization
    ) -> tuple[Contact, list[OptOutEvent]]:
        contact = await service.get_contact(session, organization, contact_id)
        return contact, await service.opt_out_history(session, contact)

    contact, history = in_organization(org, work)
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for label, value in (
        ("Id", contact.id),
        ("Directory", contact.directory_id),
        ("Name", " ".join(filter(None, (contact.first_name, contact.last_name)))),
        ("Phone", f"{contact.phone or ''} ({contact.phone_type or 'unknown type'})"),
        ("Phone as given", contact.phone_input or ""),
        ("Email", contact.email or ""),
        ("External reference", contact.ext_ref or ""),
        ("Language", contact.language or ""),
        ("Time zone", contact.time_zone or ""),
        ("Opted out", "yes" if contact.opted_out else "no"),
        *((f"  {key}", str(value)) for key, value in sorted(contact.embedded_data.items())),
    ):
        table.add_row(label, value)
    console.print(table)
    for event in history:
        state = "opted out" if event.opted_out else "opted back in"
        console.print(
            f"{event.at:%Y-%m-%d %H:%M:%S} {state} via {event.source} {event.detail or ''}"
        )


def _set_opt_out(contact_id: str, org: str | None, opted_out: bool, reason: str | None) -> None:
    async def work(session: AsyncSession, organization: Organization) -> bool:
        contact = await service.get_contact(session, organization, contact_id)
        return await service.set_opted_out(session, contact, opted_out, source="cli", detail=reason)

    changed = in_organization(org, work)
    state = "opted out of" if opted_out else "opted back into"
    if changed:
        console.print(f"{contact_id} {state} SMS")
    else:
        console.print(f"{contact_id} was already {state} SMS; nothing changed")


@app.command("opt-out")
@user_errors
def opt_out(
    contact_id: str = typer.Argument(..., help="Contact id (CID_…)."),
    reason: str = typer.Option(None, help="Why, for the history."),
    org: str = OrgOption,
) -> None:
    """Opt a contact out of SMS (recorded in its history)."""
    _set_opt_out(contact_id, org, True, reason)


@app.command("opt-in")
@user_errors
def opt_in(
    contact_id: str = typer.Argument(..., help="Contact id (CID_…)."),
    reason: str = typer.Option(None, help="Why, for the history."),
    org: str = OrgOption,
) -> None:
    """Opt a contact back into SMS (recorded in its history)."""
    _set_opt_out(contact_id, org, False, reason)
