"""``qualtrics-api`` 1.0.5 (CMU CaosLab) run unchanged against smsurvey: its three calls
(request a JSON export, poll it, fetch the file) and its command line, through the TLS proxy
(its host is hard-coded to ``https://{data_center}.qualtrics.com``).

It installs a top-level module ``qualtrics``, as the ``qualtrics`` SDK does, so the Makefile
puts it in a folder of its own (``.venv/clients/qualtrics-api``) and this module imports it
from there with the SDK's modules set aside.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.clients.live import Live

FOLDER = Path(sys.prefix) / "clients" / "qualtrics-api"


def _clashing() -> list[str]:
    return [name for name in sys.modules if name == "qualtrics" or name.startswith("qualtrics.")]


@pytest.fixture
def cmu(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``qualtrics.qualtrics_api`` of ``qualtrics-api`` (the SDK's modules come back after)."""
    assert (FOLDER / "qualtrics" / "qualtrics_api.py").is_file(), (
        f"qualtrics-api is not in {FOLDER}: run `make test` (its dev install puts it there)"
    )
    for name in _clashing():
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(FOLDER))
    module = importlib.import_module("qualtrics.qualtrics_api")
    assert Path(module.__file__ or "").is_relative_to(FOLDER)
    yield module
    for name in _clashing():
        del sys.modules[name]


def test_request_poll_and_fetch_a_json_export(proxied: Live, cmu: ModuleType) -> None:
    token, survey_id = proxied.seeded.token, proxied.seeded.survey_id
    requested = cmu.create_export_response(data_center_id="iad1", token=token, survey_id=survey_id)
    assert requested["meta"]["httpStatus"] == "200 - OK"
    progress_id = requested["result"]["progressId"]
    assert progress_id.startswith("ES_")
    file_id = cmu.get_export_responses_progress(
        data_center_id="iad1", token=token, survey_id=survey_id, progress_id=progress_id
    )
    exported = cmu.get_export_file(
        data_center_id="iad1", token=token, survey_id=survey_id, file_id=file_id
    )
    responses = exported["responses"]
    assert sorted(r["values"]["QID1"] for r in responses) == [3, 10]
    assert sorted(r["labels"]["QID1_NPS_GROUP"] for r in responses) == ["Detractor", "Promoter"]


def test_an_export_of_some_questions_between_two_dates(proxied: Live, cmu: ModuleType) -> None:
    token, survey_id = proxied.seeded.token, proxied.seeded.survey_id
    requested = cmu.create_export_response(
        data_center_id="iad1", token=token, survey_id=survey_id, questions=["QID1"],
        start_date="2026-03-01T00:00:00Z", end_date="2026-03-03T00:00:00Z",
    )  # fmt: skip
    file_id = cmu.get_export_responses_progress(
        "iad1", token, survey_id, requested["result"]["progressId"]
    )
    responses = cmu.get_export_file("iad1", token, survey_id, file_id)["responses"]
    assert len(responses) == 2
    assert all("QID5_TEXT" not in r["values"] for r in responses)
    outside = cmu.create_export_response(
        "iad1", token, survey_id, start_date="2026-04-01T00:00:00Z", end_date="2026-05-01T00:00:00Z"
    )
    file_id = cmu.get_export_responses_progress(
        "iad1", token, survey_id, outside["result"]["progressId"]
    )
    assert cmu.get_export_file("iad1", token, survey_id, file_id)["responses"] == []


def test_an_unknown_survey_answers_the_v3_error(proxied: Live, cmu: ModuleType) -> None:
    refused = cmu.create_export_response("iad1", proxied.seeded.token, "SV_000000000000000")
    assert refused["meta"]["httpStatus"] == "404 - Not Found"
    assert "SV_000000000000000" in refused["meta"]["error"]["errorMessage"]


def test_the_command_line(proxied: Live, cmu: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    main = importlib.import_module("qualtrics.__main__").main
    with caplog.at_level(logging.INFO):
        main(["-t", proxied.seeded.token, "-d", "iad1", "-s", proxied.seeded.survey_id])
    assert "Number of responses found in the survey: 2" in caplog.text
