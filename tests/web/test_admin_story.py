"""The admin in a real browser, as a survey team's first hour goes: the first administrator
sets a password from the link ``make run`` prints, signs in, and works through the pages.
Each page is checked with axe-core and kept as a screenshot (``screenshots/``)."""

from __future__ import annotations

from playwright.async_api import expect

from smsurvey.accounts.access import BRAND_ADMINISTRATOR
from tests.web.admin_support import PASSWORD, setup_secret
from tests.web.live import Served, shot


async def test_the_first_administrator_signs_in_and_makes_a_token(served: Served) -> None:
    system = served.system
    base = system.runtime.settings.public_url
    setup = await setup_secret(system, "ada@example.org", role=BRAND_ADMINISTRATOR)
    page = await (await served.browser.new_context()).new_page()

    await page.goto(f"{base}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await shot(page, "sign-in")

    await page.goto(f"{base}/admin/set-password?token={setup}")
    await shot(page, "set-password")
    await page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    await page.get_by_label("The same password again").fill(PASSWORD)
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page.get_by_role("status")).to_have_text("Your password is set. Welcome.")
    await shot(page, "home")

    await page.get_by_role("navigation").get_by_role("link", name="API tokens").click()
    await page.get_by_label("What it is for").fill("CRM integration")
    await page.get_by_role("button", name="Make token").click()
    secret = await page.locator("#new-token").text_content()
    assert secret is not None
    assert len(secret) == 40
    await shot(page, "tokens")
    whoami = await page.request.get(f"{base}/API/v3/whoami", headers={"X-API-TOKEN": secret})
    assert (await whoami.json())["result"]["userName"] == "ada@example.org"

    await page.get_by_role("navigation").get_by_role("link", name="Users").click()
    await page.get_by_label("Email").fill("bo@example.org")
    await page.get_by_role("button", name="Add user").click()
    await expect(page.locator("#setup-link")).to_contain_text("/admin/set-password?token=")
    await shot(page, "user")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("status")).to_have_text("You are signed out.")
    await page.get_by_label("Email").fill("ada@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(system.organization.name)
