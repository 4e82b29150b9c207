"""``smsurvey distributions …``: create, preview, follow and download SMS distributions."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import ID_WIDTH, OrgOption, console, fail, table, user_errors
from smsurvey.commands.database import in_organization, in_runtime
from smsurvey.distributions import reports
from smsurvey.distributions.preview import Preview, preview, send_test, spoken_duration
from smsurvey.distributions.reports import Enclosure
from smsurvey.distributions.service import (
    DistributionRequest,
    Method,
    Recipients,
    cancel,
    create_distribution,
    get_distribution,
    list_distributions,
    new_distribution,
    reschedule,
)
from smsurvey.kit.errors import InvalidInput
from smsurvey.models.accounts import Organization
from smsurvey.runtime import Runtime

app = typer.Typer(
    help="SMS distributions: invitations, 2-way surveys, reminders, thank-yous.",
    no_args_is_help=True,
)

T = TypeVar("T")
Ids = Annotated[list[str], typer.Argument(help="Distribution ids (SMSD_…).", show_default=False)]


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"send date {text!r}: write it as 2026-05-01T09:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _condition(text: str) -> dict[str, str]:
    """``first_name equals Ann``, ``embedded:Store equals 12``, ``email is_empty``."""
    words = text.split(maxsplit=2)
    if len(words) < 2:
        raise InvalidInput(f"condition {text!r}: write FIELD OPERATOR [VALUE]")
    field, operator, *value = words
    condition = {"field": field, "operator": operator}
    if field.startswith("embedded:"):
        condition.update(field="embedded", name=field.removeprefix("embedded:"))
    if value:
        condition["value"] = value[0]
    return condition


def _quiet_hours(window: str | None, weekdays: str | None) -> dict[str, Any] | None:
    if window is None:
        return None
    start, _, end = window.partition("-")
    rule: dict[str, Any] = {"start": start.strip(), "end": end.strip()}
    if weekdays:
        rule["weekdays"] = [day.strip().lower()[:3] for day in weekdays.split(",")]
    return rule


def _recurrence(
    every: str | None, at: str, on: str | None, day: int | None, until: str | None, zone: str
) -> dict[str, Any] | None:
    if every is None:
        return None
    rule: dict[str, Any] = {"frequency": every, "at": at, "zone": zone}
    if on:
        rule["weekdays"] = [d.strip().lower()[:3] for d in on.split(",")]
    if day is not None:
        rule["month_day"] = day
    if until:
        rule["until"] = (_when(until) or datetime.now(UTC)).isoformat()
    return rule


@app.command("create")
@user_errors
def create(
    survey: Annotated[str, typer.Option(help="Survey id (SV_…).", show_default=False)],
    method: Annotated[
        str, typer.Option(help="invite, interactive, reminder or thankyou.")
    ] = "invite",
    mailing_list: Annotated[str | None, typer.Option("--list", help="Mailing list (CG_…).")] = None,
    contact: Annotated[str | None, typer.Option(help="A single contact (CID_…).")] = None,
    sample: Annotated[str | None, typer.Option(help="A sample (CG_…).")] = None,
    batch: Annotated[str | None, typer.Option(help="A transaction batch (BT_…).")] = None,
    parent: Annotated[str | None, typer.Option(help="For a reminder or thank-you.")] = None,
    message: Annotated[str | None, typer.Option(help="The text, with ${…} fields.")] = None,
    library: Annotated[str | None, typer.Option(help="A saved message (MS_…).")] = None,
    sender: Annotated[str | None, typer.Option(help="Number or alphanumeric id.")] = None,
    send_at: Annotated[
        str | None, typer.Option(help="When (ISO 8601, UTC); now if omitted.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name to find it by.")] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(help="Limit recipients: 'first_name equals Ann', 'embedded:Store equals 12'."),
    ] = None,
    quiet_hours: Annotated[
        str | None, typer.Option(help="Send only within HH:MM-HH:MM in each recipient's zone.")
    ] = None,
    weekdays: Annotated[str | None, typer.Option(help="With --quiet-hours: mon,tue,…")] = None,
    every: Annotated[str | None, typer.Option(help="Repeat: daily, weekly or monthly.")] = None,
    at: Annotated[str, typer.Option(help="With --every: local time of day.")] = "09:00",
    on: Annotated[str | None, typer.Option(help="With --every weekly: mon,thu,…")] = None,
    day: Annotated[int | None, typer.Option(help="With --every monthly: day of month.")] = None,
    until: Annotated[str | None, typer.Option(help="With --every: last date (ISO 8601).")] = None,
    zone: Annotated[str, typer.Option(help="With --every: time zone.")] = "UTC",
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Send without asking (scripts); needed without a terminal."
        ),
    ] = False,
    org: OrgOption = None,
) -> None:
    """Show the preview (texts, parts, credits, duration, warnings), ask to confirm, then
    schedule the distribution."""
    if not yes and not sys.stdin.isatty():
        raise fail("distributions create asks before it sends: pass --yes to send without asking")
    request = DistributionRequest(
        survey_id=survey,
        method=Method.parse(method),
        recipients=Recipients(mailing_list, contact, sample, batch),
        parent_distribution_id=parent,
        message_text=message,
        library_message_id=library,
        sender=sender,
        send_at=_when(send_at),
        name=name,
        conditions={"conditions": [_condition(w) for w in where]} if where else None,
        quiet_hours=_quiet_hours(quiet_hours, weekdays),
        recurrence=_recurrence(every, at, on, day, until, zone),
    )

    async def foreseen(
        session: AsyncSession, organization: Organization, runtime: Runtime
    ) -> Preview:
        distribution = await new_distribution(session, runtime, organization, request)
        return await preview(session, runtime, distribution)

    async def scheduled(
        session: AsyncSession, organization: Organization, runtime: Runtime
    ) -> tuple[str, Preview]:
        distribution = await create_distribution(session, runtime, organization, request)
        return distribution.id, await preview(session, runtime, distribution)

    if not yes:
        _print_preview(in_runtime(org, foreseen))
        if not typer.confirm("Send it?"):
            console.print("Nothing was scheduled.")
            raise typer.Exit(1)
    distribution_id, shown = in_runtime(org, scheduled)
    if yes:
        _print_preview(shown)
    console.print(f"Scheduled [bold]{distribution_id}[/]")


def _print_preview(shown: Preview) -> None:
    for warning in shown.warnings:
        console.print(f"[bold yellow]Warning:[/] {warning}", highlight=False)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    note = "personal links shown as <…>, counted at full length; " if shown.personal_links else ""
    grid.add_row(
        "Sample",
        Text(shown.text)
        + Text.from_markup(f"\n[dim]({note}for {shown.sample_recipient or 'nobody yet'})[/]"),
    )
    grid.add_row(
        "Encoding", f"{shown.encoding}, {shown.parts} part(s), {shown.credits_each:f} credits each"
    )
    kept = f" where {shown.conditions}" if shown.conditions else ""
    grid.add_row("Recipients", f"{shown.recipients:,}{kept}")
    skipped = shown.recipients - shown.texts
    grid.add_row(
        "Texts",
        f"{shown.texts:,}"
        + (f" ({skipped:,} opted out or without a mobile number)" if skipped else "")
        + f", {shown.total_parts:,} part(s), about {shown.total_credits:f} credits"
        + (" (first questions; each answer brings the next)" if shown.conversation else ""),
    )
    grid.add_row("Duration", f"{spoken_duration(shown.duration)} at the sender's pace")
    if shown.waiting:
        grid.add_row("Quiet hours", f"{shown.waiting:,} texts wait for their window")
    console.print(grid, highlight=False)


@app.command("preview")
@user_errors
def preview_command(
    distribution_id: Annotated[str, typer.Argument()], org: OrgOption = None
) -> None:
    """Show what a distribution sends: a sample text, its parts and credits, the totals."""

    async def work(session: AsyncSession, organization: Organization, runtime: Runtime) -> Preview:
        distribution = await get_distribution(session, organization, distribution_id)
        return await preview(session, runtime, distribution)

    _print_preview(in_runtime(org, work))


@app.command("test")
@user_errors
def send_test_command(
    distribution_id: Annotated[str, typer.Argument()],
    to: Annotated[str, typer.Option(help="The number to send the sample text to.")],
    org: OrgOption = None,
) -> None:
    """Send the sample text to a test number, or for a 2-way survey start a test
    conversation with it (the worker sends; counted in none of the distribution's figures)."""

    async def work(session: AsyncSession, organization: Organization, runtime: Runtime) -> bool:
        distribution = await get_distribution(session, organization, distribution_id)
        return await send_test(session, runtime, distribution, to)

    if in_runtime(org, work):
        console.print(
            f"Test conversation started with {to}: reply to its first question to take the"
            " survey (the response is recorded as a test)."
        )
    else:
        console.print(f"Test text queued to {to}.")


@app.command("list")
@user_errors
def list_command(
    survey: Annotated[str | None, typer.Option(help="Only this survey's.")] = None,
    org: OrgOption = None,
) -> None:
    """List distributions, newest first, with their status."""

    async def work(
        session: AsyncSession, organization: Organization
    ) -> list[reports.DistributionReport]:
        found = await list_distributions(session, organization, survey)
        return [await reports.report(session, organization, d.id) for d in found]

    rows = table(
        "Id",
        "Method",
        "Name",
        "Send date (UTC)",
        "Status",
        "Recipients",
        "Sent",
        "Credits",
        whole={"Id": ID_WIDTH, "Status": len("In progress")},
    )
    for item in in_organization(org, work):
        d, m = item.distribution, item.metrics
        rows.add_row(
            d.id,
            d.method,
            d.name,
            f"{d.send_at:%Y-%m-%d %H:%M}",
            item.status,
            f"{m.recipients:,}",
            f"{m.sent:,}" + (f" ({m.unknown + m.undecided:,} unknown)" if m.uncertain else ""),
            f"{m.credits:f}",
        )
    console.print(rows)


@app.command("show")
@user_errors
def show(distribution_id: Annotated[str, typer.Argument()], org: OrgOption = None) -> None:
    """A distribution's status, metrics and related distributions."""
    item = in_organization(org, lambda s, o: reports.report(s, o, distribution_id))
    d, m = item.distribution, item.metrics
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in (
        ("Id", d.id),
        ("Name", d.name),
        ("Method", d.method),
        ("Survey", d.survey_id),
        ("Sender", d.sender),
        ("Send date", f"{d.send_at:%Y-%m-%d %H:%M} UTC"),
        ("Status", item.status + (f" — {item.reason}" if item.reason else "")),
        ("Recipients", f"{m.recipients:,}"),
        (
            "Texts sent",
            f"{m.sent:,} ({m.delivered:,} delivered, {m.failed:,} failed, {m.waiting:,} waiting"
            + (f", {m.held:,} held" if m.held else "")
            + ")",
        ),
        *((("Unknown", m.uncertain),) if m.uncertain else ()),
        ("Parts, credits", f"{m.parts:,}, {m.credits:f}"),
        ("Message", d.message_text or "(the survey's questions)"),
        *((f"Related {r.method}", f"{r.id} ({r.send_at:%Y-%m-%d %H:%M})") for r in item.related),
    ):
        grid.add_row(label, value)
    console.print(grid)


@app.command("cancel")
@user_errors
def cancel_command(distribution_ids: Ids, org: OrgOption = None) -> None:
    """Cancel scheduled distributions (all or none)."""
    cancelled = in_organization(org, lambda s, o: cancel(s, o, distribution_ids))
    console.print(f"Cancelled {', '.join(cancelled)}.")


@app.command("edit")
@user_errors
def edit(
    distribution_ids: Ids,
    send_at: Annotated[str | None, typer.Option(help="New send date (ISO 8601, UTC).")] = None,
    message: Annotated[str | None, typer.Option(help="New text.")] = None,
    org: OrgOption = None,
) -> None:
    """Change the send date or text of scheduled distributions (all or none)."""
    if send_at is None and message is None:
        raise fail("give --send-at or --message")
    in_organization(
        org,
        lambda s, o: reschedule(
            s, o, distribution_ids, send_at=_when(send_at), message_text=message
        ),
    )
    console.print(f"Updated {', '.join(distribution_ids)}.")


@app.command("history")
@user_errors
def history(
    distribution_id: Annotated[str, typer.Argument()],
    delimiter: Annotated[str, typer.Option(help="',', ';', '\\t' or '|'.")] = ",",
    enclosure: Annotated[str, typer.Option(help="'\"', \"'\" or none.")] = '"',
    output: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output).")
    ] = None,
    org: OrgOption = None,
) -> None:
    """Download the history: one row per recipient with its status and timestamp."""
    delimiter = delimiter.encode().decode("unicode_escape")
    try:
        enclosed = Enclosure(enclosure.lower() if enclosure.lower() == "none" else enclosure)
    except ValueError:
        raise fail(f"enclosure {enclosure!r}: use a double quote, a single quote or none") from None
    rows = in_organization(org, lambda s, o: reports.history(s, o, distribution_id))
    try:
        text = reports.history_csv(rows, delimiter, enclosed)
    except ValueError as error:
        raise fail(str(error)) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(rows):,} rows written to {output}")
