"""2-way conversation sessions: open one, take a reply, close or expire it.

A session lives ``Runtime.session_length`` (48 hours) from when it opened; at most one is
open per phone number in an organisation. Closing stores the response (partial if the
conversation did not finish). Texts go out through the outbox, replies first.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.ids import new_id
from smsurvey.messaging.outbox import Route, queue_text
from smsurvey.models.contacts import Contact
from smsurvey.models.messaging import ConversationSession, MessageKind, SessionStatus
from smsurvey.models.surveys import Survey
from smsurvey.responses.service import record_conversation
from smsurvey.responses.subscriptions import publish_response
from smsurvey.runtime import Runtime
from smsurvey.surveys import conversation
from smsurvey.surveys.conversation import ConversationState, Turn
from smsurvey.surveys.definition import SurveyDefinition


def route_of(conversation_session: ConversationSession, region: str | None) -> Route:
    """How texts of a session travel: from our number to the respondent."""
    return Route(
        organization_id=conversation_session.organization_id,
        provider=conversation_session.provider,
        sender=conversation_session.our_number,
        to=conversation_session.phone,
        region=region,
    )


async def open_session_for(
    session: AsyncSession, organization_id: str, phone: str
) -> ConversationSession | None:
    """The open session of ``phone`` in the organisation, if there is one."""
    return await session.scalar(
        select(ConversationSession).where(
            ConversationSession.organization_id == organization_id,
            ConversationSession.phone == phone,
            ConversationSession.status == SessionStatus.OPEN,
        )
    )


async def open_session(
    session: AsyncSession,
    runtime: Runtime,
    *,
    survey: Survey,
    definition: SurveyDefinition,
    route: Route,
    contact_id: str | None = None,
    embedded_data: dict[str, str] | None = None,
    distribution_id: str | None = None,
    recipient_id: int | None = None,
    priority: int,
    test: bool = False,
) -> ConversationSession:
    """Start a conversation with ``route.to`` and queue its first text.

    The first text carries ``recipient_id``, so the recipient's history follows it
    (Sent, Delivered…). The caller has checked that no session is open on the number.
    A ``test`` conversation's response is recorded with the channel ``test``.
    """
    now = runtime.clock.now()
    session_id = new_id("FS")
    turn = conversation.start(definition, embedded_data, seed=session_id)
    conversation_session = ConversationSession(
        id=session_id,
        organization_id=route.organization_id,
        survey_id=survey.id,
        distribution_id=distribution_id,
        recipient_id=recipient_id,
        contact_id=contact_id,
        phone=route.to,
        our_number=route.sender,
        provider=route.provider,
        channel="test" if test else "sms",
        status=SessionStatus.OPEN,
        definition=definition.to_document(),
        state=turn.state.to_json(),
        opened_at=now,
        expires_at=now + runtime.session_length,
    )
    session.add(conversation_session)
    session.add(
        queue_text(
            route,
            turn.text,
            kind=MessageKind.QUESTION,
            rates=runtime.rates,
            now=now,
            priority=priority,
            distribution_id=distribution_id,
            recipient_id=recipient_id,
            session_id=conversation_session.id,
        )
    )
    if turn.finished:
        await close_session(
            session, runtime, conversation_session, turn.state, SessionStatus.COMPLETED
        )
    return conversation_session


def definition_of(conversation_session: ConversationSession) -> SurveyDefinition:
    """The survey as it was when the session opened."""
    return SurveyDefinition.model_validate(conversation_session.definition)


def state_of(conversation_session: ConversationSession) -> ConversationState:
    """Where the session's conversation stands."""
    return ConversationState.from_json(conversation_session.state)


async def take_reply(
    session: AsyncSession,
    runtime: Runtime,
    conversation_session: ConversationSession,
    text: str,
    region: str | None,
) -> Turn:
    """Answer a reply in an open session: the next question, a re-prompt or the end."""
    definition = definition_of(conversation_session)
    turn = conversation.reply(definition, state_of(conversation_session), text)
    conversation_session.state = turn.state.to_json()
    session.add(
        queue_text(
            route_of(conversation_session, region),
            turn.text,
            kind=MessageKind.END if turn.finished else MessageKind.QUESTION,
            rates=runtime.rates,
            now=runtime.clock.now(),
            distribution_id=conversation_session.distribution_id,
            session_id=conversation_session.id,
        )
    )
    if turn.finished:
        await close_session(
            session, runtime, conversation_session, turn.state, SessionStatus.COMPLETED
        )
    return turn


async def close_session(
    session: AsyncSession,
    runtime: Runtime,
    conversation_session: ConversationSession,
    state: ConversationState,
    status: SessionStatus,
) -> None:
    """End the session (``completed``, ``expired`` or ``opted_out``) and store its response.

    An unfinished conversation with no answer at all leaves no response.
    """
    now = runtime.clock.now()
    conversation_session.status = status
    conversation_session.closed_at = now
    if state.finished or any(answer is not None for answer in state.answers.values()):
        contact = (
            await session.get(Contact, conversation_session.contact_id)
            if conversation_session.contact_id
            else None
        )
        response = record_conversation(
            session, conversation_session, definition_of(conversation_session), state, contact, now
        )
        await publish_response(session, response, now)


async def expire_sessions(session: AsyncSession, runtime: Runtime) -> int:
    """Close every open session older than its 48 hours, keeping what was answered."""
    now = runtime.clock.now()
    due = list(
        await session.scalars(
            select(ConversationSession).where(
                ConversationSession.status == SessionStatus.OPEN,
                ConversationSession.expires_at <= now,
            )
        )
    )
    for conversation_session in due:
        await close_session(
            session,
            runtime,
            conversation_session,
            state_of(conversation_session),
            SessionStatus.EXPIRED,
        )
    return len(due)
