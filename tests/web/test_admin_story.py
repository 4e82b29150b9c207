"""The admin in a real browser, as a survey team's first hour goes: the first administrator
sets a password from the link ``make run`` prints, signs in, and works through the pages.
Each page is checked with axe-core and kept as a screenshot (``screenshots/``)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from playwright.async_api import expect

from smsurvey.accounts.access import BRAND_ADMINISTRATOR
from smsurvey.models.simulator import SimulatedText
from tests.web.admin_support import PASSWORD, setup_secret
from tests.web.live import Served, shot, signed_in_page


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


STORE_VISIT = b"""\
name: Store visit
end_message: Thanks for telling us! The Acme store team
blocks:
  - id: BL_1
    elements:
      - id: QID1
        type: nps
        label: Q1
        text: How likely are you to recommend our store to a friend? Reply 0-10.
"""
PEOPLE = b"First Name,Mobile\nAnn,(415) 555-2671\nBob,(415) 555-2672\n"
ANN = "+14155552671"


async def _replied(served: Served, body: str) -> None:
    """Wait until the phone page's reply reaches the simulated network, then let the
    worker take it and answer."""
    for _ in range(500):
        if await served.system.rows(SimulatedText, SimulatedText.body == body):
            await served.system.drain()
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{body!r} was never sent from the phone page")


async def test_a_survey_team_runs_a_2way_survey_from_the_browser(
    served: Served, tmp_path: Path
) -> None:
    system = served.system
    page = await signed_in_page(served)
    nav = page.get_by_role("navigation")

    # Contacts, from a CSV file with numbers written as people write them.
    await nav.get_by_role("link", name="Contacts").click()
    await page.get_by_role("link", name="Import contacts from a CSV file").click()
    await page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": PEOPLE}
    )
    await page.get_by_role("button", name="Upload and look at the columns").click()
    await expect(page.get_by_label("Column of phone numbers")).to_have_value("Mobile")
    await page.get_by_label("Country of numbers written").fill("US")
    await page.get_by_label("Mailing list to put the contacts in").fill("Spring")
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator(".flash")).to_contain_text("Imported into Spring")

    # A survey, from its file.
    await nav.get_by_role("link", name="Surveys").click()
    await page.get_by_label("Survey file").set_input_files(
        {"name": "store-visit.yaml", "mimeType": "application/yaml", "buffer": STORE_VISIT}
    )
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Store visit")

    # A 2-way distribution to the list, confirmed before anything is sent.
    await nav.get_by_role("link", name="Distributions").click()
    await page.get_by_role("link", name="New distribution").click()
    await page.get_by_label("2-way: the recipient answers each question by text").check()
    await page.get_by_label("Name").fill("Spring store visit")
    await page.get_by_label("Survey", exact=True).select_option(label="Store visit")
    await page.get_by_label("Mailing list", exact=True).select_option(label="Spring (2)")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the distribution")
    await shot(page, "story-confirm")
    await page.get_by_role("button", name=re.compile(r"^Schedule it: 2 texts")).click()
    await expect(page.locator(".flash")).to_contain_text("is scheduled.")
    await system.drain()  # planned and sent, through the simulator

    # Ann answers on the phone simulator.
    await nav.get_by_role("link", name="Phone simulator").click()
    await page.get_by_role("link", name=ANN).click()
    thread = page.locator("#thread")
    await expect(thread).to_contain_text("How likely are you to recommend our store")
    await page.get_by_label(f"Reply from {ANN}").fill("9")
    await page.get_by_role("button", name="Send", exact=True).click()
    await _replied(served, "9")
    await expect(thread).to_contain_text("Thanks for telling us! The Acme store team")
    await shot(page, "story-phone")

    # The distribution's page counts her, and its history downloads.
    await nav.get_by_role("link", name="Distributions").click()
    await page.get_by_role("link", name="Spring store visit").click()
    metrics = page.locator("dl.metrics")
    await expect(metrics.locator("div", has_text="Recipients").locator("dd")).to_have_text("2")
    await expect(metrics.locator("div", has_text="Finished").locator("dd")).to_have_text("1")
    await expect(page.locator(".funnel figure").first).to_contain_text("Finished")
    await shot(page, "story-distribution")
    await page.get_by_label("Delimiter").select_option(label="Semicolon")
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Download history").click()
    saved = tmp_path / "history.csv"
    await (await downloading.value).save_as(saved)
    rows = saved.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3
    assert ";" in rows[0]
    header = rows[0].split(";")
    by_phone = {row.split(";")[header.index('"Phone number"')]: row.split(";") for row in rows[1:]}
    assert by_phone[f'"{ANN}"'][header.index('"Respondent"')] == '"Yes"'
    assert by_phone['"+14155552672"'][header.index('"Respondent"')] == '"No"'
