"""2-way SMS surveys end to end on the simulator (SQLite and PostgreSQL, frozen clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.access_codes import link_access_code
from smsurvey.distributions.service import Recipients
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import Conflict, InvalidInput
from smsurvey.models.contacts import Contact, OptOutEvent
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.messaging import ConversationSession, Message, MessageEvent
from smsurvey.models.responses import Response
from smsurvey.models.surveys import Survey
from tests.messaging.harness import Harness, harness

ANN, BOB, CID = "+14155552671", "+14155552672", "+14155552673"
Q1 = "Hi from Acme! How likely are you to recommend us"
NOW = object()
"""Stands for the harness's clock's time in parameters."""


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url, behaviours="+1415555267=failed:0") as running:
        yield running


async def started(system: Harness, *phones: str) -> str:
    list_id = await system.contacts(
        "Customers", *(ContactFields(first_name=f"P{i}", phone=p) for i, p in enumerate(phones))
    )
    distribution_id = await system.distribute_list(list_id)
    await system.drain()
    return distribution_id


async def test_a_promoter_answers_everything(system: Harness) -> None:
    await started(system, ANN)
    assert (await system.last(ANN)).startswith(Q1)

    await system.text(ANN, "10")
    follow_up = await system.last(ANN)
    assert follow_up.startswith(
        "Great to hear! What do you like most about Acme?\n1. Fast delivery"
    )
    await system.text(ANN, "product QUALITY")
    assert (await system.last(ANN)).startswith("Anything else you would like to tell us?")
    await system.text(ANN, "Keep it up!")
    assert await system.last(ANN) == "Thank you for your feedback! The Acme team"

    [response] = await system.rows(Response)
    assert response.finished
    assert response.values["QID1"] == 10
    assert response.values["QID1_NPS_GROUP"] == 3
    assert response.values["QID2"] == 2
    assert response.labels["QID2"] == "Product quality"
    assert response.values["QID5_TEXT"] == "Keep it up!"
    assert response.values["channel"] == "sms"
    assert response.recipient["first_name"] == "P0"
    [session] = await system.rows(ConversationSession)
    assert session.status == "completed"
    await system.text(ANN, "hello?")
    assert await system.last(ANN) == "You are not currently taking a survey."


async def test_a_detractor_branches_to_the_other_end_message(system: Harness) -> None:
    await started(system, BOB)
    await system.text(BOB, "2")
    assert (await system.last(BOB)).startswith("We're sorry we let you down.")
    await system.text(BOB, "No, thanks")
    await system.text(BOB, "Too slow")
    assert (await system.last(BOB)).startswith("Thank you for your honesty.")


async def test_invalid_replies_reprompt_then_skip(system: Harness) -> None:
    await started(system, ANN)
    await system.text(ANN, "eleven")
    assert await system.last(ANN) == "Please reply with a number from 0 to 10."
    await system.text(ANN, "9")
    await system.text(ANN, "7")
    reprompt = await system.last(ANN)
    assert reprompt.startswith(("Please reply 1 (Fast delivery)", "Please reply 1, 2, 3"))
    await system.text(ANN, "maybe")
    await system.text(ANN, "no idea")
    assert (await system.last(ANN)).startswith("Let's move on.\nAnything else")
    await system.text(ANN, "Nothing")
    [response] = await system.rows(Response)
    assert "QID2" not in response.values
    assert response.values["QID1"] == 9


async def test_delivery_reports_reach_the_history(system: Harness) -> None:
    distribution_id = await started(system, ANN)
    await system.advance(timedelta(seconds=1))
    [invitation] = await system.rows(Message, Message.distribution_id == distribution_id)
    statuses = [
        e.status for e in await system.rows(MessageEvent, MessageEvent.message_id == invitation.id)
    ]
    assert statuses == ["Queued", "Sent", "Delivered"]
    recipient_statuses = [e.status for e in await system.rows(RecipientEvent)]
    assert recipient_statuses == ["Sent", "Delivered"]
    assert invitation.parts == 1
    assert invitation.encoding == "GSM-7"


async def test_stop_opts_out_whenever_it_arrives(system: Harness) -> None:
    await started(system, ANN)
    await system.text(ANN, "9")
    await system.text(ANN, "Arrêt")
    assert (await system.last(ANN)).startswith("You have been opted out")
    [contact] = await system.rows(Contact)
    assert contact.opted_out
    assert contact.embedded_data["Opted out"] == "Yes"
    [event] = await system.rows(OptOutEvent)
    assert (event.source, event.detail) == ("sms-keyword", "ARRÊT")
    [session] = await system.rows(ConversationSession)
    assert session.status == "opted_out"
    [partial] = await system.rows(Response)
    assert not partial.finished
    assert partial.values["QID1"] == 9

    before = len(await system.inbox(ANN))
    await system.text(ANN, "hello")  # an opted-out number gets no reply but to keywords
    assert len(await system.inbox(ANN)) == before
    await system.advance(timedelta(days=30))
    await system.text(ANN, "STOP")  # weeks later: still honoured, confirmed once more
    assert len(await system.inbox(ANN)) == before + 1
    await system.text(ANN, "start")
    assert (await system.last(ANN)).startswith("You have opted back in")
    [contact] = await system.rows(Contact)
    assert not contact.opted_out


async def test_help_is_answered_unless_it_is_an_answer(system: Harness) -> None:
    await started(system, ANN)
    await system.text(ANN, "HELP")
    assert await system.last(ANN) == system.runtime.settings.help_text
    [session] = await system.rows(ConversationSession)
    assert session.status == "open"
    await system.text(ANN, "2")
    await system.text(ANN, "yes, please call me")  # a choice text that is not a keyword
    assert (await system.last(ANN)).startswith("Anything else")
    await system.text(ANN, "help")  # on a text-entry question the keyword wins
    assert await system.last(ANN) == system.runtime.settings.help_text


async def test_a_session_expires_after_48_hours(system: Harness) -> None:
    await started(system, ANN, BOB)
    await system.text(ANN, "8")
    await system.advance(timedelta(hours=47, minutes=59))
    assert {s.status for s in await system.rows(ConversationSession)} == {"open"}
    await system.advance(timedelta(minutes=1))
    sessions = await system.rows(ConversationSession)
    assert {s.status for s in sessions} == {"expired"}
    [partial] = await system.rows(Response)  # BOB answered nothing: no response
    assert (partial.finished, partial.values["QID1"]) == (False, 8)
    await system.text(ANN, "1")
    assert await system.last(ANN) == "You are not currently taking a survey."
    [late] = await system.rows(Message, Message.direction == "in", Message.body == "1")
    assert late.session_id is None


async def test_one_open_session_per_number(system: Harness) -> None:
    list_id = await system.contacts("Customers", ContactFields(phone=ANN))
    await system.distribute_list(list_id)
    await system.drain()
    again = await system.distribute_list(list_id)
    await system.drain()
    assert len(await system.inbox(ANN)) == 1
    events = await system.rows(RecipientEvent, RecipientEvent.status == "Skipped")
    [skipped] = events
    assert "already has an open 2-way survey session" in (skipped.detail or "")
    assert again


async def test_opted_out_and_fixed_line_contacts_are_skipped(system: Harness) -> None:
    list_id = await system.contacts(
        "Mixed", ContactFields(phone=ANN), ContactFields(phone="+442079460958")
    )
    await system.text(ANN, "STOP")
    await system.distribute_list(list_id)
    await system.drain()
    statuses = sorted((e.status, e.detail) for e in await system.rows(RecipientEvent))
    assert statuses == [
        ("Skipped", "+442079460958 is a fixed line, which cannot take SMS"),
        ("Skipped (opt-out)", "the contact opted out of SMS"),
    ]


async def test_an_alphanumeric_sender_cannot_carry_a_2way_survey(system: Harness) -> None:
    list_id = await system.contacts("Customers", ContactFields(phone=ANN))
    with pytest.raises(InvalidInput, match="alphanumeric id, which cannot receive replies"):
        await system.distribute_list(list_id, sender="ACME")
    assert await system.rows(Message) == []


async def test_a_forged_callback_is_refused(system: Harness) -> None:
    organization_id = system.organization.id
    path = f"/distribution-providers/v1/receive/distribution/message/simulator/{organization_id}"
    forged = await system.client.post(
        path,
        json={"message_id": "x", "from": ANN, "to": "+15005550006", "text": "STOP"},
        headers={"x-simulator-signature": "0" * 64},
    )
    assert forged.status_code == 401
    assert await system.rows(Message) == []


async def test_an_access_code_starts_an_anonymous_session(system: Harness) -> None:
    await system.link_access_code("@Feedback", "US", system.survey_id)
    await system.text(CID, "@feedback")
    assert (await system.last(CID)).startswith(Q1)
    await system.text(CID, "10")
    await system.text(CID, "1")
    await system.text(CID, "Great")
    [response] = await system.rows(Response)
    assert response.finished
    assert response.contact_id is None
    assert response.values["Q_RecipientPhoneNumber"] == CID
    assert response.recipient["phone"] == CID

    await system.text("+447911123456", "@FEEDBACK")
    assert await system.last("+447911123456") == system.runtime.settings.access_code_refused_text
    assert len(await system.rows(ConversationSession)) == 1


async def test_access_codes_are_checked_when_linked(system: Harness) -> None:
    async with unit_of_work(system.runtime.engine) as session:
        with pytest.raises(InvalidInput, match="must start with @"):
            await link_access_code(session, system.organization, "FEEDBACK", "US", system.survey_id)
        with pytest.raises(InvalidInput, match="unknown region"):
            await link_access_code(session, system.organization, "@a", "XX", system.survey_id)
        await link_access_code(session, system.organization, "@a", "us", system.survey_id)
        with pytest.raises(Conflict, match="already linked"):
            await link_access_code(session, system.organization, "@A", "US", system.survey_id)


async def test_help_and_start_outside_a_session(system: Harness) -> None:
    await system.text(ANN, "info")
    assert await system.last(ANN) == system.runtime.settings.help_text
    await system.text(ANN, "UNSTOP")
    assert await system.last(ANN) == system.runtime.settings.start_text
    inbound = await system.rows(Message, Message.direction == "in")
    assert [m.body for m in inbound] == ["info", "UNSTOP"]


KEYWORD_CHOICES = """
name: Keyword choices
blocks:
  - id: BL
    elements:
      - id: QID1
        type: single_choice
        text: Where did you hear of us?
        choices:
          - {id: "1", text: Info desk}
          - {id: "2", text: Info}
          - {id: "3", text: Stop}
      - id: QID2
        type: text_entry
        text: Why?
"""


async def test_a_keyword_that_is_a_valid_answer_is_the_answer_except_stop(
    system: Harness, tmp_path: Path
) -> None:
    survey_file = tmp_path / "keywords.yaml"
    survey_file.write_text(KEYWORD_CHOICES, encoding="utf-8")
    survey_id = await system.import_survey(survey_file)
    list_id = await system.people("L", ANN, BOB)
    await system.distribute(survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()

    await system.text(ANN, "info")  # a choice: the answer, not the help text
    assert await system.last(ANN) == "Why?"
    await system.text(BOB, "Stop")  # a choice too, but STOP always opts out
    assert (await system.last(BOB)).startswith("You have been opted out")
    sessions = {s.phone: s.status for s in await system.rows(ConversationSession)}
    assert sessions == {ANN: "open", BOB: "opted_out"}


async def test_a_distribution_to_a_single_contact(system: Harness) -> None:
    await system.people("L", ANN, BOB)
    [ann] = await system.rows(Contact, Contact.phone == ANN)
    await system.distribute(system.survey_id, Recipients(contact_id=ann.id))
    await system.drain()
    assert (await system.last(ANN)).startswith(Q1)
    assert await system.inbox(BOB) == []
    with pytest.raises(InvalidInput, match="exactly one of a mailing list, a contact, a sample"):
        await system.distribute(system.survey_id, Recipients())


async def survey_state(system: Harness, **values: object) -> None:
    """Pause (``is_active=False``), close or expire the example survey."""
    async with unit_of_work(system.runtime.engine) as session:
        await session.execute(update(Survey).where(Survey.id == system.survey_id).values(**values))


@pytest.mark.parametrize(
    ("state", "reply"),
    [
        ({"is_active": False}, "Sorry, this survey is not open right now. Please try again later."),
        ({"closed_at": NOW}, "Sorry, this survey is closed. Thank you for your interest."),
        ({"expires_at": NOW}, "Sorry, this survey is closed. Thank you for your interest."),
    ],
    ids=["paused", "closed", "expired"],
)
async def test_an_access_code_of_a_survey_not_open_starts_nothing(
    system: Harness, state: dict[str, object], reply: str
) -> None:
    await system.link_access_code("@Feedback", "US", system.survey_id)
    await survey_state(
        system, **{k: system.clock.now() if v is NOW else v for k, v in state.items()}
    )
    await system.text(CID, "@feedback")
    assert await system.inbox(CID) == [reply]
    assert await system.rows(ConversationSession) == []
    [stored] = await system.rows(Message, Message.direction == "in")
    assert (stored.body, stored.session_id) == ("@feedback", None)


async def test_a_conversation_goes_on_while_its_survey_is_paused(system: Harness) -> None:
    await started(system, ANN)
    await survey_state(system, is_active=False)
    await system.text(ANN, "10")
    assert (await system.last(ANN)).startswith("Great to hear!")
    await system.text(ANN, "1")
    await system.text(ANN, "Keep it up!")
    [response] = await system.rows(Response)
    assert response.finished


async def test_a_closed_survey_ends_the_conversation_at_the_next_text(system: Harness) -> None:
    await started(system, ANN)
    await system.text(ANN, "10")
    await survey_state(system, closed_at=system.clock.now())
    await system.text(ANN, "1")
    assert await system.last(ANN) == "Sorry, this survey is closed. Thank you for your interest."
    [conversation] = await system.rows(ConversationSession)
    assert conversation.status == "expired"
    [partial] = await system.rows(Response)
    assert (partial.finished, partial.values["QID1"], partial.values.get("QID2")) == (
        False,
        10,
        None,
    )
    [late] = await system.rows(Message, Message.direction == "in", Message.body == "1")
    assert late.session_id == conversation.id
    await system.text(ANN, "HELP")
    assert await system.last(ANN) == system.runtime.settings.help_text
