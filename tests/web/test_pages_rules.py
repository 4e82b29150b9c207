"""The survey page's pure rules: reading answers, spotting link previews, availability."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.requests import Request

from smsurvey.models.surveys import Survey
from smsurvey.surveys.definition import (
    NpsQuestion,
    Question,
    SingleChoiceQuestion,
    TextEntryQuestion,
)
from smsurvey.surveys.logic import Answer
from smsurvey.surveys.pages import Unavailable, is_link_preview, unavailable
from smsurvey.surveys.web_form import (
    MAX_TEXT_ANSWER,
    InvalidAnswer,
    Option,
    question_view,
    read_answer,
)

NPS = NpsQuestion(id="QID1", type="nps", text="<b>Score</b> us")
CHOICE = SingleChoiceQuestion(
    id="QID2",
    type="single_choice",
    text="Which?",
    choices=[{"id": "7", "text": "<i>Seven</i>"}, {"id": "x", "text": "Ex"}],
)
TEXT = TextEntryQuestion(id="QID3", type="text_entry", text="Tell us")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "value", "answer"),
    [
        (NPS, "0", 0),
        (NPS, "10", 10),
        (CHOICE, "7", "7"),
        (CHOICE, "x", "x"),
        (CHOICE, "", None),  # optional: skipped
        (TEXT, "  two\r\nlines ", "two\nlines"),
    ],
)
def test_form_values_read_as_answers(question: Question, value: str, answer: Answer) -> None:
    assert read_answer(question, {"answer": [value]}) == {question.id: answer}


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        (NPS, "", "Please choose a score from 0 to 10."),
        (NPS, "11", "Please choose a score from 0 to 10."),
        (NPS, " 7", "Please choose a score from 0 to 10."),
        (CHOICE, "1", "Please choose one of the answers."),
        (TEXT, " \r\n ", "Please write your answer."),
        (TEXT, "x" * (MAX_TEXT_ANSWER + 1), "Please keep your answer to 10,000 characters"),
    ],
)
def test_missing_or_invalid_answers_say_what_is_wrong(
    question: Question, value: str, message: str
) -> None:
    required = question.model_copy(update={"required": True})
    with pytest.raises(InvalidAnswer, match=message.replace(".", r"\.")):
        read_answer(required, {"answer": [value]})


def test_questions_show_as_plain_text_with_choice_ids_as_values() -> None:
    view = question_view(CHOICE)
    assert view is not None
    assert view.type == "single_choice"
    assert view.options == (Option("7", "Seven"), Option("x", "Ex"))
    nps = question_view(NPS)
    assert nps is not None
    assert (nps.type, nps.text, nps.options[10]) == ("nps", "Score us", Option("10", "10"))


def request(method: str, user_agent: str) -> Request:
    headers = [(b"user-agent", user_agent.encode())]
    return Request({"type": "http", "method": method, "headers": headers})


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (Macintosh) Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
        "WhatsApp/2.23.20.0 A",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "TelegramBot (like TwitterBot)",
    ],
)
def test_link_previewers_are_spotted(user_agent: str) -> None:
    assert is_link_preview(request("GET", user_agent))


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
        " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/120.0 Mobile Safari/537.36",
        "",
    ],
)
def test_people_are_not_previews_but_a_head_is(user_agent: str) -> None:
    assert not is_link_preview(request("GET", user_agent))
    assert is_link_preview(request("HEAD", user_agent))


@pytest.mark.parametrize(
    ("columns", "reason"),
    [
        ({}, None),
        ({"is_active": False}, Unavailable.PAUSED),
        ({"closed_at": NOW}, Unavailable.CLOSED),
        ({"closed_at": NOW + timedelta(days=1)}, None),
        ({"expires_at": NOW}, Unavailable.EXPIRED),
        ({"expires_at": NOW + timedelta(seconds=1)}, None),
        ({"is_active": False, "closed_at": NOW}, Unavailable.CLOSED),
    ],
)
def test_a_survey_takes_answers_until_closed_expired_or_paused(
    columns: dict[str, object], reason: Unavailable | None
) -> None:
    survey = Survey(**{"is_active": True, "closed_at": None, "expires_at": None, **columns})
    assert unavailable(survey, NOW) is reason
