"""The web survey's form for each question type: what its page shows, and what a posted form
answers. Pure: no I/O.

Form fields: ``answer`` (NPS score, choice id or ids, text), ``other_{choiceId}`` (a choice's
"other" box), ``row_{statementId}`` (matrix and slider rows), ``rank_{choiceId}`` (rank order),
``field_{fieldId}`` (form text entry), and ``skip`` (the button that leaves an optional slider
unanswered: a slider always posts its position).

An answer that is not one the question offers is refused whether or not the question is
required; a ``required`` question also refuses an empty one, and an optional one left empty
is skipped (its answer ``None``). A required matrix, slider, rank order or form needs every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from smsurvey.surveys.definition import (
    NPS_SCORES,
    Choice,
    DescriptiveText,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    Question,
    RankOrderQuestion,
    SingleChoiceQuestion,
    SliderQuestion,
    TextEntryQuestion,
)
from smsurvey.surveys.logic import Answer, RowAnswer, other_text_key
from smsurvey.surveys.render import plain_text

MAX_TEXT_ANSWER = 10_000
"""Longest text answer (or field, or "other" box), in characters."""

Posted = Mapping[str, Sequence[str]]
"""A posted form: every value of each field name."""

REQUIRED = {
    "nps": "Please choose a score from 0 to 10.",
    "single_choice": "Please choose one of the answers.",
    "multiple_choice": "Please choose at least one answer.",
    "matrix": "Please answer every statement.",
    "slider": "Please answer every statement.",
    "rank_order": "Please give every item a rank.",
    "text_entry": "Please write your answer.",
    "form": "Please fill in every field.",
}
"""What a required question says when it is left empty (by type; ``form`` for forms)."""


class InvalidAnswer(ValueError):
    """A submitted answer that cannot be taken; ``str(error)`` is the message to show."""


# ---------------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class Option:
    """A choice (or an NPS score) as the page shows it."""

    value: str
    label: str
    other: str = ""
    """The field name of the choice's "other" box; empty without one."""


@dataclass(frozen=True)
class Row:
    """A matrix or slider statement, a rank-order choice or a form field."""

    name: str
    """Its form field."""
    label: str


@dataclass(frozen=True)
class QuestionView:
    """A question as its page shows it (texts as plain text, for escaping)."""

    id: str
    type: str
    text: str
    required: bool
    layout: str = "vertical"
    """Choices: ``vertical``, ``horizontal``, ``columns``, ``dropdown``, ``select_box``;
    text entry: its format."""
    options: tuple[Option, ...] = ()
    rows: tuple[Row, ...] = ()
    multiple: bool = False
    """Several choices may be taken (multiple choice; matrix rows with multiple answers)."""
    minimum: float = 0
    maximum: float = 0
    step: float = 1

    @property
    def skippable_slider(self) -> bool:
        """Whether the page offers the button that leaves the slider unanswered."""
        return self.type == "slider" and not self.required


def question_view(question: Question) -> QuestionView | None:
    """How the page shows ``question``; ``None`` for a kind it cannot show."""
    view = QuestionView(question.id, question.type, plain_text(question.text), question.required)
    match question:
        case NpsQuestion():
            return replace(view, options=tuple(Option(str(n), str(n)) for n in NPS_SCORES))
        case SingleChoiceQuestion() | MultipleChoiceQuestion():
            multiple = isinstance(question, MultipleChoiceQuestion)
            options = _options(question.choices)
            return replace(view, layout=question.layout, options=options, multiple=multiple)
        case MatrixQuestion():
            options, rows = _options(question.choices), _rows("row", question.statements)
            return replace(view, options=options, rows=rows, multiple=question.multiple_answers)
        case SliderQuestion():
            return replace(
                view,
                rows=_rows("row", question.statements),
                minimum=question.minimum,
                maximum=question.maximum,
                step=10**-question.decimals,
            )
        case RankOrderQuestion():
            return replace(view, rows=_rows("rank", question.choices))
        case TextEntryQuestion():
            return replace(view, layout=question.format, rows=_rows("field", question.fields))
        case DescriptiveText():
            return view
    return None


def _options(choices: tuple[Choice, ...]) -> tuple[Option, ...]:
    return tuple(
        Option(choice.id, _label(choice), f"other_{choice.id}" if choice.text_entry else "")
        for choice in choices
    )


def _rows(prefix: str, rows: tuple[Choice, ...]) -> tuple[Row, ...]:
    return tuple(Row(f"{prefix}_{row.id}", _label(row)) for row in rows)


def _label(choice: Choice) -> str:
    return plain_text(choice.text)


# ------------------------------------------------------------------------------- the answer


def read_answer(question: Question, posted: Posted) -> dict[str, Answer | None]:
    """What ``posted`` answers to ``question``: the answer under its id (``None`` when left
    out: an optional question, a descriptive text), with the text of each "other" box filled
    in under :func:`~smsurvey.surveys.logic.other_text_key`.

    Raises :class:`InvalidAnswer` with the message to show.
    """
    if isinstance(question, DescriptiveText) or (
        isinstance(question, SliderQuestion) and "skip" in posted and not question.required
    ):
        return {question.id: None}
    answer, others = _read(question, posted)
    if answer is None and question.required:
        kind = "form" if isinstance(question, TextEntryQuestion) and question.fields else None
        raise InvalidAnswer(REQUIRED[kind or question.type])
    return {question.id: answer, **others}


def _read(question: Question, posted: Posted) -> tuple[Answer | None, dict[str, Answer | None]]:
    match question:
        case NpsQuestion():
            return _score(_first(posted, "answer")), {}
        case SingleChoiceQuestion() | MultipleChoiceQuestion():
            return _chosen(question, posted)
        case MatrixQuestion():
            return _complete(question, _matrix(question, posted)), {}
        case SliderQuestion():
            return _complete(question, _sliders(question, posted)), {}
        case RankOrderQuestion():
            return _ranks(question, posted), {}
        case TextEntryQuestion(fields=()):
            return _text(_first(posted, "answer")) or None, {}
        case TextEntryQuestion(fields=fields):
            texts = {field.id: _text(_first(posted, f"field_{field.id}")) for field in fields}
            return _complete(question, {key: text for key, text in texts.items() if text}), {}
    raise InvalidAnswer("This question cannot be answered here.")


def _first(posted: Posted, name: str) -> str:
    values = posted.get(name, ())
    return values[0] if values else ""


def _score(value: str) -> int | None:
    if not value:
        return None
    if value in {str(score) for score in NPS_SCORES}:
        return int(value)
    raise InvalidAnswer(REQUIRED["nps"])


def _text(value: str) -> str:
    text = value.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_ANSWER:
        raise InvalidAnswer(f"Please keep your answer to {MAX_TEXT_ANSWER:,} characters or fewer.")
    return text


def _chosen(
    question: SingleChoiceQuestion | MultipleChoiceQuestion, posted: Posted
) -> tuple[Answer | None, dict[str, Answer | None]]:
    """The choices taken, in the survey's order; a choice whose "other" box is filled in is
    taken even when its button was not."""
    ids = {choice.id for choice in question.choices}
    picked = {value for value in posted.get("answer", ()) if value}
    if picked - ids:
        raise InvalidAnswer(REQUIRED["single_choice"])
    others = {
        choice.id: text
        for choice in question.choices
        if choice.text_entry and (text := _text(_first(posted, f"other_{choice.id}")))
    }
    if not picked or isinstance(question, MultipleChoiceQuestion):
        picked |= set(others)
    chosen = [choice for choice in question.choices if choice.id in picked]
    texts: dict[str, Answer | None] = {
        other_text_key(question.id, id_): text for id_, text in others.items() if id_ in picked
    }
    if isinstance(question, SingleChoiceQuestion):
        if len(chosen) > 1:
            raise InvalidAnswer("Please choose only one of the answers.")
        return (chosen[0].id if chosen else None), texts
    if len(chosen) > 1 and (alone := next((c for c in chosen if c.exclusive), None)):
        raise InvalidAnswer(f"“{_label(alone)}” cannot be chosen with other answers.")
    return ([choice.id for choice in chosen] or None), texts


def _matrix(question: MatrixQuestion, posted: Posted) -> dict[str, RowAnswer]:
    ids = {choice.id for choice in question.choices}
    rows: dict[str, RowAnswer] = {}
    for statement in question.statements:
        picked = [value for value in posted.get(f"row_{statement.id}", ()) if value]
        if set(picked) - ids or (len(picked) > 1 and not question.multiple_answers):
            raise InvalidAnswer(f"Please choose one answer for “{_label(statement)}”.")
        if picked:
            in_order = [choice.id for choice in question.choices if choice.id in picked]
            rows[statement.id] = in_order if question.multiple_answers else in_order[0]
    return rows


def _sliders(question: SliderQuestion, posted: Posted) -> dict[str, RowAnswer]:
    rows: dict[str, RowAnswer] = {}
    for statement in question.statements:
        value = _first(posted, f"row_{statement.id}").strip()
        if not value:
            continue
        try:
            number = round(float(value), question.decimals)
        except ValueError:
            number = question.minimum - 1  # refused below
        if not question.minimum <= number <= question.maximum:
            raise InvalidAnswer(
                f"Please choose a value from {_figure(question.minimum)} to"
                f" {_figure(question.maximum)} for “{_label(statement)}”."
            )
        rows[statement.id] = int(number) if question.decimals == 0 else number
    return rows


def _figure(number: float) -> str:
    return f"{number:g}"


def _ranks(question: RankOrderQuestion, posted: Posted) -> dict[str, RowAnswer] | None:
    """Every choice's rank 1 to n, each used once; ``None`` when none is given."""
    given = {choice.id: _first(posted, f"rank_{choice.id}").strip() for choice in question.choices}
    if not any(given.values()):
        return None
    allowed = {str(rank) for rank in range(1, len(question.choices) + 1)}
    if not set(given.values()) <= allowed:
        raise InvalidAnswer(REQUIRED["rank_order"])
    if len(set(given.values())) < len(given):
        raise InvalidAnswer("Each rank can be used only once.")
    return {id_: int(rank) for id_, rank in given.items()}


def _complete(
    question: MatrixQuestion | SliderQuestion | TextEntryQuestion, rows: dict[str, RowAnswer]
) -> dict[str, RowAnswer] | None:
    """``rows`` as the answer (``None`` when empty); a required question needs them all."""
    expected = question.fields if isinstance(question, TextEntryQuestion) else question.statements
    if rows and question.required and len(rows) < len(expected):
        kind = "form" if isinstance(question, TextEntryQuestion) else question.type
        raise InvalidAnswer(REQUIRED[kind])
    return rows or None
