"""The admin page of event subscriptions (Brand Administrators, as the API's
``/eventsubscriptions``): list, subscribe a URL to response events, delete."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from smsurvey.kit.errors import InvalidInput
from smsurvey.responses.subscriptions import (
    COMPLETED,
    PARTIAL,
    subscribe,
    subscriptions_of,
    unsubscribe,
)
from smsurvey.surveys.service import get_survey, list_surveys
from smsurvey.web.admin import (
    PREFIX,
    AdminPageCallerDep,
    PageCaller,
    admin_router,
    redirect,
    render,
)

router = admin_router("/subscriptions")

PAGE = f"{PREFIX}/subscriptions"


class Event(StrEnum):
    """Which response events a subscription takes, as the topic's first part."""

    COMPLETED = COMPLETED
    PARTIAL = PARTIAL
    ANY = "surveyengine.*Response"


EVENTS = {
    Event.COMPLETED: "Completed responses",
    Event.PARTIAL: "Partial responses (left unfinished when a session expired)",
    Event.ANY: "Both",
}


class Signing(StrEnum):
    """How deliveries are signed (the ``HMAC`` field)."""

    MADE = "made"
    OWN = "own"
    NONE = "none"


async def _page(
    request: Request, caller: PageCaller, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    return render(
        request, "admin/subscriptions/index.html", caller, status_code=status_code,
        subscriptions=await subscriptions_of(caller.session, caller.organization.id),
        surveys=await list_surveys(caller.session, caller.organization),
        events=EVENTS, **context,
    )  # fmt: skip


@router.get("")
async def subscriptions_page(request: Request, caller: AdminPageCallerDep) -> HTMLResponse:
    """The organisation's subscriptions and a form to add one."""
    return await _page(request, caller)


@router.post("")
async def subscribe_form(
    request: Request,
    caller: AdminPageCallerDep,
    event: Annotated[Event, Form()],
    url: Annotated[str, Form(max_length=2000)],
    signing: Annotated[Signing, Form()] = Signing.MADE,
    survey: Annotated[str, Form(max_length=40)] = "",
    shared_key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Subscribe ``url`` to the events; a key made here is shown on the next page only."""
    if survey:
        await get_survey(caller.session, caller.organization, survey)  # a 404 if not ours
    key = {
        Signing.MADE: secrets.token_urlsafe(32),
        Signing.OWN: shared_key.strip(),
        Signing.NONE: None,
    }[signing]
    try:
        if signing is Signing.OWN and not key:
            raise InvalidInput("type your shared key, or let one be made for you")
        made = await subscribe(
            caller.session, caller.organization.id, caller.runtime.secret,
            topics=f"{event}.{survey or '*'}", url=url, shared_key=key,
            now=caller.runtime.clock.now(),
        )  # fmt: skip
    except InvalidInput as wrong:
        return await _page(
            request, caller, status_code=wrong.http_status, error=str(wrong), url=url
        )
    if signing is Signing.MADE:
        return await _page(request, caller, made=made, key=key)
    return redirect(request, PAGE, f"{made.url} is subscribed to {made.topics}.")


@router.post("/{subscription_id}/delete")
async def unsubscribe_form(
    request: Request, caller: AdminPageCallerDep, subscription_id: str
) -> Response:
    """Stop posting to a subscription (what it was still owed is dropped)."""
    await unsubscribe(caller.session, caller.organization.id, subscription_id)
    return redirect(request, PAGE, f"Subscription {subscription_id} is deleted.")
