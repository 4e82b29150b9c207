"""A survey definition as a Qualtrics survey file (QSF), the document Qualtrics' "Import
Survey" takes and ``GET /survey-definitions/{id}?format=qsf`` answers.

The file is ``SurveyEntry`` (ids, name, status, dates as ``YYYY-MM-DD HH:MM:SS``, unset
``0000-00-00 00:00:00``) and ``SurveyElements``: ``BL`` the blocks (the first is the default
block), ``FL`` the flow (``FL_n`` ids), ``SO`` the options with the end message, ``PROJ``,
``QC`` the question count and one ``SQ`` per question. Ids, export tags, choice ids and
recode values are written as they are, so :func:`smsurvey.surveys.qsf_import.read_qsf`
gives the same survey back. What QSF cannot hold is listed by :func:`qsf_losses`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from smsurvey.surveys.definition import (
    Block,
    Branch,
    EmbeddedDataField,
    EndSurvey,
    FlowElement,
    Group,
    MatrixQuestion,
    MultipleChoiceQuestion,
    OtherQuestion,
    PageBreak,
    Question,
    QuestionCondition,
    Randomizer,
    SetEmbeddedData,
    ShowBlock,
    SliderQuestion,
    SurveyDefinition,
    TextEntryQuestion,
    UnsupportedElement,
    iter_flow,
    leaves,
)
from smsurvey.surveys.qsf_logic_out import boolean_expression, skip_logic
from smsurvey.surveys.qsf_questions_out import description, question_payload

UNSET_DATE = "0000-00-00 00:00:00"
PROJECT = {"ProjectCategory": "CORE", "SchemaVersion": "1.1.0"}
DEFAULT_BLOCK_DESCRIPTION = "Default Question Block"
_FLOW_ID = re.compile(r"FL_(\d+)")


def qsf_date(moment: datetime | None) -> str:
    """``moment`` in UTC as QSF writes dates, or the unset date."""
    if moment is None:
        return UNSET_DATE
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def to_qsf(
    survey: SurveyDefinition,
    *,
    survey_id: str,
    owner_id: str,
    created_at: datetime,
    modified_at: datetime,
    active: bool,
    brand_id: str | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """The QSF document of ``survey``, stored as ``survey_id`` and owned by the user
    ``owner_id`` of the brand (organisation) ``brand_id``."""
    entry = {
        "SurveyID": survey_id,
        "SurveyName": survey.name,
        "SurveyDescription": survey.description or None,
        "SurveyOwnerID": owner_id,
        "SurveyBrandID": brand_id,
        "DivisionID": None,
        "SurveyLanguage": survey.language,
        "SurveyActiveResponseSet": None,
        "SurveyStatus": "Active" if active else "Inactive",
        "SurveyStartDate": UNSET_DATE,
        "SurveyExpirationDate": qsf_date(expires_at),
        "SurveyCreationDate": qsf_date(created_at),
        "CreatorID": owner_id,
        "LastModified": qsf_date(modified_at),
        "LastAccessed": UNSET_DATE,
        "LastActivated": UNSET_DATE,
        "Deleted": None,
    }

    def element(kind: str, primary: str, payload: Any, **attributes: str | None) -> dict[str, Any]:
        return {
            "SurveyID": survey_id,
            "Element": kind,
            "PrimaryAttribute": primary,
            "SecondaryAttribute": attributes.get("secondary"),
            "TertiaryAttribute": attributes.get("tertiary"),
            "Payload": payload,
        }

    questions = survey.questions
    elements = [
        element("BL", "Survey Blocks", blocks_payload(survey)),
        element("FL", "Survey Flow", flow_payload(survey)),
        element("SO", "Survey Options", options_payload(survey)),
        element("PROJ", "CORE", dict(PROJECT), tertiary=PROJECT["SchemaVersion"]),
        element("QC", "Survey Question Count", None, secondary=str(len(questions))),
    ]
    elements += [
        element(
            "SQ",
            question.id,
            question_payload(question, questions),
            secondary=description(question),
        )
        for question in questions.values()
    ]
    return {"SurveyEntry": entry, "SurveyElements": elements}


def blocks_payload(survey: SurveyDefinition) -> list[dict[str, Any]]:
    """The ``BL`` payload: the blocks, the first as the default block (one with no
    elements when the survey has no block yet)."""
    blocks = survey.blocks or (
        Block(id=default_block_id(survey), description=DEFAULT_BLOCK_DESCRIPTION),
    )
    return [block_payload(block, survey, index == 0) for index, block in enumerate(blocks)]


def default_block_id(survey: SurveyDefinition) -> str:
    """The id of the survey's default block: its first block, or ``BL_`` and the survey's
    id for a survey without blocks."""
    if survey.blocks:
        return survey.blocks[0].id
    return "BL_" + (survey.id or "SV_default").removeprefix("SV_")


def block_payload(block: Block, survey: SurveyDefinition, default: bool) -> dict[str, Any]:
    """One block of the ``BL`` payload, with its questions, page breaks and skip logic."""
    elements: list[dict[str, Any]] = []
    for element in block.elements:
        if isinstance(element, PageBreak):
            elements.append({"Type": "Page Break"})
            continue
        entry: dict[str, Any] = {"Type": "Question", "QuestionID": element.id}
        rules, _ = skip_logic(element.skip_logic, element, survey.questions)
        if rules:
            entry["SkipLogic"] = rules
        elements.append(entry)
    payload: dict[str, Any] = {"Type": "Default" if default else "Standard"}
    if not default:
        payload["SubType"] = ""
    payload |= {
        "Description": block.description,
        "ID": block.id,
        "BlockElements": elements,
        "Options": {
            "BlockLocking": "false",
            "RandomizeQuestions": "false",
            "BlockVisibility": "Expanded",
        },
    }
    return payload


def flow_payload(survey: SurveyDefinition) -> dict[str, Any]:
    """The ``FL`` payload: the root with the flow, ids ``FL_2`` on (a randomizer keeps its
    own ``FL_n``), and ``Properties.Count`` the highest number used."""
    ids = _FlowIds(survey)
    default = default_block_id(survey)
    flow = survey.flow or (ShowBlock(type="block", id=default),)
    written = [_flow_element(element, survey, ids, default) for element in flow]
    return {
        "Type": "Root",
        "FlowID": "FL_1",
        "Flow": written,
        "Properties": {"Count": ids.highest, "RemovedFieldsets": []},
    }


class _FlowIds:
    """Hands out ``FL_n`` ids, skipping those the survey's randomizers and unsupported
    elements keep."""

    def __init__(self, survey: SurveyDefinition) -> None:
        self.taken = {
            int(found[1])
            for _, element in iter_flow(survey.flow)
            if isinstance(element, Randomizer | UnsupportedElement)
            and element.id
            and (found := _FLOW_ID.fullmatch(element.id))
        }
        self.highest = max(self.taken | {1})
        self._next = 2

    def new(self) -> str:
        while self._next in self.taken:
            self._next += 1
        number, self._next = self._next, self._next + 1
        self.highest = max(self.highest, number)
        return f"FL_{number}"

    def keep(self, flow_id: str | None) -> str:
        return flow_id if flow_id and _FLOW_ID.fullmatch(flow_id) else self.new()


def _flow_element(
    element: FlowElement, survey: SurveyDefinition, ids: _FlowIds, default: str
) -> dict[str, Any]:
    def nested(flow: tuple[FlowElement, ...]) -> list[dict[str, Any]]:
        return [_flow_element(child, survey, ids, default) for child in flow]

    match element:
        case ShowBlock():
            kind = "Block" if element.id == default else "Standard"
            return {"Type": kind, "ID": element.id, "FlowID": ids.new(), "Autofill": []}
        case Branch():
            flow_id = ids.new()
            return {
                "Type": "Branch",
                "FlowID": flow_id,
                "Description": element.description,
                "BranchLogic": boolean_expression(element.condition, survey.questions),
                "Flow": nested(element.flow),
            }
        case Group():
            flow_id = ids.new()
            return {
                "Type": "Group",
                "FlowID": flow_id,
                "Description": element.description,
                "Flow": nested(element.flow),
            }
        case Randomizer():
            flow_id = ids.keep(element.id)
            return {
                "Type": "BlockRandomizer",
                "FlowID": flow_id,
                "SubSet": element.subset or len(element.flow),
                "EvenPresentation": element.even_presentation,
                "Flow": nested(element.flow),
            }
        case SetEmbeddedData():
            return {
                "Type": "EmbeddedData",
                "FlowID": ids.new(),
                "EmbeddedData": [_field(f) for f in element.fields],
            }
        case EndSurvey():
            return _end_survey(element, ids.new())
        case UnsupportedElement():
            written: dict[str, Any] = {"Type": element.source_type, "FlowID": ids.keep(element.id)}
            if element.description:
                written["Description"] = element.description
            if element.flow:
                written["Flow"] = nested(element.flow)
            return written
    raise AssertionError(f"no QSF flow element for {element.type}")  # pragma: no cover


def _field(field: EmbeddedDataField) -> dict[str, Any]:
    written: dict[str, Any] = {
        "Description": field.name,
        "Type": "Custom" if field.value is not None else "Recipient",
        "Field": field.name,
        "VariableType": "String",
        "DataVisibility": [],
        "AnalyzeText": False,
    }
    if field.value is not None:
        written["Value"] = field.value
    return written


def _end_survey(element: EndSurvey, flow_id: str) -> dict[str, Any]:
    if element.message is None:
        return {"Type": "EndSurvey", "FlowID": flow_id}
    return {
        "Type": "EndSurvey",
        "FlowID": flow_id,
        "EndingType": "Advanced",
        "Options": {
            "Advanced": "true",
            "SurveyTermination": "DisplayMessage",
            "EOSMessage": element.message,
        },
    }


def options_payload(survey: SurveyDefinition) -> dict[str, Any]:
    """The ``SO`` payload: Qualtrics' defaults, with the end message when the survey has
    one (as text: the file holds no message library)."""
    options: dict[str, Any] = {
        "BackButton": "false",
        "SaveAndContinue": "true",
        "SurveyProtection": "PublicSurvey",
        "BallotBoxStuffingPrevention": "false",
        "NoIndex": "Yes",
        "SecureResponseFiles": "true",
        "SurveyExpiration": "None",
        "SurveyTermination": "DefaultMessage",
        "Header": "",
        "Footer": "",
        "ProgressBarDisplay": "None",
        "PartialData": "+1 week",
        "ValidationMessage": "",
        "PreviousButton": " ← ",
        "NextButton": " → ",
        "NewScoring": 1,
        "EOSMessage": "",
        "EOSMessageLibrary": "",
    }
    if survey.end_message:
        options |= {"SurveyTermination": "DisplayMessage", "EOSMessage": survey.end_message}
    return options


def qsf_losses(survey: SurveyDefinition) -> list[str]:
    """What of ``survey`` its QSF cannot hold, each naming the element: skip rules testing
    more than one answer, tests QSF has no locator for, recodes QSF keeps only on choices."""
    return [
        loss
        for question in survey.questions.values()
        for loss in _question_losses(question, survey.questions)
    ]


def _question_losses(question: Question, questions: Mapping[str, Question]) -> Iterator[str]:
    _, unwritable = skip_logic(question.skip_logic, question, questions)
    for index in unwritable:
        yield (
            f"{question.id}: skip logic[{index}] tests more than one answer"
            " (QSF skip logic tests one)"
        )
    conditions = [question.display_logic] if question.display_logic else []
    conditions += [rule.condition for rule in question.skip_logic]
    for leaf in (leaf for condition in conditions for leaf in leaves(condition)):
        if not isinstance(leaf, QuestionCondition):
            continue
        target = questions.get(leaf.question)
        if isinstance(target, MatrixQuestion) and leaf.value is None and leaf.statement:
            yield f"{question.id}: a {leaf.operator} test on a matrix row has no QSF locator"
    if isinstance(question, MatrixQuestion):
        rows = question.statements
        if any(choice.export_tag for choice in question.choices):
            yield f"{question.id}: export tags of scale points (QSF tags only statements)"
    elif isinstance(question, SliderQuestion):
        rows = question.statements
    elif isinstance(question, TextEntryQuestion):
        rows = question.fields
    else:
        rows = ()
    if any(row.recode is not None for row in rows):
        yield f"{question.id}: recode values of statements or fields (QSF recodes only choices)"
    if isinstance(question, MultipleChoiceQuestion) and question.layout == "dropdown":
        yield f"{question.id}: a multiple-answer drop-down is written as a select box (MSB)"
    if isinstance(question, OtherQuestion) and question.choices:
        yield f"{question.id}: the choices of a {question.source_type or question.type} question"
