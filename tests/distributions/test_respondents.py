"""Whose response a link continues and which response a history row shows: a reminder's
link goes on with the invitation's response, a distribution is credited with its own
responses only (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions import reports
from smsurvey.distributions.reports import HistoryRow
from smsurvey.distributions.service import Method, Recipients
from smsurvey.kit.db import unit_of_work
from smsurvey.models.distributions import Recipient, RecipientEvent
from smsurvey.models.responses import Response, WebSession
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import Harness, harness
from tests.web.support import question_on

ANN, BOB = "+14155552671", "+14155552672"


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def customers(system: Harness) -> str:
    return await system.contacts(
        "Customers",
        ContactFields(first_name="Ann", phone=ANN),
        ContactFields(first_name="Bob", phone=BOB),
    )


async def link_in_last_text(system: Harness, phone: str) -> str:
    """The path of the survey link in the last text ``phone`` received."""
    found = re.search(r"http://\S+/s/\S+", await system.last(phone))
    assert found, "the text has no survey link"
    return found.group().removeprefix(system.runtime.settings.public_url)


async def answer(system: Harness, path: str, value: str) -> httpx.Response:
    """Answer the question the page at ``path`` asks, then show the next page."""
    page = await system.client.get(path)
    posted = await system.client.post(
        path, data={"question": question_on(page.text), "answer": value}
    )
    assert posted.status_code == 303, posted.text
    return await system.client.get(path)


async def history(system: Harness, distribution_id: str) -> dict[str, HistoryRow]:
    async with unit_of_work(system.runtime.engine) as session:
        rows = await reports.history(session, system.organization, distribution_id)
    return {row.phone: row for row in rows}


async def test_a_reminder_link_continues_the_invitation_response(system: Harness) -> None:
    list_id = await customers(system)
    invitation = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text="How did we do? ${l://SurveyURL}",
    )
    await system.drain()
    ann_invited = await link_in_last_text(system, ANN)
    bob_invited = await link_in_last_text(system, BOB)
    assert question_on((await answer(system, ann_invited, "10")).text) == "QID2"

    reminder = await system.distribute(
        system.survey_id,
        method=Method.REMINDER,
        parent_distribution_id=invitation,
        message_text="Still time: ${l://SurveyURL}",
    )
    await system.drain()
    ann_reminded = await link_in_last_text(system, ANN)
    bob_reminded = await link_in_last_text(system, BOB)
    assert ann_reminded != ann_invited

    assert question_on((await system.client.get(ann_reminded)).text) == "QID2"
    await answer(system, ann_reminded, "2")
    end = await answer(system, ann_reminded, "Keep it up!")
    assert "Thank you for your feedback!" in end.text
    [response] = await system.rows(Response)
    assert response.distribution_id == invitation
    assert (response.values["QID1"], response.values["QID2"]) == (10, 2)
    assert "Thank you for your feedback!" in (await system.client.get(ann_invited)).text

    # Bob starts from the reminder, then goes on from the invitation.
    after_first = question_on((await answer(system, bob_reminded, "3")).text)
    assert question_on((await system.client.get(bob_invited)).text) == after_first
    sessions = await system.rows(WebSession)
    assert len(sessions) == 2
    invited = await system.rows(Recipient, Recipient.distribution_id == invitation)
    assert {s.recipient_id for s in sessions} == {r.id for r in invited}

    opened = await system.rows(RecipientEvent, RecipientEvent.status == "Opened")
    everyone = await system.rows(Recipient)
    assert sorted(e.recipient_id for e in opened) == sorted(r.id for r in everyone)
    for distribution_id in (invitation, reminder):
        rows = await history(system, distribution_id)
        assert (rows[ANN].respondent, rows[ANN].response_id) == (True, response.id)
        assert (rows[BOB].respondent, rows[BOB].status) == (False, "Opened")


async def test_a_second_2_way_distribution_is_credited_with_its_own_outcome(
    system: Harness,
) -> None:
    list_id = await system.people("Ann only", ANN)
    first = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()
    for reply in ("10", "2", "Great"):
        await system.text(ANN, reply)
    [earlier] = await system.rows(Response)

    second = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()
    assert (await system.last(ANN)).startswith("Hi from Acme!")
    row = (await history(system, second))[ANN]
    assert (row.respondent, row.response_id, row.status) == (False, None, "Sent")
    auth = await token_for(system)
    [shown] = (await call(system.client, "GET", f"/API/v3/distributions/{second}/history", auth))[
        "elements"
    ]
    assert (shown["status"], shown["responseId"]) == ("Success", None)

    for reply in ("3", "2", "Slow delivery"):
        await system.text(ANN, reply)
    [later] = await system.rows(Response, Response.id != earlier.id)
    assert later.distribution_id == second
    assert (await history(system, second))[ANN].response_id == later.id
    assert (await history(system, first))[ANN].response_id == earlier.id
