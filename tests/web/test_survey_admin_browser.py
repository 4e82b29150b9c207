"""The admin's survey pages in a real browser on a phone's screen (Chromium, SQLite): they
fit the screen, and closing a survey needs its box ticked even before the server checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from smsurvey.models.surveys import Survey
from tests.surveys.test_admin_pages import REPLIES, answer
from tests.web.admin_support import PASSWORD, setup_secret
from tests.web.test_browser import PHONE, Served, fits_the_screen, served

__all__ = ["served"]  # the fixture

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _signed_in_phone(served: Served) -> Page:
    page = await (await served.browser.new_context(**PHONE)).new_page()
    base = served.system.runtime.settings.public_url
    await page.goto(
        f"{base}/admin/set-password?token={await setup_secret(served.system, 'ada@example.org')}"
    )
    await page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    await page.get_by_label("The same password again").fill(PASSWORD)
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(served.system.organization.name)
    return page


async def test_the_survey_pages_fit_a_phone(served: Served, tmp_path: Path) -> None:
    await answer(served.system, "Monday", REPLIES)
    page = await _signed_in_phone(served)
    await page.get_by_role("link", name="Surveys").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    await fits_the_screen(page, tmp_path / "surveys.png")

    await page.get_by_role("link", name="Customer feedback (NPS)").click()
    await expect(page.locator("#q-QID2 .sms-body").first).to_contain_text("1. Fast delivery")
    await fits_the_screen(page, tmp_path / "survey.png")

    await page.get_by_role("link", name="4 responses").click()
    await expect(page.locator(".nps-score strong")).to_have_text("25")
    await fits_the_screen(page, tmp_path / "responses.png")
    await page.get_by_role("link", name="← Customer feedback (NPS)").click()

    await page.get_by_role("button", name="Close survey").click()  # the box is not ticked
    assert await page.evaluate("document.querySelector('#confirm').validity.valueMissing")
    [survey] = await served.system.rows(Survey)
    assert survey.closed_at is None
    await page.get_by_label("Yes, close it for good").check()
    await page.get_by_role("button", name="Close survey").click()
    await expect(page.locator(".flash")).to_have_text("Customer feedback (NPS) is closed.")
