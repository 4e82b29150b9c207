"""The preview before a send, and the test of a distribution (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions import reports
from smsurvey.distributions.planning import estimate
from smsurvey.distributions.preview import Preview, preview, send_test, spoken_duration
from smsurvey.distributions.service import (
    DistributionRequest,
    Lifecycle,
    Method,
    Recipients,
    get_distribution,
    new_distribution,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import InvalidInput
from smsurvey.models.distributions import Distribution
from smsurvey.models.messaging import ConversationSession
from smsurvey.models.responses import Response
from tests.messaging.harness import Harness, harness

TESTER = "+14155552699"
Q1 = "Hi from Acme! How likely are you to recommend us"


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def eleven(system: Harness) -> str:
    """A list of eleven people, one of them in store 12; its id."""
    return await system.contacts(
        "Customers",
        *(
            ContactFields(
                first_name=f"P{i}",
                phone=f"+1415555{2600 + i}",
                embedded_data={"Store": "12" if i == 7 else "3"},
            )
            for i in range(11)
        ),
    )


async def previewed(system: Harness, distribution_id: str) -> Preview:
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        return await preview(session, system.runtime, distribution)


async def test_the_preview_counts_only_whom_the_conditions_keep(system: Harness) -> None:
    list_id = await eleven(system)
    store_12 = {
        "conditions": [{"field": "embedded", "name": "Store", "operator": "equals", "value": "12"}]
    }
    distribution_id = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text="Hi ${m://FirstName}: ${l://SurveyURL}",
        conditions=store_12,
        send_at=system.clock.now() + timedelta(hours=1),
    )
    shown = await previewed(system, distribution_id)
    assert (shown.recipients, shown.texts, shown.total_parts) == (1, 1, 1)
    assert shown.conditions == "Store is 12"
    assert shown.sample_recipient == "P7"
    assert shown.total_credits == shown.credits_each
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        assert await estimate(session, system.runtime, distribution) == (1, shown.total_credits)

    system.clock.advance(timedelta(hours=1))
    await system.drain()
    sent = (await reports_of(system, distribution_id)).metrics
    assert (sent.recipients, sent.sent, sent.credits) == (1, 1, shown.total_credits)


async def reports_of(system: Harness, distribution_id: str) -> reports.DistributionReport:
    async with unit_of_work(system.runtime.engine) as session:
        return await reports.report(session, system.organization, distribution_id)


async def test_the_sample_shows_its_links_as_examples_not_as_dead_links(
    system: Harness,
) -> None:
    list_id = await eleven(system)
    distribution_id = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text="Tell us: ${l://SurveyURL} Opt out: ${l://OptOutURL}",
        send_at=system.clock.now() + timedelta(hours=1),
    )
    shown = await previewed(system, distribution_id)
    assert shown.text == "Tell us: <survey link> Opt out: <opt-out link>"
    assert "http" not in shown.text
    assert shown.personal_links
    assert shown.parts == 1  # the links counted at full length


async def test_a_preview_before_creating_warns_and_stores_nothing(system: Harness) -> None:
    list_id = await eleven(system)
    request = DistributionRequest(
        system.survey_id,
        Method.INVITE,
        Recipients(mailing_list_id=list_id),
        message_text="We would love your opinion!",
        send_at=system.clock.now() - timedelta(days=1),
    )
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await new_distribution(session, system.runtime, system.organization, request)
        shown = await preview(session, system.runtime, distribution)
    assert shown.warnings == (
        "the message has no ${l://SurveyURL}: recipients get no link to the survey",
        "the send date 2026-03-01 09:00 UTC is in the past: the texts go out at once",
    )
    assert not shown.personal_links
    assert await system.rows(Distribution) == []


async def test_a_2_way_preview_shows_the_real_first_question(system: Harness) -> None:
    list_id = await eleven(system)
    distribution_id = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        send_at=system.clock.now() + timedelta(hours=1),
    )
    shown = await previewed(system, distribution_id)
    assert shown.text.startswith(Q1)
    assert shown.conversation
    assert shown.texts == 11
    assert shown.warnings == ()


async def test_testing_a_2_way_distribution_starts_a_real_test_conversation(
    system: Harness,
) -> None:
    list_id = await eleven(system)
    distribution_id = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        send_at=system.clock.now() + timedelta(hours=1),
    )
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        assert await send_test(session, system.runtime, distribution, "+1 (415) 555-2699")
    await system.drain()
    assert (await system.last(TESTER)).startswith(Q1)
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        with pytest.raises(InvalidInput, match="taking a 2-way survey already"):
            await send_test(session, system.runtime, distribution, TESTER)

    await system.text(TESTER, "10")
    assert (await system.last(TESTER)).startswith("Great to hear! What do you like most")
    await system.text(TESTER, "1")
    await system.text(TESTER, "Keep it up!")
    assert await system.last(TESTER) == "Thank you for your feedback! The Acme team"

    [response] = await system.rows(Response)
    assert (response.channel, response.finished, response.distribution_id) == ("test", True, None)
    [session_row] = await system.rows(ConversationSession)
    assert (session_row.channel, session_row.distribution_id) == ("test", None)
    untouched = await reports_of(system, distribution_id)
    assert untouched.status == Lifecycle.SCHEDULED
    assert (untouched.metrics.recipients, untouched.metrics.sent) == (0, 0)
    assert untouched.metrics.credits == 0


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.2, "under 1 s"),
        (3.666667, "about 4 s"),
        (59, "about 59 s"),
        (60, "about 1 min"),
        (170, "about 3 min"),
        (3599, "about 1 h"),
        (2 * 3600 + 10 * 60 + 12, "about 2 h 10 min"),
        (26 * 3600, "about 26 h"),
    ],
)
def test_durations_read_as_a_person_says_them(seconds: float, said: str) -> None:
    assert spoken_duration(timedelta(seconds=seconds)) == said
