"""The admin pages of surveys: the list and the import of a survey file, a survey as the
texts 2-way SMS sends (with its compatibility report, logic and status buttons), and its
responses (NPS, a chart per question, the table, the exports).

Any signed-in user of the organisation may use them, as any API user may call the surveys
and responses endpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from smsurvey.kit.downloads import attachment
from smsurvey.kit.errors import Conflict, InvalidInput
from smsurvey.models.surveys import Survey
from smsurvey.responses.export import (
    MEDIA_TYPES,
    ExportFormat,
    ExportOptions,
    export_file,
    export_filename,
    exported,
)
from smsurvey.responses.service import (
    answer_rows,
    count_responses,
    latest_responses,
    list_responses,
)
from smsurvey.responses.summary import (
    ChoiceSummary,
    NpsSummary,
    QuestionSummary,
    RowsSummary,
    shown_answer,
    summarise,
)
from smsurvey.surveys.availability import unavailable
from smsurvey.surveys.compatibility import check_sms_compatibility
from smsurvey.surveys.formats import import_text
from smsurvey.surveys.service import (
    change_survey,
    definition_of,
    get_survey,
    import_survey,
    list_surveys,
)
from smsurvey.surveys.sms_preview import survey_texts
from smsurvey.web.admin import PREFIX, PageCaller, PageCallerDep, admin_router, redirect, render
from smsurvey.web.charts import Bar, bar_chart, line_chart

router = admin_router("/surveys")

PAGE_SIZE = 50
_NPS_TONES = ["bad"] * 7 + ["warn"] * 2 + ["good"] * 2


def status_of(survey: Survey, caller: PageCaller) -> str:
    """``Active``, ``Paused``, ``Closed`` or ``Expired``."""
    reason = unavailable(survey, caller.runtime.clock.now())
    return "Active" if reason is None else reason.value.title()


@router.get("")
async def surveys_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """The organisation's surveys, and a form to import one."""
    return await _list(request, caller)


async def _list(
    request: Request, caller: PageCaller, *, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    surveys = await list_surveys(caller.session, caller.organization)
    counts = await count_responses(caller.session, caller.organization, (s.id for s in surveys))
    rows = []
    for survey in surveys:
        definition = definition_of(survey)
        rows.append(
            {
                "survey": survey,
                "status": status_of(survey, caller),
                "questions": len(definition.questions),
                "sms": check_sms_compatibility(definition).compatible,
                "responses": counts[survey.id],
            }
        )
    return render(
        request, "admin/surveys/list.html", caller, status_code=status_code, rows=rows,
        error=error,
    )  # fmt: skip


@router.post("/import")
async def import_form(request: Request, caller: PageCallerDep) -> Response:
    """Import a survey file (a Qualtrics export, YAML or JSON): a new survey, or a
    replacement when the file carries the id of one of ours. A bad file is named with the
    line or field at fault."""
    file = (await request.form()).get("file")
    name = Path(file.filename or "").name if isinstance(file, UploadFile) else ""
    try:
        if not isinstance(file, UploadFile) or not name:
            raise InvalidInput("choose a survey file (.qsf, .yaml, .yml or .json) to import")
        try:
            text = (await file.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{name}: not UTF-8 text") from None
        read = import_text(text, name)
        imported = await import_survey(
            caller.session, caller.organization, read.survey, caller.runtime.clock, caller.user
        )
    except (InvalidInput, Conflict) as wrong:
        return await _list(request, caller, status_code=wrong.http_status, error=str(wrong))
    survey = imported.survey
    report = check_sms_compatibility(imported.definition)
    verb = "created" if imported.created else "replaced"
    verdict = "It can go by 2-way SMS." if report.compatible else "It cannot go by 2-way SMS."
    message = f"{survey.name} ({survey.id}) is {verb}. {verdict}"
    if read.dropped:
        parts = ", ".join(dict.fromkeys(dropped.element for dropped in read.dropped))
        message += f" Not kept from the file: {len(read.dropped)} parts ({parts})."
    return redirect(request, f"{PREFIX}/surveys/{survey.id}", message)


@router.get("/{survey_id}")
async def survey_page(request: Request, caller: PageCallerDep, survey_id: str) -> HTMLResponse:
    """A survey as the texts 2-way SMS sends, its compatibility, logic and status."""
    survey = await get_survey(caller.session, caller.organization, survey_id)
    return await _survey(request, caller, survey)


async def _survey(
    request: Request,
    caller: PageCaller,
    survey: Survey,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    region = caller.runtime.settings.default_region or ""
    texts = survey_texts(definition_of(survey), caller.runtime.rates, region)
    counts = await count_responses(caller.session, caller.organization, [survey.id])
    return render(
        request, "admin/surveys/survey.html", caller, status_code=status_code, survey=survey,
        status=status_of(survey, caller), texts=texts, responses=counts[survey.id],
        error=error,
    )  # fmt: skip


@router.post("/{survey_id}/activate")
async def activate_form(request: Request, caller: PageCallerDep, survey_id: str) -> Response:
    """Take answers again."""
    return await _change(request, caller, survey_id, "active", active=True)


@router.post("/{survey_id}/pause")
async def pause_form(request: Request, caller: PageCallerDep, survey_id: str) -> Response:
    """Stop taking answers for now (what would reach respondents waits)."""
    return await _change(request, caller, survey_id, "paused", active=False)


@router.post("/{survey_id}/close")
async def close_form(
    request: Request,
    caller: PageCallerDep,
    survey_id: str,
    confirm: Annotated[bool, Form()] = False,
) -> Response:
    """Close the survey for good, once the form's confirmation box is ticked."""
    if not confirm:
        survey = await get_survey(caller.session, caller.organization, survey_id)
        error = "Tick “Yes, close it for good” to close the survey."
        return await _survey(request, caller, survey, status_code=400, error=error)
    return await _change(request, caller, survey_id, "closed", close=True)


async def _change(
    request: Request, caller: PageCaller, survey_id: str, done: str, **change: Any
) -> Response:
    survey = await get_survey(caller.session, caller.organization, survey_id)
    try:
        await change_survey(caller.session, survey, caller.runtime.clock.now(), **change)
    except Conflict as wrong:
        return await _survey(request, caller, survey, status_code=409, error=str(wrong))
    return redirect(request, f"{PREFIX}/surveys/{survey.id}", f"{survey.name} is {done}.")


@router.get("/{survey_id}/responses")
async def responses_page(
    request: Request,
    caller: PageCallerDep,
    survey_id: str,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """The survey's responses: NPS and a chart per question over all of them, a page of the
    table (latest first), and the export links."""
    survey = await get_survey(caller.session, caller.organization, survey_id)
    definition = definition_of(survey)
    counts = (await count_responses(caller.session, caller.organization, [survey.id]))[survey.id]
    rows = await answer_rows(caller.session, caller.organization, survey.id)
    summaries = summarise(definition, rows)
    shown = await latest_responses(
        caller.session, caller.organization, survey.id,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
    )  # fmt: skip
    questions = list(definition.questions.values())
    table = [
        (response, [shown_answer(q, response.values, response.labels) for q in questions])
        for response in shown
    ]
    pages = max(1, -(-counts.total // PAGE_SIZE))
    return render(
        request, "admin/surveys/responses.html", caller, survey=survey, counts=counts,
        summaries=[_charted(summary) for summary in summaries], questions=questions,
        table=table, page=page, pages=pages,
    )  # fmt: skip


def _charted(summary: QuestionSummary) -> dict[str, Any]:
    """A question's summary with its charts."""
    name = summary.question.label or summary.question.id
    charts: dict[str, Any] = {"summary": summary, "name": name, "kind": "text"}
    match summary:
        case NpsSummary():
            charts["kind"] = "nps"
            bars = [
                Bar(str(score), count, tone)
                for score, (count, tone) in enumerate(
                    zip(summary.distribution, _NPS_TONES, strict=True)
                )
            ]
            charts["distribution"] = bar_chart(
                bars, title=f"{name}: responses by score",
                description="How many respondents gave each score from 0 to 10.",
            )  # fmt: skip
            trend = [
                (f"{day:%d %b}", nps.score) for day, nps in summary.by_day if nps.score is not None
            ]
            charts["trend"] = line_chart(
                trend, title=f"{name}: NPS by day", low=-100, high=100,
                description="The Net Promoter Score of each day's responses (UTC days).",
            )  # fmt: skip
        case ChoiceSummary():
            charts["kind"] = "choice"
            charts["chart"] = bar_chart(
                [Bar(count.text, count.count) for count in summary.counts],
                title=f"{name}: responses by choice",
                description="How many respondents chose each answer.",
            )
        case RowsSummary():
            charts["kind"] = "rows"
    return charts


@router.get("/{survey_id}/responses/export")
async def export_download(
    caller: PageCallerDep, survey_id: str, format: ExportFormat = ExportFormat.CSV
) -> Response:
    """Every recorded response of the survey as the API's export writes it by default
    (partial responses included, their ``Finished`` 0)."""
    survey = await get_survey(caller.session, caller.organization, survey_id)
    responses = await list_responses(caller.session, caller.organization, survey.id)
    definition = definition_of(survey)
    content = export_file(
        definition, [exported(r, definition) for r in responses], ExportOptions(format=format)
    )
    headers = {**attachment(export_filename(survey.name, format)), "Cache-Control": "no-store"}
    return Response(content, media_type=MEDIA_TYPES[format], headers=headers)
