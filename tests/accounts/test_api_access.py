"""Who may call the API: API tokens, OAuth client credentials, roles, the v3 envelope of
errors, and ``smsurvey users|tokens`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from smsurvey.accounts.access import (
    BRAND_ADMINISTRATOR,
    create_api_token,
    create_oauth_client,
    create_user,
    revoke_token,
)
from smsurvey.kit.db import unit_of_work
from tests.messaging.harness import Harness, harness
from tests.support import found, invoke, refused


async def _admin(system: Harness) -> tuple[str, str]:
    """A Brand Administrator's API token and OAuth client ``id:secret``."""
    async with unit_of_work(system.runtime.engine) as session:
        user = await create_user(
            session, system.organization, "admin@example.org", system.clock.now(),
            role=BRAND_ADMINISTRATOR, first_name="Ada",
        )  # fmt: skip
        _, token = await create_api_token(session, user, system.clock.now())
        client_id, secret = await create_oauth_client(session, user, system.clock.now())
    return token, f"{client_id}:{secret}"


async def test_an_api_token_in_any_letter_case_says_who_calls(database_url: str) -> None:
    async with harness(database_url) as system:
        token, _ = await _admin(system)
        for header in ("X-API-TOKEN", "x-api-token", "X-Api-Token"):
            answer = await system.client.get("/API/v3/whoami", headers={header: token})
            assert answer.status_code == 200
            body = answer.json()
            assert body["meta"]["httpStatus"] == "200 - OK"
            assert len(body["meta"]["requestId"]) == 36
            assert set(body["meta"]) == {"httpStatus", "requestId"}
            assert body["result"]["userName"] == "admin@example.org"
            assert body["result"]["brandId"] == system.organization.id
            assert body["result"]["accountType"] == "BrandAdministrator"
        for path in ("/API/v3/whoami/", "/API/v3//whoami", "/API//v3/whoami//"):
            assert (
                await system.client.get(path, headers={"X-API-TOKEN": token})
            ).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-TOKEN": "x" * 40}, {"Authorization": "Bearer nothing-we-issued"}],
)
async def test_no_valid_credentials_get_a_401_in_the_envelope(database_url: str, headers) -> None:
    async with harness(database_url) as system:
        answer = await system.client.get("/API/v3/whoami", headers=headers)
        assert answer.status_code == 401
        meta = answer.json()["meta"]
        assert meta["httpStatus"] == "401 - Unauthorized"
        assert meta["error"]["errorCode"] == "AUTH_6.0"
        assert meta["error"]["errorMessage"]


async def test_oauth_bearer_tokens_expire_after_an_hour(database_url: str) -> None:
    async with harness(database_url) as system:
        _, credentials = await _admin(system)
        basic = "Basic " + base64.b64encode(credentials.encode()).decode()
        issued = await system.client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials", "scope": "manage:all"},
            headers={"Authorization": basic},
        )
        assert issued.status_code == 200
        assert issued.json()["expires_in"] == 3600
        bearer = {"Authorization": f"bearer {issued.json()['access_token']}"}
        assert (await system.client.get("/API/v3/whoami", headers=bearer)).status_code == 200
        system.clock.advance(timedelta(hours=1))
        expired = await system.client.get("/API/v3/whoami", headers=bearer)
        assert expired.status_code == 401
        assert expired.json()["meta"]["error"]["errorCode"] == "AUTH_6.0"
        wrong = "Basic " + base64.b64encode(credentials.encode() + b"x").decode()
        refused_token = await system.client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": wrong},
        )
        assert refused_token.status_code == 401


async def test_a_revoked_token_stops_working(database_url: str) -> None:
    async with harness(database_url) as system:
        token, _ = await _admin(system)
        async with unit_of_work(system.runtime.engine) as session:
            user = await create_user(session, system.organization, "bob", system.clock.now())
            row, secret = await create_api_token(session, user, system.clock.now())
        assert (
            await system.client.get("/API/v3/whoami", headers={"X-API-TOKEN": secret})
        ).status_code == 200
        async with unit_of_work(system.runtime.engine) as session:
            await revoke_token(session, system.organization, row.id, system.clock.now())
        assert (
            await system.client.get("/API/v3/whoami", headers={"X-API-TOKEN": secret})
        ).status_code == 401
        assert (
            await system.client.get("/API/v3/whoami", headers={"X-API-TOKEN": token})
        ).status_code == 200


async def test_unknown_calls_and_bad_bodies_answer_in_the_envelope(database_url: str) -> None:
    async with harness(database_url) as system:
        missing = await system.client.get("/API/v3/doesnotexist")
        assert missing.status_code == 404
        assert missing.json()["meta"]["httpStatus"] == "404 - Not Found"
        assert missing.json()["meta"]["error"]["errorMessage"] == (
            "API call does not exist: GET /API/v3/doesnotexist"
        )
        bad = await system.client.post("/oauth2/token", data={"grant_type": "password"})
        assert bad.status_code == 400
        assert "grant_type" in bad.json()["meta"]["error"]["errorMessage"]


def test_users_and_tokens_commands(cli_env: str) -> None:
    made = invoke("users", "bootstrap").output
    assert "First Brand Administrator admin" in made
    assert len(found(r"X-API-TOKEN: \w{40}", made)) == len("X-API-TOKEN: ") + 40
    assert "X-API-TOKEN" not in invoke("users", "bootstrap").output  # shown once
    invoke("users", "add", "ann@example.org", "--no-sms")
    listed = invoke("users", "list").output
    assert "ann@example.org" in listed
    assert "BrandAdministrator" in listed
    created = invoke("tokens", "create", "ann@example.org", "--name", "ci").output
    token_id = found(r"TK_\w{15}", created)
    secret = found(r"\w{40}$", created.strip())
    assert secret[-4:] in invoke("tokens", "list", "ann@example.org").output
    invoke("tokens", "revoke", token_id)
    assert "revoked" in invoke("tokens", "list", "ann@example.org").output
    refused("users", "add", "ann@example.org")
    refused("users", "add", "carl", "--role", "Overlord")
    refused("tokens", "revoke", "TK_doesnotexist0000")
