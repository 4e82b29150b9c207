"""A sandbox served by uvicorn on 127.0.0.1 to Debian's Chromium (through Playwright): the
``served`` fixture of the browser tests, and what they check on every page."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright, expect

from smsurvey.accounts.access import BRAND_ADMINISTRATOR
from smsurvey.app import create_app
from tests.messaging.harness import Harness, harness
from tests.web.admin_support import PASSWORD, setup_secret

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


SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
"""Where the admin's browser tests leave a screenshot of each page (ignored by git;
``make screenshots`` copies them into docs/images/admin/)."""
SERIOUS = frozenset({"serious", "critical"})


async def accessible(page: Page) -> None:
    """Run axe-core (from the ``axe-playwright-python`` package) on the page: no serious or
    critical violation."""
    results = await Axe().run(page)
    violations = [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + ", ".join(node["target"][0] for node in item["nodes"][:3])
        for item in results.response["violations"]
        if item["impact"] in SERIOUS
    ]
    assert not violations, "\n".join(violations)


async def shot(page: Page, name: str) -> None:
    """Check the page (it fits the screen, axe finds nothing serious) and keep its
    screenshot as ``screenshots/NAME.png``."""
    SCREENSHOTS.mkdir(exist_ok=True)
    await fits_the_screen(page, SCREENSHOTS / f"{name}.png")
    await accessible(page)


async def signed_in_page(
    served: Served,
    email: str = "ada@example.org",
    *,
    role: str = BRAND_ADMINISTRATOR,
    script: bool = True,
    **context: Any,
) -> Page:
    """A new browser page (``context``: Playwright's options, such as :data:`PHONE`)
    signed in as a new user ``email`` with ``role``, who set their password on the page
    their one-time link opens."""
    system = served.system
    page = await (
        await served.browser.new_context(java_script_enabled=script, **context)
    ).new_page()
    setup = await setup_secret(system, email, role=role)
    await page.goto(f"{system.runtime.settings.public_url}/admin/set-password?token={setup}")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#again").fill(PASSWORD)
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(system.organization.name)
    return page
