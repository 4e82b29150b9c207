"""Changes to a survey in Qualtrics' terms (its flow, a question's or a block's payload), made
on the survey's QSF and read back, so the v3 survey-definition calls change exactly what
Qualtrics' do. Pure: the caller stores the result.

A change the survey cannot take is refused with :class:`InvalidInput` naming what it would
break or lose (logic testing a question deleted, a question kind that cannot be kept): only
what the survey already could not keep may stay unkept. A survey holding what QSF cannot
(:func:`smsurvey.surveys.qsf_export.qsf_losses`) is not changed this way at all
(:class:`Conflict`): its own JSON or YAML document is the way to edit it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.qsf_export import qsf_losses, to_qsf
from smsurvey.surveys.qsf_import import read_qsf

Qsf = dict[str, Any]
_QID = re.compile(r"QID(\d+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def qsf_of(survey: SurveyDefinition) -> Qsf:
    """The QSF of ``survey`` for changing it (its entry's ids and dates do not matter)."""
    return to_qsf(
        survey,
        survey_id=survey.id or "SV_",
        owner_id="",
        created_at=_EPOCH,
        modified_at=_EPOCH,
        active=True,
    )


def edited(survey: SurveyDefinition, edit: Callable[[Qsf], None]) -> SurveyDefinition:
    """``survey`` after ``edit`` changed its QSF in place."""
    if losses := qsf_losses(survey):
        raise Conflict(
            f"survey {survey.id} holds what Qualtrics' format cannot ({'; '.join(losses)}): "
            "change it with its own document (GET ?format=smsurvey, then POST it)"
        )
    document = qsf_of(survey)
    before = read_qsf(copy.deepcopy(document)).dropped
    edit(document)
    after = read_qsf(document, source="body")
    if lost := [dropped for dropped in after.dropped if dropped not in before]:
        reasons = "; ".join(f"{dropped.element}: {dropped.reason}" for dropped in lost)
        raise InvalidInput(f"the survey cannot take this change: {reasons}")
    return after.survey.model_copy(update={"id": survey.id})


def part(document: Qsf, kind: str) -> dict[str, Any]:
    """The element ``kind`` (``BL``, ``FL``) of the QSF ``document``."""
    return next(element for element in document["SurveyElements"] if element["Element"] == kind)


def question_payloads(document: Qsf) -> dict[str, dict[str, Any]]:
    """Question id → ``SQ`` payload, in the document's order."""
    return {
        element["PrimaryAttribute"]: element["Payload"]
        for element in document["SurveyElements"]
        if element["Element"] == "SQ"
    }


def block_payloads(document: Qsf) -> dict[str, dict[str, Any]]:
    """Block id → block payload, in order."""
    return {block["ID"]: block for block in part(document, "BL")["Payload"]}


def question_payload(document: Qsf, question_id: str) -> dict[str, Any]:
    """The payload of question ``question_id``, or :class:`NotFound`."""
    found = question_payloads(document).get(question_id)
    if found is None:
        raise NotFound(f"no question {question_id}")
    return found


def block_payload(document: Qsf, block_id: str) -> dict[str, Any]:
    """The payload of block ``block_id``, or :class:`NotFound`."""
    found = block_payloads(document).get(block_id)
    if found is None:
        raise NotFound(f"no block {block_id}")
    return found


def next_question_id(document: Qsf) -> str:
    """``QID`` and one more than the highest number of the survey's questions."""
    numbers = [int(m[1]) for qid in question_payloads(document) if (m := _QID.fullmatch(qid))]
    return f"QID{max(numbers, default=0) + 1}"


def _checked_question(body: Mapping[str, Any], question_id: str) -> dict[str, Any]:
    if not isinstance(body.get("QuestionType"), str) or not body["QuestionType"]:
        raise InvalidInput("QuestionType: a question needs its type (MC, TE, Matrix, …)")
    if "QuestionText" in body and not isinstance(body["QuestionText"], str):
        raise InvalidInput("QuestionText: not a string")
    return {**body, "QuestionID": question_id}


def add_question(document: Qsf, body: Mapping[str, Any], block_id: str | None) -> str:
    """Add the question ``body`` (an ``SQ`` payload) at the end of block ``block_id`` (the
    default block when ``None``); its id is the next free ``QIDn``, which is returned."""
    blocks = block_payloads(document)
    target = blocks.get(block_id) if block_id else next(iter(blocks.values()))
    if target is None:
        raise InvalidInput(f"blockId: the survey has no block {block_id}")
    question_id = next_question_id(document)
    payload = _checked_question(body, question_id)
    payload.setdefault("DataExportTag", question_id.replace("QID", "Q"))
    document["SurveyElements"].append(
        {"Element": "SQ", "PrimaryAttribute": question_id, "Payload": payload}
    )
    target.setdefault("BlockElements", []).append({"Type": "Question", "QuestionID": question_id})
    return question_id


def replace_question(document: Qsf, question_id: str, body: Mapping[str, Any]) -> None:
    """Put ``body`` in place of question ``question_id``'s payload (its id stays)."""
    question_payload(document, question_id)
    for element in document["SurveyElements"]:
        if element["Element"] == "SQ" and element["PrimaryAttribute"] == question_id:
            element["Payload"] = _checked_question(body, question_id)


def delete_question(document: Qsf, question_id: str) -> None:
    """Take question ``question_id`` out of the survey."""
    question_payload(document, question_id)
    document["SurveyElements"] = [
        e
        for e in document["SurveyElements"]
        if not (e["Element"] == "SQ" and e["PrimaryAttribute"] == question_id)
    ]
    for block in block_payloads(document).values():
        block["BlockElements"] = [
            entry
            for entry in block.get("BlockElements", [])
            if entry.get("QuestionID") != question_id
        ]


def add_block(document: Qsf, body: Mapping[str, Any]) -> tuple[str, str]:
    """Add the block ``body`` (``Description``, optionally ``BlockElements`` naming
    questions of the survey) at the end of the survey and of its flow; its new id and the
    id of its flow element are returned."""
    block_id = new_id("BL")
    payload = _checked_block(body, block_id)
    part(document, "BL")["Payload"].append(payload)
    flow = part(document, "FL")["Payload"]
    flow_id = f"FL_{flow['Properties']['Count'] + 1}"
    flow["Properties"]["Count"] += 1
    flow["Flow"].append({"Type": "Standard", "ID": block_id, "FlowID": flow_id, "Autofill": []})
    return block_id, flow_id


def replace_block(document: Qsf, block_id: str, body: Mapping[str, Any]) -> None:
    """Put ``body`` in place of block ``block_id`` (its id and type stay)."""
    current = block_payload(document, block_id)
    replacement = _checked_block({**current, **body}, block_id)
    replacement["Type"] = current["Type"]
    blocks = part(document, "BL")["Payload"]
    blocks[blocks.index(current)] = replacement


def delete_block(document: Qsf, block_id: str) -> None:
    """Take block ``block_id`` out of the survey, with its questions and the flow elements
    showing it; the default (first) block stays."""
    blocks = part(document, "BL")["Payload"]
    current = block_payload(document, block_id)
    if blocks.index(current) == 0:
        raise InvalidInput(f"{block_id} is the survey's default block: it cannot be deleted")
    for entry in current.get("BlockElements", []):
        if entry.get("QuestionID"):
            delete_question(document, entry["QuestionID"])
    blocks.remove(current)
    flow = part(document, "FL")["Payload"]
    flow["Flow"] = _without_block(flow["Flow"], block_id)


def _without_block(flow: list[Any], block_id: str) -> list[Any]:
    kept = []
    for element in flow:
        if element.get("ID") == block_id and element.get("Type") in ("Block", "Standard"):
            continue
        if isinstance(element.get("Flow"), list):
            element = {**element, "Flow": _without_block(element["Flow"], block_id)}
        kept.append(element)
    return kept


def replace_flow(document: Qsf, body: Mapping[str, Any]) -> None:
    """Put the flow ``body`` (``{"Flow": […]}``, as ``GET …/flow`` answers) in place of the
    survey's."""
    flow = body.get("Flow")
    if not isinstance(flow, list):
        raise InvalidInput("Flow: the survey flow is a list of flow elements")
    root = part(document, "FL")["Payload"]
    root["Flow"] = flow
    if isinstance(body.get("Properties"), Mapping):
        root["Properties"] = dict(body["Properties"])


def _checked_block(body: Mapping[str, Any], block_id: str) -> dict[str, Any]:
    description = body.get("Description", "")
    if not isinstance(description, str):
        raise InvalidInput("Description: not a string")
    elements = body.get("BlockElements", [])
    if not isinstance(elements, list) or not all(isinstance(e, Mapping) for e in elements):
        raise InvalidInput("BlockElements: a list of {Type, QuestionID} objects")
    kind = body.get("Type", "Standard")
    if kind not in ("Standard", "Default"):
        raise InvalidInput(f"Type: {kind!r} blocks are not supported (Standard)")
    return {
        **body,
        "Type": kind,
        "ID": block_id,
        "Description": description,
        "BlockElements": [dict(e) for e in elements],
    }
