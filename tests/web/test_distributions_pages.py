"""The distributions pages in a real browser (Debian's Chromium through Playwright), on
SQLite, under the admin's Content-Security-Policy: the live preview as one types, its
smart-encoding fix, the confirmation, and the pages on a phone screen."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from smsurvey.accounts.access import USER
from smsurvey.contacts.service import ContactFields
from smsurvey.models.distributions import Distribution
from tests.web.live import PHONE, Served, shot, signed_in_page

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _signed_in_with_errors(served: Served) -> tuple[Page, list[str]]:
    """A phone's page signed in as a user with the SMS permission, and the console errors
    it logs from then on."""
    page = await signed_in_page(served, role=USER, **PHONE)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return page, errors


async def test_the_preview_follows_the_message_as_it_is_typed(served: Served) -> None:
    system = served.system
    await system.contacts(
        "Customers",
        ContactFields(first_name="Ann", phone="+14155552671"),
        ContactFields(first_name="Bob", phone="+14155552672"),
    )
    page, errors = await _signed_in_with_errors(served)
    await page.get_by_role("link", name="Distributions").first.click()
    await page.get_by_role("link", name="New distribution").click()
    await page.get_by_label("Survey", exact=True).select_option(label="Customer feedback (NPS)")
    await page.get_by_label("Mailing list", exact=True).select_option(label="Customers (2)")
    preview = page.locator("#preview")
    await page.get_by_label("Message", exact=True).fill(
        "It’s Acme: how did we do? ${l://SurveyURL}"
    )
    await expect(preview).to_contain_text("UCS-2")
    await expect(preview.locator("mark").first).to_have_text("’")
    await expect(preview).to_contain_text("2, after limiting conditions")
    await shot(page, "distribution-new")

    await preview.get_by_role("button", name="Apply smart encoding to the message").click()
    await expect(page.get_by_label("Message", exact=True)).to_have_value(
        "It's Acme: how did we do? ${l://SurveyURL}"
    )
    await expect(preview).to_contain_text("GSM-7, 1 part as typed")
    assert await system.rows(Distribution) == []

    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the distribution")
    await shot(page, "distribution-confirm")
    await page.get_by_role("button", name="Schedule it: 2 texts").click()
    await expect(page.locator(".flash")).to_contain_text("is scheduled.")
    [made] = await system.rows(Distribution)
    assert made.message_text == "It's Acme: how did we do? ${l://SurveyURL}"
    await shot(page, "distribution")
    assert [error for error in errors if "Content Security Policy" in error] == []
