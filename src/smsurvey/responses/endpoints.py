"""Responses in the v3 dialect: one response, and the three-step export (request it,
poll its progress, fetch the file: CSV, TSV, JSON or NDJSON, zipped unless asked otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
from smsurvey.responses.export import (
    MEDIA_TYPES,
    ExportFormat,
    ExportOptions,
    export_file,
    export_filename,
    exported,
    response_document,
    zipped,
)
from smsurvey.responses.export_columns import METADATA, Settings
from smsurvey.responses.subscriptions import (
    get_subscription,
    subscribe,
    subscriptions_of,
    unsubscribe,
)
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.service import definition_of, get_survey

router = APIRouter(prefix="/surveys/{surveyId}", tags=["responses"])


class ResponseOut(BaseModel):
    """One response: ``values`` and ``labels`` keyed ``QIDn``, ``QIDn_TEXT``, ``QIDn_NPS_GROUP``."""

    responseId: str = Field(examples=["R_0Rk3vQa8gqPwQDP"])
    values: dict[str, Any]
    labels: dict[str, Any]
    displayedFields: list[str]
    displayedValues: dict[str, Any]


NOT_SUPPORTED_FORMATS = frozenset({"spss", "xml"})
UNSUPPORTED_OPTIONS = ("filterId", "continuationToken", "includeDisplayOrder",
                       "includeLabelColumns", "allowContinuation")  # fmt: skip


class ExportIn(BaseModel):
    """``POST …/export-responses``: Qualtrics' options, each honoured or refused; other keys
    are refused (a misspelt option must not export something else without a word)."""

    model_config = ConfigDict(extra="forbid")

    format: str = Field(examples=["csv"], description="csv, tsv, json or ndjson")
    compress: bool = True
    startDate: str | None = Field(default=None, examples=["2024-01-01T00:00:00Z"])
    endDate: str | None = Field(default=None, examples=["2024-02-01T00:00:00Z"])
    limit: int | None = Field(default=None, ge=1)
    questionIds: list[str] | None = Field(default=None, max_length=10_000)
    embeddedDataIds: list[str] | None = Field(default=None, max_length=10_000)
    surveyMetadataIds: list[str] | None = Field(default=None, max_length=100)
    useLabels: bool = False
    seenUnansweredRecode: int | None = None
    multiselectSeenUnansweredRecode: int | None = None
    formatDecimalAsComma: bool = False
    timeZone: str | None = Field(default=None, examples=["America/Denver"], max_length=64)
    newlineReplacement: str | None = Field(default=None, max_length=20)
    exportResponsesInProgress: bool = False
    breakoutSets: bool = True
    sortByLastModifiedDate: bool = False
    includeDisplayOrder: bool = False
    includeLabelColumns: bool = False
    allowContinuation: bool = False
    filterId: str | None = None
    continuationToken: str | None = None

    @field_validator(
        "compress", "useLabels", "formatDecimalAsComma", "exportResponsesInProgress",
        "breakoutSets", "sortByLastModifiedDate", "includeDisplayOrder", "includeLabelColumns",
        "allowContinuation", mode="before",
    )  # fmt: skip
    @classmethod
    def _lenient_bool(cls, value: object) -> object:
        # Some clients send "false" as a string.
        return value.strip().lower() == "true" if isinstance(value, str) else value

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value.lower() in NOT_SUPPORTED_FORMATS:
            raise ValueError(f"format {value} is not supported (csv, tsv, json or ndjson)")
        if value.lower() not in set(ExportFormat):
            raise ValueError(f"format must be csv, tsv, json or ndjson, not {value!r}")
        return value.lower()

    @field_validator("startDate", "endDate")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            _moment(value)
        return value

    @field_validator("timeZone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ValueError, ZoneInfoNotFoundError):
                raise ValueError(f"timeZone: {value!r} is not an IANA time zone") from None
        return value

    @field_validator("surveyMetadataIds")
    @classmethod
    def _metadata(cls, value: list[str] | None) -> list[str] | None:
        unknown = [key for key in value or () if key not in METADATA]
        if unknown:
            raise ValueError(f"surveyMetadataIds: unknown {', '.join(unknown)} (known: "
                             f"{', '.join(METADATA)})")  # fmt: skip
        return value

    def refused(self) -> str | None:
        """What the request asks that smsurvey cannot do, if anything."""
        asked = [name for name in UNSUPPORTED_OPTIONS if getattr(self, name)]
        return f"{', '.join(asked)}: not supported by smsurvey" if asked else None

    def options(self, survey: SurveyDefinition) -> ExportOptions:
        """The export options (unknown ``questionIds`` of ``survey`` are refused)."""
        if self.questionIds is not None:
            unknown = [qid for qid in self.questionIds if qid not in survey.questions]
            if unknown:
                raise InvalidInput(f"questionIds: no question {', '.join(unknown)} in the survey")
        return ExportOptions(
            format=ExportFormat(self.format),
            settings=Settings(
                use_labels=self.useLabels,
                seen_unanswered=self.seenUnansweredRecode,
                multiselect_seen_unanswered=self.multiselectSeenUnansweredRecode,
                breakout_sets=self.breakoutSets,
            ),
            question_ids=tuple(self.questionIds) if self.questionIds is not None else None,
            embedded_data_ids=_tuple(self.embeddedDataIds),
            metadata_ids=_tuple(self.surveyMetadataIds),
            time_zone=self.timeZone,
            decimal_comma=self.formatDecimalAsComma,
            newline_replacement=self.newlineReplacement,
            limit=self.limit,
        )


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values is not None else None


def _moment(value: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; UTC without one)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time (2024-01-15T10:23:45Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    definition = definition_of(survey)
    document = response_document(definition, exported(found, definition))
    shown = ResponseOut(
        responseId=found.id,
        values=document["values"],
        labels=document["labels"],
        displayedFields=document["displayedFields"],
        displayedValues={key: document["values"][key] for key in document["displayedFields"]},
    )
    return envelope(request, shown)


@router.post("/export-responses", operation_id="createResponseExport")
async def create_response_export(
    request: Request, caller: CallerDep, surveyId: str, body: ExportIn
) -> Envelope[ExportProgress]:
    """Ask for an export of the survey's responses (CSV, TSV, JSON or NDJSON)."""
    survey = await get_survey(caller.session, caller.organization, surveyId)
    refused = body.refused()
    if refused:
        raise InvalidInput(refused)
    options = body.options(definition_of(survey))
    since = _moment(body.startDate) if body.startDate else None
    until = _moment(body.endDate) if body.endDate else None
    export = await service.request_export(
        caller.session, survey, options, compress=body.compress,
        in_progress=body.exportResponsesInProgress, since=since, until=until,
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
                "text/csv": {
                    "example": 'StartDate,…,Q1\nStart Date,…,How likely…\n"{""ImportId"":'
                    '""startDate"",""timeZone"":""Z""}",…,"{""ImportId"":""QID1""}"\n'
                    "2024-01-15 10:23:45,…,10\n"
                },
                "application/json": {"example": {"responses": [{"responseId": "R_0Rk3…"}]}},
            }
        }
    },
)
async def get_response_export_file(caller: CallerDep, surveyId: str, fileId: str) -> Response:
    """The export: a zip holding ``{survey name}.csv`` (``.tsv``, ``.json``, ``.ndjson``),
    or the file itself when the export was asked with ``compress: false``."""
    export, survey = await _export(caller, surveyId, fileId)
    # The file is made whole here, inside the request's unit of work: the response sends
    # bytes, not rows read from a session that has been committed by then.
    rows = await service.exported_responses(caller.session, caller.organization, survey, export)
    options = ExportOptions.from_json(export.options)
    content = export_file(definition_of(survey), rows, options)
    name = export_filename(survey.name, options.format)
    if not export.compress:
        return Response(content, media_type=MEDIA_TYPES[options.format], headers=attachment(name))
    zip_name = name.rsplit(".", 1)[0] + ".zip"
    return Response(
        zipped(name, content), media_type="application/zip", headers=attachment(zip_name)
    )


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
