"""Whether a survey can go by 2-way SMS, and every reason it cannot.

2-way SMS asks NPS, single-answer multiple-choice and text-entry questions (any format but a
form) one text at a time, follows display, skip and branch logic, walks groups and randomizers
as the web survey does, and sends end messages; HTML is never sent. Flow elements it cannot
run (unsupported ones) are named by their place and id. A survey is SMS-compatible when its
report has no errors; warnings point at texts that cost more than they need to. Only what the
flow can reach is checked (a block the flow never shows is never sent).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from smsurvey.sms.encoding import Encoding, measure
from smsurvey.surveys.definition import (
    SMS_QUESTION_TYPES,
    Branch,
    Condition,
    EndSurvey,
    OtherQuestion,
    Question,
    SurveyDefinition,
    TextEntryQuestion,
    UnsupportedCondition,
    UnsupportedElement,
    iter_flow,
    leaves,
)
from smsurvey.surveys.render import contains_html, plain_text, render_question

DEFAULT_MAX_PARTS = 2
"""A text taking more SMS parts than this gets a warning."""


class Reason(StrEnum):
    """Why a survey, or part of it, does not suit SMS."""

    NO_QUESTIONS = "no_questions"
    UNSUPPORTED_QUESTION_TYPE = "unsupported_question_type"
    MULTIPLE_ANSWER = "multiple_answer"
    MATRIX = "matrix"
    FORM = "form"
    TEXT_ENTRY_CHOICE = "text_entry_choice"
    HTML = "html"
    EMPTY_TEXT = "empty_text"
    UNSUPPORTED_LOGIC = "unsupported_logic"
    UNSUPPORTED_FLOW = "unsupported_flow"
    LONG_TEXT = "long_text"
    UCS2 = "ucs2"


WARNINGS = frozenset({Reason.LONG_TEXT, Reason.UCS2})
"""Reasons that do not stop a survey from going by SMS."""


class Severity(StrEnum):
    """Errors make a survey unfit for SMS; warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One reason, with the question it concerns (``None`` for the survey or its flow)."""

    reason: Reason
    message: str
    question_id: str | None = None

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.reason in WARNINGS else Severity.ERROR


@dataclass(frozen=True)
class CompatibilityReport:
    """Every problem found, errors and warnings, in survey order."""

    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def compatible(self) -> bool:
        """Whether the survey can go by 2-way SMS (no errors)."""
        return not self.errors


def check_sms_compatibility(
    survey: SurveyDefinition, max_parts: int = DEFAULT_MAX_PARTS
) -> CompatibilityReport:
    """Every reason ``survey`` cannot go by 2-way SMS, and warnings for texts longer than
    ``max_parts`` SMS parts or sent as UCS-2."""
    problems: list[Problem] = []
    if not survey.flow_questions:
        problems.append(Problem(Reason.NO_QUESTIONS, "the flow shows no questions"))
    for question in survey.flow_questions:
        problems += _question_problems(question, max_parts)
    for place, element in iter_flow(survey.flow):
        if isinstance(element, UnsupportedElement):
            named = f" {element.id}" if element.id else ""
            message = f"{place}: the {element.source_type} element{named} cannot run by SMS"
            problems.append(Problem(Reason.UNSUPPORTED_FLOW, message))
        elif isinstance(element, Branch):
            problems += _logic_problems(element.condition, f"{place} branch", None)
        elif isinstance(element, EndSurvey) and element.message:
            problems += _message_problems(element.message, f"{place} end message", max_parts)
    if survey.end_message:
        problems += _message_problems(survey.end_message, "the survey end message", max_parts)
    return CompatibilityReport(tuple(problems))


def _question_problems(question: Question, max_parts: int) -> Iterator[Problem]:
    def problem(reason: Reason, message: str) -> Problem:
        return Problem(reason, message, question.id)

    if question.type == "multiple_choice":
        yield problem(Reason.MULTIPLE_ANSWER, "multiple-answer questions cannot be answered by SMS")
    elif question.type == "matrix":
        yield problem(Reason.MATRIX, "matrix questions cannot be sent by SMS")
    elif isinstance(question, TextEntryQuestion) and question.format == "form":
        yield problem(Reason.FORM, "form text entries (one text per field) cannot be sent by SMS")
    elif question.type not in SMS_QUESTION_TYPES:
        source_type = question.source_type if isinstance(question, OtherQuestion) else None
        source = f" ({source_type})" if source_type else ""
        kind = question.type.replace("_", " ")
        yield problem(
            Reason.UNSUPPORTED_QUESTION_TYPE, f"{kind}{source} questions cannot be sent by SMS"
        )
    if contains_html(question.text):
        yield problem(Reason.HTML, "the question text holds HTML, which SMS does not send")
    for choice in getattr(question, "choices", ()):
        if contains_html(choice.text):
            yield problem(Reason.HTML, f"choice {choice.id} holds HTML, which SMS does not send")
        if choice.text_entry:
            yield problem(Reason.TEXT_ENTRY_CHOICE, f"choice {choice.id} has a text box")
    if question.display_logic is not None:
        yield from _logic_problems(question.display_logic, "display logic", question.id)
    if question.type in SMS_QUESTION_TYPES:
        if not plain_text(question.text):
            yield problem(Reason.EMPTY_TEXT, "the question has no text once HTML is removed")
        text = render_question(question).text
        yield from _length_problems(text, "the question", max_parts, question.id)


def _logic_problems(condition: Condition, place: str, question_id: str | None) -> Iterable[Problem]:
    return (
        Problem(
            Reason.UNSUPPORTED_LOGIC,
            f"{place}: {leaf.unsupported} logic cannot be evaluated by SMS",
            question_id,
        )
        for leaf in leaves(condition)
        if isinstance(leaf, UnsupportedCondition)
    )


def _message_problems(message: str, place: str, max_parts: int) -> Iterator[Problem]:
    if contains_html(message):
        yield Problem(Reason.HTML, f"{place} holds HTML, which SMS does not send")
    yield from _length_problems(plain_text(message), place, max_parts, None)


def _length_problems(
    text: str, place: str, max_parts: int, question_id: str | None
) -> Iterator[Problem]:
    size = measure(text)
    if size.parts > max_parts:
        message = (
            f"{place} takes {size.parts} SMS parts ({size.characters} characters, "
            f"{size.encoding}); keep it to {max_parts}"
        )
        yield Problem(Reason.LONG_TEXT, message, question_id)
    if size.encoding is Encoding.UCS2:
        characters = " ".join(size.offending)
        message = f"{place} goes as UCS-2 (70 characters a part) because of: {characters}"
        yield Problem(Reason.UCS2, message, question_id)
