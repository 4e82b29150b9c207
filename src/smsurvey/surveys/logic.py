"""Display, skip and branch logic, and the flow walker every channel uses to find what comes next.

Pure: no I/O, no clock. The walker replays the flow from the start on each call, which is
deterministic because answers already given never change: it applies embedded-data elements,
follows the branches whose condition holds, walks groups in order and randomizers in the order
drawn for the respondent's seed, skips questions whose display logic does not hold, applies the
skip logic of each question answered, and stops at the first displayed question without an
answer or at an end-of-survey element.

Rules every condition follows:

* a negative operator (``not_selected``, ``not_equal_to``, ``does_not_contain``, ``not_empty``,
  ``not_displayed``) is exactly the negation of its positive twin, so it holds for a question
  that was skipped or never shown;
* texts compare ignoring case and surrounding whitespace; ``greater_*``/``less_*`` compare
  numbers and are false when either side is not a number;
* a missing answer, a skipped question (answer ``None``), a blank text and an empty list are
  ``empty``;
* a condition naming a ``statement`` tests that row of a structured answer (a matrix or
  slider statement, a rank-order choice, a form field); ``selected`` holds when the choice is
  the row's answer or among its answers (or, without a statement, among a multiple-choice
  question's answers). A form tested without a statement holds when any field does.
"""

from __future__ import annotations

import operator as op
import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
    SKIP_TO_END_OF_BLOCK,
    SKIP_TO_END_OF_SURVEY,
    AllOf,
    AnyOf,
    Block,
    Branch,
    Condition,
    EmbeddedDataCondition,
    EndSurvey,
    FlowElement,
    Group,
    Operator,
    Question,
    QuestionCondition,
    Randomizer,
    SetEmbeddedData,
    ShowBlock,
    SurveyDefinition,
    UnsupportedCondition,
    UnsupportedElement,
    as_number,
)

DEFAULT_END_MESSAGE = "Thank you for your time."

RowAnswer = int | float | str | list[str]
"""The answer of one row of a structured answer: a choice id (a list of them in a matrix
with multiple answers), a number (slider, rank) or a text (form field)."""

Answer = int | float | str | list[str] | dict[str, RowAnswer]
"""An answer by question type: NPS → score (int); single choice → choice id; text entry →
text; multiple choice → list of choice ids; matrix → ``{statementId: choiceId or [ids]}``;
slider → ``{statementId: number}``; rank order → ``{choiceId: rank}``; form →
``{fieldId: text}``."""

Answers = Mapping[str, Answer | None]
"""Answers so far by question id; ``None`` marks a question that was asked and skipped (and a
descriptive text shown). The text written in a choice's "other" box is kept beside them under
:func:`other_text_key`."""


def other_text_key(question_id: str, choice_id: str) -> str:
    """Where answers keep the text of a choice's "other" box: ``QIDn_{choiceId}_TEXT``."""
    return f"{question_id}_{choice_id}_TEXT"


_NEGATIONS = {
    Operator.NOT_SELECTED: Operator.SELECTED,
    Operator.NOT_EQUAL_TO: Operator.EQUAL_TO,
    Operator.DOES_NOT_CONTAIN: Operator.CONTAINS,
    Operator.NOT_EMPTY: Operator.EMPTY,
}
_COMPARISONS: Mapping[Operator, Callable[[float, float], bool]] = {
    Operator.GREATER_THAN: op.gt,
    Operator.GREATER_OR_EQUAL: op.ge,
    Operator.LESS_THAN: op.lt,
    Operator.LESS_OR_EQUAL: op.le,
}


def evaluate(
    condition: Condition,
    answers: Answers,
    embedded_data: Mapping[str, str],
    displayed: Collection[str] = (),
) -> bool:
    """Whether ``condition`` holds given the answers, embedded data and displayed questions.

    Raises :class:`InvalidInput` on a test smsurvey cannot evaluate (``unsupported``).
    """
    match condition:
        case AllOf():
            return all(evaluate(c, answers, embedded_data, displayed) for c in condition.conditions)
        case AnyOf():
            return any(evaluate(c, answers, embedded_data, displayed) for c in condition.conditions)
        case QuestionCondition(operator=Operator.DISPLAYED):
            return condition.question in displayed
        case QuestionCondition(operator=Operator.NOT_DISPLAYED):
            return condition.question not in displayed
        case QuestionCondition():
            actual = answers.get(condition.question)
            if condition.statement is not None:
                actual = actual.get(condition.statement) if isinstance(actual, dict) else None
            return _test(condition.operator, actual, condition.value)
        case EmbeddedDataCondition():
            data = embedded_data.get(condition.embedded_data)
            return _test(condition.operator, data, condition.value)
        case UnsupportedCondition():
            raise InvalidInput(f"{condition.unsupported} logic cannot be evaluated")
    raise TypeError(f"not a condition: {condition!r}")


def _test(operator: Operator, actual: Answer | None, expected: int | str | None) -> bool:
    if operator in _NEGATIONS:
        return not _test(_NEGATIONS[operator], actual, expected)
    if isinstance(actual, dict):  # a form tested as a whole: empty when every field is
        rows = [_test(operator, row, expected) for row in actual.values()]
        return all(rows) if operator is Operator.EMPTY else any(rows)
    if isinstance(actual, list):
        if operator is Operator.EMPTY:
            return not actual
        if operator is Operator.SELECTED:
            return str(expected) in actual
        return any(_test(operator, item, expected) for item in actual)
    if operator in _COMPARISONS:
        left, right = as_number(actual), as_number(expected)
        return left is not None and right is not None and _COMPARISONS[operator](left, right)
    if operator is Operator.EMPTY:
        return actual is None or not str(actual).strip()
    if actual is None:
        return False
    if operator is Operator.SELECTED:
        return str(actual) == str(expected)
    if operator is Operator.EQUAL_TO:
        if isinstance(actual, int | float):
            return as_number(expected) == actual
        return _fold(actual) == _fold(expected)
    if operator is Operator.CONTAINS:
        return _fold(expected) in _fold(actual)
    raise ValueError(f"operator {operator} does not test a value")


def _fold(value: object) -> str:
    return str(value).strip().casefold()


# ---------------------------------------------------------------------------------- the walker


@dataclass(frozen=True)
class Ask:
    """Ask ``question`` next."""

    question: Question
    displayed: tuple[str, ...]
    """Ids of the questions displayed so far, in order, ending with ``question``."""
    embedded_data: Mapping[str, str]
    """The embedded data after the flow's embedded-data elements met so far."""


@dataclass(frozen=True)
class End:
    """The survey is over: send ``message``."""

    message: str
    displayed: tuple[str, ...]
    """Ids of every question displayed, in order."""
    embedded_data: Mapping[str, str]


Step = Ask | End


def next_step(
    survey: SurveyDefinition,
    answers: Answers,
    embedded_data: Mapping[str, str] | None = None,
    seed: str = "",
) -> Step:
    """What comes after ``answers``: the next question to ask, or the end and its message.

    ``embedded_data`` is what the respondent starts with (the contact's fields). ``seed``
    names the respondent (their session id): randomizers draw their elements from it, so the
    same seed always walks the same order. The end message is that of the end-of-survey
    element reached, else the survey's end message, else :data:`DEFAULT_END_MESSAGE`.
    """
    walk = _Walk(survey, answers, dict(embedded_data or {}), seed)
    return walk.flow(survey.flow, "flow") or walk.end(None)


def drawn(randomizer: Randomizer, place: str, seed: str) -> list[int]:
    """Indexes of the elements of ``randomizer`` (at ``place`` in the flow) walked for
    ``seed``, in order: ``subset`` of them, or all, shuffled the same way for the same seed."""
    count = min(randomizer.subset or len(randomizer.flow), len(randomizer.flow))
    draw = random.Random(f"{seed}/{randomizer.id or place}")  # not a secret: a stable draw
    return draw.sample(range(len(randomizer.flow)), count)


class _Walk:
    """One replay of the flow; ``seen`` keeps a block shown twice from asking again."""

    def __init__(
        self, survey: SurveyDefinition, answers: Answers, embedded_data: dict[str, str], seed: str
    ) -> None:
        self.survey = survey
        self.answers = answers
        self.embedded_data = embedded_data
        self.seed = seed
        self.displayed: list[str] = []
        self.seen: set[str] = set()

    def flow(self, elements: tuple[FlowElement, ...], path: str) -> Step | None:
        for index, element in enumerate(elements):
            if (step := self.element(element, f"{path}[{index}]")) is not None:
                return step
        return None

    def element(self, element: FlowElement, place: str) -> Step | None:
        match element:
            case ShowBlock():
                return self.block(self.survey.blocks_by_id[element.id])
            case Branch():
                holds = self.holds(element.condition)
                return self.flow(element.flow, f"{place}.flow") if holds else None
            case Group():
                return self.flow(element.flow, f"{place}.flow")
            case Randomizer():
                for index in drawn(element, place, self.seed):
                    step = self.element(element.flow[index], f"{place}.flow[{index}]")
                    if step is not None:
                        return step
                return None
            case SetEmbeddedData():
                for field in element.fields:
                    if field.value is not None:
                        self.embedded_data[field.name] = field.value
                return None
            case EndSurvey():
                return self.end(element.message)
            case UnsupportedElement():
                raise InvalidInput(f"a {element.source_type} flow element cannot be run")
        raise TypeError(f"not a flow element: {element!r}")

    def block(self, block: Block) -> Step | None:
        skip_to: str | None = None  # a later question a skip rule jumps to
        for question in block.questions:
            if skip_to is not None and question.id != skip_to:
                continue
            skip_to = None
            if question.id in self.seen:
                continue
            self.seen.add(question.id)
            if question.display_logic is not None and not self.holds(question.display_logic):
                continue
            self.displayed.append(question.id)
            if question.id not in self.answers:
                return Ask(question, tuple(self.displayed), dict(self.embedded_data))
            rule = next((r for r in question.skip_logic if self.holds(r.condition)), None)
            if rule is None:
                continue
            if rule.to == SKIP_TO_END_OF_BLOCK:
                return None
            if rule.to == SKIP_TO_END_OF_SURVEY:
                return self.end(None)
            skip_to = rule.to
        return None

    def holds(self, condition: Condition) -> bool:
        return evaluate(condition, self.answers, self.embedded_data, self.displayed)

    def end(self, message: str | None) -> End:
        text = message or self.survey.end_message or DEFAULT_END_MESSAGE
        return End(text, tuple(self.displayed), dict(self.embedded_data))
