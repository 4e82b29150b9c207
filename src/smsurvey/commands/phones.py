"""``smsurvey phones check``: how contact imports read phone numbers, and why they refuse some."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from smsurvey.commands.common import PHONE_WIDTH, console, fail
from smsurvey.settings import get_settings
from smsurvey.sms.phones import PhoneCheck, check_phone, validate_region

_ZONES_SHOWN = 4  # toll-free and mobile numbers can span dozens; --json lists them all

app = typer.Typer(help="Check phone numbers as contact imports read them.", no_args_is_help=True)


@app.command()
def check(
    numbers: Annotated[
        list[str],
        typer.Argument(
            metavar="NUMBER…",
            help="Numbers as written in a contact list; quote those with spaces.",
            show_default=False,
        ),
    ],
    region: Annotated[
        str | None,
        typer.Option(
            help="Region of numbers written without a country code, e.g. US or GB"
            " (default: the SMSURVEY_DEFAULT_REGION setting).",
            show_default=False,
        ),
    ] = None,
    json_lines: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per number per line.")
    ] = False,
) -> None:
    """Show each number in E.164 form, or why it is refused, with its type, region, time zones
    and whether it could be read two ways.

    Exit code: 0 when every number is valid, 1 when some were refused, 2 for a usage error.
    """
    source, default_region = "--region", region
    if default_region is None:
        source, default_region = "SMSURVEY_DEFAULT_REGION", get_settings().default_region
    if default_region:
        try:
            default_region = validate_region(default_region)
        except ValueError as error:
            raise fail(f"{source}: {error}") from None
    checks = [check_phone(number, default_region) for number in numbers]
    if json_lines:
        for checked in checks:
            typer.echo(json.dumps(_as_json(checked)))
    else:
        console.print(_table(checks))
    if not all(checked.ok for checked in checks):
        raise typer.Exit(1)


def _as_json(checked: PhoneCheck) -> dict[str, Any]:
    return {
        "input": checked.input,
        "ok": checked.ok,
        "e164": checked.e164,
        "reason": checked.reason,
        "type": checked.type,
        "region": checked.region,
        "time_zones": list(checked.time_zones),
        "ambiguous": checked.ambiguous,
        "alternative": checked.alternative,
    }


def _table(checks: list[PhoneCheck]) -> Table:
    result = Table()
    result.add_column("Number", overflow="fold")
    result.add_column("E.164", no_wrap=True, min_width=PHONE_WIDTH)
    for header in ("Type", "Region", "Time zones", "Notes"):
        result.add_column(header, overflow="fold")
    for checked in checks:
        if checked.ok:
            note = Text(f"ambiguous: also {checked.alternative}" if checked.ambiguous else "")
        else:
            note = Text(str(checked.reason), style="red")
        result.add_row(
            Text(checked.input),
            checked.e164 or "—",
            checked.type or "",
            checked.region or "",
            _zones(checked.time_zones),
            note,
        )
    return result


def _zones(zones: tuple[str, ...]) -> str:
    shown = list(zones[:_ZONES_SHOWN])
    if len(zones) > _ZONES_SHOWN:
        shown.append(f"… and {len(zones) - _ZONES_SHOWN} more")
    return "\n".join(shown)
