"""What Qualtrics clients send and read on SMS distributions and the message library: a
reminder naming its parent's recipients, Qualtrics' library categories, and ``ownerId``
the user who made a distribution (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, create_user
from smsurvey.distributions.service import Recipients
from smsurvey.kit.db import unit_of_work
from tests.contacts.test_contacts_api import call, token_for
from tests.distributions.customers import ANN, BOB, INVITE
from tests.messaging.harness import Harness, harness

SMS = "/API/v3/distributions/sms"


async def _error(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    meta = answer.json()["meta"]
    assert meta["httpStatus"].startswith(str(status))
    message: str = meta["error"]["errorMessage"]
    return message


def _reminder(system: Harness, parent: str | None, **extra: Any) -> dict[str, Any]:
    body = {
        "surveyId": system.survey_id,
        "method": "Reminder",
        "message": {"messageText": "Still time? ${l://SurveyURL}"},
        **extra,
    }
    if parent:
        body["parentDistributionId"] = parent
    return body


async def test_a_reminder_may_repeat_its_parents_mailing_list(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        list_id = await system.people("Spring", ANN, BOB)
        other = await system.people("Autumn", "+14155552679")
        parent = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
        await system.drain()
        for reply in ("10", "1", "Great"):
            await system.text(ANN, reply)

        # As QualtricsAPI's create_sms_distribution sends it: the parent's list again.
        same = _reminder(system, parent, recipients={"mailingListId": list_id})
        made = await call(c, "POST", SMS, auth, json=same)
        assert made["requestType"] == "Reminder"
        assert made["parentDistributionId"] == parent
        await system.drain()
        # Only Bob, who has not finished, is reminded.
        assert (await system.last(BOB)).startswith("Still time? http")
        assert not any(text.startswith("Still time") for text in await system.inbox(ANN))
        shown = await call(c, "GET", f"{SMS}/{made['id']}", auth)
        assert shown["stats"]["sent"] == 1

        different = _reminder(system, parent, recipients={"mailingListId": other})
        said = await _error(await c.post(SMS, headers=auth, json=different), 400)
        assert said.startswith("recipients:")
        assert parent in said
        assert list_id in said
        assert other in said
        orphan = _reminder(system, None, recipients={"mailingListId": list_id})
        said = await _error(await c.post(SMS, headers=auth, json=orphan), 400)
        assert "parentDistributionId" in said

        theirs = await token_for(system, "Other brand")
        said = await _error(await c.post(SMS, headers=theirs, json=same), 404)
        assert parent in said or system.survey_id in said
        await _error(await c.post(SMS, json=same), 401)
        listed = await call(c, "GET", f"{SMS}?surveyId={system.survey_id}", auth)
        assert len(listed["elements"]) == 2, "nothing was stored by the refusals"


async def test_library_messages_take_qualtrics_categories(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        [library] = (await call(c, "GET", "/API/v3/libraries", auth))["elements"]
        base = f"/API/v3/libraries/{library['libraryId']}/messages"
        saved = {}
        for category in ("smsInvite", "smsreminder", "SMSThankYou", "endOfSurvey"):
            body = {"category": category, "messages": {"en": f"{category} ${{l://SurveyURL}}"}}
            saved[category] = (await call(c, "POST", base, auth, json=body))["id"]
        got = await call(c, "GET", f"{base}/{saved['smsreminder']}", auth)
        assert got["category"] == "smsReminder", "stored as Qualtrics spells it"
        assert got["messages"] == {"en": "smsreminder ${l://SurveyURL}"}
        invites = await call(c, "GET", f"{base}?category=smsInvite", auth)
        assert [(m["id"], m["category"]) for m in invites["elements"]] == [
            (saved["smsInvite"], "smsInvite")
        ]
        everything = (await call(c, "GET", base, auth))["elements"]
        assert {m["category"] for m in everything} == {
            "smsInvite", "smsReminder", "smsThankYou", "endOfSurvey"
        }  # fmt: skip

        for bad in (
            {"category": "Interactive", "messages": {"en": "x"}},
            {"category": "gossip", "messages": {"en": "x"}},
        ):
            said = await _error(await c.post(base, headers=auth, json=bad), 400)
            assert said.startswith(f"category {bad['category']!r}: use one of smsInvite,")
            assert "thankYou" in said
            assert "inactiveSurvey" in said
        said = await _error(await c.get(f"{base}?category=Invitez", headers=auth), 400)
        assert "category" in said
        two = {"category": "smsInvite", "messages": {"en": "Hi", "fr": "Salut"}}
        assert "messages" in await _error(await c.post(base, headers=auth, json=two), 400)
        assert len((await call(c, "GET", base, auth))["elements"]) == 4

        theirs = await token_for(system, "Other brand")
        await _error(await c.get(f"{base}/{saved['smsInvite']}", headers=theirs), 404)
        [their_library] = (await call(c, "GET", "/API/v3/libraries", theirs))["elements"]
        their_base = f"/API/v3/libraries/{their_library['libraryId']}/messages"
        await _error(await c.get(f"{their_base}/{saved['smsInvite']}", headers=theirs), 404)
        await _error(await c.get(base), 401)


async def test_a_library_message_is_updated_as_qualtrics_helper_does(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        [library] = (await call(c, "GET", "/API/v3/libraries", auth))["elements"]
        base = f"/API/v3/libraries/{library['libraryId']}/messages"
        body = {"category": "smsInvite", "description": "Spring", "messages": {"en": "Hi"}}
        url = f"{base}/{(await call(c, 'POST', base, auth, json=body))['id']}"

        # qualtrics_helper's update_library_messages: PUT {description, messages}.
        change = {"description": "Autumn", "messages": {"en": "Hi again ${l://SurveyURL}"}}
        await call(c, "PUT", url, auth, json=change)
        got = await call(c, "GET", url, auth)
        assert (got["description"], got["category"], got["messages"]) == (
            "Autumn", "smsInvite", {"en": "Hi again ${l://SurveyURL}"}
        )  # fmt: skip
        await call(c, "PUT", url, auth, json={"description": "Winter"})
        assert (await call(c, "GET", url, auth))["messages"] == change["messages"]

        for bad, named in (
            ({"messages": {"en": "${l://Nonsense}"}}, "Nonsense"),
            ({"messages": {"en": "Hi", "fr": "Salut"}}, "messages"),
            ({"messages": {}}, "messages"),
            ({"description": "x" * 201}, "description"),
        ):
            said = await _error(await c.put(url, headers=auth, json=bad), 400)
            assert named in said
        assert (await call(c, "GET", url, auth))["description"] == "Winter"
        theirs = await token_for(system, "Other brand")
        await _error(await c.put(url, headers=theirs, json=change), 404)
        await _error(await c.put(f"{base}/MS_000000000000000", headers=auth, json=change), 404)
        await _error(await c.put(url, json=change), 401)


async def test_owner_is_the_user_who_made_the_distribution(database_url: str) -> None:
    async with harness(database_url) as system:
        c = system.client
        async with unit_of_work(system.runtime.engine) as session:
            admin = await create_user(
                session, system.organization, "admin", system.clock.now(), role=BRAND_ADMINISTRATOR
            )
        auth = await token_for(system)
        [me] = (await call(c, "GET", "/API/v3/libraries", auth))["elements"]
        list_id = await system.people("Spring", ANN)
        body = {
            "surveyId": system.survey_id,
            "method": "Invite",
            "recipients": {"mailingListId": list_id},
            "message": {"messageText": INVITE},
        }
        made = await call(c, "POST", SMS, auth, json=body)
        assert made["ownerId"] == me["libraryId"] != admin.id
        assert made["ownerId"].startswith("UR_")
        assert made["organizationId"] == system.organization.id
        assert made["recipients"]["libraryId"] == me["libraryId"]

        # Made by a command (no user): its owner is the first Brand Administrator.
        commanded = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
        shown = await call(c, "GET", f"{SMS}/{commanded}", auth)
        assert shown["ownerId"] == admin.id
