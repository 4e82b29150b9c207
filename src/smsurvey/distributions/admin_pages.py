"""The admin pages of distributions, for users with the permission "Use SMS Distributions"
(as the API's): the list (with scheduled ones cancelled or moved together), a new
distribution (its live preview, its test text, a confirmation before anything is
scheduled) and one distribution (status, figures and funnel, related distributions, the
history and its download).

A new distribution is confirmed with a signed ticket naming the id it will have, so a
confirmation sent twice (a double click) schedules it once
(:func:`~smsurvey.distributions.service.create_once`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from starlette.datastructures import FormData

from smsurvey.accounts.credits import balance
from smsurvey.contacts.service import mailing_lists_with_counts
from smsurvey.distributions.conditions import Conditions, Field, Operator, describe
from smsurvey.distributions.draft_preview import DraftPreview, draft_preview
from smsurvey.distributions.drafts import (
    CONDITION_ROWS,
    MESSAGE_LIMIT,
    WEEKDAYS,
    Draft,
    read_local,
)
from smsurvey.distributions.library import library_messages
from smsurvey.distributions.preview import send_test
from smsurvey.distributions.quiet_hours import zone_info
from smsurvey.distributions.reports import (
    DistributionReport,
    Enclosure,
    Outcomes,
    history,
    history_csv,
    outcomes,
    report,
)
from smsurvey.distributions.service import (
    Method,
    cancel,
    create_once,
    get_distribution,
    list_distributions,
    new_distribution,
    reschedule,
)
from smsurvey.kit.db import after_commit
from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.kit.wakeup import Work
from smsurvey.models.distributions import Distribution
from smsurvey.providers.connections import list_connections
from smsurvey.sms.encoding import smart_encode
from smsurvey.surveys.service import get_survey, list_surveys
from smsurvey.web import templates
from smsurvey.web.admin import (
    ADMIN_HEADERS,
    PREFIX,
    PageCaller,
    SmsPageCallerDep,
    admin_router,
    redirect,
    render,
)
from smsurvey.web.charts import Bar, bar_chart

router = admin_router("/distributions")
HOME = f"{PREFIX}/distributions"

STATUSES = ("Scheduled", "In progress", "Waiting", "Sent", "Interrupted", "Failed", "Cancelled")
UNDER_WAY = frozenset({"In progress", "Waiting"})
"""Statuses whose figures still change: the page refreshes them."""
METHODS = (
    (Method.INVITE, "Invitation: a personal link to the survey in the browser"),
    (Method.INTERACTIVE, "2-way: the recipient answers each question by text"),
    (Method.REMINDER, "Reminder: to those invited who have not responded"),
    (Method.THANK_YOU, "Thank-you: to those who responded"),
)
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
ENCLOSURES = {
    "double": Enclosure.DOUBLE_QUOTE,
    "single": Enclosure.SINGLE_QUOTE,
    "none": Enclosure.NONE,
}
HISTORY_PAGE = 50
BULK_LIMIT = 500
_USER_ERRORS = (InvalidInput, NotFound, Conflict)


# Shared ----------------------------------------------------------------------


def _clock_shown(caller: PageCaller) -> tuple[str, Callable[[datetime | None], str]]:
    """The time zone dates are shown and typed in, and how a moment is shown in it."""
    name = caller.runtime.settings.default_time_zone
    zone = zone_info(name)

    def shown(moment: datetime | None) -> str:
        if moment is None:
            return ""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return f"{aware.astimezone(zone):%Y-%m-%d %H:%M}"

    return name, shown


def _page(request: Request, template: str, caller: PageCaller, **context: Any) -> HTMLResponse:
    zone, shown = _clock_shown(caller)
    return render(request, template, caller, zone=zone, when=shown, **context)


def _multi(form: FormData) -> dict[str, list[str]]:
    return {name: [str(v) for v in form.getlist(name)] for name in ("repeat_days", "quiet_days")}


def _draft(form: FormData) -> Draft:
    return Draft.from_form(form, _multi(form))


# The list --------------------------------------------------------------------


@router.get("")
async def distributions_page(
    request: Request, caller: SmsPageCallerDep, status: str = ""
) -> HTMLResponse:
    """The organisation's distributions, newest first, of one status when asked."""
    if status and status not in STATUSES:
        raise InvalidInput(f"status {status!r}: choose one of " + ", ".join(STATUSES))
    session, organization = caller.session, caller.organization
    found = await list_distributions(session, organization)
    seen = [await report(session, organization, d.id, caller.runtime.clock) for d in found]
    surveys = {survey.id: survey.name for survey in await list_surveys(session, organization)}
    return _page(
        request, "admin/distributions/list.html", caller,
        reports=[item for item in seen if not status or item.status == status],
        surveys=surveys, statuses=STATUSES, status=status,
    )  # fmt: skip


@router.post("/bulk")
async def bulk_form(request: Request, caller: SmsPageCallerDep) -> RedirectResponse:
    """Cancel the selected scheduled distributions, or give them a new send date, each
    through the service: those that cannot change are named with the reason."""
    form = await request.form()
    ids = list(dict.fromkeys(str(value) for value in form.getlist("ids")))[:BULK_LIMIT]
    action = form.get("action")
    if not ids:
        return redirect(request, HOME, "Select the scheduled distributions to change.")
    session, organization = caller.session, caller.organization
    if action == "cancel":
        done, refused = [], []
        for distribution_id in ids:
            try:
                await cancel(session, organization, [distribution_id])
                done.append(distribution_id)
            except (Conflict, NotFound) as wrong:
                refused.append(str(wrong))
        said = f"Cancelled {_listed(done)}." if done else "Nothing was cancelled."
    elif action == "reschedule":
        zone, _ = _clock_shown(caller)
        try:
            send_at = read_local(str(form.get("send_at", "")), zone, "new send date")
        except InvalidInput as wrong:
            return redirect(request, HOME, f"Nothing was changed: {wrong}.")
        done, refused = [], []
        for distribution_id in ids:
            try:
                await reschedule(session, organization, [distribution_id], send_at=send_at)
                done.append(distribution_id)
            except _USER_ERRORS as wrong:
                refused.append(str(wrong))
        _, shown = _clock_shown(caller)
        said = (
            f"Moved {_listed(done)} to {shown(send_at)} ({zone})."
            if done
            else "No send date was changed."
        )
    else:
        raise InvalidInput("choose to cancel the selected distributions or move them")
    if refused:
        said += " Not changed: " + "; ".join(refused) + "."
    return redirect(request, HOME, said)


def _listed(ids: list[str]) -> str:
    return f"{len(ids)} distribution{'s' if len(ids) != 1 else ''} ({', '.join(ids)})"


# A new distribution ----------------------------------------------------------


async def _built(caller: PageCaller, draft: Draft) -> Distribution:
    """The distribution ``draft`` makes, checked but not stored."""
    return await new_distribution(
        caller.session, caller.runtime, caller.organization, draft.request()
    )


async def _balance(caller: PageCaller) -> Decimal:
    return await balance(
        caller.session,
        caller.organization,
        caller.runtime.settings.initial_credits,
        caller.runtime.clock.now(),
    )


async def _form(
    request: Request,
    caller: PageCaller,
    draft: Draft,
    *,
    shown: DraftPreview | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The new-distribution form with ``draft``'s fields and what to choose from."""
    session, organization, settings = caller.session, caller.organization, caller.runtime.settings
    lists = await mailing_lists_with_counts(session, organization)
    connections = await list_connections(session, organization.id)
    parents = [
        d
        for d in await list_distributions(session, organization)
        if d.method in (Method.INVITE, Method.INTERACTIVE)
    ]
    default_sender = (
        connections[0].sender if connections else settings.sender or settings.simulator_number
    )
    return _page(
        request, "admin/distributions/new.html", caller, status_code=status_code,
        draft=draft, shown=shown, error=error, notice=notice,
        methods=METHODS, surveys=await list_surveys(session, organization),
        mailing_lists=[(m, n) for m, n in lists if m.sample_of is None],
        samples=[(m, n) for m, n in lists if m.sample_of is not None],
        library=await library_messages(session, organization),
        connections=connections, default_sender=default_sender, parents=parents,
        condition_fields=list(Field), operators=list(Operator),
        condition_rows=range(CONDITION_ROWS), weekdays=WEEKDAYS,
        message_limit=MESSAGE_LIMIT, credits=await _balance(caller),
    )  # fmt: skip


@router.get("/new")
async def new_page(
    request: Request, caller: SmsPageCallerDep, parent: str = "", method: str = ""
) -> HTMLResponse:
    """The form for a new distribution; ``parent`` starts a reminder (or, with ``method``,
    a thank-you) of that distribution."""
    zone, _ = _clock_shown(caller)
    draft = Draft(zone=zone)
    if parent:
        followed = await get_distribution(caller.session, caller.organization, parent)
        draft = replace(
            draft,
            method=Method.parse(method or Method.REMINDER).value,
            survey_id=followed.survey_id,
            parent_id=followed.id,
        )
    return await _form(request, caller, draft)


@router.post("/new")
async def new_form(request: Request, caller: SmsPageCallerDep) -> HTMLResponse:
    """The form's buttons: Preview (the same preview the live one shows), apply the
    smart-encoding fix, send a test text, Continue to the confirmation, or back to editing
    from the confirmation."""
    form = await request.form()
    action = form.get("action", "preview")
    if action == "edit":
        draft, _ = _ticket_of(caller, form)
        return await _form(request, caller, draft)
    draft = _draft(form)
    if action == "fix":
        draft = replace(draft, message_text=smart_encode(draft.message_text))
    notice = None
    try:
        distribution = await _built(caller, draft)
        if action == "test":
            to = str(form.get("test_to", "")).strip()
            if not to:
                raise InvalidInput("give the number to send the test to")
            await send_test(caller.session, caller.runtime, distribution, to)
            after_commit(caller.session, lambda: caller.runtime.wake.set(Work.SEND))
            notice = _test_sent(distribution, to)
        shown = await draft_preview(caller.session, caller.runtime, distribution)
    except _USER_ERRORS as wrong:
        return await _form(request, caller, draft, error=str(wrong), status_code=wrong.http_status)
    if action == "continue":
        return await _confirmation(request, caller, draft, distribution, shown)
    return await _form(request, caller, draft, shown=shown, notice=notice)


def _test_sent(distribution: Distribution, to: str) -> str:
    if distribution.method == Method.INTERACTIVE:
        return (
            f"The survey's first question is on its way to {to}: answer it by text to take the"
            " whole survey. The test counts in none of the distribution's figures."
        )
    return f"A test text is on its way to {to}; its links are samples that open nothing."


@router.post("/preview")
async def preview_json(request: Request, caller: SmsPageCallerDep) -> JSONResponse:
    """The live preview of the form's draft, as figures and as the HTML the form shows."""
    draft = _draft(await request.form())
    try:
        distribution = await _built(caller, draft)
        shown = await draft_preview(caller.session, caller.runtime, distribution)
    except _USER_ERRORS as wrong:
        html = _partial("admin/distributions/_preview.html", shown=None, problem=str(wrong))
        return JSONResponse({"ok": False, "error": str(wrong), "html": html}, headers=ADMIN_HEADERS)
    html = _partial("admin/distributions/_preview.html", shown=shown, problem=None)
    figures = {"ok": True, **_preview_figures(shown), "html": html}
    return JSONResponse(figures, headers=ADMIN_HEADERS)


def _partial(template: str, **context: Any) -> str:
    return templates.env.get_template(template).render(**context)


def _preview_figures(shown: DraftPreview) -> dict[str, Any]:
    preview, typed = shown.preview, shown.typed
    message = None
    if typed is not None:
        fix = None
        if typed.fixed is not None:
            fix = {
                "message": typed.fixed,
                "encoding": "GSM-7",
                "parts": typed.fixed_parts,
                "replacements": [
                    {"character": r.char, "replacement": r.replacement, "count": r.count}
                    for r in typed.replacements
                ],
            }
        message = {
            "encoding": typed.encoding,
            "parts": typed.parts,
            "characters": list(typed.characters),
            "without_replacement": list(typed.remaining),
            "fix": fix,
        }
    return {
        "message": message,
        "sample": {
            "recipient": preview.sample_recipient,
            "text": preview.text,
            "encoding": preview.encoding,
            "parts": preview.parts,
            "credits": str(preview.credits_each),
        },
        "recipients": preview.recipients,
        "kept": shown.kept,
        "total_credits": str(preview.total_credits),
        "duration_seconds": preview.duration.total_seconds(),
        "waiting": preview.waiting,
        "warnings": list(shown.warnings),
    }


# The confirmation ------------------------------------------------------------


def _tickets(caller: PageCaller) -> URLSafeSerializer:
    return URLSafeSerializer(caller.runtime.secret, salt="smsurvey-distribution-ticket")


def _ticket_of(caller: PageCaller, form: FormData) -> tuple[Draft, str]:
    """The draft and distribution id a confirmation ticket carries (for this user)."""
    try:
        data = _tickets(caller).loads(str(form.get("ticket", "")))
    except BadSignature:
        raise InvalidInput("this confirmation is not valid: fill in the form again") from None
    if not isinstance(data, dict) or data.get("user") != caller.user.id:
        raise InvalidInput("this confirmation is someone else's: fill in the form again")
    return Draft.from_json(data["draft"]), str(data["id"])


async def _confirmation(
    request: Request,
    caller: PageCaller,
    draft: Draft,
    distribution: Distribution,
    shown: DraftPreview,
) -> HTMLResponse:
    ticket = _tickets(caller).dumps(
        {"user": caller.user.id, "id": new_id("SMSD"), "draft": draft.to_json()}
    )
    conditions = (
        describe(Conditions.from_json(distribution.conditions)) if distribution.conditions else None
    )
    return _page(
        request, "admin/distributions/confirm.html", caller,
        draft=draft, distribution=distribution, shown=shown, ticket=ticket,
        conditions=conditions, credits=await _balance(caller),
        method_names=dict(METHODS),
    )  # fmt: skip


@router.post("/confirm")
async def confirm_form(request: Request, caller: SmsPageCallerDep) -> Response:
    """Schedule the confirmed distribution (once, however often this is sent)."""
    form = await request.form()
    draft, distribution_id = _ticket_of(caller, form)
    try:
        wanted = replace(draft.request(), owner_user_id=caller.user.id)
        made, created = await create_once(
            caller.session, caller.runtime, caller.organization, wanted, distribution_id
        )
    except _USER_ERRORS as wrong:
        return await _form(request, caller, draft, error=str(wrong), status_code=wrong.http_status)
    if not created:
        said = f"{made.name} was scheduled already: nothing more was scheduled."
    else:
        after_commit(caller.session, lambda: caller.runtime.wake.set(Work.PLAN))
        said = f"{made.name} is scheduled."
    return redirect(request, f"{HOME}/{made.id}", said)


# One distribution ------------------------------------------------------------


def _funnel(seen: DistributionReport, done: Outcomes) -> tuple[Markup, Markup]:
    """The funnel from recipients to finished responses, and what fell out beside it."""
    figures = seen.metrics
    skipped = done.statuses.get("Skipped", 0) + done.statuses.get("Duplicated", 0)
    funnel = [
        Bar("Recipients", figures.recipients),
        Bar("Texts sent", figures.sent),
        Bar("Texts delivered", figures.delivered, "good"),
        Bar("Opened or started", done.opened_or_started),
        Bar("Finished", done.finished, "good"),
    ]
    beside = [
        Bar("Skipped", skipped, "muted"),
        Bar("Opted out", done.statuses.get("Skipped (opt-out)", 0), "muted"),
        Bar("Failed", done.failed, "bad"),
        Bar("Unknown", figures.unknown + figures.undecided, "warn"),
    ]
    return (
        bar_chart(
            funnel,
            title="Funnel",
            description="Recipients, texts sent, delivered, opened or started, finished.",
        ),
        bar_chart(
            beside,
            title="Not reached",
            description="Recipients skipped or opted out, texts failed or unknown.",
        ),
    )


async def _figures(caller: PageCaller, distribution_id: str) -> dict[str, Any]:
    """What the page's figures show (they refresh while the distribution is under way)."""
    session, organization = caller.session, caller.organization
    seen = await report(session, organization, distribution_id, caller.runtime.clock)
    rows = await history(session, organization, distribution_id)
    done = await outcomes(session, seen.distribution, rows)
    funnel, beside = _funnel(seen, done)
    return {
        "seen": seen,
        "done": done,
        "rows": rows,
        "funnel": funnel,
        "beside": beside,
        "running": seen.status in UNDER_WAY,
    }


@router.get("/{distribution_id}")
async def distribution_page(
    request: Request, caller: SmsPageCallerDep, distribution_id: str, page: int = 1
) -> HTMLResponse:
    """One distribution: status, figures, funnel, failures, related distributions, rules,
    the history (a page of it) and its download."""
    figures = await _figures(caller, distribution_id)
    distribution = figures["seen"].distribution
    survey = await get_survey(caller.session, caller.organization, distribution.survey_id)
    rows = figures["rows"]
    pages = max((len(rows) + HISTORY_PAGE - 1) // HISTORY_PAGE, 1)
    page = min(max(page, 1), pages)
    conditions = (
        describe(Conditions.from_json(distribution.conditions)) if distribution.conditions else None
    )
    return _page(
        request, "admin/distributions/detail.html", caller,
        d=distribution, survey=survey, conditions=conditions, method_names=dict(METHODS),
        history_rows=rows[(page - 1) * HISTORY_PAGE : page * HISTORY_PAGE],
        page=page, pages=pages, **figures,
    )  # fmt: skip


@router.get("/{distribution_id}/figures")
async def figures_json(caller: SmsPageCallerDep, distribution_id: str) -> JSONResponse:
    """The figures part of the page, for the script that refreshes it."""
    figures = await _figures(caller, distribution_id)
    _, shown = _clock_shown(caller)
    html = _partial("admin/distributions/_figures.html", when=shown, **figures)
    return JSONResponse(
        {"running": figures["running"], "status": figures["seen"].status, "html": html},
        headers=ADMIN_HEADERS,
    )


@router.get("/{distribution_id}/history")
async def history_download(
    caller: SmsPageCallerDep,
    distribution_id: str,
    delimiter: str = "comma",
    enclosure: str = "double",
) -> Response:
    """The history download (the API's and the CLI's), with the delimiter and enclosure
    chosen."""
    if delimiter not in DELIMITERS or enclosure not in ENCLOSURES:
        raise InvalidInput(
            "choose a delimiter (" + ", ".join(DELIMITERS) + ") and an enclosure ("
            + ", ".join(ENCLOSURES) + ")"
        )  # fmt: skip
    distribution = await get_distribution(caller.session, caller.organization, distribution_id)
    rows = await history(caller.session, caller.organization, distribution.id)
    text = history_csv(rows, DELIMITERS[delimiter], ENCLOSURES[enclosure])
    headers = {
        **ADMIN_HEADERS,
        "Content-Disposition": f'attachment; filename="{distribution.id}-history.csv"',
    }
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/{distribution_id}/cancel")
async def cancel_form(
    request: Request, caller: SmsPageCallerDep, distribution_id: str
) -> RedirectResponse:
    """Cancel a scheduled distribution."""
    distribution = await get_distribution(caller.session, caller.organization, distribution_id)
    try:
        await cancel(caller.session, caller.organization, [distribution.id])
    except Conflict as wrong:
        return redirect(request, f"{HOME}/{distribution.id}", f"Not cancelled: {wrong}.")
    return redirect(request, f"{HOME}/{distribution.id}", f"{distribution.name} is cancelled.")
