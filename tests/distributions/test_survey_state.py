"""Distributions of a survey that takes no answers: they wait while it is paused and fail
once it is closed or expired, with the reason (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions import reports
from smsurvey.distributions.holds import hold_for_surveys
from smsurvey.distributions.planning import plan_chunk
from smsurvey.distributions.preview import preview
from smsurvey.distributions.service import (
    Lifecycle,
    Method,
    Recipients,
    get_distribution,
    start_due,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.models.distributions import Distribution, RecipientEvent
from smsurvey.models.messaging import ConversationSession, Message, MessageEvent, SendState
from tests.messaging.harness import Harness, harness
from tests.messaging.test_recovery import dead_worker, held_by
from tests.web.support import edit_survey

ANN, BOB = "+14155552671", "+14155552672"
INVITE = "Hi ${m://FirstName}, how did we do? ${l://SurveyURL}"
# The harness clock is Monday 2 March 2026, 09:00 UTC: 01:00 in San Francisco, where the
# window opens at 17:00 UTC.
WINDOW = {"start": "09:00", "end": "20:00"}


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def distribute(system: Harness, method: Method = Method.INVITE, **request: object) -> str:
    """A distribution to Ann and Bob, scheduled now unless ``send_at`` says otherwise."""
    list_id = await system.contacts(
        "Customers",
        ContactFields(first_name="Ann", phone=ANN),
        ContactFields(first_name="Bob", phone=BOB),
    )
    if method is Method.INVITE:
        request.setdefault("message_text", INVITE)
    return await system.distribute(
        system.survey_id, Recipients(mailing_list_id=list_id), method=method, **request
    )


async def report(system: Harness, distribution_id: str) -> reports.DistributionReport:
    async with unit_of_work(system.runtime.engine) as session:
        return await reports.report(session, system.organization, distribution_id, system.clock)


async def hold(system: Harness) -> int:
    """The worker's check, on its own (a worker round sends before it checks)."""
    async with unit_of_work(system.runtime.engine) as session:
        return await hold_for_surveys(session, system.runtime)


async def states(system: Harness, distribution_id: str) -> list[str]:
    texts = await system.rows(Message, Message.distribution_id == distribution_id)
    return sorted(text.send_state for text in texts)


async def received(system: Harness) -> list[str]:
    return await system.inbox(ANN) + await system.inbox(BOB)


@pytest.mark.parametrize("method", [Method.INVITE, Method.INTERACTIVE])
async def test_a_paused_survey_plans_nothing_until_it_is_active(
    system: Harness, method: Method
) -> None:
    await edit_survey(system, is_active=False)
    distribution_id = await distribute(system, method)
    await system.drain()
    assert await received(system) == []
    assert await system.rows(Message) == []
    waiting = await report(system, distribution_id)
    assert waiting.status == "Waiting"
    assert waiting.reason == (
        f"survey {system.survey_id} is paused: texts wait until it is active again"
    )

    await edit_survey(system, is_active=True)
    await system.drain()
    assert len(await system.inbox(ANN)) == len(await system.inbox(BOB)) == 1
    done = await report(system, distribution_id)
    assert (done.status, done.reason) == ("Sent", None)


async def test_follow_ups_of_a_paused_survey_wait(system: Harness) -> None:
    invitation = await distribute(system)
    await system.drain()
    await edit_survey(system, is_active=False)
    reminder = await system.distribute(
        system.survey_id,
        method=Method.REMINDER,
        parent_distribution_id=invitation,
        message_text="Still time: ${l://SurveyURL}",
    )
    await system.drain()
    assert (await report(system, reminder)).status == "Waiting"
    assert not any(text.startswith("Still time") for text in await received(system))
    await edit_survey(system, is_active=True)
    await system.drain()
    assert (await system.last(ANN)).startswith("Still time: http")
    assert (await system.last(BOB)).startswith("Still time: http")


async def test_queued_texts_are_held_and_sent_in_their_window_when_it_resumes(
    system: Harness,
) -> None:
    distribution_id = await distribute(system, quiet_hours=WINDOW)
    await system.drain()
    assert await states(system, distribution_id) == [SendState.QUEUED] * 2
    await edit_survey(system, is_active=False)
    assert await hold(system) == 2
    assert await states(system, distribution_id) == [SendState.HELD] * 2
    waiting = await report(system, distribution_id)
    assert (waiting.status, waiting.metrics.held, waiting.metrics.waiting) == ("Waiting", 2, 2)
    assert "is paused" in (waiting.reason or "")

    await system.advance(timedelta(hours=9))  # 18:00 UTC: inside the window
    assert await received(system) == []
    await system.advance(timedelta(hours=11))  # 05:00 UTC, 21:00 in San Francisco: outside
    await edit_survey(system, is_active=True)
    await system.drain()
    assert await received(system) == []
    texts = await system.rows(Message, Message.distribution_id == distribution_id)
    assert {text.send_state for text in texts} == {SendState.QUEUED}
    assert {text.next_attempt_at for text in texts} == {system.clock.now().replace(hour=17)}
    assert (await report(system, distribution_id)).status == "In progress"
    await system.advance(timedelta(hours=12))
    assert len(await system.inbox(ANN)) == len(await system.inbox(BOB)) == 1
    assert (await report(system, distribution_id)).status == "Sent"


async def planned_not_sent(system: Harness, method: Method, **request: object) -> str:
    """A distribution started and planned, its texts queued and not sent yet."""
    distribution_id = await distribute(system, method, **request)
    async with unit_of_work(system.runtime.engine) as session:
        assert await start_due(session, system.clock.now()) == [distribution_id]
    async with unit_of_work(system.runtime.engine) as session:
        await plan_chunk(session, system.runtime, distribution_id)
    assert await states(system, distribution_id) == [SendState.QUEUED] * 2
    return distribution_id


async def test_a_text_queued_again_for_a_paused_survey_is_not_sent(system: Harness) -> None:
    distribution_id = await planned_not_sent(system, Method.INVITE)
    ids = [text.id for text in await system.rows(Message)]
    await dead_worker(system, "WK_dead", host="elsewhere", pid=1, silent=120)
    await held_by(system, "WK_dead", SendState.CLAIMED, ids)
    await edit_survey(system, is_active=False)

    # The recovery sweep queues them again, in the round whose sender would send them.
    await system.drain()
    assert await received(system) == []
    assert await states(system, distribution_id) == [SendState.HELD] * 2

    await edit_survey(system, is_active=True)
    await system.drain()
    assert len(await system.inbox(ANN)) == len(await system.inbox(BOB)) == 1


async def test_a_2_way_start_that_waited_gets_its_whole_session(system: Harness) -> None:
    distribution_id = await planned_not_sent(system, Method.INTERACTIVE)
    await edit_survey(system, is_active=False)
    await hold(system)
    await system.advance(timedelta(hours=40))
    assert await received(system) == []
    await edit_survey(system, is_active=True)
    await system.drain()
    assert (await system.last(ANN)).startswith("Hi from Acme!")
    sessions = await system.rows(ConversationSession)
    assert {s.expires_at for s in sessions} == {system.clock.now() + timedelta(hours=48)}
    await system.advance(timedelta(hours=10))  # 50 hours after the session opened
    await system.text(ANN, "10")
    assert (await system.last(ANN)).startswith("Great to hear!")
    assert (await report(system, distribution_id)).status == "Sent"


async def test_a_2_way_start_whose_session_ended_while_paused_sends_nothing(
    system: Harness,
) -> None:
    distribution_id = await planned_not_sent(system, Method.INTERACTIVE)
    await edit_survey(system, is_active=False)
    await hold(system)
    await system.advance(timedelta(hours=49))  # the sessions expire
    await edit_survey(system, is_active=True)
    await system.drain()
    assert await received(system) == []
    assert await states(system, distribution_id) == [SendState.FAILED] * 2
    events = await system.rows(RecipientEvent)
    assert {(e.status, e.detail) for e in events} == {
        ("Skipped", "its 2-way session ended while the survey was paused")
    }


@pytest.mark.parametrize(
    ("column", "words"), [("expires_at", "expired on"), ("closed_at", "was closed on")]
)
async def test_an_ended_survey_sends_nothing_more_and_its_distribution_fails(
    system: Harness, column: str, words: str
) -> None:
    queued = await distribute(system, quiet_hours=WINDOW)
    await system.drain()
    await edit_survey(system, is_active=False)
    await hold(system)  # one text held, one queued: both end
    texts = await system.rows(Message, Message.distribution_id == queued)
    async with unit_of_work(system.runtime.engine) as session:
        text = await session.get(Message, texts[0].id)
        assert text is not None
        text.send_state = SendState.QUEUED
    await edit_survey(system, is_active=True, **{column: system.clock.now()})
    assert await hold(system) == 2
    later = await distribute(system, message_text="Last chance ${l://SurveyURL}")
    await system.advance(timedelta(hours=9))
    assert await received(system) == []

    reason = f"survey {system.survey_id} {words} 2026-03-02 09:00 UTC: nothing more is sent for it"
    for distribution_id in (queued, later):
        [distribution] = await system.rows(Distribution, Distribution.id == distribution_id)
        assert (distribution.status, distribution.failure) == (Lifecycle.FAILED, reason)
        shown = await report(system, distribution_id)
        assert (shown.status, shown.reason) == ("Failed", reason)
    assert await states(system, queued) == [SendState.FAILED] * 2
    assert await system.rows(Message, Message.distribution_id == later) == []
    failed = await system.rows(MessageEvent, MessageEvent.status == "Failed")
    assert {event.detail for event in failed} == {reason}
    skipped = await system.rows(RecipientEvent, RecipientEvent.status == "Skipped")
    assert [event.detail for event in skipped] == [reason, reason]
    assert await hold(system) == 0


async def test_an_ended_survey_closes_the_2_way_sessions_it_did_not_start(
    system: Harness,
) -> None:
    distribution_id = await planned_not_sent(system, Method.INTERACTIVE)
    await edit_survey(system, expires_at=system.clock.now())
    assert await hold(system) == 2
    await system.drain()
    assert await received(system) == []
    assert await states(system, distribution_id) == [SendState.FAILED] * 2
    sessions = await system.rows(ConversationSession)
    assert {s.status for s in sessions} == {"expired"}
    assert (await report(system, distribution_id)).status == "Failed"


async def test_a_finished_distribution_stays_sent_when_its_survey_ends(system: Harness) -> None:
    distribution_id = await distribute(system)
    await system.drain()
    await edit_survey(system, closed_at=system.clock.now())
    await system.drain()
    shown = await report(system, distribution_id)
    assert (shown.status, shown.reason) == ("Sent", None)


async def test_the_preview_warns_before_anything_is_sent(system: Harness) -> None:
    distribution_id = await distribute(system, send_at=system.clock.now() + timedelta(days=2))

    async def warnings() -> tuple[str, ...]:
        async with unit_of_work(system.runtime.engine) as session:
            distribution = await get_distribution(session, system.organization, distribution_id)
            return (await preview(session, system.runtime, distribution)).warnings

    assert await warnings() == ()
    await edit_survey(system, is_active=False)
    assert await warnings() == (
        f"survey {system.survey_id} is paused: texts wait until it is active again",
    )
    await edit_survey(system, is_active=True, expires_at=system.clock.now() + timedelta(days=1))
    expected = (
        f"survey {system.survey_id} expires on 2026-03-03 09:00 UTC: nothing more will be sent"
    )
    assert await warnings() == (expected,)
    scheduled = await report(system, distribution_id)
    assert (scheduled.status, scheduled.reason) == ("Scheduled", expected)
    await edit_survey(system, expires_at=None, closed_at=system.clock.now())
    assert await warnings() == (
        f"survey {system.survey_id} was closed on 2026-03-02 09:00 UTC: nothing more will be sent",
    )
    assert await received(system) == []
