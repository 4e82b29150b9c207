"""Brand-administrator calls (provider connections, credits) and the message library over
the v3 API (SQLite and PostgreSQL)."""

from __future__ import annotations

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, create_api_token, create_user
from smsurvey.kit.db import unit_of_work
from tests.contacts.test_contacts_api import call, token_for
from tests.fakes.twilio import FIELDS
from tests.messaging.harness import Harness, harness


async def admin_token(system: Harness) -> dict[str, str]:
    async with unit_of_work(system.runtime.engine) as session:
        user = await create_user(
            session, system.organization, "boss", system.clock.now(), role=BRAND_ADMINISTRATOR
        )
        _, secret = await create_api_token(session, user, system.clock.now())
    return {"X-API-TOKEN": secret}


async def test_connections_and_credits_are_for_brand_administrators(database_url: str) -> None:
    async with harness(database_url) as system:
        c, admin, user = system.client, await admin_token(system), await token_for(system)
        body = {"name": "Main", "provider": "twilio-sms", "sender": "15005550006", "fields": FIELDS}
        made = await call(c, "POST", "/API/v3/provider-connections", admin, json=body)
        assert made["provider"] == "twilio"
        assert made["sender"] == "+15005550006"
        assert made["fields"]["auth_token"] == "…oken"
        assert made["webhookUrls"]["status"].endswith(f"/status/twilio/{system.organization.id}")
        listed = await call(c, "GET", "/API/v3/provider-connections", admin)
        assert [e["id"] for e in listed["elements"]] == [made["id"]]
        assert FIELDS["auth_token"] not in str(listed)
        assert (await call(c, "GET", f"/API/v3/provider-connections/{made['id']}", admin))[
            "order"
        ] == 1
        bad = await c.post(
            "/API/v3/provider-connections", headers=admin, json={**body, "fields": {}}
        )
        assert bad.status_code == 400
        assert "account_sid" in bad.json()["meta"]["error"]["errorMessage"]

        await call(c, "DELETE", f"/API/v3/provider-connections/{made['id']}", admin)
        assert (
            await c.get(f"/API/v3/provider-connections/{made['id']}", headers=admin)
        ).status_code == 404

        assert (await call(c, "GET", "/API/v3/credits", admin))["balance"] == 1000.0
        report = await call(c, "GET", "/API/v3/credits/consumption?period=day", admin)
        assert report["elements"] == []
        for method, url in (
            ("GET", "/API/v3/provider-connections"),
            ("POST", "/API/v3/provider-connections"),
            ("GET", "/API/v3/credits"),
            ("GET", "/API/v3/credits/consumption"),
        ):
            answer = await c.request(method, url, headers=user, json=body)
            assert answer.status_code == 403, url
            assert answer.json()["meta"]["httpStatus"] == "403 - Forbidden"


async def test_the_message_library(database_url: str) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await token_for(system)
        [library] = (await call(c, "GET", "/API/v3/libraries", auth))["elements"]
        base = f"/API/v3/libraries/{library['libraryId']}/messages"
        text = "Hi ${m://FirstName}, 2 minutes? ${l://SurveyURL}"
        saved = await call(
            c,
            "POST",
            base,
            auth,
            json={"category": "smsInvite", "description": "Spring", "messages": {"en": text}},
        )
        await call(
            c, "POST", base, auth, json={"category": "smsThankYou", "messages": {"en": "Thanks!"}}
        )
        assert saved["id"].startswith("MS_")
        got = await call(c, "GET", f"{base}/{saved['id']}", auth)
        assert (got["category"], got["messages"]) == ("smsInvite", {"en": text})
        invites = await call(c, "GET", f"{base}?category=smsInvite", auth)
        assert [m["id"] for m in invites["elements"]] == [saved["id"]]
        assert len((await call(c, "GET", base, auth))["elements"]) == 2

        list_id = await system.people("P", "+14155552671")
        from_library = {"libraryId": library["libraryId"], "messageId": saved["id"]}
        body = {"surveyId": system.survey_id, "method": "Invite", "message": from_library}
        body["recipients"] = {"mailingListId": list_id}
        sent = await call(c, "POST", "/API/v3/distributions/sms", auth, json=body)
        assert sent["message"]["messageType"] == "Library"
        assert sent["message"]["messageId"] == saved["id"]

        bad = await c.post(base, headers=auth, json={"category": "Gossip", "messages": {"en": "x"}})
        assert bad.status_code == 400
        assert "category 'Gossip'" in bad.json()["meta"]["error"]["errorMessage"]
        await call(c, "DELETE", f"{base}/{saved['id']}", auth)
        assert (await c.get(f"{base}/{saved['id']}", headers=auth)).status_code == 404
        theirs = await token_for(system, "Other brand")
        assert (await c.get(base, headers=theirs)).status_code == 404
