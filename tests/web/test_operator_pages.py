"""The operator pages of the admin: provider connections, credits, event subscriptions and
the phone simulator, through HTTP as a user and as an attacker would try them (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import html
import re
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from aiohttp import web

from smsurvey.accounts.access import USER
from smsurvey.accounts.service import create_organization
from smsurvey.kit.db import unit_of_work
from smsurvey.models.subscriptions import EventSubscription
from smsurvey.providers.connections import (
    NewConnection,
    add_connection,
    connection_fields,
    list_connections,
)
from smsurvey.responses.subscriptions import COMPLETED
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.service import import_survey
from tests.fakes.base import Fault
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FIELDS, FakeTwilio
from tests.messaging.harness import EXAMPLE, Harness, harness
from tests.support import found
from tests.web.admin_support import csrf, signed_in

ANN, OURS = "+14155552671", "+15005550006"


def _text(page: httpx.Response) -> str:
    """The page's text with its entities read (``&#43;`` is ``+``)."""
    return html.unescape(page.text)


async def _connections(system: Harness, organization_id: str | None = None) -> list[str]:
    async with unit_of_work(system.runtime.engine) as session:
        found = await list_connections(session, organization_id or system.organization.id)
        return [c.id for c in found]


async def _connect(browser: httpx.AsyncClient, name: str, api_url: str) -> httpx.Response:
    form = await browser.get("/admin/providers/add/twilio")
    return await browser.post(
        "/admin/providers/add/twilio",
        data={"csrf_token": csrf(form), "name": name, "sender": OURS,
              "field_account_sid": ACCOUNT_SID, "field_auth_token": AUTH_TOKEN,
              "field_api_url": api_url},
    )  # fmt: skip


async def _foreign_connection(system: Harness) -> str:
    async with unit_of_work(system.runtime.engine) as session:
        other = await create_organization(session, "Other brand", system.clock)
        new = NewConnection("Theirs", "twilio", OURS, {**FIELDS, "api_url": "http://127.0.0.1:9"})
        made = await add_connection(
            session, system.runtime.secret, other.id, new, system.clock.now()
        )
        return made.id


async def _foreign_survey(system: Harness) -> str:
    async with unit_of_work(system.runtime.engine) as session:
        other = await create_organization(session, "Survey brand", system.clock)
        imported = await import_survey(session, other, load_survey(EXAMPLE), clock=system.clock)
        return imported.survey.id


async def test_a_twilio_connection_added_through_its_form_never_shows_its_token(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        form = await browser.get("/admin/providers/add/twilio")
        assert form.status_code == 200
        assert 'for="field-account_sid">Account SID' in form.text
        assert 'type="password"' in form.text
        assert "incoming-message webhook" in form.text  # Twilio's own set-up help

        missing = await browser.post(
            "/admin/providers/add/twilio",
            data={"csrf_token": csrf(form), "name": "Main", "sender": OURS,
                  "field_account_sid": ACCOUNT_SID, "field_auth_token": AUTH_TOKEN,
                  "field_api_url": "not a url"},
        )  # fmt: skip
        assert missing.status_code == 400
        assert "api_url must be an http(s) URL" in missing.text
        assert ACCOUNT_SID in missing.text  # what was typed stays, but for the secret
        assert AUTH_TOKEN not in missing.text
        assert await _connections(system) == []

        added = await _connect(browser, "Twilio EU", "http://127.0.0.1:9")
        assert added.status_code == 303, added.text
        [connection_id] = await _connections(system)
        assert added.headers["location"] == f"/admin/providers/{connection_id}"
        async with unit_of_work(system.runtime.engine) as session:
            [stored] = await list_connections(session, system.organization.id)
            assert connection_fields(system.runtime.secret, stored)["auth_token"] == AUTH_TOKEN
            assert AUTH_TOKEN not in stored.sealed_fields

        page = await browser.get(added.headers["location"])
        assert "Give Twilio the webhook URLs below" in page.text
        assert "…oken" in page.text
        receive = "/distribution-providers/v1/receive/distribution"
        org = system.organization.id
        assert re.search(rf'id="status-url">[^<]*{receive}/status/twilio/{org}<', page.text)
        assert re.search(rf'id="message-url">[^<]*{receive}/message/twilio/{org}<', page.text)
        assert 'data-copy="status-url"' in page.text
        assert 'data-copy="message-url"' in page.text
        listing = await browser.get("/admin/providers")
        assert "Twilio EU" in listing.text
        assert "Sends" in listing.text
        for shown in (page, listing, await browser.get("/admin/providers/add/twilio")):
            assert AUTH_TOKEN not in shown.text


async def test_a_test_text_goes_to_the_fake_provider_and_its_refusal_is_said(
    database_url: str,
) -> None:
    async with (
        harness(database_url) as system,
        signed_in(system) as browser,
        FakeTwilio() as fake,
    ):
        assert (await _connect(browser, "Twilio", fake.url)).status_code == 303
        [connection_id] = await _connections(system)
        page = await browser.get(f"/admin/providers/{connection_id}")
        sent = await browser.post(
            f"/admin/providers/{connection_id}/test", data={"csrf_token": csrf(page), "to": ANN}
        )
        assert sent.status_code == 303, sent.text
        [taken] = fake.accepted()
        assert (taken.fields["To"], taken.fields["From"]) == (ANN, OURS)
        assert "a test text through Twilio" in taken.fields["Body"]
        told = await browser.get(sent.headers["location"])
        assert f"its id is {taken.message_id}" in _text(told)

        fake.faults.append(Fault("permanent"))
        refused = await browser.post(
            f"/admin/providers/{connection_id}/test", data={"csrf_token": csrf(page), "to": ANN}
        )
        assert refused.status_code == 400
        assert "the text was not taken (code 21211)" in refused.text
        assert "[permanent]" in refused.text
        wrong = await browser.post(
            f"/admin/providers/{connection_id}/test",
            data={"csrf_token": csrf(page), "to": "call me"},
        )
        assert wrong.status_code == 400
        assert "is not a phone number" in _text(wrong)
        assert len(fake.accepted()) == 1


@dataclass
class HeldTwilio(FakeTwilio):
    """A fake Twilio that answers a send only once :attr:`release` is set."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def _messages(self, request: web.Request) -> web.Response:
        self.arrived.set()
        await self.release.wait()
        return await super()._messages(request)


async def test_a_test_text_holds_no_write_while_the_provider_answers(
    database_url: str,
) -> None:
    async with (
        harness(database_url) as system,
        signed_in(system) as browser,
        HeldTwilio() as fake,
    ):
        assert isinstance(fake, HeldTwilio)
        assert (await _connect(browser, "Twilio", fake.url)).status_code == 303
        [connection_id] = await _connections(system)
        page = await browser.get(f"/admin/providers/{connection_id}")
        sending = asyncio.create_task(
            browser.post(
                f"/admin/providers/{connection_id}/test",
                data={"csrf_token": csrf(page), "to": ANN},
            )
        )
        await fake.arrived.wait()
        async with asyncio.timeout(10), unit_of_work(system.runtime.engine) as session:
            await create_organization(session, "Written meanwhile", system.clock)
        fake.release.set()
        assert (await sending).status_code == 303
        assert len(fake.accepted()) == 1


async def test_the_sending_order_moves_and_a_delete_asks_first(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        for name in ("First", "Second", "Third"):
            assert (await _connect(browser, name, "http://127.0.0.1:9")).status_code == 303
        first, second, third = await _connections(system)
        page = await browser.get("/admin/providers")
        assert 'aria-label="Move First down"' in page.text
        assert "Move First up" not in page.text
        assert "Move Third down" not in page.text
        token = csrf(page)
        moved = await browser.post(
            f"/admin/providers/{third}/move", data={"csrf_token": token, "direction": "up"}
        )
        assert moved.status_code == 303
        assert await _connections(system) == [first, third, second]
        await browser.post(
            f"/admin/providers/{first}/move", data={"csrf_token": token, "direction": "down"}
        )
        assert await _connections(system) == [third, first, second]
        await browser.post(
            f"/admin/providers/{second}/move", data={"csrf_token": token, "direction": "down"}
        )
        assert await _connections(system) == [third, first, second]  # already last

        ask = await browser.get(f"/admin/providers/{third}/delete")
        assert ask.status_code == 200
        assert "Delete Third?" in ask.text
        assert await _connections(system) == [third, first, second]  # asking deletes nothing
        gone = await browser.post(
            f"/admin/providers/{third}/delete", data={"csrf_token": csrf(ask)}
        )
        assert gone.status_code == 303
        assert await _connections(system) == [first, second]
        assert (await browser.get(f"/admin/providers/{third}")).status_code == 404


async def test_a_connection_sealed_with_another_key_says_so(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        async with unit_of_work(system.runtime.engine) as session:
            new = NewConnection("Old key", "twilio", OURS, FIELDS)
            made = await add_connection(
                session, b"another key" * 4, system.organization.id, new, system.clock.now()
            )
        listing = await browser.get("/admin/providers")
        assert "Cannot be decrypted: SMSURVEY_SECRET_KEY is not the key" in listing.text
        page = await browser.get(f"/admin/providers/{made.id}")
        tried = await browser.post(
            f"/admin/providers/{made.id}/test", data={"csrf_token": csrf(page), "to": ANN}
        )
        assert tried.status_code == 400
        assert "stored credentials cannot be decrypted" in tried.text
        assert 'id="message-url"' in tried.text  # on the connection's page


async def test_another_organisations_connection_is_not_found(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        theirs = await _foreign_connection(system)
        token = csrf(await browser.get("/admin/providers"))
        assert (await browser.get(f"/admin/providers/{theirs}")).status_code == 404
        assert (await browser.get(f"/admin/providers/{theirs}/delete")).status_code == 404
        for action, data in (
            ("test", {"to": ANN}),
            ("move", {"direction": "up"}),
            ("delete", {}),
        ):
            answer = await browser.post(
                f"/admin/providers/{theirs}/{action}", data={"csrf_token": token, **data}
            )
            assert answer.status_code == 404, action
        assert "Theirs" not in (await browser.get("/admin/providers")).text
        assert await _connections(system) == []


async def test_users_who_are_not_administrators_are_refused(database_url: str) -> None:
    async with harness(database_url) as system:
        async with signed_in(system, "bob@example.org", role=USER) as browser:
            home = await browser.get("/admin")
            for path in ("/admin/providers", "/admin/providers/add/twilio", "/admin/credits",
                         "/admin/subscriptions"):  # fmt: skip
                assert (await browser.get(path)).status_code == 403, path
                assert f'href="{path}"' not in home.text
            added = await browser.post(
                "/admin/providers/add/twilio",
                data={"csrf_token": csrf(home), "name": "X", "sender": OURS, **FIELDS},
            )
            assert added.status_code == 403
            assert (await browser.get("/admin/phone")).status_code == 200  # may send SMS
        async with signed_in(system, "cy@example.org", role=USER, sms=False) as browser:
            assert (await browser.get("/admin/phone")).status_code == 403
            assert (await browser.get(f"/admin/phone/texts?number={ANN}")).status_code == 403


async def test_forms_without_their_csrf_token_are_refused(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        assert (await _connect(browser, "Twilio", "http://127.0.0.1:9")).status_code == 303
        [connection_id] = await _connections(system)
        for path, data in (
            ("/admin/providers/add/twilio", {"name": "X", "sender": OURS}),
            (f"/admin/providers/{connection_id}/test", {"to": ANN}),
            (f"/admin/providers/{connection_id}/move", {"direction": "down"}),
            (f"/admin/providers/{connection_id}/delete", {}),
            ("/admin/subscriptions", {"event": COMPLETED, "url": "https://hooks.example.org"}),
            ("/admin/phone/texts", {"number": ANN, "text": "10"}),
        ):
            for token in ({}, {"csrf_token": "0" * 64}):
                answer = await browser.post(path, data=data | token)
                assert answer.status_code == 403, path
                assert "this form has expired" in answer.text
        assert await _connections(system) == [connection_id]
        assert await system.rows(EventSubscription) == []
        assert await system.transcript(ANN) == []


async def test_the_credits_page_charts_consumption_by_month_and_country(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        async with signed_in(system) as browser:
            empty = await browser.get("/admin/credits")
            assert empty.status_code == 200
            assert "No text has consumed credits yet." in empty.text
        opening = system.runtime.settings.initial_credits

        await system.distribute_list(await system.people("March", ANN, "+33612345678"))
        await system.drain()
        await system.advance(timedelta(days=31))
        await system.distribute_list(await system.people("April", "+14155552672"))
        await system.drain()
        async with signed_in(system, "bea@example.org") as browser:
            page = await browser.get("/admin/credits")
        assert page.status_code == 200
        assert page.text.count('<svg class="chart" role="img"') == 2
        by_month = found(
            r'(?s)<svg[^>]*aria-labelledby="chart-credits-by-month.*?</svg>', page.text
        )
        assert ">2026-03</text>" in by_month
        assert ">2026-04</text>" in by_month
        by_country = found(
            r'(?s)<svg[^>]*aria-labelledby="chart-credits-by-country.*?</svg>', page.text
        )
        assert ">US</text>" in by_country
        assert ">FR</text>" in by_country
        for month, country in (("2026-03", "US"), ("2026-03", "FR"), ("2026-04", "US")):
            assert f"<td>{month}</td><td>{country}</td>" in page.text
        spent = re.search(r"3 texts, ([\d.,]+) credits in all", page.text)
        assert spent is not None
        left = re.search(r'class="figure">([\d.,]+)<', page.text)
        assert left is not None
        assert float(left[1].replace(",", "")) == float(opening) - float(spent[1])


async def test_event_subscriptions_are_made_with_a_key_shown_once_and_deleted(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get("/admin/subscriptions")
        assert page.status_code == 200
        assert f'<option value="{system.survey_id}">' in page.text
        token = csrf(page)
        made = await browser.post(
            "/admin/subscriptions",
            data={"csrf_token": token, "event": COMPLETED, "survey": system.survey_id,
                  "url": "https://hooks.example.org/q", "signing": "made"},
        )  # fmt: skip
        assert made.status_code == 200, made.text
        key = re.search(r'id="shared-key">([^<]+)<', made.text)
        assert key is not None
        assert len(key[1]) >= 40
        [subscription] = await system.rows(EventSubscription)
        assert subscription.topics == f"{COMPLETED}.{system.survey_id}"
        assert subscription.sealed_key is not None
        assert key[1] not in subscription.sealed_key
        again = await browser.get("/admin/subscriptions")
        assert f"{COMPLETED}.{system.survey_id}" in again.text
        assert key[1] not in again.text

        every = await browser.post(
            "/admin/subscriptions",
            data={"csrf_token": token, "event": "surveyengine.*Response",
                  "url": "https://hooks.example.org/all", "signing": "none"},
        )  # fmt: skip
        assert every.status_code == 303
        bad = await browser.post(
            "/admin/subscriptions",
            data={"csrf_token": token, "event": COMPLETED, "url": "ftp://x", "signing": "none"},
        )
        assert bad.status_code == 400
        assert "must be an http(s) URL" in bad.text
        for survey in ("SV_000000000000000", await _foreign_survey(system)):
            foreign = await browser.post(
                "/admin/subscriptions",
                data={"csrf_token": token, "event": COMPLETED, "survey": survey,
                      "url": "https://hooks.example.org/q"},
            )  # fmt: skip
            assert foreign.status_code == 404
        topics = sorted(s.topics for s in await system.rows(EventSubscription))
        assert topics == ["surveyengine.*Response.*", f"{COMPLETED}.{system.survey_id}"]

        gone = await browser.post(
            f"/admin/subscriptions/{subscription.id}/delete", data={"csrf_token": token}
        )
        assert gone.status_code == 303
        assert [s.topics for s in await system.rows(EventSubscription)] == [
            "surveyengine.*Response.*"
        ]
        assert (
            await browser.post(
                f"/admin/subscriptions/{subscription.id}/delete", data={"csrf_token": token}
            )
        ).status_code == 404


async def test_replying_on_the_phone_page_gets_the_next_question(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        await system.distribute_list(await system.people("Customers", ANN))
        await system.drain()
        page = await browser.get("/admin/phone")
        assert page.status_code == 200
        assert f"?number=%2B{ANN[1:]}" in page.text
        thread = await browser.get("/admin/phone", params={"number": ANN})
        assert "How likely are you to recommend us" in thread.text
        assert 'data-texts="/admin/phone/texts?number=%2B' in thread.text

        sent = await browser.post(
            "/admin/phone/texts", data={"csrf_token": csrf(thread), "number": ANN, "text": "10"}
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/admin/phone?number=%2B{ANN[1:]}"
        await system.drain()
        texts = (await browser.get("/admin/phone/texts", params={"number": ANN})).json()
        assert [(t["direction"], t["body"][:14]) for t in texts] == [
            ("to_handset", "Hi from Acme! "),
            ("from_handset", "10"),
            ("to_handset", "Great to hear!"),
        ]
        assert [t["status"] for t in texts] == ["Sent", "Sent from the phone", "Sent"]
        await system.advance(timedelta(seconds=2))  # the simulator's delivery reports
        texts = (await browser.get("/admin/phone/texts", params={"number": ANN})).json()
        assert [t["status"] for t in texts] == ["Delivered", "Sent from the phone", "Delivered"]
        assert texts[1]["counterpart"] == system.our_number
        assert "Great to hear!" in (await browser.get(sent.headers["location"])).text

        blank = await browser.post(
            "/admin/phone/texts", data={"csrf_token": csrf(thread), "number": ANN, "text": " "}
        )
        assert blank.status_code == 400
        assert "type the text to send" in blank.text
        assert "Great to hear!" in blank.text  # the thread stays in view
        wrong = await browser.get("/admin/phone", params={"number": "nobody"})
        assert wrong.status_code == 400
        assert "is not a phone number" in _text(wrong)


async def test_the_phone_page_is_not_for_organisations_with_a_provider(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        token = csrf(await browser.get("/admin/phone"))
        assert (await _connect(browser, "Twilio", "http://127.0.0.1:9")).status_code == 303
        page = await browser.get("/admin/phone")
        assert page.status_code == 404
        assert "sends through its own provider connection" in page.text
        assert (await browser.get("/admin/phone/texts", params={"number": ANN})).status_code == 404
        typed = await browser.post(
            "/admin/phone/texts", data={"csrf_token": token, "number": ANN, "text": "10"}
        )
        assert typed.status_code == 404
        assert await system.transcript(ANN) == []


async def test_the_phone_page_says_when_this_instance_runs_no_simulator(
    database_url: str,
) -> None:
    async with Harness.open(database_url, simulator=False) as system, signed_in(system) as b:
        page = await b.get("/admin/phone")
        assert page.status_code == 404
        assert "runs no simulator (SMSURVEY_SIMULATOR is false)" in page.text
