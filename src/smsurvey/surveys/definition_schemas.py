"""The survey-definition API's bodies in Qualtrics' shape: the "Get Survey" definition
(``SurveyID``, ``SurveyName``, ``Questions`` keyed by QID, ``Blocks`` keyed by block id,
``SurveyFlow``, …, as Qualtrics answers ``GET /survey-definitions/{id}``), built from the
survey's QSF, and the small bodies of the create and change calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smsurvey.distributions.schemas import iso
from smsurvey.models.surveys import Survey
from smsurvey.surveys.qsf_edits import Qsf, block_payloads, part, question_payloads
from smsurvey.surveys.qsf_export import PROJECT

SCORING: dict[str, Any] = {
    "ScoringCategories": [],
    "ScoringCategoryGroups": [],
    "ScoringSummaryCategory": None,
    "ScoringSummaryAfterQuestions": 0,
    "ScoringSummaryAfterSurvey": 0,
    "DefaultScoringCategory": None,
    "AutoScoringCategory": None,
}


def survey_definition(document: Qsf, survey: Survey, base_url: str) -> dict[str, Any]:
    """The "Get Survey" definition of ``survey`` whose QSF is ``document``."""
    entry = document["SurveyEntry"]
    options = {
        **part(document, "SO")["Payload"],
        "SurveyName": entry["SurveyName"],
        "SurveyLanguage": entry["SurveyLanguage"],
        "SurveyStartDate": None,
        "SurveyExpirationDate": iso(survey.expires_at),
        "SurveyCreationDate": iso(survey.created_at),
    }
    questions = question_payloads(document)
    return {
        "QuestionCount": str(len(questions)),
        "SurveyOptions": options,
        "SurveyID": survey.id,
        "SurveyName": entry["SurveyName"],
        "SurveyStatus": entry["SurveyStatus"],
        "LastModified": iso(survey.updated_at),
        "BrandID": entry["SurveyBrandID"],
        "OwnerID": entry["SurveyOwnerID"],
        "LastAccessed": None,
        "CreatorID": entry["CreatorID"],
        "LastActivated": None,
        "Questions": questions,
        "Blocks": block_payloads(document),
        "ResponseSets": {},
        "SurveyFlow": part(document, "FL")["Payload"],
        "Scoring": SCORING,
        "ProjectInfo": {
            "SurveyID": survey.id,
            "ProjectCategory": PROJECT["ProjectCategory"],
            "ProjectType": None,
            "CompositionType": None,
            "ContentBundle": None,
        },
        "BrandBaseURL": base_url,
    }


class SurveyCreate(BaseModel):
    """Qualtrics' create body: an empty survey."""

    model_config = ConfigDict(extra="forbid")

    SurveyName: str = Field(min_length=1, max_length=200)
    Language: str = Field(default="EN", min_length=2, max_length=10)
    ProjectCategory: Literal["CORE"] = "CORE"


class SurveyCreated(BaseModel):
    """A survey made: its id, its default block, and (for a QSF) what the file held that
    could not be kept and what was changed to keep it."""

    SurveyID: str = Field(examples=["SV_0Rk3vQa8gqPwQDP"])
    DefaultBlockID: str = Field(examples=["BL_0Rk3vQa8gqPwQDP"])
    dropped: list[dict[str, str]] | None = None
    warnings: list[dict[str, str]] | None = None


class SurveyDeleted(BaseModel):
    """When the survey was deleted."""

    DeletedDate: str = Field(examples=["2026-12-08T09:00:00Z"])


class MetadataChange(BaseModel):
    """``PUT …/metadata``: what to change (omitted fields stay); dates are MySQL datetimes
    (``YYYY-MM-DD HH:MM:SS``, UTC), ``0000-00-00 00:00:00`` or null for none."""

    model_config = ConfigDict(extra="forbid")

    SurveyName: str | None = Field(default=None, min_length=1, max_length=200)
    SurveyDescription: str | None = Field(default=None, max_length=10_000)
    SurveyStatus: Literal["Active", "Inactive"] | None = None
    SurveyStartDate: str | None = None
    SurveyExpirationDate: str | None = None

    def expiration(self) -> datetime | None:
        """The expiration date given (``None`` for none); :class:`ValueError` when it is
        not a MySQL datetime."""
        value = self.SurveyExpirationDate
        if not value or value == "0000-00-00 00:00:00":
            return None
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


class QuestionCreated(BaseModel):
    """The id of the question made."""

    QuestionID: str = Field(examples=["QID4"])


class BlockCreated(BaseModel):
    """The ids of the block made and of the flow element showing it."""

    BlockID: str = Field(examples=["BL_0Rk3vQa8gqPwQDP"])
    FlowID: str = Field(examples=["FL_5"])
