"""Survey use cases against the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.service import create_organization, default_organization
from smsurvey.kit.clock import FrozenClock
from smsurvey.kit.errors import Conflict, NotFound
from smsurvey.kit.ids import is_id
from smsurvey.models.accounts import Organization
from smsurvey.surveys import service
from smsurvey.surveys.compatibility import Reason
from tests.surveys.factories import block, matrix, nps, survey, text_entry

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FEEDBACK = survey(block("BL", nps("QID1"), text_entry("QID2")), name="Feedback")


@pytest.fixture
async def org(session: AsyncSession) -> Organization:
    return await default_organization(session)


async def test_import_creates_a_survey(session: AsyncSession, org: Organization) -> None:
    clock = FrozenClock(START)
    imported = await service.import_survey(session, org, FEEDBACK, clock=clock)
    row = imported.survey
    assert imported.created
    assert is_id(row.id, "SV")
    assert row.organization_id == org.id
    assert (row.name, row.is_active, row.created_at, row.updated_at) == (
        "Feedback",
        True,
        START,
        START,
    )
    assert imported.definition == FEEDBACK.model_copy(update={"id": row.id})
    assert row.definition == imported.definition.to_document()
    stored = await service.get_survey(session, org, row.id)
    assert service.definition_of(stored) == imported.definition


async def test_importing_a_document_with_its_id_replaces_the_survey(
    session: AsyncSession, org: Organization
) -> None:
    clock = FrozenClock(START)
    first = await service.import_survey(session, org, FEEDBACK, clock=clock)
    clock.advance(timedelta(hours=2))
    edited = survey(block("BL", nps("QID1")), name="Feedback v2", id=first.survey.id)
    second = await service.import_survey(session, org, edited, clock=clock)
    assert not second.created
    assert second.survey.id == first.survey.id
    row = await service.get_survey(session, org, first.survey.id)
    assert (row.name, row.created_at, row.updated_at) == (
        "Feedback v2",
        START,
        START + timedelta(hours=2),
    )
    assert list(service.definition_of(row).questions) == ["QID1"]
    assert len(await service.list_surveys(session, org)) == 1


async def test_a_new_id_in_the_document_is_kept(session: AsyncSession, org: Organization) -> None:
    moved = FEEDBACK.model_copy(update={"id": "SV_abcdefghijklmno"})
    imported = await service.import_survey(session, org, moved)
    assert imported.created
    assert imported.survey.id == "SV_abcdefghijklmno"


async def test_an_id_of_another_organisation_is_refused(
    session: AsyncSession, org: Organization
) -> None:
    other = await create_organization(session, "Other brand")
    theirs = await service.import_survey(session, other, FEEDBACK)
    stolen = FEEDBACK.model_copy(update={"id": theirs.survey.id, "name": "Mine now"})
    with pytest.raises(Conflict, match="taken by another organisation"):
        await service.import_survey(session, org, stolen)
    assert (await service.get_survey(session, other, theirs.survey.id)).name == "Feedback"


async def test_surveys_are_seen_only_in_their_organisation(
    session: AsyncSession, org: Organization
) -> None:
    clock = FrozenClock(START)
    other = await create_organization(session, "Other brand")
    mine = [await service.import_survey(session, org, FEEDBACK, clock=clock) for _ in range(2)]
    clock.advance(timedelta(minutes=1))
    later = await service.import_survey(
        session, org, survey(block("BL", nps("QID1")), name="Later"), clock=clock
    )
    theirs = await service.import_survey(session, other, FEEDBACK)

    listed = [row.id for row in await service.list_surveys(session, org)]
    assert set(listed[:2]) == {row.survey.id for row in mine}  # same time: by id, in DB collation
    assert listed[2:] == [later.survey.id]
    assert [row.id for row in await service.list_surveys(session, other)] == [theirs.survey.id]
    with pytest.raises(NotFound, match=f"no survey {theirs.survey.id}"):
        await service.get_survey(session, org, theirs.survey.id)


async def test_check_survey_reports_compatibility(session: AsyncSession, org: Organization) -> None:
    good = await service.import_survey(session, org, FEEDBACK)
    assert (await service.check_survey(session, org, good.survey.id)).compatible
    bad = await service.import_survey(session, org, survey(block("BL", matrix("QID1"))))
    report = await service.check_survey(session, org, bad.survey.id)
    assert [(p.reason, p.question_id) for p in report.problems] == [(Reason.MATRIX, "QID1")]
    with pytest.raises(NotFound):
        await service.check_survey(session, org, "SV_doesnotexist123")


async def test_a_closed_survey_stays_closed(session: AsyncSession, org: Organization) -> None:
    imported = await service.import_survey(session, org, FEEDBACK, clock=FrozenClock(START))
    row = imported.survey
    await service.change_survey(session, row, START, active=False)
    await service.change_survey(session, row, START + timedelta(hours=1), close=True)
    assert row.closed_at == START + timedelta(hours=1)
    await service.change_survey(session, row, START + timedelta(hours=2), close=True)
    assert row.closed_at == START + timedelta(hours=1)  # closing again keeps the date
    with pytest.raises(Conflict, match="cannot be activated again"):
        await service.change_survey(session, row, START + timedelta(hours=3), active=True)
    assert not row.is_active
