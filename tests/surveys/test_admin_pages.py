"""The admin's survey pages through HTTP: the list and the import, a survey as its texts
with its compatibility and status buttons, and its responses with their NPS, charts,
table and exports (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import USER, create_api_token, create_user
from smsurvey.accounts.service import create_organization
from smsurvey.accounts.sign_in import password_setup_link
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import User
from smsurvey.models.responses import Response
from smsurvey.models.surveys import Survey
from smsurvey.surveys.admin_pages import PAGE_SIZE
from tests.messaging.harness import EXAMPLE, Harness, harness
from tests.support import found
from tests.surveys.answers import REPLIES, answer
from tests.web.admin_support import csrf, set_password_and_sign_in, signed_in

INCOMPATIBLE = """\
name: Mixed survey
blocks:
  - id: BL_1
    elements:
      - id: QID1
        type: nps
        label: Q1
        text: "How likely are you to recommend us? 0-10 \U0001f600"
      - id: QID2
        type: matrix
        text: Rate us
        statements: [{id: 1, text: Speed}]
        choices: [{id: 1, text: Good}]
"""


def _section(page: str, question_id: str) -> str:
    """The part of a survey page about one question."""
    return found(rf'(?s)<section class="question" id="q-{question_id}".*?</section>', page)


async def _survey(system: Harness, survey_id: str | None = None) -> Survey:
    [survey] = await system.rows(Survey, Survey.id == (survey_id or system.survey_id))
    return survey


async def test_the_list_shows_our_surveys_and_imports_a_file(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get("/admin/surveys")
        assert page.status_code == 200
        row = found(
            rf"(?s)<tr>\s*<td><a href=\"/admin/surveys/{system.survey_id}\">.*?</tr>", page.text
        )
        assert "Customer feedback (NPS)" in row
        assert "Active" in row
        assert "<td>5</td>" in row  # questions
        assert "<td>Yes</td>" in row  # 2-way SMS
        assert "Surveys</a><p>" in (await browser.get("/admin")).text  # the home page's card

        made = await browser.post(
            "/admin/surveys/import",
            data={"csrf_token": csrf(page)},
            files={"file": ("mixed.yaml", INCOMPATIBLE.encode(), "application/yaml")},
        )
        assert made.status_code == 303, made.text
        survey_id = found(r"(?<=/admin/surveys/)SV_\w+", made.headers["location"])
        shown = await browser.get(made.headers["location"])
        assert "Mixed survey (" in shown.text
        assert "is created. It cannot go by 2-way SMS." in shown.text
        assert survey_id in (await browser.get("/admin/surveys")).text

        document = {"name": "Short", "blocks": [{"id": "B", "elements": [
            {"id": "QID1", "type": "text_entry", "text": "Tell us"}]}]}  # fmt: skip
        as_json = await browser.post(
            "/admin/surveys/import",
            data={"csrf_token": csrf(page)},
            files={"file": ("short.json", json.dumps(document).encode(), "application/json")},
        )
        assert as_json.status_code == 303

        ours = f"id: {system.survey_id}\n" + EXAMPLE.read_text().replace(
            "name: Customer feedback (NPS)", "name: Feedback, edited"
        )
        replaced = await browser.post(
            "/admin/surveys/import", data={"csrf_token": csrf(page)},
            files={"file": ("edited.yml", ours.encode())},
        )  # fmt: skip
        assert replaced.headers["location"] == f"/admin/surveys/{system.survey_id}"
        shown = await browser.get(replaced.headers["location"])
        assert f"Feedback, edited ({system.survey_id}) is replaced." in shown.text
        assert len(await system.rows(Survey)) == 3


async def test_a_qualtrics_export_imports_and_the_message_names_what_was_not_kept(
    database_url: str,
) -> None:
    qsf = Path(__file__).parent / "qsf" / "Survey_Logic_EVERYWHERE.qsf"
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get("/admin/surveys")
        assert 'accept=".qsf,' in page.text
        made = await browser.post(
            "/admin/surveys/import", data={"csrf_token": csrf(page)},
            files={"file": (qsf.name, qsf.read_bytes(), "application/octet-stream")},
        )  # fmt: skip
        assert made.status_code == 303
        shown = await browser.get(made.headers["location"])
        assert "Survey Logic EVERYWHERE (SV_" in shown.text
        assert "It cannot go by 2-way SMS." in shown.text
        assert (
            "Not kept from the file: 12 parts (QID2, QID4, QID5, FL_3, FL_7, FL_8)." in shown.text
        )
        assert len(await system.rows(Survey)) == 2


async def test_a_bad_file_is_refused_naming_where(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get("/admin/surveys")
        token = csrf(page)

        async def upload(name: str, content: bytes) -> httpx.Response:
            return await browser.post(
                "/admin/surveys/import", data={"csrf_token": token},
                files={"file": (name, content, "application/octet-stream")},
            )  # fmt: skip

        syntax = await upload("broken.yaml", b"name: Broken\nblocks: [\n  - id: B\n  x: y\n")
        assert syntax.status_code == 400
        assert "broken.yaml line 3, column 3: YAML syntax error" in syntax.text
        assert 'role="alert"' in syntax.text
        field = await upload("field.yaml", b"name: F\nblocks:\n  - id: B\n    elements:\n"
                                           b"      - {id: QID1, type: nps}\n")  # fmt: skip
        assert field.status_code == 400
        assert "field.yaml: blocks[0].elements[0].text: Field required" in field.text
        bad_json = await upload("bad.json", b'{"name": "x",\n "blocks": [}')
        assert "bad.json line 2, column 13: JSON syntax error" in bad_json.text
        assert "ends in .qsf, .yaml, .yml or .json" in (await upload("survey.txt", b"name: x")).text
        assert "not UTF-8 text" in (await upload("latin.yaml", "name: Café".encode("latin-1"))).text
        assert "choose a survey file" in (await upload("", b"")).text
        assert len(await system.rows(Survey)) == 1  # nothing was imported

        forged = await browser.post(
            "/admin/surveys/import", files={"file": ("mixed.yaml", INCOMPATIBLE.encode())}
        )
        assert forged.status_code == 403
        assert len(await system.rows(Survey)) == 1


async def test_a_survey_shows_as_its_texts_with_its_logic(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get(f"/admin/surveys/{system.survey_id}")
        assert page.status_code == 200
        assert "This survey can go by 2-way SMS" in page.text
        q2 = _section(page.text, "QID2")
        assert "What do you like most about Acme?\n1. Fast delivery\n2. Product quality" in q2
        assert "<strong>Asked only if</strong> Q1 is 9 or more." in q2
        assert "Please reply 1 (Fast delivery), 2 (Product quality)" in q2
        assert "GSM-7</span>" in q2
        assert "1 part" in q2
        assert "1 credit" in q2
        q4 = _section(page.text, "QID4")
        assert "embedded data tier is “gold” or Q1 is 3 or less" in q4
        assert "If Q1 is 6 or less — Detractors (0-6):" in page.text  # the flow in words
        assert "End-of-survey element (if Q1 is 6 or less)" in page.text


async def test_an_incompatible_survey_says_so_at_the_top_and_beside_each_question(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        page = await browser.get("/admin/surveys")
        made = await browser.post(
            "/admin/surveys/import", data={"csrf_token": csrf(page)},
            files={"file": ("mixed.yaml", INCOMPATIBLE.encode())},
        )  # fmt: skip
        shown = await browser.get(made.headers["location"])
        alert = found(r'(?s)<div class="error incompatible" role="alert">.*?</div>', shown.text)
        assert "This survey cannot go by 2-way SMS" in alert
        assert '<a href="#q-QID2">QID2</a>: matrix questions cannot be sent by SMS' in alert
        q1 = _section(shown.text, "QID1")
        assert '<mark class="ucs2" title="Forces UCS-2">\U0001f600</mark>' in q1
        assert "UCS-2</span>" in q1
        assert "U+1F600 GRINNING FACE" in q1
        assert "goes as UCS-2 (70 characters a part) because of" in q1  # the warning, beside it
        q2 = _section(shown.text, "QID2")
        assert "<strong>Error:</strong> matrix questions cannot be sent by SMS" in q2
        assert "Not sent by SMS." in q2


async def test_pause_activate_and_close_change_the_status(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        base = f"/admin/surveys/{system.survey_id}"
        page = await browser.get(base)
        token = csrf(page)

        forged = await browser.post(f"{base}/pause")
        assert forged.status_code == 403
        assert (await _survey(system)).is_active

        paused = await browser.post(f"{base}/pause", data={"csrf_token": token})
        assert paused.status_code == 303
        assert not (await _survey(system)).is_active
        shown = await browser.get(base)
        assert "Customer feedback (NPS) is paused." in shown.text
        assert 'status-paused">Paused' in shown.text
        assert f'action="{base}/activate"' in shown.text

        assert (
            await browser.post(f"{base}/activate", data={"csrf_token": token})
        ).status_code == 303
        assert (await _survey(system)).is_active

        unconfirmed = await browser.post(f"{base}/close", data={"csrf_token": token})
        assert unconfirmed.status_code == 400
        assert "to close the survey" in unconfirmed.text
        assert (await _survey(system)).closed_at is None

        closed = await browser.post(f"{base}/close", data={"csrf_token": token, "confirm": "true"})
        assert closed.status_code == 303
        assert (await _survey(system)).closed_at == system.clock.now()
        shown = await browser.get(base)
        assert "Closed on 2026-03-02 09:00 UTC" in shown.text
        assert f'action="{base}/activate"' not in shown.text
        again = await browser.post(f"{base}/activate", data={"csrf_token": token})
        assert again.status_code == 409
        assert "cannot be activated again" in again.text


async def test_a_user_without_roles_may_use_the_pages_as_the_api_lets_them(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system, role=USER, sms=False) as browser:
        base = f"/admin/surveys/{system.survey_id}"
        assert (await browser.get("/admin/surveys")).status_code == 200
        page = await browser.get(base)
        assert page.status_code == 200
        assert (await browser.get(f"{base}/responses")).status_code == 200
        assert (
            await browser.post(f"{base}/pause", data={"csrf_token": csrf(page)})
        ).status_code == 303


async def _stranger(system: Harness, browser: httpx.AsyncClient) -> None:
    """Sign ``browser`` in as a user of another organisation."""
    async with unit_of_work(system.runtime.engine) as session:
        other = await create_organization(session, "Other brand", system.clock)
        eve = await create_user(
            session, other, "eve@example.org", system.clock.now(), email="eve@example.org"
        )
        setup = await password_setup_link(session, eve, system.clock.now())
    await set_password_and_sign_in(browser, setup, "eve@example.org")


async def test_another_organisation_sees_none_of_our_surveys(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as browser:
        await _stranger(system, browser)
        page = await browser.get("/admin/surveys")
        assert system.survey_id not in page.text
        base = f"/admin/surveys/{system.survey_id}"
        for path in (base, f"{base}/responses", f"{base}/responses/export?format=csv"):
            answer = await browser.get(path)
            assert answer.status_code == 404, path
            assert "Customer feedback" not in answer.text
        for action in ("pause", "activate", "close"):
            answer = await browser.post(
                f"{base}/{action}", data={"csrf_token": csrf(page), "confirm": "true"}
            )
            assert answer.status_code == 404
        survey = await _survey(system)
        assert (survey.is_active, survey.closed_at) == (True, None)


NEXT_DAY = {"+14155550105": ("0", "2", "Bad")}


async def test_the_responses_page_shows_the_nps_its_trend_and_each_question(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        await answer(system, "Monday", REPLIES)
        await system.advance(timedelta(days=1))
        await answer(system, "Tuesday", NEXT_DAY)
        assert len(await system.rows(Response)) == 5
        async with signed_in(system) as browser:
            page = await browser.get(f"/admin/surveys/{system.survey_id}/responses")
            assert page.status_code == 200
            assert "5 finished" in page.text
            nps = found(
                r'(?s)<section class="summary" aria-labelledby="s-QID1">.*?</section>', page.text
            )
            assert "NPS <strong>0</strong>" in nps  # 40 % promoters − 40 % detractors
            assert '<th scope="row">Promoters</th><td>9–10</td><td>2</td><td>40.0%</td>' in nps
            assert '<th scope="row">Passives</th><td>7–8</td><td>1</td><td>20.0%</td>' in nps
            assert '<th scope="row">Detractors</th><td>0–6</td><td>2</td><td>40.0%</td>' in nps
            trend = found(r"(?s)<svg[^>]*aria-labelledby=\"chart-q1--nps-by-day.*?</svg>", nps)
            points = re.findall(r'r="4"></circle><text[^>]*>(-?[\d.]+)</text>', trend)
            assert points == ["25", "-100"]  # Monday (2 promoters, 1 passive, 1 detractor), Tuesday
            assert ">02 Mar</text>" in trend
            assert ">03 Mar</text>" in trend

            choices = found(r'(?s)aria-labelledby="s-QID2">.*?</section>', page.text)
            assert re.search(r">Fast delivery</text>.*?>1</text>", choices)
            assert re.search(r">Product quality</text>.*?>1</text>", choices)
            comments = found(r'(?s)aria-labelledby="s-QID5">.*?</section>', page.text)
            assert comments.index("<q>Bad</q>") < comments.index("<q>Love it</q>")  # latest first

            table = found(r'(?s)<table class="responses">.*?</table>', page.text)
            assert table.count("<tr>") == 6  # the header and five responses
            assert "+14155550105" in table
            assert "<td>Product quality</td>" in table
            assert "<td>Late again</td>" in table


async def test_exports_are_those_of_the_api(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        await answer(system, "Monday", dict(list(REPLIES.items())[:2]))
        base = f"/admin/surveys/{system.survey_id}/responses/export"
        as_csv = await browser.get(f"{base}?format=csv")
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert "Customer feedback (NPS).csv" in as_csv.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert sorted(row["QID1"] for row in rows) == ["10", "9"]
        as_json = await browser.get(f"{base}?format=json")
        assert len(as_json.json()["responses"]) == 2

        async with unit_of_work(system.runtime.engine) as session:
            [ada] = await system.rows(User, User.email == "ada@example.org")
            _, secret = await create_api_token(session, ada, system.clock.now())
        api = {"X-API-TOKEN": secret}
        started = await system.client.post(
            f"/API/v3/surveys/{system.survey_id}/export-responses",
            json={"format": "csv", "compress": False, "exportResponsesInProgress": True},
            headers=api,
        )
        file_id = started.json()["result"]["fileId"]
        from_api = await system.client.get(
            f"/API/v3/surveys/{system.survey_id}/export-responses/{file_id}/file", headers=api
        )
        assert from_api.text == as_csv.text


async def _stored(session: AsyncSession, system: Harness, count: int) -> None:
    for n in range(count):
        at = system.clock.now() + timedelta(minutes=n)
        session.add(
            Response(
                id=new_id("R"), organization_id=system.organization.id,
                survey_id=system.survey_id, channel="sms", finished=n % 5 != 0,
                values={"QID1": n % 11}, labels={}, embedded_data={},
                recipient={"phone": f"+1415555{n:04d}"}, started_at=at, ended_at=at,
            )
        )  # fmt: skip


async def test_the_table_is_paged_latest_first(database_url: str) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        async with unit_of_work(system.runtime.engine) as session:
            await _stored(session, system, PAGE_SIZE + 5)
        base = f"/admin/surveys/{system.survey_id}/responses"
        first = await browser.get(base)
        assert "44 finished, 11 partial" in first.text
        table = found(r'(?s)<table class="responses">.*?</table>', first.text)
        assert table.count("<tr>") == PAGE_SIZE + 1
        assert table.index(f"+1415555{PAGE_SIZE + 4:04d}") < table.index(f"+1415555{PAGE_SIZE:04d}")
        assert "Page 1 of 2" in first.text
        assert 'href="?page=2" rel="next"' in first.text
        second = await browser.get(f"{base}?page=2")
        table = found(r'(?s)<table class="responses">.*?</table>', second.text)
        assert table.count("<tr>") == 6
        assert "+14155550000" in table
        assert (await browser.get(f"{base}?page=0")).status_code == 400
