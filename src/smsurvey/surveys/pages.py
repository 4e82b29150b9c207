"""The mobile web survey behind a recipient's personal link (``/s/{token}``).

One question per page (page breaks are not needed then), answered with a plain HTML form
(POST, then a redirect to the page) that works without script: each question type's fields
and checks are :mod:`smsurvey.surveys.web_form`'s. What comes next — display, skip and branch
logic, groups, randomizers, end messages — is decided as in a 2-way conversation
(:mod:`smsurvey.responses.web`). Survey texts are shown as
:func:`~smsurvey.surveys.render.plain_text`, escaped: the author's HTML is not rendered.

* **Opened.** The first visit opens the recipient's web session, and the first visit of
  each link appends ``Opened`` to its recipient. A reminder's link continues the response
  its invitation's link started (the invitation recipient's session), never a new one.
  Messaging apps fetch links to draw previews, some on the handset as soon as the text
  arrives, so a ``HEAD`` or a ``GET`` from a known link previewer (:func:`is_link_preview`)
  gets the page, Open Graph tags included, but opens nothing and records nothing.
* **Availability.** The link works until the survey is closed or past its expiry (then
  ``410 Gone``) or while it is paused (``200``: it may resume), and each page says which.
  Someone who already finished sees their end message whatever the survey's state.
* A token that was not minted here gets ``404`` and a page that says the link is not valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.follow_ups import response_owner
from smsurvey.distributions.links import survey_link_recipient
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.tokens import InvalidToken
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Distribution, Recipient
from smsurvey.models.messaging import SessionStatus
from smsurvey.models.responses import WebSession
from smsurvey.models.surveys import Survey
from smsurvey.requests import SessionDep
from smsurvey.responses.web import (
    answer_web_session,
    definition_of,
    end_message,
    find_web_session,
    link_recipient,
    open_web_session,
    record_opened,
    state_after,
    state_of,
)
from smsurvey.runtime import Runtime
from smsurvey.surveys.availability import FOR_GOOD, Unavailable, unavailable
from smsurvey.surveys.conversation import ConversationState
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.render import plain_text
from smsurvey.surveys.service import definition_of as survey_definition
from smsurvey.surveys.web_form import (
    MAX_TEXT_ANSWER,
    InvalidAnswer,
    Posted,
    question_view,
    read_answer,
)
from smsurvey.web import page

router = APIRouter(include_in_schema=False)

OG_DESCRIPTION = "A short survey: tap to answer. It takes about a minute."
OG_IMAGE = "/static/og-image.png"
"""Path of the link-preview image under ``public_url``."""


# User agents of the services that fetch links to draw previews (iMessage sends
# "facebookexternalhit … Twitterbot"); a miss only means an early "Opened".
_PREVIEWERS = re.compile(
    r"facebookexternalhit|facebot|twitterbot|whatsapp|slackbot|slack-imgproxy|telegrambot"
    r"|discordbot|linkedinbot|skypeuripreview|applebot|googlebot|bingbot|redditbot|embedly"
    r"|iframely|pinterest|vkshare|mastodon|bitlybot|crawler|spider",
    re.IGNORECASE,
)


def is_link_preview(request: Request) -> bool:
    """Whether ``request`` comes from a link previewer rather than a person opening the link."""
    user_agent = request.headers.get("user-agent", "")
    return request.method == "HEAD" or _PREVIEWERS.search(user_agent) is not None


# ----------------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class _Link:
    """What a survey link leads to."""

    recipient: Recipient
    distribution: Distribution
    survey: Survey
    contact: Contact | None


@dataclass(frozen=True)
class _Visit:
    """A visit to a survey link that may proceed; no session for a link preview."""

    link: _Link
    definition: SurveyDefinition
    state: ConversationState
    web_session: WebSession | None


@router.api_route("/s/{token}", methods=["GET", "HEAD"])
async def survey_page(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    """The recipient's survey: the question waiting for them, or the end."""
    try:
        # A savepoint: a survey this page cannot run leaves nothing of the visit behind,
        # though the request's unit of work commits the page that says so.
        async with session.begin_nested():
            visit = await _visit(session, request, token, record=not is_link_preview(request))
            return visit if isinstance(visit, HTMLResponse) else _show(request, visit)
    except InvalidInput:
        return _unavailable_page(request, None, Unavailable.UNSUPPORTED)


@router.post("/s/{token}")
async def answer_question(request: Request, session: SessionDep, token: str) -> Response:
    """Take the answer to the question waiting, then show what comes next.

    A form for another question (a second tab, the back button) changes nothing.
    """
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    posted: Posted = {
        name: [value for value in form.getlist(name) if isinstance(value, str)] for name in form
    }
    question = next(iter(posted.get("question", ())), "")
    try:
        async with session.begin_nested():  # as in survey_page
            visit = await _visit(session, request, token, record=True)
            if isinstance(visit, HTMLResponse):
                return visit
            if visit.web_session is not None and visit.state.question == question:
                try:
                    given = read_answer(visit.definition.questions[question], posted)
                except InvalidAnswer as problem:
                    return _show(request, visit, error=str(problem), posted=posted)
                await answer_web_session(
                    session,
                    visit.web_session,
                    given,
                    contact=visit.link.contact,
                    phone=visit.link.recipient.phone,
                    now=runtime.clock.now(),
                )
    except InvalidInput:
        return _unavailable_page(request, None, Unavailable.UNSUPPORTED)
    # Relative to /s/: back to this page wherever smsurvey is served.
    return RedirectResponse(token, status_code=303)


async def _visit(
    session: AsyncSession, request: Request, token: str, *, record: bool
) -> _Visit | HTMLResponse:
    """The visit ``token`` starts, or the page that ends it (not found, unavailable).

    With ``record``, a first visit opens the session of the response the link continues
    (and records ``Opened``).
    """
    runtime: Runtime = request.app.state.runtime
    link = await _find_link(session, runtime, token)
    if link is None:
        return page(request, "link_invalid.html", status_code=404)
    owner, distribution = await response_owner(session, link.recipient, link.distribution)
    web_session = await find_web_session(session, owner.id)
    finished = web_session is not None and web_session.status == SessionStatus.COMPLETED
    now = runtime.clock.now()
    if not finished and (reason := unavailable(link.survey, now)) is not None:
        return _unavailable_page(request, link, reason)
    if not record:
        if web_session is not None:
            return _Visit(link, definition_of(web_session), state_of(web_session), web_session)
        definition = survey_definition(link.survey)
        embedded_data = dict(link.contact.embedded_data) if link.contact else {}
        return _Visit(link, definition, state_after(definition, {}, embedded_data), None)
    if web_session is None:
        web_session = await open_web_session(
            session,
            survey=link.survey,
            distribution=distribution,
            recipient=owner,
            contact=link.contact,
            now=now,
        )
    await record_opened(session, link.recipient.id, now)
    return _Visit(link, definition_of(web_session), state_of(web_session), web_session)


async def _find_link(session: AsyncSession, runtime: Runtime, token: str) -> _Link | None:
    """The recipient the token names, locked until the visit's transaction ends."""
    try:
        recipient_id = survey_link_recipient(runtime, token)
    except InvalidToken:
        return None
    row = await link_recipient(session, recipient_id)
    return None if row is None else _Link(*row)


def _show(
    request: Request, visit: _Visit, *, error: str = "", posted: Posted | None = None
) -> HTMLResponse:
    """The page for where the visit stands, with ``error`` about the ``posted`` answer."""
    if visit.state.question is None:
        message = plain_text(end_message(visit.definition, visit.state))
        return _survey_page(request, visit.link, "survey_end.html", message=message)
    view = question_view(visit.definition.questions[visit.state.question])
    if view is None:
        return _unavailable_page(request, visit.link, Unavailable.UNSUPPORTED)
    return _survey_page(
        request,
        visit.link,
        "survey_question.html",
        status_code=422 if error else 200,
        question=view,
        max_text=MAX_TEXT_ANSWER,
        error=error,
        posted=posted or {},
    )


def _unavailable_page(request: Request, link: _Link | None, reason: Unavailable) -> HTMLResponse:
    """Why the survey takes no answers: ``410`` when that is for good, ``200`` otherwise."""
    gone = reason in FOR_GOOD
    return _survey_page(
        request, link, "survey_unavailable.html", status_code=410 if gone else 200, reason=reason
    )


def _survey_page(
    request: Request, link: _Link | None, template: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    """A page of the survey, with its name and Open Graph tags when the survey is known."""
    if link is not None:
        runtime: Runtime = request.app.state.runtime
        context["survey_name"] = link.survey.name
        context["og"] = {
            "title": link.survey.name,
            "description": OG_DESCRIPTION,
            "image": runtime.settings.public_url.rstrip("/") + OG_IMAGE,
        }
    return page(request, template, status_code=status_code, **context)
