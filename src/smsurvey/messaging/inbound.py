"""What happens to a text someone sends us.

In order: STOP words always opt the number out (and close its session); a reply in an open
session is an answer — unless it is a START or HELP keyword that is not a valid answer to
the current question (on a text-entry question the keyword wins); otherwise START opts
back in, HELP gets the help text, an access code starts a survey, and anything else gets
"You are not currently taking a survey." Every text is stored first. A number whose
contacts have all opted out gets no reply but to STOP, START and HELP.

A survey that takes no answers takes no new respondents: an access code of a paused survey
gets ``SMSURVEY_SURVEY_PAUSED_TEXT``, of a closed or expired one
``SMSURVEY_SURVEY_CLOSED_TEXT``, and starts nothing. A conversation under way goes on
while its survey is paused (as a response in progress may finish); once the survey is
closed or expired, the next text ends it (what was answered is kept) with the closed text.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.service import contacts_with_phone, set_opted_out
from smsurvey.distributions.access_codes import find_access_code
from smsurvey.messaging.outbox import CONVERSATION, Route, queue_text
from smsurvey.messaging.sessions import (
    close_session,
    definition_of,
    open_session,
    open_session_for,
    state_of,
    take_reply,
)
from smsurvey.models.messaging import (
    ConversationSession,
    Direction,
    InboundPart,
    Message,
    MessageEvent,
    MessageKind,
    SendState,
    SessionStatus,
)
from smsurvey.models.surveys import Survey
from smsurvey.providers.base import InboundSms
from smsurvey.runtime import Runtime
from smsurvey.sms.keywords import Keyword, KeywordMatch, match_keyword
from smsurvey.sms.phones import check_phone
from smsurvey.surveys.availability import FOR_GOOD, Unavailable, unavailable
from smsurvey.surveys.conversation import match_answer
from smsurvey.surveys.definition import TextEntryQuestion
from smsurvey.surveys.service import definition_of as stored_definition

log = logging.getLogger(__name__)


class _Inbound:
    """One inbound text being handled."""

    def __init__(
        self,
        session: AsyncSession,
        runtime: Runtime,
        organization_id: str,
        provider: str,
        sms: InboundSms,
    ) -> None:
        checked = check_phone(sms.sender, time_zones=False)
        self.session = session
        self.runtime = runtime
        self.organization_id = organization_id
        self.sms = sms
        self.phone = checked.e164 or sms.sender
        self.region = checked.region
        self.route = Route(organization_id, provider, sms.recipient, self.phone, self.region)
        self.message = Message(
            organization_id=organization_id,
            direction=Direction.IN,
            provider=provider,
            sender=self.phone,
            recipient=sms.recipient,
            body=sms.text,
            kind=MessageKind.REPLY,
            provider_message_id=sms.provider_message_id,
            send_state=SendState.RECEIVED,
            created_at=runtime.clock.now(),
            events=[MessageEvent(status="Received", at=sms.received_at or runtime.clock.now())],
        )
        session.add(self.message)

    def reply(self, body: str, kind: MessageKind, session_id: str | None = None) -> None:
        self.session.add(
            queue_text(
                self.route,
                body,
                kind=kind,
                rates=self.runtime.rates,
                now=self.runtime.clock.now(),
                priority=CONVERSATION,
                session_id=session_id,
            )
        )

    async def set_opted_out(self, opted_out: bool, word: str) -> None:
        for contact in await contacts_with_phone(self.session, self.organization_id, self.phone):
            await set_opted_out(
                self.session,
                contact,
                opted_out,
                source="sms-keyword",
                detail=word,
                clock=self.runtime.clock,
            )


async def handle_inbound(
    session: AsyncSession, runtime: Runtime, organization_id: str, provider: str, sms: InboundSms
) -> str:
    """Store ``sms`` and act on it (see the module docstring); returns what was done.

    A part of a long text is kept until its last part arrives: then the whole text is
    handled, once, as if it had come in one piece.
    """
    if sms.part is not None:
        whole = await _whole(session, runtime, organization_id, provider, sms)
        if whole is None:
            return "part kept"
        sms = whole
    inbound = _Inbound(session, runtime, organization_id, provider, sms)
    keyword = match_keyword(sms.text)
    with session.no_autoflush:  # the text is written once, with its session
        live = await _live_session(inbound)
    if live is not None:
        inbound.message.session_id = live.id
    if keyword is not None and keyword.keyword is Keyword.STOP:
        if live is not None:
            await close_session(session, runtime, live, state_of(live), SessionStatus.OPTED_OUT)
        await inbound.set_opted_out(True, keyword.word)
        inbound.reply(runtime.settings.stop_text, MessageKind.CONFIRMATION)
        return "opted out"
    if live is not None and await _survey_over(inbound, live):
        await close_session(session, runtime, live, state_of(live), SessionStatus.EXPIRED)
        live = None
        if keyword is None:
            inbound.reply(
                runtime.settings.survey_closed_text, MessageKind.END, inbound.message.session_id
            )
            return "survey closed"
    if live is not None and not _keyword_wins(live, sms.text, keyword):
        turn = await take_reply(session, runtime, live, sms.text, inbound.region)
        return f"answer {turn.outcome}"
    if keyword is not None and keyword.keyword is Keyword.START:
        await inbound.set_opted_out(False, keyword.word)
        inbound.reply(runtime.settings.start_text, MessageKind.CONFIRMATION)
        return "opted in"
    if keyword is not None:  # HELP
        inbound.reply(runtime.settings.help_text, MessageKind.HELP, live.id if live else None)
        return "help"
    if await _all_opted_out(inbound):
        log.info("text from an opted-out number not answered", extra={"phone": inbound.phone})
        return "ignored (opted out)"
    return await _access_code_or_nothing(inbound)


async def _live_session(inbound: _Inbound) -> ConversationSession | None:
    """The number's open session, expiring it first when its 48 hours are over."""
    live = await open_session_for(inbound.session, inbound.organization_id, inbound.phone)
    if live is not None and live.expires_at <= inbound.runtime.clock.now():
        await close_session(
            inbound.session, inbound.runtime, live, state_of(live), SessionStatus.EXPIRED
        )
        return None
    return live


async def _survey_over(inbound: _Inbound, live: ConversationSession) -> bool:
    """Whether the session's survey is closed or expired (it takes answers no more)."""
    survey = await inbound.session.get(Survey, live.survey_id)
    return survey is None or unavailable(survey, inbound.runtime.clock.now()) in FOR_GOOD


def _keyword_wins(live: ConversationSession, text: str, keyword: KeywordMatch | None) -> bool:
    """Whether START or HELP is meant as the keyword rather than as an answer."""
    if keyword is None:
        return False
    state = state_of(live)
    if state.question is None:
        return True
    question = definition_of(live).questions[state.question]
    return isinstance(question, TextEntryQuestion) or match_answer(question, text) is None


async def _all_opted_out(inbound: _Inbound) -> bool:
    contacts = await contacts_with_phone(inbound.session, inbound.organization_id, inbound.phone)
    return bool(contacts) and all(contact.opted_out for contact in contacts)


async def _access_code_or_nothing(inbound: _Inbound) -> str:
    session, runtime = inbound.session, inbound.runtime
    code = await find_access_code(session, inbound.organization_id, inbound.sms.text)
    if code is None:
        inbound.reply(runtime.settings.not_in_session_text, MessageKind.NOT_IN_SESSION)
        return "not in a session"
    if inbound.region != code.region:
        inbound.reply(runtime.settings.access_code_refused_text, MessageKind.REFUSAL)
        return "access code refused"
    survey = await session.get(Survey, code.survey_id)
    if survey is None:  # the survey was deleted after the code was linked
        inbound.reply(runtime.settings.not_in_session_text, MessageKind.NOT_IN_SESSION)
        return "not in a session"
    reason = unavailable(survey, runtime.clock.now())
    if reason is not None:
        paused = reason is Unavailable.PAUSED
        settings = runtime.settings
        inbound.reply(
            settings.survey_paused_text if paused else settings.survey_closed_text,
            MessageKind.REFUSAL,
        )
        return f"access code refused (survey {reason})"
    started = await open_session(
        session,
        runtime,
        survey=survey,
        definition=stored_definition(survey),
        route=inbound.route,
        embedded_data={"Q_RecipientPhoneNumber": inbound.phone},
        priority=CONVERSATION,
    )
    inbound.message.session_id = started.id
    return "access code"


async def _whole(
    session: AsyncSession, runtime: Runtime, organization_id: str, provider: str, sms: InboundSms
) -> InboundSms | None:
    """Keep a part; the whole text once every part is in (``None`` until then)."""
    part = sms.part
    assert part is not None
    same_text = (
        InboundPart.organization_id == organization_id,
        InboundPart.provider == provider,
        InboundPart.sender == sms.sender,
        InboundPart.reference == part.reference,
    )
    known = await session.scalar(
        select(InboundPart.id).where(*same_text, InboundPart.number == part.number)
    )
    if known is None:  # a provider's retry of a part changes nothing
        session.add(
            InboundPart(
                organization_id=organization_id,
                provider=provider,
                sender=sms.sender,
                recipient=sms.recipient,
                reference=part.reference,
                number=part.number,
                total=part.total,
                text=sms.text,
                provider_message_id=sms.provider_message_id,
                received_at=sms.received_at or runtime.clock.now(),
            )
        )
        await session.flush()
    parts = list(
        await session.scalars(select(InboundPart).where(*same_text).order_by(InboundPart.number))
    )
    if len(parts) < part.total:
        return None
    for piece in parts:
        await session.delete(piece)
    return replace(
        sms,
        text="".join(piece.text for piece in parts),
        provider_message_id=parts[0].provider_message_id,
        received_at=parts[0].received_at,
        part=None,
    )


PART_WAIT = timedelta(minutes=5)
"""How long the rest of a long text is waited for before what came is taken as the text."""


async def flush_stale_parts(session: AsyncSession, runtime: Runtime) -> int:
    """Handle the long texts whose missing parts did not come within :data:`PART_WAIT`,
    as the parts that did come (rather than never answering); returns how many."""
    cutoff = runtime.clock.now() - PART_WAIT
    stale = (
        await session.execute(
            select(
                InboundPart.organization_id,
                InboundPart.provider,
                InboundPart.sender,
                InboundPart.reference,
            )
            .group_by(
                InboundPart.organization_id,
                InboundPart.provider,
                InboundPart.sender,
                InboundPart.reference,
            )
            .having(func.min(InboundPart.received_at) <= cutoff)
        )
    ).all()
    for organization_id, provider, sender, reference in stale:
        parts = list(
            await session.scalars(
                select(InboundPart)
                .where(
                    InboundPart.organization_id == organization_id,
                    InboundPart.provider == provider,
                    InboundPart.sender == sender,
                    InboundPart.reference == reference,
                )
                .order_by(InboundPart.number)
            )
        )
        log.warning(
            "long text incomplete: taken as its parts so far",
            extra={"phone": sender, "parts": len(parts), "total": parts[0].total},
        )
        for piece in parts:
            await session.delete(piece)
        text = InboundSms(
            sender=sender,
            recipient=parts[0].recipient,
            text="".join(piece.text for piece in parts),
            provider_message_id=parts[0].provider_message_id,
            received_at=parts[0].received_at,
        )
        await handle_inbound(session, runtime, organization_id, provider, text)
    return len(stale)
