"""The admin's survey pages in a real browser on a phone's screen: each fits the screen
and passes axe-core, and closing a survey needs its box ticked before the form goes."""

from __future__ import annotations

from playwright.async_api import expect

from smsurvey.models.surveys import Survey
from tests.surveys.answers import REPLIES, answer
from tests.web.live import PHONE, Served, shot, signed_in_page


async def test_the_survey_pages_on_a_phone(served: Served) -> None:
    await answer(served.system, "Monday", REPLIES)
    page = await signed_in_page(served, **PHONE)
    await page.get_by_role("navigation").get_by_role("link", name="Surveys").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    await shot(page, "surveys")

    await page.get_by_role("link", name="Customer feedback (NPS)").click()
    await expect(page.locator("#q-QID2 .sms-body").first).to_contain_text("1. Fast delivery")
    await shot(page, "survey")

    await page.get_by_role("link", name="4 responses").click()
    await expect(page.locator(".nps-score strong")).to_have_text("25")
    await shot(page, "survey-responses")
    await page.get_by_role("link", name="← Customer feedback (NPS)").click()

    await page.get_by_role("button", name="Close survey").click()  # the box is not ticked
    assert await page.evaluate("document.querySelector('#confirm').validity.valueMissing")
    [survey] = await served.system.rows(Survey)
    assert survey.closed_at is None
    await page.get_by_label("Yes, close it for good").check()
    await page.get_by_role("button", name="Close survey").click()
    await expect(page.locator(".flash")).to_have_text("Customer feedback (NPS) is closed.")
