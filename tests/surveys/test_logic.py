"""Conditions and the flow walker."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
    AllOf,
    AnyOf,
    EmbeddedDataCondition,
    Operator,
    QuestionCondition,
    SurveyDefinition,
    UnsupportedCondition,
)
from smsurvey.surveys.logic import DEFAULT_END_MESSAGE, Answers, Ask, End, evaluate, next_step
from tests.surveys.every_type import EVERY_TYPE, STRAIGHT
from tests.surveys.factories import (
    block,
    branch,
    end,
    nps,
    set_data,
    show,
    single_choice,
    survey,
    text_entry,
    when,
    when_data,
)


def on_answer(operator: str, value: Any = None) -> QuestionCondition:
    return QuestionCondition(question="QID1", operator=Operator(operator), value=value)


def on_data(operator: str, value: str | None = None) -> EmbeddedDataCondition:
    return EmbeddedDataCondition(embedded_data="field", operator=Operator(operator), value=value)


YES = on_answer("equal_to", 5)  # holds for the answer 5
NO = on_answer("equal_to", 6)


# ------------------------------------------------------------------------------ conditions


@pytest.mark.parametrize(
    ("operator", "value", "answer", "expected"),
    [
        # NPS scores
        ("equal_to", 7, 7, True),
        ("equal_to", 7, 8, False),
        ("equal_to", 7, None, False),
        ("not_equal_to", 7, 8, True),
        ("not_equal_to", 7, 7, False),
        ("not_equal_to", 7, None, True),
        ("greater_than", 8, 9, True),
        ("greater_than", 8, 8, False),
        ("greater_or_equal", 8, 8, True),
        ("greater_or_equal", 8, 7, False),
        ("less_than", 7, 6, True),
        ("less_than", 7, 7, False),
        ("less_or_equal", 6, 6, True),
        ("less_or_equal", 6, 7, False),
        ("less_or_equal", 6, None, False),
        ("greater_than", 0, None, False),
        # single choice
        ("selected", "2", "2", True),
        ("selected", "2", "1", False),
        ("selected", 2, "2", True),
        ("selected", "2", None, False),
        ("not_selected", "2", "1", True),
        ("not_selected", "2", "2", False),
        ("not_selected", "2", None, True),
        # text entry
        ("equal_to", "yes", "  YES ", True),
        ("equal_to", "yes", "yes please", False),
        ("not_equal_to", "yes", "no", True),
        ("contains", "late", "Delivery was LATE again", True),
        ("contains", "late", "on time", False),
        ("contains", "late", None, False),
        ("does_not_contain", "late", "on time", True),
        ("does_not_contain", "late", "too late", False),
        ("does_not_contain", "late", None, True),
        ("empty", None, None, True),
        ("empty", None, "   ", True),
        ("empty", None, "ok", False),
        ("empty", None, 0, False),
        ("not_empty", None, "ok", True),
        ("not_empty", None, None, False),
    ],
)
def test_question_operators(operator: str, value: Any, answer: Any, expected: bool) -> None:
    answers = {} if answer is None else {"QID1": answer}
    assert evaluate(on_answer(operator, value), answers, {}) is expected


def test_a_skipped_question_is_empty_and_selects_nothing() -> None:
    skipped: Answers = {"QID1": None}
    assert evaluate(on_answer("empty"), skipped, {})
    assert evaluate(on_answer("not_selected", "1"), skipped, {})
    assert not evaluate(on_answer("less_than", 7), skipped, {})


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("equal_to", "gold", "Gold", True),
        ("equal_to", "gold", "silver", False),
        ("equal_to", "gold", None, False),
        ("not_equal_to", "gold", "silver", True),
        ("not_equal_to", "gold", None, True),
        ("contains", "@acme", "ann@acme.com", True),
        ("contains", "@acme", "ann@example.com", False),
        ("does_not_contain", "@acme", "ann@example.com", True),
        ("greater_than", "3", "10", True),
        ("greater_than", "3", "2.5", False),
        ("greater_than", "3", "many", False),
        ("greater_or_equal", "3", "3", True),
        ("less_than", "3", "-1", True),
        ("less_or_equal", "3", "3.0", True),
        ("less_than", "3", None, False),
        ("empty", None, None, True),
        ("empty", None, "", True),
        ("empty", None, "x", False),
        ("not_empty", None, "x", True),
        ("not_empty", None, None, False),
    ],
)
def test_embedded_data_operators(operator: str, value: Any, actual: Any, expected: bool) -> None:
    data = {} if actual is None else {"field": actual}
    assert evaluate(on_data(operator, value), {}, data) is expected


def test_displayed_looks_at_the_displayed_questions() -> None:
    assert evaluate(on_answer("displayed"), {}, {}, displayed=["QID1"])
    assert not evaluate(on_answer("displayed"), {"QID1": 3}, {}, displayed=[])
    assert evaluate(on_answer("not_displayed"), {}, {}, displayed=["QID2"])
    assert not evaluate(on_answer("not_displayed"), {}, {}, displayed=["QID1"])


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (AllOf(all=(YES, YES)), True),
        (AllOf(all=(YES, NO)), False),
        (AnyOf(any=(NO, YES)), True),
        (AnyOf(any=(NO, NO)), False),
        (AnyOf(any=(NO, AllOf(all=(YES, YES)))), True),
        (AllOf(all=(YES, AnyOf(any=(NO, NO)))), False),
        (AllOf(all=(AnyOf(any=(NO, YES)), AnyOf(any=(YES, NO)), YES)), True),
    ],
)
def test_all_and_any_groups(tree: AllOf | AnyOf, expected: bool) -> None:
    assert evaluate(tree, {"QID1": 5}, {}) is expected


def test_an_unsupported_condition_cannot_be_evaluated() -> None:
    condition = UnsupportedCondition(unsupported="DeviceType")
    with pytest.raises(InvalidInput, match="DeviceType logic cannot be evaluated"):
        evaluate(condition, {}, {})


# ------------------------------------------------------------------------------ the walker


def asked(survey_: SurveyDefinition, answers: Answers, data: dict[str, str] | None = None) -> str:
    step = next_step(survey_, answers, data)
    assert isinstance(step, Ask), step
    return step.question.id


def ended(survey_: SurveyDefinition, answers: Answers, data: dict[str, str] | None = None) -> End:
    step = next_step(survey_, answers, data)
    assert isinstance(step, End), step
    return step


def test_asks_questions_in_order_ignoring_page_breaks_then_ends() -> None:
    walked = survey(
        block("BL_1", nps("QID1"), {"type": "page_break"}, text_entry("QID2")),
        block("BL_2", single_choice("QID3")),
    )
    assert asked(walked, {}) == "QID1"
    assert asked(walked, {"QID1": 9}) == "QID2"
    assert asked(walked, {"QID1": 9, "QID2": "hi"}) == "QID3"
    result = ended(walked, {"QID1": 9, "QID2": "hi", "QID3": "1"})
    assert result.message == DEFAULT_END_MESSAGE
    assert result.displayed == ("QID1", "QID2", "QID3")


def test_a_skipped_question_is_displayed_and_passed() -> None:
    walked = survey(block("BL", nps("QID1"), text_entry("QID2")))
    step = next_step(walked, {"QID1": None})
    assert isinstance(step, Ask)
    assert step.question.id == "QID2"
    assert step.displayed == ("QID1", "QID2")


def test_display_logic_hides_questions() -> None:
    walked = survey(
        block(
            "BL",
            nps("QID1"),
            single_choice(
                "QID2", text="What did you like?", display_logic=when("QID1", "greater_or_equal", 9)
            ),
            single_choice(
                "QID3", text="What went wrong?", display_logic=when("QID1", "less_than", 9)
            ),
            text_entry("QID4", display_logic=when("QID2", "displayed")),
        )
    )
    assert asked(walked, {"QID1": 10}) == "QID2"
    assert asked(walked, {"QID1": 10, "QID2": "1"}) == "QID4"
    assert asked(walked, {"QID1": 3}) == "QID3"
    result = ended(walked, {"QID1": 3, "QID3": "2"})
    assert result.displayed == ("QID1", "QID3")


def test_branches_take_their_flow_only_when_the_condition_holds() -> None:
    walked = survey(
        block("BL_score", nps("QID1")),
        block("BL_low", text_entry("QID2", text="What went wrong?")),
        block("BL_rest", text_entry("QID3", text="What did you like?")),
        flow=[
            show("BL_score"),
            branch(when("QID1", "less_or_equal", 6), show("BL_low"), end("Sorry to hear that.")),
            show("BL_rest"),
        ],
        end_message="Thanks!",
    )
    assert asked(walked, {"QID1": 2}) == "QID2"
    assert ended(walked, {"QID1": 2, "QID2": "late"}).message == "Sorry to hear that."
    assert asked(walked, {"QID1": 8}) == "QID3"
    promoter = ended(walked, {"QID1": 8, "QID3": "all"})
    assert promoter.message == "Thanks!"
    assert promoter.displayed == ("QID1", "QID3")


def test_an_end_survey_without_a_message_uses_the_survey_end_message_else_the_default() -> None:
    flow = [show("BL"), end(), show("BL_never")]
    blocks = (block("BL", nps("QID1")), block("BL_never", text_entry("QID2")))
    assert ended(survey(*blocks, flow=flow, end_message="Bye"), {"QID1": 1}).message == "Bye"
    assert ended(survey(*blocks, flow=flow), {"QID1": 1}).message == DEFAULT_END_MESSAGE


def test_embedded_data_elements_set_fields_that_later_logic_reads() -> None:
    walked = survey(
        block("BL", nps("QID1", display_logic=when_data("segment", "equal_to", "b2b"))),
        block("BL_2", text_entry("QID2", display_logic=when_data("tier", "equal_to", "gold"))),
        flow=[
            set_data(segment="b2b", tier=None),
            show("BL"),
            branch(when("QID1", "less_than", 5), set_data(tier="gold")),
            show("BL_2"),
        ],
    )
    first = next_step(walked, {}, {"tier": "silver", "email": "a@b.c"})
    assert isinstance(first, Ask)
    assert first.question.id == "QID1"
    assert first.embedded_data == {"tier": "silver", "email": "a@b.c", "segment": "b2b"}
    assert ended(walked, {"QID1": 9}, {"tier": "silver"}).embedded_data["tier"] == "silver"
    assert asked(walked, {"QID1": 2}, {"tier": "silver"}) == "QID2"
    assert asked(walked, {"QID1": 9}, {"tier": "gold"}) == "QID2"  # declared, kept from the contact


def test_the_contact_data_given_is_not_changed() -> None:
    walked = survey(block("BL", nps("QID1")), flow=[set_data(tier="gold"), show("BL")])
    contact = {"tier": "silver"}
    next_step(walked, {}, contact)
    assert contact == {"tier": "silver"}


def test_a_block_shown_twice_asks_its_questions_once() -> None:
    walked = survey(block("BL", nps("QID1")), flow=[show("BL"), show("BL")])
    assert ended(walked, {"QID1": 5}).displayed == ("QID1",)


def test_a_question_hidden_on_its_first_showing_stays_hidden() -> None:
    walked = survey(
        block("BL", text_entry("QID1", display_logic=when_data("tier", "equal_to", "gold"))),
        block("BL_0", nps("QID0")),
        flow=[show("BL_0"), show("BL"), set_data(tier="gold"), show("BL")],
    )
    assert ended(walked, {"QID0": 3}).displayed == ("QID0",)


def test_answers_to_hidden_questions_are_ignored() -> None:
    walked = survey(
        block("BL", nps("QID1"), text_entry("QID2", display_logic=when("QID1", "less_than", 5)))
    )
    assert ended(walked, {"QID1": 9, "QID2": "stale"}).displayed == ("QID1",)


def test_an_unsupported_flow_element_cannot_be_walked() -> None:
    walked = survey(
        block("BL", nps("QID1")),
        flow=[{"type": "unsupported", "source_type": "BlockRandomizer", "flow": [show("BL")]}],
    )
    with pytest.raises(InvalidInput, match="BlockRandomizer"):
        next_step(walked, {})


def test_a_survey_without_questions_ends_at_once() -> None:
    assert ended(survey(end_message="Nothing to ask"), {}).message == "Nothing to ask"


SCORED = survey(
    block("BL_score", nps("QID1")),
    block(
        "BL_more",
        single_choice("QID2", "A", "B", "C", display_logic=when("QID1", "greater_than", 6)),
        text_entry(
            "QID3",
            display_logic={"any": [when("QID2", "selected", "3"), when("QID1", "less_than", 2)]},
        ),
    ),
    block("BL_last", text_entry("QID4", display_logic=when("QID3", "not_displayed"))),
    flow=[
        show("BL_score"),
        show("BL_more"),
        branch(when("QID3", "contains", "stop"), end("Stopped")),
        show("BL_last"),
    ],
)


@given(
    score=st.integers(0, 10),
    choice=st.sampled_from(["1", "2", "3"]),
    text=st.sampled_from(["ok", "please stop", "", None]),
)
def test_answering_each_question_asked_always_reaches_the_end(
    score: int, choice: str, text: str | None
) -> None:
    replies: dict[str, int | str | None] = {
        "QID1": score,
        "QID2": choice,
        "QID3": text,
        "QID4": text,
    }
    answers: dict[str, int | str | None] = {}
    order: list[str] = []
    while isinstance(step := next_step(SCORED, answers), Ask):
        assert step.question.id not in answers
        assert step.displayed == (*order, step.question.id)
        order.append(step.question.id)
        answers[step.question.id] = replies[step.question.id]
    assert step.displayed == tuple(order)
    assert ("QID2" in order) == (score > 6)
    assert ("QID3" in order) == ((score > 6 and choice == "3") or score < 2)
    stopped = "QID3" in order and text == "please stop"
    assert step.message == ("Stopped" if stopped else DEFAULT_END_MESSAGE)
    assert ("QID4" in order) == (not stopped and "QID3" not in order)


# ------------------------------------------------------------------- structured answers


@pytest.mark.parametrize(
    ("condition", "answer", "expected"),
    [
        # multiple choice: a list of choice ids
        (when("QID1", "selected", "2"), ["1", "2"], True),
        (when("QID1", "selected", 3), ["1", "2"], False),
        (when("QID1", "not_selected", "3"), ["1", "2"], True),
        (when("QID1", "empty"), [], True),
        (when("QID1", "not_empty"), ["1"], True),
        # matrix: a choice id, or a list of them, per statement
        (when("QID1", "selected", "3", statement="s1"), {"s1": "3", "s2": "1"}, True),
        (when("QID1", "selected", "3", statement="s2"), {"s1": "3", "s2": "1"}, False),
        (when("QID1", "selected", "3", statement="s2"), {"s2": ["1", "3"]}, True),
        (when("QID1", "empty", statement="s2"), {"s1": "3"}, True),
        (when("QID1", "not_selected", "1", statement="s3"), {"s1": "3"}, True),
        # slider and rank order: a number per statement (or ranked choice)
        (when("QID1", "greater_or_equal", 7.5, statement="s1"), {"s1": 7.5}, True),
        (when("QID1", "greater_than", 7, statement="s1"), {"s1": 7}, False),
        (when("QID1", "equal_to", 1, statement="c2"), {"c1": 2, "c2": 1}, True),
        (when("QID1", "less_than", 2, statement="c1"), {"c1": 2, "c2": 1}, False),
        # form: a text per field; without a statement, any field
        (when("QID1", "contains", "paris", statement="city"), {"city": "Paris"}, True),
        (when("QID1", "equal_to", "Ann", statement="name"), {"name": "ann "}, True),
        (when("QID1", "contains", "paris"), {"name": "Ann", "city": "Paris"}, True),
        (when("QID1", "does_not_contain", "paris"), {"name": "Ann", "city": "Paris"}, False),
        (when("QID1", "empty"), {"name": " ", "city": ""}, True),
        (when("QID1", "not_empty"), {"name": "Ann"}, True),
    ],
)
def test_conditions_on_structured_answers(
    condition: dict[str, Any], answer: Any, expected: bool
) -> None:
    parsed = QuestionCondition.model_validate(condition)
    assert evaluate(parsed, {"QID1": answer}, {}) is expected


# ------------------------------------------------------------------------------ skip logic


def asked_in_turn(definition: SurveyDefinition, answers: Answers) -> list[str]:
    """The questions asked one after another when each takes its answer from ``answers``."""
    given: dict[str, Any] = {}
    while isinstance(step := next_step(definition, given), Ask):
        given[step.question.id] = answers.get(step.question.id)
    return list(step.displayed)


def test_without_a_skip_every_displayed_question_is_asked() -> None:
    assert asked_in_turn(EVERY_TYPE, STRAIGHT) == [f"QID{n}" for n in range(1, 13)]


def test_display_logic_on_a_choice_hides_a_question() -> None:
    assert "QID3" not in asked_in_turn(EVERY_TYPE, {**STRAIGHT, "QID2": "1"})


def test_a_skip_to_a_later_question_passes_the_ones_between() -> None:
    asked = asked_in_turn(EVERY_TYPE, {**STRAIGHT, "QID4": ["4"]})
    assert asked[asked.index("QID4") + 1] == "QID6"
    assert "QID5" not in asked


def test_a_skip_to_the_end_of_the_block_goes_on_with_the_flow() -> None:
    asked = asked_in_turn(EVERY_TYPE, {**STRAIGHT, "QID10": "More"})
    assert asked[-2:] == ["QID10", "QID12"]  # QID11 passed, the next block asked


def test_a_skip_to_the_end_of_the_survey_ends_with_the_survey_end_message() -> None:
    step = next_step(EVERY_TYPE, {"QID1": 0})
    assert step == End("Thanks, that is all.", ("QID1",), {})


def test_a_skipped_question_with_skip_logic_goes_on_when_no_rule_holds() -> None:
    step = next_step(EVERY_TYPE, {"QID1": 5, "QID2": "1", "QID4": None})
    assert isinstance(step, Ask)
    assert step.question.id == "QID5"


# ------------------------------------------------------------------ groups and randomizers


def test_a_group_is_walked_in_order_with_the_flow_around_it() -> None:
    definition = survey(
        block("B1", nps("QID1")),
        block("B2", text_entry("QID2")),
        block("B3", text_entry("QID3")),
        flow=[
            {"type": "group", "flow": [show("B1"), {"type": "group", "flow": [show("B2")]}]},
            show("B3"),
        ],
    )
    assert asked_in_turn(definition, {}) == ["QID1", "QID2", "QID3"]


def randomized(subset: int | None = None, **extra: Any) -> SurveyDefinition:
    """Five one-question blocks under a randomizer, then a last block."""
    blocks = [block(f"B{n}", text_entry(f"QID{n}")) for n in range(1, 7)]
    randomizer = {"type": "randomizer", "flow": [show(f"B{n}") for n in range(1, 6)], **extra}
    if subset is not None:
        randomizer["subset"] = subset
    return survey(*blocks, flow=[randomizer, show("B6")])


def walked(definition: SurveyDefinition, seed: str) -> list[str]:
    given: dict[str, Any] = {}
    while isinstance(step := next_step(definition, given, seed=seed), Ask):
        given[step.question.id] = "ok"
    return list(step.displayed)


def test_a_randomizer_draws_a_subset_in_an_order_stable_for_one_seed() -> None:
    definition = randomized(subset=3, id="FL_5")
    orders = {seed: walked(definition, seed) for seed in (f"FS_{n}" for n in range(40))}
    for seed, order in orders.items():
        assert walked(definition, seed) == order  # the same respondent: the same draw
        assert len(order) == 4
        assert order[-1] == "QID6"
        assert len(set(order[:3])) == 3
        assert set(order[:3]) <= {f"QID{n}" for n in range(1, 6)}
    assert len({tuple(order) for order in orders.values()}) > 10  # respondents differ
    assert {question for order in orders.values() for question in order[:3]} == {
        f"QID{n}" for n in range(1, 6)
    }


def test_a_randomizer_without_subset_shows_every_element() -> None:
    order = walked(randomized(), "FS_a")
    assert sorted(order[:5]) == [f"QID{n}" for n in range(1, 6)]


def test_the_draw_depends_on_the_seed_and_the_randomizer_only() -> None:
    first = [walked(randomized(subset=2, id="FL_1"), f"s{n}") for n in range(20)]
    again = [walked(randomized(subset=2, id="FL_1"), f"s{n}") for n in range(20)]
    other = [walked(randomized(subset=2, id="FL_2"), f"s{n}") for n in range(20)]
    assert first == again
    assert first != other
