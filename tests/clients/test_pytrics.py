"""``pytrics`` 1.1.0 run unchanged against smsurvey through its own ``base_api_url``: survey
definitions built block by block and question by question (Qualtrics' shapes: ``SurveyID``
and ``DefaultBlockID``, ``BlockID``, ``QuestionID``), the survey's state, and the JSON export,
each checked on what the client parsed."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
import pytest
import requests
from pytrics.qualtrics_api.client import QualtricsAPIClient

from tests.clients.live import Live

QUESTION: dict[str, Any] = {
    "text": "How was your visit?", "tag_number": 7, "type": "MC", "answer_selector": "SAVR",
    "answer_sub_selector": "TX", "label": "Visit", "is_mandatory": False, "translations": [],
    "block_number": 1, "choices": {"1": {"Display": "Good"}, "2": {"Display": "Bad"}},
    "choice_order": ["1", "2"],
}  # fmt: skip


@pytest.fixture
def client(served: Live) -> QualtricsAPIClient:
    return QualtricsAPIClient(f"{served.url}/API/v3", served.seeded.token)


def test_the_survey_and_its_questions_by_label(served: Live, client: QualtricsAPIClient) -> None:
    survey_id = served.seeded.survey_id
    assert client.get_survey(survey_id)["result"]["name"] == "Customer feedback (NPS)"
    question_id, question = client.find_question_in_survey_by_label(survey_id, "Q1")
    assert question_id == "QID1"
    assert question["questionText"].startswith("Hi from Acme!")
    client.update_survey(survey_id, is_active=False)
    assert client.get_survey(survey_id)["result"]["isActive"] is False
    client.update_survey(survey_id, is_active=True)


def test_build_a_survey_block_by_block(client: QualtricsAPIClient) -> None:
    survey_id, default_block = client.create_survey("Pilot")
    assert survey_id.startswith("SV_")
    assert default_block.startswith("BL_")
    _, block_id = client.create_block(survey_id, "Extra", "Standard")
    assert block_id.startswith("BL_")
    assert client.get_block(survey_id, block_id)["result"]["Description"] == "Extra"
    client.update_block(survey_id, block_id, "Extra questions", "Standard")
    assert client.get_block(survey_id, block_id)["result"]["Description"] == "Extra questions"

    payload = client.build_question_payload(QUESTION, survey_id)
    _, question_id = client.create_question(survey_id, payload, block_id)
    assert question_id.startswith("QID")
    shown = client.get_question(survey_id, question_id)["result"]
    assert (shown["QuestionText"], shown["DataExportTag"], shown["Selector"]) == (
        "How was your visit?", "Q7", "SAVR",
    )  # fmt: skip
    client.update_question(survey_id, question_id, {**payload, "QuestionText": "And the visit?"})
    assert client.get_question(survey_id, question_id)["result"]["QuestionText"] == (
        "And the visit?"
    )
    client.delete_block(survey_id, block_id)
    with pytest.raises(requests.HTTPError, match="404 Client Error"):
        client.get_block(survey_id, block_id)


def test_publishing_a_version_is_refused_clearly(served: Live, client: QualtricsAPIClient) -> None:
    survey_id = served.seeded.survey_id
    with pytest.raises(requests.HTTPError, match="400 Client Error"):
        client.publish_survey(survey_id, "First version")
    # What the client did not read:
    answer = httpx.post(
        f"{served.url}/API/v3/survey-definitions/{survey_id}/versions",
        headers={"X-API-TOKEN": served.seeded.token},
        json={"Description": "First version", "Published": True},
    )
    assert answer.status_code == 400
    assert answer.json()["meta"]["error"]["errorMessage"].startswith(
        "survey versions are not supported"
    )


def test_a_json_export(served: Live, client: QualtricsAPIClient) -> None:
    survey_id = served.seeded.survey_id
    _, progress_id = client.create_response_export(survey_id)
    _, file_id = client.get_response_export_progress(survey_id, progress_id)
    exported = client.get_response_export_file(survey_id, file_id)
    # pytrics asks for JSON without saying compress: Qualtrics zips it.
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        [name] = archive.namelist()
        responses = json.loads(archive.read(name))["responses"]
    assert sorted(r["values"]["QID1"] for r in responses) == [3, 10]
