"""The one-click opt-out page behind ``${l://OptOutURL}`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from smsurvey.contacts.service import set_opted_out
from smsurvey.distributions.links import survey_url
from smsurvey.kit.db import unit_of_work
from smsurvey.models.contacts import Contact, OptOutEvent
from tests.messaging.harness import Harness, harness
from tests.web.support import ANN, BOB, invite, text_sent

TEN_DAYS = timedelta(days=10)


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def contact(system: Harness, contact_id: str) -> Contact:
    [found] = await system.rows(Contact, Contact.id == contact_id)
    return found


async def test_a_get_or_head_only_offers_the_button(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    link = await text_sent(system, ann, sent_at=system.clock.now())
    assert (await system.client.head(link)).status_code == 200
    for _ in range(2):
        page = await system.client.get(link)
        assert page.status_code == 200
        assert '<form method="post">' in page.text
        assert "Opt me out</button>" in page.text
    assert not (await contact(system, ann.contact_id)).opted_out
    assert await system.rows(OptOutEvent) == []


async def test_the_button_opts_the_contact_out(system: Harness) -> None:
    [ann, bob] = await invite(system, ANN, BOB)
    link = await text_sent(system, ann, sent_at=system.clock.now())
    system.clock.advance(TEN_DAYS - timedelta(minutes=1))
    done = await system.client.post(link)
    assert done.status_code == 200
    assert "You have been opted out" in done.text
    opted_out = await contact(system, ann.contact_id)
    assert opted_out.opted_out
    assert opted_out.embedded_data["Opted out"] == "Yes"
    [event] = await system.rows(OptOutEvent)
    assert (event.contact_id, event.source, event.at) == (
        ann.contact_id,
        "opt-out-link",
        system.clock.now(),
    )
    assert not (await contact(system, bob.contact_id)).opted_out
    again = await system.client.get(link)
    assert "You are already opted out" in again.text
    assert "<form" not in again.text
    assert (await system.client.post(link)).status_code == 200
    assert len(await system.rows(OptOutEvent)) == 1


async def test_the_link_expires_ten_days_after_the_text_was_sent(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    sent_at = system.clock.now()
    system.clock.advance(timedelta(hours=2))  # queued earlier, sent later: the sending counts
    link = await text_sent(system, ann, sent_at=sent_at + timedelta(hours=1))
    system.clock.advance(TEN_DAYS - timedelta(hours=1))
    for method in ("GET", "POST"):
        page = await system.client.request(method, link)
        assert page.status_code == 410
        assert "This opt-out link has expired" in page.text
        assert "replying STOP" in page.text
        assert "<form" not in page.text
    assert not (await contact(system, ann.contact_id)).opted_out
    assert await system.rows(OptOutEvent) == []


async def test_an_already_opted_out_contact_is_told_so(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    link = await text_sent(system, ann, sent_at=system.clock.now())
    async with unit_of_work(system.runtime.engine) as session:
        stored = await session.get(Contact, ann.contact_id)
        assert stored is not None
        await set_opted_out(session, stored, True, source="sms-keyword", clock=system.clock)
    page = await system.client.get(link)
    assert page.status_code == 200
    assert "You are already opted out" in page.text
    await system.client.post(link)
    assert [e.source for e in await system.rows(OptOutEvent)] == ["sms-keyword"]


async def test_links_that_are_not_valid_are_not_found(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    never_sent = await text_sent(system, ann, sent_at=None)
    sent = await text_sent(system, ann, sent_at=system.clock.now())
    tampered = sent[:-1] + ("A" if sent[-1] != "A" else "B")
    survey_token = survey_url(system.runtime, ann.recipient_id).rsplit("/", 1)[1]
    for link in (never_sent, tampered, f"/o/{survey_token}"):
        for method in ("GET", "POST"):
            page = await system.client.request(method, link)
            assert page.status_code == 404
            assert "This link is not valid" in page.text
    assert not (await contact(system, ann.contact_id)).opted_out
