"""``SimpleQualtrics`` 1.0.3 (Charles Weir) run unchanged against smsurvey through the TLS
proxy (its host is hard-coded): its generic calls (``get``, ``post``, ``postCreate``,
``put``, ``delete``, ``getMultiple`` following ``nextPage``, ``fileFromPost`` for a response
file) on the areas smsurvey serves, and its ``QualtricsError`` carrying the v3 message."""

from __future__ import annotations

import csv
import io

import pytest
from SimpleQualtrics import QualtricsError, Session

from tests.clients.live import ANN, BOB, Live


@pytest.fixture
def session(proxied: Live) -> Session:
    return Session(token=proxied.seeded.token, dataCenter="iad1")


def test_get_post_create_put_and_delete(proxied: Live, session: Session) -> None:
    seeded = proxied.seeded
    assert session.get("whoami")["userId"] == seeded.user_id
    lists = f"directories/{seeded.directory_id}/mailinglists"
    made = session.postCreate(lists, {"name": "Pilot"})
    assert made.startswith("CG_")
    session.put(f"{lists}/{made}", {"name": "Pilot 2"})
    assert session.get(f"{lists}/{made}")["name"] == "Pilot 2"
    member = session.post(f"{lists}/{made}/contacts", {"firstName": "Cy", "phone": "+14155552673"})
    assert member["contactLookupId"].startswith("CGC_")
    session.delete(f"{lists}/{made}")
    with pytest.raises(QualtricsError, match=f"no mailing list {made}"):
        session.get(f"{lists}/{made}")


def test_get_multiple_follows_next_page(proxied: Live, session: Session) -> None:
    seeded = proxied.seeded
    members = session.getMultiple(
        f"directories/{seeded.directory_id}/mailinglists/{seeded.mailing_list_id}/contacts?pageSize=1"
    )
    assert sorted(m["phone"] for m in members) == [ANN, BOB]
    [survey] = session.getMultiple("surveys")
    assert survey["id"] == seeded.survey_id


def test_a_response_file(proxied: Live, session: Session) -> None:
    survey_id = proxied.seeded.survey_id
    stream = session.fileFromPost(f"surveys/{survey_id}/export-responses", {"format": "csv"})
    rows = list(csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig")))
    # Qualtrics' question-text and ImportId rows come first.
    texts, import_ids, *answers = rows
    assert texts["ResponseId"] == "Response ID"
    assert import_ids["ResponseId"] == '{"ImportId":"_recordId"}'
    assert sorted(a["Q5"] for a in answers) == ["Great, thanks", "Too slow"]


def test_an_error_carries_the_v3_message(proxied: Live, session: Session) -> None:
    with pytest.raises(QualtricsError, match="API call does not exist: GET /API/v3/nowhere"):
        session.get("nowhere")
