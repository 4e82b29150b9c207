"""The operator pages where script matters, in Chromium on a phone's screen (SQLite): the
phone simulator's thread follows the conversation without a reload, and the pages pass axe."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from smsurvey.kit.db import unit_of_work
from smsurvey.models.simulator import SimulatedText
from smsurvey.providers.connections import NewConnection, add_connection
from smsurvey.responses.subscriptions import subscribe
from tests.fakes.twilio import FIELDS
from tests.web.live import PHONE, Served, shot, signed_in_page

ANN = "+14155552671"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _typed_on(served: Served, body: str) -> None:
    """Wait for the page's reply to reach the simulated phone, then let the worker answer."""
    for _ in range(500):
        texts = await served.system.rows(SimulatedText, SimulatedText.body == body)
        if texts:
            await served.system.drain()
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{body!r} was never sent from the page")


async def test_a_reply_on_the_phone_page_brings_the_next_question_without_a_reload(
    served: Served,
) -> None:
    system = served.system
    await system.distribute_list(await system.people("Customers", ANN))
    await system.drain()
    page = await signed_in_page(served, "op@x.org", **PHONE)
    await page.goto(f"{system.runtime.settings.public_url}/admin/phone")
    await page.get_by_role("link", name=ANN).click()
    thread = page.locator("#thread")
    await expect(thread).to_contain_text("How likely are you to recommend us")
    await shot(page, "phone")

    await page.evaluate("window.stayed = true")
    await page.get_by_label(f"Reply from {ANN}").fill("10")
    await page.get_by_role("button", name="Send", exact=True).click()
    await _typed_on(served, "10")
    await expect(thread.locator("li.mine .body")).to_have_text(["10"])
    await expect(thread).to_contain_text("Great to hear! What do you like most about Acme?")
    await expect(page.get_by_label(f"Reply from {ANN}")).to_have_value("")
    assert await page.evaluate("window.stayed") is True  # no reload

    await page.get_by_label(f"Reply from {ANN}").fill("product quality")
    await page.get_by_label(f"Reply from {ANN}").press("Tab")
    await page.keyboard.press("Enter")  # the Send button, from the keyboard
    await _typed_on(served, "product quality")
    await expect(thread).to_contain_text("Anything else you would like to tell us?")
    assert await page.evaluate("window.stayed") is True


async def test_the_operator_pages_pass_axe_on_a_phone(served: Served) -> None:
    system = served.system
    await system.distribute_list(await system.people("Customers", ANN))
    await system.drain()  # credits consumed, through the simulator
    async with unit_of_work(system.runtime.engine) as session:
        await subscribe(
            session, system.organization.id, system.runtime.secret, topics="surveyengine.*",
            url="https://hooks.example.org/q", shared_key=None, now=system.clock.now(),
        )  # fmt: skip
        new = NewConnection("Twilio", "twilio", "+15005550006", {**FIELDS})
        made = await add_connection(
            session, system.runtime.secret, system.organization.id, new, system.clock.now()
        )
    page = await signed_in_page(served, "op@x.org", **PHONE)
    base = system.runtime.settings.public_url
    pages = {
        "home-operator": "/admin",
        "providers": "/admin/providers",
        "provider": f"/admin/providers/{made.id}",
        "provider-delete": f"/admin/providers/{made.id}/delete",
        "provider-add": "/admin/providers/add/messagemedia",
        "credits": "/admin/credits",
        "subscriptions": "/admin/subscriptions",
    }
    for name, path in pages.items():
        await page.goto(base + path)
        await shot(page, name)
