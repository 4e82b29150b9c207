"""``POST /surveys/{id}/export-responses`` over HTTP: each option changes the file it names,
in-progress conversations come out unfinished, and what smsurvey cannot do is a 400."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import httpx

from smsurvey.distributions.service import Recipients
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import Harness, harness

ANN, BOB, CAT = "+14155552671", "+14155552672", "+14155552673"


async def export(system: Harness, auth: dict[str, str], **body: Any) -> httpx.Response:
    """The file of an export asked with ``body`` (``compress`` false unless given)."""
    c, survey = system.client, system.survey_id
    started = await call(c, "POST", f"/API/v3/surveys/{survey}/export-responses", auth,
                         json={"compress": False, **body})  # fmt: skip
    progress = await call(
        c, "GET", f"/API/v3/surveys/{survey}/export-responses/{started['progressId']}", auth
    )
    got = await c.get(
        f"/API/v3/surveys/{survey}/export-responses/{progress['fileId']}/file", headers=auth
    )
    assert got.status_code == 200, got.text
    return got


def frame(text: str) -> list[dict[str, str]]:
    """The rows as qualtRics reads them: row 1 the names, rows 2 and 3 skipped."""
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[3:]]


async def answered(system: Harness) -> None:
    """Ann finishes, then (a day later) Cat; Bob stops after his first answer."""
    await system.distribute(
        system.survey_id, Recipients(mailing_list_id=await system.people("P", ANN, BOB, CAT))
    )
    await system.drain()
    for reply in ("10", "2", "Keep it up!"):
        await system.text(ANN, reply)
    await system.text(BOB, "3")
    system.clock.advance(timedelta(days=1))
    for reply in ("9", "1", "Fine"):
        await system.text(CAT, reply)


async def test_recorded_and_in_progress_responses(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        await answered(system)
        recorded = frame((await export(system, auth, format="csv")).text)
        assert [(r["Q1"], r["Finished"], r["Progress"]) for r in recorded] == [
            ("10", "1", "100"),
            ("9", "1", "100"),
        ]
        [bob] = frame((await export(system, auth, format="csv",
                                    exportResponsesInProgress=True)).text)  # fmt: skip
        assert bob["ResponseId"].startswith("FS_")
        assert (bob["Finished"], bob["Q1"], bob["Q1_NPS_GROUP"], bob["Q4"]) == ("0", "3", "1", "")
        assert 0 < int(bob["Progress"]) < 100
        lines = (await export(system, auth, format="ndjson", exportResponsesInProgress="true")).text
        [document] = [json.loads(line) for line in lines.splitlines()]
        assert (document["values"]["finished"], document["values"]["QID1"]) == (0, 3)


async def test_dates_limit_and_columns(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        start = system.clock.now()
        await answered(system)
        later = (start + timedelta(hours=12)).isoformat()
        since = frame((await export(system, auth, format="csv", startDate=later)).text)
        until = frame((await export(system, auth, format="csv", endDate=later)).text)
        assert ([r["Q1"] for r in since], [r["Q1"] for r in until]) == (["9"], ["10"])
        one = frame((await export(system, auth, format="csv", limit=1)).text)
        assert [r["Q1"] for r in one] == ["10"]
        chosen = await export(
            system, auth, format="csv", questionIds=["QID5"], surveyMetadataIds=["_recordId"],
            embeddedDataIds=[], timeZone="America/Denver", useLabels=True,
        )  # fmt: skip
        names, labels, import_ids, *rows = csv.reader(io.StringIO(chosen.text))
        assert names == ["ResponseId", "Q5"]
        assert labels[0] == "Response ID"
        assert labels[1].startswith("Anything else you would like to tell us?")
        assert [row[1] for row in rows] == ["Keep it up!", "Fine"]
        assert import_ids == ['{"ImportId":"_recordId"}', '{"ImportId":"QID5_TEXT"}']
        dated = frame((await export(system, auth, format="csv", timeZone="America/Denver")).text)
        utc = frame((await export(system, auth, format="csv")).text)
        assert (utc[0]["StartDate"], dated[0]["StartDate"]) == (
            start.strftime("%Y-%m-%d %H:%M:%S"),
            (start - timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S"),
        )


async def test_formats_and_compression(database_url: str) -> None:
    async with harness(database_url) as system:
        auth = await token_for(system)
        await answered(system)
        plain = await export(system, auth, format="tsv")
        assert plain.headers["content-type"].startswith("text/tab-separated-values")
        assert 'filename="Customer feedback (NPS).tsv"' in plain.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(plain.content.decode("utf-16")), delimiter="\t"))
        assert rows[0][0] == "StartDate"
        assert len(rows) == 3 + 2
        packed = await export(system, auth, format="ndjson", compress=True)
        assert packed.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(packed.content)) as archive:
            [name] = archive.namelist()
            assert name == "Customer feedback (NPS).ndjson"
            assert len(archive.read(name).decode().splitlines()) == 2
        document = (await export(system, auth, format="json")).json()
        assert [r["values"]["QID1"] for r in document["responses"]] == [10, 9]


async def test_what_cannot_be_done_is_refused(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        url = f"/API/v3/surveys/{system.survey_id}/export-responses"
        refused = {
            "spss": ({"format": "spss"}, "format spss is not supported"),
            "xml": ({"format": "xml"}, "format xml is not supported"),
            "pdf": ({"format": "pdf"}, "format must be csv, tsv, json or ndjson"),
            "zone": ({"format": "csv", "timeZone": "Mars/Olympus"}, "not an IANA time zone"),
            "date": ({"format": "csv", "startDate": "15/01/2024"}, "not an ISO 8601 date-time"),
            "unknown key": ({"format": "csv", "useLabel": True}, "useLabel"),
            "display order": ({"format": "csv", "includeDisplayOrder": True}, "not supported"),
            "label columns": ({"format": "csv", "includeLabelColumns": True}, "not supported"),
            "filter": ({"format": "csv", "filterId": "f"}, "filterId: not supported"),
            "continuation": ({"format": "csv", "continuationToken": "t"}, "continuationToken"),
            "question": ({"format": "csv", "questionIds": ["QID99"]}, "no question QID99"),
            "metadata": ({"format": "csv", "surveyMetadataIds": ["mood"]}, "unknown mood"),
            "limit": ({"format": "csv", "limit": 0}, "limit"),
        }
        for case, (body, message) in refused.items():
            answer = await c.post(url, headers=auth, json=body)
            assert answer.status_code == 400, case
            assert message in answer.json()["meta"]["error"]["errorMessage"], case
        assert (await c.post(url, json={"format": "csv"})).status_code == 401
