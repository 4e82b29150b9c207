"""Small QSF documents built in tests, for what the public exports in ``qsf/`` do not show
(forced responses, embedded-data logic, advanced ends of survey, groups, …)."""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]


def mc(qid: str, *texts: str, selector: str = "SAVR", **extra: Any) -> Document:
    """A multiple-choice ``SQ`` payload with choices "1", "2", … of ``texts``."""
    choices = {str(n): {"Display": text} for n, text in enumerate(texts, 1)}
    return {
        "QuestionID": qid,
        "QuestionText": f"Question {qid}",
        "DataExportTag": qid.replace("QID", "Q"),
        "QuestionType": "MC",
        "Selector": selector,
        "SubSelector": "TX",
        "Choices": choices,
        "ChoiceOrder": list(choices),
        **extra,
    }


def question(qid: str, kind: str, selector: str | None = None, **extra: Any) -> Document:
    """An ``SQ`` payload of any type."""
    return {
        "QuestionID": qid,
        "QuestionText": f"Question {qid}",
        "QuestionType": kind,
        **({"Selector": selector} if selector else {}),
        **extra,
    }


def on(qid: str, locator: str, operator: str, right: Any = None, **extra: Any) -> Document:
    """A ``LogicType: Question`` expression on ``q://{qid}/{locator}``."""
    found: Document = {
        "LogicType": "Question",
        "QuestionID": qid,
        "ChoiceLocator": f"q://{qid}/{locator}",
        "Operator": operator,
        "Type": "Expression",
        **extra,
    }
    if right is not None:
        found["RightOperand"] = right
    return found


def logic(*groups: list[Document], joins: tuple[str, ...] = ()) -> Document:
    """A BooleanExpression of ``groups``, the first ``If``, the next ``joins`` (``AndIf`` by
    default); tests after the first of a group carry their ``Conjuction``."""
    expression: Document = {"Type": "BooleanExpression"}
    for index, tests in enumerate(groups):
        kind = "If" if index == 0 else (joins[index - 1] if index <= len(joins) else "AndIf")
        expression[str(index)] = {str(n): t for n, t in enumerate(tests)} | {"Type": kind}
    return expression


def ored(entry: Document, conjunction: str = "Or") -> Document:
    """``entry`` joined to the test before it by ``conjunction``."""
    return {**entry, "Conjuction": conjunction}


def qsf(
    *questions: Document,
    blocks: Any = None,
    flow: list[Document] | None = None,
    options: Document | None = None,
    name: str = "Built",
) -> Document:
    """A QSF file: ``questions`` in one block ``BL_1`` (unless ``blocks``), the flow showing
    it (unless ``flow``)."""
    if blocks is None:
        elements = [{"Type": "Question", "QuestionID": q["QuestionID"]} for q in questions]
        blocks = [
            {"Type": "Default", "ID": "BL_1", "Description": "One", "BlockElements": elements}
        ]
    elements: list[Document] = [
        {"Element": "BL", "PrimaryAttribute": "Survey Blocks", "Payload": blocks},
        {
            "Element": "FL",
            "PrimaryAttribute": "Survey Flow",
            "Payload": {
                "Type": "Root",
                "FlowID": "FL_1",
                "Flow": flow
                if flow is not None
                else [{"Type": "Block", "ID": "BL_1", "FlowID": "FL_2"}],
            },
        },
    ]
    if options is not None:
        elements.append({"Element": "SO", "PrimaryAttribute": "Survey Options", "Payload": options})
    elements += [
        {"Element": "SQ", "PrimaryAttribute": q["QuestionID"], "Payload": q} for q in questions
    ]
    return {
        "SurveyEntry": {"SurveyID": "SV_1", "SurveyName": name, "SurveyLanguage": "EN"},
        "SurveyElements": elements,
    }
