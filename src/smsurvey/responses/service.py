"""Storing responses: a finished conversation, or what an expired one had answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Contact
from smsurvey.models.messaging import ConversationSession
from smsurvey.models.responses import Response
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
    """A response from a 2-way session: finished, or partial when it ended unfinished; its
    channel is the session's (``test`` for a distribution's test)."""
    values = response_values(definition, state)
    response = Response(
        id=new_id("R"),
        organization_id=conversation.organization_id,
        survey_id=conversation.survey_id,
        distribution_id=conversation.distribution_id,
        contact_id=conversation.contact_id,
        session_id=conversation.id,
        channel=conversation.channel,
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
