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
    NpsQuestion,
    Question,
    SingleChoiceQuestion,
    SurveyDefinition,
    TextEntryQuestion,
)
from smsurvey.surveys.logic import Answer, Answers, End, next_step
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


def start(survey: SurveyDefinition, embedded_data: Mapping[str, str] | None = None) -> Turn:
    """Start a conversation with a respondent who has ``embedded_data`` (the contact's fields).

    Raises :class:`InvalidInput` when the flow reaches something SMS cannot carry (as
    :func:`reply` does).
    """
    return _advance(survey, {}, embedded_data or {}, Outcome.STARTED)


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
    return _advance(survey, answers, state.embedded_data, outcome, answer)


def _advance(
    survey: SurveyDefinition,
    answers: Answers,
    embedded_data: Mapping[str, str],
    outcome: Outcome,
    answer: Answer | None = None,
) -> Turn:
    """The turn that sends whatever the flow asks after ``answers``."""
    step = next_step(survey, answers, embedded_data)
    if isinstance(step, End):
        state = ConversationState(None, answers, embedded_data, step.displayed)
        return Turn(state, plain_text(step.message), outcome, answer)
    text = render_question(step.question).text
    if outcome is Outcome.SKIPPED:
        text = f"{MOVE_ON}\n{text}"
    state = ConversationState(step.question.id, answers, embedded_data, step.displayed)
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


@dataclass(frozen=True, slots=True)
class ResponseValues:
    """A conversation's answers in the Qualtrics response layout (``qualtrics-api.md`` §5.3)."""

    values: Mapping[str, int | str]
    """Embedded data by field name, then by question id: ``QIDn`` (choice id, or NPS score),
    ``QIDn_NPS_GROUP`` (:class:`NpsGroup` code), ``QIDn_TEXT`` (text entry)."""
    labels: Mapping[str, str]
    """Text of the coded values: the choice text under ``QIDn``, the group name under
    ``QIDn_NPS_GROUP``."""


def response_values(survey: SurveyDefinition, state: ConversationState) -> ResponseValues:
    """What to store for ``state`` (finished or not): the embedded data at the point reached in
    the flow, and the answer of each displayed question that has one (skipped questions and
    the question still waiting have no key)."""
    step = next_step(survey, state.answers, state.embedded_data)
    values: dict[str, int | str] = dict(step.embedded_data)
    labels: dict[str, str] = {}
    for question_id in state.displayed:
        answer = state.answers.get(question_id)
        if answer is None:
            continue
        match survey.questions[question_id]:
            case NpsQuestion():
                group = NpsGroup.of(int(answer))
                values[question_id] = answer
                values[f"{question_id}_NPS_GROUP"] = group.value
                labels[f"{question_id}_NPS_GROUP"] = group.label
            case SingleChoiceQuestion(choices=choices):
                values[question_id] = answer
                labels[question_id] = next(_label(c) for c in choices if c.id == answer)
            case TextEntryQuestion():
                values[f"{question_id}_TEXT"] = answer
    return ResponseValues(values, labels)
