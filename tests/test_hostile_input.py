"""Hostile input through the API answers a 4xx in the v3 envelope, never a 500, and changes
nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import unquote

import httpx

from smsurvey.models.contacts import Contact
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness

JSON = {"content-type": "application/json"}


def refusal(answer: httpx.Response, status: int = 400) -> str:
    """The error message of an answer that must be ``status`` in the envelope."""
    assert answer.status_code == status, answer.text
    meta = answer.json()["meta"]
    assert meta["httpStatus"].startswith(f"{status} - ")
    assert meta["requestId"]
    return str(meta["error"]["errorMessage"])


def search(value: str) -> dict[str, Any]:
    return {"filter": {"filterType": "email", "comparison": "contains", "value": value}}


async def test_hostile_input_is_refused_and_leaves_nothing(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        c = system.client
        [directory] = (await call(c, "GET", "/API/v3/directories", auth))["elements"]
        base = f"/API/v3/directories/{directory['directoryId']}"
        await call(c, "POST", f"{base}/contacts", auth, json={"email": "ann@example.org"})
        contacts_before = len(await system.rows(Contact))

        deep = b"[" * 100_000 + b"]" * 100_000
        for url in (f"{base}/contacts", f"{base}/contacts/search", "/API/v3/survey-definitions"):
            refusal(await c.post(url, headers={**auth, **JSON}, content=deep))
        surrogate = b'{"filter": {"filterType": "email", "value": "ann\\ud800"}}'
        message = refusal(
            await c.post(f"{base}/contacts/search", headers=auth | JSON, content=surrogate)
        )
        assert "filter.value holds a lone surrogate" in message
        nul = await c.post(f"{base}/contacts/search", headers=auth, json=search("ann\x00"))
        assert "NUL" in refusal(nul)
        long = await c.post(f"{base}/contacts/search", headers=auth, json=search("%_" * 50_000))
        assert "1000 characters" in refusal(long)
        for offset in ("9223372036854775808", "2147483648", "-1", "9" * 5000):
            assert "offset" in refusal(
                await c.get(f"{base}/contacts?offset={offset}", headers=auth)
            )
        assert "NUL" in refusal(await c.get(f"{base}/contacts/CID_%00", headers=auth))
        nameless = await c.post(f"{base}/contacts", headers=auth, json={"shoeSize": 9})
        message = refusal(nameless)
        assert "at least one of firstName, lastName, email, phone, extRef, language" in message
        unsubscribed_only = {"unsubscribed": True, "embeddedData": {}, "email": " "}
        refusal(await c.post(f"{base}/contacts", headers=auth, json=unsubscribed_only))
        made = await call(c, "POST", f"{base}/mailinglists", auth, json={"name": "L"})
        member = await c.post(f"{base}/mailinglists/{made['id']}/contacts", headers=auth, json={})
        refusal(member)

        form = {"grant_type": "client_credentials", "client_id": "a\x00", "client_secret": "b"}
        assert "NUL" in refusal(await c.post("/oauth2/token", data=form))
        basic = {"Authorization": "Basic " + base64.b64encode(b"a\x00:b").decode()}
        token = await c.post(
            "/oauth2/token", headers=basic, data={"grant_type": "client_credentials"}
        )
        assert "NUL" in refusal(token, 401)

        assert len(await system.rows(Contact)) == contacts_before


async def test_an_export_of_a_survey_named_outside_latin1(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        c = system.client
        survey = f"/API/v3/surveys/{system.survey_id}"
        name = 'Enquête "été" 満足度 ✓'
        await call(c, "PUT", survey, auth, json={"name": name})
        for compress, suffix in ((False, "csv"), (True, "zip")):
            export = await call(
                c, "POST", f"{survey}/export-responses", auth,
                json={"format": "csv", "compress": compress},
            )  # fmt: skip
            answer = await c.get(f"{survey}/export-responses/{export['fileId']}/file", headers=auth)
            assert answer.status_code == 200, answer.text
            header = answer.headers["content-disposition"]
            fallback = re.fullmatch(r'attachment; filename="([ -~]+)"; filename\*=(.+)', header)
            assert fallback, header
            assert fallback.group(1) == f"Enquete _ete_ ___ _.{suffix}"
            charset, _, encoded = fallback.group(2).split("'")
            assert charset == "UTF-8"
            assert unquote(encoded) == f"Enquête _été_ 満足度 ✓.{suffix}"
