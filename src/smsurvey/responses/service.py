"""Storing responses (a finished conversation, or what an expired one had answered), and
reading them: one, counts, lists, exports, and what summaries need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Contact
from smsurvey.models.messaging import ConversationSession, SessionStatus
from smsurvey.models.responses import Response, ResponseExport, WebSession
from smsurvey.models.surveys import Survey
from smsurvey.responses.export import ExportOptions, exported, progress_of
from smsurvey.responses.export_columns import ExportedResponse
from smsurvey.responses.summary import AnswerRow
from smsurvey.surveys.conversation import ConversationState, response_values
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.service import definition_of


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
        displayed=list(state.displayed),
        started_at=conversation.opened_at,
        ended_at=now,
    )
    session.add(response)
    return response


async def list_responses(
    session: AsyncSession,
    organization: Organization,
    survey_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    unfinished: bool = True,
) -> list[Response]:
    """The survey's responses, in the order they ended: those that ended from ``since``
    up to ``until`` when given, and only the finished ones without ``unfinished``."""
    query = select(Response).where(
        Response.organization_id == organization.id, Response.survey_id == survey_id
    )
    if since is not None:
        query = query.where(Response.ended_at >= since)
    if until is not None:
        query = query.where(Response.ended_at <= until)
    if not unfinished:
        query = query.where(Response.finished.is_(True))
    return list(await session.scalars(query.order_by(Response.ended_at, Response.id)))


async def get_response(session: AsyncSession, survey: Survey, response_id: str) -> Response:
    """The response ``response_id`` to ``survey``, or :class:`NotFound`."""
    found = await session.get(Response, response_id)
    if found is None or found.survey_id != survey.id:
        raise NotFound(f"no response {response_id} to {survey.id}")
    return found


async def finished_responses(session: AsyncSession, survey: Survey) -> int:
    """How many finished responses ``survey`` has."""
    count = await session.scalar(
        select(func.count()).where(Response.survey_id == survey.id, Response.finished.is_(True))
    )
    return int(count or 0)


async def distribution_responses(session: AsyncSession, distribution_id: str) -> tuple[int, int]:
    """How many responses a distribution collected, and how many of them are finished."""
    counts = dict(
        (
            await session.execute(
                select(Response.finished, func.count())
                .where(Response.distribution_id == distribution_id)
                .group_by(Response.finished)
            )
        ).all()
    )
    finished = counts.get(True, 0)
    return finished + counts.get(False, 0), finished


async def request_export(
    session: AsyncSession,
    survey: Survey,
    options: ExportOptions,
    *,
    compress: bool,
    in_progress: bool,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> ResponseExport:
    """A new export of the survey's responses recorded from ``since`` and before ``until``
    (up to ``now`` at the latest); its file is made when it is fetched."""
    export = ResponseExport(
        id=new_id("ES"),
        organization_id=survey.organization_id,
        survey_id=survey.id,
        format=options.format,
        compress=compress,
        in_progress=in_progress,
        since=since,
        until=min(until, now) if until else now,
        options=options.to_json(),
        created_at=now,
    )
    session.add(export)
    await session.flush()
    return export


async def get_export(session: AsyncSession, survey: Survey, export_id: str) -> ResponseExport:
    """The export ``export_id`` of ``survey``, or :class:`NotFound`."""
    export = await session.get(ResponseExport, export_id)
    if export is None or export.survey_id != survey.id:
        raise NotFound(f"no export {export_id} of {survey.id}")
    return export


def _recorded_within(export: ResponseExport, recorded_at: datetime) -> bool:
    # Without an endDate the export holds what was recorded up to its request, included.
    if export.since is not None and recorded_at < export.since:
        return False
    return (
        recorded_at <= export.until
        if export.until == export.created_at
        else (recorded_at < export.until)
    )


async def exported_responses(
    session: AsyncSession, organization: Organization, survey: Survey, export: ResponseExport
) -> list[ExportedResponse]:
    """The responses ``export`` holds, in the order they were recorded: the recorded ones
    (finished or not), or with ``in_progress`` the sessions still open."""
    definition = definition_of(survey)
    if export.in_progress:
        found = await in_progress_responses(session, organization, survey.id)
    else:
        recorded = await list_responses(
            session, organization, survey.id, since=export.since, until=export.until
        )
        found = [exported(response, definition) for response in recorded]
    return [response for response in found if _recorded_within(export, response.recorded_at)]


async def in_progress_responses(
    session: AsyncSession, organization: Organization, survey_id: str
) -> list[ExportedResponse]:
    """The survey's open 2-way conversations and web visits as unfinished responses, keyed by
    their session id (``FS_…``), the answers so far in the export layout."""
    conversations = await session.scalars(
        select(ConversationSession).where(
            ConversationSession.organization_id == organization.id,
            ConversationSession.survey_id == survey_id,
            ConversationSession.status == SessionStatus.OPEN,
        )
    )
    visits = await session.scalars(
        select(WebSession).where(
            WebSession.organization_id == organization.id,
            WebSession.survey_id == survey_id,
            WebSession.status == SessionStatus.OPEN,
        )
    )
    found: list[tuple[ConversationSession | WebSession, datetime, str, str | None]] = [
        (c, c.opened_at, c.channel, c.phone) for c in conversations
    ]
    found += [(visit, visit.updated_at, "web", None) for visit in visits]
    contact_ids = {row[0].contact_id for row in found if row[0].contact_id}
    contacts = {
        contact.id: contact
        for contact in await session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
    }
    rows = []
    for open_session, recorded_at, channel, phone in found:
        definition = SurveyDefinition.model_validate(open_session.definition)
        state = ConversationState.from_json(open_session.state)
        values = response_values(definition, state)
        contact = contacts.get(open_session.contact_id or "")
        recipient = recipient_fields(contact, phone or (contact.phone if contact else "") or "")
        rows.append(
            ExportedResponse(
                id=open_session.id,
                started_at=open_session.opened_at,
                recorded_at=recorded_at,
                finished=False,
                channel=channel,
                recipient={**recipient, "language": definition.language.upper()},
                values=values.values,
                labels=values.labels,
                displayed=state.displayed,
                progress=progress_of(definition, False, values.values),
            )
        )
    return sorted(rows, key=lambda row: (row.recorded_at, row.id))


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
