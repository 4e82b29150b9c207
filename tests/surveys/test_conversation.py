"""The 2-way SMS conversation state machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.conversation import (
    MAX_INVALID_REPLIES,
    MOVE_ON,
    ConversationFinished,
    ConversationState,
    NpsGroup,
    Outcome,
    Turn,
    match_answer,
    reply,
    reprompt,
    response_values,
    start,
)
from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.logic import Answer, evaluate, next_step
from smsurvey.surveys.render import render_question
from tests.surveys.factories import (
    block,
    branch,
    end,
    matrix,
    nps,
    set_data,
    show,
    single_choice,
    survey,
    text_entry,
    when,
    when_data,
)

FEEDBACK = load_survey(Path(__file__).parents[2] / "examples" / "customer-feedback.yaml")
THANKS = "Thank you for your feedback! The Acme team"
SORRY = "Thank you for your honesty. We will use your answers to do better. The Acme team"
NPS_AGAIN = "Please reply with a number from 0 to 10."
CALL_AGAIN = "Please reply 1 (Yes, please call me) or 2 (No, thanks)."
TEXT_AGAIN = "Please reply with your answer in a text message."

# A second flow: a field set by a branch, display logic on it, and an end-of-survey branch.
BRANCHY = survey(
    block(
        "B1",
        nps("QID1"),
        single_choice("QID2", "Red", "Green", "Blue", display_logic=when("QID1", "less_than", 5)),
    ),
    block("B2", text_entry("QID3", display_logic=when_data("segment", "equal_to", "vip"))),
    block(
        "B3", single_choice("QID4", "Yes", "No", display_logic=when("QID2", "not_selected", "3"))
    ),
    block("B4", text_entry("QID5")),
    flow=[
        show("B1"),
        branch(when("QID1", "greater_than", 8), set_data(segment="vip")),
        show("B2"),
        show("B3"),
        branch(when("QID4", "selected", "2"), end("Sorry to hear.")),
        show("B4"),
    ],
)


def asks(survey: SurveyDefinition, question_id: str) -> str:
    return render_question(survey.questions[question_id]).text


def converse(
    survey: SurveyDefinition, replies: list[str], contact: dict[str, str] | None = None
) -> list[Turn]:
    """The turns of a conversation: the start, then one per reply."""
    turns = [start(survey, contact)]
    for text in replies:
        turns.append(reply(survey, turns[-1].state, text))
    return turns


# ----------------------------------------------------------------------------- walking a survey


def test_start_sends_the_first_question_as_rendered() -> None:
    turn = start(FEEDBACK)
    assert turn.text == asks(FEEDBACK, "QID1")
    assert turn.outcome is Outcome.STARTED
    assert turn.answer is None
    assert turn.state == ConversationState("QID1", {}, {}, ("QID1",))
    assert not turn.finished


@pytest.mark.parametrize(
    ("replies", "contact", "answers", "end_message"),
    [
        pytest.param(
            ["10", "2", "Keep it up"],
            {},
            {"QID1": 10, "QID2": "2", "QID5": "Keep it up"},
            THANKS,
            id="promoter by code",
        ),
        pytest.param(
            [" 9 ", "  product   QUALITY. ", "  Nothing, thanks  "],
            {"tier": "gold"},  # gold sees QID4 only on the detractor path
            {"QID1": 9, "QID2": "2", "QID5": "Nothing, thanks"},
            THANKS,
            id="promoter by choice text",
        ),
        pytest.param(
            ["7", "better service", "ok"],
            {},
            {"QID1": 7, "QID3": "3", "QID5": "ok"},
            THANKS,
            id="passive by choice text",
        ),
        pytest.param(
            ["8", "4)", "Cheaper please"],
            {},
            {"QID1": 8, "QID3": "4", "QID5": "Cheaper please"},
            THANKS,
            id="passive by code with a parenthesis",
        ),
        pytest.param(
            ["3", "1.", "Call me after 6"],
            {},
            {"QID1": 3, "QID4": "1", "QID5": "Call me after 6"},
            SORRY,
            id="detractor",
        ),
        pytest.param(
            ["5", "The app crashes"],
            {},
            {"QID1": 5, "QID5": "The app crashes"},
            SORRY,
            id="detractor above 3 is not offered a call",
        ),
        pytest.param(
            ["5", "NO, THANKS", "-"],
            {"tier": "gold"},
            {"QID1": 5, "QID4": "2", "QID5": "-"},
            SORRY,
            id="gold detractor above 3 is offered a call",
        ),
    ],
)
def test_walks_of_the_customer_feedback_example(
    replies: list[str],
    contact: dict[str, str],
    answers: dict[str, Answer],
    end_message: str,
) -> None:
    turns = converse(FEEDBACK, replies, contact)
    asked = list(answers)
    # each reply is answered by the next question asked, and the last by the end message
    assert [turn.text for turn in turns] == [*(asks(FEEDBACK, q) for q in asked), end_message]
    assert [turn.outcome for turn in turns[1:]] == [Outcome.ANSWERED] * len(replies)
    assert [turn.answer for turn in turns[1:]] == [answers[q] for q in asked]
    final = turns[-1].state
    assert final.finished
    assert turns[-1].finished
    assert final.question is None
    assert final.answers == answers
    assert final.displayed == tuple(asked)
    assert final.embedded_data == contact


def test_choice_texts_match_ignoring_case_accents_and_spaces() -> None:
    question = survey(block("B1", single_choice("QID1", "Très  bien", "Pas du tout"))).questions
    assert match_answer(question["QID1"], "TRES BIEN") == "1"
    assert match_answer(question["QID1"], " très bien! ") == "1"
    assert match_answer(question["QID1"], "pas du tóut") == "2"
    assert match_answer(question["QID1"], "pas du") is None


def test_a_survey_that_displays_no_question_ends_at_the_start() -> None:
    only_gold = survey(
        block("B1", nps("QID1", display_logic=when_data("tier", "equal_to", "gold"))),
        end_message="<p>Thanks &amp; bye</p>",
    )
    turn = start(only_gold, {"tier": "silver"})
    assert (turn.text, turn.outcome, turn.finished) == ("Thanks & bye", Outcome.STARTED, True)
    assert start(only_gold, {"tier": "gold"}).text == asks(only_gold, "QID1")


def test_a_finished_conversation_takes_no_more_replies() -> None:
    turns = converse(FEEDBACK, ["3", "2", "Bye"])
    assert turns[-1].finished
    with pytest.raises(ConversationFinished):
        reply(FEEDBACK, turns[-1].state, "one more thing")


# ------------------------------------------------------------------------------ invalid replies


@pytest.mark.parametrize(
    ("before", "text", "reprompt_text"),
    [
        *(([], text, NPS_AGAIN) for text in ("-1", "11", "7/10", "seven", "7.5", "", "STOP")),
        *((["2"], text, CALL_AGAIN) for text in ("3", "0", "yes", "Yes please call me", "1 2")),
        *((["2", "1"], text, TEXT_AGAIN) for text in ("", "  \n ")),
    ],
)
def test_an_invalid_reply_gets_a_short_reprompt(
    before: list[str], text: str, reprompt_text: str
) -> None:
    waiting = converse(FEEDBACK, before)[-1].state
    turn = reply(FEEDBACK, waiting, text)
    assert turn.text == reprompt_text
    assert (turn.outcome, turn.answer) == (Outcome.INVALID, None)
    assert turn.state == ConversationState(
        waiting.question, waiting.answers, {}, waiting.displayed, invalid_replies=1
    )


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        (("Yes",), "Please reply 1 (Yes)."),
        (("Red", "Green", "Blue"), "Please reply 1 (Red), 2 (Green) or 3 (Blue)."),
        (("<b>Very</b>   good", "Bad"), "Please reply 1 (Very good) or 2 (Bad)."),
        # listing the texts would take a second SMS part: the codes alone
        (
            tuple(f"A rather long answer number {n}" for n in range(1, 6)),
            "Please reply 1, 2, 3, 4 or 5.",
        ),
    ],
)
def test_a_choice_reprompt_lists_the_choices_in_one_part(
    choices: tuple[str, ...], expected: str
) -> None:
    question = survey(block("B1", single_choice("QID1", *choices))).questions["QID1"]
    assert reprompt(question) == expected


def test_the_third_invalid_reply_skips_the_question_and_moves_on() -> None:
    turns = converse(FEEDBACK, ["nine", "9/10", "nine!"])
    assert [turn.outcome for turn in turns[1:]] == [Outcome.INVALID] * 2 + [Outcome.SKIPPED]
    assert [turn.state.invalid_replies for turn in turns[1:]] == [1, 2, 0]
    skipped = turns[-1]
    # no score: neither the detractor branch nor the follow-ups apply
    assert skipped.text == f"{MOVE_ON}\n{asks(FEEDBACK, 'QID5')}"
    assert skipped.answer is None
    assert skipped.state.answers == {"QID1": None}
    assert skipped.state.displayed == ("QID1", "QID5")
    assert MAX_INVALID_REPLIES == 3


def test_skipping_the_last_question_sends_the_end_message_alone() -> None:
    turns = converse(FEEDBACK, ["10", "1", "", " ", ""])
    assert (turns[-1].outcome, turns[-1].text, turns[-1].finished) == (
        Outcome.SKIPPED,
        THANKS,
        True,
    )
    assert turns[-1].state.answers == {"QID1": 10, "QID2": "1", "QID5": None}


def test_invalid_replies_count_per_question() -> None:
    turns = converse(FEEDBACK, ["x", "x", "10", "x", "x", "3"])
    assert [turn.outcome for turn in turns[1:]] == [
        *(Outcome.INVALID, Outcome.INVALID, Outcome.ANSWERED),
        *(Outcome.INVALID, Outcome.INVALID, Outcome.ANSWERED),
    ]
    assert turns[-1].state.answers == {"QID1": 10, "QID2": "3"}


# ------------------------------------------------------------------------------- match_answer

QUESTIONS = survey(
    block(
        "B1",
        nps("QID1"),
        single_choice("QID2", "3", "2", "1", "Maybe", "maybé"),
        text_entry("QID3"),
        matrix("QID4"),
    )
).questions


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        *(("0", 0), ("10", 10), (" 7 ", 7), ("7.", 7), ("07", 7), ("\t5\n", 5), ("٧", 7)),
        *(("-1", None), ("11", None), ("100", None), ("7/10", None), ("seven", None)),
        *(("1 0", None), ("+7", None), ("7.5", None), ("", None), ("ten", None), ("²", None)),
    ],
)
def test_nps_answers_are_whole_numbers_from_0_to_10(text: str, answer: int | None) -> None:
    assert match_answer(QUESTIONS["QID1"], text) == answer


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        *(("1", "1"), (" 2 ", "2"), ("3.", "3"), ("3)", "3"), ("4 .", "4"), ("01", "1")),
        ("6", None),  # no such code, nor a choice that reads "6"
        ("0", None),
        ("(1)", "3"),  # not a code, but the text of the third choice
        ("1.5", None),
        ("maybe", None),  # two choices read "maybe" once folded: which one is unclear
        ("Maybe?", None),
    ],
)
def test_a_choice_is_answered_by_its_code_first_then_its_text(
    text: str, answer: str | None
) -> None:
    # codes win over texts: "1" is the first choice, whose text is "3"
    assert match_answer(QUESTIONS["QID2"], text) == answer


def test_a_text_entry_answer_is_any_text_trimmed() -> None:
    question = QUESTIONS["QID3"]
    assert match_answer(question, "  Great  service!\n") == "Great  service!"
    assert match_answer(question, "STOP") == "STOP"  # keywords are the messaging layer's
    assert match_answer(question, " \n\t") is None


def test_questions_sms_cannot_carry_cannot_be_answered() -> None:
    with pytest.raises(InvalidInput, match="matrix question QID4"):
        match_answer(QUESTIONS["QID4"], "1")
    with pytest.raises(InvalidInput, match="matrix question QID4"):
        reprompt(QUESTIONS["QID4"])


# ---------------------------------------------------------------------------------------- state


def test_state_round_trips_through_json() -> None:
    turns = converse(FEEDBACK, ["x", "3", "x", "x", "x", "Fine"], {"tier": "gold"})
    for turn in turns:
        data = json.loads(json.dumps(turn.state.to_json()))
        assert ConversationState.from_json(data) == turn.state
    assert turns[4].state.to_json() == {
        "question": "QID4",
        "answers": {"QID1": 3},
        "embedded_data": {"tier": "gold"},
        "displayed": ["QID1", "QID4"],
        "invalid_replies": 2,
        "finished": False,
        "seed": "",
    }
    assert turns[-1].state.to_json()["answers"] == {"QID1": 3, "QID4": None, "QID5": "Fine"}


def test_state_json_must_agree_on_finished() -> None:
    data = start(FEEDBACK).state.to_json() | {"finished": True}
    with pytest.raises(ValueError, match="finished"):
        ConversationState.from_json(data)


def test_state_is_immutable() -> None:
    answers: dict[str, Answer | None] = {"QID1": 3}
    state = ConversationState("QID4", answers, {"tier": "gold"}, ["QID1", "QID4"])
    answers["QID1"] = 10
    assert state.answers == {"QID1": 3}
    assert state.displayed == ("QID1", "QID4")
    with pytest.raises(TypeError):
        state.answers["QID1"] = 10  # type: ignore[index]
    with pytest.raises(AttributeError):
        state.question = "QID5"  # type: ignore[misc]


# ------------------------------------------------------------------------------ response values


def test_response_values_in_the_qualtrics_layout() -> None:
    state = converse(FEEDBACK, ["10", "product quality", "Keep it up"], {"tier": "gold"})[-1].state
    values = response_values(FEEDBACK, state)
    assert values.values == {
        "tier": "gold",
        "channel": "sms",  # set by the flow
        "QID1": 10,
        "QID1_NPS_GROUP": 3,
        "QID2": 2,  # the choice id "2", stored as a number
        "QID5_TEXT": "Keep it up",
    }
    assert values.labels == {"QID1_NPS_GROUP": "Promoter", "QID2": "Product quality"}


def test_response_values_leave_out_skipped_and_unanswered_questions() -> None:
    state = converse(FEEDBACK, ["2", "x", "x", "x"])[-1].state  # QID4 skipped, QID5 waiting
    values = response_values(FEEDBACK, state)
    assert values.values == {"channel": "sms", "QID1": 2, "QID1_NPS_GROUP": 1}
    assert values.labels == {"QID1_NPS_GROUP": "Detractor"}


@pytest.mark.parametrize(
    ("score", "group"),
    [
        *((score, NpsGroup.DETRACTOR) for score in range(7)),
        *((score, NpsGroup.PASSIVE) for score in (7, 8)),
        *((score, NpsGroup.PROMOTER) for score in (9, 10)),
    ],
)
def test_nps_groups(score: int, group: NpsGroup) -> None:
    assert NpsGroup.of(score) is group


def test_nps_group_labels_and_bounds() -> None:
    assert [group.label for group in NpsGroup] == ["Detractor", "Passive", "Promoter"]
    for score in (-1, 11):
        with pytest.raises(ValueError, match="0-10"):
            NpsGroup.of(score)


# ---------------------------------------------------------------------------------- properties

REPLIES = st.one_of(
    st.sampled_from(["0", "3", "5", "7", "8", "9", "10", "1", "2", "4", "-1", "11", "", " "]),
    st.sampled_from(["Prices", "no, thanks", "Blue", "yes", "STOP", "HELP", "4)", "2."]),
    st.text(max_size=12),
)


@given(
    survey_=st.sampled_from([FEEDBACK, BRANCHY]),
    contact=st.sampled_from([{}, {"tier": "gold"}, {"tier": "silver"}, {"segment": "vip"}]),
    data=st.data(),
)
def test_any_replies_ask_only_displayed_questions_and_end_in_time(
    survey_: SurveyDefinition, contact: dict[str, str], data: st.DataObject
) -> None:
    limit = len(survey_.questions) * 4
    replies = data.draw(st.lists(REPLIES, min_size=limit, max_size=limit))
    turn, asked = start(survey_, contact), []
    for text in replies:
        if turn.finished:
            break
        state = turn.state
        question = survey_.questions[state.question]
        if state.invalid_replies == 0:  # newly asked
            assert question.id not in state.answers
            assert question.id not in asked
            asked.append(question.id)
        if question.display_logic is not None:
            flow_data = next_step(survey_, state.answers, state.embedded_data).embedded_data
            earlier = state.displayed[:-1]
            assert evaluate(question.display_logic, state.answers, flow_data, earlier)
        turn = reply(survey_, state, text)
        assert ConversationState.from_json(turn.state.to_json()) == turn.state
    assert turn.finished
    assert set(turn.state.answers) == set(asked) == set(turn.state.displayed)
