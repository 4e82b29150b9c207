"""Qualtrics survey files (QSF) as survey definitions, with what could not be kept.

A QSF file is JSON: ``SurveyEntry`` (name, language, description) and ``SurveyElements``:
``BL`` the blocks, ``FL`` the flow, ``SO`` the options, one ``SQ`` per question; other
elements (scoring, statistics, response sets) say nothing a survey here holds. Question,
block and choice ids, export tags and recode values are kept exactly, so response exports
line up with Qualtrics' own. Texts lose their HTML (noted in ``warnings``). Whatever cannot
be represented (a question kind, a flow element, a logic test, a library message) is listed
in ``dropped`` with its element id, never left out silently; logic that cannot be evaluated
stays in the survey as ``unsupported``. A file that is not a QSF, or a part of it in the
wrong shape, is refused with :class:`InvalidInput` naming the part. The import always makes
a new survey: the file's ``SurveyID`` is not taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.text import check_document
from smsurvey.surveys.definition import (
    Block,
    Branch,
    Condition,
    EmbeddedDataField,
    EndSurvey,
    FlowElement,
    Group,
    PageBreak,
    Question,
    Randomizer,
    SetEmbeddedData,
    ShowBlock,
    SurveyDefinition,
    UnsupportedElement,
)
from smsurvey.surveys.qsf_logic import Scope, read_logic, read_skip_rules
from smsurvey.surveys.qsf_notes import Dropped, Notes, flag, identifier, items, mapping
from smsurvey.surveys.qsf_questions import read_question

__all__ = ["Dropped", "QsfImport", "is_qsf", "read_qsf"]

MAX_ELEMENTS = 20_000
"""The most ``SurveyElements`` a file may have."""
MAX_FLOW_DEPTH = 40
"""The deepest the flow may nest (branches in groups in randomizers …)."""
_BLOCK_TYPES = frozenset({"Block", "Standard"})
_RANDOMIZERS = frozenset({"BlockRandomizer", "Randomizer"})
_QUOTAS = frozenset({"QO", "QG", "QGO"})


@dataclass(frozen=True)
class QsfImport:
    """The survey a QSF file describes, what it could not keep (``dropped``) and what it
    changed to keep (``warnings``: HTML removed from texts)."""

    survey: SurveyDefinition
    dropped: tuple[Dropped, ...] = ()
    warnings: tuple[Dropped, ...] = ()


def is_qsf(data: object) -> bool:
    """Whether decoded JSON ``data`` is a QSF document (has ``SurveyEntry`` and
    ``SurveyElements``)."""
    return isinstance(data, Mapping) and "SurveyEntry" in data and "SurveyElements" in data


def read_qsf(data: Mapping[str, Any], source: str = "qsf") -> QsfImport:
    """The survey in the decoded QSF document ``data``; errors start with ``source``."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{source}: a QSF file is a JSON object")
    for key in ("SurveyEntry", "SurveyElements"):
        if key not in data:
            raise InvalidInput(f"{source}: no {key}: not a Qualtrics survey file (QSF)")
    check_document(data, source)
    notes = Notes()
    parts = _Parts.of(data["SurveyElements"], source, notes)
    entry = mapping(data["SurveyEntry"], f"{source}: SurveyEntry")
    blocks, trashed = _read_blocks(parts, notes)
    placed = {qid for block in blocks.values() for qid in block.question_ids}
    try:  # ids and texts are checked as they are read: this is the last guard
        questions = {
            qid: read_question(payload, qid, where, notes)
            for qid, (where, payload) in parts.questions.items()
            if qid in placed
        }
        builder = _Builder(parts, questions, blocks, notes)
        raw_flow = (
            parts.flow
            if parts.flow is not None
            else [{"Type": "Block", "ID": block_id} for block_id in blocks]
        )
        flow = builder.flow(raw_flow, parts.flow_where, 0)
        survey_blocks = [builder.block(block_id, None) for block_id in blocks]
        for qid in parts.questions:
            if qid not in placed and qid not in trashed:
                notes.drop(qid, "the question is in no block: not imported")
        survey = SurveyDefinition(
            name=_name(entry, source, notes),
            language=_language(entry),
            description=str(entry.get("SurveyDescription") or ""),
            end_message=_end_message(parts.options, notes),
            blocks=tuple(survey_blocks),
            flow=flow,
        )
    except ValidationError as error:
        issues = "; ".join(issue["msg"] for issue in error.errors())
        raise InvalidInput(f"{source}: {issues}") from None
    return QsfImport(survey, tuple(notes.dropped), notes.warnings)


@dataclass
class _Parts:
    """The elements of a QSF file that matter, each with the place that names it in
    errors."""

    questions: dict[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)
    blocks: list[Any] | None = None
    blocks_where: str = ""
    flow: list[Any] | None = None
    flow_where: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, elements: object, source: str, notes: Notes) -> _Parts:
        listed = items(elements, f"{source}: SurveyElements")
        if len(listed) > MAX_ELEMENTS:
            raise InvalidInput(f"{source}: SurveyElements: more than {MAX_ELEMENTS:,}")
        parts = cls()
        for index, raw in enumerate(listed):
            at = f"{source}: SurveyElements[{index}]"
            element = mapping(raw, at)
            kind = element.get("Element")
            if not isinstance(kind, str) or not kind:
                raise InvalidInput(f"{at}: no Element")
            name = element.get("PrimaryAttribute")
            named = f"{at} ({kind[:20]} {str(name)[:40]})"
            parts.add(kind, name, element.get("Payload"), named, notes)
        if parts.blocks is None:
            raise InvalidInput(f"{source}: SurveyElements: no BL element (the blocks)")
        return parts

    def add(self, kind: str, name: object, payload: object, where: str, notes: Notes) -> None:
        if kind == "SQ":
            question = mapping(payload, f"{where}.Payload")
            qid = identifier(question.get("QuestionID") or name, f"{where}: QuestionID")
            if not question.get("QuestionType"):
                raise InvalidInput(f"{where}: no QuestionType")
            if qid in self.questions:
                raise InvalidInput(f"{where}: a second question {qid}")
            self.questions[qid] = (where, question)
        elif kind == "BL":
            self._once(self.blocks, where)
            self.blocks, self.blocks_where = items(payload, f"{where}.Payload"), where
        elif kind == "FL":
            self._once(self.flow, where)
            root = mapping(payload, f"{where}.Payload")
            self.flow = items(root.get("Flow"), f"{where}.Payload.Flow")
            self.flow_where = f"{where}.Payload.Flow"
        elif kind == "SO":
            self.options = mapping(payload or {}, f"{where}.Payload")
        elif kind in _QUOTAS:
            notes.drop(str(name), "quotas are not imported")

    @staticmethod
    def _once(found: object, where: str) -> None:
        if found is not None:
            raise InvalidInput(f"{where}: a second element of this kind")


@dataclass(frozen=True)
class _RawBlock:
    """A block as the file has it: its elements (question ids and page breaks) and the skip
    logic of each question."""

    id: str
    description: str
    elements: tuple[str | PageBreak, ...]
    skip_logic: Mapping[str, tuple[str, object]]
    """Question id → (where, its ``SkipLogic`` list)."""

    @property
    def question_ids(self) -> list[str]:
        return [element for element in self.elements if isinstance(element, str)]


def _read_blocks(parts: _Parts, notes: Notes) -> tuple[dict[str, _RawBlock], set[str]]:
    """The blocks kept, by id, in file order, and the ids of the questions in the trash."""
    found: dict[str, _RawBlock] = {}
    placed: set[str] = set()
    trashed: set[str] = set()
    for index, raw in enumerate(parts.blocks or ()):
        where = f"{parts.blocks_where}.Payload[{index}]"
        block = mapping(raw, where)
        block_id = identifier(block.get("ID"), f"{where}.ID")
        listed = items(block.get("BlockElements"), f"{where}.BlockElements")
        if block.get("Type") == "Trash":
            trashed.update(
                str(entry.get("QuestionID")) for entry in listed if isinstance(entry, Mapping)
            )
            if listed:
                notes.drop(block_id, f"the trash block ({len(listed)} elements) is not imported")
            continue
        if block_id in found:
            raise InvalidInput(f"{where}: a second block {block_id}")
        elements: list[str | PageBreak] = []
        skip_logic: dict[str, tuple[str, object]] = {}
        for position, raw_element in enumerate(listed):
            at = f"{where}.BlockElements[{position}]"
            element = mapping(raw_element, at)
            kind = element.get("Type")
            qid = element.get("QuestionID")
            if not kind:
                raise InvalidInput(f"{at}: no Type")
            if kind == "Page Break":
                elements.append(PageBreak(type="page_break"))
            elif kind != "Question" or not isinstance(qid, str):
                notes.drop(block_id, f"a {kind} block element is not imported")
            elif qid not in parts.questions:
                notes.drop(block_id, f"{qid} is listed but the file has no such question")
            elif qid in placed:
                notes.drop(block_id, f"{qid} is in an earlier block already: left out here")
            else:
                placed.add(qid)
                elements.append(qid)
                own = parts.questions[qid][1].get("SkipLogic")
                rules = element.get("SkipLogic") or own
                if rules:
                    skip_logic[qid] = (f"{at}.SkipLogic", rules)
        _note_options(block_id, block.get("Options"), notes)
        found[block_id] = _RawBlock(
            block_id, str(block.get("Description") or ""), tuple(elements), skip_logic
        )
    return found, trashed


def _note_options(block_id: str, options: object, notes: Notes) -> None:
    if not isinstance(options, Mapping):
        return
    randomize = options.get("RandomizeQuestions")
    if randomize and str(randomize).lower() not in {"false", "no"}:
        notes.drop(block_id, "question randomization is not kept: questions go in order")
    looping = options.get("Looping")
    if looping and str(looping) != "None":
        notes.drop(block_id, "loop and merge is not kept: the block is shown once")


class _Builder:
    """Builds the flow and the blocks in flow order, so each piece of logic is read knowing
    which questions come before it (as the survey model checks)."""

    def __init__(
        self,
        parts: _Parts,
        questions: Mapping[str, Question],
        blocks: Mapping[str, _RawBlock],
        notes: Notes,
    ) -> None:
        self.parts = parts
        self.questions = questions
        self.blocks = blocks
        self.notes = notes
        self.asked: dict[str, Question] = {}
        self.built: dict[str, Block] = {}

    def flow(self, raw: list[Any], where: str, depth: int) -> tuple[FlowElement, ...]:
        if depth > MAX_FLOW_DEPTH:
            raise InvalidInput(f"{where}: the flow nests more than {MAX_FLOW_DEPTH} deep")
        found = (self.element(entry, f"{where}[{i}]", depth) for i, entry in enumerate(raw))
        return tuple(element for element in found if element is not None)

    def element(self, raw: object, where: str, depth: int) -> FlowElement | None:
        element = mapping(raw, where)
        kind = element.get("Type")
        if not isinstance(kind, str) or not kind.strip():
            raise InvalidInput(f"{where}: no Type")
        kind = identifier(kind, f"{where}.Type")
        flow_id = identifier(element.get("FlowID") or kind, f"{where}.FlowID")

        def nested() -> tuple[FlowElement, ...]:
            return self.flow(
                items(element.get("Flow"), f"{where}.Flow"), f"{where}.Flow", depth + 1
            )

        description = self.notes.text(element.get("Description"), flow_id, "the description")
        if kind in _BLOCK_TYPES:
            block_id = element.get("ID")
            if block_id not in self.blocks:
                self.notes.drop(flow_id, f"shows block {block_id}, which is not imported")
                return None
            self.block(str(block_id), self.asked)
            return ShowBlock(type="block", id=str(block_id))
        if kind == "Branch":
            condition = read_logic(
                element.get("BranchLogic") or {}, f"{where}.BranchLogic", flow_id,
                "branch logic", Scope(self.questions, self.asked), self.notes,
            )  # fmt: skip
            if condition is None:
                self.notes.drop(flow_id, "a branch without a condition: its flow always runs")
                return Group(type="group", description=description, flow=nested())
            return Branch(
                type="branch", description=description, condition=condition, flow=nested()
            )
        if kind == "EmbeddedData":
            return self._embedded_data(element, where, flow_id)
        if kind == "EndSurvey":
            return EndSurvey(type="end_survey", message=self._flow_end_message(element, flow_id))
        if kind in _RANDOMIZERS:
            inner = nested()
            if not inner:
                self.notes.drop(flow_id, f"an empty {kind}: left out")
                return None
            subset = str(element.get("SubSet") or "")
            return Randomizer(
                type="randomizer",
                id=flow_id,
                subset=int(subset) if subset.isdigit() and int(subset) > 0 else None,
                even_presentation=flag(element.get("EvenPresentation")),
                flow=inner,
            )
        if kind == "Group":
            return Group(type="group", description=description, flow=nested())
        self.notes.drop(flow_id, f"a {kind} flow element cannot run here: kept as unsupported")
        return UnsupportedElement(
            type="unsupported", id=flow_id, source_type=kind, description=description,
            flow=nested(),
        )  # fmt: skip

    def block(self, block_id: str, asked: dict[str, Question] | None) -> Block:
        """The block with its questions' logic, built the first time it is met: in the
        flow (``asked`` holds the questions before it) or never (``None``)."""
        if block_id in self.built:
            return self.built[block_id]
        raw = self.blocks[block_id]
        order = raw.question_ids
        elements: list[Question | PageBreak] = []
        for element in raw.elements:
            if isinstance(element, PageBreak):
                elements.append(element)
                continue
            condition = self._display_logic(element, Scope(self.questions, asked))
            if asked is not None:
                asked.setdefault(element, self.questions[element])
            skip_where, rules = raw.skip_logic.get(element, ("", None))
            later = order[order.index(element) + 1 :]
            skip = read_skip_rules(
                rules, element, later, skip_where, Scope(self.questions, asked), self.notes
            )
            question = self.questions[element]
            elements.append(
                question.model_copy(update={"display_logic": condition, "skip_logic": skip})
            )
        built = Block(id=raw.id, description=raw.description, elements=tuple(elements))
        self.built[block_id] = built
        return built

    def _display_logic(self, qid: str, scope: Scope) -> Condition | None:
        where, payload = self.parts.questions[qid]
        logic = payload.get("DisplayLogic")
        if not logic:
            return None
        where = f"{where}.Payload.DisplayLogic"
        return read_logic(logic, where, qid, "display logic", scope, self.notes)

    def _embedded_data(
        self, element: Mapping[str, Any], where: str, flow_id: str
    ) -> SetEmbeddedData | None:
        fields = []
        for index, raw in enumerate(items(element.get("EmbeddedData"), f"{where}.EmbeddedData")):
            entry = mapping(raw, f"{where}.EmbeddedData[{index}]")
            if not entry.get("Field"):
                self.notes.drop(flow_id, f"embedded data field {index} has no name: left out")
                continue
            name = identifier(str(entry["Field"]), f"{where}.EmbeddedData[{index}].Field")
            value = entry.get("Value")
            fields.append(EmbeddedDataField(name=name, value=str(value) if value else None))
        if not fields:
            self.notes.drop(flow_id, "an embedded data element without fields: left out")
            return None
        return SetEmbeddedData(type="embedded_data", fields=tuple(fields))

    def _flow_end_message(self, element: Mapping[str, Any], flow_id: str) -> str | None:
        options = element.get("Options")
        if not isinstance(options, Mapping) or not flag(options.get("Advanced")):
            return None
        return _termination_message(options, flow_id, self.notes)


def _end_message(options: Mapping[str, Any], notes: Notes) -> str | None:
    return _termination_message(options, "SO", notes)


def _termination_message(options: Mapping[str, Any], element: str, notes: Notes) -> str | None:
    """The end message survey options (or an advanced end of survey) set, when it can be
    kept; a library message or a redirect is noted as dropped (the default message is
    used)."""
    termination = options.get("SurveyTermination")
    if termination == "Redirect":
        url = options.get("EOSRedirectURL")
        notes.drop(
            element, f"the redirect to {url} at the end is not kept: the end message is used"
        )
    elif termination == "DisplayMessage":
        message = str(options.get("EOSMessage") or "")
        if message.startswith("MS_") or options.get("EOSMessageLibrary"):
            library = options.get("EOSMessageLibrary") or "a library"
            notes.drop(
                element,
                f"the end message {message or '(unnamed)'} is in the Qualtrics library "
                f"{library}, which the file does not hold: the default end message is used",
            )
        elif message:
            return notes.text(message, element, "the end message")
    return None


def _name(entry: Mapping[str, Any], source: str, notes: Notes) -> str:
    name = " ".join(str(entry.get("SurveyName") or "").split())
    if not name:
        raise InvalidInput(f"{source}: SurveyEntry.SurveyName: missing")
    if len(name) > 200:
        notes.drop("SurveyEntry", "the survey name is cut to 200 characters")
    return name[:200]


def _language(entry: Mapping[str, Any]) -> str:
    language = entry.get("SurveyLanguage")
    return language if isinstance(language, str) and 2 <= len(language) <= 10 else "EN"
