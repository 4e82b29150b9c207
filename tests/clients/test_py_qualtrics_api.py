"""``py-qualtrics-api`` 0.3.0 run unchanged against smsurvey through the TLS proxy (its host
is hard-coded): surveys, library messages and the three-step export it reads with
``skiprows=[1, 2]`` (Qualtrics' three header rows), each checked on what the client parsed.
Research Core lists, email distributions and their links get the v3 400 saying so (the
client returns ``()`` then: the proxy's transcript is checked). Its ``users`` calls are
outside what smsurvey serves (404 "API call does not exist") and are not driven here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from py_qualtrics_api.tools import QualtricsAPI

from tests.clients.live import Live, last_error, refused_clearly

EMAIL = "email distributions and distribution links are not supported"
LISTS = "Research Core mailing lists (/mailinglists) are not supported"


@pytest.fixture
def api(proxied: Live) -> QualtricsAPI:
    seeded = proxied.seeded
    return QualtricsAPI(
        {
            "api_token": seeded.token, "data_center": "iad1",
            "default_survey_owner": seeded.user_id, "default_library_owner": seeded.user_id,
        }
    )  # fmt: skip


def test_get_and_activate_a_survey(proxied: Live, api: QualtricsAPI) -> None:
    survey_id = proxied.seeded.survey_id
    survey = api.get_survey(survey_id)
    assert (survey["id"], survey["name"]) == (survey_id, "Customer feedback (NPS)")
    assert api.activate_survey(
        survey_id, start_date="2026-03-01T00:00:00Z", end_date="2026-07-01T00:00:00Z"
    )
    activated = api.get_survey(survey_id)
    assert activated["isActive"] is True
    # smsurvey keeps when a survey closes; it opens when activated (startDate is not kept).
    assert activated["expiration"]["endDate"] == "2026-07-01T00:00:00Z"
    assert api.get_survey("SV_000000000000000") == ()


def test_copying_and_deleting_a_survey_are_refused(proxied: Live, api: QualtricsAPI) -> None:
    survey_id = proxied.seeded.survey_id
    assert api.copy_survey(survey_id, "Copy") == ()
    # POST /surveys is Qualtrics' survey import (a .qsf file); a copy (X-COPY-SOURCE) is not.
    status, message = last_error(proxied)
    assert status in (400, 405)
    assert message
    assert api.delete_survey(survey_id) is False
    assert last_error(proxied) == (
        405,
        f"API call does not take DELETE: /API/v3/surveys/{survey_id}",
    )
    assert api.get_survey(survey_id)["id"] == survey_id


def test_create_a_library_message(proxied: Live, api: QualtricsAPI) -> None:
    made = api.create_library_message(
        "Reminder text", {"en": "Still time, ${m://FirstName}: ${l://SurveyURL}"},
        category="smsInvite",
    )  # fmt: skip
    assert made.startswith("MS_")


def test_export_the_responses_to_a_dataframe(proxied: Live, api: QualtricsAPI) -> None:
    survey_id = proxied.seeded.survey_id
    progress_id = api.create_response_export(survey_id, "csv")
    assert progress_id.startswith("ES_")
    status, file_id = api.get_response_export_progress(survey_id, progress_id)
    assert status == "complete"
    exported = api.get_response_export_file_as_dataframe(survey_id, file_id)
    assert isinstance(exported, pd.DataFrame)
    # The client skips Qualtrics' question-text and ImportId rows: both responses stay.
    assert sorted(exported["Q5"]) == ["Great, thanks", "Too slow"]
    assert sorted(exported["Q1"]) == [3, 10]


def test_export_options(proxied: Live, api: QualtricsAPI) -> None:
    survey_id = proxied.seeded.survey_id
    progress_id = api.create_response_export(
        survey_id, "csv", limit=1, use_labels=True, question_ids=["QID1", "QID2"],
        start_date="2026-03-01T00:00:00Z", end_date="2026-03-03T00:00:00Z",
        time_zone="Europe/Paris", compress=True,
    )  # fmt: skip
    _, file_id = api.get_response_export_progress(survey_id, progress_id)
    exported = api.get_response_export_file_as_dataframe(survey_id, file_id)
    assert isinstance(exported, pd.DataFrame)
    assert len(exported) == 1
    assert "Q5" not in exported
    assert exported["Q1_NPS_GROUP"].iloc[0] in ("Promoter", "Detractor")


def test_research_core_lists_are_refused_clearly(proxied: Live, api: QualtricsAPI) -> None:
    list_id = proxied.seeded.mailing_list_id
    assert api.create_mailing_list("Spring") == ()
    refused_clearly(proxied, LISTS)
    assert api.get_mailing_list(list_id) == ()
    refused_clearly(proxied, LISTS)
    assert api.delete_mailing_list(list_id) is False
    refused_clearly(proxied, LISTS)
    api.add_records_to_mailing_list(list_id, pd.DataFrame({"email": ["cy@example.org"]}))
    refused_clearly(proxied, LISTS)


def test_email_distributions_and_links_are_refused_clearly(
    proxied: Live, api: QualtricsAPI
) -> None:
    seeded = proxied.seeded
    email = {"from_email": "noreply@example.org", "from_name": "Acme", "subject": "Tell us"}
    assert (
        api.send_survey(seeded.survey_id, seeded.message_id, seeded.mailing_list_id, **email) == ()
    )
    refused_clearly(proxied, EMAIL)
    assert api.send_reminder(seeded.distribution_id, seeded.message_id, **email) == ()
    refused_clearly(proxied, EMAIL)
    assert api.get_links_for_mailing_list(seeded.survey_id, seeded.mailing_list_id) == ()
    refused_clearly(proxied, EMAIL)
    assert api.list_links_for_distribution(seeded.distribution_id, seeded.survey_id) is None
    refused_clearly(proxied, EMAIL)
