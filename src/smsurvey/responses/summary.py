"""What a survey's responses add up to, question by question. Pure: no I/O, no clock.

* NPS: promoters (9-10), passives (7-8) and detractors (0-6) with their counts and shares;
  the score is the share of promoters minus that of detractors, from -100 to 100; by day (UTC,
  by when the response was recorded) for the trend; and how many gave each score 0-10.
* Single and multiple choice: how many chose each choice, in the survey's order, choices
  nobody chose included (a value the survey no longer has is counted under itself at the end).
* Matrix and slider: per statement, how many answered and the mean of the numeric values.
* Text entry: the latest answers, newest first. Rank orders and forms are left to the table.

Every recorded response counts, partial ones included: what a respondent answered before a
session expired is kept, as the export keeps it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from smsurvey.surveys.conversation import NpsGroup
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
from smsurvey.surveys.render import plain_text

LATEST_TEXTS = 5
"""Text-entry answers a summary keeps."""


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """What a summary reads of one response: when it was recorded, and its values (keyed
    ``QIDn``, ``QIDn_TEXT`` as stored)."""

    ended_at: datetime
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Nps:
    """The Net Promoter figures of a set of scores."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def total(self) -> int:
        """Scores counted."""
        return self.promoters + self.passives + self.detractors

    def share(self, count: int) -> float:
        """``count`` as a percentage of :attr:`total` (0 when there is nothing)."""
        return 100 * count / self.total if self.total else 0.0

    @property
    def score(self) -> float | None:
        """% promoters − % detractors, to one decimal; ``None`` without scores."""
        if not self.total:
            return None
        return round(self.share(self.promoters) - self.share(self.detractors), 1)


def nps_of(scores: Iterable[int]) -> Nps:
    """The NPS figures of ``scores`` (each 0-10)."""
    groups = Counter(NpsGroup.of(score) for score in scores)
    return Nps(groups[NpsGroup.PROMOTER], groups[NpsGroup.PASSIVE], groups[NpsGroup.DETRACTOR])


def nps_by_day(scored: Iterable[tuple[datetime, int]]) -> list[tuple[date, Nps]]:
    """The NPS figures of each UTC day that has scores, oldest first."""
    days: dict[date, list[int]] = {}
    for at, score in scored:
        days.setdefault(at.astimezone(UTC).date(), []).append(score)
    return [(day, nps_of(days[day])) for day in sorted(days)]


@dataclass(frozen=True, slots=True)
class NpsSummary:
    """An NPS question's figures, trend and score distribution."""

    question: NpsQuestion
    nps: Nps
    by_day: list[tuple[date, Nps]]
    distribution: list[int]
    """How many gave each score, 0 to 10."""


@dataclass(frozen=True, slots=True)
class ChoiceCount:
    """How many chose a choice."""

    choice_id: str
    text: str
    """As SMS shows it (no HTML, one line)."""
    count: int


@dataclass(frozen=True, slots=True)
class ChoiceSummary:
    """A single- or multiple-choice question's counts."""

    question: SingleChoiceQuestion | MultipleChoiceQuestion
    counts: list[ChoiceCount]

    @property
    def answered(self) -> int:
        """Choices taken (responses that chose something, for a single choice)."""
        return sum(count.count for count in self.counts)


@dataclass(frozen=True, slots=True)
class RowFigure:
    """A matrix or slider statement's answers."""

    statement_id: str
    text: str
    answered: int
    mean: float | None
    """The mean of the numeric values (a matrix's recode values); ``None`` without any."""


@dataclass(frozen=True, slots=True)
class RowsSummary:
    """A matrix or slider question's figures, statement by statement."""

    question: MatrixQuestion | SliderQuestion
    rows: list[RowFigure]


@dataclass(frozen=True, slots=True)
class TextSummary:
    """A text-entry question's answer count and latest answers."""

    question: TextEntryQuestion
    answered: int
    latest: list[tuple[datetime, str]]
    """Newest first, at most :data:`LATEST_TEXTS`."""


QuestionSummary = NpsSummary | ChoiceSummary | RowsSummary | TextSummary


def nps_score(values: Mapping[str, Any], question_id: str) -> int | None:
    """The NPS score a response gave ``question_id``, if it holds a valid one."""
    score = values.get(question_id)
    if isinstance(score, bool) or not isinstance(score, int) or score not in NPS_SCORES:
        return None
    return score


def summarise(definition: SurveyDefinition, rows: Sequence[AnswerRow]) -> list[QuestionSummary]:
    """A summary of each NPS, choice, matrix, slider and (one-text) text-entry question, in
    survey order."""
    summaries: list[QuestionSummary] = []
    for question in definition.questions.values():
        match question:
            case NpsQuestion():
                summaries.append(_nps_summary(question, rows))
            case SingleChoiceQuestion() | MultipleChoiceQuestion():
                summaries.append(_choice_summary(question, rows))
            case MatrixQuestion() | SliderQuestion():
                summaries.append(_rows_summary(question, rows))
            case TextEntryQuestion(fields=()):
                summaries.append(_text_summary(question, rows))
    return summaries


def _nps_summary(question: NpsQuestion, rows: Sequence[AnswerRow]) -> NpsSummary:
    scored = [
        (row.ended_at, score)
        for row in rows
        if (score := nps_score(row.values, question.id)) is not None
    ]
    given = Counter(score for _, score in scored)
    return NpsSummary(
        question,
        nps_of(score for _, score in scored),
        nps_by_day(scored),
        [given[score] for score in NPS_SCORES],
    )


def _choice_summary(
    question: SingleChoiceQuestion | MultipleChoiceQuestion, rows: Sequence[AnswerRow]
) -> ChoiceSummary:
    chosen = Counter(
        str(value) for row in rows for value in _listed(row.values.get(question.id))
    )  # stored values are choice values (recode else id)
    counts = [
        ChoiceCount(choice.id, _one_line(choice), chosen.pop(choice.value, 0))
        for choice in question.choices
    ]
    counts += [ChoiceCount(value, value, count) for value, count in sorted(chosen.items())]
    return ChoiceSummary(question, counts)


def _rows_summary(
    question: MatrixQuestion | SliderQuestion, rows: Sequence[AnswerRow]
) -> RowsSummary:
    figures = []
    for statement in question.statements:
        key = f"{question.id}_{statement.id}"
        given = [row.values[key] for row in rows if row.values.get(key) not in (None, [])]
        numbers = [value for value in given if _is_number(value)]
        mean = sum(numbers) / len(numbers) if numbers else None
        figures.append(RowFigure(statement.id, _one_line(statement), len(given), mean))
    return RowsSummary(question, figures)


def _listed(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one_line(choice: Choice) -> str:
    return " ".join(plain_text(choice.text).split())


def _text_summary(question: TextEntryQuestion, rows: Sequence[AnswerRow]) -> TextSummary:
    key = f"{question.id}_TEXT"
    texts = [(row.ended_at, str(row.values[key])) for row in rows if row.values.get(key)]
    texts.sort(key=lambda item: item[0], reverse=True)
    return TextSummary(question, len(texts), texts[:LATEST_TEXTS])


def shown_answer(question: Question, values: Mapping[str, Any], labels: Mapping[str, Any]) -> str:
    """A response's answer to ``question`` as a person reads it: the score, the choice's
    text (texts, comma-separated), the text written, ``row: answer`` pairs for matrices,
    sliders, rank orders and forms; empty when there is none."""
    match question:
        case NpsQuestion():
            score = nps_score(values, question.id)
            return "" if score is None else str(score)
        case TextEntryQuestion(fields=()):
            return str(values.get(f"{question.id}_TEXT") or "")
        case MatrixQuestion() | SliderQuestion() | TextEntryQuestion():
            rows = (
                question.fields if isinstance(question, TextEntryQuestion) else question.statements
            )
            return _pairs(question.id, rows, values, labels)
        case RankOrderQuestion():
            return _pairs(question.id, question.choices, values, labels)
    answer = labels.get(question.id) or values.get(question.id)
    return "" if answer is None else ", ".join(map(str, _listed(answer)))


def _pairs(
    question_id: str, rows: tuple[Choice, ...], values: Mapping[str, Any], labels: Mapping[str, Any]
) -> str:
    """``row: answer; …`` for the rows answered."""
    shown = []
    for row in rows:
        key = f"{question_id}_{row.id}"
        answer = labels.get(key) or values.get(key)
        if answer not in (None, "", []):
            shown.append(f"{_one_line(row)}: {', '.join(map(str, _listed(answer)))}")
    return "; ".join(shown)
