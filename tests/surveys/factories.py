"""Short builders of survey documents for the tests (plain data, as a file would hold)."""

from __future__ import annotations

from typing import Any

from smsurvey.surveys.definition import SurveyDefinition
from smsurvey.surveys.formats import parse_survey

Document = dict[str, Any]


def nps(
    id_: str, text: str = "How likely are you to recommend us? Reply 0-10.", **extra: Any
) -> Document:
    return {"id": id_, "type": "nps", "text": text, **extra}


def text_entry(id_: str, text: str = "Anything else?", **extra: Any) -> Document:
    return {"id": id_, "type": "text_entry", "text": text, **extra}


def single_choice(id_: str, *choices: str, text: str = "Pick one", **extra: Any) -> Document:
    options = [
        {"id": str(n), "text": choice} for n, choice in enumerate(choices or ("Yes", "No"), 1)
    ]
    return {"id": id_, "type": "single_choice", "text": text, "choices": options, **extra}


def matrix(id_: str, text: str = "Rate", **extra: Any) -> Document:
    """A one-statement matrix question (SMS cannot carry matrices)."""
    return {
        "id": id_,
        "type": "matrix",
        "text": text,
        "statements": [{"id": "1", "text": "Speed"}],
        "choices": [{"id": "1", "text": "Good"}],
        **extra,
    }


def block(id_: str, *elements: Document) -> Document:
    return {"id": id_, "elements": list(elements)}


def show(block_id: str) -> Document:
    return {"type": "block", "id": block_id}


def branch(condition: Document, *flow: Document) -> Document:
    return {"type": "branch", "condition": condition, "flow": list(flow)}


def end(message: str | None = None) -> Document:
    return {"type": "end_survey", **({"message": message} if message else {})}


def set_data(**fields: str | None) -> Document:
    return {"type": "embedded_data", "fields": [{"name": k, "value": v} for k, v in fields.items()]}


def when(question: str, operator: str, value: Any = None, statement: str | None = None) -> Document:
    """A condition on a question (on one of its rows, with ``statement``)."""
    return {
        "question": question,
        "operator": operator,
        **({} if value is None else {"value": value}),
        **({} if statement is None else {"statement": statement}),
    }


def when_data(field: str, operator: str, value: Any = None) -> Document:
    """A condition on an embedded-data field."""
    return {
        "embedded_data": field,
        "operator": operator,
        **({} if value is None else {"value": value}),
    }


def document(*blocks: Document, flow: list[Document] | None = None, **extra: Any) -> Document:
    """A survey document; without ``flow`` every block is shown in order."""
    data: Document = {"name": "Test survey", "blocks": list(blocks), **extra}
    if flow is not None:
        data["flow"] = flow
    return data


def survey(*blocks: Document, flow: list[Document] | None = None, **extra: Any) -> SurveyDefinition:
    """A validated survey (see :func:`document`)."""
    return parse_survey(document(*blocks, flow=flow, **extra))
