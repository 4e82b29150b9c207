"""SMS distributions over the v3 API: create, list, get, cancel, history, permissions and
errors (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsurvey.accounts.access import create_api_token, create_user
from smsurvey.distributions.service import Recipients
from smsurvey.kit.db import unit_of_work
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness

INVITE = "Hi ${m://FirstName}, how did we do? ${l://SurveyURL}"


async def test_an_invitation_through_the_api(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        list_id = await system.people("Spring", "+14155552671", "+14155552672")
        made = await call(c, "POST", "/API/v3/distributions/sms", auth, json={
            "surveyId": system.survey_id, "method": "invite", "name": "Spring invite",
            "recipients": {"mailingListId": list_id}, "message": {"messageText": INVITE},
        })  # fmt: skip
        assert made["id"].startswith("SMSD_")
        assert made["requestType"] == "Invite"
        assert made["recipients"]["mailingListId"] == list_id
        assert made["message"] == {
            "libraryId": None, "messageId": None, "messageText": INVITE, "messageType": "Inline"
        }  # fmt: skip
        await system.drain()

        shown = await call(
            c, "GET", f"/API/v3/distributions/sms/{made['id']}?surveyId={system.survey_id}", auth
        )
        assert shown["requestStatus"] == "Sent"
        assert shown["stats"]["sent"] == 2
        assert shown["stats"]["segments"] == shown["stats"]["parts"] >= 2
        same = await call(c, "GET", f"/API/v3/distributions/{made['id']}", auth)
        assert same == shown
        listed = await call(
            c, "GET", f"/API/v3/distributions/sms?surveyId={system.survey_id}", auth
        )
        assert [element["id"] for element in listed["elements"]] == [made["id"]]
        everything = await call(
            c, "GET", f"/API/v3/distributions?surveyId={system.survey_id}", auth
        )
        assert everything["elements"] == listed["elements"]

        rows = (await call(c, "GET", f"/API/v3/distributions/{made['id']}/history", auth))[
            "elements"
        ]
        assert len(rows) == 2
        for row in rows:
            assert row["distributionId"] == made["id"]
            assert row["status"] == "Success"
            assert row["smsStatus"] in ("Sent", "Delivered")
            assert row["surveyLink"].startswith(system.runtime.settings.public_url + "/s/")
            assert row["sentAt"].endswith("Z")
            assert row["contactId"].startswith("CID_")
        page = await call(c, "GET", f"/API/v3/distributions/{made['id']}/history?pageSize=1", auth)
        assert len(page["elements"]) == 1
        assert page["nextPage"]


@pytest.mark.parametrize("route", ["/API/v3/distributions/sms", "/API/v3/distributions"])
async def test_a_scheduled_distribution_can_be_cancelled_until_it_starts(
    database_url: str, route: str
) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        list_id = await system.people("Later", "+14155552671")
        later = (system.clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        made = await call(c, "POST", "/API/v3/distributions/sms", auth, json={
            "surveyId": system.survey_id, "method": "Interactive", "sendDate": later,
            "recipients": {"mailingListId": list_id},
        })  # fmt: skip
        assert made["requestStatus"] == "Scheduled"
        assert made["sendDate"] == later
        await call(c, "DELETE", f"{route}/{made['id']}", auth)
        shown = await call(c, "GET", f"{route}/{made['id']}", auth)
        assert shown["requestStatus"] == "Cancelled"
        again = await c.delete(f"{route}/{made['id']}", headers=auth)
        assert again.status_code == 409
        assert again.json()["meta"]["httpStatus"] == "409 - Conflict"


async def test_refusals_name_the_problem(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        list_id = await system.people("Spring", "+14155552671")
        sample = await system.people("Other", "+14155552672")
        survey = system.survey_id

        def body(**changes: object) -> dict[str, object]:
            invite = {
                "surveyId": survey,
                "method": "Invite",
                "recipients": {"mailingListId": list_id},
                "message": {"messageText": INVITE},
            }
            return {key: value for key, value in {**invite, **changes}.items() if value is not None}

        both = {"mailingListId": list_id, "contactId": "CID_x"}
        cases = [
            (body(surveyId=None), 400, "surveyId"),
            (body(method="Carrier pigeon"), 400, "method"),
            (body(recipients=both), 400, "exactly one"),
            (body(message={"messageText": INVITE, "messageId": "MS_x"}), 400, "messageId"),
            (body(message={"messageText": "${l://Nonsense}"}), 400, "Nonsense"),
            (body(surveyId="SV_000000000000000"), 404, "SV_000000000000000"),
            (body(recipients={"mailingListId": "CG_000000000000000"}), 404, "CG_000000000000000"),
            (body(method="Reminder", recipients={"mailingListId": sample}), 400, "parent"),
        ]
        for body, status, words in cases:
            answer = await c.post("/API/v3/distributions/sms", headers=auth, json=body)
            assert answer.status_code == status, (body, answer.text)
            assert words.lower() in answer.json()["meta"]["error"]["errorMessage"].lower(), (
                answer.text
            )
        assert (await c.get("/API/v3/distributions/sms", headers=auth)).status_code == 400


async def test_permission_and_organisation_boundaries(database_url: str) -> None:
    async with harness(database_url) as system:
        c = system.client
        ours, theirs = await token_for(system), await token_for(system, "Other brand")
        async with unit_of_work(system.runtime.engine) as session:
            plain = await create_user(
                session, system.organization, "no-sms", system.clock.now(), permissions=()
            )
            _, secret = await create_api_token(session, plain, system.clock.now())
        list_id = await system.people("Spring", "+14155552671")
        distribution = await system.distribute(
            system.survey_id, Recipients(mailing_list_id=list_id)
        )
        forbidden = await c.get(
            f"/API/v3/distributions/sms/{distribution}", headers={"X-API-TOKEN": secret}
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["meta"]["httpStatus"] == "403 - Forbidden"
        assert "UseSMSDistributions" in forbidden.json()["meta"]["error"]["errorMessage"]
        for url in (
            f"/API/v3/distributions/sms/{distribution}",
            f"/API/v3/distributions/{distribution}",
            f"/API/v3/distributions/{distribution}/history",
            f"/API/v3/distributions/sms?surveyId={system.survey_id}",
        ):
            assert (await c.get(url, headers=theirs)).status_code == 404, url
            assert (await c.get(url, headers=ours)).status_code == 200, url
        assert (
            await c.delete(f"/API/v3/distributions/sms/{distribution}", headers=theirs)
        ).status_code == 404


async def test_a_distribution_of_a_paused_survey_says_it_waits(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        list_id = await system.people("Spring", "+14155552671")
        await call(c, "PUT", f"/API/v3/surveys/{system.survey_id}", auth, json={"isActive": False})
        made = await call(c, "POST", "/API/v3/distributions/sms", auth, json={
            "surveyId": system.survey_id, "method": "Invite",
            "recipients": {"mailingListId": list_id}, "message": {"messageText": INVITE},
        })  # fmt: skip
        paused = f"survey {system.survey_id} is paused: texts wait until it is active again"
        assert (made["requestStatus"], made["statusReason"]) == ("Scheduled", paused)
        await system.drain()
        shown = await call(c, "GET", f"/API/v3/distributions/sms/{made['id']}", auth)
        assert (shown["requestStatus"], shown["statusReason"]) == ("Waiting", paused)
        assert shown["stats"]["sent"] == 0

        await call(c, "PUT", f"/API/v3/surveys/{system.survey_id}", auth, json={"isActive": True})
        await system.drain()
        shown = await call(c, "GET", f"/API/v3/distributions/sms/{made['id']}", auth)
        assert (shown["requestStatus"], shown["statusReason"]) == ("Sent", None)
        assert shown["stats"]["sent"] == 1
