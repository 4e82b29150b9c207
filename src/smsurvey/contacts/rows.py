"""From CSV rows to contact records: the CPU-heavy half of an import.

Pure and light to import (no database), so that large files can be prepared in
worker processes while the importer writes earlier chunks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from smsurvey.contacts.csv_file import Block, CsvLayout, fits, parse_block, swallows_rows
from smsurvey.contacts.fields import MAX_LENGTHS, RECORD_FIELDS, checker
from smsurvey.sms.phones import check_phone

_POSITION = {name: index for index, name in enumerate(RECORD_FIELDS)}
EMBEDDED = _POSITION["embedded_data"]
_PHONE, _PHONE_INPUT = _POSITION["phone"], _POSITION["phone_input"]
_PHONE_TYPE, _PHONE_REGION = _POSITION["phone_type"], _POSITION["phone_region"]
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem found in one row, and what was done about it."""

    row: int
    column: str
    value: str
    problem: str
    action: str


@dataclass(slots=True)
class PreparedChunk:
    """The records of a chunk of rows, in file order, and what was wrong with the rest."""

    records: list[list[Any]] = field(default_factory=list)
    """Values in :data:`~smsurvey.contacts.fields.RECORD_FIELDS` order, embedded data as
    JSON text (as the database drivers take it)."""
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0


def prepare_block(
    block: Block, layout: CsvLayout, default_region: str | None, file_name: str
) -> PreparedChunk:
    """Parse, check and convert a block: one record per importable row, a problem per issue."""
    rows = parse_block(block, layout, file_name)
    prepared = PreparedChunk(rows=len(rows))
    width = len(layout.header)
    phone_column = layout.header[layout.phone_index]
    fields_at = [
        (_POSITION[name], index, checker(name)) for name, index in layout.field_indexes.items()
    ]
    problems = prepared.problems
    for row, fields in rows:
        if not fits(fields, width):
            problems.append(
                RowProblem(
                    row, "", "", f"has {len(fields)} fields, the header has {width}", "row skipped"
                )
            )
            prepared.skipped += 1
            continue
        swallowing = next((i for i, text in enumerate(fields) if swallows_rows(text, layout)), None)
        if swallowing is not None:
            lines = fields[swallowing].count("\n")
            problems.append(
                RowProblem(
                    row, layout.header[swallowing], fields[swallowing].partition("\n")[0],
                    f"a quote opened in this row closes {lines} lines later, taking in what"
                    " look like rows: an unclosed quote?",
                    "row skipped (with the lines it took in)",
                )
            )  # fmt: skip
            prepared.skipped += 1
            continue
        raw_phone = fields[layout.phone_index].strip()
        checked = check_phone(raw_phone, default_region, time_zones=False) if raw_phone else None
        if checked is None or checked.e164 is None:
            reason = checked.reason if checked else "no phone number"
            problems.append(
                RowProblem(row, phone_column, raw_phone, reason or "refused", "row skipped")
            )
            prepared.skipped += 1
            continue
        if checked.alternative is not None:
            problems.append(
                RowProblem(
                    row,
                    phone_column,
                    raw_phone,
                    f"ambiguous: also reads as {checked.alternative}",
                    f"imported as {checked.e164}",
                )
            )
        record: list[Any] = [None] * len(RECORD_FIELDS)
        record[_PHONE] = checked.e164
        record[_PHONE_INPUT] = raw_phone[: MAX_LENGTHS["phone_input"]]
        record[_PHONE_TYPE] = checked.type
        record[_PHONE_REGION] = checked.region
        record[EMBEDDED] = _json(
            {
                name: value
                for index, name in layout.embedded_indexes
                if (value := fields[index].strip())
            }
        )
        for position, index, check in fields_at:
            value = fields[index].strip()
            if not value:
                continue
            if trouble := check(value):
                problems.append(
                    RowProblem(row, layout.header[index], value, trouble, "value ignored")
                )
            else:
                record[position] = value
        prepared.records.append(record)
    return prepared


def merge_into(target: list[Any], record: list[Any]) -> None:
    """Merge a later record of the same person: its non-empty values win, embedded data merges.

    Embedded data is JSON text in prepared records and a dict in stored ones; the
    target keeps its form.
    """
    for position, value in enumerate(record):
        if position == EMBEDDED:
            merged = {**_as_dict(target[position]), **_as_dict(value)}
            target[position] = merged if isinstance(target[position], dict) else _json(merged)
        elif value is not None:
            target[position] = value


def _as_dict(embedded: dict[str, str] | str) -> dict[str, str]:
    return embedded if isinstance(embedded, dict) else json.loads(embedded)
