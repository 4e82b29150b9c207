"""Event subscriptions: the whole story through the v3 API (contact, list, survey import,
invitation, answers on the web page, history, a signed webhook), HMAC, retries with
backoff for a day, wildcards, partial responses (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from smsurvey.distributions.service import Recipients
from smsurvey.models.subscriptions import EventDelivery
from smsurvey.responses.subscriptions import matches, sign
from tests.accounts.test_admin_api import admin_token
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import EXAMPLE, Harness, harness
from tests.web.support import question_on

ANN = "+14155552671"
KEY = "kyma4ever"


class Receiver:
    """A subscriber on 127.0.0.1 that answers with the statuses it is given, in turn."""

    def __init__(self) -> None:
        self.posts: list[dict[str, str]] = []
        self.answers: list[int] = []
        self.url = ""

    async def take(self, request: web.Request) -> web.Response:
        self.posts.append({k: str(v) for k, v in (await request.post()).items()})
        return web.Response(status=self.answers.pop(0) if self.answers else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    taker = Receiver()
    app = web.Application()
    app.router.add_post("/hook", taker.take)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    taker.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
    try:
        yield taker
    finally:
        await runner.cleanup()


def test_hmac_matches_the_published_vector() -> None:
    message = (
        '{"Status":"Complete","SurveyID":"SV_1AmkKSDmoZ4XlQx","ResponseID":"R_0B7IcnXszjEUHLP",'
        '"CompletedDate":"2019-06-25 07:58:25","BrandID":"sapdevelopment"}'
    )
    assert sign(KEY, message) == (
        "c2c585a404c239aa3063b462cc33551d3ed3ed2de0899f58d456fc0ef7ebef6f"
        "3c3af44957989bd0592603e41edde9528f7d9ed09ee128bf719aa12f46e5c598"
    )


@pytest.mark.parametrize(
    ("pattern", "topic", "matched"),
    [
        ("surveyengine.completedResponse.SV_a", "surveyengine.completedResponse.SV_a", True),
        ("surveyengine.completedResponse.SV_a", "surveyengine.completedResponse.SV_b", False),
        ("surveyengine.completedResponse.*", "surveyengine.completedResponse.SV_b", True),
        ("surveyengine.completedResponse.*", "surveyengine.partialResponse.SV_b", False),
        ("surveyengine.*", "surveyengine.partialResponse.SV_b", True),
        ("*", "surveyengine.partialResponse.SV_b", True),
    ],
)
def test_topics_and_wildcards(pattern: str, topic: str, matched: bool) -> None:
    assert matches(pattern, topic) is matched


async def _answer_on_the_web(system: Harness, link: str, answers: tuple[str, ...]) -> None:
    path = urlsplit(link).path
    for value in answers:
        page = await system.client.get(path)
        assert page.status_code == 200
        posted = await system.client.post(
            path, data={"question": question_on(page.text), "answer": value}
        )
        assert posted.status_code == 303


async def test_the_whole_story_through_the_api(database_url: str, receiver: Receiver) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await admin_token(system)
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        mailing_list = await call(c, "POST", f"{base}/mailinglists", auth, json={"name": "Story"})
        await call(c, "POST", f"{base}/mailinglists/{mailing_list['id']}/contacts", auth,
                   json={"firstName": "Ann", "phone": ANN})  # fmt: skip
        yaml = {**auth, "Content-Type": "application/yaml"}
        survey = (
            await call(c, "POST", "/API/v3/survey-definitions", yaml, content=EXAMPLE.read_bytes())
        )["SurveyID"]
        subscription = await call(c, "POST", "/API/v3/eventsubscriptions/", auth, json={
            "topics": f"surveyengine.completedResponse.{survey}", "publicationUrl": receiver.url,
            "encrypt": False, "sharedKey": KEY, "subscriptionName": "ignored"})  # fmt: skip
        invite = {"messageText": "Hi ${m://FirstName}: ${l://SurveyURL}"}
        recipients = {"mailingListId": mailing_list["id"]}
        body = {"surveyId": survey, "method": "Invite", "recipients": recipients, "message": invite}
        sent = await call(c, "POST", "/API/v3/distributions/sms", auth, json=body)
        await system.drain()

        [row] = (await call(c, "GET", f"/API/v3/distributions/{sent['id']}/history", auth))[
            "elements"
        ]
        assert row["status"] == "Success"
        await _answer_on_the_web(system, row["surveyLink"], ("10", "2", "Keep it up!"))
        await system.drain()

        [row] = (await call(c, "GET", f"/API/v3/distributions/{sent['id']}/history", auth))[
            "elements"
        ]
        assert row["status"] == "SurveyFinished"
        assert row["openedAt"]
        [post] = receiver.posts
        assert post["Topic"] == f"{system.organization.id}.surveyengine.completedResponse.{survey}"
        message = json.loads(post["MSG"])
        assert message["Status"] == "Complete"
        assert message["SurveyID"] == survey
        assert message["ResponseID"] == row["responseId"]
        assert message["BrandID"] == system.organization.id
        expected = hmac.new(KEY.encode(), post["MSG"].encode(), hashlib.sha512).hexdigest()
        assert post["HMAC"] == expected
        response = await call(
            c, "GET", f"/API/v3/surveys/{survey}/responses/{message['ResponseID']}", auth
        )
        assert response["values"]["QID1"] == 10
        shown = await call(c, "GET", f"/API/v3/eventsubscriptions/{subscription['id']}", auth)
        assert (shown["successfulCalls"], shown["lastErrors"]) == (1, [])


async def test_failed_deliveries_are_retried_with_backoff_for_a_day(
    database_url: str, receiver: Receiver
) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await admin_token(system)
        made = await call(c, "POST", "/API/v3/eventsubscriptions", auth, json={
            "topics": "surveyengine.*", "publicationUrl": receiver.url})  # fmt: skip
        receiver.answers = [500, 503]
        await system.distribute(
            system.survey_id, Recipients(mailing_list_id=await system.people("P", ANN))
        )
        await system.drain()
        for answer in ("10", "2", "Keep it up!"):
            await system.text(ANN, answer)
        assert len(receiver.posts) == 1, "tried once at once"
        await system.advance(timedelta(seconds=29))
        assert len(receiver.posts) == 1, "not before the first wait"
        await system.advance(timedelta(seconds=1))
        assert len(receiver.posts) == 2
        await system.advance(timedelta(seconds=59))
        assert len(receiver.posts) == 2
        await system.advance(timedelta(seconds=1))
        assert len(receiver.posts) == 3, "the third try went through"
        assert "HMAC" not in receiver.posts[-1]
        shown = await call(c, "GET", f"/API/v3/eventsubscriptions/{made['id']}", auth)
        assert shown["successfulCalls"] == 1
        assert [error.split(" ", 1)[1] for error in shown["lastErrors"]] == [
            f"{receiver.url} answered 500",
            f"{receiver.url} answered 503",
        ]

        # A subscriber that never answers well is given up on after a day.
        receiver.answers = [500] * 100
        await system.text(ANN, "hello?")  # no survey open: no event
        sessions_before = len(receiver.posts)
        await system.distribute(
            system.survey_id, Recipients(mailing_list_id=await system.people("Q", "+14155552672"))
        )
        await system.drain()
        for answer in ("0", "No, thanks", "Too slow"):
            await system.text("+14155552672", answer)
        for _ in range(30):
            await system.advance(timedelta(hours=1))
        tries = len(receiver.posts) - sessions_before
        assert 10 <= tries <= 40
        [given_up] = await system.rows(EventDelivery, EventDelivery.state == "failed")
        assert (given_up.next_attempt_at - given_up.created_at) <= timedelta(hours=24)
        await system.advance(timedelta(hours=5))
        assert len(receiver.posts) - sessions_before == tries, "no tries after giving up"


async def test_subscriptions_are_for_brand_administrators_and_checked(
    database_url: str, receiver: Receiver
) -> None:
    async with harness(database_url) as system:
        c, admin, user = system.client, await admin_token(system), await token_for(system)
        body = {"topics": "surveyengine.completedResponse.*", "publicationUrl": receiver.url}
        assert (
            await c.post("/API/v3/eventsubscriptions", headers=user, json=body)
        ).status_code == 403
        for wrong, field in (
            ({**body, "encrypt": True}, "encrypt"),
            ({**body, "publicationUrl": "ftp://x"}, "publicationUrl"),
            ({**body, "topics": "a topic with spaces"}, "topics"),
            ({"topics": "x"}, "publicationUrl"),
        ):
            answer = await c.post("/API/v3/eventsubscriptions", headers=admin, json=wrong)
            assert answer.status_code == 400, wrong
            assert field in answer.json()["meta"]["error"]["errorMessage"]
        made = await call(c, "POST", "/API/v3/eventsubscriptions", admin, json=body)
        listed = await call(c, "GET", "/API/v3/eventsubscriptions", admin)
        assert [s["id"] for s in listed["elements"]] == [made["id"]]
        await call(c, "DELETE", f"/API/v3/eventsubscriptions/{made['id']}", admin)
        assert (
            await c.get(f"/API/v3/eventsubscriptions/{made['id']}", headers=admin)
        ).status_code == 404
