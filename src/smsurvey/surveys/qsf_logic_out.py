"""Survey conditions as QSF logic: the ``BooleanExpression`` of display and branch logic, and
the ``SkipLogic`` of a question, written the way :mod:`smsurvey.surveys.qsf_logic` reads them.

A ``BooleanExpression`` holds groups (``"Type": "If"``, then ``"AndIf"``/``"OrIf"``) of tests
joined by their ``Conjuction`` (Qualtrics' spelling), And binding tighter than Or at both
levels. A condition of that shape is written as it is; a deeper tree is written in the
equivalent or-of-ands form. Tests name their subject by locator: ``q://QID1/SelectableChoice/2``
(a choice), ``q://QID5/SelectableAnswer/1/3`` (a matrix row's scale point),
``q://QID7/ChoiceNumericEntryValue/1`` (a number: NPS score, slider row, rank),
``q://QID3/ChoiceTextEntryValue`` (a text).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product
from typing import Any

from smsurvey.surveys.definition import (
    AllOf,
    AnyOf,
    Condition,
    EmbeddedDataCondition,
    LeafCondition,
    MatrixQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    Operator,
    Question,
    QuestionCondition,
    SingleChoiceQuestion,
    SkipRule,
    TextEntryQuestion,
    UnsupportedCondition,
    leaves,
)
from smsurvey.surveys.qsf_names import OPERATORS, SKIP_TARGETS

_NPS_CHOSEN = {Operator.EQUAL_TO: Operator.SELECTED, Operator.NOT_EQUAL_TO: Operator.NOT_SELECTED}

Group = list[list[LeafCondition]]
"""Tests joined by Or between the inner lists and And within each."""


def boolean_expression(condition: Condition, questions: Mapping[str, Question]) -> dict[str, Any]:
    """``condition`` as a QSF ``BooleanExpression``."""
    expression: dict[str, Any] = {}
    for index, (joined, group) in enumerate(_groups(condition)):
        tests: dict[str, Any] = {}
        position = 0
        for run_index, run in enumerate(group):
            for leaf_index, leaf in enumerate(run):
                test = _test(leaf, questions)
                if position:
                    test["Conjuction"] = "Or" if leaf_index == 0 and run_index else "And"
                tests[str(position)] = test
                position += 1
        tests["Type"] = "If" if index == 0 else joined
        expression[str(index)] = tests
    return {**expression, "Type": "BooleanExpression", "inPage": False}


def skip_logic(
    rules: tuple[SkipRule, ...], question: Question, questions: Mapping[str, Question]
) -> tuple[list[dict[str, Any]], list[int]]:
    """The QSF ``SkipLogic`` list of ``question`` and the indexes of the rules QSF cannot
    hold (its skip logic tests one answer; these test more, or embedded data)."""
    written: list[dict[str, Any]] = []
    unwritable: list[int] = []
    for index, rule in enumerate(rules):
        condition = rule.condition
        if not isinstance(condition, QuestionCondition):
            unwritable.append(index)
            continue
        test = _question_test(condition, questions[condition.question])
        entry: dict[str, Any] = {
            "SkipLogicID": index + 1,
            "ChoiceLocator": test["ChoiceLocator"],
            "Condition": test["Operator"],
            "SkipToDestination": SKIP_TARGETS.get(rule.to, rule.to),
            "Locator": test["LeftOperand"],
            "QuestionID": question.id,
        }
        if "RightOperand" in test:
            entry["Value"] = test["RightOperand"]
        written.append(entry)
    return written, unwritable


def _groups(condition: Condition) -> list[tuple[str, Group]]:
    """``condition`` as groups, each with the word joining it to the ones before."""
    if (single := _as_group(condition)) is not None:
        return [("If", single)]
    found: list[tuple[str, Group]] = []
    alternatives = condition.conditions if isinstance(condition, AnyOf) else (condition,)
    for alternative in alternatives:
        factors = alternative.conditions if isinstance(alternative, AllOf) else (alternative,)
        for position, factor in enumerate(factors):
            group = _as_group(factor) or _or_of_ands(factor)
            found.append(("AndIf" if position else "OrIf", group))
    return found


def _as_group(condition: Condition) -> Group | None:
    """``condition`` as one group when it is an or of ands of tests (or simpler)."""
    alternatives = condition.conditions if isinstance(condition, AnyOf) else (condition,)
    group: Group = []
    for alternative in alternatives:
        tests = alternative.conditions if isinstance(alternative, AllOf) else (alternative,)
        run = [test for test in tests if not isinstance(test, AllOf | AnyOf)]
        if len(run) < len(tests):
            return None  # a group nested deeper
        group.append(run)
    return group


def _or_of_ands(condition: Condition) -> Group:
    """Any condition tree as the equivalent or of ands of its tests."""
    if isinstance(condition, AnyOf):
        return [run for child in condition.conditions for run in _or_of_ands(child)]
    if isinstance(condition, AllOf):
        parts = [_or_of_ands(child) for child in condition.conditions]
        return [[leaf for run in runs for leaf in run] for runs in product(*parts)]
    return [list(leaves(condition))]


def _test(leaf: LeafCondition, questions: Mapping[str, Question]) -> dict[str, Any]:
    if isinstance(leaf, QuestionCondition):
        test = _question_test(leaf, questions[leaf.question])
        return {
            "LogicType": "Question",
            "QuestionID": leaf.question,
            "QuestionIsInLoop": "no",
            **test,
        }
    if isinstance(leaf, EmbeddedDataCondition):
        test = {
            "LogicType": "EmbeddedField",
            "LeftOperand": leaf.embedded_data,
            "Operator": OPERATORS[leaf.operator],
        }
        if leaf.value is not None:
            test["RightOperand"] = leaf.value
        return {**test, "Type": "Expression", "Description": _describe(leaf)}
    return {"LogicType": leaf.unsupported, "Type": "Expression", "Description": _describe(leaf)}


def _question_test(leaf: QuestionCondition, question: Question) -> dict[str, Any]:
    """The locator, operator and right operand of a test on ``question``."""
    operator, value = leaf.operator, leaf.value
    base = f"q://{question.id}"
    right: object = value
    if operator in (Operator.DISPLAYED, Operator.NOT_DISPLAYED):
        locator = f"{base}/QuestionDisplayed"
        right = None
    elif isinstance(question, NpsQuestion) and operator in _NPS_CHOSEN:
        locator, operator, right = f"{base}/SelectableChoice/{value}", _NPS_CHOSEN[operator], None
    elif isinstance(question, MatrixQuestion):
        scale = value if value is not None else question.choices[0].id
        locator, right = f"{base}/SelectableAnswer/{leaf.statement}/{scale}", None
    elif isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        chosen = value if value is not None else question.choices[0].id
        locator, right = f"{base}/SelectableChoice/{chosen}", None
    elif isinstance(question, TextEntryQuestion):
        locator = f"{base}/ChoiceTextEntryValue" + (f"/{leaf.statement}" if leaf.statement else "")
    else:
        locator = f"{base}/ChoiceNumericEntryValue" + (
            f"/{leaf.statement}" if leaf.statement else ""
        )
    test: dict[str, Any] = {
        "ChoiceLocator": locator,
        "Operator": OPERATORS[operator],
        "QuestionIDFromLocator": question.id,
        "LeftOperand": locator,
    }
    if right is not None:
        test["RightOperand"] = str(right)
    return {**test, "Type": "Expression", "Description": _describe(leaf)}


def _describe(leaf: LeafCondition) -> str:
    """A plain description of a test (Qualtrics writes HTML there; readers ignore it)."""
    if isinstance(leaf, UnsupportedCondition):
        return leaf.description
    subject = leaf.question if isinstance(leaf, QuestionCondition) else leaf.embedded_data
    if isinstance(leaf, QuestionCondition) and leaf.statement:
        subject += f" {leaf.statement}"
    value = "" if leaf.value is None else f" {leaf.value}"
    return f"{subject} {leaf.operator.value.replace('_', ' ')}{value}"
