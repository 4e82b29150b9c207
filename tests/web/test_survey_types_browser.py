"""One respondent takes the every-type survey (``tests/surveys/data/every-type.yaml``) in
Chromium on a 375 px wide phone: every page fits the screen and passes axe, display logic
shows a question, skip logic passes one, and the stored response holds every answer."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from smsurvey.models.responses import Response, WebSession
from tests.surveys.every_type import EVERY_TYPE
from tests.web.live import Served, shot
from tests.web.support import ANN, edit_survey, invite

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PHONE_375 = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


async def next_page(page: Page, name: str) -> None:
    """Check and keep the page as ``survey-NAME``, then press Next."""
    await shot(page, f"survey-{name}")
    await page.get_by_role("button", name="Next").click()


async def test_a_respondent_answers_every_type_on_a_phone(served: Served) -> None:
    await edit_survey(served.system, definition=EVERY_TYPE.to_document())
    [ann] = await invite(served.system, ANN)
    page = await (await served.browser.new_context(**PHONE_375)).new_page()
    await page.goto(ann.survey_url)

    await page.get_by_text("9", exact=True).click()
    await next_page(page, "nps")
    await page.get_by_label("Phone").check()
    await next_page(page, "single-choice")
    # Display logic: asked because the answer was Phone.
    await page.get_by_label("When should we call?").select_option(label="Evening")
    await next_page(page, "dropdown")
    await page.get_by_label("Price").check()
    await page.get_by_label("Something else: please specify").fill("Parking")
    await next_page(page, "multiple-choice")

    await page.get_by_role("radio", name="Staff: Good").check()
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator(".error")).to_have_text("Error: Please answer every statement.")
    await shot(page, "survey-matrix-error")
    await expect(page.get_by_role("radio", name="Staff: Good")).to_be_checked()
    await page.get_by_role("radio", name="Shop: OK").check()
    await next_page(page, "matrix")

    await page.wait_for_load_state()  # the script that moves the number has run
    await page.get_by_label("Value").fill("7")
    await expect(page.locator("#slider-1-value")).to_have_text("7")
    await page.get_by_label("Quality").fill("4")
    await next_page(page, "slider")

    for item, rank in (("Price", "3"), ("Quality", "1"), ("Service", "2")):
        await page.get_by_label(item).select_option(rank)
    await next_page(page, "rank-order")
    await page.get_by_label("Name").fill("Ann")
    await page.get_by_label("City").fill("Paris")
    await next_page(page, "form")
    await expect(page.locator(".question")).to_have_text("Two more questions.")
    await next_page(page, "descriptive")
    # Skip logic: an answer here skips the member-code question to the end of the block.
    await page.get_by_label("Tell us more").fill("Quick and kind.")
    await next_page(page, "essay")
    await page.get_by_label("Which shops have you visited?").select_option(["North", "South"])
    await next_page(page, "select-box")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Thanks, that is all.")
    await shot(page, "survey-end")
    [response] = await served.system.rows(Response)
    assert {k: v for k, v in response.values.items() if k.startswith("QID")} == {
        "QID1": 9,
        "QID1_NPS_GROUP": 3,
        "QID2": 2,
        "QID3": 2,
        "QID4": [1, 3],
        "QID4_3_TEXT": "Parking",
        "QID5_1": 3,
        "QID5_2": 2,
        "QID6_1": 7,
        "QID6_2": 4,
        "QID7_1": 3,
        "QID7_2": 1,
        "QID7_3": 2,
        "QID8_1": "Ann",
        "QID8_2": "Paris",
        "QID10_TEXT": "Quick and kind.",
        "QID12": [1, 2],
    }
    assert response.labels["QID3"] == "Evening"


async def test_the_survey_is_answered_without_script(served: Served) -> None:
    await edit_survey(served.system, definition=EVERY_TYPE.to_document())
    [ann] = await invite(served.system, ANN)
    context = await served.browser.new_context(java_script_enabled=False, **PHONE_375)
    page = await context.new_page()
    await page.goto(ann.survey_url)
    next_button = page.get_by_role("button", name="Next")
    await page.get_by_text("9", exact=True).click()
    await next_button.click()
    await page.get_by_label("Email").check()
    await next_button.click()
    await page.get_by_label("None of these").check()  # skip logic: on to the slider
    await next_button.click()
    await page.get_by_label("Value").fill("8")
    await page.get_by_label("Quality").fill("3")
    await next_button.click()
    await expect(page.get_by_role("group")).to_contain_text("Put these in order of importance")
    [web_session] = await served.system.rows(WebSession)
    assert web_session.state["answers"]["QID6"] == {"1": 8, "2": 3}
