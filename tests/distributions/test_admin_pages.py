"""The distributions pages of the admin, through HTTP as a browser uses them (SQLite and
PostgreSQL): the list and its bulk changes, the new distribution's preview, test text and
confirmation, one distribution's figures, funnel and history download, and who may see
what."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from smsurvey.accounts.access import USER
from smsurvey.accounts.service import create_organization
from smsurvey.contacts.service import ContactFields
from smsurvey.distributions import reports
from smsurvey.distributions.reports import Enclosure
from smsurvey.distributions.service import (
    DistributionRequest,
    Lifecycle,
    Method,
    Recipients,
    create_distribution,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.models.accounts import User
from smsurvey.models.distributions import Distribution
from smsurvey.models.responses import Response
from tests.distributions.customers import ANN, BOB, CID, DAN, INVITE, customers, invite
from tests.messaging.harness import Harness, harness
from tests.support import found
from tests.web.admin_support import csrf, signed_in

TESTER = "+14155552699"


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url, behaviours=f"{CID}=failed") as running:
        yield running


@pytest.fixture
async def browser(system: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in(system, role=USER) as signed:
        yield signed


async def token(browser: httpx.AsyncClient) -> str:
    return csrf(await browser.get("/admin/distributions"))


def form(list_id: str, survey_id: str, **fields: str) -> dict[str, str]:
    """The new-distribution form, filled in for an invitation to ``list_id`` now."""
    return {
        "method": "Invite",
        "survey_id": survey_id,
        "recipients": "mailing_list",
        "mailing_list_id": list_id,
        "message_source": "text",
        "message_text": INVITE,
        "when": "now",
        "zone": "UTC",
        **fields,
    }


def text_of(page: str) -> str:
    """A page's text without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def metric(page: str, name: str) -> str:
    return html.unescape(found(rf"(?<=<dt>{re.escape(name)}</dt><dd>)[^<]*", page))


async def test_the_list_shows_each_distribution_and_filters_by_status(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    sent = await invite(system, list_id, name="March invitation")
    await system.drain()
    later = await invite(
        system, list_id, name="April invitation", send_at=system.clock.now() + timedelta(days=30)
    )
    page = await browser.get("/admin/distributions")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "March invitation" in shown
    assert "April invitation" in shown
    assert "Customer feedback (NPS)" in shown
    assert "Sent 4 / 4" in shown  # handed over: Cid's fails on delivery
    assert f'name="ids" value="{later}"' in page.text
    assert f'name="ids" value="{sent}"' not in page.text  # only scheduled ones are picked
    scheduled = await browser.get("/admin/distributions", params={"status": "Scheduled"})
    assert "April invitation" in scheduled.text
    assert "March invitation" not in scheduled.text
    assert (await browser.get("/admin/distributions?status=Bogus")).status_code == 400


async def test_scheduled_distributions_are_moved_and_cancelled_together(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    started = await invite(system, list_id)
    await system.drain()
    later = system.clock.now() + timedelta(days=3)
    first, second = [await invite(system, list_id, send_at=later) for _ in range(2)]
    secret = await token(browser)
    moved = await browser.post(
        "/admin/distributions/bulk",
        data={
            "csrf_token": secret,
            "action": "reschedule",
            "ids": [first, second, started],
            "send_at": "2026-04-01T10:30",
        },
    )
    assert moved.status_code == 303
    said = text_of((await browser.get("/admin/distributions")).text)
    assert f"Moved 2 distributions ({first}, {second}) to 2026-04-01 10:30 (UTC)" in said
    assert f"Not changed: {started} is Planned: it cannot be edited" in said
    rows = {d.id: d for d in await system.rows(Distribution)}
    assert rows[first].send_at == rows[second].send_at == datetime(2026, 4, 1, 10, 30, tzinfo=UTC)

    cancelled = await browser.post(
        "/admin/distributions/bulk",
        data={"csrf_token": secret, "action": "cancel", "ids": [first, started]},
    )
    assert cancelled.status_code == 303
    said = text_of((await browser.get("/admin/distributions")).text)
    assert f"Cancelled 1 distribution ({first})." in said
    assert f"{started} is Planned: it cannot be cancelled" in said
    rows = {d.id: d for d in await system.rows(Distribution)}
    assert (rows[first].status, rows[second].status) == (Lifecycle.CANCELLED, Lifecycle.SCHEDULED)

    nothing = await browser.post(
        "/admin/distributions/bulk", data={"csrf_token": secret, "action": "cancel"}
    )
    assert "Select the scheduled distributions" in text_of(
        (await browser.get(nothing.headers["location"])).text
    )
    forged = await browser.post(
        "/admin/distributions/bulk", data={"action": "cancel", "ids": second}
    )
    assert forged.status_code == 403
    assert (await system.rows(Distribution, Distribution.id == second))[0].status == "Scheduled"


async def test_the_preview_reports_what_forces_ucs2_and_the_fix(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    secret = await token(browser)
    message = "Hi ${m://FirstName}, it’s Acme – how did we do? ${l://SurveyURL}"
    answer = await browser.post(
        "/admin/distributions/preview",
        data=form(list_id, system.survey_id, message_text=message) | {"csrf_token": secret},
    )
    assert answer.status_code == 200
    shown = answer.json()
    assert shown["ok"] is True
    typed = shown["message"]
    assert typed["encoding"] == "UCS-2"
    assert typed["characters"] == ["’", "–"]
    assert typed["parts"] == 1
    assert (
        typed["fix"]["message"]
        == "Hi ${m://FirstName}, it's Acme - how did we do? ${l://SurveyURL}"
    )
    assert (typed["fix"]["encoding"], typed["fix"]["parts"]) == ("GSM-7", 1)
    assert [r["character"] for r in typed["fix"]["replacements"]] == ["’", "–"]
    assert shown["sample"]["recipient"] == "Ann Lee"
    assert shown["sample"]["text"] == "Hi Ann, it's Acme - how did we do? <survey link>"
    assert (shown["recipients"], shown["kept"]) == (4, 4)
    assert "<mark>’</mark>" in shown["html"]
    assert 'data-apply-fix="Hi ${m://FirstName}, it&#39;s Acme' in shown["html"]

    emoji = await browser.post(
        "/admin/distributions/preview",
        data=form(list_id, system.survey_id, message_text="Rate us 😀 ${l://SurveyURL}")
        | {"csrf_token": secret},
    )
    typed = emoji.json()["message"]
    assert (typed["encoding"], typed["characters"], typed["fix"]) == ("UCS-2", ["😀"], None)
    assert typed["without_replacement"] == ["😀"]
    assert emoji.json()["sample"]["encoding"] == "UCS-2"

    limited = await browser.post(
        "/admin/distributions/preview",
        data=form(
            list_id,
            system.survey_id,
            message_text="Hello",
            when="later",
            send_at="2020-01-01T09:00",
            condition_field_0="first_name",
            condition_operator_0="equals",
            condition_value_0="ann",
        )
        | {"csrf_token": secret},
    )
    figures = limited.json()
    assert figures["kept"] == 1
    warnings = " ".join(figures["warnings"])
    assert "no ${l://SurveyURL}" in warnings
    assert "in the past" in warnings

    unready = await browser.post(
        "/admin/distributions/preview",
        data=form(list_id, system.survey_id, message_text="") | {"csrf_token": secret},
    )
    assert unready.json() == {
        "ok": False,
        "error": "write the message",
        "html": unready.json()["html"],
    }
    assert (
        await browser.post("/admin/distributions/preview", data=form(list_id, system.survey_id))
    ).status_code == 403


async def test_without_script_the_form_previews_and_applies_the_fix(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    new = await browser.get("/admin/distributions/new")
    assert new.status_code == 200
    assert "Credits available" in new.text
    assert "Customers (4)" in new.text
    message = "It’s us: ${l://SurveyURL}"
    fields = form(list_id, system.survey_id, message_text=message) | {"csrf_token": csrf(new)}
    shown = await browser.post("/admin/distributions/new", data=fields | {"action": "preview"})
    assert shown.status_code == 200
    assert "<mark>’</mark>" in shown.text
    assert "Apply smart encoding to the message" in shown.text
    fixed = await browser.post("/admin/distributions/new", data=fields | {"action": "fix"})
    assert ">It&#39;s us: ${l://SurveyURL}</textarea>" in fixed.text
    assert "Apply smart encoding" not in fixed.text
    wrong = await browser.post(
        "/admin/distributions/new",
        data=fields | {"action": "preview", "survey_id": "SV_0000000000000000"},
    )
    assert wrong.status_code == 404
    assert "no survey SV_0000000000000000" in wrong.text
    foreign = await browser.post(
        "/admin/distributions/new",
        data=fields | {"action": "preview", "connection_id": "OC_0000000000000000"},
    )
    assert foreign.status_code == 404
    assert await system.rows(Distribution) == []


async def test_a_confirmation_schedules_once_however_often_it_is_sent(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    new = await browser.get("/admin/distributions/new")
    fields = form(list_id, system.survey_id, name="Spring survey") | {"csrf_token": csrf(new)}
    confirm = await browser.post("/admin/distributions/new", data=fields | {"action": "continue"})
    assert confirm.status_code == 200
    said = text_of(confirm.text)
    assert "Nothing is scheduled until you confirm" in said
    assert "To 4 recipients" in said
    assert "Schedule it: 4 texts, about" in said
    assert await system.rows(Distribution) == []
    ticket = found(r'(?<=name="ticket" value=")[^"]+', confirm.text)
    posted = {"csrf_token": csrf(confirm), "ticket": ticket}

    made = await browser.post("/admin/distributions/confirm", data=posted)
    assert made.status_code == 303
    [distribution] = await system.rows(Distribution)
    assert made.headers["location"] == f"/admin/distributions/{distribution.id}"
    assert distribution.name == "Spring survey"
    [owner] = await system.rows(User, User.id == distribution.owner_user_id)
    assert owner.email == "ada@example.org", "the signed-in user owns it"
    again = await browser.post("/admin/distributions/confirm", data=posted)
    assert again.headers["location"] == made.headers["location"]
    assert "was scheduled already" in text_of((await browser.get(again.headers["location"])).text)
    assert len(await system.rows(Distribution)) == 1

    second = await browser.post("/admin/distributions/new", data=fields | {"action": "continue"})
    ticket = found(r'(?<=name="ticket" value=")[^"]+', second.text)
    clicks = await asyncio.gather(
        *(
            browser.post(
                "/admin/distributions/confirm",
                data={"csrf_token": posted["csrf_token"], "ticket": ticket},
            )
            for _ in range(2)
        )
    )
    assert [c.status_code for c in clicks] == [303, 303]
    assert clicks[0].headers["location"] == clicks[1].headers["location"]
    assert len(await system.rows(Distribution)) == 2

    back = await browser.post(
        "/admin/distributions/new",
        data={"csrf_token": posted["csrf_token"], "ticket": ticket, "action": "edit"},
    )
    assert 'value="Spring survey"' in back.text
    forged = await browser.post(
        "/admin/distributions/confirm",
        data={"csrf_token": posted["csrf_token"], "ticket": ticket[:-2] + "xx"},
    )
    assert forged.status_code == 400
    assert (
        await browser.post("/admin/distributions/confirm", data={"ticket": ticket})
    ).status_code == 403


async def test_a_test_text_goes_to_my_phone_for_every_method(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    new = await browser.get("/admin/distributions/new")
    fields = form(list_id, system.survey_id) | {"csrf_token": csrf(new), "test_to": TESTER}
    sent = await browser.post("/admin/distributions/new", data=fields | {"action": "test"})
    assert sent.status_code == 200
    assert f"A test text is on its way to {TESTER}" in text_of(sent.text)
    await system.drain()
    assert (await system.last(TESTER)).startswith("Hi Ann, how did we do? http")

    two_way = fields | {"method": "Interactive", "message_text": ""}
    started = await browser.post("/admin/distributions/new", data=two_way | {"action": "test"})
    assert "first question is on its way" in text_of(started.text)
    await system.drain()
    assert (await system.last(TESTER)).startswith("Hi from Acme! How likely are you")
    assert await system.inbox(ANN) == []
    assert await system.rows(Distribution) == []

    wrong = await browser.post(
        "/admin/distributions/new", data=fields | {"action": "test", "test_to": "12"}
    )
    assert wrong.status_code == 400
    assert "test number" in wrong.text


async def test_the_funnel_follows_a_2_way_distribution_sent_by_the_simulator(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    await system.text(DAN, "STOP")
    distribution_id = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()
    for reply in ("10", "2", "Great"):
        await system.text(ANN, reply)
    await system.text(BOB, "9")
    await system.advance(timedelta(seconds=2))

    page = await browser.get(f"/admin/distributions/{distribution_id}")
    assert page.status_code == 200
    async with unit_of_work(system.runtime.engine) as session:
        seen = await reports.report(session, system.organization, distribution_id, system.clock)
    figures = seen.metrics
    async with unit_of_work(system.runtime.engine) as session:
        rows = await reports.history(session, system.organization, distribution_id)
    statuses = [row.status for row in rows]
    responses = await system.rows(Response, Response.distribution_id == distribution_id)
    expected = {
        "Recipients": figures.recipients,
        "Texts sent": figures.sent,
        "Texts delivered": figures.delivered,
        "Failed": statuses.count("Failed"),
        "Unknown": figures.unknown + figures.undecided,
        "Opted out": statuses.count("Skipped (opt-out)"),
        "Skipped": statuses.count("Skipped"),
        "Started": len(responses),
        "Finished": sum(r.finished for r in responses),
    }
    assert {name: int(metric(page.text, name)) for name in expected} == expected
    assert (expected["Recipients"], expected["Failed"], expected["Opted out"]) == (4, 1, 1)
    assert expected["Finished"] == 1
    assert metric(page.text, "Credits used") == f"{figures.credits}"
    funnel = found(r'<svg class="chart"[^>]*aria-labelledby="chart-funnel-t.*?</svg>', page.text)
    bars = dict(
        re.findall(r'text-anchor="end">([^<]+)</text>.*?</rect><text[^>]*>([^<]+)<', funnel)
    )
    assert bars == {
        "Recipients": str(figures.recipients),
        "Texts sent": str(figures.sent),
        "Texts delivered": str(figures.delivered),
        "Opened or started": str(expected["Started"]),
        "Finished": str(expected["Finished"]),
    }
    assert "Failed: failed" in text_of(page.text)  # the simulator's reason, grouped
    assert f"Status: {seen.status}" in text_of(page.text)

    live = await browser.get(f"/admin/distributions/{distribution_id}/figures")
    assert live.json()["running"] is (seen.status in ("In progress", "Waiting"))
    assert live.json()["status"] == seen.status
    assert "Opened or started" in live.json()["html"]


async def test_the_history_download_honours_delimiter_and_enclosure(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    distribution_id = await invite(system, list_id)
    await system.drain()
    async with unit_of_work(system.runtime.engine) as session:
        rows = await reports.history(session, system.organization, distribution_id)
    url = f"/admin/distributions/{distribution_id}/history"
    for delimiter, enclosure, sign, enclosed in (
        ("comma", "double", ",", Enclosure.DOUBLE_QUOTE),
        ("semicolon", "single", ";", Enclosure.SINGLE_QUOTE),
        ("tab", "none", "\t", Enclosure.NONE),
        ("pipe", "double", "|", Enclosure.DOUBLE_QUOTE),
    ):
        got = await browser.get(url, params={"delimiter": delimiter, "enclosure": enclosure})
        assert got.status_code == 200
        assert got.text == reports.history_csv(rows, sign, enclosed)
        assert got.headers["content-disposition"] == (
            f'attachment; filename="{distribution_id}-history.csv"'
        )
    assert (await browser.get(url, params={"delimiter": "x"})).status_code == 400
    semicolons = (
        await browser.get(url, params={"delimiter": "semicolon", "enclosure": "single"})
    ).text
    assert semicolons.splitlines()[0].startswith("'PersonID';'First name'")
    page = await browser.get(f"/admin/distributions/{distribution_id}")
    assert 'action="/admin/distributions/' + distribution_id + '/history"' in page.text
    assert "Ann Lee" in text_of(page.text)


async def test_a_scheduled_distribution_is_cancelled_and_its_follow_ups_are_related(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    list_id = await customers(system)
    parent = await invite(system, list_id, name="Invitation")
    await system.drain()
    reminder_form = await browser.get(f"/admin/distributions/new?parent={parent}")
    assert 'value="Reminder" checked' in reminder_form.text
    reminder = await system.distribute(
        system.survey_id,
        method=Method.REMINDER,
        parent_distribution_id=parent,
        message_text="Still time: ${l://SurveyURL}",
        send_at=system.clock.now() + timedelta(days=2),
        name="Reminder",
    )
    page = await browser.get(f"/admin/distributions/{parent}")
    assert f'href="/admin/distributions/{reminder}">Reminder</a>' in page.text
    assert "Follows this one" in page.text
    shown = await browser.get(f"/admin/distributions/{reminder}")
    assert "Followed by this one" in shown.text
    assert "Cancel this distribution" in shown.text
    done = await browser.post(
        f"/admin/distributions/{reminder}/cancel", data={"csrf_token": csrf(shown)}
    )
    assert done.status_code == 303
    assert "Reminder is cancelled." in text_of((await browser.get(done.headers["location"])).text)
    again = await browser.post(
        f"/admin/distributions/{reminder}/cancel", data={"csrf_token": csrf(shown)}
    )
    assert "Not cancelled" in text_of((await browser.get(again.headers["location"])).text)


async def test_another_organisations_distribution_is_not_found(
    system: Harness, browser: httpx.AsyncClient
) -> None:
    async with unit_of_work(system.runtime.engine) as session:
        other = await create_organization(session, "Other brand", system.clock)
    theirs_list = await system.contacts("Mine", ContactFields(phone=ANN))
    async with unit_of_work(system.runtime.engine) as session:
        # A distribution stored for the other organisation (its ids are all that matter).
        theirs = await create_distribution(
            session,
            system.runtime,
            system.organization,
            DistributionRequest(
                system.survey_id,
                Method.INVITE,
                Recipients(mailing_list_id=theirs_list),
                message_text=INVITE,
            ),
        )
        theirs.organization_id = other.id
    secret = await token(browser)
    for path in ("", "/figures", "/history"):
        assert (await browser.get(f"/admin/distributions/{theirs.id}{path}")).status_code == 404
    assert (await browser.get(f"/admin/distributions/new?parent={theirs.id}")).status_code == 404
    cancel = await browser.post(
        f"/admin/distributions/{theirs.id}/cancel", data={"csrf_token": secret}
    )
    assert cancel.status_code == 404
    moved = await browser.post(
        "/admin/distributions/bulk",
        data={"csrf_token": secret, "action": "cancel", "ids": theirs.id},
    )
    assert f"no distribution {theirs.id}" in text_of(
        (await browser.get(moved.headers["location"])).text
    )
    assert theirs.id not in (await browser.get("/admin/distributions")).text
    assert (await system.rows(Distribution))[0].status == "Scheduled"


async def test_a_user_without_the_sms_permission_is_refused_everywhere(system: Harness) -> None:
    list_id = await customers(system)
    distribution_id = await invite(system, list_id)
    async with signed_in(system, "bo@example.org", role=USER, sms=False) as bo:
        home = await bo.get("/admin")
        assert "/admin/distributions" not in home.text
        secret = csrf(home)
        for path in ("", "/new", f"/{distribution_id}", f"/{distribution_id}/figures",
                     f"/{distribution_id}/history"):  # fmt: skip
            assert (await bo.get(f"/admin/distributions{path}")).status_code == 403, path
        for path in ("/bulk", "/new", "/preview", "/confirm", f"/{distribution_id}/cancel"):
            answer = await bo.post(
                f"/admin/distributions{path}",
                data=form(list_id, system.survey_id) | {"csrf_token": secret, "action": "test"},
            )
            assert answer.status_code == 403, path
    assert (await system.rows(Distribution))[0].status == "Scheduled"
