"""Every survey in ``examples/`` loads, is SMS-compatible and walks as its comments say."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from smsurvey.surveys.compatibility import check_sms_compatibility
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.logic import Answer, Ask, End, next_step
from smsurvey.surveys.render import render_question

EXAMPLES = Path(__file__).parents[2] / "examples"
EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".yaml", ".yml", ".json"})


@dataclass(frozen=True)
class Walk:
    """A respondent: the replies they give (by question id), what they are asked, how it ends."""

    name: str
    replies: dict[str, Answer | None]
    asked: list[str]
    end_message: str
    contact: dict[str, str] = field(default_factory=dict)


FEEDBACK_THANKS = "Thank you for your feedback! The Acme team"
FEEDBACK_SORRY = "Thank you for your honesty. We will use your answers to do better. The Acme team"

WALKS: dict[str, list[Walk]] = {
    "customer-feedback.yaml": [
        Walk(
            "promoter",
            {"QID1": 10, "QID2": "2", "QID5": "Keep it up"},
            ["QID1", "QID2", "QID5"],
            FEEDBACK_THANKS,
        ),
        Walk(
            "passive",
            {"QID1": 7, "QID3": "1", "QID5": None},
            ["QID1", "QID3", "QID5"],
            FEEDBACK_THANKS,
        ),
        Walk(
            "detractor",
            {"QID1": 5, "QID5": "Too slow"},
            ["QID1", "QID5"],
            FEEDBACK_SORRY,
            {"tier": "silver"},
        ),
        Walk(
            "angry detractor",
            {"QID1": 1, "QID4": "1", "QID5": "Call me"},
            ["QID1", "QID4", "QID5"],
            FEEDBACK_SORRY,
        ),
        Walk(
            "gold detractor",
            {"QID1": 6, "QID4": "2", "QID5": ""},
            ["QID1", "QID4", "QID5"],
            FEEDBACK_SORRY,
            {"tier": "gold"},
        ),
    ],
}


def test_every_example_has_walks() -> None:
    assert EXAMPLE_FILES, "examples/ holds no survey"
    assert sorted(p.name for p in EXAMPLE_FILES) == sorted(WALKS)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_is_sms_compatible_without_warnings(path: Path) -> None:
    report = check_sms_compatibility(load_survey(path))
    assert report.problems == ()
    assert 3 <= len(load_survey(path).questions) <= 5


@pytest.mark.parametrize(
    ("path", "walk"),
    [(EXAMPLES / name, walk) for name, walks in WALKS.items() for walk in walks],
    ids=lambda value: value.name,
)
def test_example_walk(path: Path, walk: Walk) -> None:
    survey = load_survey(path)
    answers: dict[str, Answer | None] = {}
    asked: list[str] = []
    while isinstance(step := next_step(survey, answers, walk.contact), Ask):
        render_question(step.question)  # every question asked can be sent
        asked.append(step.question.id)
        answers[step.question.id] = walk.replies[step.question.id]
    assert isinstance(step, End)
    assert asked == walk.asked
    assert step.message == walk.end_message
    assert step.displayed == tuple(walk.asked)


def test_customer_feedback_reads_well_by_sms() -> None:
    survey = load_survey(EXAMPLES / "customer-feedback.yaml")
    first = next_step(survey, {})
    assert isinstance(first, Ask)
    assert render_question(first.question).text == (
        "Hi from Acme! How likely are you to recommend us to a friend? "
        "Reply 0-10 (10 = very likely). Text STOP to opt out."
    )
    follow_up = next_step(survey, {"QID1": 9})
    assert isinstance(follow_up, Ask)
    rendered = render_question(follow_up.question)
    assert rendered.text == (
        "Great to hear! What do you like most about Acme?\n"
        "1. Fast delivery\n2. Product quality\n3. Friendly staff\n4. Prices"
    )
    assert rendered.choices == {"1": "1", "2": "2", "3": "3", "4": "4"}
