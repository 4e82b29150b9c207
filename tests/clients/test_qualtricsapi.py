"""``QualtricsAPI`` (PyPI ``qualtricsapi`` 0.6.2) run unchanged against smsurvey: every call
it makes in the areas smsurvey supports, through the TLS proxy (its host is hard-coded to
``https://{data_center}.qualtrics.com``; its paths carry doubled slashes), each checked on
what the client parsed. Calls smsurvey does not support get the v3 error envelope with a
message saying so; the client prints it, or the proxy's transcript shows it."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from QualtricsAPI.Library import Messages
from QualtricsAPI.Setup import Credentials
from QualtricsAPI.Survey import Distributions, Responses
from QualtricsAPI.Users.surveys import Surveys
from QualtricsAPI.XM import MailingList, XMDirectory

from tests.clients.live import ANN, BOB, Live, refused_clearly

SEEDED_AT = pd.Timestamp("2026-03-02 09:00:00")


@pytest.fixture
def live(proxied: Live, monkeypatch: pytest.MonkeyPatch) -> Live:
    """The client's credentials (it keeps them in environment variables, restored after)."""
    for name in ("token", "data_center", "directory_id"):
        monkeypatch.setenv(name, "")
    seeded = proxied.seeded
    Credentials().qualtrics_api_credentials(
        token=seeded.token, data_center="iad1", directory_id=seeded.directory_id
    )
    return proxied


# XM Directory: contacts ---------------------------------------------------------------


def test_the_ids_smsurvey_gives_pass_the_clients_length_checks(live: Live) -> None:
    seeded = live.seeded
    assert len(seeded.token) == 40
    assert seeded.directory_id.startswith("POOL_")
    lengths = [len(seeded.directory_id), len(seeded.mailing_list_id), len(seeded.survey_id)]
    assert lengths == [20, 18, 18]
    assert [len(seeded.user_id), len(seeded.message_id)] == [18, 18]


def test_create_get_update_and_delete_a_contact(live: Live) -> None:
    directory = XMDirectory()
    made = directory.create_contact_in_XM(
        first_name="Cy", last_name="Young", email="cy@example.org", phone="+14155552673",
        language="en", external_ref="crm-7", metadata={"Store": "12"},
    )  # fmt: skip
    assert made.startswith("CID_")
    assert len(made) == 19

    [shown] = directory.get_contact(contact_id=made).to_dict("records")
    assert (shown["firstName"], shown["lastName"]) == ("Cy", "Young")
    assert (shown["email"], shown["phone"], shown["extRef"]) == (
        "cy@example.org", "+14155552673", "crm-7",
    )  # fmt: skip
    assert shown["embeddedData"] == {"Store": "12"}
    assert (shown["creationDate"], shown["lastModified"]) == (SEEDED_AT, SEEDED_AT)

    assert directory.update_contact(contact_id=made, first_name="Cyrus") == (
        f"The contact ({made}) was updated in the XM Directory."
    )
    assert directory.get_contact(contact_id=made)["firstName"][0] == "Cyrus"

    assert directory.delete_contact(contact_id=made) == (
        f'Your XM Contact"{made}" has been deleted from the XM Directory.'
    )
    assert "CID_" not in str(directory.get_contact(contact_id=made))


def test_a_contacts_lists_embedded_data_and_stats(live: Live) -> None:
    directory = XMDirectory()
    ann = directory.list_contacts_in_directory().set_index("phone").loc[ANN, "contactId"]
    memberships = directory.get_contact_additional_info(
        contact_id=ann, content="mailingListMembership"
    )
    # One column per list, one row per field (the client transposes the object).
    membership = memberships[live.seeded.mailing_list_id]
    assert membership["name"] == "Customers"
    assert membership["contactLookupId"].startswith("CGC_")
    assert not membership["unsubscribed"]
    stats = directory.get_contact_additional_info(contact_id=ann, content="stats")
    assert isinstance(stats, pd.DataFrame), "the contact has no stats"
    assert len(stats) == 1
    assert len(stats.columns) > 0


def test_list_the_directorys_contacts_a_thousand_a_page(live: Live) -> None:
    contacts = XMDirectory().list_contacts_in_directory()
    assert list(contacts.columns) == [
        "contactId", "firstName", "lastName", "email", "phone", "unsubscribed", "language",
        "extRef",
    ]  # fmt: skip
    people = contacts.set_index("phone")
    assert (people.loc[ANN, "firstName"], people.loc[BOB, "lastName"]) == ("Ann", "Jones")
    assert people.loc[ANN, "email"] == "ann@example.org"
    assert not people.loc[ANN, "unsubscribed"]


# XM Directory: mailing lists --------------------------------------------------------


def test_create_get_rename_and_delete_a_mailing_list(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = MailingList()
    name, made = lists.create_list(name="Spring 2026")
    assert (name, made[:3], len(made)) == ("Spring 2026", "CG_", 18)

    [shown] = lists.get_list(mailing_list=made).to_dict("records")
    assert (shown["mailingListId"], shown["name"], shown["contactCount"]) == (made, name, 0)
    assert shown["ownerId"] == live.seeded.user_id
    assert shown["creationDate"] == SEEDED_AT

    lists.rename_list(mailing_list=made, name="Autumn 2026")
    assert f'"{made}" has been renamed to Autumn 2026' in capsys.readouterr().out
    assert lists.get_list(mailing_list=made)["name"][0] == "Autumn 2026"

    lists.delete_list(mailing_list=made)
    assert f'"{made}" has been deleted' in capsys.readouterr().out
    lists.get_list(mailing_list=made)
    assert f"no mailing list {made}" in capsys.readouterr().out


def test_list_the_mailing_lists(live: Live) -> None:
    lists = MailingList().list_lists(page_size=100)
    customers = lists.set_index("mailingListId").loc[live.seeded.mailing_list_id]
    assert (customers["name"], customers["contactCount"]) == ("Customers", 2)
    assert customers["creationDate"] == SEEDED_AT


def test_list_a_mailing_lists_members_and_add_one(live: Live) -> None:
    lists = MailingList()
    _, made = lists.create_list(name="Pilot")
    contact_id, lookup_id = lists.create_contact_in_list(
        mailing_list=made, first_name="Di", last_name="Prince", phone="+14155552674",
        metadata={"Store": "3"},
    )  # fmt: skip
    assert (contact_id[:4], lookup_id[:4]) == ("CID_", "CGC_")
    [member] = lists.list_contacts(mailing_list=made, page_size=100).to_dict("records")
    assert (member["contactId"], member["firstName"], member["phone"]) == (
        contact_id, "Di", "+14155552674",
    )  # fmt: skip
    assert member["mailing_list"] == made
    customers = lists.list_contacts(mailing_list=live.seeded.mailing_list_id)
    assert sorted(customers["phone"]) == [ANN, BOB]


# Library messages -------------------------------------------------------------------


def test_list_and_get_library_messages(live: Live) -> None:
    seeded = live.seeded
    messages = Messages().list_messages(library=seeded.user_id)
    [saved] = messages.to_dict("records")
    assert saved == {
        "MessageID": seeded.message_id, "MessageDescription": "Feedback invitation",
        "MessageCategory": "smsInvite", "LibraryID": seeded.user_id,
    }  # fmt: skip
    assert Messages().get_message(library=seeded.user_id, message=seeded.message_id) == (
        seeded.message_id, "smsInvite", "Feedback invitation",
    )  # fmt: skip


# Surveys ---------------------------------------------------------------------------


def test_list_the_users_surveys(live: Live) -> None:
    [survey] = Surveys().list_user_surveys().to_dict("records")
    assert (survey["id"], survey["name"]) == (live.seeded.survey_id, "Customer feedback (NPS)")
    assert survey["ownerId"] == live.seeded.user_id
    assert survey["isActive"] is True
    assert survey["creationDate"] == "2026-03-02T09:00:00Z"


def test_sharing_a_survey_is_refused_clearly(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    Surveys().share_user_surveys(
        survey=live.seeded.survey_id, recipient_id="UR_000000000000000",
        permissions={"surveyDefinitionManipulation": {"editSurveys": True}},
    )  # fmt: skip
    assert "400 - Bad Request" in capsys.readouterr().out
    refused_clearly(live, "sharing surveys (collaborations) is not supported")


# Distributions ---------------------------------------------------------------------


def _send_date() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def test_create_an_sms_invitation_and_its_reminder(live: Live) -> None:
    seeded = live.seeded
    distributions = Distributions()
    invite = distributions.create_sms_distribution(
        dist_name="Spring invite", mailing_list=seeded.mailing_list_id, library=seeded.user_id,
        survey=seeded.survey_id, message=seeded.message_id, send_date=_send_date(),
    )  # fmt: skip
    assert (invite[:5], len(invite)) == ("SMSD_", 20)
    reminder = distributions.create_sms_distribution(
        dist_name="Spring reminder", mailing_list=seeded.mailing_list_id,
        library=seeded.user_id, survey=seeded.survey_id, message=seeded.message_id,
        send_date=_send_date(), parentDistributionId=invite, method="Reminder",
    )  # fmt: skip
    assert reminder is not None, live.proxy.last_answer()
    assert reminder.startswith("SMSD_")
    assert reminder != invite


def test_list_a_surveys_distributions(live: Live) -> None:
    seeded = live.seeded
    found = Distributions().list_distributions(survey=seeded.survey_id)
    shown = found.set_index("id").loc[seeded.distribution_id]
    assert (shown["surveyId"], shown["mailingListId"]) == (seeded.survey_id, seeded.mailing_list_id)
    assert shown["requestType"] == "Interactive"
    assert (shown["failed"], shown["started"], shown["finished"]) == (0, 2, 2)
    assert shown["sent"] >= 2  # every text of the two conversations
    assert shown["ownerId"] == seeded.user_id


def test_email_distributions_reminders_and_thank_yous_are_refused_clearly(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = live.seeded
    email = {
        "subject": "Tell us", "reply_email": "ada@example.org",
        "from_email": "noreply@example.org", "from_name": "Acme",
    }  # fmt: skip
    common = {"library": seeded.user_id, "message": seeded.message_id, "send_date": _send_date()}
    assert (
        Distributions().create_distribution(
            **email, **common, mailing_list=seeded.mailing_list_id, survey=seeded.survey_id
        )
        is None
    )
    assert "email distributions and distribution links are not supported" in capsys.readouterr().out
    # The client only takes email distribution ids (EMD_…) for reminders and thank-yous.
    email_distribution = "EMD_000000000000000"
    Distributions().create_reminder(**email, **common, distribution=email_distribution)
    refused_clearly(live, "email distributions and distribution links are not supported")
    Distributions().create_thank_you(**email, **common, distribution=email_distribution)
    refused_clearly(live, "email distributions and distribution links are not supported")


def test_get_distribution_takes_only_email_distribution_ids(live: Live) -> None:
    """The client asserts an ``EMD_`` id of 19 characters: an SMS distribution cannot be
    asked for (``list_distributions`` shows them)."""
    with pytest.raises(AssertionError, match="wrong length"):
        Distributions().get_distribution(live.seeded.survey_id, live.seeded.distribution_id)


# Responses -------------------------------------------------------------------------


def test_export_the_responses_as_qualtrics_csv(live: Live) -> None:
    exported = Responses().get_survey_responses(survey=live.seeded.survey_id)
    # Qualtrics' three header rows: pandas takes the first as the columns and keeps the
    # question texts and the ImportId row as the first two rows. Columns are export tags
    # (a text entry is Q5, as Qualtrics writes it).
    assert {"ResponseId", "Finished", "Q1", "Q1_NPS_GROUP", "Q2", "Q5"} <= set(exported)
    texts, import_ids, *rows = exported.to_dict("records")
    assert texts["Q1"].startswith("Hi from Acme! How likely are you to recommend us")
    assert import_ids["Q1"] == '{"ImportId":"QID1"}'
    assert sorted(row["Q5"] for row in rows) == ["Great, thanks", "Too slow"]
    assert sorted(str(row["Q1"]) for row in rows) == ["10", "3"]


def test_export_options_are_honoured(live: Live) -> None:
    survey = live.seeded.survey_id
    one = Responses().get_survey_responses(survey=survey, limit=1)
    assert len(one) == 2 + 1
    labelled = Responses().get_survey_responses(survey=survey, useLabels=True)
    assert "Product quality" in set(labelled["Q2"])
    chosen = Responses().get_survey_responses(survey=survey, questionIds=["QID1"])
    assert "Q1" in chosen
    assert "Q5" not in chosen


def test_the_surveys_questions_from_the_export(live: Live) -> None:
    questions = Responses().get_survey_questions(survey=live.seeded.survey_id)
    assert list(questions.columns) == ["Questions"]
    assert questions.loc["Q5", "Questions"] != "Great, thanks"
    assert questions.loc["Q1", "Questions"].startswith("Hi from Acme!")
    assert questions.loc["ResponseId", "Questions"] == "Response ID"


def test_get_one_response(live: Live) -> None:
    exported = Responses().get_survey_responses(survey=live.seeded.survey_id)
    response_id = exported["ResponseId"].iloc[-1]
    found = Responses().get_survey_response(survey=live.seeded.survey_id, response=response_id)
    assert found["responseId"] == response_id
    assert found["values"]["QID1"] in (10, 3)
    assert found["labels"]["QID1_NPS_GROUP"] in ("Promoter", "Detractor")


def test_the_legacy_export_cannot_be_called_by_the_client(live: Live) -> None:
    """``get_responses`` and ``get_questions`` (the deprecated ``responseexports/`` calls)
    check ``os.path.isfile(None)`` before sending anything: a TypeError on any server."""
    sent = len(live.proxy.answers)
    with pytest.raises(TypeError):
        Responses().get_responses(survey=live.seeded.survey_id)
    with pytest.raises(TypeError):
        Responses().get_questions(survey=live.seeded.survey_id)
    assert len(live.proxy.answers) == sent


def test_writing_responses_is_refused_clearly(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = live.seeded
    exported = Responses().get_survey_responses(survey=seeded.survey_id)
    response_id = exported["ResponseId"].iloc[-1]
    Responses().create_survey_response(survey=seeded.survey_id, dynamic_payload={"values": {}})
    assert "400 - Bad Request" in capsys.readouterr().out
    refused_clearly(live, "creating responses is not supported")
    Responses().update_survey_response_embedded_data(
        survey=seeded.survey_id, response_id=response_id, embedded_data={"Store": "9"}
    )
    refused_clearly(live, "updating responses is not supported")
    updates = pd.DataFrame({"ResponseId": [response_id], "Store": ["9"]})
    Responses().bulk_update_many_responses_from_dataframe(
        survey=seeded.survey_id, df=updates, update_cols=["Store"]
    )
    refused_clearly(live, "updating responses is not supported")
