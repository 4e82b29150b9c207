"""``PUT /libraries/{id}/messages/{id}``: a saved message's text or description changes, its
fields checked as when saved (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness


async def test_change_a_saved_message(database_url: str) -> None:
    async with harness(database_url) as system:
        c, auth, theirs = system.client, await token_for(system), await token_for(system, "O")
        [library] = (await call(c, "GET", "/API/v3/libraries", auth))["elements"]
        base = f"/API/v3/libraries/{library['libraryId']}/messages"
        saved = await call(c, "POST", base, auth, json={
            "category": "Reminder", "description": "Nudge", "messages": {"en": "Hi ${l://SurveyURL}"},
        })  # fmt: skip
        url = f"{base}/{saved['id']}"
        await call(c, "PUT", url, auth, json={"messages": {"en": "Last chance: ${l://SurveyURL}"}})
        got = await call(c, "GET", url, auth)
        assert (got["description"], got["messages"]) == (
            "Nudge", {"en": "Last chance: ${l://SurveyURL}"},
        )  # fmt: skip
        await call(c, "PUT", url, auth, json={"description": "Final nudge"})
        assert (await call(c, "GET", url, auth))["description"] == "Final nudge"

        for body, named in (
            ({"messages": {"en": "Hi ${m://Nope}"}}, "m://Nope"),
            ({"messages": {"en": "A", "fr": "B"}}, "messages"),
            ({"messages": {"en": "  "}}, "empty"),
        ):
            refused = await c.put(url, headers=auth, json=body)
            assert refused.status_code == 400, refused.text
            assert named in refused.json()["meta"]["error"]["errorMessage"]
        assert (await call(c, "GET", url, auth))["messages"] == {
            "en": "Last chance: ${l://SurveyURL}"
        }
        hidden = await c.put(url, headers=theirs, json={"description": "Theirs"})
        assert hidden.status_code == 404
