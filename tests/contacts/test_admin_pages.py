"""The contacts admin pages through HTTP: directories and lists, the search, a list's
members, a contact with its opt-outs, and a CSV import from upload to error report
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from smsurvey.accounts.access import USER
from smsurvey.accounts.service import create_organization
from smsurvey.contacts import import_jobs
from smsurvey.contacts.import_jobs import STALE_AFTER, ImportState, Progress
from smsurvey.contacts.importer import CHUNK_ROWS
from smsurvey.contacts.service import (
    ContactFields,
    create_transaction,
    default_directory,
    get_contact,
    mailing_list_named,
    upsert_contact,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.ids import new_id
from smsurvey.models.contacts import Contact, ContactImportJob, MailingList, OptOutEvent
from tests.messaging.harness import Harness, harness
from tests.support import found
from tests.web.admin_support import csrf, signed_in

ADA = ContactFields(
    first_name="Ada", last_name="Lovelace", phone="+14155552671", email="ada@example.org",
    embedded_data={"Store": "12"},
)  # fmt: skip
GRACE = ContactFields(first_name="Grace", last_name="Hopper", phone="+447911123456")

# Good rows in several phone formats, bad numbers, and a messy file: a byte-order mark,
# semicolons, quoted fields holding the delimiter, stray spaces, a blank line, a short row.
MESSY_CSV = (
    "\ufeffFirst Name ; Last Name;Mobile;Email;Store\r\n"
    'Ann;Lee;(415) 555-2671;ann@example.org;"North; main"\r\n'
    "Bob;Ray; +1 415 555 2672 ;not-an-email;South\r\n"
    "\r\n"
    "Cy;Day;415-555-2673;;East\r\n"
    "Dee;Fox;12;;West\r\n"
    "Eve;Gil;=2+5;;West\r\n"
    "Fay;Hu;;;West\r\n"
    "Gus;Ivy\r\n"
    "Hal;Jo;+44 7911 123456;hal@example.org;South\r\n"
)


async def other_organization_records(system: Harness) -> dict[str, str]:
    """A contact, a list and an import job of another organisation."""
    async with unit_of_work(system.runtime.engine) as session:
        other = await create_organization(session, "Rival", clock=system.clock)
        directory = await default_directory(session, other, system.clock)
        mailing_list, _ = await mailing_list_named(session, directory, "Theirs", system.clock)
        contact, _ = await upsert_contact(session, directory, GRACE, clock=system.clock)
        job = ContactImportJob(
            id=new_id("CIM"), organization_id=other.id, file_name="theirs.csv", size=1,
            content=b"Phone\n", state=ImportState.DONE, bytes_read=1, rows_read=1,
            rows_rejected=1, report="row\n", created_at=system.clock.now(),
        )  # fmt: skip
        session.add(job)
    return {"contact": contact.id, "list": mailing_list.id, "job": job.id}


async def upload(browser: httpx.AsyncClient, text: str, name: str = "people.csv") -> str:
    """Upload ``text`` as a CSV; the address of its import's page."""
    form = await browser.get("/admin/contacts/import")
    sent = await browser.post(
        "/admin/contacts/import",
        data={"csrf_token": csrf(form)},
        files={"file": (name, text.encode(), "text/csv")},
    )
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


async def status_when_ended(browser: httpx.AsyncClient, job_page: str) -> list[dict[str, Any]]:
    """Poll the import's status route until it is no longer running; every answer."""
    answers = []
    for _ in range(500):
        answer = await browser.get(f"{job_page}/status")
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
        if answers[-1]["state"] != "running":
            return answers
        await asyncio.sleep(0.02)
    raise AssertionError(f"the import is still running: {answers[-1]}")


async def start_import(browser: httpx.AsyncClient, job_page: str, **choices: str) -> httpx.Response:
    page = await browser.get(job_page)
    assert page.status_code == 200, page.text
    fields = {"phone_column": "Mobile", "list_name": "Spring", "region": "US"} | choices
    directory = found(r'(?<=name="directory" value=")POOL_\w+', page.text)
    return await browser.post(
        job_page, data={"csrf_token": csrf(page), "directory": directory, **fields}
    )


def report_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_the_contacts_page_shows_directories_lists_and_finds_contacts(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        await system.contacts("Customers", ADA, GRACE)
        await system.contacts("Empty")
        page = await browser.get("/admin/contacts")
        assert page.status_code == 200, page.text
        assert "Default directory" in page.text
        assert found(r"Customers</a></td>\s*<td>2</td>", page.text)
        assert "Empty</a></td>\n        <td>0</td>" in page.text

        by_name = await browser.get("/admin/contacts", params={"q": "ada love"})
        assert "Ada Lovelace" in by_name.text
        assert "Grace Hopper" not in by_name.text
        by_phone = await browser.get("/admin/contacts", params={"q": "(415) 555-2671"})
        assert "Ada Lovelace" in by_phone.text
        assert "Grace" not in by_phone.text
        by_email = await browser.get("/admin/contacts", params={"q": "EXAMPLE.org"})
        assert "Ada Lovelace" in by_email.text
        nobody = await browser.get("/admin/contacts", params={"q": "Turing"})
        assert "No contact matches." in nobody.text
        home = await browser.get("/admin")
        assert 'href="/admin/contacts">Contacts</a><p>' in home.text


async def test_search_results_and_members_come_a_page_at_a_time(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        people = [ContactFields(first_name=f"Pat{i}", phone=f"+1415555{i:04}") for i in range(55)]
        list_id = await system.contacts("Many", *people)
        first = await browser.get("/admin/contacts", params={"q": "pat"})
        assert first.text.count('<td><a href="/admin/contacts/CID_') == 50
        assert "1–50" in first.text
        assert 'rel="next"' in first.text
        second = await browser.get("/admin/contacts?q=pat&offset=50")
        assert second.text.count('<td><a href="/admin/contacts/CID_') == 5
        assert 'rel="prev"' in second.text
        assert 'rel="next"' not in second.text
        members = await browser.get(f"/admin/contacts/lists/{list_id}?offset=50")
        assert members.text.count("Remove</button>") == 5
        assert "55 contacts" in members.text
        deep = await browser.get("/admin/contacts", params={"q": "pat", "offset": 10_000})
        assert deep.status_code == 400


async def test_a_mailing_list_is_made_and_a_taken_name_is_refused(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get("/admin/contacts")
        made = await browser.post(
            "/admin/contacts/lists", data={"csrf_token": csrf(page), "name": "VIPs"}
        )
        assert made.status_code == 303
        shown = await browser.get(made.headers["location"])
        assert "<h1>VIPs</h1>" in shown.text
        assert "Mailing list VIPs is made." in shown.text
        again = await browser.post(
            "/admin/contacts/lists", data={"csrf_token": csrf(page), "name": " VIPs "}
        )
        assert again.status_code == 409
        assert "a mailing list called &#39;VIPs&#39; exists" in again.text


async def test_contacts_are_added_by_hand_and_taken_out_of_a_list(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        list_id = await system.contacts("Customers")
        page = await browser.get(f"/admin/contacts/lists/{list_id}")
        token = csrf(page)
        added = await browser.post(
            f"/admin/contacts/lists/{list_id}/members",
            data={"csrf_token": token, "phone": "(415) 555-2671", "region": "us",
                  "first_name": "Ada", "email": "ada@example.org", "language": "EN",
                  "embedded": "Store = 12\n\nTier=gold"},
        )  # fmt: skip
        assert added.status_code == 303, added.text
        shown = await browser.get(added.headers["location"])
        assert "Ada is added to the list." in shown.text
        [contact] = await system.rows(Contact)
        assert (contact.phone, contact.language) == ("+14155552671", "EN")
        assert contact.embedded_data == {"Store": "12", "Tier": "gold"}

        bad_phone = await browser.post(
            f"/admin/contacts/lists/{list_id}/members",
            data={"csrf_token": token, "phone": "12", "first_name": "Bo"},
        )
        assert bad_phone.status_code == 400
        assert "phone: &#39;12&#39; is refused" in bad_phone.text
        assert 'value="Bo"' in bad_phone.text  # what was typed stays
        for data, message in (
            ({"first_name": "Cy", "embedded": "no equals"}, "embedded data, line 1: write it as"),
            ({"phone": "4155552672", "region": "XX"}, "region: unknown region code"),
            ({"language": "EN"}, "a contact needs at least a phone number, a name or an email"),
        ):
            refused = await browser.post(
                f"/admin/contacts/lists/{list_id}/members", data={"csrf_token": token} | data
            )
            assert refused.status_code == 400
            assert message in refused.text
        assert len(await system.rows(Contact)) == 1

        removed = await browser.post(
            f"/admin/contacts/lists/{list_id}/members/{contact.id}/remove",
            data={"csrf_token": token},
        )
        assert removed.status_code == 303
        after = await browser.get(f"/admin/contacts/lists/{list_id}")
        assert "Ada is out of the list." in after.text
        assert "0 contacts" in after.text
        twice = await browser.post(
            f"/admin/contacts/lists/{list_id}/members/{contact.id}/remove",
            data={"csrf_token": token},
        )
        assert twice.status_code == 404


async def test_a_contact_page_shows_everything_and_opts_out_and_back_in(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        await system.contacts("Customers", ADA)
        [contact] = await system.rows(Contact)
        async with unit_of_work(system.runtime.engine) as session:
            stored = await get_contact(session, system.organization, contact.id)
            await create_transaction(session, stored, {"Order": "A-77"}, clock=system.clock)
        page = await browser.get(f"/admin/contacts/{contact.id}")
        assert page.status_code == 200
        for shown in ("Ada Lovelace", "+14155552671", "ada@example.org", "Store", "12",
                      "Customers</a>", "Order: A-77", "No change yet."):  # fmt: skip
            assert shown in page.text
        out = await browser.post(
            f"/admin/contacts/{contact.id}/opt-out",
            data={"csrf_token": csrf(page), "reason": "asked by email"},
        )
        assert out.status_code == 303
        after = await browser.get(f"/admin/contacts/{contact.id}")
        assert "Ada Lovelace is opted out of SMS." in after.text
        assert "Admin page</td>\n      <td>asked by email</td>" in after.text
        back = await browser.post(
            f"/admin/contacts/{contact.id}/opt-in",
            data={"csrf_token": csrf(after), "reason": "asked again"},
        )
        assert back.status_code == 303
        [first, second] = await system.rows(OptOutEvent)
        assert (first.opted_out, first.source, first.detail) == (True, "admin", "asked by email")
        assert (second.opted_out, second.detail) == (False, "asked again")
        again = await browser.post(
            f"/admin/contacts/{contact.id}/opt-in", data={"csrf_token": csrf(after)}
        )
        shown = await browser.get(again.headers["location"])
        assert "was already opted back into SMS; nothing changed" in shown.text


async def test_a_csv_is_imported_with_progress_and_an_error_report(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        job_page = await upload(browser, MESSY_CSV, "spring people.csv")
        preview = await browser.get(job_page)
        assert preview.status_code == 200
        assert "separated by semicolons" in preview.text
        for column in ("First Name", "Last Name", "Mobile", "Store"):
            assert f'<th scope="col">{column}</th>' in preview.text
        assert "<td>North; main</td>" in preview.text  # a quoted delimiter stays in its field
        assert '<option value="Mobile" selected>' in preview.text  # guessed from its name

        started = await start_import(browser, job_page)
        assert started.status_code == 303
        answers = await status_when_ended(browser, job_page)
        final = answers[-1]
        assert final == {
            "state": "done", "percent": 100, "size": len(MESSY_CSV.encode()),
            "bytesRead": len(MESSY_CSV.encode()), "rowsRead": 8, "rowsImported": 4,
            "rowsRejected": 4, "reason": None,
        }  # fmt: skip

        done = await browser.get(job_page)
        assert "Imported into" in done.text
        assert "Spring</a> (a new list)" in done.text
        assert '<th scope="row">Rows rejected</th><td>4</td>' in done.text
        again = await browser.post(
            job_page, data={"csrf_token": csrf(done), "phone_column": "Mobile",
                            "list_name": "Again", "directory": "POOL_x"},
        )  # fmt: skip
        assert again.status_code == 303  # a second click starts nothing
        assert await system.rows(MailingList, MailingList.name == "Again") == []
        report = await browser.get(f"{job_page}/errors.csv")
        assert report.status_code == 200
        assert report.headers["content-type"] == "text/csv; charset=utf-8"
        assert 'filename="spring people.errors.csv"' in report.headers["content-disposition"]
        rows = report_rows(report.text)
        assert rows[0] == ["row", "column", "value", "problem", "action"]
        by_row = {int(row[0]): row for row in rows[1:]}
        assert by_row[3][1:3] == ["Email", "not-an-email"]
        assert by_row[3][4] == "value ignored"
        assert by_row[6][1:3] == ["Mobile", "12"]
        assert by_row[7][1:3] == ["Mobile", "'=2+5"]  # never run as a formula
        assert by_row[8][1:4] == ["Mobile", "", "no phone number"]
        assert "has 2 fields, the header has 5" in by_row[9][3]
        assert all(by_row[n][4] == "row skipped" for n in (6, 7, 8, 9))
        [spring] = await system.rows(MailingList, MailingList.name == "Spring")
        phones = {c.phone: c for c in await system.rows(Contact)}
        assert set(phones) == {"+14155552671", "+14155552672", "+14155552673", "+447911123456"}
        assert phones["+14155552671"].embedded_data == {"Store": "North; main"}
        members = await browser.get(f"/admin/contacts/lists/{spring.id}")
        assert "4 contacts" in members.text


async def test_a_large_import_reports_its_progress_chunk_by_chunk(database_url: str) -> None:
    rows = CHUNK_ROWS * 2 + 100
    text = "Phone,Name\n" + "".join(f"+447911{i:06},P{i}\n" for i in range(rows))
    async with harness(database_url) as system, signed_in(system) as browser:
        job_page = await upload(browser, text)
        assert (await start_import(browser, job_page, phone_column="Phone")).status_code == 303
        answers = await status_when_ended(browser, job_page)
        read = [answer["rowsRead"] for answer in answers]
        assert read == sorted(read)
        final = answers[-1]
        assert final == final | {"state": "done", "rowsRead": rows, "rowsImported": rows}
        [spring] = await system.rows(MailingList, MailingList.name == "Spring")
        members = await browser.get(f"/admin/contacts/lists/{spring.id}")
        assert f"{rows:,} contacts" in members.text


async def test_figures_are_recorded_only_while_the_job_is_this_process_s(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        now = system.clock.now()
        async with unit_of_work(system.runtime.engine) as session:
            for job_id, runner in (
                ("CIM_mine", import_jobs.runner_name()), ("CIM_theirs", "elsewhere:1:abc"),
            ):  # fmt: skip
                session.add(
                    ContactImportJob(
                        id=job_id, organization_id=system.organization.id, file_name="a.csv",
                        size=100, state=ImportState.RUNNING, bytes_read=0, rows_read=0,
                        rows_rejected=0, runner=runner, created_at=now, heartbeat_at=now,
                    )
                )  # fmt: skip
        progress = Progress(ImportState.RUNNING, 100, bytes_read=60, rows_read=7, rows_rejected=2)
        later = now + timedelta(seconds=5)
        engine = system.runtime.engine
        assert await import_jobs.record_progress(engine, "CIM_mine", progress, later)
        assert not await import_jobs.record_progress(engine, "CIM_theirs", progress, later)
        jobs = {job.id: job for job in await system.rows(ContactImportJob)}
        mine, theirs = jobs["CIM_mine"], jobs["CIM_theirs"]
        assert (mine.bytes_read, mine.rows_read, mine.rows_rejected) == (60, 7, 2)
        assert mine.heartbeat_at == later
        assert (theirs.rows_read, theirs.heartbeat_at) == (0, now)


async def test_an_import_with_nothing_good_fails_and_leaves_no_list(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        job_page = await upload(browser, "Phone,Name\n12,Ann\nnope,Bob\n")
        assert (await start_import(browser, job_page, phone_column="Phone")).status_code == 303
        [final] = (await status_when_ended(browser, job_page))[-1:]
        assert final["state"] == "failed"
        assert final["reason"].startswith("no contact imported from people.csv: all 2 rows")
        page = await browser.get(job_page)
        assert "The import failed, so nothing was imported" in page.text
        rows = report_rows((await browser.get(f"{job_page}/errors.csv")).text)
        assert [row[:3] for row in rows[1:]] == [["2", "Phone", "12"], ["3", "Phone", "nope"]]
        assert await system.rows(MailingList, MailingList.name == "Spring") == []
        assert await system.rows(Contact) == []


async def test_a_bad_file_or_bad_choices_are_told_on_the_page(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        form = await browser.get("/admin/contacts/import")
        for content, message in (
            ("Name,Phone\nAnn,+14155552671\n".encode("utf-16"), "is UTF-16, not UTF-8"),
            (b"Name,Phone\n\xff\xfe\n", "is not UTF-8"),
            (b"", "the one sent is empty"),
        ):
            refused = await browser.post(
                "/admin/contacts/import",
                data={"csrf_token": csrf(form)},
                files={"file": ("bad.csv", content, "text/csv")},
            )
            assert refused.status_code == 400
            assert message in refused.text
        job_page = await upload(browser, "Name,Phone\nAnn,+14155552671\n")
        for choices, message in (
            ({"phone_column": "Fax"}, "choose the phone column among the file"),
            ({"phone_column": "Phone", "region": "XX"}, "region: unknown region code"),
            ({"phone_column": "Phone", "list_name": "  "}, "name the mailing list"),
        ):
            refused = await start_import(browser, job_page, **choices)
            assert refused.status_code == 400
            assert message in refused.text
        [job] = await system.rows(ContactImportJob)
        assert job.state == ImportState.UPLOADED


async def test_an_upload_over_the_body_limit_is_refused_with_the_limit(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        limit = system.runtime.settings.api_body_limit
        form = await browser.get("/admin/contacts/import")
        assert f"at most {limit:,} bytes" in form.text
        refused = await browser.post(
            "/admin/contacts/import",
            data={"csrf_token": csrf(form)},
            files={"file": ("big.csv", b"Phone\n" + b"1" * limit, "text/csv")},
        )
        assert refused.status_code == 413
        assert refused.headers["content-type"].startswith("text/html")
        assert f"the request body is over the limit of {limit:,} bytes" in refused.text
        assert await system.rows(ContactImportJob) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_an_import_left_running_by_a_stopped_server_is_failed(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        now = system.clock.now()
        host = import_jobs.runner_name().partition(":")[0]
        runners = {
            "restarted": f"{host}:{_dead_pid()}:gone",
            "reborn": f"{host}:{os.getpid()}:an-earlier-life",
            "silent": "elsewhere:1:abc",
            "busy": "elsewhere:2:abc",
        }
        async with unit_of_work(system.runtime.engine) as session:
            for name, runner in runners.items():
                session.add(
                    ContactImportJob(
                        id=f"CIM_{name}", organization_id=system.organization.id,
                        file_name=f"{name}.csv", size=100, content=b"Phone\n",
                        state=ImportState.RUNNING, bytes_read=50, rows_read=10,
                        rows_rejected=0, runner=runner, created_at=now, started_at=now,
                        heartbeat_at=now - (STALE_AFTER if name == "silent" else timedelta()),
                    )
                )  # fmt: skip
        for name in ("restarted", "reborn"):
            stopped = await browser.get(f"/admin/contacts/imports/CIM_{name}/status")
            assert stopped.json()["state"] == "failed"
            assert stopped.json()["reason"] == import_jobs.STOPPED
        page = await browser.get("/admin/contacts/imports/CIM_silent")
        assert "the server stopped during the import (it restarted or crashed)" in page.text
        busy = await browser.get("/admin/contacts/imports/CIM_busy")
        assert "<progress" in busy.text
        assert 'value="50"' in busy.text
        assert '<meta http-equiv="refresh" content="2">' in busy.text
        system.clock.advance(STALE_AFTER)
        busy = await browser.get("/admin/contacts/imports/CIM_busy/status")
        assert busy.json()["state"] == "failed"
        async with unit_of_work(system.runtime.engine) as session:
            contents = await session.scalars(select(ContactImportJob.content))
            assert list(contents) == [None] * 4


async def test_another_organisations_ids_are_not_found(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        theirs = await other_organization_records(system)
        page = await browser.get("/admin/contacts")
        token = csrf(page)
        contact, list_id, job = theirs["contact"], theirs["list"], theirs["job"]
        for path in (f"/admin/contacts/{contact}", f"/admin/contacts/lists/{list_id}",
                     f"/admin/contacts/imports/{job}", f"/admin/contacts/imports/{job}/status",
                     f"/admin/contacts/imports/{job}/errors.csv"):  # fmt: skip
            assert (await browser.get(path)).status_code == 404, path
        for path in (f"/admin/contacts/{contact}/opt-out", f"/admin/contacts/{contact}/opt-in",
                     f"/admin/contacts/lists/{list_id}/members",
                     f"/admin/contacts/imports/{job}"):  # fmt: skip
            answer = await browser.post(
                path, data={"csrf_token": token, "phone_column": "P", "list_name": "L",
                            "directory": "D", "phone": "+14155550000"},
            )  # fmt: skip
            assert answer.status_code == 404, path
        mine = await system.contacts("Mine", ADA)
        removed = await browser.post(
            f"/admin/contacts/lists/{mine}/members/{contact}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 404
        [grace] = await system.rows(Contact, Contact.phone == GRACE.phone)
        assert not grace.opted_out


async def test_forms_without_their_csrf_token_are_refused(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        list_id = await system.contacts("Customers", ADA)
        [contact] = await system.rows(Contact)
        job_page = await upload(browser, "Phone\n+14155552672\n")
        for path, data in (
            ("/admin/contacts/lists", {"name": "X"}),
            (f"/admin/contacts/lists/{list_id}/members", {"phone": "+14155550000"}),
            (f"/admin/contacts/lists/{list_id}/members/{contact.id}/remove", {}),
            (f"/admin/contacts/{contact.id}/opt-out", {}),
            (f"/admin/contacts/{contact.id}/opt-in", {}),
            (job_page, {"phone_column": "Phone", "list_name": "L", "directory": "D"}),
        ):
            refused = await browser.post(path, data=data)
            assert refused.status_code == 403, path
            assert "this form has expired" in refused.text
        no_token = await browser.post(
            "/admin/contacts/import", files={"file": ("a.csv", b"Phone\n1\n", "text/csv")}
        )
        assert no_token.status_code == 403
        assert len(await system.rows(MailingList)) == 1
        assert len(await system.rows(ContactImportJob)) == 1
        [contact] = await system.rows(Contact)
        assert not contact.opted_out


async def test_a_plain_user_may_use_the_contacts_pages_as_the_api_lets_them(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        async with system.browser() as stranger:
            away = await stranger.get("/admin/contacts")
            assert away.headers["location"] == "/admin/sign-in?next=/admin/contacts"
        async with signed_in(system, "bo@example.org", role=USER, sms=False) as browser:
            list_id = await system.contacts("Customers", ADA)
            for path in ("/admin/contacts", f"/admin/contacts/lists/{list_id}",
                         "/admin/contacts/import"):  # fmt: skip
                assert (await browser.get(path)).status_code == 200, path
