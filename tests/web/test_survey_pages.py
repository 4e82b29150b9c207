"""The mobile web survey behind personal links, over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.links import SURVEY, opt_out_url
from smsurvey.kit.tokens import mint
from smsurvey.models.distributions import RecipientEvent
from smsurvey.models.responses import Response, WebSession
from smsurvey.models.surveys import Survey
from tests.messaging.harness import Harness, harness
from tests.web.support import ANN, BOB, GOLD, Invitee, edit_survey, invite, options, question_on

PREVIEWER = "Mozilla/5.0 (Macintosh) Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def answer(system: Harness, invitee: Invitee, value: str) -> httpx.Response:
    """Answer the question the page asks now, then follow the redirect."""
    page = await system.client.get(invitee.path)
    posted = await system.client.post(
        invitee.path, data={"question": question_on(page.text), "answer": value}
    )
    assert posted.status_code == 303, posted.text
    return await system.client.get(invitee.path)


async def test_a_promoter_walks_to_the_end_and_the_response_is_stored(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    first = await system.client.get(ann.path)
    assert first.status_code == 200
    assert question_on(first.text) == "QID1"
    assert options(first.text) == [str(score) for score in range(11)]
    assert "How likely are you to recommend us to a friend?" in first.text

    second = await answer(system, ann, "10")
    assert question_on(second.text) == "QID2"
    assert options(second.text) == ["1", "2", "3", "4"]
    assert "Product quality" in second.text
    third = await answer(system, ann, "2")
    assert question_on(third.text) == "QID5"
    assert '<input id="answer" name="answer" type="text"' in third.text
    end = await answer(system, ann, "  Keep it up!\r\nReally.  ")
    assert "Thank you for your feedback! The Acme team" in end.text
    assert 'name="question"' not in end.text

    [response] = await system.rows(Response)
    assert response.channel == "web"
    assert response.finished
    assert response.distribution_id is not None
    assert response.contact_id == ann.contact_id
    assert response.values["QID1"] == 10
    assert response.values["QID1_NPS_GROUP"] == 3
    assert response.labels["QID1_NPS_GROUP"] == "Promoter"
    assert response.values["QID2"] == 2
    assert response.labels["QID2"] == "Product quality"
    assert response.values["QID5_TEXT"] == "Keep it up!\nReally."
    assert response.values["tier"] == "silver"
    assert response.embedded_data == {"tier": "silver"}
    assert response.recipient["first_name"] == "Ann"
    assert response.recipient["phone"] == ann.phone
    [web_session] = await system.rows(WebSession)
    assert (web_session.status, web_session.recipient_id) == ("completed", ann.recipient_id)


async def test_a_detractor_branches_to_the_other_end_message(system: Harness) -> None:
    [bob] = await invite(system, BOB)
    page = await answer(system, bob, "2")
    assert question_on(page.text) == "QID4"
    assert "May our customer care team call you?" in page.text
    page = await answer(system, bob, "2")
    assert question_on(page.text) == "QID5"
    end = await answer(system, bob, "Too slow")
    assert "Thank you for your honesty." in end.text
    assert "Thank you for your feedback!" not in end.text
    [response] = await system.rows(Response)
    assert response.values["QID1_NPS_GROUP"] == 1
    assert response.labels["QID4"] == "No, thanks"


@pytest.mark.parametrize(
    ("person", "score", "asked"),
    [
        (BOB, "5", "QID5"),  # a detractor above 3 is not offered a call…
        (GOLD, "5", "QID4"),  # …unless the contact's embedded data says gold
        (BOB, "8", "QID3"),  # a passive gets the passives' question
    ],
)
async def test_display_logic_follows_answers_and_embedded_data(
    system: Harness, person: ContactFields, score: str, asked: str
) -> None:
    [invitee] = await invite(system, person)
    page = await answer(system, invitee, score)
    assert question_on(page.text) == asked


async def test_a_missing_or_invalid_answer_is_asked_again_with_a_message(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    await system.client.get(ann.path)
    missing = await system.client.post(ann.path, data={"question": "QID1"})
    assert missing.status_code == 422
    assert "Please choose a score from 0 to 10." in missing.text
    assert "<title>Error: " in missing.text
    out_of_range = await system.client.post(ann.path, data={"question": "QID1", "answer": "11"})
    assert out_of_range.status_code == 422
    page = await answer(system, ann, "9")
    assert question_on(page.text) == "QID2"
    bad_choice = await system.client.post(ann.path, data={"question": "QID2", "answer": "9"})
    assert "Please choose one of the answers." in bad_choice.text
    assert 'aria-describedby="answer-error"' in bad_choice.text
    [web_session] = await system.rows(WebSession)
    assert web_session.state["answers"] == {"QID1": 9}
    assert await system.rows(Response) == []


async def test_an_optional_question_left_empty_is_skipped(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    await answer(system, ann, "9")
    await answer(system, ann, "")  # QID2: no choice
    end = await answer(system, ann, "   ")  # QID5: blank
    assert "Thank you for your feedback!" in end.text
    [web_session] = await system.rows(WebSession)
    assert web_session.state["answers"] == {"QID1": 9, "QID2": None, "QID5": None}
    [response] = await system.rows(Response)
    assert "QID2" not in response.values
    assert "QID5_TEXT" not in response.values


async def test_a_revisit_resumes_and_a_stale_form_changes_nothing(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    await answer(system, ann, "9")
    system.clock.advance(timedelta(days=3))
    again = await system.client.get(ann.path)
    assert question_on(again.text) == "QID2"
    # The back button's form for the first question: ignored, the page stays at QID2.
    stale = await system.client.post(ann.path, data={"question": "QID1", "answer": "0"})
    assert stale.status_code == 303
    assert question_on((await system.client.get(ann.path)).text) == "QID2"
    [web_session] = await system.rows(WebSession)
    assert web_session.state["answers"] == {"QID1": 9}


async def test_opened_is_recorded_once_and_never_by_link_previews(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    head = await system.client.head(ann.path)
    preview = await system.client.get(ann.path, headers={"user-agent": PREVIEWER})
    assert (head.status_code, preview.status_code) == (200, 200)
    assert question_on(preview.text) == "QID1"
    assert await system.rows(RecipientEvent) == []
    assert await system.rows(WebSession) == []

    await system.client.get(ann.path)
    system.clock.advance(timedelta(hours=1))
    await answer(system, ann, "9")
    await system.client.get(ann.path)
    [opened] = await system.rows(RecipientEvent)
    assert (opened.recipient_id, opened.status) == (ann.recipient_id, "Opened")
    assert opened.at == system.clock.now() - timedelta(hours=1)
    assert len(await system.rows(WebSession)) == 1


async def test_the_page_carries_open_graph_tags_and_safe_headers(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    page = await system.client.get(ann.path)
    public_url = system.runtime.settings.public_url
    assert '<meta property="og:title" content="Customer feedback (NPS)">' in page.text
    assert '<meta property="og:description" content="' in page.text
    assert f'<meta property="og:image" content="{public_url}/static/og-image.png">' in page.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    image = await system.client.get("/static/og-image.png")
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert (await system.client.get("/static/smsurvey.css")).status_code == 200


async def test_survey_text_is_shown_as_escaped_plain_text(system: Harness) -> None:
    [survey_row] = await system.rows(Survey)
    definition = survey_row.definition
    definition["blocks"][0]["elements"][0]["text"] = (
        "<p>How <b>likely</b> &lt;script&gt;alert(1)&lt;/script&gt; are you?</p>"
        '<img src=x onerror="alert(2)">'
    )
    await edit_survey(system, definition=definition)
    [ann] = await invite(system, ANN)
    page = await system.client.get(ann.path)
    assert "How likely &lt;script&gt;alert(1)&lt;/script&gt; are you?" in page.text
    assert "<b>" not in page.text
    assert "onerror" not in page.text
    assert "<script" not in page.text


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"closed_at": timedelta(0)}, 410, "This survey is closed"),
        ({"expires_at": timedelta(minutes=-1)}, 410, "This survey has ended"),
        ({"is_active": False}, 200, "This survey is paused"),
    ],
)
async def test_a_closed_expired_or_paused_survey_says_so(
    system: Harness, change: dict[str, object], status: int, says: str
) -> None:
    [ann, bob] = await invite(system, ANN, BOB)
    await answer(system, ann, "9")
    now = system.clock.now()
    values = {k: now + v if isinstance(v, timedelta) else v for k, v in change.items()}
    await edit_survey(system, **values)
    for method in ("GET", "POST"):
        page = await system.client.request(
            method, bob.path, data={"question": "QID1", "answer": "9"} if method == "POST" else None
        )
        assert page.status_code == status
        assert says in page.text
        assert 'name="question"' not in page.text
    assert [e.recipient_id for e in await system.rows(RecipientEvent)] == [ann.recipient_id]
    assert [s.recipient_id for s in await system.rows(WebSession)] == [ann.recipient_id]
    mid_way = await system.client.get(ann.path)
    assert says in mid_way.text


async def test_a_finished_respondent_sees_their_end_message_after_the_survey_closed(
    system: Harness,
) -> None:
    [bob] = await invite(system, BOB)
    for value in ("1", "1", "Call me"):
        await answer(system, bob, value)
    await edit_survey(system, closed_at=system.clock.now())
    page = await system.client.get(bob.path)
    assert page.status_code == 200
    assert "Thank you for your honesty." in page.text
    assert "Your answers have been recorded." in page.text


async def test_a_future_expiry_leaves_the_link_working(system: Harness) -> None:
    [ann] = await invite(system, ANN)
    await edit_survey(system, expires_at=system.clock.now() + timedelta(days=1))
    assert question_on((await system.client.get(ann.path)).text) == "QID1"
    system.clock.advance(timedelta(days=1))
    assert (await system.client.get(ann.path)).status_code == 410


@pytest.mark.parametrize("kind", ["tampered", "other purpose", "unknown recipient", "garbage"])
async def test_a_link_not_minted_here_is_not_found(system: Harness, kind: str) -> None:
    [ann] = await invite(system, ANN)
    token = ann.path.removeprefix("/s/")
    runtime = system.runtime
    tokens = {
        "tampered": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "other purpose": opt_out_url(runtime, ann.recipient_id).rsplit("/", 1)[1],
        "unknown recipient": mint(SURVEY, ann.recipient_id + 1000, runtime.secret),
        "garbage": "%%%",
    }
    for method in ("GET", "POST"):
        page = await system.client.request(method, f"/s/{tokens[kind]}")
        assert page.status_code == 404
        assert "This link is not valid" in page.text
    assert await system.rows(WebSession) == []


FILE_UPLOAD = {"id": "QID1", "type": "file_upload", "text": "Send us a photo"}
ONE_BLOCK = {"id": "BL", "elements": [{"id": "QID1", "type": "nps", "text": "Score"}]}


@pytest.mark.parametrize(
    "definition",
    [
        {"name": "Photos", "blocks": [{"id": "BL", "elements": [FILE_UPLOAD]}]},
        {
            "name": "Web service",
            "blocks": [ONE_BLOCK],
            "flow": [
                {"type": "unsupported", "source_type": "WebService"},
                {"type": "block", "id": "BL"},
            ],
        },
    ],
)
async def test_a_survey_these_pages_cannot_run_says_so(
    system: Harness, definition: dict[str, object]
) -> None:
    await edit_survey(system, definition=definition)
    [ann] = await invite(system, ANN)
    for method in ("GET", "POST"):
        page = await system.client.request(method, ann.path, data={"question": "QID1"})
        assert page.status_code == 200
        assert "This survey cannot be taken here" in page.text
    assert await system.rows(Response) == []
