"""How a question reads as a text message. Pure.

HTML never goes out by SMS: tags are removed (line-breaking ones become newlines), entities are
unescaped and whitespace is tidied. A multiple-choice question lists its choices numbered from 1
in display order, one per line; the respondent replies with the number.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.definition import (
    NpsQuestion,
    Question,
    SingleChoiceQuestion,
    TextEntryQuestion,
)

_LINE_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|table|ul|ol)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|<[a-zA-Z/!][^>]*>", re.DOTALL)
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a newline, Unicode spaces included
_BLANK_LINES = re.compile(r"\n{3,}")


def contains_html(text: str) -> bool:
    """Whether ``text`` holds an HTML tag, comment or character reference."""
    return bool(_TAG.search(text) or _ENTITY.search(text))


def plain_text(text: str) -> str:
    """``text`` as sent by SMS: no HTML, entities unescaped, at most one blank line in a row,
    single spaces, no spaces at either end of a line."""
    text = _TAG.sub("", _LINE_BREAK.sub("\n", text))
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@dataclass(frozen=True)
class RenderedQuestion:
    """A question as a text message."""

    text: str
    choices: Mapping[str, str]
    """Reply code (``"1"``, ``"2"``, …) → choice id; empty for NPS and text entry."""


def render_question(question: Question) -> RenderedQuestion:
    """The text that asks ``question`` by SMS, and the reply codes of its choices.

    Raises :class:`InvalidInput` for a question type SMS cannot carry.
    """
    match question:
        case NpsQuestion() | TextEntryQuestion():
            return RenderedQuestion(plain_text(question.text), {})
        case SingleChoiceQuestion():
            codes = {str(number): choice.id for number, choice in enumerate(question.choices, 1)}
            lines = [
                f"{number}. {' '.join(plain_text(choice.text).split())}".rstrip()
                for number, choice in enumerate(question.choices, 1)
            ]
            text = "\n".join(filter(None, [plain_text(question.text), *lines]))
            return RenderedQuestion(text, codes)
    raise InvalidInput(f"{question.type} question {question.id} cannot be sent by SMS")
