"""The surveys API's bodies: a survey in the v3 "Get Survey" shape (questions keyed by
id, blocks, flow, export column map), built from our definition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smsurvey.distributions.schemas import iso
from smsurvey.models.surveys import Survey
from smsurvey.surveys.definition import (
    Branch,
    EndSurvey,
    FlowElement,
    Group,
    NpsQuestion,
    OtherQuestion,
    Question,
    Randomizer,
    SetEmbeddedData,
    ShowBlock,
    SurveyDefinition,
    iter_flow,
)
from smsurvey.surveys.service import KEEP, Keep, is_collecting

_TYPES = {
    "nps": {"type": "MC", "selector": "NPS", "subSelector": None},
    "single_choice": {"type": "MC", "selector": "SAVR", "subSelector": "TX"},
    "multiple_choice": {"type": "MC", "selector": "MAVR", "subSelector": "TX"},
    "text_entry": {"type": "TE", "selector": "SL", "subSelector": None},
    "matrix": {"type": "Matrix", "selector": "Likert", "subSelector": "SingleAnswer"},
}


class SurveySummary(BaseModel):
    """A survey in the list of surveys."""

    id: str = Field(examples=["SV_0Rk3vQa8gqPwQDP"])
    name: str
    ownerId: str
    lastModified: str | None
    creationDate: str | None
    isActive: bool

    @classmethod
    def of(cls, survey: Survey, owner_id: str) -> SurveySummary:
        """The API's view of ``survey``, owned by the user ``owner_id``."""
        return cls(
            id=survey.id,
            name=survey.name,
            ownerId=owner_id,
            lastModified=iso(survey.updated_at),
            creationDate=iso(survey.created_at),
            isActive=is_collecting(survey),
        )


class Expiration(BaseModel):
    """When responses may be collected."""

    startDate: str | None = None
    endDate: str | None = None


class SurveyDetail(BaseModel):
    """A survey with its questions, blocks and flow."""

    id: str
    name: str
    ownerId: str
    organizationId: str
    isActive: bool
    creationDate: str | None
    lastModifiedDate: str | None
    expiration: Expiration
    questions: dict[str, dict[str, Any]]
    exportColumnMap: dict[str, dict[str, str]]
    blocks: dict[str, dict[str, Any]]
    flow: list[dict[str, Any]]
    embeddedData: list[dict[str, str | None]]
    responseCounts: dict[str, int]

    @classmethod
    def of(
        cls, survey: Survey, definition: SurveyDefinition, finished: int, owner_id: str
    ) -> SurveyDetail:
        """The API's view of ``survey``, owned by the user ``owner_id``."""
        questions = [q for block in definition.blocks for q in block.questions]
        fields = [
            {"name": f.name, "defaultValue": f.value}
            for _, element in iter_flow(definition.flow)
            if isinstance(element, SetEmbeddedData)
            for f in element.fields
        ]
        return cls(
            id=survey.id,
            name=survey.name,
            ownerId=owner_id,
            organizationId=survey.organization_id,
            isActive=is_collecting(survey),
            creationDate=iso(survey.created_at),
            lastModifiedDate=iso(survey.updated_at),
            expiration=Expiration(endDate=iso(survey.expires_at)),
            questions={q.id: _question(q) for q in questions},
            exportColumnMap={(q.label or q.id): {"question": q.id} for q in questions},
            blocks={
                block.id: {
                    "description": block.description,
                    "elements": [{"type": "Question", "questionId": q.id} for q in block.questions],
                }
                for block in definition.blocks
            },
            flow=[_flow(element) for element in definition.flow],
            embeddedData=fields,
            responseCounts={"auditable": finished, "generated": 0, "deleted": 0},
        )


def _question(question: Question) -> dict[str, Any]:
    kind = _TYPES.get(question.type)
    if kind is None:
        source = question.source_type if isinstance(question, OtherQuestion) else None
        kind = {"type": source or question.type, "selector": None, "subSelector": None}
    shown: dict[str, Any] = {
        "questionType": kind,
        "questionText": question.text,
        "questionLabel": question.label,
        "questionName": question.label or question.id,
        "validation": {"doesForceResponse": False},
    }
    if isinstance(question, NpsQuestion):
        choices = [(str(n), str(n)) for n in range(11)]
    else:
        choices = [(choice.id, choice.text) for choice in getattr(question, "choices", ())]
    if choices:
        shown["choices"] = {
            recode: {"recode": recode, "description": text, "choiceText": text, "analyze": True}
            for recode, text in choices
        }
    return shown


def _flow(element: FlowElement) -> dict[str, Any]:
    if isinstance(element, ShowBlock):
        return {"type": "Block", "id": element.id}
    if isinstance(element, Branch):
        return {
            "type": "Branch",
            "description": element.description,
            "flow": [_flow(child) for child in element.flow],
        }
    if isinstance(element, SetEmbeddedData):
        return {"type": "EmbeddedData", "fields": [f.name for f in element.fields]}
    if isinstance(element, EndSurvey):
        return {"type": "EndSurvey"}
    kind = {Group: "Group", Randomizer: "BlockRandomizer"}.get(type(element))
    kind = kind or getattr(element, "source_type", "Unsupported")
    return {"type": kind, "flow": [_flow(child) for child in element.flow]}


class SurveyChange(BaseModel):
    """``PUT /surveys/{id}``: what to change (omitted fields stay)."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    isActive: bool | None = None
    expiration: Expiration | None = None

    def end_date(self) -> datetime | Keep | None:
        """The expiration's end, parsed (:class:`ValueError` when unreadable): ``None`` when
        it is given as ``null`` or empty (the survey no longer expires), :data:`KEEP` when
        it is not given."""
        if self.expiration is None or "endDate" not in self.expiration.model_fields_set:
            return KEEP
        if not self.expiration.endDate:
            return None
        return datetime.fromisoformat(self.expiration.endDate.replace("Z", "+00:00"))


class ImportedOut(BaseModel):
    """A survey definition stored."""

    SurveyID: str = Field(examples=["SV_0Rk3vQa8gqPwQDP"])
    created: bool
