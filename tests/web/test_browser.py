"""The respondent pages in a real browser (Debian's Chromium through Playwright), on SQLite.

The sandbox's runtime is served by uvicorn on 127.0.0.1, and its ``public_url`` points there,
so the browser follows the very links a text carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect

from smsurvey.app import create_app
from smsurvey.models.contacts import Contact
from smsurvey.models.responses import Response
from tests.messaging.harness import Harness, harness
from tests.web.support import ANN, invite, text_sent

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


class QuietServer(uvicorn.Server):
    """A server that leaves the test runner's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Served:
    system: Harness
    browser: Browser


@pytest.fixture
async def served(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    monkeypatch.setenv("SMSURVEY_PUBLIC_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    async with harness(database_url) as system, async_playwright() as playwright:
        app = create_app(system.runtime.settings, clock=system.clock, run_worker=False)
        app.state.runtime = system.runtime
        server = QuietServer(uvicorn.Config(app, lifespan="off", log_level="warning"))
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            await started(server, serving)
            yield Served(system, browser)
        finally:
            await browser.close()
            server.should_exit = True
            await serving


async def started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    for _ in range(1000):
        if server.started:
            return
        if serving.done():
            serving.result()
        await asyncio.sleep(0.01)
    raise AssertionError("uvicorn did not start within 10 s")


async def fits_the_screen(page: Page, shot: Path) -> None:
    """Screenshot the page and check it does not scroll sideways."""
    image = await page.screenshot(path=shot, full_page=True)
    assert image.startswith(b"\x89PNG")
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


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
    assert (response.values["QID1"], response.values["QID2"]) == (10, "2")
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
