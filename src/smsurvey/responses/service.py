"""Storing responses (a finished conversation, or what an expired one had answered), and
reading them back: all of a survey's, a page of them, their counts, what summaries need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Contact
from smsurvey.models.messaging import ConversationSession
from smsurvey.models.responses import Response
from smsurvey.responses.summary import AnswerRow
from smsurvey.surveys.conversation import ConversationState, response_values
from smsurvey.surveys.definition import SurveyDefinition


def recipient_fields(contact: Contact | None, phone: str) -> dict[str, str | None]:
    """The contact's fields a response keeps (as they were when it was recorded)."""
    return {
        "first_name": contact.first_name if contact else None,
        "last_name": contact.last_name if contact else None,
        "email": contact.email if contact else None,
        "phone": phone,
        "ext_ref": contact.ext_ref if contact else None,
    }


def record_conversation(
    session: AsyncSession,
    conversation: ConversationSession,
    definition: SurveyDefinition,
    state: ConversationState,
    contact: Contact | None,
    now: datetime,
) -> Response:
    """A response from a 2-way session: finished, or partial when it ended unfinished."""
    values = response_values(definition, state)
    response = Response(
        id=new_id("R"),
        organization_id=conversation.organization_id,
        survey_id=conversation.survey_id,
        distribution_id=conversation.distribution_id,
        contact_id=conversation.contact_id,
        session_id=conversation.id,
        channel="sms",
        finished=state.finished,
        values=dict(values.values),
        labels=dict(values.labels),
        embedded_data=dict(state.embedded_data),
        recipient=recipient_fields(contact, conversation.phone),
        started_at=conversation.opened_at,
        ended_at=now,
    )
    session.add(response)
    return response


async def list_responses(
    session: AsyncSession, organization: Organization, survey_id: str
) -> list[Response]:
    """The survey's responses, in the order they ended."""
    rows = await session.scalars(
        select(Response)
        .where(Response.organization_id == organization.id, Response.survey_id == survey_id)
        .order_by(Response.ended_at, Response.id)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class ResponseCount:
    """How many responses a survey has recorded."""

    finished: int = 0
    partial: int = 0
    """Ended unfinished (the session expired)."""

    @property
    def total(self) -> int:
        return self.finished + self.partial


async def count_responses(
    session: AsyncSession, organization: Organization, survey_ids: Iterable[str]
) -> dict[str, ResponseCount]:
    """The response counts of each of ``survey_ids`` (surveys without responses included)."""
    ids = list(survey_ids)
    counts = dict.fromkeys(ids, ResponseCount())
    if not ids:
        return counts
    rows = await session.execute(
        select(Response.survey_id, Response.finished, func.count())
        .where(Response.organization_id == organization.id, Response.survey_id.in_(ids))
        .group_by(Response.survey_id, Response.finished)
    )
    for survey_id, finished, count in rows:
        was = counts[survey_id]
        counts[survey_id] = (
            ResponseCount(count, was.partial) if finished else ResponseCount(was.finished, count)
        )
    return counts


async def latest_responses(
    session: AsyncSession, organization: Organization, survey_id: str, *, offset: int, limit: int
) -> list[Response]:
    """A page of the survey's responses, the latest recorded first."""
    rows = await session.scalars(
        select(Response)
        .where(Response.organization_id == organization.id, Response.survey_id == survey_id)
        .order_by(Response.ended_at.desc(), Response.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def answer_rows(
    session: AsyncSession, organization: Organization, survey_id: str
) -> list[AnswerRow]:
    """When each response to the survey was recorded and its values, oldest first (what
    :func:`~smsurvey.responses.summary.summarise` reads)."""
    rows = await session.execute(
        select(Response.ended_at, Response.values)
        .where(Response.organization_id == organization.id, Response.survey_id == survey_id)
        .order_by(Response.ended_at, Response.id)
    )
    return [AnswerRow(ended_at, values) for ended_at, values in rows]
