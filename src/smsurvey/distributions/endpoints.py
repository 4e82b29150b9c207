"""SMS distributions in the v3 dialect: ``/distributions/sms`` (create, list, get, cancel)
and ``/distributions`` (list by survey, get, per-recipient history). Every call needs the
permission "Use SMS Distributions"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import get_user
from smsurvey.accounts.dependencies import Caller, SmsCallerDep
from smsurvey.distributions.library import (
    delete_message,
    get_message,
    library_messages,
    save_message,
)
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
from smsurvey.kit.envelope import Created, Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.pagination import Paged, Window, page_of
from smsurvey.kit.wakeup import Work
from smsurvey.models.responses import Response
from smsurvey.surveys.service import get_survey

router = APIRouter(prefix="/distributions", tags=["distributions"])
SurveyId = Annotated[str, Query(description="The survey (SV_…).", examples=["SV_0Rk3vQa8gqPwQDP"])]
OptionalSurveyId = Annotated[str | None, Query(description="The survey (SV_…); checked if given.")]


async def _shown(session: AsyncSession, caller: Caller, distribution_id: str) -> DistributionOut:
    seen = await report(session, caller.organization, distribution_id, caller.runtime.clock)
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
    return DistributionOut.of(seen, finished + counts.get(False, 0), finished)


async def _page(
    request: Request, caller: Caller, survey_id: str, page: Window
) -> Page[DistributionOut]:
    async with unit_of_work(caller.runtime.engine) as session:
        await get_survey(session, caller.organization, survey_id)
        found = await list_distributions(session, caller.organization, survey_id)
        chosen, following = page_of(request, page, found)
        elements = [await _shown(session, caller, item.id) for item in chosen]
    return Page(elements=elements, nextPage=following)


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
    caller.runtime.wake.set(Work.PLAN)
    return envelope(request, shown)


@router.get("/sms")
async def list_sms(
    request: Request, caller: SmsCallerDep, surveyId: SurveyId, page: Paged
) -> Envelope[Page[DistributionOut]]:
    """A survey's SMS distributions, newest first."""
    return envelope(request, await _page(request, caller, surveyId, page))


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
    request: Request, caller: SmsCallerDep, surveyId: SurveyId, page: Paged
) -> Envelope[Page[DistributionOut]]:
    """A survey's distributions (this server sends SMS ones only)."""
    return envelope(request, await _page(request, caller, surveyId, page))


@router.get("/{distributionId}")
async def get_any(
    request: Request, caller: SmsCallerDep, distributionId: str, surveyId: OptionalSurveyId = None
) -> Envelope[DistributionOut]:
    """A distribution."""
    return envelope(request, await _one(caller, distributionId, surveyId))


@router.get("/{distributionId}/history")
async def recipients_history(
    request: Request, caller: SmsCallerDep, distributionId: str, page: Paged
) -> Envelope[Page[HistoryOut]]:
    """One row per recipient: the v3 status (``SurveyFinished`` for respondents) and ours."""
    async with unit_of_work(caller.runtime.engine) as session:
        distribution = await get_distribution(session, caller.organization, distributionId)
        rows = await history(session, caller.organization, distribution.id)
    linked = Method(distribution.method) in (Method.INVITE, Method.REMINDER)
    chosen, following = page_of(request, page, rows)
    elements = [
        HistoryOut.of(
            distribution.id, row, survey_url(caller.runtime, row.recipient_id) if linked else None
        )
        for row in chosen
    ]
    return envelope(request, Page(elements=elements, nextPage=following))


# The message library ---------------------------------------------------------

library_router = APIRouter(prefix="/libraries", tags=["library"])


class LibraryOut(BaseModel):
    """The organisation's message library (one per organisation, named by a user's id)."""

    libraryId: str = Field(examples=["UR_0Rk3vQa8gqPwQDP"])
    libraryName: str


class LibraryMessageIn(BaseModel):
    """A message to save: ``messages`` maps a language to the text (one language here)."""

    model_config = ConfigDict(extra="ignore")

    description: str = Field(default="", max_length=200)
    category: str = Field(
        examples=["Invite"], description="Invite, Interactive, Reminder, ThankYou"
    )
    messages: dict[str, str] = Field(
        min_length=1, examples=[{"en": "Hi ${m://FirstName}: ${l://SurveyURL}"}]
    )


class LibraryMessageOut(BaseModel):
    """A saved message."""

    id: str = Field(examples=["MS_0Rk3vQa8gqPwQDP"])
    description: str
    category: str
    messages: dict[str, str] | None = None


async def _library(session: AsyncSession, caller: Caller, library_id: str) -> None:
    """The library id must be one of the organisation's users (``UR_…``): 404 otherwise."""
    await get_user(session, caller.organization, library_id)
    if not library_id.startswith("UR_"):
        raise NotFound(f"no library {library_id}")


@library_router.get("")
async def libraries(request: Request, caller: SmsCallerDep) -> Envelope[Page[LibraryOut]]:
    """The caller's library (messages are shared by the organisation)."""
    library = LibraryOut(libraryId=caller.user.id, libraryName=caller.organization.name)
    return envelope(request, Page(elements=[library]))


@library_router.get("/{libraryId}/messages")
async def messages(
    request: Request,
    caller: SmsCallerDep,
    libraryId: str,
    page: Paged,
    category: Annotated[str | None, Query(description="Invite, Interactive, …")] = None,
) -> Envelope[Page[LibraryMessageOut]]:
    """The saved messages (of one kind when asked)."""
    async with unit_of_work(caller.runtime.engine) as session:
        await _library(session, caller, libraryId)
        found = await library_messages(session, caller.organization, category)
    chosen, following = page_of(request, page, found)
    elements = [
        LibraryMessageOut(id=m.id, description=m.description, category=m.category) for m in chosen
    ]
    return envelope(request, Page(elements=elements, nextPage=following))


@library_router.post("/{libraryId}/messages")
async def save(
    request: Request, caller: SmsCallerDep, libraryId: str, body: LibraryMessageIn
) -> Envelope[Created]:
    """Save a message."""
    if len(body.messages) != 1:
        raise InvalidInput("messages: give the text in one language")
    [text] = body.messages.values()
    async with unit_of_work(caller.runtime.engine) as session:
        await _library(session, caller, libraryId)
        saved = await save_message(
            session, caller.organization, text, body.category, caller.runtime.clock.now(),
            body.description,
        )  # fmt: skip
    return envelope(request, Created(id=saved.id))


@library_router.get("/{libraryId}/messages/{messageId}")
async def message(
    request: Request, caller: SmsCallerDep, libraryId: str, messageId: str
) -> Envelope[LibraryMessageOut]:
    """A saved message and its text."""
    async with unit_of_work(caller.runtime.engine) as session:
        await _library(session, caller, libraryId)
        found = await get_message(session, caller.organization, messageId)
    shown = LibraryMessageOut(
        id=found.id, description=found.description, category=found.category,
        messages={"en": found.text},
    )  # fmt: skip
    return envelope(request, shown)


@library_router.delete("/{libraryId}/messages/{messageId}")
async def forget(
    request: Request, caller: SmsCallerDep, libraryId: str, messageId: str
) -> MetaOnly:
    """Delete a saved message."""
    async with unit_of_work(caller.runtime.engine) as session:
        await _library(session, caller, libraryId)
        await delete_message(session, caller.organization, messageId)
    return meta_only(request)
