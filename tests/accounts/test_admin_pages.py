"""Signing in to the admin pages, sessions, CSRF, users and one's own tokens: as a user
and as an attacker would try them (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, USER, create_user
from smsurvey.accounts.service import create_organization
from smsurvey.accounts.sign_in import FREE_FAILURES
from smsurvey.kit.db import unit_of_work
from tests.messaging.harness import harness
from tests.support import found, invoke
from tests.web.admin_support import (
    PASSWORD,
    csrf,
    set_password_and_sign_in,
    setup_secret,
)


async def _sign_in(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    form = await client.get("/admin/sign-in")
    return await client.post(
        "/admin/sign-in",
        data={"csrf_token": csrf(form), "login": login, "password": password, "next": "/admin"},
    )


async def test_a_new_administrator_sets_a_password_signs_in_and_out(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        assert (await browser.get("/")).headers["location"] == "/admin"
        away = await browser.get("/admin/users")
        assert away.status_code == 303
        assert away.headers["location"] == "/admin/sign-in?next=/admin/users"
        await set_password_and_sign_in(
            browser, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        cookie = next(c for c in browser.cookies.jar if c.name == "smsurvey_session")
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert cookie.get_nonstandard_attr("SameSite", "").lower() == "lax"
        home = await browser.get("/admin")
        assert system.organization.name in home.text
        assert home.headers["content-security-policy"].startswith("default-src 'none'")
        stolen = browser.cookies["smsurvey_session"]

        out = await browser.post("/admin/sign-out", data={"csrf_token": csrf(home)})
        assert out.status_code == 303
        assert "smsurvey_session" not in browser.cookies
        async with system.browser() as thief:
            thief.cookies.set("smsurvey_session", stolen)
            assert (await thief.get("/admin")).status_code == 303  # the session ended

        back = await _sign_in(browser, "ADA@example.org", PASSWORD)
        assert back.status_code == 303
        assert (await browser.get("/admin")).status_code == 200


async def test_a_setup_link_works_once(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        setup = await setup_secret(system, "ada@example.org")
        form = await browser.get(f"/admin/set-password?token={setup}")
        fields = {"csrf_token": csrf(form), "token": setup, "email": "ada@example.org"}
        short = await browser.post(
            "/admin/set-password", data=fields | {"password": "short", "again": "short"}
        )
        assert short.status_code == 400
        assert "at least 10 characters" in short.text
        ok = await browser.post(
            "/admin/set-password", data=fields | {"password": PASSWORD, "again": PASSWORD}
        )
        assert ok.status_code == 303
        again = await browser.get(f"/admin/set-password?token={setup}")
        assert again.status_code == 401
        assert "has been used or has expired" in again.text
        replay = await browser.post(
            "/admin/set-password", data=fields | {"password": "x" * 12, "again": "x" * 12}
        )
        assert replay.status_code == 401
        assert (await _sign_in(browser, "ada@example.org", PASSWORD)).status_code == 303


async def test_a_form_without_its_csrf_token_is_refused(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        await set_password_and_sign_in(
            browser, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        page = await browser.get("/admin/tokens")
        for data in ({}, {"csrf_token": "0" * 64}):
            refused = await browser.post("/admin/tokens", data=data | {"name": "forged"})
            assert refused.status_code == 403
            assert "reload the page" in refused.text
        assert "forged" not in (await browser.get("/admin/tokens")).text
        # Another visitor's token does not do either: it is bound to the visitor's cookie.
        async with system.browser() as other:
            theirs = csrf(await other.get("/admin/sign-in"))
        assert theirs != csrf(page)
        crossed = await browser.post("/admin/tokens", data={"csrf_token": theirs, "name": "x"})
        assert crossed.status_code == 403
        made = await browser.post("/admin/tokens", data={"csrf_token": csrf(page), "name": "CRM"})
        assert made.status_code == 200
        assert "CRM" in made.text


async def test_failed_sign_ins_are_slowed_and_tell_nobody_who_exists(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        await set_password_and_sign_in(
            browser, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        home = await browser.get("/admin")
        await browser.post("/admin/sign-out", data={"csrf_token": csrf(home)})
        nobody = await _sign_in(browser, "nobody@example.org", PASSWORD)
        wrong = await _sign_in(browser, "ada@example.org", "not the password")
        assert nobody.status_code == wrong.status_code == 401
        assert "that email and password do not match" in nobody.text
        assert "that email and password do not match" in wrong.text
        for _ in range(FREE_FAILURES - 1):
            assert (await _sign_in(browser, "ada@example.org", "guess")).status_code == 401
        paused = await _sign_in(browser, "ada@example.org", PASSWORD)
        assert paused.status_code == 429
        assert "try again in 2 s" in paused.text
        system.clock.advance(timedelta(seconds=2))
        assert (await _sign_in(browser, "ada@example.org", PASSWORD)).status_code == 303


async def test_only_local_pages_follow_a_sign_in(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        await set_password_and_sign_in(
            browser, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        for target, lands in [
            ("/admin/tokens", "/admin/tokens"),
            ("https://evil.example/admin", "/admin"),
            ("//evil.example/admin", "/admin"),
            ("/admin\\@evil.example", "/admin"),
        ]:
            form = await browser.get("/admin/sign-in")
            answer = await browser.post(
                "/admin/sign-in",
                data={"csrf_token": csrf(form), "login": "ada@example.org",
                      "password": PASSWORD, "next": target},
            )  # fmt: skip
            assert answer.headers["location"] == lands


async def test_a_forged_session_cookie_signs_nobody_in(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        await set_password_and_sign_in(
            browser, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        real = browser.cookies["smsurvey_session"]
        secret = real.split(".")[0]
        for forged in (secret, real[:-2] + "xx", "x" * 40):
            async with system.browser() as thief:
                thief.cookies.set("smsurvey_session", forged)
                assert (await thief.get("/admin")).status_code == 303


async def test_administrators_manage_users_of_their_organisation_only(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as admin:
        await set_password_and_sign_in(
            admin, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        page = await admin.get("/admin/users")
        added = await admin.post(
            "/admin/users",
            data={"csrf_token": csrf(page), "email": "bo@example.org", "role": USER},
        )
        assert added.status_code == 200
        link = found(r"http://\S+/admin/set-password\?token=\w+", added.text)
        bo_id = found(r"UR_\w+", added.text)
        async with system.browser() as bo:
            await set_password_and_sign_in(bo, link.split("token=")[1], "bo@example.org")
            assert (await bo.get("/admin/users")).status_code == 403  # not an administrator
            assert ">Users<" not in (await bo.get("/admin")).text

            await admin.post(
                f"/admin/users/{bo_id}",
                data={"csrf_token": csrf(page), "role": USER, "disabled": "true"},
            )
            assert (await bo.get("/admin")).status_code == 303  # disabled: signed out
            assert (await _sign_in(bo, "bo@example.org", PASSWORD)).status_code == 401

        myself = found(r"UR_\w+(?=\">ada@)", (await admin.get("/admin/users")).text)
        demoted = await admin.post(
            f"/admin/users/{myself}", data={"csrf_token": csrf(page), "role": USER}
        )
        assert demoted.status_code == 409

        async with unit_of_work(system.runtime.engine) as session:
            other = await create_organization(session, "Other brand", system.clock)
            stranger = await create_user(
                session, other, "eve@example.org", system.clock.now(), email="eve@example.org"
            )
        assert (await admin.get(f"/admin/users/{stranger.id}")).status_code == 404
        assert "eve@example.org" not in (await admin.get("/admin/users")).text
        seized = await admin.post(
            f"/admin/users/{stranger.id}",
            data={"csrf_token": csrf(page), "role": BRAND_ADMINISTRATOR, "sms": "true"},
        )
        assert seized.status_code == 404


async def test_a_token_made_on_its_page_calls_the_api_until_revoked(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        await set_password_and_sign_in(
            browser, await setup_secret(system, "ada@example.org"), "ada@example.org"
        )
        page = await browser.get("/admin/tokens")
        made = await browser.post("/admin/tokens", data={"csrf_token": csrf(page), "name": "CRM"})
        secret = found(r'(?<=<code id="new-token">)\w{40}', made.text)
        headers = {"X-API-TOKEN": secret}
        assert (await browser.get("/API/v3/whoami", headers=headers)).status_code == 200
        listed = await browser.get("/admin/tokens")
        assert secret not in listed.text  # shown once
        token_id = found(r"(?<=/admin/tokens/)TK_\w+(?=/revoke)", listed.text)
        async with system.browser() as bo:
            await set_password_and_sign_in(
                bo, await setup_secret(system, "bo@example.org", role=USER), "bo@example.org"
            )
            theirs = csrf(await bo.get("/admin/tokens"))
            stolen = await bo.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": theirs})
            assert stolen.status_code == 404
        assert (await browser.get("/API/v3/whoami", headers=headers)).status_code == 200
        revoked = await browser.post(
            f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf(listed)}
        )
        assert revoked.status_code == 303
        assert (await browser.get("/API/v3/whoami", headers=headers)).status_code == 401


async def test_api_docs_work_offline(database_url: str) -> None:
    async with harness(database_url) as system:
        docs = await system.client.get("/docs")
        assert docs.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert assets
        assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets)
        for asset in assets:
            assert (await system.client.get(asset)).status_code == 200, asset
        assert "cdn" not in docs.text.lower()
        assert (await system.client.get("/redoc")).status_code == 404


def test_bootstrap_prints_a_working_setup_link(cli_env: str) -> None:
    first = invoke("users", "bootstrap").output
    assert "X-API-TOKEN" in first
    link = found(r"http://\S+/admin/set-password\?token=\w+", first.replace("\n", ""))
    again = invoke("users", "bootstrap").output
    assert "X-API-TOKEN" not in again  # the token is shown once
    assert found(r"http://\S+/admin/set-password\?token=\w+", again.replace("\n", "")) != link
    made = invoke("users", "password-link", "admin").output
    assert "/admin/set-password?token=" in made
