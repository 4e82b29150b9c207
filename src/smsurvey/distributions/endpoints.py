"""SMS distributions in the v3 dialect: ``/distributions/sms`` (create, list, get, cancel)
and ``/distributions`` (list by survey, get, per-recipient history). Every call needs the
permission "Use SMS Distributions"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.dependencies import Caller, SmsCallerDep
from smsurvey.distributions.links import survey_url
from smsurvey.distributions.reports import history, report
from smsurvey.distributions.schemas import DistributionOut, HistoryOut, SmsDistributionIn
from smsurvey.distributions.service import (
    Method,
    cancel,
    create_distribution,
    get_distribution,
    list_distributions,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.envelope import Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.pagination import next_page, window
from smsurvey.models.responses import Response
from smsurvey.surveys.service import get_survey

router = APIRouter(prefix="/distributions", tags=["distributions"])
SurveyId = Annotated[str, Query(description="The survey (SV_…).", examples=["SV_0Rk3vQa8gqPwQDP"])]
OptionalSurveyId = Annotated[str | None, Query(description="The survey (SV_…); checked if given.")]


async def _shown(session: AsyncSession, caller: Caller, distribution_id: str) -> DistributionOut:
    seen = await report(session, caller.organization, distribution_id)
    counts = dict(
        (
            await session.execute(
                select(Response.finished, func.count())
                .where(Response.distribution_id == distribution_id)
                .group_by(Response.finished)
            )
        ).all()
    )
    finished = counts.get(True, 0)
    return DistributionOut.of(
        seen.distribution, seen.status, seen.metrics, finished + counts.get(False, 0), finished
    )


async def _page(request: Request, caller: Caller, survey_id: str) -> Page[DistributionOut]:
    page = window(request)
    async with unit_of_work(caller.runtime.engine) as session:
        await get_survey(session, caller.organization, survey_id)
        found = await list_distributions(session, caller.organization, survey_id)
        chosen = found[page.offset : page.offset + page.size]
        elements = [await _shown(session, caller, item.id) for item in chosen]
    more = len(found) > page.offset + page.size
    return Page(elements=elements, nextPage=next_page(request, page, more))


async def _one(caller: Caller, distribution_id: str, survey_id: str | None) -> DistributionOut:
    async with unit_of_work(caller.runtime.engine) as session:
        distribution = await get_distribution(session, caller.organization, distribution_id)
        if survey_id is not None and survey_id != distribution.survey_id:
            await get_survey(session, caller.organization, survey_id)
        return await _shown(session, caller, distribution.id)


@router.post("/sms")
async def create_sms(
    request: Request, caller: SmsCallerDep, body: SmsDistributionIn
) -> Envelope[DistributionOut]:
    """Schedule an SMS distribution (now when ``sendDate`` is omitted)."""
    async with unit_of_work(caller.runtime.engine) as session:
        made = await create_distribution(
            session, caller.runtime, caller.organization, body.request()
        )
        shown = await _shown(session, caller, made.id)
    caller.runtime.wake.set()
    return envelope(request, shown)


@router.get("/sms")
async def list_sms(
    request: Request, caller: SmsCallerDep, surveyId: SurveyId
) -> Envelope[Page[DistributionOut]]:
    """A survey's SMS distributions, newest first."""
    return envelope(request, await _page(request, caller, surveyId))


@router.get("/sms/{smsDistributionId}")
async def get_sms(
    request: Request,
    caller: SmsCallerDep,
    smsDistributionId: str,
    surveyId: OptionalSurveyId = None,
) -> Envelope[DistributionOut]:
    """An SMS distribution with its status and figures."""
    return envelope(request, await _one(caller, smsDistributionId, surveyId))


@router.delete("/sms/{smsDistributionId}")
async def cancel_sms(
    request: Request,
    caller: SmsCallerDep,
    smsDistributionId: str,
    surveyId: OptionalSurveyId = None,
) -> MetaOnly:
    """Cancel an SMS distribution that has not started (409 once it has)."""
    async with unit_of_work(caller.runtime.engine) as session:
        await cancel(session, caller.organization, [smsDistributionId])
    return meta_only(request)


@router.get("")
async def list_all(
    request: Request, caller: SmsCallerDep, surveyId: SurveyId
) -> Envelope[Page[DistributionOut]]:
    """A survey's distributions (this server sends SMS ones only)."""
    return envelope(request, await _page(request, caller, surveyId))


@router.get("/{distributionId}")
async def get_any(
    request: Request, caller: SmsCallerDep, distributionId: str, surveyId: OptionalSurveyId = None
) -> Envelope[DistributionOut]:
    """A distribution."""
    return envelope(request, await _one(caller, distributionId, surveyId))


@router.get("/{distributionId}/history")
async def recipients_history(
    request: Request, caller: SmsCallerDep, distributionId: str
) -> Envelope[Page[HistoryOut]]:
    """One row per recipient: the v3 status (``SurveyFinished`` for respondents) and ours."""
    page = window(request)
    async with unit_of_work(caller.runtime.engine) as session:
        distribution = await get_distribution(session, caller.organization, distributionId)
        rows = await history(session, caller.organization, distribution.id)
    linked = Method(distribution.method) in (Method.INVITE, Method.REMINDER)
    chosen = rows[page.offset : page.offset + page.size]
    elements = [
        HistoryOut.of(
            distribution.id, row, survey_url(caller.runtime, row.recipient_id) if linked else None
        )
        for row in chosen
    ]
    following = next_page(request, page, len(rows) > page.offset + page.size)
    return envelope(request, Page(elements=elements, nextPage=following))
