"""What a survey's responses add up to, question by question. Pure: no I/O, no clock.

* NPS: promoters (9-10), passives (7-8) and detractors (0-6) with their counts and shares;
  the score is the share of promoters minus that of detractors, from -100 to 100; by day (UTC,
  by when the response was recorded) for the trend; and how many gave each score 0-10.
* Single choice: how many chose each choice, in the survey's order, choices nobody chose
  included (a choice id the survey no longer has is counted under its own id at the end).
* Text entry: the latest answers, newest first.

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
    NpsQuestion,
    Question,
    SingleChoiceQuestion,
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
    """A single-choice question's counts."""

    question: SingleChoiceQuestion
    counts: list[ChoiceCount]

    @property
    def answered(self) -> int:
        """Responses that chose something."""
        return sum(count.count for count in self.counts)


@dataclass(frozen=True, slots=True)
class TextSummary:
    """A text-entry question's answer count and latest answers."""

    question: TextEntryQuestion
    answered: int
    latest: list[tuple[datetime, str]]
    """Newest first, at most :data:`LATEST_TEXTS`."""


QuestionSummary = NpsSummary | ChoiceSummary | TextSummary


def nps_score(values: Mapping[str, Any], question_id: str) -> int | None:
    """The NPS score a response gave ``question_id``, if it holds a valid one."""
    score = values.get(question_id)
    if isinstance(score, bool) or not isinstance(score, int) or score not in NPS_SCORES:
        return None
    return score


def summarise(definition: SurveyDefinition, rows: Sequence[AnswerRow]) -> list[QuestionSummary]:
    """A summary of each NPS, single-choice and text-entry question, in survey order."""
    summaries: list[QuestionSummary] = []
    for question in definition.questions.values():
        match question:
            case NpsQuestion():
                summaries.append(_nps_summary(question, rows))
            case SingleChoiceQuestion():
                summaries.append(_choice_summary(question, rows))
            case TextEntryQuestion():
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


def _choice_summary(question: SingleChoiceQuestion, rows: Sequence[AnswerRow]) -> ChoiceSummary:
    chosen = Counter(
        str(row.values[question.id]) for row in rows if row.values.get(question.id) is not None
    )
    counts = [
        ChoiceCount(choice.id, " ".join(plain_text(choice.text).split()), chosen.pop(choice.id, 0))
        for choice in question.choices
    ]
    counts += [ChoiceCount(id_, id_, count) for id_, count in sorted(chosen.items())]
    return ChoiceSummary(question, counts)


def _text_summary(question: TextEntryQuestion, rows: Sequence[AnswerRow]) -> TextSummary:
    key = f"{question.id}_TEXT"
    texts = [(row.ended_at, str(row.values[key])) for row in rows if row.values.get(key)]
    texts.sort(key=lambda item: item[0], reverse=True)
    return TextSummary(question, len(texts), texts[:LATEST_TEXTS])


def shown_answer(question: Question, values: Mapping[str, Any], labels: Mapping[str, Any]) -> str:
    """A response's answer to ``question`` as a person reads it: the score, the choice's
    text, the text written; empty when there is none."""
    match question:
        case NpsQuestion():
            score = nps_score(values, question.id)
            return "" if score is None else str(score)
        case TextEntryQuestion():
            return str(values.get(f"{question.id}_TEXT") or "")
    answer = values.get(question.id)
    if answer is None:
        return ""
    return str(labels.get(question.id) or answer)
