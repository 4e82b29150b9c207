"""Surveys in the v3 dialect: list, get (questions, blocks, flow), change (name, active,
expiration), and survey definitions: import (JSON or our YAML) and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.kit.envelope import Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.pagination import Paged, page_of
from smsurvey.responses.service import finished_responses
from smsurvey.surveys import service
from smsurvey.surveys.formats import DocumentFormat, dumps_survey, loads_survey
from smsurvey.surveys.schemas import ImportedOut, SurveyChange, SurveyDetail, SurveySummary

router = APIRouter(tags=["surveys"])
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


@router.get("/surveys", operation_id="listSurveys")
async def list_surveys(
    request: Request, caller: CallerDep, page: Paged
) -> Envelope[Page[SurveySummary]]:
    """The organisation's surveys, oldest first."""
    found = await service.list_surveys(caller.session, caller.organization)
    chosen, following = page_of(request, page, found)
    return envelope(
        request, Page(elements=[SurveySummary.of(s) for s in chosen], nextPage=following)
    )


@router.get("/surveys/{surveyId}", operation_id="getSurvey")
async def get_survey(request: Request, caller: CallerDep, surveyId: str) -> Envelope[SurveyDetail]:
    """A survey with its questions, blocks, flow and response count."""
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    finished = await finished_responses(caller.session, found)
    return envelope(request, SurveyDetail.of(found, service.definition_of(found), finished))


@router.put("/surveys/{surveyId}", operation_id="updateSurvey")
async def update_survey(
    request: Request, caller: CallerDep, surveyId: str, body: SurveyChange
) -> MetaOnly:
    """Rename, activate or deactivate a survey, or set when it expires."""
    try:
        expires_at = body.end_date()
    except ValueError:
        raise InvalidInput("expiration.endDate must be an ISO 8601 date and time") from None
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    await service.change_survey(
        caller.session, found, caller.runtime.clock.now(),
        name=body.name, active=body.isActive, expires_at=expires_at,
    )  # fmt: skip
    return meta_only(request)


@router.post(
    "/survey-definitions", operation_id="createSurveyDefinition", openapi_extra=_DEFINITION_BODY
)
async def create_survey_definition(request: Request, caller: CallerDep) -> Envelope[ImportedOut]:
    """Import a survey: a JSON or YAML definition (docs/survey-format.md). A definition
    carrying the id of one of the organisation's surveys replaces it."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    document_format = DocumentFormat.YAML if kind in _YAML_TYPES else DocumentFormat.JSON
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text") from None
    definition = loads_survey(text, document_format, source="body")
    imported = await service.import_survey(
        caller.session, caller.organization, definition, caller.runtime.clock
    )
    return envelope(request, ImportedOut(SurveyID=imported.survey.id, created=imported.created))


_DEFINITION_EXAMPLE = {
    "id": "SV_0Rk3vQa8gqPwQDP",
    "name": "Customer feedback (NPS)",
    "blocks": [{"id": "BL_score", "elements": [{"id": "QID1", "type": "nps", "text": "0-10?"}]}],
}


@router.get(
    "/survey-definitions/{surveyId}",
    operation_id="getSurveyDefinition",
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "result": _DEFINITION_EXAMPLE,
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
    format: Annotated[DocumentFormat, Query(description="json (in the envelope) or yaml")] = (
        DocumentFormat.JSON
    ),
) -> Envelope[dict[str, Any]] | PlainTextResponse:
    """A survey's definition, in our format."""
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    definition = service.definition_of(found)
    if format is DocumentFormat.YAML:
        return PlainTextResponse(dumps_survey(definition, format), media_type="application/yaml")
    return envelope(request, definition.to_document())
