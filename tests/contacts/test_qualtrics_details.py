"""What Qualtrics clients read of XM Directory beyond the basics: one mailing-list member,
one transaction batch, and a contact's ``stats`` (in its GET and in searches; SQLite and
PostgreSQL)."""

from __future__ import annotations

from smsurvey.distributions.service import Recipients
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness

ANN, BOB = "+14155552671", "+14155552672"


async def test_one_member_of_a_mailing_list(database_url: str) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await token_for(system)
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        spring = await call(c, "POST", f"{base}/mailinglists", auth, json={"name": "Spring"})
        autumn = await call(c, "POST", f"{base}/mailinglists", auth, json={"name": "Autumn"})
        ann = await call(c, "POST", f"{base}/mailinglists/{spring['id']}/contacts", auth, json={
            "phone": ANN, "firstName": "Ann", "embeddedData": {"Store": "12"},
        })  # fmt: skip
        bob = await call(c, "POST", f"{base}/contacts", auth, json={"phone": BOB})

        url = f"{base}/mailinglists/{spring['id']}/contacts/{ann['id']}"
        member = await call(c, "GET", url, auth)
        assert member["contactId"] == ann["id"]
        assert member["contactLookupId"] == ann["contactLookupId"]
        assert member["mailingListId"] == spring["id"]
        assert (member["firstName"], member["phone"]) == ("Ann", ANN)
        assert member["embeddedData"] == {"Store": "12"}

        for missing in (
            f"{base}/mailinglists/{autumn['id']}/contacts/{ann['id']}",
            f"{base}/mailinglists/{spring['id']}/contacts/{bob['id']}",
            f"{base}/mailinglists/{spring['id']}/contacts/CID_000000000000000",
            f"{base}/mailinglists/CG_000000000000000/contacts/{ann['id']}",
        ):
            answer = await c.get(missing, headers=auth)
            assert answer.status_code == 404, (missing, answer.text)
            assert answer.json()["meta"]["httpStatus"] == "404 - Not Found"
        theirs = await token_for(system, "Other brand")
        assert (await c.get(url, headers=theirs)).status_code == 404
        assert (await c.get(url)).status_code == 401


async def test_one_transaction_batch(database_url: str) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await token_for(system)
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        ann = await call(c, "POST", f"{base}/contacts", auth, json={"phone": ANN})
        recorded = await call(c, "POST", f"{base}/transactions", auth, json={
            "visit": {"contactId": ann["id"], "data": {"Store": "12"}},
        })  # fmt: skip
        made = recorded["createdTransactions"]["visit"]["id"]
        batch = await call(
            c, "POST", f"{base}/transactionbatches", auth, json={"transactionIds": [made]}
        )
        url = f"{base}/transactionbatches/{batch['id']}"
        shown = await call(c, "GET", url, auth)
        [listed] = (await call(c, "GET", f"{base}/transactionbatches", auth))["elements"]
        assert shown == listed
        assert shown["batchId"] == batch["id"]
        assert shown["creationDate"] == system.clock.now().strftime("%Y-%m-%d %H:%M:%S")

        missing = await c.get(f"{base}/transactionbatches/BT_000000000000000", headers=auth)
        assert missing.status_code == 404
        assert "BT_000000000000000" in missing.json()["meta"]["error"]["errorMessage"]
        theirs = await token_for(system, "Other brand")
        [their_directory] = (await call(c, "GET", "/API/v3/directories", theirs))["elements"]
        assert (await c.get(url, headers=theirs)).status_code == 404
        their_url = f"/API/v3/directories/{their_directory['directoryId']}/transactionbatches"
        assert (await c.get(f"{their_url}/{batch['id']}", headers=theirs)).status_code == 404
        assert (await c.get(url)).status_code == 401


async def test_a_contact_has_stats_of_what_it_was_sent_and_answered(database_url: str) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await token_for(system)
        list_id = await system.people("Spring", ANN, BOB)
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        [ann, bob] = (await call(c, "GET", f"{base}/mailinglists/{list_id}/contacts", auth))[
            "elements"
        ]
        before = (await call(c, "GET", f"{base}/contacts/{ann['contactId']}", auth))["stats"]
        assert before == {
            "sentCount": 0, "lastSentDate": None, "responseCount": 0, "lastResponseDate": None
        }  # fmt: skip

        await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
        await system.drain()
        for reply in ("10", "1", "Great"):
            await system.text(ANN, reply)
        await system.drain()

        stats = (await call(c, "GET", f"{base}/contacts/{ann['contactId']}", auth))["stats"]
        # The three questions and the end message, each handed to the simulator.
        assert stats["sentCount"] == len(await system.inbox(ANN)) == 4
        assert stats["responseCount"] == 1
        now_ms = int(system.clock.now().timestamp() * 1000)
        assert 0 <= now_ms - stats["lastSentDate"] < 60_000
        assert 0 <= now_ms - stats["lastResponseDate"] < 60_000
        unanswered = (await call(c, "GET", f"{base}/contacts/{bob['contactId']}", auth))["stats"]
        assert (unanswered["sentCount"], unanswered["responseCount"]) == (1, 0)
        assert unanswered["lastResponseDate"] is None

        # A search gives each hit's stats too, as Qualtrics' search does.
        everyone = {"filter": {"filterType": "phone", "comparison": "contains", "value": "+1"}}
        hits = (await call(c, "POST", f"{base}/contacts/search", auth, json=everyone))["elements"]
        assert {hit["id"]: hit["stats"] for hit in hits} == {
            ann["contactId"]: stats,
            bob["contactId"]: unanswered,
        }
