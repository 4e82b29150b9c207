"""Piped text in SMS messages (``${m://FirstName}``, ``${l://SurveyURL}`` …), and the clean-up of
pasted formatting that comes before it. Pure.

Fields:

* ``${l://SurveyURL}``: the recipient's survey link.
* ``${l://SurveyLink?d=TEXT}``: the same link after a label, as ``TEXT: URL`` (a text message
  has no link text to tap). A label that ends in punctuation other than ``)`` is followed by a
  space only (``Start here → URL``); without a label the URL stands alone. The label is taken
  as written (no URL decoding).
* ``${l://OptOutURL}``: the recipient's opt-out link, the only way to opt out of texts from an
  alphanumeric sender.
* ``${m://FirstName}``, ``${m://LastName}``, ``${m://Email}``: the contact's fields.
* ``${e://Field/NAME}``: the embedded data field NAME, matched exactly (spaces allowed).

A missing value renders as nothing, and so does a survey link label when there is no link.
:func:`validate` reports any other ``${…}``; :func:`render` leaves it as written.

Use: ``text = clean_message(raw)`` once per message, check ``validate(text)`` and
``fields_used(text)``, then ``render(text, context)`` per recipient. Rendering is one pass, so
a value that itself contains ``${…}`` is sent as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import attrgetter
from typing import Any

SURVEY_URL = "l://SurveyURL"
SURVEY_LINK = "l://SurveyLink"
OPT_OUT_URL = "l://OptOutURL"
FIRST_NAME = "m://FirstName"
LAST_NAME = "m://LastName"
EMAIL = "m://Email"
EMBEDDED = "e://Field/"
"""Prefix of embedded data fields: :func:`fields_used` reports ``e://Field/NAME``."""


@dataclass(frozen=True, slots=True)
class PipeContext:
    """What one recipient's piped text is filled with; ``None`` renders as nothing."""

    survey_url: str | None = None
    opt_out_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    embedded: Mapping[str, Any] = field(default_factory=dict)
    """Embedded data by exact field name; values other than strings are sent as ``str(value)``."""


_Getter = Callable[[PipeContext], object]

_SIMPLE: dict[str, _Getter] = {
    SURVEY_URL: attrgetter("survey_url"),
    OPT_OUT_URL: attrgetter("opt_out_url"),
    FIRST_NAME: attrgetter("first_name"),
    LAST_NAME: attrgetter("last_name"),
    EMAIL: attrgetter("email"),
}
_LABELLED_LINK = SURVEY_LINK + "?d="

_PIPE = re.compile(r"\$\{([^{}]*)\}")
_OPENING = re.compile(r"\$\{")


def _survey_link(label: str, context: PipeContext) -> str:
    url = context.survey_url
    if not url:
        return ""
    label = label.strip()
    if not label:
        return url
    return f"{label}: {url}" if label[-1].isalnum() or label[-1] == ")" else f"{label} {url}"


def _embedded(name: str, context: PipeContext) -> object:
    return context.embedded.get(name)


@lru_cache(maxsize=1024)
def _parse(body: str) -> tuple[str, _Getter] | None:
    """The field a ``${body}`` names (as :func:`fields_used` reports it) and how to read its
    value from a context; ``None`` when it names no field."""
    if body in _SIMPLE:
        return body, _SIMPLE[body]
    if body == SURVEY_LINK or body.startswith(_LABELLED_LINK):
        return SURVEY_LINK, partial(_survey_link, body[len(_LABELLED_LINK) :])
    if body.startswith(EMBEDDED) and len(body) > len(EMBEDDED):
        return body, partial(_embedded, body[len(EMBEDDED) :])
    return None


def fields_used(text: str) -> set[str]:
    """The known fields piped into ``text``: ``l://SurveyURL``, ``l://SurveyLink`` (whatever its
    label), ``l://OptOutURL``, ``m://FirstName``, ``e://Field/Store`` …"""
    return {parsed[0] for match in _PIPE.finditer(text) if (parsed := _parse(match[1]))}


def _suggestion(body: str) -> str | None:
    """The known field ``body`` differs from only in case or surrounding spaces."""
    stripped = body.strip()
    folded = stripped.casefold()
    for known in (*_SIMPLE, SURVEY_LINK, EMBEDDED):
        if folded.startswith(known.casefold()):
            candidate = known + stripped[len(known) :]
            if _parse(candidate):
                return candidate
    return None


def validate(text: str) -> list[str]:
    """Problems with the piped text in ``text``, in order: unknown fields and unclosed ``${``.

    Positions count characters from 1 in ``text`` as given; validate the cleaned message
    (:func:`clean_message`), which is what is rendered and what a preview shows.
    """
    problems: list[tuple[int, str]] = []
    starts = set()
    for match in _PIPE.finditer(text):
        starts.add(match.start())
        if _parse(match[1]) is None:
            problem = f"unknown piped text {match[0]} at character {match.start() + 1}"
            if suggestion := _suggestion(match[1]):
                problem += f"; did you mean ${{{suggestion}}}?"
            problems.append((match.start(), problem))
    for opening in _OPENING.finditer(text):
        if opening.start() not in starts:
            position = opening.start()
            problems.append((position, f"${{ at character {position + 1} is not closed by }}"))
    return [problem for _, problem in sorted(problems)]


def _replace(context: PipeContext, match: re.Match[str]) -> str:
    parsed = _parse(match[1])
    if parsed is None:
        return match[0]
    value = parsed[1](context)
    return "" if value is None else str(value)


def render(text: str, context: PipeContext) -> str:
    """``text`` with each known piped field replaced by the recipient's value."""
    if "${" not in text:
        return text
    return _PIPE.sub(partial(_replace, context), text)


# Pasted HTML: what a browser would not show goes entirely, line-breaking tags become newlines.
_HIDDEN_ELEMENT = re.compile(r"<(style|script|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|table|ul|ol)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|<[a-zA-Z/!][^>]*>", re.DOTALL)
# Only complete references: html.unescape alone would also read "&reg" in "Visit&register".
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_LINE_BREAK = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Invisible characters. Joiners (ZWNJ, ZWJ) shape Persian, Indic scripts and emoji sequences,
# so they go only where one side is ASCII or the text's edge, which is where pasting puts them.
_INVISIBLE = re.compile(
    r"[\u00ad\u180e\u200b\u2060-\u2064\ufeff]"
    r"|(?<![^\x00-\x7f])[\u200c\u200d]"
    r"|[\u200c\u200d](?![^\x00-\x7f])"
)
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a newline, Unicode spaces included
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_message(text: str) -> str:
    """``text`` without pasted formatting: HTML tags and hidden elements removed (``<br>``,
    ``</p>`` … become newlines), character references unescaped, invisible characters removed,
    every line break a ``\\n``, runs of spaces (tabs, no-break spaces …) one space, no spaces at
    either end of a line, at most one blank line in a row and none at either end.

    Typographic characters (smart quotes, dashes) stay: smart encoding
    (:mod:`smsurvey.sms.encoding`) replaces them when that saves parts.
    """
    text = _HIDDEN_ELEMENT.sub("", text)
    text = _TAG.sub("", _LINE_BREAK_TAG.sub("\n", text))
    text = _ENTITY.sub(lambda reference: html.unescape(reference[0]), text)
    text = _INVISIBLE.sub("", _LINE_BREAK.sub("\n", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
