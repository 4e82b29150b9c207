"""Qualtrics' Import Survey call over real HTTP: ``POST /API/v3/surveys`` with a ``.qsf`` as
multipart ``file`` and a ``name``."""

from __future__ import annotations

import json
from pathlib import Path

from smsurvey.models.surveys import Survey
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness

QSF = Path(__file__).parent / "qsf"
MANY = (QSF / "Many_Different_Question_Types.qsf").read_bytes()


def upload(content: bytes, name: str = "survey.qsf") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, content, "application/octet-stream")}


async def test_import_survey_creates_it_under_the_name_and_lists_what_was_not_kept(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        made = await call(
            c, "POST", "/API/v3/surveys", auth, files=upload(MANY), data={"name": "  Fruit  "}
        )
        survey_id = made["id"]
        assert survey_id.startswith("SV_")
        assert len(survey_id) == 18
        assert {"element": "QID4", "reason": "SBS/SBSMatrix questions cannot be asked here:"
                " kept as unsupported"} in made["dropped"]  # fmt: skip
        assert made["dropped"][0] == {
            "element": "BL_bBkDRM5JcadHiyV",
            "reason": "the trash block (20 elements) is not imported",
        }
        assert {"element": "QID20", "reason": "HTML removed from the question text, choice 3"} in (
            made["warnings"]
        )

        got = await call(c, "GET", f"/API/v3/surveys/{survey_id}", auth)
        assert got["name"] == "Fruit"
        assert len(got["questions"]) == 32
        assert got["exportColumnMap"]["fruits"] == {"question": "QID1"}
        definition = await call(
            c, "GET", f"/API/v3/survey-definitions/{survey_id}?format=smsurvey", auth
        )
        assert definition["name"] == "Fruit"
        assert definition["blocks"][0]["id"] == "BL_9SQ6Rw9e0cyuQsJ"

        other = await token_for(system, "Someone else")
        hidden = await c.get(f"/API/v3/surveys/{survey_id}", headers=other)
        assert hidden.status_code == 404


async def test_refusals_store_nothing(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        before = len(await system.rows(Survey))
        no_type = json.loads(MANY)
        sq = next(i for i, e in enumerate(no_type["SurveyElements"]) if e["Element"] == "SQ")
        del no_type["SurveyElements"][sq]["Payload"]["QuestionType"]
        qid = no_type["SurveyElements"][sq]["PrimaryAttribute"]
        cases = [
            (upload(b'{"SurveyEntry": '), {"name": "x"}, "file line 1, column 17: JSON syntax"),
            (upload(b'{"name": "ours"}'), {"name": "x"}, "file: no SurveyEntry"),
            (upload(json.dumps(no_type).encode()), {"name": "x"},
             f"file: SurveyElements[{sq}] (SQ {qid}): no QuestionType"),
            (upload(b"\xff\xfe"), {"name": "x"}, "file: not UTF-8 text"),
            (upload(MANY), {"name": "   "}, "name: a survey needs a name"),
            (upload(MANY), {}, "name"),
            ({}, {"name": "x"}, "file"),
        ]  # fmt: skip
        for files, data, message in cases:
            answer = await c.post("/API/v3/surveys", headers=auth, files=files, data=data)
            assert answer.status_code == 400, answer.text
            meta = answer.json()["meta"]
            assert meta["httpStatus"] == "400 - Bad Request"
            assert message in meta["error"]["errorMessage"]
        assert len(await system.rows(Survey)) == before


async def test_no_credential_and_an_oversized_file(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        before = len(await system.rows(Survey))
        anonymous = await c.post("/API/v3/surveys", files=upload(MANY), data={"name": "x"})
        assert anonymous.status_code == 401
        limit = system.runtime.settings.api_body_limit
        big = await c.post(
            "/API/v3/surveys", headers=auth, files=upload(b" " * limit + MANY), data={"name": "x"}
        )
        assert big.status_code == 413
        assert big.json()["meta"]["error"]["errorMessage"] == (
            f"the request body is over the limit of {limit:,} bytes"
        )
        assert len(await system.rows(Survey)) == before
