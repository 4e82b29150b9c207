"""Surveys and responses over the v3 API: import a definition (YAML or JSON), list, get in
the "Get Survey" shape, deactivate, one response, and the three-step export."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from smsurvey.distributions.service import Recipients
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import EXAMPLE, harness

ANN = "+14155552671"


async def test_import_list_get_and_deactivate(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        yaml_headers = {**auth, "Content-Type": "application/yaml"}
        made = await call(
            c, "POST", "/API/v3/survey-definitions", yaml_headers, content=EXAMPLE.read_bytes()
        )
        survey_id = made["SurveyID"]
        assert made["created"] is True
        assert len(survey_id) == 18

        got = await call(c, "GET", f"/API/v3/surveys/{survey_id}/", auth)
        assert got["name"] == "Customer feedback (NPS)"
        assert got["isActive"] is True
        assert got["questions"]["QID1"]["questionType"] == {
            "type": "MC",
            "selector": "NPS",
            "subSelector": None,
        }
        assert set(got["questions"]["QID1"]["choices"]) == {str(n) for n in range(11)}
        assert got["questions"]["QID2"]["questionType"]["selector"] == "SAVR"
        assert got["questions"]["QID2"]["choices"]["2"]["choiceText"] == "Product quality"
        assert got["exportColumnMap"]["Q1"] == {"question": "QID1"}
        assert got["blocks"]["BL_score"]["elements"] == [{"type": "Question", "questionId": "QID1"}]
        assert {"type": "Block", "id": "BL_score"} in got["flow"]
        assert got["embeddedData"][0]["name"] == "tier"

        exported = await c.get(f"/API/v3/survey-definitions/{survey_id}?format=yaml", headers=auth)
        assert exported.headers["content-type"].startswith("application/yaml")
        assert f"id: {survey_id}" in exported.text
        as_json = await call(
            c, "GET", f"/API/v3/survey-definitions/{survey_id}?format=smsurvey", auth
        )
        renamed = {**as_json, "name": "Renamed"}
        again = await call(
            c, "POST", "/API/v3/survey-definitions", auth, content=json.dumps(renamed)
        )
        assert again == {"SurveyID": survey_id, "created": False}

        listed = await call(c, "GET", "/API/v3/surveys?pageSize=1", auth)
        assert len(listed["elements"]) == 1
        assert listed["nextPage"]
        await call(c, "PUT", f"/API/v3/surveys/{survey_id}", auth, json={"isActive": False})
        summaries = (await call(c, "GET", "/API/v3/surveys", auth))["elements"]
        assert {s["id"]: s["isActive"] for s in summaries}[survey_id] is False

        broken = await c.post(
            "/API/v3/survey-definitions", headers=yaml_headers, content=b"name: [oops"
        )
        assert broken.status_code == 400
        assert "YAML syntax error" in broken.json()["meta"]["error"]["errorMessage"]
        empty = await c.post("/API/v3/survey-definitions", headers=auth, content=b'{"blocks": []}')
        assert empty.status_code == 400
        assert "name" in empty.json()["meta"]["error"]["errorMessage"]


async def test_responses_and_their_export(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        survey = system.survey_id
        await system.distribute(survey, Recipients(mailing_list_id=await system.people("P", ANN)))
        await system.drain()
        for answer in ("10", "2", "Keep it up!"):
            await system.text(ANN, answer)

        started = await call(
            c, "POST", f"/API/v3/surveys/{survey}/export-responses", auth, json={"format": "csv"}
        )
        assert started["progressId"].startswith("ES_")
        progress = await call(
            c, "GET", f"/API/v3/surveys/{survey}/export-responses/{started['progressId']}", auth
        )
        assert (progress["status"], progress["percentComplete"]) == ("complete", 100.0)
        zipped = await c.get(
            f"/API/v3/surveys/{survey}/export-responses/{progress['fileId']}/file", headers=auth
        )
        assert zipped.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
            [name] = archive.namelist()
            assert name == "Customer feedback (NPS).csv"
            table = archive.read(name).decode()
        names, labels, import_ids, row = list(csv.reader(io.StringIO(table)))
        assert (names[-7], import_ids[-7], row[-7]) == ("Q1", '{"ImportId":"QID1"}', "10")
        assert labels[-7].startswith("Hi from Acme! How likely are you to recommend us")
        assert "Keep it up!" in row

        plain = await call(c, "POST", f"/API/v3/surveys/{survey}/export-responses", auth,
                           json={"format": "json", "compress": "false"})  # fmt: skip
        raw = await c.get(
            f"/API/v3/surveys/{survey}/export-responses/{plain['fileId']}/file", headers=auth
        )
        [document] = raw.json()["responses"]
        one = await call(
            c, "GET", f"/API/v3/surveys/{survey}/responses/{document['responseId']}", auth
        )
        assert one["values"]["QID1"] == 10
        assert one["values"]["QID1_NPS_GROUP"] == 3
        assert one["labels"]["QID2"] == "Product quality"
        assert one["values"]["QID5_TEXT"] == "Keep it up!"
        assert "QID1" in one["displayedFields"]

        wrong = await c.post(
            f"/API/v3/surveys/{survey}/export-responses", headers=auth, json={"format": "spss"}
        )
        assert wrong.status_code == 400
        assert "format" in wrong.json()["meta"]["error"]["errorMessage"]
        missing = await c.get(f"/API/v3/surveys/{survey}/responses/R_000000000000000", headers=auth)
        assert missing.status_code == 404
        theirs = await token_for(system, "Other brand")
        for url in (
            f"/API/v3/surveys/{survey}",
            f"/API/v3/surveys/{survey}/responses/{document['responseId']}",
            f"/API/v3/surveys/{survey}/export-responses/{plain['fileId']}",
            f"/API/v3/surveys/{survey}/export-responses/{plain['fileId']}/file",
            f"/API/v3/survey-definitions/{survey}",
        ):
            assert (await c.get(url, headers=theirs)).status_code == 404, url


async def test_an_expiration_date_is_set_kept_and_cleared(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        url = f"/API/v3/surveys/{system.survey_id}"

        async def end_date() -> str | None:
            return (await call(c, "GET", url, auth))["expiration"]["endDate"]

        assert await end_date() is None
        expiring = {"expiration": {"endDate": "2026-06-30T18:00:00Z"}}
        await call(c, "PUT", url, auth, json=expiring)
        assert await end_date() == "2026-06-30T18:00:00Z"
        await call(c, "PUT", url, auth, json={"name": "Renamed", "expiration": {}})
        assert await end_date() == "2026-06-30T18:00:00Z"
        await call(c, "PUT", url, auth, json={"expiration": {"endDate": None}})
        assert await end_date() is None
        unreadable = await c.put(url, headers=auth, json={"expiration": {"endDate": "soon"}})
        assert unreadable.status_code == 400
