"""``qualtrics-helper`` 0.0.1rc5 (Orange, 2026) run unchanged against smsurvey through the TLS
proxy (its host is ``https://{server}.qualtrics.com``): every call it makes in the areas
smsurvey serves (whoami, directories, contacts, mailing lists, transactions and batches,
distributions, library messages, surveys and the JSON export), each checked on what the client
parsed. The client logs and swallows errors (it returns ``None`` or ``[]``), so what smsurvey
answered to the others is read from the proxy's transcript.
"""

from __future__ import annotations

import pytest
from qualtrics_helper.client import Qualtrics

from smsurvey.distributions.service import Recipients
from tests.clients.live import ANN, BOB, Live, last_error, refused_clearly

EMAIL = "email distributions and distribution links are not supported"


@pytest.fixture
def helper(proxied: Live) -> Qualtrics:
    return Qualtrics(qualtrics_server="iad1", api_token=proxied.seeded.token)


# Who, directories ------------------------------------------------------------------


def test_who_am_i_and_the_directories(proxied: Live, helper: Qualtrics) -> None:
    me = helper.users.who_am_i()
    assert (me["userId"], me["userName"], me["firstName"]) == (
        proxied.seeded.user_id, "ada@example.org", "Ada",
    )  # fmt: skip
    [directory] = helper.directories.list_directories()
    assert (directory["directoryId"], directory["contactCount"]) == (proxied.seeded.directory_id, 2)


# Contacts --------------------------------------------------------------------------


def test_list_search_and_get_contacts(proxied: Live, helper: Qualtrics) -> None:
    directory_id = proxied.seeded.directory_id
    listed = helper.contacts.list_contacts_of_directory(directory_id)
    assert sorted(c["phone"] for c in listed) == [ANN, BOB]
    body = {"filter": {"filterType": "lastName", "comparison": "eq", "value": "Smith"}}
    [found] = helper.contacts.search_contacts_of_directory(directory_id, body)
    assert (found["firstName"], found["phoneNumber"]) == ("Ann", ANN)
    contact = helper.contacts.get_contact_of_directory(directory_id, found["id"])
    assert (contact["contactId"], contact["email"]) == (found["id"], "ann@example.org")
    assert helper.contacts.get_contact_of_directory(directory_id, "CID_000000000000000") is None
    assert last_error(proxied)[0] == 404


def test_a_mailing_lists_members(proxied: Live, helper: Qualtrics) -> None:
    seeded = proxied.seeded
    members = helper.contacts.list_contacts_of_mailing_lists(
        seeded.directory_id, seeded.mailing_list_id
    )
    assert sorted(m["firstName"] for m in members) == ["Ann", "Bob"]
    made = helper.contacts.create_contact_mailing_list(
        seeded.directory_id, seeded.mailing_list_id, {"firstName": "Cy", "phone": "+14155552673"}
    )
    assert made["id"].startswith("CID_")
    assert made["contactLookupId"].startswith("CGC_")
    member = helper.contacts.get_contact_of_mailing_list(
        seeded.directory_id, seeded.mailing_list_id, made["id"]
    )
    assert member is not None, last_error(proxied)
    assert (member["contactId"], member["firstName"]) == (made["id"], "Cy")


def test_the_contacts_who_opted_out(proxied: Live, helper: Qualtrics) -> None:
    seeded = proxied.seeded
    assert helper.contacts.list_opted_out_contacts_of_directory(seeded.directory_id) == []
    proxied.run(proxied.system.text(BOB, "STOP"))
    [bob] = helper.contacts.list_opted_out_contacts_of_directory(seeded.directory_id)
    assert (bob["phone"], bob["unsubscribed"]) == (BOB, True)
    [member] = helper.contacts.list_opted_out_contacts_of_mailing_lists(
        seeded.directory_id, seeded.mailing_list_id
    )
    assert member["contactId"] == bob["contactId"]


def test_bounces_and_a_contacts_history_are_refused_clearly(
    proxied: Live, helper: Qualtrics
) -> None:
    seeded = proxied.seeded
    assert (
        helper.contacts.list_bounced_contacts_of_mailing_lists(
            seeded.directory_id, seeded.mailing_list_id
        )
        == []
    )
    refused_clearly(proxied, "bounced contacts are not supported")
    [ann] = helper.contacts.search_contacts_of_directory(
        seeded.directory_id, {"filter": {"filterType": "phone", "comparison": "eq", "value": ANN}}
    )
    history = helper.contacts.get_directory_contact_history(seeded.directory_id, ann["id"], "sms")
    assert history == []
    refused_clearly(proxied, "a contact's history is not supported")


# Mailing lists ---------------------------------------------------------------------


def test_create_get_update_search_and_delete_a_mailing_list(
    proxied: Live, helper: Qualtrics
) -> None:
    directory_id = proxied.seeded.directory_id
    made = helper.mailingLists.create_mailing_list(directory_id, "Spring 2026")
    list_id = made["id"]
    assert list_id.startswith("CG_")
    shown = helper.mailingLists.get_mailing_list(directory_id, list_id)
    assert (shown["name"], shown["contactCount"]) == ("Spring 2026", 0)
    updated = helper.mailingLists.update_mailing_list(directory_id, list_id, "Autumn 2026")
    assert updated["meta"]["httpStatus"] == "200 - OK"
    found = helper.mailingLists.search_mailing_list(directory_id, "Autumn 2026")
    assert found["mailingListId"] == list_id
    names = {m["name"] for m in helper.mailingLists.list_mailing_lists(directory_id)}
    assert names == {"Customers", "Autumn 2026"}
    deleted = helper.mailingLists.delete_mailing_list(directory_id, list_id)
    assert deleted["meta"]["httpStatus"] == "200 - OK"
    assert helper.mailingLists.get_mailing_list(directory_id, list_id) is None


# Transactions ----------------------------------------------------------------------


def test_create_transactions_and_a_batch(proxied: Live, helper: Qualtrics) -> None:
    seeded = proxied.seeded
    ann = helper.contacts.search_contacts_of_directory(
        seeded.directory_id, {"filter": {"filterType": "phone", "comparison": "eq", "value": ANN}}
    )[0]["id"]
    transaction = helper.transactions.create_create_contact_transaction_object(
        ann, seeded.mailing_list_id, "2026-03-02 08:00:00", {"order": "A-17"}
    )
    created = helper.transactions.create_contact_transaction(
        seeded.directory_id, {"t1": transaction}
    )
    transaction_id = created["result"]["createdTransactions"]["t1"]["id"]
    assert transaction_id.startswith("CTR_")

    batch = helper.transactions.create_transaction_batch(
        seeded.directory_id, transactionIds=[transaction_id], creationDate="2026-03-02T08:00:00Z"
    )
    assert batch["id"].startswith("BT_")
    batches = helper.transactions.list_transaction_batches(seeded.directory_id)
    assert [b["batchId"] for b in batches] == [batch["id"]]
    [listed] = helper.transactions.list_transactions_in_a_batch(seeded.directory_id, batch["id"])
    assert (listed["contactId"], listed["data"]) == (ann, {"order": "A-17"})
    shown = helper.transactions.get_transaction_batch(seeded.directory_id, batch["id"])
    assert shown is not None, last_error(proxied)
    assert shown["batchId"] == batch["id"]


def test_the_transaction_calls_smsurvey_does_not_serve_say_so(
    proxied: Live, helper: Qualtrics
) -> None:
    """One transaction's own resource, a contact's transactions, and changing a batch after
    it was made: not served. (The client's append, update and delete of a transaction fill
    a path of ``{contactId}`` they are not given: a KeyError before any request.)"""
    seeded = proxied.seeded
    directory_id, transaction_id = seeded.directory_id, "CTR_000000000000000"
    for call in (
        lambda: helper.transactions.get_contact_transaction(directory_id, transaction_id),
        lambda: helper.transactions.list_contact_transactions(directory_id, "CID_000000000000000"),
        lambda: helper.transactions.add_transactions_batch(
            directory_id, "BT_000000000000000", [transaction_id]
        ),
        lambda: helper.transactions.delete_transaction_batch(directory_id, "BT_000000000000000"),
    ):
        assert call() in (None, [])
        status, message = last_error(proxied)
        assert status in (404, 405)
        assert message.startswith("API call does not")


# Distributions ---------------------------------------------------------------------


def test_list_get_and_read_the_history_of_distributions(proxied: Live, helper: Qualtrics) -> None:
    seeded = proxied.seeded
    [listed] = helper.distributions.list_distributions(seeded.survey_id)
    assert (listed["id"], listed["requestType"]) == (seeded.distribution_id, "Interactive")
    shown = helper.distributions.get_distribution(seeded.distribution_id, seeded.survey_id)
    assert shown["recipients"]["mailingListId"] == seeded.mailing_list_id
    history = helper.distributions.list_distribution_history(seeded.distribution_id)
    assert sorted(h["status"] for h in history) == ["SurveyFinished", "SurveyFinished"]


def test_email_distributions_and_reminders_are_refused_clearly(
    proxied: Live, helper: Qualtrics
) -> None:
    seeded = proxied.seeded
    made = helper.distributions.create_distribution(
        seeded.directory_id, None, seeded.survey_id, "Individual", "2026-06-01 00:00:00",
        sendDate="2026-03-02T10:00:00Z", mailingListId=seeded.mailing_list_id,
        libraryId=seeded.user_id, messageId=seeded.message_id, fromEmail="noreply@example.org",
        fromName="Acme", subject="Tell us",
    )  # fmt: skip
    assert made is None
    refused_clearly(proxied, EMAIL)
    reminder = helper.distributions.create_reminder_distribution(
        seeded.distribution_id, sendDate="2026-03-03T10:00:00Z", libraryId=seeded.user_id,
        messageId=seeded.message_id, fromEmail="noreply@example.org", subject="Reminder",
    )  # fmt: skip
    assert reminder is None
    refused_clearly(proxied, EMAIL)


def test_delete_a_distribution_that_has_not_started(proxied: Live, helper: Qualtrics) -> None:
    seeded = proxied.seeded
    scheduled = proxied.run(
        proxied.system.distribute(
            seeded.survey_id,
            Recipients(mailing_list_id=seeded.mailing_list_id),
            send_at=proxied.system.clock.now().replace(year=2027),
        )
    )
    deleted = helper.distributions.delete_distribution(scheduled)
    assert deleted is not None, last_error(proxied)
    assert deleted["meta"]["httpStatus"] == "200 - OK"
    shown = helper.distributions.get_distribution(scheduled, seeded.survey_id)
    assert shown["requestStatus"] == "Cancelled"


# Library ---------------------------------------------------------------------------


def test_the_library_and_its_messages(proxied: Live, helper: Qualtrics) -> None:
    seeded = proxied.seeded
    [library] = helper.libraries.list_libraries()
    assert library["libraryId"] == seeded.user_id
    assert helper.libraries.search_library(library["libraryName"])["libraryId"] == seeded.user_id
    made = helper.libraries.create_library_messages(
        seeded.user_id, description="Thanks", category="smsThankYou",
        messages={"en": "Thank you, ${m://FirstName}!"},
    )  # fmt: skip
    assert made is not None, last_error(proxied)
    message_id = made["id"]
    shown = helper.libraries.get_library_message(seeded.user_id, message_id)
    assert (shown["category"], shown["messages"]) == (
        "smsThankYou", {"en": "Thank you, ${m://FirstName}!"},
    )  # fmt: skip
    listed = helper.libraries.list_library_messages(seeded.user_id, "smsThankYou")
    assert {m["id"] for m in listed} == {seeded.message_id, message_id}  # (category not sent)
    found = helper.libraries.search_library_messages(seeded.user_id, "Thanks")
    assert found["id"] == message_id
    updated = helper.libraries.update_library_messages(
        seeded.user_id, message_id, description="Thanks!", messages={"en": "Thank you!"}
    )
    assert updated is not None, last_error(proxied)
    assert helper.libraries.get_library_message(seeded.user_id, message_id)["messages"] == {
        "en": "Thank you!"
    }
    deleted = helper.libraries.delete_library_messages(seeded.user_id, message_id)
    assert deleted["meta"]["httpStatus"] == "200 - OK"
    assert helper.libraries.get_library_message(seeded.user_id, message_id) is None


def test_library_blocks_questions_and_surveys_are_not_served(
    proxied: Live, helper: Qualtrics
) -> None:
    user_id = proxied.seeded.user_id
    for listing in (
        helper.libraries.list_library_blocks,
        helper.libraries.list_library_questions,
        helper.libraries.list_library_surveys,
    ):
        assert listing(user_id) == []
        status, message = last_error(proxied)
        assert status == 404
        assert message.startswith("API call does not exist: GET /API/v3/libraries/")


# Surveys and responses -------------------------------------------------------------


def test_list_get_and_search_surveys(proxied: Live, helper: Qualtrics) -> None:
    survey_id = proxied.seeded.survey_id
    [listed] = helper.surveys.list_surveys()
    assert (listed["id"], listed["name"]) == (survey_id, "Customer feedback (NPS)")
    assert helper.surveys.search_for_survey_id("Customer feedback (NPS)") == survey_id
    assert helper.surveys.get_survey(survey_id)["id"] == survey_id


def test_export_the_responses(proxied: Live, helper: Qualtrics) -> None:
    survey_id = proxied.seeded.survey_id
    responses = helper.surveys.get_survey_responses(survey_id)
    assert sorted(r["values"]["QID1"] for r in responses) == [3, 10]
    progress_id = helper.surveys.start_survey_export(survey_id, exportResponsesInProgress=True)
    file_id = helper.surveys.get_survey_export_progress(survey_id, progress_id)
    assert helper.surveys.get_survey_export_responses(survey_id, file_id) == []


def test_the_response_schema_is_not_served(proxied: Live, helper: Qualtrics) -> None:
    assert helper.surveys.get_survey_response_schema(proxied.seeded.survey_id) is None
    status, message = last_error(proxied)
    assert status == 404
    assert message.startswith("API call does not exist: GET /API/v3/surveys/")
