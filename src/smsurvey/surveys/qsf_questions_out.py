"""Survey questions as QSF question payloads (the ``Payload`` of an ``SQ`` element), in the
shapes Qualtrics exports: ``MC``/``NPS`` with an array of eleven choices, ``MC``/``SAVR``…,
``Matrix``/``Likert``, ``Slider``/``HSLIDER``, ``RO``/``DND``, ``TE``/``SL``…, ``DB``/``TB``.
Question, choice and statement ids, export tags and recode values are written as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smsurvey.surveys.definition import (
    NPS_SCORES,
    Choice,
    DescriptiveText,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    OtherQuestion,
    Question,
    RankOrderQuestion,
    SingleChoiceQuestion,
    SliderQuestion,
    TextEntryQuestion,
)
from smsurvey.surveys.qsf_logic_out import boolean_expression
from smsurvey.surveys.qsf_names import MULTIPLE_SELECTORS, SINGLE_SELECTORS, TEXT_SELECTORS
from smsurvey.surveys.render import plain_text

_WITH_TEXT_SUB_SELECTOR = frozenset({"SAVR", "SAHR", "SACOL", "MAVR", "MAHR", "MACOL"})
_NPS_LABELS = ("Not at all likely", "Extremely likely")
DESCRIPTION_LENGTH = 100
"""How much of a question's text its ``QuestionDescription`` shows (as Qualtrics cuts it)."""


def description(question: Question) -> str:
    """The question's text on one line, cut as Qualtrics cuts ``QuestionDescription``."""
    text = " ".join(plain_text(question.text).split())
    if len(text) > DESCRIPTION_LENGTH:
        return text[: DESCRIPTION_LENGTH - 3] + "..."
    return text


def question_payload(question: Question, questions: Mapping[str, Question]) -> dict[str, Any]:
    """The ``SQ`` payload of ``question`` (its skip logic goes in its block); ``questions``
    holds every question of the survey, for the tests of its display logic."""
    kind, selector, sub_selector = _type_of(question)
    payload: dict[str, Any] = {
        "QuestionText": question.text,
        "DefaultChoices": False,
        "DataExportTag": question.label or question.id,
        "QuestionType": kind,
        "Selector": selector,
    }
    if sub_selector:
        payload["SubSelector"] = sub_selector
    payload["Configuration"] = _configuration(question)
    payload["QuestionDescription"] = description(question)
    payload.update(_choices(question))
    payload["Validation"] = _validation(question)
    payload["Language"] = []
    if question.display_logic is not None:
        payload["DisplayLogic"] = boolean_expression(question.display_logic, questions)
    payload["QuestionID"] = question.id
    return payload


def _type_of(question: Question) -> tuple[str, str | None, str | None]:
    match question:
        case NpsQuestion():
            return "MC", "NPS", None
        case SingleChoiceQuestion():
            selector = SINGLE_SELECTORS[question.layout]
            return "MC", selector, "TX" if selector in _WITH_TEXT_SUB_SELECTOR else None
        case MultipleChoiceQuestion():
            selector = MULTIPLE_SELECTORS.get(question.layout, "MSB")
            return "MC", selector, "TX" if selector in _WITH_TEXT_SUB_SELECTOR else None
        case MatrixQuestion():
            answers = "MultipleAnswer" if question.multiple_answers else "SingleAnswer"
            return "Matrix", "Likert", answers
        case SliderQuestion():
            return "Slider", "HSLIDER", None
        case RankOrderQuestion():
            return "RO", "DND", "TX"
        case TextEntryQuestion():
            return "TE", TEXT_SELECTORS[question.format], None
        case DescriptiveText():
            return "DB", "TB", None
        case OtherQuestion():
            return _source_type(question)
    raise AssertionError(f"no QSF type for {question.type}")  # pragma: no cover


def _source_type(question: OtherQuestion) -> tuple[str, str | None, str | None]:
    if question.source_type:
        parts = [part or None for part in question.source_type.split("/", 2)]
        parts += [None] * (3 - len(parts))
        return parts[0] or "Unsupported", parts[1], parts[2]
    if question.type == "file_upload":
        return "FileUpload", "FileUpload", None
    return "Unsupported", None, None


def _configuration(question: Question) -> dict[str, Any]:
    configuration: dict[str, Any] = {"QuestionDescriptionOption": "UseText"}
    if isinstance(question, MatrixQuestion):
        configuration |= {
            "TextPosition": "inline",
            "ChoiceColumnWidth": 25,
            "RepeatHeaders": "none",
            "WhiteSpace": "OFF",
            "MobileFirst": True,
        }
    elif isinstance(question, SliderQuestion):
        configuration |= {
            "CSSliderMin": _number(question.minimum),
            "CSSliderMax": _number(question.maximum),
            "GridLines": 10,
            "SnapToGrid": False,
            "NumDecimals": str(question.decimals),
            "ShowValue": True,
            "CustomStart": False,
            "NotApplicable": False,
            "MobileFirst": True,
        }
    return configuration


def _number(value: float) -> float | int:
    return int(value) if value == int(value) else value


def _validation(question: Question) -> dict[str, Any]:
    if isinstance(question, DescriptiveText):
        return {"Settings": {"Type": "None"}}
    force = "ON" if question.required else "OFF"
    return {"Settings": {"ForceResponse": force, "ForceResponseType": "ON", "Type": "None"}}


def _choices(question: Question) -> dict[str, Any]:
    """``Choices``, ``ChoiceOrder`` (and for a matrix ``Answers``, ``AnswerOrder``), the
    recode values and choice export tags, and the next free ids."""
    match question:
        case NpsQuestion():
            return {
                "Choices": [{"Display": str(score)} for score in NPS_SCORES],
                "ChoiceOrder": [str(score) for score in NPS_SCORES],
                "NextChoiceId": len(NPS_SCORES),
                "NextAnswerId": 1,
                "ColumnLabels": [
                    {"Display": label, "IsLabelDefault": True} for label in _NPS_LABELS
                ],
            }
        case MatrixQuestion():
            return {
                **_listed(question.statements, "Choices", "ChoiceOrder"),
                **_recodes(question.choices),
                "ChoiceDataExportTags": _export_tags(question.statements),
                "NextChoiceId": _next_id(question.statements),
                "NextAnswerId": _next_id(question.choices),
                **_listed(question.choices, "Answers", "AnswerOrder"),
            }
        case SingleChoiceQuestion() | MultipleChoiceQuestion() | RankOrderQuestion():
            return {
                **_listed(question.choices, "Choices", "ChoiceOrder"),
                **_recodes(question.choices),
                **_tags(question.choices),
                "NextChoiceId": _next_id(question.choices),
                "NextAnswerId": 1,
            }
        case SliderQuestion():
            return {
                **_listed(question.statements, "Choices", "ChoiceOrder"),
                **_tags(question.statements),
                "NextChoiceId": _next_id(question.statements),
                "NextAnswerId": 1,
            }
        case TextEntryQuestion() if question.fields:
            return {
                **_listed(question.fields, "Choices", "ChoiceOrder"),
                **_tags(question.fields),
                "NextChoiceId": _next_id(question.fields),
                "NextAnswerId": 1,
            }
        case DescriptiveText():
            return {"ChoiceOrder": []}
        case OtherQuestion() if question.choices:
            return _listed(question.choices, "Choices", "ChoiceOrder")
    return {}


def _listed(choices: tuple[Choice, ...], key: str, order_key: str) -> dict[str, Any]:
    return {
        key: {choice.id: _choice(choice) for choice in choices},
        order_key: [c.id for c in choices],
    }


def _choice(choice: Choice) -> dict[str, Any]:
    shown: dict[str, Any] = {"Display": choice.text}
    if choice.text_entry:
        shown["TextEntry"] = "true"
    if choice.exclusive:
        shown["ExclusiveAnswer"] = True
    return shown


def _recodes(choices: tuple[Choice, ...]) -> dict[str, Any]:
    recodes = {choice.id: choice.recode for choice in choices if choice.recode is not None}
    return {"RecodeValues": recodes} if recodes else {}


def _tags(choices: tuple[Choice, ...]) -> dict[str, Any]:
    tags = _export_tags(choices)
    return {"ChoiceDataExportTags": tags} if tags else {}


def _export_tags(choices: tuple[Choice, ...]) -> dict[str, str] | bool:
    tags = {choice.id: choice.export_tag for choice in choices if choice.export_tag}
    return tags or False


def _next_id(choices: tuple[Choice, ...]) -> int:
    numbers = [int(choice.id) for choice in choices if choice.id.isdigit()]
    return max(numbers, default=0) + 1
