"""Responses in the v3 dialect: one response, and the three-step export (request it,
poll its progress, fetch the file: CSV or JSON, zipped unless asked otherwise)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from smsurvey.accounts.dependencies import AdminDep, Caller, CallerDep
from smsurvey.kit.downloads import attachment
from smsurvey.kit.envelope import Created, Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.pagination import Paged, page_of
from smsurvey.models.responses import ResponseExport
from smsurvey.models.subscriptions import EventSubscription
from smsurvey.models.surveys import Survey
from smsurvey.responses import service
from smsurvey.responses.export import response_document, to_csv, to_json
from smsurvey.responses.subscriptions import (
    get_subscription,
    subscribe,
    subscriptions_of,
    unsubscribe,
)
from smsurvey.surveys.service import definition_of, get_survey

router = APIRouter(prefix="/surveys/{surveyId}", tags=["responses"])


class ResponseOut(BaseModel):
    """One response: ``values`` and ``labels`` keyed ``QIDn``, ``QIDn_TEXT``, ``QIDn_NPS_GROUP``."""

    responseId: str = Field(examples=["R_0Rk3vQa8gqPwQDP"])
    values: dict[str, Any]
    labels: dict[str, Any]
    displayedFields: list[str]
    displayedValues: dict[str, Any]


class ExportIn(BaseModel):
    """``POST …/export-responses``."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["csv", "json"] = Field(examples=["csv"])
    compress: bool = True
    startDate: datetime | None = None
    endDate: datetime | None = None
    exportResponsesInProgress: bool = False

    @field_validator("compress", mode="before")
    @classmethod
    def _lenient_bool(cls, value: object) -> object:
        # Some clients send "false" as a string.
        return value.strip().lower() == "true" if isinstance(value, str) else value


class ExportProgress(BaseModel):
    """Where an export stands (it is ready at once: the file is made when fetched)."""

    progressId: str = Field(examples=["ES_0Rk3vQa8gqPwQDP"])
    percentComplete: float = 100.0
    status: Literal["inProgress", "complete", "failed"] = "complete"
    fileId: str


@router.get("/responses/{responseId}", operation_id="getResponse")
async def get_response(
    request: Request, caller: CallerDep, surveyId: str, responseId: str
) -> Envelope[ResponseOut]:
    """A response of the survey."""
    survey = await get_survey(caller.session, caller.organization, surveyId)
    found = await service.get_response(caller.session, survey, responseId)
    document = response_document(found)
    shown = ResponseOut(
        responseId=found.id,
        values=document["values"],
        labels=document["labels"],
        displayedFields=document["displayedFields"],
        displayedValues={key: found.values[key] for key in document["displayedFields"]},
    )
    return envelope(request, shown)


@router.post("/export-responses", operation_id="createResponseExport")
async def create_response_export(
    request: Request, caller: CallerDep, surveyId: str, body: ExportIn
) -> Envelope[ExportProgress]:
    """Ask for an export of the survey's responses (CSV or JSON)."""
    survey = await get_survey(caller.session, caller.organization, surveyId)
    export = await service.request_export(
        caller.session, survey, body.format, compress=body.compress,
        in_progress=body.exportResponsesInProgress, since=body.startDate, until=body.endDate,
        now=caller.runtime.clock.now(),
    )  # fmt: skip
    return envelope(request, ExportProgress(progressId=export.id, fileId=export.id))


async def _export(caller: Caller, survey_id: str, export_id: str) -> tuple[ResponseExport, Survey]:
    survey = await get_survey(caller.session, caller.organization, survey_id)
    return await service.get_export(caller.session, survey, export_id), survey


@router.get("/export-responses/{progressId}", operation_id="getResponseExportProgress")
async def get_response_export_progress(
    request: Request, caller: CallerDep, surveyId: str, progressId: str
) -> Envelope[ExportProgress]:
    """Where the export stands."""
    export, _ = await _export(caller, surveyId, progressId)
    return envelope(request, ExportProgress(progressId=export.id, fileId=export.id))


@router.get(
    "/export-responses/{fileId}/file",
    operation_id="getResponseExportFile",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/zip": {"example": "(a zip holding Customer feedback (NPS).csv)"},
                "text/csv": {"example": "ResponseId,StartDate,…,QID1\nR_0Rk3vQa8gqPwQDP,…,10\n"},
                "application/json": {"example": {"responses": [{"responseId": "R_0Rk3…"}]}},
            }
        }
    },
)
async def get_response_export_file(caller: CallerDep, surveyId: str, fileId: str) -> Response:
    """The export: a zip holding ``{survey name}.csv`` or ``.json`` (or the file itself
    when the export was asked with ``compress: false``)."""
    export, survey = await _export(caller, surveyId, fileId)
    # The file is made whole here, inside the request's unit of work: the response sends
    # bytes, not rows read from a session that has been committed by then.
    rows = await service.exported_responses(caller.session, caller.organization, export)
    if export.format == "csv":
        content, media = to_csv(definition_of(survey), rows), "text/csv"
    else:
        content, media = to_json(rows), "application/json"
    name = re.sub(r'[\\\\/:*?"<>|]+', "_", survey.name) + f".{export.format}"
    if not export.compress:
        return Response(content, media_type=media, headers=attachment(name))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    zip_name = name.rsplit(".", 1)[0] + ".zip"
    return Response(buffer.getvalue(), media_type="application/zip", headers=attachment(zip_name))


# Event subscriptions ---------------------------------------------------------

subscriptions_router = APIRouter(prefix="/eventsubscriptions", tags=["event subscriptions"])


class SubscriptionIn(BaseModel):
    """``POST /eventsubscriptions`` (other keys clients send are ignored)."""

    model_config = ConfigDict(extra="ignore")

    topics: str = Field(examples=["surveyengine.completedResponse.SV_0Rk3vQa8gqPwQDP"])
    publicationUrl: str = Field(examples=["https://hooks.example.org/qualtrics"])
    encrypt: bool = False
    sharedKey: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    """A subscription, how often it was called, and its last errors."""

    id: str = Field(examples=["SUB_0Rk3vQa8gqPwQDP"])
    scope: str = "brand"
    topics: str
    publicationUrl: str
    encrypted: bool = False
    successfulCalls: int
    lastErrors: list[str]

    @classmethod
    def of(cls, subscription: EventSubscription) -> SubscriptionOut:
        """The API's view of ``subscription``."""
        return cls(
            id=subscription.id,
            topics=subscription.topics,
            publicationUrl=subscription.url,
            successfulCalls=subscription.successful_calls,
            lastErrors=list(subscription.last_errors),
        )


@subscriptions_router.post("", operation_id="createEventSubscription")
async def create_event_subscription(
    request: Request, caller: AdminDep, body: SubscriptionIn
) -> Envelope[Created]:
    """Subscribe a URL to survey events (Brand Administrators)."""
    if body.encrypt:
        raise InvalidInput("encrypt: encrypted deliveries are not supported; use sharedKey (HMAC)")
    runtime = caller.runtime
    made = await subscribe(
        caller.session, caller.organization.id, runtime.secret, topics=body.topics,
        url=body.publicationUrl, shared_key=body.sharedKey, now=runtime.clock.now(),
    )  # fmt: skip
    return envelope(request, Created(id=made.id))


@subscriptions_router.get("", operation_id="listEventSubscriptions")
async def list_event_subscriptions(
    request: Request, caller: AdminDep, page: Paged
) -> Envelope[Page[SubscriptionOut]]:
    """The organisation's subscriptions."""
    found = await subscriptions_of(caller.session, caller.organization.id)
    chosen, following = page_of(request, page, found)
    elements = [SubscriptionOut.of(s) for s in chosen]
    return envelope(request, Page(elements=elements, nextPage=following))


@subscriptions_router.get("/{subscriptionId}", operation_id="getEventSubscription")
async def get_event_subscription(
    request: Request, caller: AdminDep, subscriptionId: str
) -> Envelope[SubscriptionOut]:
    """A subscription with its counts and last errors."""
    found = await get_subscription(caller.session, caller.organization.id, subscriptionId)
    return envelope(request, SubscriptionOut.of(found))


@subscriptions_router.delete("/{subscriptionId}", operation_id="deleteEventSubscription")
async def delete_event_subscription(
    request: Request, caller: AdminDep, subscriptionId: str
) -> MetaOnly:
    """Stop posting to a subscription."""
    await unsubscribe(caller.session, caller.organization.id, subscriptionId)
    return meta_only(request)
