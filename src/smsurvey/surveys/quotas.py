"""A survey's quotas and saved response filters in the v3 dialect. smsurvey keeps neither,
so every survey lists none: clients that read them before an export keep working, and an
export asking for a ``filterId`` is refused there."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.kit.envelope import Envelope, Page, envelope
from smsurvey.kit.pagination import Paged, Window, page_of
from smsurvey.surveys.service import get_survey

router = APIRouter(prefix="/surveys/{surveyId}", tags=["surveys"])


async def _none(
    request: Request, caller: CallerDep, survey_id: str, page: Window
) -> Envelope[Page[Any]]:
    await get_survey(caller.session, caller.organization, survey_id)
    none: list[Any] = []
    chosen, following = page_of(request, page, none)
    return envelope(request, Page(elements=chosen, nextPage=following))


@router.get("/quotas", operation_id="listSurveyQuotas")
async def list_survey_quotas(
    request: Request, caller: CallerDep, surveyId: str, page: Paged
) -> Envelope[Page[Any]]:
    """The survey's quotas: always none (smsurvey has no quotas)."""
    return await _none(request, caller, surveyId, page)


@router.get("/filters", operation_id="listSurveyFilters")
async def list_survey_filters(
    request: Request, caller: CallerDep, surveyId: str, page: Paged
) -> Envelope[Page[Any]]:
    """The survey's saved response filters: always none (smsurvey saves no filters)."""
    return await _none(request, caller, surveyId, page)
