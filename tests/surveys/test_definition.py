"""The survey model: what loads, what it holds, and the errors that name the place."""

from __future__ import annotations

from typing import Any

import pytest

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
    AllOf,
    AnyOf,
    EmbeddedDataCondition,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    OtherQuestion,
    PageBreak,
    QuestionCondition,
    ShowBlock,
    SingleChoiceQuestion,
    UnsupportedCondition,
    UnsupportedElement,
    leaves,
)
from smsurvey.surveys.formats import parse_survey
from tests.surveys.factories import (
    block,
    branch,
    document,
    end,
    matrix,
    nps,
    show,
    single_choice,
    survey,
    text_entry,
    when,
    when_data,
)


def rejects(data: dict[str, Any], *fragments: str) -> str:
    """Assert ``data`` is refused with a message holding every fragment; return the message."""
    with pytest.raises(InvalidInput) as caught:
        parse_survey(data)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    return message


def test_loads_blocks_questions_and_page_breaks_and_defaults_the_flow() -> None:
    loaded = survey(
        block("BL_1", nps("QID1"), {"type": "page_break"}, text_entry("QID2")),
        block("BL_2", single_choice("QID3", "Yes", "No")),
    )
    assert loaded.flow == (ShowBlock(type="block", id="BL_1"), ShowBlock(type="block", id="BL_2"))
    assert list(loaded.questions) == ["QID1", "QID2", "QID3"]
    assert isinstance(loaded.blocks[0].elements[1], PageBreak)
    assert [q.id for q in loaded.blocks[0].questions] == ["QID1", "QID2"]
    assert [q.id for q in loaded.flow_questions] == ["QID1", "QID2", "QID3"]


def test_choice_ids_and_values_written_as_numbers_become_strings() -> None:
    question = {
        "id": "QID1",
        "type": "single_choice",
        "text": "Pick",
        "choices": [{"id": 1, "text": 10}, {"id": "2", "text": "Two"}],
    }
    loaded = survey(block("BL", question))
    choices = loaded.questions["QID1"].choices  # type: ignore[union-attr]
    assert [(c.id, c.text) for c in choices] == [("1", "10"), ("2", "Two")]


def test_flow_questions_follow_the_flow_not_the_block_order() -> None:
    loaded = survey(
        block("BL_a", nps("QID1")),
        block("BL_b", text_entry("QID2")),
        block("BL_unused", text_entry("QID3")),
        flow=[show("BL_b"), show("BL_a"), show("BL_b")],
    )
    assert [q.id for q in loaded.flow_questions] == ["QID2", "QID1"]


def test_holds_what_sms_cannot_carry() -> None:
    loaded = survey(
        block(
            "BL",
            {
                "id": "QID1",
                "type": "multiple_choice",
                "text": "<b>All</b> that apply",
                "choices": [
                    {"id": "1", "text": "A"},
                    {"id": "4", "text": "Other", "text_entry": True},
                ],
            },
            {
                "id": "QID2",
                "type": "matrix",
                "text": "Rate",
                "statements": [{"id": "1", "text": "Speed"}],
                "choices": [{"id": "1", "text": "Good"}, {"id": "2", "text": "Bad"}],
                "multiple_answers": True,
            },
            {
                "id": "QID3",
                "type": "slider",
                "text": "Slide",
                "statements": [{"id": "1", "text": "x"}],
            },
            {"id": "QID4", "type": "descriptive", "text": "Welcome"},
            {"id": "QID5", "type": "unsupported", "text": "?", "source_type": "SBS/SBSMatrix"},
            text_entry(
                "QID6",
                display_logic={
                    "any": [
                        {"unsupported": "DeviceType", "description": "Device type is mobile"},
                        when("QID2", "displayed"),
                    ]
                },
            ),
        ),
        flow=[{"type": "unsupported", "source_type": "BlockRandomizer", "flow": [show("BL")]}],
    )
    questions = loaded.questions
    assert isinstance(questions["QID1"], MultipleChoiceQuestion)
    assert questions["QID1"].choices[1].text_entry
    assert isinstance(questions["QID2"], MatrixQuestion)
    assert questions["QID2"].multiple_answers
    assert isinstance(questions["QID5"], OtherQuestion)
    assert questions["QID5"].source_type == "SBS/SBSMatrix"
    assert isinstance(loaded.flow[0], UnsupportedElement)
    assert len(loaded.flow_questions) == 6  # blocks inside an unsupported element still count
    logic = questions["QID6"].display_logic
    assert isinstance(logic, AnyOf)
    assert isinstance(logic.conditions[0], UnsupportedCondition)


def test_condition_trees_nest_all_and_any() -> None:
    logic = {
        "all": [
            when_data("tier", "equal_to", "gold"),
            {"any": [when("QID1", "less_than", 7), when("QID1", "empty")]},
        ]
    }
    loaded = survey(block("BL", nps("QID1"), text_entry("QID2", display_logic=logic)))
    tree = loaded.questions["QID2"].display_logic
    assert isinstance(tree, AllOf)
    assert isinstance(tree.conditions[1], AnyOf)
    assert [type(leaf) for leaf in leaves(tree)] == [
        EmbeddedDataCondition,
        QuestionCondition,
        QuestionCondition,
    ]


def test_a_block_may_appear_twice_in_the_flow() -> None:
    loaded = survey(block("BL", nps("QID1")), flow=[show("BL"), show("BL")])
    assert len(loaded.flow) == 2


def test_a_question_outside_the_flow_may_look_at_any_question() -> None:
    loaded = survey(
        block("BL", nps("QID1")),
        block("BL_trash", text_entry("QID2", display_logic=when("QID3", "not_empty"))),
        block("BL_other", text_entry("QID3")),
        flow=[show("BL")],
    )
    assert [q.id for q in loaded.flow_questions] == ["QID1"]


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        (document(block("BL", nps("QID1"), nps("QID1"))), ["duplicate question id 'QID1'"]),
        (
            document(block("BL", nps("QID1")), block("BL2", nps("QID1"))),
            ["duplicate question id 'QID1'"],
        ),
        (document(block("BL", nps("QID1")), block("BL", nps("QID2"))), ["duplicate block id 'BL'"]),
        (
            document(
                block(
                    "BL",
                    single_choice("QID1", "A", "B") | {"choices": [{"id": 1, "text": "A"}] * 2},
                )
            ),
            ["blocks[0].elements[0].choices: duplicate choice id '1'"],
        ),
        (
            document(
                block("BL", nps("QID1")),
                flow=[show("BL"), branch(when("QID1", "empty"), show("BL_x"))],
            ),
            ["flow[1].flow[0]: unknown block 'BL_x'"],
        ),
        (document(block("BL", nps("QID1", text=None))), ["blocks[0].elements[0].text:"]),
        (
            document(block("BL", {"id": "QID1", "type": "ranking", "text": "?"})),
            ["blocks[0].elements[0]:", "'ranking'"],
        ),
        (
            document(
                block("BL", {"id": "QID1", "type": "single_choice", "text": "?", "choices": []})
            ),
            ["blocks[0].elements[0].choices: List should have at least 1 item"],
        ),
        (document(block("BL", nps("QID1")), id="SV_short"), ["id: 'SV_short' is not a survey id"]),
        ({"blocks": []}, ["name: Field required"]),
        (
            document(block("BL", nps("QID1", colour="red"))),
            ["blocks[0].elements[0].colour: Extra inputs"],
        ),
    ],
    ids=[
        "duplicate question in a block",
        "duplicate question across blocks",
        "duplicate block",
        "duplicate choice",
        "unknown block in a nested flow",
        "text missing",
        "unknown question type",
        "no choices",
        "bad survey id",
        "no name",
        "unknown field",
    ],
)
def test_structure_errors_name_the_place(data: dict[str, Any], fragments: list[str]) -> None:
    rejects(data, *fragments)


@pytest.mark.parametrize(
    ("logic", "fragments"),
    [
        (when("QID9", "empty"), ["question QID2 display logic: unknown question 'QID9'"]),
        (
            when("QID3", "empty"),
            ["question QID2 display logic: QID3 is not asked before this point"],
        ),
        (when("QID2", "empty"), ["QID2 is not asked before this point"]),
        (
            when("QID1", "equal_to", 11),
            ["QID1 is an NPS question: the value must be a score 0-10, not 11"],
        ),
        (when("QID1", "equal_to", "7"), ["score 0-10, not '7'"]),
        (when("QID1", "contains", "7"), ["operator contains does not apply to nps question QID1"]),
        (when("QID1", "less_than"), ["operator less_than needs a value"]),
        (when("QID1", "displayed", 3), ["operator displayed takes no value"]),
        (when("QIDc", "selected", "9"), ["QIDc has no choice '9'"]),
        (
            when("QIDc", "greater_than", 1),
            ["operator greater_than does not apply to single_choice question QIDc"],
        ),
        (
            when("QIDt", "selected", "1"),
            ["operator selected does not apply to text_entry question QIDt"],
        ),
        (
            when("QIDm", "greater_than", 1),
            ["operator greater_than does not apply to multiple_choice question QIDm"],
        ),
        (when_data("tier", "selected", "1"), ["operator selected does not apply to embedded data"]),
        (
            when_data("visits", "greater_than", "many"),
            ["operator greater_than needs a number, not 'many'"],
        ),
        (
            {"any": [when("QID1", "empty"), {"colour": "red"}]},
            ["a condition needs one of the keys all, any"],
        ),
        ({"all": []}, ["display_logic.all:"]),
    ],
    ids=[
        "unknown question",
        "later question",
        "itself",
        "nps out of range",
        "nps score as text",
        "text operator on nps",
        "value missing",
        "value not wanted",
        "unknown choice",
        "numeric operator on choice",
        "choice operator on text",
        "numeric operator on multiple answer",
        "choice operator on embedded data",
        "numeric operator on a word",
        "no condition key",
        "empty group",
    ],
)
def test_display_logic_errors_name_the_question(
    logic: dict[str, Any], fragments: list[str]
) -> None:
    multiple = {
        "id": "QIDm",
        "type": "multiple_choice",
        "text": "?",
        "choices": [{"id": "1", "text": "A"}],
    }
    data = document(
        block(
            "BL",
            nps("QID1"),
            single_choice("QIDc", "A", "B"),
            text_entry("QIDt"),
            multiple,
            text_entry("QID2", display_logic=logic),
            text_entry("QID3"),
        )
    )
    rejects(data, *fragments)


def test_a_branch_may_only_look_at_questions_asked_before_it() -> None:
    data = document(
        block("BL_1", nps("QID1")),
        block("BL_2", text_entry("QID2")),
        flow=[show("BL_1"), branch(when("QID2", "empty"), end()), show("BL_2")],
    )
    rejects(data, "flow[1] branch: QID2 is not asked before this point")


def test_a_branch_sees_questions_of_earlier_branches() -> None:
    loaded = survey(
        block("BL_1", nps("QID1")),
        block("BL_2", text_entry("QID2")),
        flow=[
            show("BL_1"),
            branch(when("QID1", "less_than", 5), show("BL_2")),
            branch(when("QID2", "not_empty"), end("Bye")),
        ],
    )
    assert len(loaded.flow) == 3


def test_every_problem_is_reported_at_once() -> None:
    data = document(
        block("BL", nps("QID1", display_logic=when("QID2", "empty")), text_entry("QID2")),
        flow=[show("BL"), show("BL_gone")],
    )
    message = rejects(data, "flow[1]: unknown block 'BL_gone'", "question QID1 display logic")
    assert message.count(";") == 1


def test_displayed_applies_to_any_question_type() -> None:
    loaded = survey(
        block("BL", matrix("QID1"), text_entry("QID2", display_logic=when("QID1", "not_displayed")))
    )
    assert isinstance(loaded.questions["QID2"].display_logic, QuestionCondition)


def test_nps_conditions_accept_every_score() -> None:
    for score in range(11):
        loaded = survey(
            block(
                "BL", nps("QID1"), text_entry("QID2", display_logic=when("QID1", "equal_to", score))
            )
        )
        assert isinstance(loaded.questions["QID1"], NpsQuestion)


def test_the_model_is_immutable() -> None:
    loaded = survey(block("BL", single_choice("QID1")))
    question = loaded.questions["QID1"]
    assert isinstance(question, SingleChoiceQuestion)
    with pytest.raises(ValueError, match="frozen"):
        question.text = "changed"  # type: ignore[misc]
