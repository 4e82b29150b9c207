"""The 2-way SMS conversation: one question per text, and the respondent texts each answer back.

Pure: no I/O, no clock. A conversation is a :class:`ConversationState` the messaging layer keeps
as JSON between texts; :func:`start` and :func:`reply` each return the next state and the one
text to send.

* The first text is the first displayed question, as
  :func:`~smsurvey.surveys.render.render_question` renders it; after that,
  :func:`~smsurvey.surveys.logic.next_step` alone decides what comes next (display logic,
  branches, end-of-survey elements and their messages).
* A reply is matched against the current question by :func:`match_answer`.
* A reply that does not match gets a short :func:`reprompt` listing the valid answers (the question
  is not sent again). The :data:`MAX_INVALID_REPLIES`-th invalid reply to the same question skips
  it (its answer is ``None``) and the next question goes out after :data:`MOVE_ON`; when the
  survey ends there instead, the end message goes out alone.
* When the survey ends, the end message is sent and the conversation is finished: :func:`reply`
  then raises :class:`ConversationFinished`.

Keywords, sessions and time are the messaging layer's: :func:`reply` takes every text as an
answer attempt, so STOP must be handled before it is called, and the 48-hour expiry and the
closing of the session when a turn finishes the conversation happen outside.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

from smsurvey.kit.errors import InvalidInput
from smsurvey.sms.encoding import measure
from smsurvey.sms.keywords import fold
from smsurvey.surveys.definition import (
    NPS_SCORES,
    Choice,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    Question,
    RankOrderQuestion,
    SingleChoiceQuestion,
    SliderQuestion,
    SurveyDefinition,
    TextEntryQuestion,
)
from smsurvey.surveys.logic import Answer, Answers, End, next_step, other_text_key
from smsurvey.surveys.render import plain_text, render_question

MAX_INVALID_REPLIES = 3
"""Invalid replies to one question after which it is skipped."""

MOVE_ON = "Let's move on."
"""The line before the next question when one was skipped."""

_NUMBER = re.compile(r"\s*(\d+)\s*[.)]?\s*")


class Outcome(StrEnum):
    """What a turn did with the text it was given."""

    STARTED = "started"
    """The conversation started: the first question was sent (or the end message, when the
    survey displays no question to this respondent)."""
    ANSWERED = "answered"
    """The reply was recorded; the next question or the end message was sent."""
    INVALID = "invalid"
    """The reply was not a valid answer; a re-prompt was sent."""
    SKIPPED = "skipped"
    """The last allowed invalid reply: the question was skipped (answer ``None``) and the next
    question or the end message was sent."""


class ConversationFinished(ValueError):
    """A reply was given to a conversation that is over."""


@dataclass(frozen=True, slots=True)
class ConversationState:
    """Where a conversation stands; immutable, and JSON through :meth:`to_json`."""

    question: str | None
    """The id of the question waiting for an answer; ``None`` once the conversation is over."""
    answers: Answers = field(default_factory=dict)
    """Answers by question id; ``None`` for a question skipped after invalid replies."""
    embedded_data: Mapping[str, str] = field(default_factory=dict)
    """The embedded data the respondent started with (the flow's own fields are set on each
    replay of the flow, so they are not kept here)."""
    displayed: tuple[str, ...] = ()
    """Ids of the questions displayed so far, in order, the current one included."""
    invalid_replies: int = 0
    """Invalid replies so far to the current question."""
    seed: str = ""
    """Names the respondent to the flow's randomizers (:func:`~smsurvey.surveys.logic.next_step`):
    the session id."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        object.__setattr__(self, "embedded_data", MappingProxyType(dict(self.embedded_data)))
        object.__setattr__(self, "displayed", tuple(self.displayed))

    @property
    def finished(self) -> bool:
        """Whether the survey has ended (no reply is expected any more)."""
        return self.question is None

    def to_json(self) -> dict[str, Any]:
        """The state as JSON data (:meth:`from_json` reads it back)."""
        return {
            "question": self.question,
            "answers": dict(self.answers),
            "embedded_data": dict(self.embedded_data),
            "displayed": list(self.displayed),
            "invalid_replies": self.invalid_replies,
            "finished": self.finished,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConversationState:
        """The state :meth:`to_json` wrote."""
        state = cls(
            question=data["question"],
            answers=data["answers"],
            embedded_data=data["embedded_data"],
            displayed=data["displayed"],
            invalid_replies=data["invalid_replies"],
            seed=data.get("seed", ""),  # states written before randomizers had none
        )
        if data["finished"] != state.finished:
            raise ValueError("a conversation state is finished exactly when it has no question")
        return state


@dataclass(frozen=True, slots=True)
class Turn:
    """One step of a conversation: the state to keep and the text to send."""

    state: ConversationState
    text: str
    outcome: Outcome
    answer: Answer | None = None
    """The answer recorded by this turn (``ANSWERED`` only)."""

    @property
    def finished(self) -> bool:
        """Whether this turn ended the conversation (``text`` is then the end message)."""
        return self.state.finished


def start(
    survey: SurveyDefinition, embedded_data: Mapping[str, str] | None = None, seed: str = ""
) -> Turn:
    """Start a conversation with a respondent who has ``embedded_data`` (the contact's fields);
    ``seed`` (the session id) draws the order of the flow's randomizers.

    Raises :class:`InvalidInput` when the flow reaches something SMS cannot carry (as
    :func:`reply` does).
    """
    return _advance(survey, {}, embedded_data or {}, seed, Outcome.STARTED)


def reply(survey: SurveyDefinition, state: ConversationState, text: str) -> Turn:
    """Take the respondent's ``text`` as the answer to the current question.

    ``survey`` must be the survey the conversation started with. Raises
    :class:`ConversationFinished` when the conversation is over.
    """
    if state.question is None:
        raise ConversationFinished("the conversation is finished: it takes no more replies")
    question = survey.questions[state.question]
    answer = match_answer(question, text)
    if answer is not None:
        outcome = Outcome.ANSWERED
    elif state.invalid_replies + 1 < MAX_INVALID_REPLIES:
        invalid = replace(state, invalid_replies=state.invalid_replies + 1)
        return Turn(invalid, reprompt(question), Outcome.INVALID)
    else:
        outcome = Outcome.SKIPPED
    answers = {**state.answers, question.id: answer}
    return _advance(survey, answers, state.embedded_data, state.seed, outcome, answer)


def _advance(
    survey: SurveyDefinition,
    answers: Answers,
    embedded_data: Mapping[str, str],
    seed: str,
    outcome: Outcome,
    answer: Answer | None = None,
) -> Turn:
    """The turn that sends whatever the flow asks after ``answers``."""
    step = next_step(survey, answers, embedded_data, seed)
    if isinstance(step, End):
        state = ConversationState(None, answers, embedded_data, step.displayed, seed=seed)
        return Turn(state, plain_text(step.message), outcome, answer)
    text = render_question(step.question).text
    if outcome is Outcome.SKIPPED:
        text = f"{MOVE_ON}\n{text}"
    state = ConversationState(step.question.id, answers, embedded_data, step.displayed, seed=seed)
    return Turn(state, text, outcome, answer)


def match_answer(question: Question, text: str) -> Answer | None:
    """The answer ``text`` gives to ``question``, or ``None`` when it is not a valid one.

    * single choice: the reply code as rendered (``"2"``; spaces around it and a trailing ``.``
      or ``)`` allowed) or else the text of exactly one choice, compared :func:`fold`-ed;
      the answer is the choice id;
    * NPS: a whole number 0-10 written in digits, read like a code (``" 7 "``, ``"7."``);
      ``"7/10"``, ``"seven"``, ``"-1"`` and ``"11"`` are not answers;
    * text entry: any text with something besides spaces, trimmed.

    Raises :class:`InvalidInput` for a question type SMS cannot carry.
    """
    match question:
        case NpsQuestion():
            score = _number(text)
            return score if score in NPS_SCORES else None
        case SingleChoiceQuestion():
            return _choice(question, text)
        case TextEntryQuestion():
            return text.strip() or None
    raise InvalidInput(f"{question.type} question {question.id} cannot be answered by SMS")


def _number(text: str) -> int | None:
    found = _NUMBER.fullmatch(text)
    return int(found[1]) if found else None


def _choice(question: SingleChoiceQuestion, text: str) -> str | None:
    codes = render_question(question).choices
    if (number := _number(text)) is not None and str(number) in codes:
        return codes[str(number)]
    folded = fold(text)
    found = [choice.id for choice in question.choices if folded and fold(_label(choice)) == folded]
    return found[0] if len(found) == 1 else None


def reprompt(question: Question) -> str:
    """The short text that asks again for a valid answer to ``question``.

    Choices are listed with their texts when that fits in one SMS part, else by code alone.
    """
    match question:
        case NpsQuestion():
            return "Please reply with a number from 0 to 10."
        case TextEntryQuestion():
            return "Please reply with your answer in a text message."
        case SingleChoiceQuestion():
            codes = render_question(question).choices
            by_id = {choice.id: choice for choice in question.choices}
            labelled = [f"{code} ({_label(by_id[id_])})" for code, id_ in codes.items()]
            full = f"Please reply {_either(labelled)}."
            return full if measure(full).parts == 1 else f"Please reply {_either(list(codes))}."
    raise InvalidInput(f"{question.type} question {question.id} cannot be answered by SMS")


def _label(choice: Choice) -> str:
    """The choice's text as sent by SMS, on one line."""
    return " ".join(plain_text(choice.text).split())


def _either(items: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``…"""
    return f"{', '.join(items[:-1])} or {items[-1]}" if len(items) > 1 else items[0]


# ------------------------------------------------------------------------------ response values


class NpsGroup(IntEnum):
    """The Net Promoter group of a score, with the code Qualtrics exports for it."""

    DETRACTOR = 1
    """0 to 6."""
    PASSIVE = 2
    """7 and 8."""
    PROMOTER = 3
    """9 and 10."""

    @classmethod
    def of(cls, score: int) -> NpsGroup:
        """The group of an NPS ``score`` (0-10)."""
        if score not in NPS_SCORES:
            raise ValueError(f"an NPS score is 0-10, not {score!r}")
        return cls.DETRACTOR if score <= 6 else cls.PASSIVE if score <= 8 else cls.PROMOTER

    @property
    def label(self) -> str:
        """``Detractor``, ``Passive`` or ``Promoter``."""
        return self.name.title()


StoredValue = int | float | str | list[int | str]
"""A value of a stored response: a score, a choice's value, a number, a text, or a list of
choice values."""


@dataclass(frozen=True, slots=True)
class ResponseValues:
    """A respondent's answers in the Qualtrics response layout (``qualtrics-api.md`` §5.3)."""

    values: Mapping[str, StoredValue]
    """Embedded data by field name, then the answers under Qualtrics' keys: ``QIDn`` (the
    choice's value, a list of them for multiple choice, or the NPS score), ``QIDn_NPS_GROUP``
    (:class:`NpsGroup` code), ``QIDn_{choiceId}_TEXT`` (an "other" box), ``QIDn_{rowId}``
    (matrix choice values, slider numbers, ranks, form fields), ``QIDn_TEXT`` (text entry).
    A choice's value is its recode (else its id), an int when it reads as one."""
    labels: Mapping[str, str | list[str]]
    """Text of the coded values under the same keys: choice texts (a list for multiple
    choice and multiple-answer matrix rows), the group name under ``QIDn_NPS_GROUP``."""


def response_values(survey: SurveyDefinition, state: ConversationState) -> ResponseValues:
    """What to store for ``state`` (finished or not): the embedded data at the point reached in
    the flow, and the answer of each displayed question that has one (skipped questions and
    the question still waiting have no key; descriptive texts store nothing)."""
    step = next_step(survey, state.answers, state.embedded_data, state.seed)
    values: dict[str, StoredValue] = dict(step.embedded_data)
    labels: dict[str, str | list[str]] = {}
    for question_id in state.displayed:
        answer = state.answers.get(question_id)
        if answer is not None:
            question = survey.questions[question_id]
            _store(question, answer, state.answers, values, labels)
    return ResponseValues(values, labels)


def _store(
    question: Question,
    answer: Answer,
    answers: Answers,
    values: dict[str, StoredValue],
    labels: dict[str, str | list[str]],
) -> None:
    """Put ``answer`` to ``question`` into ``values`` and ``labels``."""
    qid = question.id
    rows = answer if isinstance(answer, dict) else {}
    match question:
        case NpsQuestion() if isinstance(answer, int):
            group = NpsGroup.of(answer)
            values[qid] = answer
            values[f"{qid}_NPS_GROUP"] = group.value
            labels[f"{qid}_NPS_GROUP"] = group.label
        case SingleChoiceQuestion() | MultipleChoiceQuestion():
            _store_chosen(question.choices, answer, qid, values, labels)
            for choice in question.choices:
                if choice.text_entry and (text := answers.get(other_text_key(qid, choice.id))):
                    values[other_text_key(qid, choice.id)] = str(text)
        case MatrixQuestion():
            for statement, chosen in rows.items():
                _store_chosen(question.choices, chosen, f"{qid}_{statement}", values, labels)
        case SliderQuestion() | RankOrderQuestion():
            numbers = rows.items()
            values.update((f"{qid}_{row}", n) for row, n in numbers if isinstance(n, int | float))
        case TextEntryQuestion(format="form"):
            values.update((f"{qid}_{field}", str(text)) for field, text in rows.items())
        case TextEntryQuestion():
            values[f"{qid}_TEXT"] = str(answer)


def _store_chosen(
    choices: tuple[Choice, ...],
    chosen: Answer,
    key: str,
    values: dict[str, StoredValue],
    labels: dict[str, str | list[str]],
) -> None:
    """The value and text of the choice ``chosen`` (or of each, for a list) under ``key``."""
    by_id = {choice.id: choice for choice in choices}
    if isinstance(chosen, list):
        picked = [by_id[id_] for id_ in chosen]
        values[key] = [coded(choice.value) for choice in picked]
        labels[key] = [_label(choice) for choice in picked]
    else:
        values[key] = coded(by_id[str(chosen)].value)
        labels[key] = _label(by_id[str(chosen)])


def coded(value: str) -> int | str:
    """A choice's value as stored: an int when it is an integer written plainly (``"2"``),
    else the text (``"02"``, ``"A"``)."""
    try:
        number = int(value)
    except ValueError:
        return value
    return number if str(number) == value else value
