"""The names QSF gives to what the survey model holds, one table per kind, read by both
the import (:mod:`~smsurvey.surveys.qsf_import`) and the export
(:mod:`~smsurvey.surveys.qsf_export`)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from smsurvey.surveys.definition import (
    SKIP_TO_END_OF_BLOCK,
    SKIP_TO_END_OF_SURVEY,
    ChoiceLayout,
    Operator,
    TextFormat,
)

OPERATORS: Mapping[Operator, str] = {
    Operator.SELECTED: "Selected",
    Operator.NOT_SELECTED: "NotSelected",
    Operator.DISPLAYED: "Displayed",
    Operator.NOT_DISPLAYED: "NotDisplayed",
    Operator.EQUAL_TO: "EqualTo",
    Operator.NOT_EQUAL_TO: "NotEqualTo",
    Operator.GREATER_THAN: "GreaterThan",
    Operator.GREATER_OR_EQUAL: "GreaterThanOrEqual",
    Operator.LESS_THAN: "LessThan",
    Operator.LESS_OR_EQUAL: "LessThanOrEqual",
    Operator.CONTAINS: "Contains",
    Operator.DOES_NOT_CONTAIN: "DoesNotContain",
    Operator.EMPTY: "Empty",
    Operator.NOT_EMPTY: "NotEmpty",
}
"""A logic test's ``Operator``."""

SKIP_TARGETS: Mapping[str, str] = {
    SKIP_TO_END_OF_SURVEY: "ENDOFSURVEY",
    SKIP_TO_END_OF_BLOCK: "ENDOFBLOCK",
}
"""A skip rule's ``SkipToDestination`` other than a question id."""

SINGLE_SELECTORS: Mapping[ChoiceLayout, str] = {
    "vertical": "SAVR",
    "horizontal": "SAHR",
    "dropdown": "DL",
    "select_box": "SB",
    "columns": "SACOL",
}
"""The ``Selector`` of a single-answer multiple-choice question (``MC``)."""

MULTIPLE_SELECTORS: Mapping[ChoiceLayout, str] = {
    "vertical": "MAVR",
    "horizontal": "MAHR",
    "select_box": "MSB",
    "columns": "MACOL",
}
"""The ``Selector`` of a multiple-answer one; Qualtrics has no multiple-answer drop-down, so
the export writes one as the nearest, a select box (``MSB``)."""

TEXT_SELECTORS: Mapping[TextFormat, str] = {
    "single_line": "SL",
    "multi_line": "ML",
    "essay": "ESTB",
    "password": "PW",
    "form": "FORM",
}
"""The ``Selector`` of a text entry (``TE``)."""


K = TypeVar("K")
V = TypeVar("V", bound=Hashable)


def by_name(table: Mapping[K, V]) -> dict[V, K]:
    """``table`` read the other way: the model's value for each QSF name."""
    return {name: value for value, name in table.items()}
