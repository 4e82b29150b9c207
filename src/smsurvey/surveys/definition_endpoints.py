"""Survey definitions in the v3 dialect, as Qualtrics' survey-definition API: create (empty,
from a QSF, or from our JSON or YAML), get (Qualtrics' definition, its QSF, or our document),
delete, and the flow, metadata, questions and blocks read and changed one by one.

Every change is made on the survey's QSF and read back (:mod:`smsurvey.surveys.qsf_edits`),
then stored in the request's one unit of work: a change that would break the survey is a
400 naming what it breaks, and nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from smsurvey.accounts.dependencies import Caller, CallerDep
from smsurvey.distributions.schemas import iso
from smsurvey.kit.envelope import Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.pagination import Paged, page_of
from smsurvey.kit.text import check_document
from smsurvey.models.surveys import Survey
from smsurvey.surveys import qsf_edits, service
from smsurvey.surveys.definition_schemas import (
    BlockCreated,
    MetadataChange,
    QuestionCreated,
    SurveyCreate,
    SurveyCreated,
    SurveyDeleted,
    survey_definition,
)
from smsurvey.surveys.formats import DocumentFormat, dumps_survey, loads_survey, parse_survey
from smsurvey.surveys.qsf_edits import Qsf
from smsurvey.surveys.qsf_export import default_block_id
from smsurvey.surveys.qsf_import import is_qsf, read_qsf
from smsurvey.surveys.schemas import ImportedOut

router = APIRouter(tags=["survey definitions"])
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
_DEFINITION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}
_OBJECT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


class DefinitionFormat(StrEnum):
    """What ``GET /survey-definitions/{id}`` answers."""

    QUALTRICS = "qualtrics"
    """Qualtrics' "Get Survey" definition (the default)."""
    QSF = "qsf"
    SMSURVEY = "smsurvey"
    """Our JSON document (docs/survey-format.md), in the envelope."""
    YAML = "yaml"
    """Our YAML document, as is."""


async def _text(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text") from None


async def _json_object(request: Request) -> dict[str, Any]:
    """The body: a JSON object."""
    try:
        data = json.loads(await _text(request))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"body line {error.lineno}, column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise InvalidInput("body: nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidInput("body: not a JSON object")
    check_document(data, "body")
    return data


@router.post(
    "/survey-definitions", operation_id="createSurveyDefinition", openapi_extra=_DEFINITION_BODY
)
async def create_survey_definition(
    request: Request, caller: CallerDep
) -> Envelope[SurveyCreated] | Envelope[ImportedOut]:
    """Create a survey: Qualtrics' ``{"SurveyName", "Language", "ProjectCategory"}`` (an
    empty survey), a QSF document (Qualtrics' survey file), or our JSON or YAML definition
    (docs/survey-format.md; one carrying the id of one of the organisation's surveys
    replaces it)."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    clock = caller.runtime.clock
    if kind in _YAML_TYPES:
        definition = loads_survey(await _text(request), DocumentFormat.YAML, source="body")
    else:
        data = await _json_object(request)
        if is_qsf(data):
            return envelope(request, await _import_qsf(caller, data))
        if "SurveyName" in data:
            try:
                body = SurveyCreate.model_validate(data)
            except ValidationError as error:
                raise InvalidInput(_first_problem(error)) from None
            made = await service.create_survey(
                caller.session, caller.organization, body.SurveyName, body.Language,
                caller.user, clock,
            )  # fmt: skip
            default = default_block_id(made.definition)
            return envelope(request, SurveyCreated(SurveyID=made.survey.id, DefaultBlockID=default))
        definition = parse_survey(data, "body")
    imported = await service.import_survey(
        caller.session, caller.organization, definition, clock, caller.user
    )
    return envelope(request, ImportedOut(SurveyID=imported.survey.id, created=imported.created))


async def _import_qsf(caller: Caller, data: Mapping[str, Any]) -> SurveyCreated:
    read = read_qsf(data, source="body")
    made = await service.import_survey(
        caller.session, caller.organization, read.survey, caller.runtime.clock, caller.user
    )
    return SurveyCreated(
        SurveyID=made.survey.id,
        DefaultBlockID=default_block_id(made.definition),
        dropped=[{"element": d.element, "reason": d.reason} for d in read.dropped],
        warnings=[{"element": w.element, "reason": w.reason} for w in read.warnings],
    )


def _first_problem(error: ValidationError) -> str:
    issue = error.errors()[0]
    where = ".".join(str(part) for part in issue["loc"]) or "body"
    return f"{where}: {issue['msg']}"


@router.get(
    "/survey-definitions/{surveyId}",
    operation_id="getSurveyDefinition",
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "result": {"SurveyID": "SV_0Rk3vQa8gqPwQDP", "SurveyName": "Feedback"},
                        "meta": {"httpStatus": "200 - OK", "requestId": "1c6f8a8e-…"},
                    }
                },
                "application/yaml": {"example": "name: Customer feedback (NPS)\nblocks: …\n"},
            }
        }
    },
)
async def get_survey_definition(
    request: Request,
    caller: CallerDep,
    surveyId: str,
    format: Annotated[
        DefinitionFormat,
        Query(description="qsf (Qualtrics' survey file), smsurvey (our JSON) or yaml"),
    ] = DefinitionFormat.QUALTRICS,
) -> Envelope[dict[str, Any]] | PlainTextResponse:
    """A survey's definition: Qualtrics' (``SurveyID``, ``Questions``, ``Blocks``,
    ``SurveyFlow``, …), its QSF, or our own document."""
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    if format is DefinitionFormat.YAML:
        text = dumps_survey(service.definition_of(found), DocumentFormat.YAML)
        return PlainTextResponse(text, media_type="application/yaml")
    if format is DefinitionFormat.SMSURVEY:
        return envelope(request, service.definition_of(found).to_document())
    document = await service.qsf_document(caller.session, caller.organization, found)
    if format is DefinitionFormat.QSF:
        return envelope(request, document)
    base_url = caller.runtime.settings.public_url
    return envelope(request, survey_definition(document, found, base_url))


@router.delete("/survey-definitions/{surveyId}", operation_id="deleteSurveyDefinition")
async def delete_survey_definition(
    request: Request, caller: CallerDep, surveyId: str
) -> Envelope[SurveyDeleted]:
    """Delete a survey with its distributions, conversations and responses."""
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    await service.delete_survey(caller.session, found)
    deleted = iso(caller.runtime.clock.now()) or ""
    return envelope(request, SurveyDeleted(DeletedDate=deleted))


async def _document(caller: Caller, survey_id: str) -> tuple[Survey, Qsf]:
    found = await service.get_survey(caller.session, caller.organization, survey_id)
    return found, await service.qsf_document(caller.session, caller.organization, found)


async def _change(caller: Caller, survey_id: str, edit: Callable[[Qsf], None]) -> None:
    """Make ``edit`` on the survey's QSF and store the survey it gives."""
    found = await service.get_survey(caller.session, caller.organization, survey_id)
    changed = qsf_edits.edited(service.definition_of(found), edit)
    await service.import_survey(caller.session, caller.organization, changed, caller.runtime.clock)


# ------------------------------------------------------------------------------------ flow


@router.get("/survey-definitions/{surveyId}/flow", operation_id="getSurveyFlow")
async def get_flow(request: Request, caller: CallerDep, surveyId: str) -> Envelope[dict[str, Any]]:
    """The survey flow: ``{"Type": "Root", "FlowID": "FL_1", "Flow": […], "Properties"}``."""
    _, document = await _document(caller, surveyId)
    return envelope(request, qsf_edits.part(document, "FL")["Payload"])


@router.put(
    "/survey-definitions/{surveyId}/flow",
    operation_id="updateSurveyFlow",
    openapi_extra=_OBJECT_BODY,
)
async def update_flow(request: Request, caller: CallerDep, surveyId: str) -> MetaOnly:
    """Replace the survey flow with ``{"Flow": […]}`` (QSF flow elements)."""
    body = await _json_object(request)
    await _change(caller, surveyId, lambda document: qsf_edits.replace_flow(document, body))
    return meta_only(request)


# -------------------------------------------------------------------------------- metadata


@router.get("/survey-definitions/{surveyId}/metadata", operation_id="getSurveyMetadata")
async def get_metadata(
    request: Request, caller: CallerDep, surveyId: str
) -> Envelope[dict[str, Any]]:
    """The survey's metadata: its QSF ``SurveyEntry`` (dates ``YYYY-MM-DD HH:MM:SS``)."""
    _, document = await _document(caller, surveyId)
    return envelope(request, document["SurveyEntry"])


@router.put("/survey-definitions/{surveyId}/metadata", operation_id="updateSurveyMetadata")
async def update_metadata(
    request: Request, caller: CallerDep, surveyId: str, body: MetadataChange
) -> MetaOnly:
    """Rename, describe, activate or deactivate a survey, or set when it expires."""
    if body.SurveyStartDate not in (None, "", "0000-00-00 00:00:00"):
        raise InvalidInput(
            "SurveyStartDate: a start date is not supported (surveys start when made)"
        )
    try:
        expires_at = body.expiration()
    except ValueError:
        raise InvalidInput("SurveyExpirationDate: not a date like 2026-12-31 23:59:00") from None
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    clock = caller.runtime.clock
    if body.SurveyDescription is not None:
        definition = service.definition_of(found)
        described = definition.model_copy(update={"description": body.SurveyDescription})
        await service.import_survey(caller.session, caller.organization, described, clock)
    active = None if body.SurveyStatus is None else body.SurveyStatus == "Active"
    expiring = expires_at if "SurveyExpirationDate" in body.model_fields_set else service.KEEP
    await service.change_survey(
        caller.session, found, clock.now(),
        name=body.SurveyName, active=active, expires_at=expiring,
    )  # fmt: skip
    return meta_only(request)


# ------------------------------------------------------------------------------- questions


@router.get("/survey-definitions/{surveyId}/questions", operation_id="listSurveyQuestions")
async def list_questions(
    request: Request, caller: CallerDep, surveyId: str, page: Paged
) -> Envelope[Page[dict[str, Any]]]:
    """The survey's questions, as QSF question payloads."""
    _, document = await _document(caller, surveyId)
    found = list(qsf_edits.question_payloads(document).values())
    chosen, following = page_of(request, page, found)
    return envelope(request, Page(elements=chosen, nextPage=following))


@router.post(
    "/survey-definitions/{surveyId}/questions",
    operation_id="createSurveyQuestion",
    openapi_extra=_OBJECT_BODY,
)
async def create_question(
    request: Request,
    caller: CallerDep,
    surveyId: str,
    blockId: Annotated[
        str | None, Query(description="The block to add it to (default block).")
    ] = None,
) -> Envelope[QuestionCreated]:
    """Add a question (a QSF question payload) at the end of a block; it gets the next
    free ``QIDn``."""
    body = await _json_object(request)
    made: list[str] = []
    await _change(
        caller,
        surveyId,
        lambda document: made.append(qsf_edits.add_question(document, body, blockId)),
    )
    return envelope(request, QuestionCreated(QuestionID=made[0]))


@router.get(
    "/survey-definitions/{surveyId}/questions/{questionId}", operation_id="getSurveyQuestion"
)
async def get_question(
    request: Request, caller: CallerDep, surveyId: str, questionId: str
) -> Envelope[dict[str, Any]]:
    """One question, as its QSF payload."""
    _, document = await _document(caller, surveyId)
    return envelope(request, qsf_edits.question_payload(document, questionId))


@router.put(
    "/survey-definitions/{surveyId}/questions/{questionId}",
    operation_id="updateSurveyQuestion",
    openapi_extra=_OBJECT_BODY,
)
async def update_question(
    request: Request, caller: CallerDep, surveyId: str, questionId: str
) -> MetaOnly:
    """Replace a question with a QSF question payload (its id stays)."""
    body = await _json_object(request)
    await _change(caller, surveyId, lambda d: qsf_edits.replace_question(d, questionId, body))
    return meta_only(request)


@router.delete(
    "/survey-definitions/{surveyId}/questions/{questionId}", operation_id="deleteSurveyQuestion"
)
async def delete_question(
    request: Request, caller: CallerDep, surveyId: str, questionId: str
) -> MetaOnly:
    """Delete a question; refused while logic tests it."""
    await _change(caller, surveyId, lambda d: qsf_edits.delete_question(d, questionId))
    return meta_only(request)


# ---------------------------------------------------------------------------------- blocks


@router.get("/survey-definitions/{surveyId}/blocks", operation_id="listSurveyBlocks")
async def list_blocks(
    request: Request, caller: CallerDep, surveyId: str, page: Paged
) -> Envelope[Page[dict[str, Any]]]:
    """The survey's blocks, as QSF block payloads (the first is the default block)."""
    _, document = await _document(caller, surveyId)
    found = list(qsf_edits.block_payloads(document).values())
    chosen, following = page_of(request, page, found)
    return envelope(request, Page(elements=chosen, nextPage=following))


@router.post(
    "/survey-definitions/{surveyId}/blocks",
    operation_id="createSurveyBlock",
    openapi_extra=_OBJECT_BODY,
)
async def create_block(
    request: Request, caller: CallerDep, surveyId: str
) -> Envelope[BlockCreated]:
    """Add a block (``{"Type": "Standard", "Description"}``) at the end of the survey and
    of its flow."""
    body = await _json_object(request)
    made: list[tuple[str, str]] = []
    await _change(
        caller, surveyId, lambda document: made.append(qsf_edits.add_block(document, body))
    )
    block_id, flow_id = made[0]
    return envelope(request, BlockCreated(BlockID=block_id, FlowID=flow_id))


@router.get("/survey-definitions/{surveyId}/blocks/{blockId}", operation_id="getSurveyBlock")
async def get_block(
    request: Request, caller: CallerDep, surveyId: str, blockId: str
) -> Envelope[dict[str, Any]]:
    """One block, as its QSF payload."""
    _, document = await _document(caller, surveyId)
    return envelope(request, qsf_edits.block_payload(document, blockId))


@router.put(
    "/survey-definitions/{surveyId}/blocks/{blockId}",
    operation_id="updateSurveyBlock",
    openapi_extra=_OBJECT_BODY,
)
async def update_block(
    request: Request, caller: CallerDep, surveyId: str, blockId: str
) -> MetaOnly:
    """Change a block's ``Description`` or ``BlockElements`` (questions, page breaks)."""
    body = await _json_object(request)
    await _change(caller, surveyId, lambda d: qsf_edits.replace_block(d, blockId, body))
    return meta_only(request)


@router.delete("/survey-definitions/{surveyId}/blocks/{blockId}", operation_id="deleteSurveyBlock")
async def delete_block(
    request: Request, caller: CallerDep, surveyId: str, blockId: str
) -> MetaOnly:
    """Delete a block with its questions; refused for the default block and while logic
    tests its questions."""
    await _change(caller, surveyId, lambda d: qsf_edits.delete_block(d, blockId))
    return meta_only(request)
