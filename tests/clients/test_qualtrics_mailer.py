"""``qualtrics-mailer`` 0.1 (Kai Analytics) run unchanged against smsurvey through the TLS
proxy (its host is hard-coded). PyPI's file is named 0.1.1 while its metadata says 0.1, so
pip only installs it from its URL (the ``dev`` extra names it so).

It speaks the Research Core contacts API (``/mailinglists``) and email distributions,
neither of which smsurvey serves: each call gets a clear v3 400, which the client does not
read (it takes ``result`` and fails with a KeyError), so the proxy's transcript is checked.
The one call in an area smsurvey serves, a distribution's details, works.
"""

from __future__ import annotations

import io

import pytest
from qualtrics_mailer import QualtricsAccount, QualtricsDistribution, QualtricsMailingList

from tests.clients.live import Live, refused_clearly

LISTS = "Research Core mailing lists (/mailinglists) are not supported"


@pytest.fixture
def account(proxied: Live) -> QualtricsAccount:
    return QualtricsAccount(api_token=proxied.seeded.token, data_center="iad1")


def _mailing_list(account: QualtricsAccount, list_id: str) -> QualtricsMailingList:
    """A mailing list object for ``list_id`` without the constructor's create call (which
    smsurvey refuses), to drive the list's other calls."""
    made = QualtricsMailingList.__new__(QualtricsMailingList)
    made.account, made.library_id, made.id = account, "UR_000000000000000", list_id
    return made


def test_creating_a_research_core_list_is_refused_clearly(
    proxied: Live, account: QualtricsAccount
) -> None:
    with pytest.raises(KeyError, match="result"):
        QualtricsMailingList(account, proxied.seeded.user_id, "Spring", "customers")
    refused_clearly(proxied, LISTS)


def test_a_research_core_lists_contacts_and_imports_are_refused_clearly(
    proxied: Live, account: QualtricsAccount
) -> None:
    mailing_list = _mailing_list(account, proxied.seeded.mailing_list_id)
    with pytest.raises(KeyError, match="result"):
        mailing_list.contact_list  # noqa: B018 (a property that calls the API)
    refused_clearly(proxied, LISTS)
    contacts = io.StringIO("firstName,lastName,email\nCy,Young,cy@example.org\n")
    with pytest.raises(KeyError, match="result"):
        mailing_list.import_contact_list_from_csv_file(contacts)
    refused_clearly(proxied, LISTS)


def test_an_email_distribution_is_refused_clearly(proxied: Live, account: QualtricsAccount) -> None:
    seeded = proxied.seeded
    with pytest.raises(KeyError, match="result"):
        QualtricsDistribution(
            _mailing_list(account, seeded.mailing_list_id), seeded.message_id, seeded.survey_id,
            "2026-03-02T10:00:00Z", "Acme", "ada@example.org", "Tell us",
        )  # fmt: skip
    refused_clearly(proxied, "email distributions and distribution links are not supported")


def test_a_distributions_details(proxied: Live, account: QualtricsAccount) -> None:
    seeded = proxied.seeded
    distribution = QualtricsDistribution.__new__(QualtricsDistribution)
    distribution.mailing_list = _mailing_list(account, seeded.mailing_list_id)
    distribution.id, distribution.survey_id = seeded.distribution_id, seeded.survey_id
    details = distribution.details
    assert (details["id"], details["surveyId"]) == (seeded.distribution_id, seeded.survey_id)
    assert details["recipients"]["mailingListId"] == seeded.mailing_list_id
    assert (details["stats"]["started"], details["stats"]["finished"]) == (2, 2)
