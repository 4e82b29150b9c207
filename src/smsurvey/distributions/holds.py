"""Texts already queued for a survey that stopped taking answers: held, released or ended.

Planning plans nothing for such a survey; this check, one of the worker's chores, deals
with the texts planned before it stopped — those planned for a distribution recipient
(invitations, reminders, thank-yous and the first questions of 2-way sessions), never the
replies of a conversation under way:

* while the survey is paused they are ``held`` (the sender claims only ``queued`` texts),
  and queued again once it is active, at the next moment their distribution's quiet hours
  allow. A 2-way session whose first question waited gets its whole lifetime from then on;
  one that ended while it waited sends nothing.
* once the survey is closed or expired they are not sent (``failed``, their recipients
  ``Skipped``, both with the reason), and their distribution fails with the reason.

Every change is a compare-and-set on ``send_state``, so a text the sender claimed in the
meantime is left to it. The sender claims no text this check would hold
(:func:`waiting_for_its_survey`), so one queued again in between — by the recovery
sweep, reconciliation or a decision — waits for it rather than slipping out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    bindparam,
    exists,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from smsurvey.distributions.planning import ended, window_due
from smsurvey.distributions.quiet_hours import SendingWindow
from smsurvey.distributions.service import Lifecycle
from smsurvey.messaging.sessions import close_session, state_of
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Distribution, Recipient, RecipientEvent
from smsurvey.models.messaging import (
    ConversationSession,
    Message,
    MessageEvent,
    SendState,
    SessionStatus,
)
from smsurvey.models.surveys import Survey
from smsurvey.runtime import Runtime
from smsurvey.surveys.availability import (
    FOR_GOOD,
    describe,
    taking_answers,
    taking_no_answers,
    unavailable,
)

RELEASE_BATCH = 5000
"""Held texts queued again per round (a resumed survey may have many)."""

_MESSAGES = Message.__table__
_MESSAGE_EVENTS = MessageEvent.__table__
_RECIPIENT_EVENTS = RecipientEvent.__table__
_SESSION_ENDED = "its 2-way session ended while the survey was paused"


def _state(state: SendState) -> ColumnElement[str]:
    return literal_column(f"'{state.value}'")


# PLANNED_PENDING as terms of a query, spelt the same (states as literals), so that the
# partial index ix_messages_planned_pending can serve them.
_PENDING = (
    Message.send_state.in_([_state(SendState.QUEUED), _state(SendState.HELD)]),
    Message.recipient_id.is_not(None),
)


def _pending_state(first: SendState) -> ScalarSelect[str | None]:
    """The state of a planned text not sent yet of the enclosing query's distribution
    (``first`` when it has texts in both states), or NULL when it has none.

    Asked in the order of ix_messages_planned_pending, so that SQLite and PostgreSQL alike
    answer from that index in one step, however many texts the distribution sent (a plain
    EXISTS lets PostgreSQL's estimates walk them all on the distribution_id index).
    """
    state = Message.send_state
    return (
        select(state)
        .where(Message.distribution_id == Distribution.id, *_PENDING)
        .order_by(state.asc() if first is SendState.HELD else state.desc())  # held < queued
        .limit(1)
        .scalar_subquery()
    )


def waiting_for_its_survey(now: datetime) -> ColumnElement[bool]:
    """Whether a text is one this module holds at ``now`` (planned for a recipient of a
    distribution whose survey takes no answers then), as SQL: the sender claims none, so
    that a text queued again meanwhile (by recovery, reconciliation or a decision) waits
    for :func:`hold_for_surveys` rather than slipping out."""
    return Message.recipient_id.is_not(None) & exists().where(
        Distribution.id == Message.distribution_id,
        Survey.id == Distribution.survey_id,
        taking_no_answers(now),
    )


def survey_warning(survey: Survey, now: datetime, send_at: datetime) -> str | None:
    """What a distribution of ``survey`` due at ``send_at`` meets when the survey takes no
    answers then (or at ``now``, if later): its texts wait while it is paused, none is sent
    once it is closed or expired; ``None`` when it takes answers."""
    reason = unavailable(survey, max(now, send_at))
    if reason is None:
        return None
    if reason in FOR_GOOD:
        return f"{describe(survey, reason, now)}: nothing more will be sent"
    return f"{describe(survey, reason, now)}: texts wait until it is active again"


async def hold_for_surveys(session: AsyncSession, runtime: Runtime) -> int:
    """Hold, release or end the planned texts of surveys that stopped or resumed taking
    answers (see the module docstring); returns how many texts changed."""
    now = runtime.clock.now()
    done = await _release(session, runtime, now)
    stopped = {
        survey.id: survey
        for survey in await session.scalars(
            select(Survey)
            .options(load_only(Survey.is_active, Survey.closed_at, Survey.expires_at))
            .where(taking_no_answers(now))
        )
    }
    if not stopped:
        return done
    urgent = _pending_state(first=SendState.QUEUED)
    pending = await session.execute(
        select(Distribution.id, Distribution.survey_id, urgent).where(
            Distribution.survey_id.in_(stopped), urgent.is_not(None)
        )
    )
    to_hold: list[str] = []
    for distribution_id, survey_id, state in pending:
        survey = stopped[survey_id]
        reason = unavailable(survey, now)
        if reason in FOR_GOOD:
            why = ended(survey, reason, now)
            done += await _end(session, runtime, distribution_id, why, now)
        elif state == SendState.QUEUED:
            to_hold.append(distribution_id)
    if to_hold:
        held = await session.scalars(
            update(Message)
            .where(
                Message.distribution_id.in_(to_hold),
                *_PENDING,
                Message.send_state == _state(SendState.QUEUED),
            )
            .values(send_state=SendState.HELD)
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
        done += len(held.all())
    return done


async def _release(session: AsyncSession, runtime: Runtime, now: datetime) -> int:
    """Queue again the held texts whose survey takes answers, within their quiet hours."""
    anything_held = select(Message.id).where(Message.send_state == SendState.HELD).limit(1)
    if await session.scalar(anything_held) is None:
        return 0
    resumed = list(
        await session.scalars(
            select(Distribution.id)
            .join(Survey, Survey.id == Distribution.survey_id)
            .where(taking_answers(now), _pending_state(first=SendState.HELD) == SendState.HELD)
        )
    )
    if not resumed:
        return 0
    rows = (
        await session.execute(
            select(
                Message.id,
                Message.next_attempt_at,
                Message.session_id,
                Message.distribution_id,
                Distribution.quiet_hours,
                Contact.time_zone,
                Contact.phone,
            )
            .join(Distribution, Distribution.id == Message.distribution_id)
            .join(Recipient, Recipient.id == Message.recipient_id)
            .outerjoin(Contact, Contact.id == Recipient.contact_id)
            .where(
                Message.distribution_id.in_(resumed),
                *_PENDING,
                Message.send_state == _state(SendState.HELD),
            )
            .order_by(Message.id)
            .limit(RELEASE_BATCH)
        )
    ).all()
    if not rows:
        return 0
    lost = await _restart_sessions(session, runtime, {r.session_id for r in rows} - {None}, now)
    windows: dict[str, SendingWindow] = {}
    released: list[dict[str, Any]] = []
    for row in rows:
        if row.session_id in lost:
            continue
        window = None
        if row.quiet_hours:
            window = windows.get(row.distribution_id)
            if window is None:
                window = windows[row.distribution_id] = SendingWindow.from_json(row.quiet_hours)
        at = max(now, row.next_attempt_at or now)
        due = window_due(runtime, window, row.time_zone, row.phone, at)
        released.append({"message_id": row.id, "due": due})
    if released:
        await session.execute(
            update(_MESSAGES)
            .where(
                _MESSAGES.c.id == bindparam("message_id"),
                _MESSAGES.c.send_state == SendState.HELD,
            )
            .values(send_state=SendState.QUEUED, next_attempt_at=bindparam("due")),
            released,
        )
    lost_texts = [row.id for row in rows if row.session_id in lost]
    if lost_texts:
        where = (Message.id.in_(lost_texts), Message.send_state == SendState.HELD)
        await _fail(session, _SESSION_ENDED, now, *where)
    return len(rows)


async def _restart_sessions(
    session: AsyncSession, runtime: Runtime, session_ids: set[str], now: datetime
) -> set[str]:
    """Give the open sessions among ``session_ids`` their whole lifetime from ``now``;
    returns those that are no longer open."""
    if not session_ids:
        return set()
    opened = set(
        await session.scalars(
            update(ConversationSession)
            .where(
                ConversationSession.id.in_(session_ids),
                ConversationSession.status == SessionStatus.OPEN,
            )
            .values(expires_at=now + runtime.session_length)
            .returning(ConversationSession.id)
        )
    )
    return session_ids - opened


async def _end(
    session: AsyncSession, runtime: Runtime, distribution_id: str, reason: str, now: datetime
) -> int:
    """Send none of the distribution's planned texts not yet sent, and fail it."""
    failed = await _fail(
        session, reason, now, Message.distribution_id == distribution_id, *_PENDING
    )
    sessions = {row.session_id for row in failed} - {None}
    for conversation in await session.scalars(
        select(ConversationSession).where(
            ConversationSession.id.in_(sessions), ConversationSession.status == SessionStatus.OPEN
        )
    ):
        await close_session(
            session, runtime, conversation, state_of(conversation), SessionStatus.EXPIRED
        )
    await session.execute(
        update(Distribution)
        .where(
            Distribution.id == distribution_id,
            Distribution.status.in_([Lifecycle.IN_PROGRESS, Lifecycle.PLANNED]),
        )
        .values(status=Lifecycle.FAILED, failure=reason[:500])
    )
    return len(failed)


async def _fail(
    session: AsyncSession, reason: str, now: datetime, *where: ColumnElement[bool]
) -> Sequence[Row[int, int | None, str | None]]:
    """Mark the texts ``where`` selects as not sent, with ``reason`` in their histories and
    their recipients'; returns their ids, recipients and 2-way sessions."""
    failed = (
        await session.execute(
            update(Message)
            .where(*where)
            .values(send_state=SendState.FAILED)
            .returning(Message.id, Message.recipient_id, Message.session_id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not failed:
        return failed
    detail = reason[:500]
    await session.execute(
        insert(_MESSAGE_EVENTS),
        [{"message_id": row.id, "status": "Failed", "detail": detail, "at": now} for row in failed],
    )
    await session.execute(
        insert(_RECIPIENT_EVENTS),
        [
            {"recipient_id": row.recipient_id, "status": "Skipped", "detail": detail, "at": now}
            for row in failed
        ],
    )
    return failed
