"""Signing in to the admin pages from a test: a user of the sandbox's organisation who
sets their password through their one-time link, in a browser (HTTP client) of their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, USE_SMS_DISTRIBUTIONS, create_user
from smsurvey.accounts.sign_in import password_setup_link
from smsurvey.kit.db import unit_of_work
from smsurvey.sandbox import Sandbox
from tests.support import found

PASSWORD = "correct horse battery"


def csrf(page: httpx.Response) -> str:
    """The CSRF token of the forms on ``page``."""
    return found(r'(?<=name="csrf_token" value=")[0-9a-f]+', page.text)


async def setup_secret(
    system: Sandbox, email: str, *, role: str = BRAND_ADMINISTRATOR, sms: bool = True
) -> str:
    """A new user of the sandbox's organisation; the secret of their one-time setup link."""
    async with unit_of_work(system.runtime.engine) as session:
        user = await create_user(
            session, system.organization, email, system.clock.now(), role=role, email=email,
            permissions=(USE_SMS_DISTRIBUTIONS,) if sms else (),
        )  # fmt: skip
        return await password_setup_link(session, user, system.clock.now())


async def set_password_and_sign_in(browser: httpx.AsyncClient, setup: str, email: str) -> None:
    """Open the setup link's page in ``browser``, set the password: signed in."""
    form = await browser.get(f"/admin/set-password?token={setup}")
    assert form.status_code == 200, form.text
    done = await browser.post(
        "/admin/set-password",
        data={"csrf_token": csrf(form), "token": setup, "email": email,
              "password": PASSWORD, "again": PASSWORD},
    )  # fmt: skip
    assert done.status_code == 303, done.text
    assert (await browser.get("/admin")).status_code == 200


async def sign_up(
    browser: httpx.AsyncClient,
    system: Sandbox,
    email: str = "ada@example.org",
    *,
    role: str = BRAND_ADMINISTRATOR,
    sms: bool = True,
) -> None:
    """Make a user ``email`` and sign them in on ``browser`` through their setup link."""
    await set_password_and_sign_in(
        browser, await setup_secret(system, email, role=role, sms=sms), email
    )


@asynccontextmanager
async def signed_in(
    system: Sandbox,
    email: str = "ada@example.org",
    *,
    role: str = BRAND_ADMINISTRATOR,
    sms: bool = True,
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in as a new user ``email`` with ``role`` (and the SMS permission
    unless ``sms`` is false)."""
    async with system.browser() as browser:
        await sign_up(browser, system, email, role=role, sms=sms)
        yield browser
