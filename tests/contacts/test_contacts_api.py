"""XM Directory over the v3 API: directories, contacts, search, mailing lists, paging,
errors, and another organisation's ids (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx

from smsurvey.accounts.access import create_api_token, create_user
from smsurvey.accounts.service import create_organization
from smsurvey.kit.db import unit_of_work
from tests.messaging.harness import Harness, harness


async def token_for(system: Harness, organization_name: str | None = None) -> dict[str, str]:
    """The X-API-TOKEN header of a new user (of a new organisation, when named)."""
    async with unit_of_work(system.runtime.engine) as session:
        organization = system.organization
        if organization_name:
            organization = await create_organization(session, organization_name, system.clock)
        user = await create_user(
            session, organization, f"user-{organization.id}", system.clock.now()
        )
        _, secret = await create_api_token(session, user, system.clock.now())
    return {"X-API-TOKEN": secret}


async def call(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], **kwargs: Any
) -> dict[str, Any]:
    """A v3 call that must succeed; its ``result`` (or ``{}`` for meta-only answers)."""
    answer = await client.request(method, url, headers=headers, **kwargs)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["meta"]["httpStatus"] == "200 - OK"
    return body.get("result", {})


async def test_contacts_and_mailing_lists(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        c = system.client
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        assert directory["isDefault"] is True
        assert directory["deduplicationCriteria"]["phone"] is True
        base = f"/API/v3/directories/{directory['directoryId']}"

        ann = await call(c, "POST", f"{base}/contacts", auth, json={
            "firstName": "Ann", "lastName": "Lee", "email": "Ann@Example.org",
            "phone": "1 (415) 555-2671", "embeddedData": {"Store": "12"}, "language": "EN",
        })  # fmt: skip
        assert ann["id"].startswith("CID_")
        assert len(ann["id"]) == 19
        same = await call(c, "POST", f"{base}/contacts", auth, json={"phone": "+14155552671"})
        assert same["id"] == ann["id"], "the directory deduplicates by phone"
        bob = await call(
            c, "POST", f"{base}/contacts", auth, json={"phone": "+14155552672", "firstName": "Bob"}
        )
        await call(c, "POST", f"{base}/contacts", auth, json={"phone": "+14155552673"})

        got = await call(c, "GET", f"{base}/contacts/{ann['id']}", auth)
        assert (got["firstName"], got["phone"], got["embeddedData"]) == (
            "Ann",
            "+14155552671",
            {"Store": "12"},
        )
        assert got["unsubscribed"] is False
        assert got["creationDate"] > 1_600_000_000_000

        await call(
            c,
            "PUT",
            f"{base}/contacts/{ann['id']}",
            auth,
            json={"lastName": "Ng", "unsubscribed": True},
        )
        got = await call(c, "GET", f"{base}/contacts/{ann['id']}", auth)
        assert (got["lastName"], got["unsubscribed"], got["firstName"]) == ("Ng", True, "Ann")

        # Paging: nextPage is an absolute URL on this server, followed verbatim.
        seen, url = [], f"{base}/contacts?pageSize=2"
        while url:
            page = await call(c, "GET", url, auth)
            seen += [element["contactId"] for element in page["elements"]]
            url = page["nextPage"]
            assert url is None or url.startswith("http://app/API/v3/directories/")
        assert len(seen) == len(set(seen)) == 3

        by_email = {"filterType": "email", "comparison": "eq", "value": "ann@example.ORG"}
        hits = await call(c, "POST", f"{base}/contacts/search", auth, json={"filter": by_email})
        assert [hit["id"] for hit in hits["elements"]] == [ann["id"]]
        either = await call(c, "POST", f"{base}/contacts/search?includeEmbedded=true", auth, json={
            "filter": {"conjunction": "or", "filters": [
                {"filterType": "phone", "value": "+1 (415) 555-2672"},
                {"filterType": "firstName", "value": "Ann"}]}})  # fmt: skip
        assert sorted(hit["id"] for hit in either["elements"]) == sorted([ann["id"], bob["id"]])

        # Mailing lists.
        made = await call(c, "POST", f"{base}/mailinglists", auth, json={"name": "Spring"})
        lists = f"{base}/mailinglists/{made['id']}"
        member = await call(c, "POST", f"{lists}/contacts", auth, json={"phone": "+14155552672"})
        assert member["id"] == bob["id"]
        assert member["contactLookupId"].startswith("CGC_")
        added = await call(
            c, "POST", f"{lists}/contacts", auth, json={"phone": "+14155552674", "firstName": "Cy"}
        )
        assert (await call(c, "GET", lists, auth))["contactCount"] == 2
        await call(c, "PUT", lists, auth, json={"name": "Spring 2026"})
        [listed] = (await call(c, "GET", f"{base}/mailinglists", auth))["elements"]
        assert (listed["name"], listed["contactCount"]) == ("Spring 2026", 2)
        members = await call(c, "GET", f"{lists}/contacts?pageSize=1", auth)
        assert len(members["elements"]) == 1
        assert members["nextPage"]
        got = await call(c, "GET", f"{base}/contacts/{bob['id']}", auth)
        assert made["id"] in got["mailingListMembership"]
        await call(c, "DELETE", f"{lists}/contacts/{added['id']}", auth)
        assert (await call(c, "GET", lists, auth))["contactCount"] == 1
        await call(c, "DELETE", lists, auth)
        assert (await c.get(lists, headers=auth)).status_code == 404

        await call(c, "DELETE", f"{base}/contacts/{ann['id']}", auth)
        gone = await c.get(f"{base}/contacts/{ann['id']}", headers=auth)
        assert gone.status_code == 404
        assert gone.json()["meta"]["error"]["errorMessage"] == f"no contact {ann['id']}"


async def test_bad_requests_name_the_field(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        [directory] = (await call(system.client, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        cases = [
            ("POST", f"{base}/contacts", {"json": {"email": "not an email"}}, "email"),
            ("POST", f"{base}/contacts", {"json": {"phone": "12"}}, "phone"),
            ("POST", f"{base}/contacts", {"json": {"firstName": 5}}, "firstName"),
            (
                "POST",
                f"{base}/contacts",
                {"content": b"{", "headers": {"content-type": "application/json"}},
                "JSON",
            ),
            ("GET", f"{base}/contacts?pageSize=0", {}, "pageSize"),
            ("GET", f"{base}/contacts?skipToken=@@", {}, "skipToken"),
            (
                "POST",
                f"{base}/contacts/search",
                {"json": {"filter": {"filterType": "shoeSize", "value": "9"}}},
                "filter",
            ),
            ("POST", f"{base}/mailinglists", {"json": {}}, "name"),
        ]
        for method, url, extra, field in cases:
            headers = {**auth, **extra.pop("headers", {})}
            answer = await system.client.request(method, url, headers=headers, **extra)
            assert answer.status_code == 400, (url, answer.text)
            meta = answer.json()["meta"]
            assert meta["httpStatus"] == "400 - Bad Request"
            assert field.lower() in meta["error"]["errorMessage"].lower(), meta


async def test_another_organisations_ids_are_not_found(database_url: str) -> None:
    async with harness(database_url) as system:
        ours, theirs = await token_for(system), await token_for(system, "Other brand")
        c = system.client
        [directory] = (await call(c, "GET", "/API/v3/directories", ours))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        contact = await call(c, "POST", f"{base}/contacts", ours, json={"phone": "+14155552671"})
        mailing_list = await call(c, "POST", f"{base}/mailinglists", ours, json={"name": "Ours"})
        [their_directory] = (await call(c, "GET", "/API/v3/directories", theirs))["elements"]
        assert their_directory["directoryId"] != directory["directoryId"]
        for method, url in [
            ("GET", f"{base}/contacts"),
            ("GET", f"{base}/contacts/{contact['id']}"),
            ("PUT", f"{base}/contacts/{contact['id']}"),
            ("DELETE", f"{base}/contacts/{contact['id']}"),
            ("GET", f"{base}/mailinglists/{mailing_list['id']}"),
            ("GET", f"{base}/mailinglists/{mailing_list['id']}/contacts"),
            ("DELETE", f"{base}/mailinglists/{mailing_list['id']}"),
            (
                "GET",
                f"/API/v3/directories/{their_directory['directoryId']}/contacts/{contact['id']}",
            ),
        ]:
            body = {"json": {}} if method == "PUT" else {}
            answer = await c.request(method, url, headers=theirs, **body)
            assert answer.status_code == 404, (method, url, answer.text)
        assert (await c.get(f"{base}/contacts/{contact['id']}", headers=ours)).status_code == 200
