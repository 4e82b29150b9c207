"""Response exports: CSV (one column per field) or JSON (the Qualtrics ``responses`` layout)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from smsurvey.models.responses import Response
from smsurvey.surveys.definition import NpsQuestion, SurveyDefinition, TextEntryQuestion

RECIPIENT_COLUMNS = {
    "first_name": "RecipientFirstName",
    "last_name": "RecipientLastName",
    "email": "RecipientEmail",
    "phone": "RecipientPhoneNumber",
    "ext_ref": "ExternalReference",
}


class ExportFormat(StrEnum):
    """What ``responses export`` writes."""

    CSV = "csv"
    JSON = "json"


def export_filename(survey_name: str, export_format: ExportFormat) -> str:
    """The name an export of the survey ``survey_name`` is saved under: the survey's name,
    characters file systems refuse replaced, and the format's extension."""
    return re.sub(r'[\\/:*?"<>|]+', "_", survey_name) + f".{export_format}"


def _answer_keys(definition: SurveyDefinition) -> list[str]:
    """Value keys of every question, in survey order, each followed by its label key."""
    keys: list[str] = []
    for question in definition.questions.values():
        if isinstance(question, TextEntryQuestion):
            keys.append(f"{question.id}_TEXT")
        elif isinstance(question, NpsQuestion):
            keys += [question.id, f"{question.id}_NPS_GROUP", f"{question.id}_NPS_GROUP_label"]
        else:
            keys += [question.id, f"{question.id}_label"]
    return keys


def to_csv(definition: SurveyDefinition, responses: Sequence[Response]) -> str:
    """One row per response: metadata, contact fields, embedded data, answers and labels."""
    answer_keys = _answer_keys(definition)
    answer_names = {key for key in answer_keys if not key.endswith("_label")}
    embedded = sorted({key for r in responses for key in r.values if key not in answer_names})
    header = [
        "ResponseId",
        "StartDate",
        "EndDate",
        "Finished",
        "Channel",
        "DistributionId",
        *RECIPIENT_COLUMNS.values(),
        *embedded,
        *answer_keys,
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for response in responses:
        row: list[Any] = [
            response.id,
            response.started_at.isoformat(),
            response.ended_at.isoformat(),
            int(response.finished),
            response.channel,
            response.distribution_id or "",
            *(response.recipient.get(field) or "" for field in RECIPIENT_COLUMNS),
            *(response.values.get(key, "") for key in embedded),
        ]
        for key in answer_keys:
            if key.endswith("_label"):
                row.append(response.labels.get(key.removesuffix("_label"), ""))
            else:
                row.append(response.values.get(key, ""))
        writer.writerow(row)
    return out.getvalue()


def response_document(response: Response) -> dict[str, Any]:
    """One response in the Qualtrics layout: ``responseId``, ``values`` (answers keyed
    ``QIDn``, ``QIDn_TEXT``, ``QIDn_NPS_GROUP``, with the metadata), ``labels``; and
    ``displayedFields``, the answer keys that were shown."""
    return {
        "responseId": response.id,
        "values": {
            **response.values,
            "startDate": response.started_at.isoformat(),
            "endDate": response.ended_at.isoformat(),
            "finished": int(response.finished),
            "distributionChannel": response.channel,
            **{
                column[0].lower() + column[1:]: response.recipient.get(field)
                for field, column in RECIPIENT_COLUMNS.items()
            },
        },
        "labels": response.labels,
        "displayedFields": list(response.values),
        "distributionId": response.distribution_id,
        "contactId": response.contact_id,
    }


def to_json(responses: Sequence[Response]) -> str:
    """``{"responses": [{responseId, values, labels, …}]}`` as the Qualtrics JSON export."""
    return json.dumps(
        {"responses": [response_document(response) for response in responses]},
        indent=2,
        ensure_ascii=False,
    )
