"""Qualtrics' "Import Survey" call: ``POST /surveys`` with a ``.qsf`` file as multipart
``file`` and the new survey's ``name``. The answer is Qualtrics' ``{"id": "SV_…"}`` plus what
the file held that could not be kept (``dropped``) and what was changed to keep it
(``warnings``: HTML removed), each naming its QSF element."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from smsurvey.accounts.dependencies import CallerDep
from smsurvey.kit.envelope import Envelope, envelope
from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys import service
from smsurvey.surveys.formats import loads_qsf
from smsurvey.surveys.qsf_notes import Dropped

router = APIRouter(tags=["surveys"])


class DroppedOut(BaseModel):
    """A part of the file, by its QSF element id, and what happened to it."""

    element: str = Field(examples=["QID4"])
    reason: str = Field(examples=["SBS/SBSMatrix questions cannot be asked here"])

    @classmethod
    def of(cls, dropped: Dropped) -> DroppedOut:
        return cls(element=dropped.element, reason=dropped.reason)


class SurveyImported(BaseModel):
    """The survey created from the file."""

    id: str = Field(examples=["SV_0Rk3vQa8gqPwQDP"])
    dropped: list[DroppedOut]
    warnings: list[DroppedOut]


@router.post("/surveys", operation_id="importSurvey")
async def import_survey(
    request: Request,
    caller: CallerDep,
    file: Annotated[UploadFile, File(description="The Qualtrics survey file (.qsf).")],
    name: Annotated[str, Form(min_length=1, max_length=200, description="The survey's name.")],
) -> Envelope[SurveyImported]:
    """Create a survey from a Qualtrics export (QSF), as Qualtrics' Import Survey does.
    Nothing is stored when the file is refused."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name: a survey needs a name")
    try:
        text = (await file.read()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file: not UTF-8 text") from None
    read = loads_qsf(text, source="file")
    survey = read.survey.model_copy(update={"name": name})
    imported = await service.import_survey(
        caller.session, caller.organization, survey, caller.runtime.clock, caller.user
    )
    return envelope(
        request,
        SurveyImported(
            id=imported.survey.id,
            dropped=[DroppedOut.of(dropped) for dropped in read.dropped],
            warnings=[DroppedOut.of(warning) for warning in read.warnings],
        ),
    )
