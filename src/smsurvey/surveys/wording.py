"""Display logic, branches and the flow in words, for people reading a survey. Pure.

A question is named by its label (``Q1``) or else its id; a choice by its text; texts are
quoted. ``{question: QID1, operator: greater_or_equal, value: 9}`` reads "Q1 is 9 or more";
groups read "… and …" / "… or …", in brackets when nested.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smsurvey.surveys.definition import (
    AllOf,
    AnyOf,
    Branch,
    Condition,
    EmbeddedDataCondition,
    EndSurvey,
    FlowElement,
    Group,
    Operator,
    QuestionCondition,
    Randomizer,
    SetEmbeddedData,
    ShowBlock,
    SingleChoiceQuestion,
    SurveyDefinition,
    UnsupportedCondition,
    UnsupportedElement,
)
from smsurvey.surveys.logic import DEFAULT_END_MESSAGE
from smsurvey.surveys.render import plain_text

_PHRASES = {
    Operator.SELECTED: "is {value}",
    Operator.NOT_SELECTED: "is not {value}",
    Operator.EQUAL_TO: "is {value}",
    Operator.NOT_EQUAL_TO: "is not {value}",
    Operator.GREATER_THAN: "is more than {value}",
    Operator.GREATER_OR_EQUAL: "is {value} or more",
    Operator.LESS_THAN: "is less than {value}",
    Operator.LESS_OR_EQUAL: "is {value} or less",
    Operator.CONTAINS: "contains {value}",
    Operator.DOES_NOT_CONTAIN: "does not contain {value}",
    Operator.EMPTY: "has no answer",
    Operator.NOT_EMPTY: "has an answer",
    Operator.DISPLAYED: "was asked",
    Operator.NOT_DISPLAYED: "was not asked",
}
_EMBEDDED_PHRASES = {
    **_PHRASES,
    Operator.EMPTY: "is empty",
    Operator.NOT_EMPTY: "is not empty",
}


def question_name(survey: SurveyDefinition, question_id: str) -> str:
    """How a question is called: its label, else its id."""
    question = survey.questions.get(question_id)
    return (question.label if question is not None else None) or question_id


def describe(condition: Condition, survey: SurveyDefinition) -> str:
    """``condition`` in words."""
    return _words(condition, survey, nested=False)


def _words(condition: Condition, survey: SurveyDefinition, *, nested: bool) -> str:
    match condition:
        case AllOf() | AnyOf():
            joiner = " and " if isinstance(condition, AllOf) else " or "
            text = joiner.join(_words(c, survey, nested=True) for c in condition.conditions)
            return f"({text})" if nested and len(condition.conditions) > 1 else text
        case QuestionCondition():
            value = _question_value(condition, survey)
            subject = question_name(survey, condition.question)
            return f"{subject} {_PHRASES[condition.operator].format(value=value)}"
        case EmbeddedDataCondition():
            phrase = _EMBEDDED_PHRASES[condition.operator].format(value=_quoted(condition.value))
            return f"embedded data {condition.embedded_data} {phrase}"
        case UnsupportedCondition():
            about = f" ({condition.description})" if condition.description else ""
            return f"a {condition.unsupported} test{about}, which SMS cannot evaluate"
    raise TypeError(f"not a condition: {condition!r}")


def _question_value(condition: QuestionCondition, survey: SurveyDefinition) -> str:
    question = survey.questions.get(condition.question)
    if isinstance(question, SingleChoiceQuestion):
        texts = {choice.id: choice.text for choice in question.choices}
        if str(condition.value) in texts:
            return _quoted(" ".join(plain_text(texts[str(condition.value)]).split()))
    if isinstance(condition.value, int):
        return str(condition.value)
    return _quoted(condition.value)


def _quoted(value: object) -> str:
    return f"“{value}”"


@dataclass(frozen=True, slots=True)
class FlowLine:
    """One step of the flow in words, with the steps nested under it (a branch's)."""

    text: str
    children: list[FlowLine] = field(default_factory=list)


def flow_in_words(survey: SurveyDefinition) -> list[FlowLine]:
    """The survey's flow, step by step, in words."""
    return [_line(element, survey) for element in survey.flow]


def _line(element: FlowElement, survey: SurveyDefinition) -> FlowLine:
    match element:
        case ShowBlock():
            block = survey.blocks_by_id[element.id]
            names = ", ".join(question_name(survey, q.id) for q in block.questions)
            about = f" ({block.description})" if block.description else ""
            return FlowLine(f"Ask block {block.id}{about}: {names or 'no questions'}")
        case Branch():
            about = f" — {element.description}" if element.description else ""
            children = [_line(child, survey) for child in element.flow]
            return FlowLine(f"If {describe(element.condition, survey)}{about}:", children)
        case SetEmbeddedData():
            fields = (_field(f.name, f.value) for f in element.fields)
            return FlowLine(f"Set embedded data: {', '.join(fields)}")
        case EndSurvey():
            message = element.message or survey.end_message or DEFAULT_END_MESSAGE
            return FlowLine(f"End the survey with {_quoted(plain_text(message))}")
        case Group():
            about = f" — {element.description}" if element.description else ""
            return FlowLine(f"Together{about}:", [_line(child, survey) for child in element.flow])
        case Randomizer():
            how_many = f"{element.subset} of these" if element.subset else "all of these"
            children = [_line(child, survey) for child in element.flow]
            return FlowLine(f"In a random order, {how_many}:", children)
        case UnsupportedElement():
            children = [_line(child, survey) for child in element.flow]
            return FlowLine(f"A {element.source_type} element, which SMS cannot run", children)
    raise TypeError(f"not a flow element: {element!r}")


def _field(name: str, value: str | None) -> str:
    return f"{name} (from the contact)" if value is None else f"{name} = {_quoted(value)}"
