"""QSF logic (display, branch and skip logic) as survey conditions.

A ``BooleanExpression`` holds numbered groups (``"Type": "If"``, then ``"AndIf"`` or
``"OrIf"``), each holding numbered tests joined by their ``Conjuction`` (Qualtrics' spelling)
``And`` or ``Or``. And binds tighter than Or, as Qualtrics documents it ("And conjunctions
connect statements, while Or conjunctions separate them"): ``A or B and C`` reads
``A or (B and C)``; groups combine with each other the same way.

A test smsurvey cannot evaluate (device type, GeoIP, panel data, an unknown operator, a
question that is asked later, not imported or of a kind it does not keep) stays in the tree
as an ``unsupported`` condition, so the logic keeps its shape and the compatibility report
names it; it is noted as dropped. A skip rule whose test cannot be kept is dropped whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
    EMBEDDED_DATA_OPERATORS,
    VALUELESS_OPERATORS,
    AllOf,
    AnyOf,
    Condition,
    EmbeddedDataCondition,
    LeafCondition,
    MatrixQuestion,
    NpsQuestion,
    Operator,
    Question,
    QuestionCondition,
    SkipRule,
    UnsupportedCondition,
    leaf_problem,
)
from smsurvey.surveys.qsf_names import OPERATORS, SKIP_TARGETS, by_name
from smsurvey.surveys.qsf_notes import MAX_ID_LENGTH, Notes, mapping, numbered
from smsurvey.surveys.render import plain_text

_OPERATORS = by_name(OPERATORS)
_CHOSEN = frozenset({Operator.SELECTED, Operator.NOT_SELECTED})
_NPS_CHOSEN = {Operator.SELECTED: Operator.EQUAL_TO, Operator.NOT_SELECTED: Operator.NOT_EQUAL_TO}
_SKIP_TARGETS = by_name(SKIP_TARGETS)
_LOCATOR = re.compile(
    r"q://(?P<question>[^/]+)/(?P<kind>[A-Za-z]+)(?:/(?P<first>[^/]+))?(?:/(?P<second>[^/]+))?/?"
)
_TAG = re.compile(r"<[^>]*>")
_CONJUNCTION = re.compile(r"<span class=.ConjDesc.>[^<]*</span>")
MAX_TESTS = 1_000
"""The most tests one expression may hold (an uploaded file is not trusted)."""


@dataclass(frozen=True)
class Scope:
    """Where a piece of logic stands: every imported question by id, and the questions
    asked before this point of the flow (``None`` for a point the flow never reaches)."""

    questions: Mapping[str, Question]
    asked: Mapping[str, Question] | None


def read_logic(
    value: object, where: str, element: str, what: str, scope: Scope, notes: Notes
) -> Condition | None:
    """The condition a QSF ``BooleanExpression`` (``DisplayLogic``, ``BranchLogic``) states,
    ``None`` when it holds no test; ``element`` and ``what`` ("display logic") name it in
    notes, ``where`` in errors."""
    expression = mapping(value, where)
    groups: list[tuple[str, Condition]] = []
    count = 0
    for index, raw_group in enumerate(numbered(expression)):
        group = mapping(raw_group, f"{where}.{index}")
        tests: list[tuple[str, Condition]] = []
        for position, raw_test in enumerate(numbered(group)):
            count += 1
            if count > MAX_TESTS:
                raise InvalidInput(f"{where}: more than {MAX_TESTS} tests")
            test = mapping(raw_test, f"{where}.{index}.{position}")
            leaf = _read_test(test, element, what, scope, notes)
            tests.append((str(test.get("Conjuction") or "And"), leaf))
        if tests:
            joined = "Or" if group.get("Type") == "OrIf" else "And"
            groups.append((joined, _combine(tests)))
    return _combine(groups) if groups else None


def read_skip_rules(
    value: object, qid: str, later: Sequence[str], where: str, scope: Scope, notes: Notes
) -> tuple[SkipRule, ...]:
    """The skip rules of question ``qid`` (a QSF ``SkipLogic`` list); ``later`` holds the
    ids of the questions after it in its block."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidInput(f"{where}: not a list")
    rules: list[SkipRule] = []
    for index, raw in enumerate(value):
        rule = mapping(raw, f"{where}[{index}]")
        destination = str(rule.get("SkipToDestination") or "")
        to = _SKIP_TARGETS.get(destination, destination if destination in later else None)
        test = {
            "LogicType": "Question",
            "QuestionID": qid,
            "ChoiceLocator": rule.get("ChoiceLocator") or rule.get("Locator"),
            "Operator": rule.get("Condition"),
            "RightOperand": rule.get("Value"),
        }
        leaf, why = _question_test(test, scope)
        if to is None:
            why = f"it skips to {destination!r}, not a later question of the block or an end"
        elif leaf is not None:
            rules.append(SkipRule(condition=leaf, to=to))
            continue
        notes.drop(qid, f"skip logic {rule.get('SkipLogicID', index)}: {why}; not kept")
    return tuple(rules)


def _combine(parts: list[tuple[str, Condition]]) -> Condition:
    """``parts`` joined by their conjunctions, And before Or (the first one's is unused)."""
    runs: list[list[Condition]] = []
    for index, (conjunction, condition) in enumerate(parts):
        if index == 0 or conjunction.lower() == "or":
            runs.append([condition])
        else:
            runs[-1].append(condition)
    alls = [run[0] if len(run) == 1 else AllOf.model_validate({"all": run}) for run in runs]
    return alls[0] if len(alls) == 1 else AnyOf.model_validate({"any": alls})


def _read_test(
    test: Mapping[str, Any], element: str, what: str, scope: Scope, notes: Notes
) -> LeafCondition:
    logic_type = str(test.get("LogicType") or "unknown")[:MAX_ID_LENGTH]
    leaf: LeafCondition | None
    if logic_type == "Question":
        leaf, why = _question_test(test, scope)
    elif logic_type == "EmbeddedField":
        leaf, why = _embedded_data_test(test, scope)
    else:
        leaf, why = None, f"{logic_type} tests cannot be evaluated"
    if leaf is not None:
        return leaf
    notes.drop(element, f"{what}: {why}; kept as an unsupported test")
    described = _CONJUNCTION.sub("", str(test.get("Description") or ""))
    description = " ".join(plain_text(_TAG.sub(" ", described)).split())
    return UnsupportedCondition(unsupported=logic_type, description=description or why)


def _question_test(test: Mapping[str, Any], scope: Scope) -> tuple[QuestionCondition | None, str]:
    """The test on a question's answer, or ``None`` and why it cannot be kept."""
    locator = str(test.get("ChoiceLocator") or test.get("LeftOperand") or "")
    found = _LOCATOR.fullmatch(locator)
    qid = unquote(found["question"]) if found else str(test.get("QuestionID") or "")
    operator = _OPERATORS.get(str(test.get("Operator")))
    question = scope.questions.get(qid)
    if operator is None:
        return None, f"the operator {test.get('Operator')!r} is not supported"
    if question is None:
        return None, f"{qid or 'its question'} is not a question of the imported survey"
    if scope.asked is not None and qid not in scope.asked:
        return None, f"{qid} is not asked before this point"
    if operator in (Operator.DISPLAYED, Operator.NOT_DISPLAYED):
        fields: dict[str, Any] | str = {"operator": operator}
    elif found is None:
        fields = f"the locator {locator!r} is not understood"
    else:
        right = None if operator in VALUELESS_OPERATORS else test.get("RightOperand")
        fields = _answer_fields(question, operator, found, right)
    if isinstance(fields, str):
        return None, fields
    try:
        leaf = QuestionCondition(question=qid, **fields)
    except ValidationError as error:
        return None, "; ".join(issue["msg"] for issue in error.errors())
    problem = leaf_problem(leaf, scope.questions, scope.asked)
    return (None, problem) if problem else (leaf, "")


def _answer_fields(
    question: Question, operator: Operator, locator: re.Match[str], right: object
) -> dict[str, Any] | str:
    """The operator, value and statement of a test on ``question``'s answer, from the parts
    of its locator; a string says why there are none."""
    kind, first, second = locator["kind"], locator["first"], locator["second"]
    if kind == "SelectableChoice" and first is not None:
        if isinstance(question, NpsQuestion) and operator in _CHOSEN and first.isdigit():
            return {"operator": _NPS_CHOSEN[operator], "value": int(first)}
        if isinstance(question, MatrixQuestion):
            kind = "SelectableAnswer"
        else:
            return {"operator": operator, "value": first if operator in _CHOSEN else right}
    if kind == "SelectableAnswer":
        if first is None or second is None:
            return f"it tests a scale point of {question.id} without naming the statement"
        return {"operator": operator, "statement": first, "value": second}
    if kind in ("ChoiceTextEntryValue", "ChoiceNumericEntryValue"):
        if question.type in ("single_choice", "multiple_choice"):
            return f"it tests the text typed in choice {first} of {question.id}, not kept"
        if isinstance(question, NpsQuestion) and isinstance(right, str) and right.isdigit():
            right = int(right)
        return {"operator": operator, "statement": first, "value": right}
    return f"the locator {locator.group()!r} is not supported"


def _embedded_data_test(
    test: Mapping[str, Any], scope: Scope
) -> tuple[EmbeddedDataCondition | None, str]:
    name = str(test.get("LeftOperand") or "").removeprefix("e://Field/")
    operator = _OPERATORS.get(str(test.get("Operator")))
    if operator is None or operator not in EMBEDDED_DATA_OPERATORS:
        return None, f"the operator {test.get('Operator')!r} does not apply to embedded data"
    right = test.get("RightOperand")
    value = None if operator in VALUELESS_OPERATORS else ("" if right is None else str(right))
    try:
        leaf = EmbeddedDataCondition(embedded_data=name, operator=operator, value=value)
    except ValidationError as error:
        return None, "; ".join(issue["msg"] for issue in error.errors())
    problem = leaf_problem(leaf, scope.questions, scope.asked)
    return (None, problem) if problem else (leaf, "")
