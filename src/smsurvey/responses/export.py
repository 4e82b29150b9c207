"""Response exports in Qualtrics' formats: CSV and TSV with three header rows (column names,
labels, ImportIds), JSON (``{"responses": […]}``) and NDJSON (one response a line), zipped
unless asked otherwise; with the options of ``POST …/export-responses`` that shape a file.

CSV is UTF-8 (``\\n`` line ends); TSV is UTF-16 with a byte-order mark, as Qualtrics writes it
for spreadsheets. Dates are ``2024-01-15 10:23:45`` in CSV and TSV and ISO 8601
(``2024-01-15T10:23:45Z``) in JSON, in the export's time zone (UTC unless ``timeZone``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from smsurvey.models.responses import Response
from smsurvey.responses.export_columns import (
    DATE_COLUMNS,
    METADATA,
    Column,
    ExportedResponse,
    Settings,
    answer_key_of,
    embedded_column,
    has_answer,
    question_columns,
)
from smsurvey.surveys.definition import SurveyDefinition


class ExportFormat(StrEnum):
    """The file formats of an export."""

    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    NDJSON = "ndjson"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.TSV: "text/tab-separated-values; charset=utf-16",
    ExportFormat.JSON: "application/json",
    ExportFormat.NDJSON: "application/x-ndjson",
}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What an export holds and how it writes it (the request's options, validated)."""

    format: ExportFormat = ExportFormat.CSV
    settings: Settings = field(default_factory=Settings)
    question_ids: tuple[str, ...] | None = None
    """Only these questions (``questionIds``); every question when ``None``."""
    embedded_data_ids: tuple[str, ...] | None = None
    metadata_ids: tuple[str, ...] | None = None
    """Only these metadata columns, by their Qualtrics ids (``startDate``, ``_recordId``…)."""
    time_zone: str | None = None
    """An IANA zone for dates; UTC when ``None``."""
    decimal_comma: bool = False
    newline_replacement: str | None = None
    limit: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The options as JSON data (:meth:`from_json` reads them back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportOptions:
        """The options :meth:`to_json` wrote (an empty mapping gives the defaults)."""
        data = dict(data)
        for key in ("question_ids", "embedded_data_ids", "metadata_ids"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        return cls(
            **{key: value for key, value in data.items() if key not in ("format", "settings")},
            format=ExportFormat(data.get("format", ExportFormat.CSV)),
            settings=Settings(**data.get("settings", {})),
        )


def export_filename(survey_name: str, export_format: ExportFormat) -> str:
    """The name an export of the survey ``survey_name`` is saved under: the survey's name,
    characters file systems refuse replaced, and the format's extension."""
    return re.sub(r'[\\/:*?"<>|]+', "_", survey_name) + f".{export_format}"


def exported(response: Response, definition: SurveyDefinition) -> ExportedResponse:
    """A recorded response as exports see it."""
    return ExportedResponse(
        id=response.id,
        started_at=response.started_at,
        recorded_at=response.ended_at,
        finished=response.finished,
        channel=response.channel,
        recipient={**response.recipient, "language": definition.language.upper()},
        values=response.values,
        labels=response.labels,
        displayed=tuple(response.displayed) if response.displayed is not None else None,
        progress=progress_of(definition, response.finished, response.values),
    )


def progress_of(definition: SurveyDefinition, finished: bool, values: Mapping[str, Any]) -> int:
    """How far a respondent got, in percent: 100 when finished, else the share of the
    survey's questions answered (99 at most)."""
    if finished:
        return 100
    questions = [q.id for q in definition.flow_questions if question_columns(q, True)]
    done = sum(1 for question_id in questions if has_answer(values, question_id))
    return min(99, 100 * done // len(questions)) if questions else 0


def columns_of(
    definition: SurveyDefinition, responses: Sequence[ExportedResponse], options: ExportOptions
) -> list[Column]:
    """The export's columns: the chosen metadata, questions and embedded data, in order."""
    metadata = (
        list(METADATA.values())
        if options.metadata_ids is None
        else [column for key, column in METADATA.items() if key in options.metadata_ids]
    )
    questions = [
        column
        for question in definition.questions.values()
        if options.question_ids is None or question.id in options.question_ids
        for column in question_columns(question, options.settings.breakout_sets)
    ]
    is_answer = answer_key_of(definition)
    names = dict.fromkeys(
        key for response in responses for key in response.values if not is_answer(key)
    )
    if options.embedded_data_ids is not None:
        names = dict.fromkeys(options.embedded_data_ids)
    return [*metadata, *questions, *(embedded_column(name) for name in sorted(names))]


def _import_id(column: Column, zone: str) -> str:
    marked = dict(column.import_id)
    if marked["ImportId"] in DATE_COLUMNS and METADATA.get(marked["ImportId"]) is column:
        marked["timeZone"] = zone
    return json.dumps(marked, separators=(",", ":"), ensure_ascii=False)


class _Writer:
    """Renders cells for one export."""

    def __init__(self, options: ExportOptions) -> None:
        self.options = options
        self.zone = ZoneInfo(options.time_zone) if options.time_zone else UTC

    def text(self, value: Any) -> str:
        """A CSV/TSV cell."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, list):
            return ",".join(self.text(item) for item in value)
        if isinstance(value, float):
            shown = str(int(value)) if value.is_integer() else repr(value)
            return shown.replace(".", ",") if self.options.decimal_comma else shown
        return self.newlines(str(value))

    def json(self, value: Any) -> Any:
        """A JSON value."""
        if isinstance(value, datetime):
            moment = value.astimezone(self.zone).replace(microsecond=0)
            return moment.isoformat().replace("+00:00", "Z")
        if isinstance(value, str):
            return self.newlines(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return value

    def newlines(self, text: str) -> str:
        replacement = self.options.newline_replacement
        if replacement is None:
            return text
        return re.sub(r"\r\n|\r|\n", replacement, text)


def to_table(
    definition: SurveyDefinition, responses: Sequence[ExportedResponse], options: ExportOptions
) -> str:
    """CSV (or TSV, with the TSV format): the three header rows, then a row per response."""
    columns = columns_of(definition, responses, options)
    writer_ = _Writer(options)
    out = io.StringIO()
    delimiter = "\t" if options.format is ExportFormat.TSV else ","
    table = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    zone = options.time_zone or "Z"
    table.writerow(column.name for column in columns)
    table.writerow(column.label for column in columns)
    table.writerow(_import_id(column, zone) for column in columns)
    for response in responses:
        table.writerow(writer_.text(c.cell(response, options.settings)) for c in columns)
    return out.getvalue()


def _unsplit(options: ExportOptions) -> ExportOptions:
    # JSON keeps a multiple-answer question's choices in one list under QIDn.
    return replace(options, settings=replace(options.settings, breakout_sets=False))


def response_document(
    definition: SurveyDefinition,
    response: ExportedResponse,
    options: ExportOptions | None = None,
    columns: Sequence[Column] | None = None,
) -> dict[str, Any]:
    """One response in the Qualtrics JSON layout: ``responseId``, ``values`` (metadata and
    answers keyed ``QIDn``, ``QIDn_TEXT``, ``QIDn_NPS_GROUP``, ``QIDn_k``…, embedded data by
    name; empty ones left out), ``labels`` (choice texts), ``displayedFields``."""
    options = _unsplit(options or ExportOptions(format=ExportFormat.JSON))
    columns = columns if columns is not None else columns_of(definition, [response], options)
    writer_ = _Writer(options)
    values: dict[str, Any] = {}
    for column in columns:
        if column.json_key is None:
            continue
        value = column.cell(response, options.settings)
        if value is not None:
            values[column.json_key] = writer_.json(value)
    keys = set(values)
    return {
        "responseId": response.id,
        "values": values,
        "labels": {key: label for key, label in response.labels.items() if key in keys},
        "displayedFields": [key for key in values if key in response.values],
    }


def to_json_lines(
    definition: SurveyDefinition, responses: Sequence[ExportedResponse], options: ExportOptions
) -> Iterable[dict[str, Any]]:
    """The JSON document of each response."""
    options = _unsplit(options)
    columns = columns_of(definition, responses, options)
    return (response_document(definition, r, options, columns) for r in responses)


def export_file(
    definition: SurveyDefinition, responses: Sequence[ExportedResponse], options: ExportOptions
) -> bytes:
    """The export's file, in ``options.format``."""
    if options.limit is not None:
        responses = responses[: options.limit]
    match options.format:
        case ExportFormat.CSV:
            return to_table(definition, responses, options).encode()
        case ExportFormat.TSV:
            return to_table(definition, responses, options).encode("utf-16")
        case ExportFormat.JSON:
            documents = list(to_json_lines(definition, responses, options))
            return json.dumps({"responses": documents}, ensure_ascii=False).encode()
        case ExportFormat.NDJSON:
            lines = to_json_lines(definition, responses, options)
            return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines).encode()


def zipped(name: str, content: bytes) -> bytes:
    """A zip holding ``content`` as ``name``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()
