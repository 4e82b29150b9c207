"""Every question type on the web survey over HTTP: what each page offers, what a valid,
an invalid and an empty answer do, and what is stored (``tests/surveys/data/every-type.yaml``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from smsurvey.models.responses import Response, WebSession
from tests.messaging.harness import Harness, harness
from tests.support import found
from tests.surveys.every_type import EVERY_TYPE
from tests.web.admin_support import signed_in
from tests.web.answering import STORED, VALID, Form, post, reach
from tests.web.support import ANN, Invitee, edit_survey, invite, options, question_on


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        await edit_survey(running, definition=EVERY_TYPE.to_document())
        yield running


@pytest.fixture
async def ann(system: Harness) -> Invitee:
    [invitee] = await invite(system, ANN)
    return invitee


async def stored(system: Harness) -> Response:
    [response] = await system.rows(Response)
    return response


async def test_every_type_is_shown_answered_and_stored(system: Harness, ann: Invitee) -> None:
    page = await system.client.get(ann.path)
    pages = {}
    while 'name="question"' in page.text:
        asked = question_on(page.text)
        pages[asked] = page.text
        page = await post(system, ann, asked, VALID[asked])
        assert page.status_code == 200, page.text
    assert "Thanks, that is all." in page.text
    assert list(pages) == [f"QID{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12)]

    assert options(pages["QID2"]) == ["1", "2", "3"]
    assert 'class="options horizontal"' in pages["QID2"]
    assert 'name="other_3"' in pages["QID2"]
    assert '<select id="answer" name="answer">' in pages["QID3"]
    assert '<input type="checkbox" name="answer"' in pages["QID4"]
    assert '<table class="matrix">' in pages["QID5"]
    assert options(pages["QID5"], "row_2") == ["1", "2", "3"]
    assert pages["QID6"].count('type="range"') == 2
    assert 'min="0" max="10"\n          step="1" value="0"' in pages["QID6"]
    assert '<script src="../static/survey.js"></script>' in pages["QID6"]
    assert "Skip this question" in pages["QID6"]
    assert pages["QID7"].count('<select id="rank-') == 3
    assert 'name="field_2"' in pages["QID8"]
    assert "Two more questions." in pages["QID9"]
    assert "<input type" not in pages["QID9"].split('name="question"', 1)[1]
    assert '<textarea id="answer" name="answer" rows="10"' in pages["QID10"]
    assert '<select id="answer" name="answer" multiple size="2">' in pages["QID12"]
    assert "<script" not in pages["QID1"]

    response = await stored(system)
    assert response.channel == "web"
    assert {k: v for k, v in response.values.items() if k.startswith("QID")} == STORED
    assert response.labels["QID4"] == ["Price", "Something else"]
    assert response.labels["QID5_1"] == "Good"
    [web_session] = await system.rows(WebSession)
    assert web_session.state["seed"] == web_session.id


@pytest.mark.parametrize(
    ("question", "form", "message"),
    [
        ("QID1", {}, "Please choose a score from 0 to 10."),
        ("QID1", {"answer": "11"}, "Please choose a score from 0 to 10."),
        ("QID2", {}, "Please choose one of the answers."),
        ("QID2", {"answer": "7"}, "Please choose one of the answers."),
        ("QID2", {"answer": ["1", "2"]}, "Please choose only one of the answers."),
        ("QID3", {"answer": "9"}, "Please choose one of the answers."),
        ("QID4", {"answer": ["2", "4"]}, "“None of these” cannot be chosen with other answers."),
        ("QID5", {"row_1": "3"}, "Please answer every statement."),
        ("QID5", {"row_1": "3", "row_2": "9"}, "Please choose one answer for “Shop”."),
        ("QID5", {"row_1": ["1", "3"], "row_2": "1"}, "Please choose one answer for “Staff”."),
        ("QID6", {"row_1": "11"}, "Please choose a value from 0 to 10 for “Value”."),
        ("QID6", {"row_1": "x"}, "Please choose a value from 0 to 10 for “Value”."),
        ("QID7", {"rank_1": "1", "rank_2": "1", "rank_3": "2"}, "Each rank can be used only once."),
        ("QID7", {"rank_1": "1", "rank_2": "2"}, "Please give every item a rank."),
        ("QID7", {"rank_1": "1", "rank_2": "2", "rank_3": "4"}, "Please give every item a rank."),
        ("QID10", {"answer": "x" * 10_001}, "Please keep your answer to 10,000 characters"),
    ],
)
async def test_an_invalid_or_missing_required_answer_is_refused_with_a_message(
    system: Harness, ann: Invitee, question: str, form: Form, message: str
) -> None:
    await reach(system, ann, question)
    before = (await system.rows(WebSession))[0].state
    page = await post(system, ann, question, form)
    assert page.status_code == 422
    assert message in page.text
    assert question_on(page.text) == question
    assert (await system.rows(WebSession))[0].state == before


async def test_a_refused_answer_is_shown_again_as_given(system: Harness, ann: Invitee) -> None:
    await reach(system, ann, "QID4")
    page = await post(system, ann, "QID4", {"answer": ["1", "4"], "other_3": "Parking"})
    assert 'name="answer"\n            value="1" checked>' in page.text
    assert 'name="answer"\n            value="2">' in page.text
    assert 'name="other_3" value="Parking"' in page.text
    assert 'aria-describedby="answer-error"' in page.text


@pytest.mark.parametrize(
    ("question", "form", "answer"),
    [
        ("QID4", {}, None),  # optional: skipped
        ("QID4", {"other_3": "Parking"}, ["3"]),  # a filled "other" box ticks its choice
        ("QID4", {"answer": "4"}, ["4"]),  # exclusive alone
        ("QID6", {"row_1": "3", "skip": "1"}, None),  # the slider's skip button
        ("QID6", {"row_1": "3"}, {"1": 3}),
        ("QID7", {}, None),
        ("QID8", {"field_2": "Oslo"}, {"2": "Oslo"}),
        ("QID9", {"answer": "ignored"}, None),
        ("QID10", {"answer": "  "}, None),
    ],
)
async def test_optional_answers_may_be_empty_or_partial(
    system: Harness, ann: Invitee, question: str, form: Form, answer: object
) -> None:
    await reach(system, ann, question)
    page = await post(system, ann, question, form)
    assert page.status_code == 200
    assert question_on(page.text) != question
    [web_session] = await system.rows(WebSession)
    assert web_session.state["answers"][question] == answer


async def test_skip_logic_passes_questions_and_can_end_the_survey(
    system: Harness, ann: Invitee
) -> None:
    await reach(system, ann, "QID4")
    assert question_on((await post(system, ann, "QID4", {"answer": "4"})).text) == "QID6"
    await reach(system, ann, "QID10")
    assert question_on((await post(system, ann, "QID10", {"answer": ""})).text) == "QID11"
    end = await post(system, ann, "QID11", {"answer": "secret"})
    assert question_on(end.text) == "QID12"


async def test_a_skip_to_the_end_of_the_survey_stores_the_response(
    system: Harness, ann: Invitee
) -> None:
    await system.client.get(ann.path)
    end = await post(system, ann, "QID1", {"answer": "0"})
    assert "Thanks, that is all." in end.text
    response = await stored(system)
    assert (response.values["QID1"], response.finished) == (0, True)
    assert "QID2" not in response.values


@pytest.mark.parametrize(
    ("layout", "shows"),
    [
        ("vertical", 'class="options vertical"'),
        ("horizontal", 'class="options horizontal"'),
        ("columns", 'class="options columns"'),
        ("dropdown", '<option value="">Choose…</option>'),
        ("select_box", '<select id="answer" name="answer" size="3">'),
    ],
)
async def test_single_choice_layouts(system: Harness, layout: str, shows: str) -> None:
    document = EVERY_TYPE.to_document()
    document["blocks"][0]["elements"][1]["layout"] = layout
    await edit_survey(system, definition=document)
    [ann] = await invite(system, ANN)
    page = await reach(system, ann, "QID2")
    assert shows in page.text
    assert 'aria-label="Other: please specify"' in page.text
    end = await post(system, ann, "QID2", {"answer": "3", "other_3": "Pigeon"})
    assert question_on(end.text) == "QID4"
    [web_session] = await system.rows(WebSession)
    assert web_session.state["answers"]["QID2_3_TEXT"] == "Pigeon"


async def test_the_admin_responses_page_summarises_the_new_types(
    system: Harness, ann: Invitee
) -> None:
    await reach(system, ann, "QID12")
    await post(system, ann, "QID12", VALID["QID12"])
    async with signed_in(system) as browser:
        page = await browser.get(f"/admin/surveys/{system.survey_id}/responses")
    assert page.status_code == 200
    ticks = found(r'(?s)aria-labelledby="s-QID4">.*?</section>', page.text)
    assert re.search(r">Something else</text>.*?>1</text>", ticks)
    matrix = found(r'(?s)aria-labelledby="s-QID5">.*?</section>', page.text)
    assert '<th scope="row">Staff</th><td>1</td><td>3.0</td>' in matrix
    sliders = found(r'(?s)aria-labelledby="s-QID6">.*?</section>', page.text)
    assert '<th scope="row">Quality</th><td>1</td><td>9.0</td>' in sliders
    table = found(r'(?s)<table class="responses">.*?</table>', page.text)
    assert "<td>Price: 2; Quality: 1; Service: 3</td>" in table
    assert "<td>Name: Ann; City: Paris</td>" in table
