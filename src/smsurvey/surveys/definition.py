"""The survey definition: questions in blocks, display logic, and the flow.

The model holds what matters from a Qualtrics survey (QSF), including question kinds, flow
elements and logic that SMS cannot carry: those load, and the compatibility report lists them.
A definition that validates is self-consistent: ids are unique, every reference resolves, and
logic only looks at questions asked before it. ``docs/survey-format.md`` documents the format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from smsurvey.kit.ids import is_id

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""A question, block, choice or embedded-data field identifier."""

NPS_SCORES = range(11)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# ---------------------------------------------------------------------------------- conditions


class Operator(StrEnum):
    """How a condition compares its subject (an answer or an embedded-data field) to its value."""

    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    EQUAL_TO = "equal_to"
    NOT_EQUAL_TO = "not_equal_to"
    GREATER_THAN = "greater_than"
    GREATER_OR_EQUAL = "greater_or_equal"
    LESS_THAN = "less_than"
    LESS_OR_EQUAL = "less_or_equal"
    CONTAINS = "contains"
    DOES_NOT_CONTAIN = "does_not_contain"
    EMPTY = "empty"
    NOT_EMPTY = "not_empty"
    DISPLAYED = "displayed"
    NOT_DISPLAYED = "not_displayed"


NUMERIC_OPERATORS = frozenset(
    {
        Operator.GREATER_THAN,
        Operator.GREATER_OR_EQUAL,
        Operator.LESS_THAN,
        Operator.LESS_OR_EQUAL,
    }
)
VALUELESS_OPERATORS = frozenset(
    {Operator.EMPTY, Operator.NOT_EMPTY, Operator.DISPLAYED, Operator.NOT_DISPLAYED}
)
_DISPLAY = frozenset({Operator.DISPLAYED, Operator.NOT_DISPLAYED})
_PRESENCE = frozenset({Operator.EMPTY, Operator.NOT_EMPTY})
_EQUALITY = frozenset({Operator.EQUAL_TO, Operator.NOT_EQUAL_TO})
_TEXT = _EQUALITY | {Operator.CONTAINS, Operator.DOES_NOT_CONTAIN}

_CHOSEN = frozenset({Operator.SELECTED, Operator.NOT_SELECTED}) | _PRESENCE | _DISPLAY
_NUMBER = _EQUALITY | NUMERIC_OPERATORS | _PRESENCE | _DISPLAY
QUESTION_OPERATORS: Mapping[str, frozenset[Operator]] = {
    "nps": _NUMBER,
    "single_choice": _CHOSEN,
    "multiple_choice": _CHOSEN,
    "matrix": _CHOSEN,
    "slider": _NUMBER,
    "rank_order": _NUMBER,
    "text_entry": _TEXT | _PRESENCE | _DISPLAY,
}
"""Operators a condition may use on a question of each type; other types only ``displayed``
and ``not_displayed``."""

STATEMENT_TYPES = frozenset({"matrix", "slider", "rank_order"})
"""Question types whose conditions name a ``statement`` (a rank order's is the choice
ranked); a form text entry's may name a field."""

EMBEDDED_DATA_OPERATORS = _TEXT | NUMERIC_OPERATORS | _PRESENCE


class QuestionCondition(_Model):
    """A test on the answer to an earlier question, or on whether it was displayed."""

    question: Id
    operator: Operator
    value: str | int | None = None
    """A choice id (``selected``), a score 0-10 (NPS), a text (text entry), a number (a
    slider's statement, a rank); none for ``empty``/``not_empty``/``displayed``/
    ``not_displayed``."""
    statement: Id | None = None
    """The row tested: a matrix or slider statement, a rank-order choice, a form field."""


class EmbeddedDataCondition(_Model):
    """A test on an embedded-data field (from the contact, or set earlier in the flow)."""

    embedded_data: Id
    operator: Operator
    value: str | None = None


class UnsupportedCondition(_Model):
    """A test smsurvey cannot evaluate, kept from an imported survey (device type, GeoIP, …)."""

    unsupported: Id
    """What the source survey tested, e.g. the QSF ``LogicType`` ``DeviceType``."""
    description: str = ""


class AllOf(_Model):
    """True when every condition in it is."""

    conditions: tuple[Condition, ...] = Field(alias="all", min_length=1)


class AnyOf(_Model):
    """True when at least one condition in it is."""

    conditions: tuple[Condition, ...] = Field(alias="any", min_length=1)


_CONDITION_KEYS: dict[str, type[_Model]] = {
    "all": AllOf,
    "any": AnyOf,
    "question": QuestionCondition,
    "embedded_data": EmbeddedDataCondition,
    "unsupported": UnsupportedCondition,
}
_CONDITION_TAGS = {kind: f"{key} condition" for key, kind in _CONDITION_KEYS.items()}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, Mapping):
        key = next((key for key in _CONDITION_KEYS if key in value), None)
        return _CONDITION_TAGS[_CONDITION_KEYS[key]] if key else None
    return _CONDITION_TAGS.get(type(value))


Condition = Annotated[
    Annotated[AllOf, Tag(_CONDITION_TAGS[AllOf])]
    | Annotated[AnyOf, Tag(_CONDITION_TAGS[AnyOf])]
    | Annotated[QuestionCondition, Tag(_CONDITION_TAGS[QuestionCondition])]
    | Annotated[EmbeddedDataCondition, Tag(_CONDITION_TAGS[EmbeddedDataCondition])]
    | Annotated[UnsupportedCondition, Tag(_CONDITION_TAGS[UnsupportedCondition])],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=f"a condition needs one of the keys {', '.join(_CONDITION_KEYS)}",
    ),
]
"""A tree of conditions: ``all``/``any`` groups over question, embedded-data and unsupported
tests."""

LeafCondition = QuestionCondition | EmbeddedDataCondition | UnsupportedCondition


def leaves(condition: Condition) -> Iterator[LeafCondition]:
    """The tests in a condition tree, depth first."""
    if isinstance(condition, AllOf | AnyOf):
        for child in condition.conditions:
            yield from leaves(child)
    else:
        yield condition


# ----------------------------------------------------------------------------------- questions


class Choice(_Model):
    """An answer option (or a matrix or slider statement, a form field)."""

    id: Id
    """The choice id logic refers to (the QSF choice id)."""
    text: str
    text_entry: bool = False
    """Whether the choice carries a text box ("Other, please specify")."""
    recode: str | None = None
    """The value recorded when it is chosen; the id when unset (QSF ``RecodeValues``)."""
    export_tag: str | None = None
    """The column name exports use for it (QSF ``ChoiceDataExportTags``)."""
    exclusive: bool = False
    """In a multiple-answer question: choosing it clears the others ("None of these")."""

    @property
    def value(self) -> str:
        """What an answer choosing it records: its recode value, else its id."""
        return self.recode if self.recode is not None else self.id


class SkipRule(_Model):
    """After the question is answered: when ``condition`` holds, go to ``to``."""

    condition: Condition
    to: Id
    """``end_of_block``, ``end_of_survey``, or the id of a later question of the same block."""


SKIP_TO_END_OF_BLOCK = "end_of_block"
SKIP_TO_END_OF_SURVEY = "end_of_survey"


class _Question(_Model):
    id: Id
    type: str  # each kind narrows it to its literal; declared here to come second in documents
    label: str | None = None
    """The export tag, e.g. ``Q1``."""
    text: str
    """The question as written; may hold HTML (never sent by SMS: the renderer strips it)."""
    display_logic: Condition | None = None
    """Ask the question only when this holds."""
    skip_logic: tuple[SkipRule, ...] = ()
    """Where to go once it is answered, the first rule that holds winning."""
    required: bool = False
    """The web survey does not move on without an answer (QSF ``ForceResponse``)."""


class NpsQuestion(_Question):
    """Net Promoter Score: the answer is a whole number from 0 to 10."""

    type: Literal["nps"]


TextFormat = Literal["single_line", "multi_line", "essay", "password", "form"]


class TextEntryQuestion(_Question):
    """A free-text answer, or (``form``) one text per field."""

    type: Literal["text_entry"]
    format: TextFormat = "single_line"
    """QSF selectors ``SL``, ``ML``, ``ESTB``, ``PW``, ``FORM``."""
    fields: tuple[Choice, ...] = ()
    """The fields of a ``form``, each answered with its own text."""

    @model_validator(mode="after")
    def _form_fields(self) -> TextEntryQuestion:
        if (self.format == "form") != bool(self.fields):
            raise ValueError("a form text entry has fields, and only a form has them")
        if (duplicate := _first_duplicate(field.id for field in self.fields)) is not None:
            raise ValueError(f"duplicate field id {duplicate!r}")
        return self


class _ChoiceQuestion(_Question):
    choices: tuple[Choice, ...] = Field(min_length=1)

    @field_validator("choices")
    @classmethod
    def _unique_choice_ids(cls, choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
        if (duplicate := _first_duplicate(choice.id for choice in choices)) is not None:
            raise ValueError(f"duplicate choice id {duplicate!r}")
        return choices


ChoiceLayout = Literal["vertical", "horizontal", "dropdown", "select_box", "columns"]
"""How the web survey lays choices out (QSF ``SAVR``/``MAVR``, ``SAHR``/``MAHR``, ``DL``,
``SB``/``MSB``, ``SACOL``/``MACOL``)."""


class SingleChoiceQuestion(_ChoiceQuestion):
    """Multiple choice, one answer: the answer is a choice id."""

    type: Literal["single_choice"]
    layout: ChoiceLayout = "vertical"


class MultipleChoiceQuestion(_ChoiceQuestion):
    """Multiple choice, several answers (not SMS-compatible): the answer is a list of
    choice ids."""

    type: Literal["multiple_choice"]
    layout: ChoiceLayout = "vertical"


class _StatementQuestion(_Question):
    statements: tuple[Choice, ...] = Field(min_length=1)

    @field_validator("statements")
    @classmethod
    def _unique_statement_ids(cls, statements: tuple[Choice, ...]) -> tuple[Choice, ...]:
        if (duplicate := _first_duplicate(statement.id for statement in statements)) is not None:
            raise ValueError(f"duplicate statement id {duplicate!r}")
        return statements


class MatrixQuestion(_StatementQuestion, _ChoiceQuestion):
    """Statements each rated on the same scale of choices (not SMS-compatible): the answer
    maps statement ids to a choice id (a list of them with ``multiple_answers``)."""

    type: Literal["matrix"]
    multiple_answers: bool = False


class SliderQuestion(_StatementQuestion):
    """One slider per statement (not SMS-compatible): the answer maps statement ids to a
    number from ``minimum`` to ``maximum``."""

    type: Literal["slider"]
    minimum: float = 0
    maximum: float = 100
    decimals: int = Field(default=0, ge=0, le=4)

    @model_validator(mode="after")
    def _range(self) -> SliderQuestion:
        if self.minimum >= self.maximum:
            raise ValueError(f"a slider's minimum {self.minimum} is not below its maximum")
        return self


class RankOrderQuestion(_ChoiceQuestion):
    """Put the choices in order (not SMS-compatible): the answer maps choice ids to ranks
    1 to n."""

    type: Literal["rank_order"]


class DescriptiveText(_Question):
    """Text shown between questions, with no answer (QSF ``DB``)."""

    type: Literal["descriptive"]


class OtherQuestion(_Question):
    """A question kind smsurvey cannot ask, kept so the survey can still be stored and
    reported."""

    type: Literal["file_upload", "unsupported"]
    choices: tuple[Choice, ...] = ()
    source_type: str | None = None
    """The type in the source survey, e.g. the QSF ``SBS/SBSMatrix``."""


class PageBreak(_Model):
    """A page break between questions of a block (web only; SMS ignores it)."""

    type: Literal["page_break"]


Question = Annotated[
    NpsQuestion
    | TextEntryQuestion
    | SingleChoiceQuestion
    | MultipleChoiceQuestion
    | MatrixQuestion
    | SliderQuestion
    | RankOrderQuestion
    | DescriptiveText
    | OtherQuestion,
    Field(discriminator="type"),
]
SMS_QUESTION_TYPES = frozenset({"nps", "single_choice", "text_entry"})
"""The question types 2-way SMS can ask."""

BlockElement = Annotated[
    NpsQuestion
    | TextEntryQuestion
    | SingleChoiceQuestion
    | MultipleChoiceQuestion
    | MatrixQuestion
    | SliderQuestion
    | RankOrderQuestion
    | DescriptiveText
    | OtherQuestion
    | PageBreak,
    Field(discriminator="type"),
]


class Block(_Model):
    """Questions asked together, in order."""

    id: Id
    description: str = ""
    elements: tuple[BlockElement, ...] = ()

    @property
    def questions(self) -> tuple[Question, ...]:
        """The block's questions, page breaks left out."""
        return tuple(element for element in self.elements if not isinstance(element, PageBreak))


# ---------------------------------------------------------------------------------------- flow


class ShowBlock(_Model):
    """Ask the questions of a block."""

    type: Literal["block"]
    id: Id


class Branch(_Model):
    """Walk the nested flow only when the condition holds."""

    type: Literal["branch"]
    description: str = ""
    condition: Condition
    flow: tuple[FlowElement, ...] = ()


class EmbeddedDataField(_Model):
    """A field to set; without a value it is only declared (the value comes from the contact)."""

    name: Id
    value: str | None = None


class SetEmbeddedData(_Model):
    """Set embedded-data fields at this point of the flow."""

    type: Literal["embedded_data"]
    fields: tuple[EmbeddedDataField, ...] = Field(min_length=1)


class EndSurvey(_Model):
    """End the survey here, with this message or else the survey's end message."""

    type: Literal["end_survey"]
    message: str | None = None


class Group(_Model):
    """Elements kept together (QSF ``Group``): walked in order like the flow around it."""

    type: Literal["group"]
    description: str = ""
    flow: tuple[FlowElement, ...] = ()


class Randomizer(_Model):
    """Walk ``subset`` of the nested elements (all when unset), in an order drawn once per
    respondent (QSF ``BlockRandomizer``/``Randomizer``)."""

    type: Literal["randomizer"]
    id: Id | None = None
    """The source's flow id; it seeds the draw with the respondent's own seed."""
    subset: int | None = Field(default=None, ge=1)
    even_presentation: bool = False
    """Qualtrics balances how often each element is drawn; here the draw is uniform."""
    flow: tuple[FlowElement, ...] = Field(min_length=1)


class UnsupportedElement(_Model):
    """A flow element smsurvey does not run (QSF block randomizer, web service, …)."""

    type: Literal["unsupported"]
    id: Id | None = None
    """The source's flow id (QSF ``FlowID``), naming it in reports."""
    source_type: Id
    """What it was in the source survey, e.g. ``WebService``."""
    description: str = ""
    flow: tuple[FlowElement, ...] = ()


FlowElement = Annotated[
    ShowBlock | Branch | Group | Randomizer | SetEmbeddedData | EndSurvey | UnsupportedElement,
    Field(discriminator="type"),
]


def iter_flow(
    flow: tuple[FlowElement, ...], path: str = "flow"
) -> Iterator[tuple[str, FlowElement]]:
    """Every element of ``flow`` and of the flows nested in it, in order, with its path."""
    for index, element in enumerate(flow):
        place = f"{path}[{index}]"
        yield place, element
        if isinstance(element, Branch | Group | Randomizer | UnsupportedElement):
            yield from iter_flow(element.flow, f"{place}.flow")


# -------------------------------------------------------------------------------------- survey


class SurveyDefinition(_Model):
    """A survey: its blocks of questions and the flow that orders them."""

    id: str | None = None
    """The ``SV_`` id once stored; importing a document that carries one replaces that survey."""
    name: str = Field(min_length=1, max_length=200)
    language: str = Field(default="EN", min_length=2, max_length=10)
    """The survey's language code, as Qualtrics writes it (``EN``, ``FR-CA``)."""
    description: str = ""
    end_message: str | None = None
    """Sent when the survey ends without an end-of-survey element that has its own message."""
    blocks: tuple[Block, ...] = ()
    flow: tuple[FlowElement, ...]
    """Defaults to every block in order (so documents always carry it once dumped)."""

    @field_validator("id")
    @classmethod
    def _survey_id(cls, value: str | None) -> str | None:
        if value is not None and not is_id(value, "SV"):
            raise ValueError(f"{value!r} is not a survey id (SV_ and 15 letters or digits)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_flow(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "flow" not in data:
            blocks = data.get("blocks")
            blocks = blocks if isinstance(blocks, list | tuple) else ()
            ids = [block["id"] for block in blocks if isinstance(block, Mapping) and "id" in block]
            return {**data, "flow": [{"type": "block", "id": id_} for id_ in ids]}
        return data

    @model_validator(mode="after")
    def _references(self) -> SurveyDefinition:
        if problems := _reference_problems(self):
            raise PydanticCustomError("survey", "{problems}", {"problems": "; ".join(problems)})
        return self

    def to_document(self) -> dict[str, Any]:
        """The survey as JSON data, fields left at their defaults omitted (files and the
        database hold this)."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)

    @cached_property
    def questions(self) -> Mapping[str, Question]:
        """Every question by id, in block order (including questions the flow never shows)."""
        return {question.id: question for block in self.blocks for question in block.questions}

    @cached_property
    def blocks_by_id(self) -> Mapping[str, Block]:
        """Every block by id."""
        return {block.id: block for block in self.blocks}

    @cached_property
    def flow_questions(self) -> tuple[Question, ...]:
        """The questions the flow can show, in the order they first appear in it."""
        found: dict[str, Question] = {}
        for _, element in iter_flow(self.flow):
            if isinstance(element, ShowBlock) and element.id in self.blocks_by_id:
                for question in self.blocks_by_id[element.id].questions:
                    found.setdefault(question.id, question)
        return tuple(found.values())


for _model in (
    AllOf,
    AnyOf,
    SkipRule,
    Branch,
    Group,
    Randomizer,
    UnsupportedElement,
    SurveyDefinition,
):
    _model.model_rebuild()


# ------------------------------------------------------------------------ values and validation


def as_number(value: object) -> float | None:
    """``value`` as a number when it is one or reads as one; ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _first_duplicate(ids: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for id_ in ids:
        if id_ in seen:
            return id_
        seen.add(id_)
    return None


def _reference_problems(survey: SurveyDefinition) -> list[str]:
    """What in ``survey`` is duplicated, missing or out of order, each naming its place."""
    problems: list[str] = []
    for what, ids in (
        ("block id", (block.id for block in survey.blocks)),
        ("question id", (q.id for block in survey.blocks for q in block.questions)),
    ):
        if (duplicate := _first_duplicate(ids)) is not None:
            problems.append(f"duplicate {what} {duplicate!r}")

    asked: dict[str, Question] = {}  # questions met so far along the flow
    for place, element in iter_flow(survey.flow):
        if isinstance(element, Branch):
            problems += _condition_problems(element.condition, f"{place} branch", survey, asked)
        elif isinstance(element, ShowBlock):
            block = survey.blocks_by_id.get(element.id)
            if block is None:
                problems.append(f"{place}: unknown block {element.id!r}")
                continue
            for position, question in enumerate(block.questions):
                if question.id not in asked:
                    problems += _display_logic_problems(question, survey, asked)
                asked.setdefault(question.id, question)
                later = {q.id for q in block.questions[position + 1 :]}
                problems += _skip_logic_problems(question, survey, asked, later)

    for question in survey.questions.values():
        if question.id not in asked:  # never shown: the order of its logic does not matter
            problems += _display_logic_problems(question, survey, None)
    return problems


def _display_logic_problems(
    question: Question, survey: SurveyDefinition, asked: Mapping[str, Question] | None
) -> list[str]:
    if question.display_logic is None:
        return []
    where = f"question {question.id} display logic"
    return _condition_problems(question.display_logic, where, survey, asked)


def _skip_logic_problems(
    question: Question, survey: SurveyDefinition, asked: Mapping[str, Question], later: set[str]
) -> list[str]:
    problems: list[str] = []
    for index, rule in enumerate(question.skip_logic):
        where = f"question {question.id} skip logic[{index}]"
        problems += _condition_problems(rule.condition, where, survey, asked)
        if rule.to not in later | {SKIP_TO_END_OF_BLOCK, SKIP_TO_END_OF_SURVEY}:
            problems.append(
                f"{where}: skips to {rule.to!r}, which is neither a later question of its"
                f" block nor {SKIP_TO_END_OF_BLOCK} or {SKIP_TO_END_OF_SURVEY}"
            )
    return problems


def _condition_problems(
    condition: Condition,
    place: str,
    survey: SurveyDefinition,
    asked: Mapping[str, Question] | None,
) -> list[str]:
    """Problems of the tests in ``condition``; ``asked`` holds the questions asked before
    ``place``, or is ``None`` when ``place`` is never reached."""
    found = (leaf_problem(leaf, survey.questions, asked) for leaf in leaves(condition))
    return [f"{place}: {problem}" for problem in found if problem]


def leaf_problem(
    leaf: LeafCondition,
    questions: Mapping[str, Question],
    asked: Mapping[str, Question] | None,
) -> str | None:
    """Why the test ``leaf`` is wrong among ``questions`` (all of the survey's, by id), at a
    point reached after the questions ``asked`` (``None``: a point never reached); ``None``
    when it is right."""
    if isinstance(leaf, UnsupportedCondition):
        return None
    if isinstance(leaf, EmbeddedDataCondition):
        return _operator_problem(
            leaf.operator, leaf.value, EMBEDDED_DATA_OPERATORS, "embedded data"
        )
    question = questions.get(leaf.question)
    if question is None:
        return f"unknown question {leaf.question!r}"
    if asked is not None and leaf.question not in asked:
        return f"{leaf.question} is not asked before this point"
    allowed = QUESTION_OPERATORS.get(question.type, _DISPLAY)
    subject = f"{question.type} question {question.id}"
    return (
        _operator_problem(leaf.operator, leaf.value, allowed, subject)
        or _statement_problem(leaf, question)
        or _answer_problem(leaf, question)
    )


def _statement_problem(condition: QuestionCondition, question: Question) -> str | None:
    """Why the ``statement`` of ``condition`` is missing, unneeded or unknown."""
    if condition.operator in _DISPLAY:
        return None if condition.statement is None else "displayed takes no statement"
    rows: tuple[Choice, ...] = ()
    if isinstance(question, MatrixQuestion | SliderQuestion):
        rows = question.statements
    elif isinstance(question, RankOrderQuestion):
        rows = question.choices
    elif isinstance(question, TextEntryQuestion):
        rows = question.fields
    if condition.statement is None:
        needs = question.type in STATEMENT_TYPES
        return (
            f"a condition on {question.type} question {question.id} names a statement"
            if (needs)
            else None
        )
    if condition.statement not in {row.id for row in rows}:
        return f"{question.id} has no statement {condition.statement!r}"
    return None


def _operator_problem(
    operator: Operator, value: object, allowed: frozenset[Operator], subject: str
) -> str | None:
    if operator not in allowed:
        return f"operator {operator} does not apply to {subject}"
    if operator in VALUELESS_OPERATORS:
        return f"operator {operator} takes no value" if value is not None else None
    if value is None:
        return f"operator {operator} needs a value"
    if operator in NUMERIC_OPERATORS and as_number(value) is None:
        return f"operator {operator} needs a number, not {value!r}"
    return None


def _answer_problem(condition: QuestionCondition, question: Question) -> str | None:
    """Why the value of ``condition`` can never be an answer to ``question``."""
    value = condition.value
    if value is None:
        return None
    if isinstance(question, NpsQuestion) and not (isinstance(value, int) and value in NPS_SCORES):
        return f"{question.id} is an NPS question: the value must be a score 0-10, not {value!r}"
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion | MatrixQuestion) and (
        str(value) not in {choice.id for choice in question.choices}
    ):
        return f"{question.id} has no choice {value!r}"
    return None
