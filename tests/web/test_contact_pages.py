"""The contacts pages where script matters, in Chromium on a phone's screen (SQLite): an
import's progress bar follows the import without a reload (and the page refreshes itself
without script), a file over the limit is refused before it is sent, and the pages pass axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import update

from smsurvey.contacts.import_jobs import ImportState
from smsurvey.kit.db import unit_of_work
from smsurvey.models.contacts import ContactImportJob
from tests.web.live import PHONE, Served, accessible, shot, signed_in_page

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
CSV = b"First Name,Mobile,Store\nAnn,(415) 555-2671,North\nBob,12,South\nCy,+44 7911 123456,East\n"


async def _running_job(served: Served) -> str:
    """An import that another server runs, half-way through its file."""
    system = served.system
    async with unit_of_work(system.runtime.engine) as session:
        session.add(
            ContactImportJob(
                id="CIM_elsewhere", organization_id=system.organization.id,
                file_name="big.csv", size=1000, content=b"Phone\n", state=ImportState.RUNNING,
                list_name="Spring", bytes_read=500, rows_read=40, rows_rejected=2,
                runner="elsewhere:1:abc", created_at=system.clock.now(),
                started_at=system.clock.now(), heartbeat_at=system.clock.now(),
            )
        )  # fmt: skip
    return f"{system.runtime.settings.public_url}/admin/contacts/imports/CIM_elsewhere"


async def _record(served: Served, **values: Any) -> None:
    async with unit_of_work(served.system.runtime.engine) as session:
        await session.execute(
            update(ContactImportJob).where(ContactImportJob.id == "CIM_elsewhere").values(values)
        )


async def test_a_csv_is_uploaded_checked_and_imported_in_the_browser(
    served: Served, tmp_path: Path
) -> None:
    page = await signed_in_page(served, "ada@x.org", **PHONE)
    await page.goto(f"{served.system.runtime.settings.public_url}/admin/contacts")
    await shot(page, "contacts")
    await page.get_by_role("link", name="Import contacts from a CSV file").click()
    await shot(page, "contacts-import")
    await page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    await page.get_by_role("button", name="Upload and look at the columns").click()
    await expect(page.get_by_role("heading", level=2).first).to_have_text("The file’s first rows")
    await expect(page.get_by_label("Column of phone numbers")).to_have_value("Mobile")
    await shot(page, "contacts-import-columns")
    await page.get_by_label("Country of numbers written").fill("US")
    await page.get_by_label("Mailing list to put the contacts in").fill("Spring")
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator(".flash")).to_contain_text("Imported into Spring")
    await expect(page.get_by_role("row", name="Rows rejected")).to_have_text("Rows rejected1")
    await shot(page, "contacts-import-done")
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download the error report (CSV)").click()
    saved = tmp_path / "errors.csv"
    await (await downloading.value).save_as(saved)
    assert saved.read_text(encoding="utf-8").splitlines()[1].startswith("3,Mobile,12,")
    await page.locator(".flash").get_by_role("link", name="Spring").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Spring")
    await shot(page, "contacts-list")
    await page.get_by_role("link", name="Ann").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ann")
    await page.get_by_label("Why opt them out").fill("asked by phone")
    await page.get_by_role("button", name="Opt out of SMS").click()
    await expect(page.get_by_role("cell", name="asked by phone")).to_be_visible()
    await shot(page, "contact")


async def test_the_progress_bar_follows_the_import_without_a_reload(served: Served) -> None:
    job_page = await _running_job(served)
    page = await signed_in_page(served, "ada@x.org", **PHONE)
    await page.goto(job_page)
    bar = page.locator("progress")
    await expect(bar).to_have_js_property("value", 50)
    await accessible(page)
    await page.evaluate("window.stayed = true")
    await _record(served, bytes_read=800, rows_read=64, rows_rejected=3)
    await expect(bar).to_have_js_property("value", 80)
    await expect(page.get_by_role("status")).to_have_text(
        "80 % of the file read: 64 rows, 61 imported, 3 rejected."
    )
    assert await page.evaluate("window.stayed") is True
    await _record(served, state=ImportState.FAILED, reason="the test stopped it")
    await expect(page.get_by_role("alert")).to_have_text(
        "The import failed, so nothing was imported: the test stopped it."
    )


async def test_without_script_the_progress_page_refreshes_itself(served: Served) -> None:
    job_page = await _running_job(served)
    page = await signed_in_page(served, "ada@x.org", script=False, **PHONE)
    await page.goto(job_page)
    await expect(page.locator("progress")).to_have_attribute("value", "50")
    await _record(served, state=ImportState.FAILED, reason="the test stopped it")
    await expect(page.get_by_role("alert")).to_contain_text("the test stopped it", timeout=10_000)


async def test_a_file_over_the_limit_is_refused_before_it_is_sent(served: Served) -> None:
    page = await signed_in_page(served, "ada@x.org", **PHONE)
    await page.goto(f"{served.system.runtime.settings.public_url}/admin/contacts/import")
    limit = served.system.runtime.settings.api_body_limit
    await page.get_by_label("CSV file").set_input_files(
        {"name": "huge.csv", "mimeType": "text/csv", "buffer": b"1" * (limit + 1)}
    )
    await expect(page.locator("#file-problem")).to_have_text(
        f"huge.csv is {limit + 1:,} bytes, over the limit of {limit:,}: split it into smaller"
        " files."
    )
    await page.get_by_role("button", name="Upload and look at the columns").click()
    await expect(page).to_have_url(page.url)
    await expect(page.get_by_label("CSV file")).to_have_attribute("aria-invalid", "true")
