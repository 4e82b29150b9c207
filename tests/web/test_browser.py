"""The respondent pages in a real browser (Debian's Chromium through Playwright), on SQLite.

The sandbox's runtime is served by uvicorn on 127.0.0.1 (``tests/web/live.py``), and its
``public_url`` points there, so the browser follows the very links a text carries.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from smsurvey.models.contacts import Contact
from smsurvey.models.responses import Response
from tests.web.live import PHONE, Served, fits_the_screen
from tests.web.support import ANN, invite, text_sent

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_a_respondent_answers_on_a_phone(served: Served, tmp_path: Path) -> None:
    [ann] = await invite(served.system, ANN)
    page = await (await served.browser.new_context(**PHONE)).new_page()
    await page.goto(ann.survey_url)
    await expect(page.get_by_role("group")).to_contain_text("How likely are you to recommend")
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator(".error")).to_have_text("Error: Please choose a score from 0 to 10.")
    await fits_the_screen(page, tmp_path / "score.png")

    await page.get_by_text("10", exact=True).click()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Product quality").check()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Anything else you would like to tell us?").fill("Keep it up!")
    await page.get_by_role("button", name="Next").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you for your feedback! The Acme team"
    )
    await fits_the_screen(page, tmp_path / "end.png")
    [response] = await served.system.rows(Response)
    assert (response.values["QID1"], response.values["QID2"]) == (10, 2)
    assert response.values["QID5_TEXT"] == "Keep it up!"


async def test_a_recipient_opts_out_with_one_tap(served: Served, tmp_path: Path) -> None:
    [ann] = await invite(served.system, ANN)
    link = await text_sent(served.system, ann, sent_at=served.system.clock.now())
    page = await (await served.browser.new_context(**PHONE)).new_page()
    await page.goto(served.system.runtime.settings.public_url + link)
    await fits_the_screen(page, tmp_path / "opt-out.png")
    await page.get_by_role("button", name="Opt me out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You have been opted out")
    [contact] = await served.system.rows(Contact)
    assert contact.opted_out
