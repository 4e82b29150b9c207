"""A QSF question (the payload of an ``SQ`` element) as a survey question, logic aside.

Ids, export tags, choice ids and their order (``ChoiceOrder``), recode values and choice
export tags are kept as written. A question kind smsurvey cannot ask becomes an
``unsupported`` question naming its QSF type, and is noted as dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from smsurvey.surveys.definition import (
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
from smsurvey.surveys.qsf_names import (
    MULTIPLE_SELECTORS,
    SINGLE_SELECTORS,
    TEXT_SELECTORS,
    by_name,
)
from smsurvey.surveys.qsf_notes import Notes, flag, ids, mapping

_SINGLE_LAYOUTS = by_name(SINGLE_SELECTORS)
_MULTIPLE_LAYOUTS = by_name(MULTIPLE_SELECTORS)
_TEXT_FORMATS = by_name(TEXT_SELECTORS)
_MATRIX_ANSWERS = {"SingleAnswer": False, "DL": False, "MultipleAnswer": True}
"""Likert matrix sub-selectors kept, and whether each takes several answers per row."""


def source_type(payload: Mapping[str, Any]) -> str:
    """The QSF type of a question, e.g. ``MC/SAVR/TX``."""
    parts = (payload.get(key) for key in ("QuestionType", "Selector", "SubSelector"))
    return "/".join(str(part) for part in parts if part)


def read_question(payload: Mapping[str, Any], qid: str, where: str, notes: Notes) -> Question:
    """The question ``payload`` describes, with id ``qid``, without its logic; ``where``
    names the payload in errors."""
    common: dict[str, Any] = {
        "id": qid,
        "label": _label(payload.get("DataExportTag")),
        "text": notes.text(payload.get("QuestionText"), qid, "the question text"),
        "required": _required(payload),
    }
    kind = source_type(payload)
    dynamic = payload.get("DynamicChoices")
    if isinstance(dynamic, Mapping):
        reason = f"its choices are carried forward ({dynamic.get('Locator')})"
        return _unsupported(kind, common, reason, notes)
    try:
        question = _typed(payload, qid, where, notes, common)
    except ValidationError as error:
        problems = "; ".join(_problem(issue["loc"], issue["msg"]) for issue in error.errors())
        return _unsupported(
            kind, common, f"a {kind} question that cannot be kept: {problems}", notes
        )
    if question is None:
        return _unsupported(kind, common, f"{kind} questions cannot be asked here", notes)
    return question


def _problem(loc: tuple[int | str, ...], message: str) -> str:
    message = message.removeprefix("Value error, ").replace("Tuple", "list")
    return f"{'.'.join(map(str, loc))}: {message}" if loc else message


def _unsupported(kind: str, common: dict[str, Any], reason: str, notes: Notes) -> Question:
    """An ``unsupported`` question of QSF type ``kind``, noted as dropped for ``reason``."""
    notes.drop(common["id"], f"{reason}: kept as unsupported")
    return OtherQuestion(type="unsupported", source_type=kind, **common)


def _typed(
    payload: Mapping[str, Any], qid: str, where: str, notes: Notes, common: dict[str, Any]
) -> Question | None:
    kind, selector = payload.get("QuestionType"), payload.get("Selector")
    sub_selector = payload.get("SubSelector")

    def choices(key: str = "Choices", order: str = "ChoiceOrder", what: str = "choice") -> Any:
        return _choices(payload, key, order, what, qid, where, notes)

    match kind:
        case "MC" if selector == "NPS":
            return NpsQuestion(type="nps", **common)
        case "MC" if selector in _SINGLE_LAYOUTS:
            layout = _SINGLE_LAYOUTS[selector]
            return SingleChoiceQuestion(
                type="single_choice", layout=layout, choices=choices(), **common
            )
        case "MC" if selector in _MULTIPLE_LAYOUTS:
            layout = _MULTIPLE_LAYOUTS[selector]
            return MultipleChoiceQuestion(
                type="multiple_choice", layout=layout, choices=choices(), **common
            )
        case "Matrix" if selector == "Likert" and sub_selector in _MATRIX_ANSWERS:
            return MatrixQuestion(
                type="matrix",
                statements=choices(what="statement"),
                choices=choices("Answers", "AnswerOrder", "scale point"),
                multiple_answers=_MATRIX_ANSWERS[sub_selector],
                **common,
            )
        case "TE" if selector in _TEXT_FORMATS:
            text_format = _TEXT_FORMATS[selector]
            fields = choices(what="field") if text_format == "form" else ()
            return TextEntryQuestion(type="text_entry", format=text_format, fields=fields, **common)
        case "DB":
            return DescriptiveText(type="descriptive", **common)
        case "Slider":
            configuration = mapping(payload.get("Configuration") or {}, f"{where}.Configuration")
            return SliderQuestion(
                type="slider",
                statements=choices(what="statement"),
                minimum=configuration.get("CSSliderMin", 0),
                maximum=configuration.get("CSSliderMax", 100),
                decimals=configuration.get("NumDecimals") or 0,
                **common,
            )
        case "RO":
            return RankOrderQuestion(type="rank_order", choices=choices(), **common)
        case "FileUpload":
            return OtherQuestion(type="file_upload", source_type=source_type(payload), **common)
    return None


def _label(value: object) -> str | None:
    return str(value).strip() or None if isinstance(value, str | int) else None


def _required(payload: Mapping[str, Any]) -> bool:
    validation = payload.get("Validation")
    settings = validation.get("Settings") if isinstance(validation, Mapping) else None
    return isinstance(settings, Mapping) and settings.get("ForceResponse") == "ON"


def _choices(
    payload: Mapping[str, Any],
    key: str,
    order_key: str,
    what: str,
    qid: str,
    where: str,
    notes: Notes,
) -> tuple[Choice, ...]:
    """The choices under ``key`` (an object keyed by choice id, or an array whose indexes
    are the ids) in the order ``order_key`` gives, those it leaves out after them."""
    raw = payload.get(key)
    if isinstance(raw, list):
        by_id = {str(index): entry for index, entry in enumerate(raw)}
    elif raw is None:
        by_id = {}
    else:
        by_id = {str(cid): entry for cid, entry in mapping(raw, f"{where}.{key}").items()}
    order = [cid for cid in ids(payload.get(order_key), f"{where}.{order_key}") if cid in by_id]
    order += [cid for cid in by_id if cid not in order]
    recodes = _strings(payload.get("RecodeValues")) if key == "Answers" or what == "choice" else {}
    tags = _strings(payload.get("ChoiceDataExportTags")) if key == "Choices" else {}
    found = []
    for cid in dict.fromkeys(order):
        entry = mapping(by_id[cid], f"{where}.{key}.{cid}")
        if entry.get("DisplayLogic"):
            notes.drop(qid, f"the display logic of {what} {cid} (the {what} is always shown)")
        found.append(
            Choice(
                id=cid,
                text=notes.text(entry.get("Display"), qid, f"{what} {cid}"),
                text_entry=flag(entry.get("TextEntry")),
                recode=recodes.get(cid),
                export_tag=tags.get(cid),
                exclusive=flag(entry.get("ExclusiveAnswer")),
            )
        )
    return tuple(found)


def _strings(value: object) -> dict[str, str]:
    """A QSF id → value object (``RecodeValues``, ``ChoiceDataExportTags``); ``false`` and
    ``[]`` mean none."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): str(entry) for key, entry in value.items() if isinstance(entry, str | int)}
