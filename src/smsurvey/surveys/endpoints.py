"""Surveys in the v3 dialect: list, get (questions, blocks, flow), change (name, active,
expiration). Survey definitions are in :mod:`smsurvey.surveys.definition_endpoints`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.kit.envelope import Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.pagination import Paged, page_of
from smsurvey.responses.service import finished_responses
from smsurvey.surveys import service
from smsurvey.surveys.schemas import SurveyChange, SurveyDetail, SurveySummary

router = APIRouter(tags=["surveys"])


@router.get("/surveys", operation_id="listSurveys")
async def list_surveys(
    request: Request, caller: CallerDep, page: Paged
) -> Envelope[Page[SurveySummary]]:
    """The organisation's surveys, oldest first."""
    found = await service.list_surveys(caller.session, caller.organization)
    chosen, following = page_of(request, page, found)
    owners = await service.owner_ids(caller.session, caller.organization, chosen)
    return envelope(
        request,
        Page(elements=[SurveySummary.of(s, owners[s.id]) for s in chosen], nextPage=following),
    )


@router.get("/surveys/{surveyId}", operation_id="getSurvey")
async def get_survey(request: Request, caller: CallerDep, surveyId: str) -> Envelope[SurveyDetail]:
    """A survey with its questions, blocks, flow and response count."""
    found = await service.get_survey(caller.session, caller.organization, surveyId)
    finished = await finished_responses(caller.session, found)
    owners = await service.owner_ids(caller.session, caller.organization, [found])
    detail = SurveyDetail.of(found, service.definition_of(found), finished, owners[found.id])
    return envelope(request, detail)


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
