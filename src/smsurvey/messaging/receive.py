"""The receive endpoints every provider calls back: delivery reports and inbound texts.

``/distribution-providers/v1/receive/distribution/{status|message}/{provider}/{organization_id}``
— ``provider`` is a provider's name or alias; the callback is taken by the organisation's
connection to it whose credentials it carries. One that fails every connection's
authenticity check gets 401 and changes nothing. An unknown organisation, and a provider
the organisation does not use (the simulator too, once it has a connection), get the 404
of a path that does not exist.

An authentic callback's reports and texts are stored in the webhook inbox, once each
(:mod:`smsurvey.messaging.inbox`), and the answer goes at once: the worker, woken, processes
them. The same callback again is answered alike and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from smsurvey.accounts.service import get_organization
from smsurvey.kit.errors import NotFound
from smsurvey.kit.wakeup import Work
from smsurvey.messaging.inbox import ingest, report_event, text_event
from smsurvey.providers.base import WebhookRequest
from smsurvey.runtime import Runtime

T = TypeVar("T")

router = APIRouter(
    prefix="/distribution-providers/v1/receive/distribution", tags=["provider callbacks"]
)


CALLBACK_PATH = "/{kind}/{provider}/{organization_id}"


class Received(BaseModel):
    """How many reports or texts the callback carried."""

    received: int


@router.get(CALLBACK_PATH, operation_id="receiveProviderCallbackByGet")
@router.post(CALLBACK_PATH, operation_id="receiveProviderCallback")
async def receive(
    kind: Literal["status", "message"], provider: str, organization_id: str, request: Request
) -> Received:
    """Take a provider's delivery reports (``status``) or inbound texts (``message``): store
    them for the worker, once each."""
    runtime: Runtime = request.app.state.runtime
    webhook = WebhookRequest(
        method=request.method,
        url=_called_url(runtime, request),
        headers={key.lower(): value for key, value in request.headers.items()},
        body=await request.body(),
        query=dict(request.query_params),
    )
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        try:
            await get_organization(session, organization_id)
        except NotFound:
            raise HTTPException(404) from None
        receivers = await runtime.providers.receivers(session, organization_id, provider)
    if not receivers:
        # The same answer as an unknown organisation or path: it tells nothing of which
        # organisations exist or which providers (or the simulator) one uses.
        raise HTTPException(404)
    # The callback belongs to the connection whose credentials it was signed with.
    name, adapter = next(
        ((name, adapter) for name, adapter in receivers if adapter.verify(webhook)),
        (None, None),
    )
    if name is None or adapter is None:
        raise HTTPException(401, "the callback failed the provider's authenticity check")
    reports = _parse(adapter.parse_status, webhook, provider) if kind == "status" else []
    # A status callback with no report may carry a reply: MessageMedia posts replies
    # to the callback URL of the text they answer.
    texts = [] if reports else _parse(adapter.parse_inbound, webhook, provider)
    events = [report_event(report) for report in reports] + [text_event(text) for text in texts]
    if await ingest(runtime.engine, organization_id, name, events, now):
        runtime.wake.set(Work.INBOX)
    return Received(received=len(events))


def _called_url(runtime: Runtime, request: Request) -> str:
    """The URL the provider called, as it signed it: our public address (behind a proxy the
    server itself sees another), the path and the query as sent."""
    query = f"?{request.url.query}" if request.url.query else ""
    return runtime.settings.public_url.rstrip("/") + request.url.path + query


def _parse(
    parse: Callable[[WebhookRequest], list[T]], webhook: WebhookRequest, name: str
) -> list[T]:
    try:
        return parse(webhook)
    except (ValueError, KeyError, TypeError) as error:
        raise HTTPException(400, f"unreadable {name} callback: {error}") from None
