"""Access codes: texting ``@CODE`` to the organisation's number starts a survey."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.errors import Conflict, InvalidInput
from smsurvey.models.accounts import Organization
from smsurvey.models.distributions import AccessCode
from smsurvey.sms.phones import validate_region
from smsurvey.surveys.compatibility import check_sms_compatibility
from smsurvey.surveys.service import definition_of, get_survey

_CODE = re.compile(r"@\S{1,63}")


async def link_access_code(
    session: AsyncSession,
    organization: Organization,
    code: str,
    region: str,
    survey_id: str,
    clock: Clock = system_clock,
) -> AccessCode:
    """Link ``code`` to a survey for numbers of ``region``.

    A code starts with ``@`` and has no spaces; codes compare without case. The survey
    must be able to go by 2-way SMS.
    """
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise InvalidInput(f"access code {code!r} must start with @ and have no spaces")
    try:
        region = validate_region(region)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    survey = await get_survey(session, organization, survey_id)
    report = check_sms_compatibility(definition_of(survey))
    if not report.compatible:
        raise InvalidInput(f"survey {survey_id} cannot go by 2-way SMS: {report.errors[0].message}")
    if await find_access_code(session, organization.id, code):
        raise Conflict(f"access code {code} is already linked")
    access_code = AccessCode(
        organization_id=organization.id,
        code=code,
        region=region,
        survey_id=survey.id,
        created_at=clock.now(),
    )
    session.add(access_code)
    await session.flush()
    return access_code


async def access_codes_of(session: AsyncSession, organization: Organization) -> list[AccessCode]:
    """The organisation's access codes, by code."""
    rows = await session.scalars(
        select(AccessCode)
        .where(AccessCode.organization_id == organization.id)
        .order_by(AccessCode.code)
    )
    return list(rows)


async def find_access_code(
    session: AsyncSession, organization_id: str, text: str
) -> AccessCode | None:
    """The access code a whole text message is, if it is one (case aside)."""
    text = text.strip()
    if not text.startswith("@"):
        return None
    return await session.scalar(
        select(AccessCode).where(
            AccessCode.organization_id == organization_id,
            func.lower(AccessCode.code) == text.lower(),
        )
    )
