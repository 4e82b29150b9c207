"""Every question type's answer stored in the Qualtrics response layout, and conversation
states holding structured answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smsurvey.surveys.conversation import ConversationState, coded, response_values
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.logic import Answers, next_step, other_text_key
from tests.surveys.every_type import EVERY_TYPE, STRAIGHT


def stored(answers: Answers) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values and labels of a respondent who gave ``answers`` and reached the end."""
    step = next_step(EVERY_TYPE, answers)
    state = ConversationState(None, answers, {}, step.displayed)
    values = response_values(EVERY_TYPE, state)
    return dict(values.values), dict(values.labels)


def test_every_type_is_stored_under_its_qualtrics_keys() -> None:
    answers = {
        **STRAIGHT,
        "QID2": "1",
        "QID4": ["1", "3"],
        other_text_key("QID4", "3"): "Parking",
        "QID6": {"1": 7, "2": 9.5},
        "QID10": "Long story",
    }
    values, labels = stored(answers)
    assert values == {
        "QID1": 8,
        "QID1_NPS_GROUP": 2,
        "QID2": 10,  # choice 1's recode value
        "QID4": [1, 3],
        "QID4_3_TEXT": "Parking",
        "QID5_1": 3,
        "QID5_2": 2,
        "QID6_1": 7,
        "QID6_2": 9.5,
        "QID7_1": 2,
        "QID7_2": 1,
        "QID7_3": 3,
        "QID8_1": "Ann",
        "QID8_2": "Paris",
        "QID10_TEXT": "Long story",
        "QID12": [2],
    }  # QID9 descriptive: nothing; QID11 passed by skip logic
    assert labels == {
        "QID1_NPS_GROUP": "Passive",
        "QID2": "Email",
        "QID4": ["Price", "Something else"],
        "QID5_1": "Good",
        "QID5_2": "OK",
        "QID12": ["South"],
    }


def test_an_other_text_is_stored_only_with_its_choice_and_skips_store_nothing() -> None:
    answers = {
        **STRAIGHT,
        "QID2": "3",
        other_text_key("QID2", "3"): "Pigeon",
        "QID4": None,
        "QID5": None,
        "QID7": None,
        "QID8": {"2": "Oslo"},
    }
    values, labels = stored(answers)
    assert (values["QID2"], values["QID2_3_TEXT"], labels["QID2"]) == (3, "Pigeon", "Other")
    assert not {"QID4", "QID5_1", "QID7_1", "QID8_1"} & set(values)
    assert values["QID8_2"] == "Oslo"


def test_a_multiple_answer_matrix_row_stores_lists() -> None:
    document = EVERY_TYPE.to_document()
    document["blocks"][0]["elements"][4]["multiple_answers"] = True
    matrix_survey = SurveyDefinition.model_validate(document)
    answers = {**STRAIGHT, "QID5": {"1": ["1", "3"]}}
    state = ConversationState(None, answers, {}, next_step(matrix_survey, answers).displayed)
    values = response_values(matrix_survey, state)
    assert (values.values["QID5_1"], values.labels["QID5_1"]) == ([1, 3], ["Poor", "Good"])


@pytest.mark.parametrize(
    ("value", "expected"), [("2", 2), ("-3", -3), ("02", "02"), ("A", "A"), ("1.5", "1.5")]
)
def test_choice_values_are_ints_only_when_written_as_ints(value: str, expected: object) -> None:
    assert coded(value) == expected


def test_a_state_with_structured_answers_and_a_seed_round_trips_through_json() -> None:
    answers = {**STRAIGHT, other_text_key("QID4", "3"): "Parking"}
    state = ConversationState(None, answers, {"tier": "gold"}, ("QID1", "QID2"), seed="FS_x")
    data = json.loads(json.dumps(state.to_json()))
    assert data["seed"] == "FS_x"
    assert ConversationState.from_json(data) == state


def test_a_state_written_before_seeds_reads_with_an_empty_seed() -> None:
    data = ConversationState("QID1").to_json()
    del data["seed"]
    assert ConversationState.from_json(data).seed == ""
