"""Use cases on surveys: import a definition, get, list, check for SMS, change (name,
status, expiry).

Services never commit: the caller's unit of work does. Importing a document without an ``id``
creates a survey with a new ``SV_`` id; a document carrying the id of a survey of the same
organisation replaces that survey's definition (so ``show`` → edit → ``import`` updates it);
an id no survey has yet creates the survey under that id (moving surveys between instances).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import default_owner_id
from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization, User
from smsurvey.models.surveys import Survey
from smsurvey.surveys.compatibility import CompatibilityReport, check_sms_compatibility
from smsurvey.surveys.definition import Block, ShowBlock, SurveyDefinition
from smsurvey.surveys.qsf_export import DEFAULT_BLOCK_DESCRIPTION, to_qsf


@dataclass(frozen=True)
class ImportedSurvey:
    """The stored survey, its definition (carrying the survey's id) and whether it is new."""

    survey: Survey
    definition: SurveyDefinition
    created: bool


async def import_survey(
    session: AsyncSession,
    organization: Organization,
    definition: SurveyDefinition,
    clock: Clock = system_clock,
    owner: User | None = None,
) -> ImportedSurvey:
    """Store ``definition`` in ``organization``: a new survey, or a replacement of the survey
    whose id the definition carries. A new survey belongs to ``owner``; without one it is
    shown as :func:`~smsurvey.accounts.access.default_owner_id`'s."""
    now = clock.now()
    survey = await session.get(Survey, definition.id) if definition.id else None
    if survey is not None and survey.organization_id != organization.id:
        raise Conflict(
            f"survey id {definition.id} is taken by another organisation; "
            "remove the id from the document to import it as a new survey"
        )
    created = survey is None
    if survey is None:
        survey = Survey(
            id=definition.id or new_id("SV"),
            organization_id=organization.id,
            owner_user_id=owner.id if owner else None,
            created_at=now,
        )
        session.add(survey)
    stored = definition.model_copy(update={"id": survey.id})
    survey.name = stored.name
    survey.definition = stored.to_document()
    survey.updated_at = now
    await session.flush()
    return ImportedSurvey(survey, stored, created)


async def get_survey(session: AsyncSession, organization: Organization, survey_id: str) -> Survey:
    """The survey ``survey_id`` of ``organization``, or :class:`NotFound`."""
    survey = await session.scalar(
        select(Survey).where(Survey.id == survey_id, Survey.organization_id == organization.id)
    )
    if survey is None:
        raise NotFound(f"no survey {survey_id}")
    return survey


async def list_surveys(session: AsyncSession, organization: Organization) -> list[Survey]:
    """The organisation's surveys, oldest first."""
    rows = await session.scalars(
        select(Survey)
        .where(Survey.organization_id == organization.id)
        .order_by(Survey.created_at, Survey.id)
    )
    return list(rows)


async def owner_ids(
    session: AsyncSession, organization: Organization, surveys: list[Survey]
) -> dict[str, str]:
    """Survey id → the ``UR_`` id of its owner: its own, else
    :func:`~smsurvey.accounts.access.default_owner_id`."""
    fallback = organization.id
    if any(survey.owner_user_id is None for survey in surveys):
        fallback = await default_owner_id(session, organization)
    return {survey.id: survey.owner_user_id or fallback for survey in surveys}


async def create_survey(
    session: AsyncSession,
    organization: Organization,
    name: str,
    language: str,
    owner: User,
    clock: Clock = system_clock,
) -> ImportedSurvey:
    """A new survey without questions: one empty default block, shown by the flow."""
    default = Block(id=new_id("BL"), description=DEFAULT_BLOCK_DESCRIPTION)
    definition = SurveyDefinition(
        name=name,
        language=language,
        blocks=(default,),
        flow=(ShowBlock(type="block", id=default.id),),
    )
    return await import_survey(session, organization, definition, clock, owner)


async def qsf_document(
    session: AsyncSession, organization: Organization, survey: Survey
) -> dict[str, Any]:
    """The stored survey as a Qualtrics survey file (QSF)."""
    owners = await owner_ids(session, organization, [survey])
    return to_qsf(
        definition_of(survey),
        survey_id=survey.id,
        owner_id=owners[survey.id],
        brand_id=organization.id,
        created_at=survey.created_at,
        modified_at=survey.updated_at,
        active=is_collecting(survey),
        expires_at=survey.expires_at,
    )


def is_collecting(survey: Survey) -> bool:
    """Whether the survey is active (not paused, not closed)."""
    return survey.is_active and survey.closed_at is None


async def delete_survey(session: AsyncSession, survey: Survey) -> None:
    """Delete ``survey`` with its distributions, sessions and responses."""
    await session.delete(survey)
    await session.flush()


def definition_of(survey: Survey) -> SurveyDefinition:
    """The validated definition of a stored survey."""
    return SurveyDefinition.model_validate(survey.definition)


async def check_survey(
    session: AsyncSession, organization: Organization, survey_id: str
) -> CompatibilityReport:
    """The SMS compatibility report of the survey ``survey_id``."""
    survey = await get_survey(session, organization, survey_id)
    return check_sms_compatibility(definition_of(survey))


class Keep(Enum):
    """An argument meaning "leave it as it is", where ``None`` means "clear it"."""

    KEEP = "keep"


KEEP = Keep.KEEP


async def change_survey(
    session: AsyncSession,
    survey: Survey,
    now: datetime,
    *,
    name: str | None = None,
    active: bool | None = None,
    expires_at: datetime | Keep | None = KEEP,
    close: bool = False,
) -> None:
    """Rename a survey, activate or deactivate it (deactivated, its links say it is
    paused), set when it expires (``None``: never), or close it for good.

    A closed survey cannot be activated again (:class:`Conflict`); closing it again keeps
    the date it closed on.
    """
    closed = survey.closed_at is not None and survey.closed_at <= now
    if closed and active:
        raise Conflict(f"survey {survey.id} is closed: it cannot be activated again")
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput("a survey needs a name")
        survey.name = name
        survey.definition = {**survey.definition, "name": name}
    if active is not None:
        survey.is_active = active
    if expires_at is not KEEP:
        survey.expires_at = expires_at
    if close and not closed:
        survey.closed_at = now
    survey.updated_at = now
    await session.flush()
