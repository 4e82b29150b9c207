"""SMS distributions in the v3 dialect: ``/distributions/sms`` (create, list, get, cancel)
and ``/distributions`` (list by survey, get, per-recipient history). Every call needs the
permission "Use SMS Distributions"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from smsurvey.accounts.access import default_owner_id, get_user
from smsurvey.accounts.dependencies import Caller, SmsCallerDep
from smsurvey.distributions import service
from smsurvey.distributions.library import (
    CATEGORIES,
    delete_message,
    get_message,
    library_messages,
    save_message,
    update_message,
)
from smsurvey.distributions.links import survey_url
from smsurvey.distributions.reports import history, report
from smsurvey.distributions.schemas import DistributionOut, HistoryOut, SmsDistributionIn
from smsurvey.distributions.service import Method
from smsurvey.kit.db import after_commit
from smsurvey.kit.envelope import Created, Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.pagination import Paged, Window, page_of
from smsurvey.kit.wakeup import Work
from smsurvey.responses.service import distribution_responses
from smsurvey.surveys.service import get_survey

router = APIRouter(prefix="/distributions", tags=["distributions"])
SurveyId = Annotated[str, Query(description="The survey (SV_…).", examples=["SV_0Rk3vQa8gqPwQDP"])]
OptionalSurveyId = Annotated[str | None, Query(description="The survey (SV_…); checked if given.")]


async def _shown(caller: Caller, distribution_id: str) -> DistributionOut:
    seen = await report(caller.session, caller.organization, distribution_id, caller.runtime.clock)
    started, finished = await distribution_responses(caller.session, distribution_id)
    owner = seen.distribution.owner_user_id or await default_owner_id(
        caller.session, caller.organization
    )
    return DistributionOut.of(seen, started, finished, owner)


async def _page(
    request: Request, caller: Caller, survey_id: str, page: Window
) -> Page[DistributionOut]:
    await get_survey(caller.session, caller.organization, survey_id)
    found = await service.list_distributions(caller.session, caller.organization, survey_id)
    chosen, following = page_of(request, page, found)
    elements = [await _shown(caller, item.id) for item in chosen]
    return Page(elements=elements, nextPage=following)


async def _one(caller: Caller, distribution_id: str, survey_id: str | None) -> DistributionOut:
    distribution = await service.get_distribution(
        caller.session, caller.organization, distribution_id
    )
    if survey_id is not None and survey_id != distribution.survey_id:
        await get_survey(caller.session, caller.organization, survey_id)
    return await _shown(caller, distribution.id)


@router.post("/sms", operation_id="createSmsDistribution")
async def create_sms_distribution(
    request: Request, caller: SmsCallerDep, body: SmsDistributionIn
) -> Envelope[DistributionOut]:
    """Schedule an SMS distribution (now when ``sendDate`` is omitted)."""
    runtime = caller.runtime
    made = await service.create_distribution(
        caller.session, runtime, caller.organization, body.request(caller.user.id)
    )
    after_commit(caller.session, lambda: runtime.wake.set(Work.PLAN))
    return envelope(request, await _shown(caller, made.id))


@router.get("/sms", operation_id="listSmsDistributions")
async def list_sms_distributions(
    request: Request, caller: SmsCallerDep, surveyId: SurveyId, page: Paged
) -> Envelope[Page[DistributionOut]]:
    """A survey's SMS distributions, newest first."""
    return envelope(request, await _page(request, caller, surveyId, page))


@router.get("/sms/{smsDistributionId}", operation_id="getSmsDistribution")
async def get_sms_distribution(
    request: Request,
    caller: SmsCallerDep,
    smsDistributionId: str,
    surveyId: OptionalSurveyId = None,
) -> Envelope[DistributionOut]:
    """An SMS distribution with its status and figures."""
    return envelope(request, await _one(caller, smsDistributionId, surveyId))


@router.delete("/sms/{smsDistributionId}", operation_id="deleteSmsDistribution")
async def delete_sms_distribution(
    request: Request,
    caller: SmsCallerDep,
    smsDistributionId: str,
    surveyId: OptionalSurveyId = None,
) -> MetaOnly:
    """Cancel an SMS distribution that has not started (409 once it has)."""
    await service.cancel(caller.session, caller.organization, [smsDistributionId])
    return meta_only(request)


@router.get("", operation_id="listDistributions")
async def list_distributions(
    request: Request, caller: SmsCallerDep, surveyId: SurveyId, page: Paged
) -> Envelope[Page[DistributionOut]]:
    """A survey's distributions (this server sends SMS ones only)."""
    return envelope(request, await _page(request, caller, surveyId, page))


@router.get("/{distributionId}", operation_id="getDistribution")
async def get_distribution(
    request: Request, caller: SmsCallerDep, distributionId: str, surveyId: OptionalSurveyId = None
) -> Envelope[DistributionOut]:
    """A distribution."""
    return envelope(request, await _one(caller, distributionId, surveyId))


@router.delete("/{distributionId}", operation_id="deleteDistribution")
async def delete_distribution(
    request: Request,
    caller: SmsCallerDep,
    distributionId: str,
    surveyId: OptionalSurveyId = None,
) -> MetaOnly:
    """Cancel a distribution that has not started (409 once it has), as its
    ``/distributions/sms/{id}`` does."""
    await service.cancel(caller.session, caller.organization, [distributionId])
    return meta_only(request)


@router.get("/{distributionId}/history", operation_id="listDistributionHistory")
async def list_distribution_history(
    request: Request, caller: SmsCallerDep, distributionId: str, page: Paged
) -> Envelope[Page[HistoryOut]]:
    """One row per recipient: the v3 status (``SurveyFinished`` for respondents) and ours."""
    distribution = await service.get_distribution(
        caller.session, caller.organization, distributionId
    )
    rows = await history(caller.session, caller.organization, distribution.id)
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
    category: str = Field(examples=["smsInvite"], description=", ".join(CATEGORIES))
    messages: dict[str, str] = Field(
        min_length=1,
        examples=[{"en": "Hi ${m://FirstName}: ${l://SurveyURL}"}],
        description="The text by language: one language here (an SMS goes in one).",
    )


class LibraryMessageChange(BaseModel):
    """What to change of a saved message (its category stays)."""

    model_config = ConfigDict(extra="ignore")

    description: str | None = Field(default=None, max_length=200, examples=["Spring invite"])
    messages: dict[str, str] | None = Field(
        default=None, min_length=1, examples=[{"en": "Hi again: ${l://SurveyURL}"}]
    )


def _one_text(messages: dict[str, str]) -> str:
    """The one language's text of ``messages``."""
    if len(messages) != 1:
        raise InvalidInput("messages: this server keeps one text a message: give one language")
    [text] = messages.values()
    return text


class LibraryMessageOut(BaseModel):
    """A saved message."""

    id: str = Field(examples=["MS_0Rk3vQa8gqPwQDP"])
    description: str
    category: str
    messages: dict[str, str] | None = None


async def _library(caller: Caller, library_id: str) -> None:
    """The library id must be one of the organisation's users (``UR_…``): 404 otherwise."""
    await get_user(caller.session, caller.organization, library_id)
    if not library_id.startswith("UR_"):
        raise NotFound(f"no library {library_id}")


@library_router.get("", operation_id="listLibraries")
async def list_libraries(
    request: Request, caller: SmsCallerDep, page: Paged
) -> Envelope[Page[LibraryOut]]:
    """The caller's library (messages are shared by the organisation)."""
    library = LibraryOut(libraryId=caller.user.id, libraryName=caller.organization.name)
    chosen, following = page_of(request, page, [library])
    return envelope(request, Page(elements=chosen, nextPage=following))


@library_router.get("/{libraryId}/messages", operation_id="listLibraryMessages")
async def list_library_messages(
    request: Request,
    caller: SmsCallerDep,
    libraryId: str,
    page: Paged,
    category: Annotated[str | None, Query(description="smsInvite, smsReminder, …")] = None,
) -> Envelope[Page[LibraryMessageOut]]:
    """The saved messages (of one kind when asked)."""
    await _library(caller, libraryId)
    found = await library_messages(caller.session, caller.organization, category)
    chosen, following = page_of(request, page, found)
    elements = [
        LibraryMessageOut(id=m.id, description=m.description, category=m.category) for m in chosen
    ]
    return envelope(request, Page(elements=elements, nextPage=following))


@library_router.post("/{libraryId}/messages", operation_id="createLibraryMessage")
async def create_library_message(
    request: Request, caller: SmsCallerDep, libraryId: str, body: LibraryMessageIn
) -> Envelope[Created]:
    """Save a message."""
    text = _one_text(body.messages)
    await _library(caller, libraryId)
    saved = await save_message(
        caller.session, caller.organization, text, body.category, caller.runtime.clock.now(),
        body.description,
    )  # fmt: skip
    return envelope(request, Created(id=saved.id))


@library_router.get("/{libraryId}/messages/{messageId}", operation_id="getLibraryMessage")
async def get_library_message(
    request: Request, caller: SmsCallerDep, libraryId: str, messageId: str
) -> Envelope[LibraryMessageOut]:
    """A saved message and its text."""
    await _library(caller, libraryId)
    found = await get_message(caller.session, caller.organization, messageId)
    shown = LibraryMessageOut(
        id=found.id, description=found.description, category=found.category,
        messages={"en": found.text},
    )  # fmt: skip
    return envelope(request, shown)


@library_router.put("/{libraryId}/messages/{messageId}", operation_id="updateLibraryMessage")
async def update_library_message(
    request: Request,
    caller: SmsCallerDep,
    libraryId: str,
    messageId: str,
    body: LibraryMessageChange,
) -> MetaOnly:
    """Change a saved message's text or description."""
    text = None if body.messages is None else _one_text(body.messages)
    await _library(caller, libraryId)
    await update_message(
        caller.session, caller.organization, messageId, text=text, description=body.description
    )
    return meta_only(request)


@library_router.delete("/{libraryId}/messages/{messageId}", operation_id="deleteLibraryMessage")
async def delete_library_message(
    request: Request, caller: SmsCallerDep, libraryId: str, messageId: str
) -> MetaOnly:
    """Delete a saved message."""
    await _library(caller, libraryId)
    await delete_message(caller.session, caller.organization, messageId)
    return meta_only(request)
