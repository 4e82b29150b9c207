"""The survey-definition API in Qualtrics' shape: create (Qualtrics' body, a QSF, our JSON),
get (Qualtrics' definition, QSF, our document), delete, flow, metadata, questions, blocks;
every route refuses a missing credential and another organisation's survey, and a change
that would break the survey is a 400 that stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsurvey.surveys.qsf_import import read_qsf
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import harness

QSF = Path(__file__).parent / "qsf"
BASE = "/API/v3/survey-definitions"
MC_QUESTION = {
    "QuestionText": "Which fruit?",
    "QuestionType": "MC",
    "Selector": "SAVR",
    "SubSelector": "TX",
    "Choices": {"1": {"Display": "Apple"}, "2": {"Display": "Pear"}},
    "ChoiceOrder": [1, 2],
}


async def refused(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    status: int,
    **kwargs: Any,
) -> str:
    """The error message of a call that must fail with ``status``."""
    answer = await client.request(method, url, headers=headers, **kwargs)
    assert answer.status_code == status, answer.text
    return str(answer.json()["meta"]["error"]["errorMessage"])


async def test_create_edit_and_delete_a_survey_as_qualtrics_clients_do(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        made = await call(
            c,
            "POST",
            BASE,
            auth,
            json={"SurveyName": "Fruit", "Language": "EN", "ProjectCategory": "CORE"},
        )
        survey_id, default_block = made["SurveyID"], made["DefaultBlockID"]
        assert survey_id.startswith("SV_")
        assert default_block.startswith("BL_")

        added = await call(
            c,
            "POST",
            f"{BASE}/{survey_id}/questions?blockId={default_block}",
            auth,
            json=MC_QUESTION,
        )
        assert added == {"QuestionID": "QID1"}
        second = await call(
            c,
            "POST",
            f"{BASE}/{survey_id}/questions",
            auth,
            json={"QuestionText": "Why?", "QuestionType": "TE", "Selector": "SL"},
        )
        assert second == {"QuestionID": "QID2"}
        block = await call(
            c,
            "POST",
            f"{BASE}/{survey_id}/blocks",
            auth,
            json={"Type": "Standard", "Description": "More"},
        )
        assert block["BlockID"].startswith("BL_")
        assert block["FlowID"].startswith("FL_")

        definition = await call(c, "GET", f"{BASE}/{survey_id}", auth)
        assert (definition["SurveyID"], definition["SurveyName"], definition["QuestionCount"]) == (
            survey_id,
            "Fruit",
            "2",
        )
        assert definition["OwnerID"].startswith("UR_")
        summary = await call(c, "GET", f"/API/v3/surveys/{survey_id}", auth)
        assert summary["ownerId"] == definition["OwnerID"] == definition["CreatorID"]
        listed_surveys = (await call(c, "GET", "/API/v3/surveys", auth))["elements"]
        assert {s["id"]: s["ownerId"] for s in listed_surveys}[survey_id] == summary["ownerId"]
        assert definition["Questions"]["QID1"]["Choices"] == {
            "1": {"Display": "Apple"},
            "2": {"Display": "Pear"},
        }
        assert definition["Questions"]["QID1"]["DataExportTag"] == "Q1"
        assert list(definition["Blocks"]) == [default_block, block["BlockID"]]
        assert [e["QuestionID"] for e in definition["Blocks"][default_block]["BlockElements"]] == [
            "QID1",
            "QID2",
        ]
        assert [e["ID"] for e in definition["SurveyFlow"]["Flow"]] == [
            default_block,
            block["BlockID"],
        ]
        assert definition["SurveyOptions"]["SurveyLanguage"] == "EN"

        changed = {**MC_QUESTION, "QuestionText": "Which fruit do you like?", "DisplayLogic": None}
        await call(c, "PUT", f"{BASE}/{survey_id}/questions/QID1", auth, json=changed)
        one = await call(c, "GET", f"{BASE}/{survey_id}/questions/QID1", auth)
        assert (one["QuestionText"], one["QuestionID"]) == ("Which fruit do you like?", "QID1")
        listed = await call(c, "GET", f"{BASE}/{survey_id}/questions", auth)
        assert [q["QuestionID"] for q in listed["elements"]] == ["QID1", "QID2"]

        # a display logic on QID1 makes deleting QID1 a 400 that names it
        logic = {
            "0": {
                "0": {
                    "LogicType": "Question",
                    "QuestionID": "QID1",
                    "ChoiceLocator": "q://QID1/SelectableChoice/1",
                    "LeftOperand": "q://QID1/SelectableChoice/1",
                    "Operator": "Selected",
                    "Type": "Expression",
                },
                "Type": "If",
            },
            "Type": "BooleanExpression",
        }
        await call(
            c,
            "PUT",
            f"{BASE}/{survey_id}/questions/QID2",
            auth,
            json={
                "QuestionText": "Why?",
                "QuestionType": "TE",
                "Selector": "SL",
                "DisplayLogic": logic,
            },
        )
        message = await refused(c, "DELETE", f"{BASE}/{survey_id}/questions/QID1", auth, 400)
        assert "QID2" in message
        assert "QID1" in message
        assert "QID1" in (await call(c, "GET", f"{BASE}/{survey_id}", auth))["Questions"]

        moved = {
            "Description": "More",
            "BlockElements": [{"Type": "Question", "QuestionID": "QID7"}],
        }
        assert "QID7" in await refused(
            c, "PUT", f"{BASE}/{survey_id}/blocks/{block['BlockID']}", auth, 400, json=moved
        )
        await call(
            c,
            "PUT",
            f"{BASE}/{survey_id}/blocks/{block['BlockID']}",
            auth,
            json={"Description": "Extra"},
        )
        assert (await call(c, "GET", f"{BASE}/{survey_id}/blocks/{block['BlockID']}", auth))[
            "Description"
        ] == "Extra"
        assert len((await call(c, "GET", f"{BASE}/{survey_id}/blocks", auth))["elements"]) == 2
        assert "default block" in await refused(
            c, "DELETE", f"{BASE}/{survey_id}/blocks/{default_block}", auth, 400
        )
        await call(c, "DELETE", f"{BASE}/{survey_id}/blocks/{block['BlockID']}", auth)
        flow = await call(c, "GET", f"{BASE}/{survey_id}/flow", auth)
        assert (flow["Type"], flow["FlowID"], [e["ID"] for e in flow["Flow"]]) == (
            "Root",
            "FL_1",
            [default_block],
        )

        await call(
            c,
            "PUT",
            f"{BASE}/{survey_id}/flow",
            auth,
            json={"Flow": [{"Type": "EndSurvey", "FlowID": "FL_9"}, *flow["Flow"]]},
        )
        assert [
            e["Type"] for e in (await call(c, "GET", f"{BASE}/{survey_id}/flow", auth))["Flow"]
        ] == ["EndSurvey", "Block"]
        assert "Flow" in await refused(
            c, "PUT", f"{BASE}/{survey_id}/flow", auth, 400, json={"Flow": {}}
        )
        bad_flow = {"Flow": [{"Type": "Block", "ID": "BL_nowhere", "FlowID": "FL_3"}]}
        assert "BL_nowhere" in await refused(
            c, "PUT", f"{BASE}/{survey_id}/flow", auth, 400, json=bad_flow
        )

        deleted = await call(c, "DELETE", f"{BASE}/{survey_id}", auth)
        assert deleted["DeletedDate"].endswith("Z")
        await refused(c, "GET", f"{BASE}/{survey_id}", auth, 404)


async def test_metadata_reads_and_changes_the_survey_entry(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c, survey_id = await token_for(system), system.client, system.survey_id
        entry = await call(c, "GET", f"{BASE}/{survey_id}/metadata", auth)
        assert (entry["SurveyID"], entry["SurveyStatus"], entry["SurveyExpirationDate"]) == (
            survey_id,
            "Active",
            "0000-00-00 00:00:00",
        )
        assert len(entry["SurveyCreationDate"]) == len("2026-01-01 00:00:00")
        change = {
            "SurveyName": "Renamed",
            "SurveyDescription": "About us",
            "SurveyStatus": "Inactive",
            "SurveyExpirationDate": "2027-01-31 18:00:00",
        }
        await call(c, "PUT", f"{BASE}/{survey_id}/metadata", auth, json=change)
        entry = await call(c, "GET", f"{BASE}/{survey_id}/metadata", auth)
        assert (
            entry["SurveyName"],
            entry["SurveyDescription"],
            entry["SurveyStatus"],
            entry["SurveyExpirationDate"],
        ) == ("Renamed", "About us", "Inactive", "2027-01-31 18:00:00")
        survey = await call(c, "GET", f"/API/v3/surveys/{survey_id}", auth)
        assert (survey["name"], survey["isActive"], survey["expiration"]["endDate"]) == (
            "Renamed",
            False,
            "2027-01-31T18:00:00Z",
        )
        assert "SurveyStartDate" in await refused(
            c,
            "PUT",
            f"{BASE}/{survey_id}/metadata",
            auth,
            400,
            json={"SurveyStartDate": "2027-01-01 00:00:00"},
        )
        assert "SurveyExpirationDate" in await refused(
            c,
            "PUT",
            f"{BASE}/{survey_id}/metadata",
            auth,
            400,
            json={"SurveyExpirationDate": "soon"},
        )
        assert "SurveyStatus" in await refused(
            c, "PUT", f"{BASE}/{survey_id}/metadata", auth, 400, json={"SurveyStatus": "Closed"}
        )


@pytest.mark.parametrize("name", ["Survey_Logic_EVERYWHERE.qsf", "sp_libsp_test_survey.qsf"])
async def test_a_qsf_posted_comes_back_as_the_same_survey(database_url: str, name: str) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        document = json.loads((QSF / name).read_text(encoding="utf-8-sig"))
        made = await call(c, "POST", BASE, auth, json=document)
        expected = read_qsf(document)
        assert [d["element"] for d in made["dropped"]] == [d.element for d in expected.dropped]
        exported = await call(c, "GET", f"{BASE}/{made['SurveyID']}?format=qsf", auth)
        assert exported["SurveyEntry"]["SurveyID"] == made["SurveyID"]
        assert exported["SurveyEntry"]["SurveyOwnerID"].startswith("UR_")
        assert read_qsf(exported).survey == expected.survey
        ours = await call(c, "GET", f"{BASE}/{made['SurveyID']}?format=smsurvey", auth)
        assert ours["name"] == expected.survey.name
        yaml = await c.get(f"{BASE}/{made['SurveyID']}?format=yaml", headers=auth)
        assert yaml.headers["content-type"].startswith("application/yaml")


async def test_every_route_wants_a_credential_and_hides_other_organisations(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        c, survey_id = system.client, system.survey_id
        theirs = await token_for(system, "Other brand")
        routes = [
            ("GET", ""), ("DELETE", ""), ("GET", "/flow"), ("PUT", "/flow"), ("GET", "/metadata"),
            ("PUT", "/metadata"), ("GET", "/questions"), ("POST", "/questions"),
            ("GET", "/questions/QID1"), ("PUT", "/questions/QID1"), ("DELETE", "/questions/QID1"),
            ("GET", "/blocks"), ("POST", "/blocks"), ("GET", "/blocks/BL_score"),
            ("PUT", "/blocks/BL_score"), ("DELETE", "/blocks/BL_score"),
        ]  # fmt: skip
        bodies = {"/flow": {"Flow": []}, "/metadata": {}, "/questions": MC_QUESTION, "/blocks": {}}
        for method, tail in routes:
            url = f"{BASE}/{survey_id}{tail}"
            body = bodies.get(tail.rsplit("/", 1)[0] if tail.count("/") > 1 else tail, MC_QUESTION)
            kwargs = {"json": body} if method in ("PUT", "POST") else {}
            await refused(c, method, url, {}, 401, **kwargs)
            await refused(c, method, url, theirs, 404, **kwargs)
        await refused(c, "POST", BASE, {}, 401, json={"SurveyName": "x"})
        mine = await token_for(system)
        assert (await call(c, "GET", f"{BASE}/{survey_id}", mine))["SurveyID"] == survey_id


async def test_bad_bodies_are_clear_400s(database_url: str) -> None:
    async with harness(database_url) as system:
        auth, c, survey_id = await token_for(system), system.client, system.survey_id
        assert "ProjectCategory" in await refused(
            c, "POST", BASE, auth, 400, json={"SurveyName": "x", "ProjectCategory": "CX"}
        )
        assert "SurveyName" in await refused(c, "POST", BASE, auth, 400, json={"SurveyName": ""})
        assert "not a JSON object" in await refused(c, "POST", BASE, auth, 400, content=b"[1]")
        assert "line 1" in await refused(c, "POST", BASE, auth, 400, content=b"{oops")
        assert "SurveyElements" in await refused(
            c, "POST", BASE, auth, 400, json={"SurveyEntry": {}, "SurveyElements": 3}
        )
        questions = f"{BASE}/{survey_id}/questions"
        assert "QuestionType" in await refused(
            c, "POST", questions, auth, 400, json={"QuestionText": "?"}
        )
        assert "blockId" in await refused(
            c, "POST", f"{questions}?blockId=BL_none", auth, 400, json=MC_QUESTION
        )
        assert "QID99" in await refused(c, "GET", f"{questions}/QID99", auth, 404)
        assert "cannot take" in await refused(
            c, "POST", questions, auth, 400, json={**MC_QUESTION, "Choices": {}}
        )
        assert "format" in await refused(c, "GET", f"{BASE}/{survey_id}?format=xml", auth, 400)


async def test_a_survey_qsf_cannot_hold_is_changed_only_through_its_own_document(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        auth, c = await token_for(system), system.client
        ours = {
            "name": "Drop-down",
            "blocks": [
                {
                    "id": "BL",
                    "elements": [
                        {
                            "id": "QID1",
                            "type": "multiple_choice",
                            "text": "Pick",
                            "layout": "dropdown",
                            "choices": [{"id": "1", "text": "A"}],
                        }
                    ],
                }
            ],
        }
        survey_id = (await call(c, "POST", BASE, auth, json=ours))["SurveyID"]
        message = await refused(c, "DELETE", f"{BASE}/{survey_id}/questions/QID1", auth, 409)
        assert "QID1: a multiple-answer drop-down" in message
        assert "format=smsurvey" in message
        again = await call(c, "GET", f"{BASE}/{survey_id}?format=smsurvey", auth)
        assert again["blocks"][0]["elements"][0]["layout"] == "dropdown"
