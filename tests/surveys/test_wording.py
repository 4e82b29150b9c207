"""Display logic, branches and the flow in words."""

from __future__ import annotations

import pytest

from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.formats import load_survey, parse_survey
from smsurvey.surveys.wording import describe, flow_in_words
from tests.messaging.harness import EXAMPLE
from tests.surveys.factories import (
    block,
    document,
    nps,
    single_choice,
    text_entry,
    when,
    when_data,
)


def _asking(condition: dict[str, object]) -> SurveyDefinition:
    """A survey whose last question is asked only if ``condition`` holds."""
    return parse_survey(
        document(
            block(
                "B1",
                nps("QID1", label="Q1"),
                single_choice("QID2", "Yes", "<b>No</b> way"),
                text_entry("QID3", label="Q3"),
                nps("QID4", display_logic=condition),
            )
        )
    )


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (when("QID1", "greater_or_equal", 9), "Q1 is 9 or more"),
        (when("QID1", "less_than", 3), "Q1 is less than 3"),
        (when("QID1", "equal_to", 0), "Q1 is 0"),
        (when("QID2", "selected", "2"), "QID2 is “No way”"),
        (when("QID2", "not_selected", "1"), "QID2 is not “Yes”"),
        (when("QID3", "contains", "late"), "Q3 contains “late”"),
        (when("QID3", "empty"), "Q3 has no answer"),
        (when("QID2", "displayed"), "QID2 was asked"),
        (when_data("tier", "equal_to", "gold"), "embedded data tier is “gold”"),
        (when_data("tier", "not_empty"), "embedded data tier is not empty"),
        (
            {
                "any": [
                    when("QID1", "less_than", 3),
                    {"all": [when_data("vip", "empty"), when("QID3", "not_empty")]},
                ]
            },
            "Q1 is less than 3 or (embedded data vip is empty and Q3 has an answer)",
        ),
        ({"unsupported": "DeviceType"}, "a DeviceType test, which SMS cannot evaluate"),
    ],
)
def test_conditions_read_as_words(condition: dict[str, object], words: str) -> None:
    definition = _asking(condition)
    logic = definition.questions["QID4"].display_logic
    assert logic is not None
    assert describe(logic, definition) == words


def test_the_flow_reads_step_by_step() -> None:
    lines = flow_in_words(load_survey(EXAMPLE))
    assert [line.text for line in lines] == [
        "Set embedded data: tier (from the contact), channel = “sms”",
        "Ask block BL_score: Q1",
        "If Q1 is 6 or less — Detractors (0-6):",
        "Ask block BL_follow_up (Promoters and passives): Q2, Q3",
        "Ask block BL_comments: Q5",
    ]
    assert [line.text for line in lines[2].children] == [
        "Ask block BL_detractors: Q4",
        "Ask block BL_comments: Q5",
        "End the survey with “Thank you for your honesty. We will use your answers to do"
        " better. The Acme team”",
    ]


def test_groups_and_randomizers_in_words() -> None:
    survey = parse_survey(
        document(
            block("B1", nps("QID1", label="Q1")),
            block("B2", text_entry("QID2", label="Q2")),
            flow=[
                {"type": "group", "description": "Core", "flow": [{"type": "block", "id": "B1"}]},
                {"type": "randomizer", "subset": 1, "flow": [{"type": "block", "id": "B2"}]},
                {"type": "randomizer", "flow": [{"type": "end_survey", "message": "Bye"}]},
            ],
        )
    )
    lines = flow_in_words(survey)
    assert [(line.text, [child.text for child in line.children]) for line in lines] == [
        ("Together — Core:", ["Ask block B1: Q1"]),
        ("In a random order, 1 of these:", ["Ask block B2: Q2"]),
        ("In a random order, all of these:", ["End the survey with “Bye”"]),
    ]
