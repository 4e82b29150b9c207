"""Transactions, batches and samples over the v3 API, and distributions to them."""

from __future__ import annotations

from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness


async def test_transactions_batches_and_samples(database_url: str) -> None:
    async with harness(database_url) as system:
        c, auth = system.client, await token_for(system)
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        shoppers = await call(c, "POST", f"{base}/mailinglists", auth, json={"name": "Shoppers"})
        ids = [
            (await call(c, "POST", f"{base}/mailinglists/{shoppers['id']}/contacts", auth,
                        json={"phone": f"+1415555267{n}"}))["id"]
            for n in range(4)
        ]  # fmt: skip
        visits = {
            "visit-1": {"contactId": ids[0], "transactionDate": "2026-11-20 14:30:00"},
            "visit-2": {"contactId": ids[1], "mailingListId": shoppers["id"]},
            "oops": {"contactId": "CID_000000000000000", "data": {}},
        }
        visits["visit-1"]["data"] = {"Store": "12"}
        visits["visit-2"]["data"] = {"Store": "7"}
        recorded = await call(c, "POST", f"{base}/transactions", auth, json=visits)
        assert set(recorded["createdTransactions"]) == {"visit-1", "visit-2"}
        assert recorded["unprocessedTransactions"]["oops"]["error"] == "NOT_FOUND"
        made = [recorded["createdTransactions"][k]["id"] for k in ("visit-1", "visit-2")]
        batch = await call(c, "POST", f"{base}/transactionbatches", auth,
                           json={"transactionIds": made, "createdDate": "2026-11-21"})  # fmt: skip
        [listed] = (await call(c, "GET", f"{base}/transactionbatches", auth))["elements"]
        assert listed["batchId"] == batch["id"]
        members = await call(
            c, "GET", f"{base}/transactionbatches/{batch['id']}/transactions", auth
        )
        assert [(t["contactId"], t["data"]) for t in members["elements"]] == [
            (ids[0], {"Store": "12"}),
            (ids[1], {"Store": "7"}),
        ]
        assert members["elements"][0]["transactionDate"] == "2026-11-20 14:30:00"

        half = {"parentId": shoppers["id"], "name": "Half", "samplePercentage": 50}
        sample = await call(c, "POST", f"{base}/samples", auth, json=half)
        assert (await call(c, "GET", f"{base}/mailinglists/{sample['sampleId']}", auth))[
            "contactCount"
        ] == 2

        for recipients in ({"transactionBatchId": batch["id"]}, {"sampleId": sample["sampleId"]}):
            # A different text each time: the same one within 24 hours would be Duplicated.
            text = {"messageText": f"{next(iter(recipients))}: how was it? ${{l://SurveyURL}}"}
            body = {"surveyId": system.survey_id, "method": "Invite", "message": text}
            sent = await call(
                c,
                "POST",
                "/API/v3/distributions/sms",
                auth,
                json={**body, "recipients": recipients},
            )
            await system.drain()
            shown = await call(c, "GET", f"/API/v3/distributions/sms/{sent['id']}", auth)
            assert shown["stats"]["sent"] == 2, recipients

        bad = await c.post(
            f"{base}/samples", headers=auth, json={"parentId": shoppers["id"], "name": "X"}
        )
        assert bad.status_code == 400
        assert "maxSampleSize" in bad.json()["meta"]["error"]["errorMessage"]
        missing = await c.post(
            f"{base}/transactionbatches",
            headers=auth,
            json={"transactionIds": ["CTR_000000000000000"]},
        )
        assert missing.status_code == 404
