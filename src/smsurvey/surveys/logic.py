"""Display and branch logic, and the flow walker every channel uses to find what comes next.

Pure: no I/O, no clock. The walker replays the flow from the start on each call, which is
deterministic because answers already given never change: it applies embedded-data elements,
follows the branches whose condition holds, skips questions whose display logic does not, and
stops at the first displayed question without an answer or at an end-of-survey element.

Rules every condition follows:

* a negative operator (``not_selected``, ``not_equal_to``, ``does_not_contain``, ``not_empty``,
  ``not_displayed``) is exactly the negation of its positive twin, so it holds for a question
  that was skipped or never shown;
* texts compare ignoring case and surrounding whitespace; ``greater_*``/``less_*`` compare
  numbers and are false when either side is not a number;
* a missing answer, a skipped question (answer ``None``) and a blank text are ``empty``.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
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

Answer = int | str
"""An NPS score, the id of the chosen choice, or a text."""

Answers = Mapping[str, Answer | None]
"""Answers so far by question id; ``None`` marks a question that was asked and skipped."""

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
            return _test(condition.operator, answers.get(condition.question), condition.value)
        case EmbeddedDataCondition():
            actual = embedded_data.get(condition.embedded_data)
            return _test(condition.operator, actual, condition.value)
        case UnsupportedCondition():
            raise InvalidInput(f"{condition.unsupported} logic cannot be evaluated")
    raise TypeError(f"not a condition: {condition!r}")


def _test(operator: Operator, actual: Answer | None, expected: Answer | None) -> bool:
    if operator in _NEGATIONS:
        return not _test(_NEGATIONS[operator], actual, expected)
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
        return actual == expected if isinstance(actual, int) else _fold(actual) == _fold(expected)
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
) -> Step:
    """What comes after ``answers``: the next question to ask, or the end and its message.

    ``embedded_data`` is what the respondent starts with (the contact's fields). The end
    message is that of the end-of-survey element reached, else the survey's end message, else
    :data:`DEFAULT_END_MESSAGE`.
    """
    walk = _Walk(survey, answers, dict(embedded_data or {}))
    return walk.flow(survey.flow) or walk.end(None)


class _Walk:
    """One replay of the flow; ``seen`` keeps a block shown twice from asking again."""

    def __init__(
        self, survey: SurveyDefinition, answers: Answers, embedded_data: dict[str, str]
    ) -> None:
        self.survey = survey
        self.answers = answers
        self.embedded_data = embedded_data
        self.displayed: list[str] = []
        self.seen: set[str] = set()

    def flow(self, elements: tuple[FlowElement, ...]) -> Step | None:
        for element in elements:
            if (step := self.element(element)) is not None:
                return step
        return None

    def element(self, element: FlowElement) -> Step | None:
        match element:
            case ShowBlock():
                return self.block(self.survey.blocks_by_id[element.id])
            case Branch():
                return self.flow(element.flow) if self.holds(element.condition) else None
            case SetEmbeddedData():
                for field in element.fields:
                    if field.value is not None:
                        self.embedded_data[field.name] = field.value
                return None
            case EndSurvey():
                return self.end(element.message)
            case Group():
                return self.flow(element.flow)
            case Randomizer():
                raise InvalidInput("a randomizer cannot be run by this walker")
            case UnsupportedElement():
                raise InvalidInput(f"a {element.source_type} flow element cannot be run")
        raise TypeError(f"not a flow element: {element!r}")

    def block(self, block: Block) -> Ask | None:
        for question in block.questions:
            if question.id in self.seen:
                continue
            self.seen.add(question.id)
            if question.display_logic is not None and not self.holds(question.display_logic):
                continue
            self.displayed.append(question.id)
            if question.id not in self.answers:
                return Ask(question, tuple(self.displayed), dict(self.embedded_data))
        return None

    def holds(self, condition: Condition) -> bool:
        return evaluate(condition, self.answers, self.embedded_data, self.displayed)

    def end(self, message: str | None) -> End:
        text = message or self.survey.end_message or DEFAULT_END_MESSAGE
        return End(text, tuple(self.displayed), dict(self.embedded_data))
