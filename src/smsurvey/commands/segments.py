"""``smsurvey segments``: encoding, parts and smart-encoding savings of a text."""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import Annotated, Any, BinaryIO

import typer
from rich.table import Table
from rich.text import Text

from smsurvey.commands.common import console, fail
from smsurvey.settings import get_settings
from smsurvey.sms.credits import RateFileError, load_rates, message_cost
from smsurvey.sms.encoding import Encoding, Measure, SmartReport, smart_report
from smsurvey.sms.phones import check_phone

_CHUNK_BYTES = 1 << 20
_OFFENDING_SHOWN = 10


def segments(
    text: Annotated[
        str | None, typer.Argument(metavar="TEXT", help="The text to measure.", show_default=False)
    ] = None,
    json_lines: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Read JSON lines {"text": …} from standard input; write one JSON result per line.',
        ),
    ] = False,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="NUMBER",
            help="A destination: also show what the text costs there in credits.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show how a text is sent: encoding, parts, what forces UCS-2, what smart encoding saves."""
    if json_lines:
        if text is not None or to is not None:
            raise fail("--json reads its texts from standard input: give no TEXT and no --to")
        bad_lines = _measure_json_lines(sys.stdin.buffer)
        if bad_lines:
            raise fail(f'{bad_lines} input line(s) were not JSON objects with a "text" string')
        return
    if text is None:
        raise fail(
            'give the TEXT to measure, or --json to read {"text": …} lines from standard input'
        )
    report = smart_report(text)
    _print_report(report, None if to is None else _cost(report.sent.parts, to))


class _BadLineError(ValueError):
    """An input line that is not a JSON object with a "text" string."""


def _measure_json_lines(source: BinaryIO) -> int:
    """Answer each JSON line of ``source`` on standard output; return how many were bad."""
    number = bad_lines = 0
    while lines := source.readlines(_CHUNK_BYTES):
        answers = []
        for line in lines:
            number += 1
            if not line.strip():
                continue
            try:
                answer = _answer(line)
            except _BadLineError as error:
                bad_lines += 1
                answer = {"line": number, "error": str(error)}
            answers.append(json.dumps(answer))
        if answers:
            sys.stdout.write("\n".join(answers) + "\n")
    return bad_lines


def _answer(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as error:  # UnicodeDecodeError included
        raise _BadLineError(f"not JSON: {error}") from None
    if not isinstance(record, dict) or not isinstance(text := record.get("text"), str):
        raise _BadLineError('expected an object with a "text" string')
    report = smart_report(text)
    return {**_figures(report.original), "smart": _figures(report.sent)}


def _figures(measure: Measure) -> dict[str, Any]:
    return {
        "encoding": measure.encoding.value,
        "parts": measure.parts,
        "units": measure.units,
        "characters": measure.characters,
        "offending": list(measure.offending),
    }


def _print_report(report: SmartReport, cost: str | None) -> None:
    original = report.original
    unit = "septets" if original.encoding is Encoding.GSM7 else "UTF-16 code units"
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("Encoding", original.encoding.value)
    table.add_row("Parts", str(original.parts))
    table.add_row("Characters", str(original.characters))
    table.add_row("Units", f"{original.units} {unit}")
    if original.offending:
        shown = [_describe(char) for char in original.offending[:_OFFENDING_SHOWN]]
        if len(original.offending) > _OFFENDING_SHOWN:
            shown.append(f"… and {len(original.offending) - _OFFENDING_SHOWN} more")
        table.add_row("Forcing UCS-2", Text("\n".join(shown)))
    table.add_row("Smart encoding", Text(_smart_summary(report)))
    if cost is not None:
        table.add_row("Credits", cost)
    console.print(table)


def _cost(parts: int, number: str) -> str:
    """What ``parts`` SMS parts to ``number`` cost, at the configured credit rates."""
    settings = get_settings()
    checked = check_phone(number, settings.default_region, time_zones=False)
    if checked.region is None:
        raise fail(f"--to {number!r}: {checked.reason}")
    try:
        rates = load_rates(settings.credit_rates_file)
    except (RateFileError, OSError) as error:
        raise fail(str(error)) from None
    cost = message_cost(parts, checked.region, rates)
    rate = rates.rate(checked.region)
    return f"{cost.credits} to {checked.e164} ({checked.region}): {_parts(parts)} × {rate}"


def _smart_summary(report: SmartReport) -> str:
    original, converted, replacements = report.original, report.converted, report.replacements
    if original.encoding is Encoding.GSM7:
        return "not needed, already GSM-7"
    if not replacements:
        return "nothing to replace"
    total = sum(r.count for r in replacements)
    changes = ", ".join(
        f"{_show(r.char)}→{_show(r.replacement)}" + (f" ×{r.count}" if r.count > 1 else "")
        for r in replacements
    )
    summary = f"{total} replacement{'s' if total > 1 else ''} ({changes})"
    if converted is None:
        still = report.remaining
        verb = "needs" if len(still) == 1 else "need"
        return f"{summary}, but {', '.join(map(_show, still))} still {verb} UCS-2: not applied"
    if converted.parts == original.parts:
        outcome = f"{_parts(converted.parts)} as before"
    else:
        outcome = f"{_parts(converted.parts)} instead of {original.parts}"
    if report.applies:
        return f"{summary} → GSM-7, {outcome}"
    return f"{summary} → GSM-7 but {outcome}: not applied"


def _describe(char: str) -> str:
    """``char`` as ``’  U+2019  RIGHT SINGLE QUOTATION MARK``."""
    shown = char if char.isprintable() else " "
    fallback = "<control>" if unicodedata.category(char) == "Cc" else "<unnamed>"
    return f"{shown}  U+{ord(char):04X}  {unicodedata.name(char, fallback)}"


def _show(chars: str) -> str:
    """``chars`` as typed when visible, else as its code points or a quoted run of spaces."""
    if chars and chars.isprintable() and not chars.isspace():
        return chars
    if chars.strip(" "):
        return " ".join(f"U+{ord(c):04X}" for c in chars)
    return repr(chars)


def _parts(count: int) -> str:
    return f"{count} part{'s' if count != 1 else ''}"
