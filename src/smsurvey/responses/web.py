"""Web survey visits through personal links, and the responses they store.

A recipient has one :class:`~smsurvey.models.responses.WebSession`, opened on the first
visit of a link to it (a reminder's link opens the session of the invitation it follows:
:func:`~smsurvey.distributions.follow_ups.response_owner`). The first visit of each link
appends ``Opened`` to its recipient's status history. The session keeps the same JSON state
as a 2-way conversation and a snapshot of the survey, so
:func:`~smsurvey.surveys.logic.next_step` decides what comes next exactly as it does by SMS.
When the survey ends the session is completed and its response stored (channel ``web``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.ids import new_id
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Distribution, Recipient, RecipientEvent
from smsurvey.models.messaging import SessionStatus
from smsurvey.models.responses import Response, WebSession
from smsurvey.models.surveys import Survey
from smsurvey.responses.service import recipient_fields
from smsurvey.responses.subscriptions import publish_response
from smsurvey.surveys.conversation import ConversationState, response_values
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.logic import Answers, End, next_step
from smsurvey.surveys.service import definition_of as survey_definition

OPENED = "Opened"
"""The recipient status appended on the first visit."""


def state_after(
    definition: SurveyDefinition,
    answers: Answers,
    embedded_data: Mapping[str, str],
    seed: str = "",
) -> ConversationState:
    """Where a respondent stands after ``answers``: at the next question, or finished
    (``seed``, the session id, draws the flow's randomizers).

    Raises :class:`~smsurvey.kit.errors.InvalidInput` when the flow reaches something smsurvey
    cannot run.
    """
    step = next_step(definition, answers, embedded_data, seed)
    question = None if isinstance(step, End) else step.question.id
    return ConversationState(question, answers, embedded_data, step.displayed, seed=seed)


def end_message(definition: SurveyDefinition, state: ConversationState) -> str:
    """The end message a finished ``state`` reached (as the author wrote it)."""
    step = next_step(definition, state.answers, state.embedded_data, state.seed)
    if not isinstance(step, End):
        raise ValueError("the survey is not over for this respondent")
    return step.message


def definition_of(web_session: WebSession) -> SurveyDefinition:
    """The survey as it was when the session opened."""
    return SurveyDefinition.model_validate(web_session.definition)


def state_of(web_session: WebSession) -> ConversationState:
    """Where the session stands."""
    return ConversationState.from_json(web_session.state)


async def link_recipient(
    session: AsyncSession, recipient_id: int
) -> tuple[Recipient, Distribution, Survey, Contact | None] | None:
    """The recipient a survey link names, its distribution, survey and contact; the
    recipient row is locked until the transaction ends (so two first visits cannot both
    open a session)."""
    row = (
        await session.execute(
            select(Recipient, Distribution, Survey, Contact)
            .join(Distribution, Distribution.id == Recipient.distribution_id)
            .join(Survey, Survey.id == Distribution.survey_id)
            .outerjoin(Contact, Contact.id == Recipient.contact_id)
            .where(Recipient.id == recipient_id)
            .with_for_update(of=Recipient)
        )
    ).one_or_none()
    if row is None:
        return None
    recipient, distribution, survey, contact = row
    return recipient, distribution, survey, contact


async def find_web_session(session: AsyncSession, recipient_id: int) -> WebSession | None:
    """The recipient's web session, if they have visited their link."""
    return await session.scalar(
        select(WebSession)
        .where(WebSession.recipient_id == recipient_id)
        .order_by(WebSession.opened_at, WebSession.id)
        .limit(1)
    )


async def open_web_session(
    session: AsyncSession,
    *,
    survey: Survey,
    distribution: Distribution,
    recipient: Recipient,
    contact: Contact | None,
    now: datetime,
) -> WebSession:
    """Start the recipient's web session.

    The respondent starts with the contact's embedded data. A survey that shows them no
    question at all is finished at once (and its response stored). The caller has checked
    that the recipient has no session (holding a lock on the recipient row).
    """
    definition = survey_definition(survey)
    session_id = new_id("FS")
    embedded_data = dict(contact.embedded_data) if contact else {}
    state = state_after(definition, {}, embedded_data, seed=session_id)
    web_session = WebSession(
        id=session_id,
        organization_id=distribution.organization_id,
        survey_id=survey.id,
        distribution_id=distribution.id,
        recipient_id=recipient.id,
        contact_id=contact.id if contact else None,
        status=SessionStatus.OPEN,
        definition=definition.to_document(),
        state=state.to_json(),
        opened_at=now,
        updated_at=now,
    )
    session.add(web_session)
    if state.finished:
        response = _complete(session, web_session, definition, state, contact, recipient.phone, now)
        await publish_response(session, response, now)
    return web_session


async def record_opened(session: AsyncSession, recipient_id: int, now: datetime) -> None:
    """Append ``Opened`` to the recipient's history, unless it has it already."""
    opened = await session.scalar(
        select(RecipientEvent.id)
        .where(RecipientEvent.recipient_id == recipient_id, RecipientEvent.status == OPENED)
        .limit(1)
    )
    if opened is None:
        session.add(RecipientEvent(recipient_id=recipient_id, status=OPENED, at=now))


async def answer_web_session(
    session: AsyncSession,
    web_session: WebSession,
    given: Answers,
    *,
    contact: Contact | None,
    phone: str | None,
    now: datetime,
) -> ConversationState:
    """Record ``given`` — the answer to the question the session waits on, under its id
    (``None`` when skipped), with the texts of its "other" boxes — and return the new state.

    When that ends the survey, the session is completed and the response stored with the
    contact's fields (``phone`` is the number the invitation went to).
    """
    definition, state = definition_of(web_session), state_of(web_session)
    if state.question is None:
        raise ValueError("the survey is over: it takes no more answers")
    if state.question not in given:
        raise ValueError(f"no answer to {state.question}, the question waiting")
    answers = {**state.answers, **given}
    state = state_after(definition, answers, state.embedded_data, state.seed)
    web_session.state = state.to_json()
    web_session.updated_at = now
    if state.finished:
        response = _complete(session, web_session, definition, state, contact, phone, now)
        await publish_response(session, response, now)
    return state


def _complete(
    session: AsyncSession,
    web_session: WebSession,
    definition: SurveyDefinition,
    state: ConversationState,
    contact: Contact | None,
    phone: str | None,
    now: datetime,
) -> Response:
    web_session.status = SessionStatus.COMPLETED
    web_session.closed_at = now
    values = response_values(definition, state)
    response = Response(
        id=new_id("R"),
        organization_id=web_session.organization_id,
        survey_id=web_session.survey_id,
        distribution_id=web_session.distribution_id,
        contact_id=web_session.contact_id,
        channel="web",
        finished=True,
        values=dict(values.values),
        labels=dict(values.labels),
        embedded_data=dict(state.embedded_data),
        recipient=recipient_fields(contact, phone or ""),
        displayed=list(state.displayed),
        started_at=web_session.opened_at,
        ended_at=now,
    )
    session.add(response)
    return response
