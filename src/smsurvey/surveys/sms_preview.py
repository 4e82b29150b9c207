"""A survey as the texts 2-way SMS sends: each question as the conversation renders it, its
re-prompt, the end messages; each text measured as the outbox measures it (smart-encoded
when that pays), split into its parts with the characters that force UCS-2 marked, and
priced; beside each question its display logic in words and its compatibility problems.
Pure."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from smsurvey.kit.errors import InvalidInput
from smsurvey.sms.credits import CreditRates, MessageCost, message_cost
from smsurvey.sms.encoding import Measure, Replacement, prepare, smart_report, split
from smsurvey.surveys.compatibility import CompatibilityReport, Problem, check_sms_compatibility
from smsurvey.surveys.conversation import reprompt
from smsurvey.surveys.definition import (
    Branch,
    EndSurvey,
    FlowElement,
    Question,
    SurveyDefinition,
    UnsupportedElement,
)
from smsurvey.surveys.logic import DEFAULT_END_MESSAGE
from smsurvey.surveys.render import plain_text, render_question
from smsurvey.surveys.wording import FlowLine, describe, flow_in_words, question_name


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a text's characters that all force UCS-2, or none does."""

    text: str
    forces_ucs2: bool


@dataclass(frozen=True, slots=True)
class SmsText:
    """One text as it is sent and what it costs."""

    written: str
    """As the survey renders it."""
    sent: str
    """As it goes out: :attr:`written` smart-encoded when that pays."""
    measure: Measure
    """Of :attr:`sent`."""
    written_measure: Measure
    replacements: tuple[Replacement, ...]
    """What smart encoding replaced (none when it did not apply)."""
    parts: tuple[tuple[Piece, ...], ...]
    """:attr:`sent` in the parts it goes in, each cut into :class:`Piece` runs."""
    cost: MessageCost

    @property
    def forcing(self) -> tuple[str, ...]:
        """The characters that make it go as UCS-2, each as ``’ U+2019 RIGHT SINGLE
        QUOTATION MARK``."""
        return tuple(
            f"{char if char.isprintable() else ''} U+{ord(char):04X} "
            f"{unicodedata.name(char, 'unnamed')}".strip()
            for char in self.measure.offending
        )


def sms_text(text: str, rates: CreditRates, region: str) -> SmsText:
    """``text`` as the outbox sends it to ``region`` (``""``: the default rate)."""
    sent, measure = prepare(text)
    report = smart_report(text)
    offending = frozenset(measure.offending)
    return SmsText(
        written=text,
        sent=sent,
        measure=measure,
        written_measure=report.original,
        replacements=report.replacements if report.applies else (),
        parts=tuple(_pieces(part, offending) for part in split(sent)),
        cost=message_cost(max(measure.parts, 1), region, rates),
    )


def _pieces(text: str, offending: frozenset[str]) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for char in text:
        marked = char in offending
        if pieces and pieces[-1].forces_ucs2 == marked:
            pieces[-1] = Piece(pieces[-1].text + char, marked)
        else:
            pieces.append(Piece(char, marked))
    return tuple(pieces)


@dataclass(frozen=True, slots=True)
class QuestionTexts:
    """A question, the texts that ask it, its logic in words and its problems."""

    question: Question
    name: str
    asked: SmsText | None
    """``None`` when SMS cannot ask this kind of question."""
    reprompt: SmsText | None
    """What a reply that is not an answer gets."""
    display_logic: str | None
    problems: tuple[Problem, ...]
    in_flow: bool
    """Whether the flow ever shows it."""

    @property
    def plain(self) -> str:
        """The question's text without HTML (for questions SMS cannot ask)."""
        return plain_text(self.question.text)


@dataclass(frozen=True, slots=True)
class EndText:
    """An end message and where the survey sends it."""

    where: str
    text: SmsText


@dataclass(frozen=True, slots=True)
class SurveyTexts:
    """Everything the survey's SMS view shows."""

    report: CompatibilityReport
    questions: tuple[QuestionTexts, ...]
    """In survey order."""
    ends: tuple[EndText, ...]
    flow: list[FlowLine]
    survey_problems: tuple[Problem, ...]
    """Problems of the survey or its flow rather than of one question."""
    region: str


def survey_texts(definition: SurveyDefinition, rates: CreditRates, region: str) -> SurveyTexts:
    """The SMS view of ``definition``, priced for ``region`` (``""``: the default rate)."""
    report = check_sms_compatibility(definition)
    in_flow = {question.id for question in definition.flow_questions}
    questions = tuple(
        _question_texts(definition, question, report, question.id in in_flow, rates, region)
        for question in definition.questions.values()
    )
    return SurveyTexts(
        report=report,
        questions=questions,
        ends=tuple(_ends(definition, rates, region)),
        flow=flow_in_words(definition),
        survey_problems=tuple(p for p in report.problems if p.question_id is None),
        region=region,
    )


def _question_texts(
    definition: SurveyDefinition,
    question: Question,
    report: CompatibilityReport,
    in_flow: bool,
    rates: CreditRates,
    region: str,
) -> QuestionTexts:
    try:
        asked: SmsText | None = sms_text(render_question(question).text, rates, region)
        again: SmsText | None = sms_text(reprompt(question), rates, region)
    except InvalidInput:
        asked = again = None
    logic = question.display_logic
    return QuestionTexts(
        question=question,
        name=question_name(definition, question.id),
        asked=asked,
        reprompt=again,
        display_logic=describe(logic, definition) if logic is not None else None,
        problems=tuple(p for p in report.problems if p.question_id == question.id),
        in_flow=in_flow,
    )


def _ends(definition: SurveyDefinition, rates: CreditRates, region: str) -> list[EndText]:
    """The survey's end message, then each end-of-survey element's own message."""
    default = definition.end_message or DEFAULT_END_MESSAGE
    ends = [EndText("When the survey ends", sms_text(plain_text(default), rates, region))]

    def walk(flow: tuple[FlowElement, ...], within: str) -> None:
        for element in flow:
            if isinstance(element, EndSurvey) and element.message:
                where = f"End-of-survey element{within}"
                ends.append(EndText(where, sms_text(plain_text(element.message), rates, region)))
            elif isinstance(element, Branch):
                walk(element.flow, f" (if {describe(element.condition, definition)})")
            elif isinstance(element, UnsupportedElement):
                walk(element.flow, f" (in a {element.source_type} element)")

    walk(definition.flow, "")
    return ends
