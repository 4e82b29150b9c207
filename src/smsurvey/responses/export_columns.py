"""The columns of a Qualtrics response export: metadata, one or more per question, embedded
data; each with its three CSV header cells (name, label, ImportId) and its value per response.

Layout as Qualtrics writes it (matched against real exports: ropensci/qualtRics
``tests/testthat/files/sample.csv``, the Twin-2K-500 export headers kept by darbour/surveyir,
and published exports quoted in public analysis scripts):

* metadata first, ``StartDate`` … ``UserLanguage`` (:data:`METADATA`);
* then the questions in survey order, named by their export tag (the question id without
  one): NPS ``Q1`` and ``Q1_NPS_GROUP``; single choice ``Q2`` and ``Q2_4_TEXT`` for an
  "other" box; multiple choice ``Q3_1``, ``Q3_2`` … (ImportId ``{"ImportId":"QID3",
  "choiceId":"1"}``) or, without ``breakoutSets``, one ``Q3`` column ``1,3``; matrix rows,
  slider statements, rank-order choices and form fields ``Q4_1`` (ImportId ``QID4_1``);
  text entry ``Q5`` (ImportId ``QID5_TEXT``);
* then embedded data, by field name.

Labels are the question text, then `` - `` and the part (``Selected Choice`` for a choice
question with a text box, whose text columns read ``… - Other - Text``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smsurvey.surveys.conversation import NpsGroup
from smsurvey.surveys.definition import (
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


@dataclass(frozen=True, slots=True)
class ExportedResponse:
    """A response as exports see it: a recorded one, or one still in progress."""

    id: str
    started_at: datetime
    recorded_at: datetime
    finished: bool
    channel: str
    recipient: Mapping[str, Any]
    values: Mapping[str, Any]
    labels: Mapping[str, Any]
    displayed: tuple[str, ...] | None
    """The questions shown, when known (else a question counts as seen when it has a value)."""
    progress: int

    def seen(self, question_id: str) -> bool:
        """Whether the respondent was shown the question."""
        if self.displayed is not None:
            return question_id in self.displayed
        return has_answer(self.values, question_id)


@dataclass(frozen=True, slots=True)
class Settings:
    """What changes a cell's value (the export options that do)."""

    use_labels: bool = False
    seen_unanswered: int | None = None
    multiselect_seen_unanswered: int | None = None
    breakout_sets: bool = True


Cell = Callable[[ExportedResponse, Settings], Any]
"""A column's value for a response (``None`` for an empty cell)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One export column."""

    name: str
    label: str
    import_id: Mapping[str, str]
    cell: Cell
    json_key: str | None = None
    """The key JSON exports use for it (``None``: not in JSON, e.g. split choices)."""


def has_answer(values: Mapping[str, Any], question_id: str) -> bool:
    """Whether ``values`` hold an answer to the question."""
    return any(key == question_id or key.startswith(f"{question_id}_") for key in values)


def as_number(value: Any) -> Any:
    """An integer string as an int (stored single-choice answers may be strings)."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


# Metadata --------------------------------------------------------------------

STATUS_LABELS = {0: "IP Address", 2: "Survey Test"}
"""``Status`` codes Qualtrics uses that smsurvey records, and their label."""


def status_of(response: ExportedResponse) -> int:
    """0 for a real response, 2 for a distribution's test."""
    return 2 if response.channel == "test" else 0


def _metadata(name: str, label: str, import_id: str, cell: Cell) -> tuple[str, Column]:
    return import_id, Column(name, label, {"ImportId": import_id}, cell, json_key=import_id)


def _recipient(field: str) -> Cell:
    return lambda response, _: response.recipient.get(field) or None


METADATA: Mapping[str, Column] = dict(
    (
        _metadata("StartDate", "Start Date", "startDate", lambda r, _: r.started_at),
        _metadata("EndDate", "End Date", "endDate", lambda r, _: r.recorded_at),
        _metadata(
            "Status", "Response Type", "status",
            lambda r, s: STATUS_LABELS[status_of(r)] if s.use_labels else status_of(r),
        ),
        _metadata("IPAddress", "IP Address", "ipAddress", lambda r, _: None),
        _metadata("Progress", "Progress", "progress", lambda r, _: r.progress),
        _metadata(
            "Duration (in seconds)", "Duration (in seconds)", "duration",
            lambda r, _: int((r.recorded_at - r.started_at).total_seconds()),
        ),
        _metadata(
            "Finished", "Finished", "finished",
            lambda r, s: str(r.finished) if s.use_labels else int(r.finished),
        ),
        _metadata("RecordedDate", "Recorded Date", "recordedDate", lambda r, _: r.recorded_at),
        _metadata("ResponseId", "Response ID", "_recordId", lambda r, _: r.id),
        _metadata("RecipientLastName", "Recipient Last Name", "recipientLastName",
                  _recipient("last_name")),
        _metadata("RecipientFirstName", "Recipient First Name", "recipientFirstName",
                  _recipient("first_name")),
        _metadata("RecipientEmail", "Recipient Email", "recipientEmail", _recipient("email")),
        _metadata("ExternalReference", "External Data Reference", "externalDataReference",
                  _recipient("ext_ref")),
        _metadata("LocationLatitude", "Location Latitude", "locationLatitude", lambda r, _: None),
        _metadata("LocationLongitude", "Location Longitude", "locationLongitude",
                  lambda r, _: None),
        _metadata("DistributionChannel", "Distribution Channel", "distributionChannel",
                  lambda r, _: r.channel),
        _metadata("UserLanguage", "User Language", "userLanguage",
                  lambda r, _: r.recipient.get("language")),
    )
)  # fmt: skip
"""The metadata columns by the id ``surveyMetadataIds`` names them with, in export order."""

DATE_COLUMNS = frozenset({"startDate", "endDate", "recordedDate"})
"""Metadata whose ImportId carries the export's time zone."""


# Questions -------------------------------------------------------------------


def _value(key: str, question: Question, choices: Sequence[Choice] = ()) -> Cell:
    """The stored value under ``key`` (the choice text with ``useLabels``), or the
    seen-unanswered recode."""

    def cell(response: ExportedResponse, settings: Settings) -> Any:
        value = as_number(response.values.get(key))
        if value is None or value == []:
            if settings.seen_unanswered is not None and response.seen(question.id):
                return settings.seen_unanswered
            return None
        if isinstance(value, list):
            value = [as_number(v) for v in value]
        if settings.use_labels and choices:
            texts = {c.value: c.text for c in choices}
            if isinstance(value, list):
                return [texts.get(str(v), v) for v in value]
            return texts.get(str(value), response.labels.get(key, value))
        return value

    return cell


def _chosen(key: str, question: Question, choice: Choice) -> Cell:
    """One choice of a split multiple-answer question: its value when chosen."""

    def cell(response: ExportedResponse, settings: Settings) -> Any:
        chosen = response.values.get(key)
        if isinstance(chosen, list) and choice.value in {str(v) for v in chosen}:
            return choice.text if settings.use_labels else as_number(choice.value)
        recode = settings.multiselect_seen_unanswered
        if recode is None:
            recode = settings.seen_unanswered
        return recode if recode is not None and response.seen(question.id) else None

    return cell


def _text(key: str) -> Cell:
    return lambda response, _: response.values.get(key)


def _nps_group(key: str) -> Cell:
    def cell(response: ExportedResponse, settings: Settings) -> Any:
        group = as_number(response.values.get(key))
        if group is None or not settings.use_labels:
            return group
        return NpsGroup(group).label

    return cell


def _other_text(question: Question, tag: str, text: str, choices: Iterable[Choice]) -> list[Column]:
    return [
        Column(
            f"{tag}_{choice.id}_TEXT", f"{text} - {plain_text(choice.text)} - Text",
            {"ImportId": f"{question.id}_{choice.id}_TEXT"},
            _text(f"{question.id}_{choice.id}_TEXT"), json_key=f"{question.id}_{choice.id}_TEXT",
        )
        for choice in choices
        if choice.text_entry
    ]  # fmt: skip


def _part(question: Question, tag: str, text: str, part: Choice, cell: Cell) -> Column:
    """The column of a matrix row, slider statement, rank-order choice or form field."""
    key = f"{question.id}_{part.id}"
    return Column(
        f"{tag}_{part.export_tag or part.id}", f"{text} - {plain_text(part.text)}",
        {"ImportId": key}, cell, json_key=key,
    )  # fmt: skip


def question_columns(question: Question, breakout_sets: bool) -> list[Column]:
    """The columns of ``question`` (none for descriptive text and uploads)."""
    tag, qid = question.label or question.id, question.id
    text = plain_text(question.text) or tag
    match question:
        case NpsQuestion():
            return [
                Column(tag, text, {"ImportId": qid}, _value(qid, question), json_key=qid),
                Column(
                    f"{tag}_NPS_GROUP", f"{text} - Group", {"ImportId": f"{qid}_NPS_GROUP"},
                    _nps_group(f"{qid}_NPS_GROUP"), json_key=f"{qid}_NPS_GROUP",
                ),
            ]  # fmt: skip
        case SingleChoiceQuestion(choices=choices) | MultipleChoiceQuestion(choices=choices):
            boxed = any(choice.text_entry for choice in choices)
            head = f"{text} - Selected Choice" if boxed else text
            if isinstance(question, MultipleChoiceQuestion) and breakout_sets:
                columns = [
                    Column(
                        f"{tag}_{choice.export_tag or choice.id}",
                        f"{head} - {plain_text(choice.text)}",
                        {"ImportId": qid, "choiceId": choice.id}, _chosen(qid, question, choice),
                    )
                    for choice in choices
                ]  # fmt: skip
            else:
                columns = [
                    Column(tag, head, {"ImportId": qid}, _value(qid, question, choices), qid)
                ]
            return columns + _other_text(question, tag, text, choices)
        case MatrixQuestion(statements=statements, choices=choices):
            return [
                _part(question, tag, text, row, _value(f"{qid}_{row.id}", question, choices))
                for row in statements
            ]
        case SliderQuestion(statements=statements):
            return [
                _part(question, tag, text, row, _value(f"{qid}_{row.id}", question))
                for row in statements
            ]
        case RankOrderQuestion(choices=choices):
            return [
                _part(question, tag, text, choice, _value(f"{qid}_{choice.id}", question))
                for choice in choices
            ]
        case TextEntryQuestion(format="form", fields=fields):
            return [
                _part(question, tag, text, field, _value(f"{qid}_{field.id}", question))
                for field in fields
            ]
        case TextEntryQuestion():
            key = f"{qid}_TEXT"
            return [Column(tag, text, {"ImportId": key}, _value(key, question), json_key=key)]
    return []


def answer_key_of(definition: SurveyDefinition) -> Callable[[str], bool]:
    """Whether a stored value key is an answer (else it is embedded data)."""
    ids = tuple(definition.questions)

    def is_answer(key: str) -> bool:
        return any(key == qid or key.startswith(f"{qid}_") for qid in ids)

    return is_answer


def embedded_column(name: str) -> Column:
    """The column of an embedded-data field."""
    return Column(name, name, {"ImportId": name}, _text(name), json_key=name)
