"""``qualtrics`` 0.4.2 (Luanee's typed SDK, on httpx) run unchanged against smsurvey through
its own ``base_url`` setting: every API call it makes (surveys, survey definitions, quotas,
response exports and imports, saved filters), each checked on what the client parsed. Calls
smsurvey does not serve raise the client's ``QualtricsAPIError`` with the v3 message."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from qualtrics import QualtricsClient
from qualtrics.api.exceptions import QualtricsAPIError
from qualtrics.api.models import ResponseExportRequest, SurveyUpdateRequest

from tests.clients.live import Live

NAME = "Customer feedback (NPS)"


@pytest.fixture
def client(served: Live) -> Iterator[QualtricsClient]:
    with QualtricsClient(served.seeded.token, base_url=f"{served.url}/API/v3") as made:
        yield made


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


# Surveys ---------------------------------------------------------------------------


def test_list_and_iterate_the_surveys(served: Live, client: QualtricsClient) -> None:
    page = client.list_surveys()
    [survey] = page.elements
    assert (survey.id, survey.name, survey.is_active) == (served.seeded.survey_id, NAME, True)
    assert survey.owner_id == served.seeded.user_id
    assert survey.creation_date == "2026-03-02T09:00:00Z"
    assert page.next_page is None
    assert [found.id for found in client.iter_surveys()] == [served.seeded.survey_id]


def test_get_and_update_a_survey(served: Live, client: QualtricsClient) -> None:
    survey_id = served.seeded.survey_id
    survey = client.get_survey(survey_id)
    assert (survey["id"], survey["name"], survey["isActive"]) == (survey_id, NAME, True)
    assert set(survey["questions"]) == {"QID1", "QID2", "QID3", "QID4", "QID5"}

    client.surveys.update(survey_id, SurveyUpdateRequest(name="Renamed", isActive=False))
    changed = client.get_survey(survey_id)
    assert (changed["name"], changed["isActive"]) == ("Renamed", False)
    client.surveys.update(survey_id, {"name": NAME, "isActive": True})
    assert client.get_survey(survey_id)["name"] == NAME


def test_an_unknown_survey_raises_the_v3_error(client: QualtricsClient) -> None:
    with pytest.raises(QualtricsAPIError) as raised:
        client.get_survey("SV_000000000000000")
    assert raised.value.status_code == 404
    assert "SV_000000000000000" in str(raised.value)
    assert raised.value.request_id


# Survey definitions ----------------------------------------------------------------


def test_get_a_survey_definition(served: Live, client: QualtricsClient) -> None:
    definition = client.survey_definitions.get(served.seeded.survey_id)
    assert definition.survey_id == served.seeded.survey_id
    assert definition.survey_name == NAME
    assert set(definition.payload["Questions"]) == {"QID1", "QID2", "QID3", "QID4", "QID5"}


def test_create_a_survey_definition_the_qualtrics_way(client: QualtricsClient) -> None:
    made = client.survey_definitions.create(
        {"SurveyName": "Pilot", "Language": "EN", "ProjectCategory": "CORE"}
    )
    assert made["SurveyID"].startswith("SV_")
    assert client.survey_definitions.get(made["SurveyID"]).survey_name == "Pilot"


def test_the_flow_and_metadata_of_a_survey_definition(
    served: Live, client: QualtricsClient
) -> None:
    survey_id = served.seeded.survey_id
    flow = client.survey_definitions.get_flow(survey_id)
    assert "Block" in [element["Type"] for element in flow["Flow"]]
    metadata = client.survey_definitions.get_metadata(survey_id)
    assert metadata["SurveyName"] == NAME
    client.survey_definitions.update_metadata(survey_id, {"SurveyName": "Renamed"})
    assert client.survey_definitions.get_metadata(survey_id)["SurveyName"] == "Renamed"
    client.survey_definitions.update_metadata(survey_id, {"SurveyName": NAME})


def test_delete_a_survey_definition(client: QualtricsClient) -> None:
    made = client.survey_definitions.create(
        {"SurveyName": "To delete", "Language": "EN", "ProjectCategory": "CORE"}
    )
    client.survey_definitions.delete(made["SurveyID"])
    with pytest.raises(QualtricsAPIError) as raised:
        client.get_survey(made["SurveyID"])
    assert raised.value.status_code == 404


# Quotas and saved filters ----------------------------------------------------------


def test_a_survey_has_no_quotas_and_no_saved_filters(served: Live, client: QualtricsClient) -> None:
    survey_id = served.seeded.survey_id
    quotas = client.list_survey_quotas(survey_id)
    assert (quotas.elements, quotas.next_page) == ([], None)
    assert list(client.iter_survey_quotas(survey_id)) == []
    filters = client.responses.list_filters(survey_id)
    assert (filters.elements, filters.next_page) == ([], None)
    assert list(client.responses.iter_filters(survey_id)) == []
    with pytest.raises(QualtricsAPIError) as raised:
        client.list_survey_quotas("SV_000000000000000")
    assert raised.value.status_code == 404


# Response exports and imports ------------------------------------------------------


def test_export_the_responses_to_a_file(
    served: Live, client: QualtricsClient, tmp_path: Path
) -> None:
    survey_id = served.seeded.survey_id
    result = client.export_responses(survey_id, tmp_path, poll_interval=0.05)
    assert (result.survey_id, result.format) == (survey_id, "csv")
    assert Path(result.path) == tmp_path / f"{survey_id}.zip"
    with zipfile.ZipFile(result.path) as archive:
        [name] = archive.namelist()
        columns, texts, import_ids, *rows = _csv_rows(archive.read(name))
    assert name == f"{NAME}.csv"
    q2 = columns.index("Q2")
    assert texts[q2] == "Great to hear! What do you like most about Acme?"
    assert json.loads(import_ids[q2]) == {"ImportId": "QID2"}
    # The SDK asks for labels by default.
    assert sorted(row[q2] for row in rows) == ["", "Product quality"]


def test_start_poll_and_download_an_export(served: Live, client: QualtricsClient) -> None:
    survey_id = served.seeded.survey_id
    options = ResponseExportRequest(format="json", compress=False, useLabels=False)
    started = client.start_response_export(survey_id, options)
    assert started.progress_id is not None
    assert started.progress_id.startswith("ES_")
    progress = client.get_response_export_progress(survey_id, started.progress_id)
    assert progress.status in ("inProgress", "complete")
    done = client.wait_for_response_export(survey_id, started.progress_id, poll_interval=0.05)
    assert (done.status, done.percent_complete) == ("complete", 100.0)
    assert done.file_id is not None
    download = client.download_response_export(survey_id, done.file_id)
    responses = download.json()["responses"]
    assert sorted(r["values"]["QID1"] for r in responses) == [3, 10]
    assert sorted(r["values"]["QID5_TEXT"] for r in responses) == ["Great, thanks", "Too slow"]


def test_importing_responses_is_refused_clearly(
    served: Live, client: QualtricsClient, tmp_path: Path
) -> None:
    survey_id = served.seeded.survey_id
    upload = tmp_path / "responses.csv"
    upload.write_text("ResponseId,QID1\nR_1,5\n")
    for attempt in (
        lambda: client.responses.import_file(survey_id, upload),
        lambda: client.responses.import_url(survey_id, "https://example.org/responses.csv"),
        lambda: client.responses.import_progress(survey_id, "PGR_000000000000000"),
    ):
        with pytest.raises(QualtricsAPIError) as raised:
            attempt()
        assert raised.value.status_code == 400
        assert str(raised.value).startswith("importing responses is not supported")
