"""The one-click opt-out page behind a text's ``${l://OptOutURL}`` link (``/o/{token}``).

A ``GET`` only shows the page, with one button (link previewers fetch links, so a ``GET``
must change nothing); the button's ``POST`` opts out, as a STOP reply does, every contact of
the organisation with the number the text went to (``source="opt-out-link"``).

A link works for :data:`~smsurvey.distributions.links.OPT_OUT_LINK_LIFETIME` after its text
was sent (its first ``Sent`` event), then says it has expired (``410``). A text that was never
handed to the provider cannot have been received: its link is not valid (``404``), like a
token that was not minted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.service import contacts_with_phone, first_text_sent, set_opted_out
from smsurvey.distributions.links import OPT_OUT_LINK_LIFETIME, opt_out_link_recipient
from smsurvey.kit.tokens import InvalidToken
from smsurvey.models.contacts import Contact
from smsurvey.models.messaging import Message
from smsurvey.requests import RuntimeDep, SessionDep
from smsurvey.runtime import Runtime
from smsurvey.sms.sender_ids import can_receive_replies
from smsurvey.web import page

router = APIRouter(include_in_schema=False)

SOURCE = "opt-out-link"
"""How the opt-out history records an opt-out by link."""


class LinkState(StrEnum):
    """What an opt-out link's page says."""

    OFFER = "offer"
    """The button to opt out."""
    DONE = "done"
    """Opted out just now."""
    ALREADY = "already"
    """Opted out before."""
    EXPIRED = "expired"
    """Past its lifetime (``410``); a number already opted out is told that instead."""


@dataclass(frozen=True)
class _Link:
    """The recipient's text the link came in, and the contacts with the number it went to."""

    message: Message
    sent_at: datetime
    contacts: list[Contact]

    def state(self, now: datetime) -> LinkState:
        """Where the link stands at ``now``."""
        if all(contact.opted_out for contact in self.contacts):
            return LinkState.ALREADY
        if now >= self.sent_at + OPT_OUT_LINK_LIFETIME:
            return LinkState.EXPIRED
        return LinkState.OFFER


@router.api_route("/o/{token}", methods=["GET", "HEAD"])
async def opt_out_page(
    request: Request, runtime: RuntimeDep, session: SessionDep, token: str
) -> HTMLResponse:
    """The page that offers to opt out (or says the link expired, or that it is done)."""
    link = await _find_link(session, runtime, token)
    if link is None:
        return page(request, "link_invalid.html", status_code=404)
    return _show(request, link, link.state(runtime.clock.now()))


@router.post("/o/{token}")
async def opt_out(
    request: Request, runtime: RuntimeDep, session: SessionDep, token: str
) -> HTMLResponse:
    """Opt out the number the link's text went to, while the link works."""
    link = await _find_link(session, runtime, token)
    if link is None:
        return page(request, "link_invalid.html", status_code=404)
    state = link.state(runtime.clock.now())
    if state is LinkState.OFFER:
        for contact in link.contacts:
            await set_opted_out(
                session,
                contact,
                True,
                source=SOURCE,
                detail=f"message {link.message.id}",
                clock=runtime.clock,
            )
        state = LinkState.DONE
    return _show(request, link, state)


async def _find_link(session: AsyncSession, runtime: Runtime, token: str) -> _Link | None:
    """What the token names, or ``None`` when the link is not valid."""
    try:
        recipient_id = opt_out_link_recipient(runtime, token)
    except InvalidToken:
        return None
    sent = await first_text_sent(session, recipient_id)
    if sent is None:
        return None
    message, sent_at = sent
    contacts = await contacts_with_phone(session, message.organization_id, message.recipient)
    return _Link(message, sent_at, contacts) if contacts else None


def _show(request: Request, link: _Link, state: LinkState) -> HTMLResponse:
    return page(
        request,
        "opt_out.html",
        status_code=410 if state is LinkState.EXPIRED else 200,
        state=state,
        lifetime_days=OPT_OUT_LINK_LIFETIME.days,
        can_reply_stop=can_receive_replies(link.message.sender),
    )
