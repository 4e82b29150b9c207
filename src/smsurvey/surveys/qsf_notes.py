"""What a QSF import could not keep or changed, and reading a QSF payload's shapes with
errors that name the part.

Qualtrics writes the same things in several shapes (a choice order of strings or of
integers, flags as ``true`` or ``"true"``, lists as objects keyed ``"0"``, ``"1"``, …); the
helpers here accept each and refuse anything else with :class:`InvalidInput`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from smsurvey.kit.errors import InvalidInput
from smsurvey.surveys.render import contains_html, plain_text


@dataclass(frozen=True)
class Dropped:
    """A part of a QSF file that could not be kept as it was, named by its element id
    (``QID12``, ``FL_7``, ``BL_…``, ``SO``)."""

    element: str
    reason: str


@dataclass
class Notes:
    """What an import dropped and what it changed (HTML removed), in the order met."""

    dropped: list[Dropped] = field(default_factory=list)
    _html: dict[str, list[str]] = field(default_factory=dict)

    def drop(self, element: str, reason: str) -> None:
        """Record that ``element`` lost ``reason``."""
        self.dropped.append(Dropped(element, reason))

    def text(self, value: object, element: str, what: str) -> str:
        """``value`` (a QSF text, HTML allowed) as plain text; removing HTML is noted."""
        raw = "" if value is None else str(value)
        if contains_html(raw):
            self._html.setdefault(element, []).append(what)
        return plain_text(raw)

    @property
    def warnings(self) -> tuple[Dropped, ...]:
        """One entry per element whose texts held HTML, naming those texts."""
        return tuple(
            Dropped(element, f"HTML removed from {', '.join(whats)}")
            for element, whats in self._html.items()
        )


MAX_ID_LENGTH = 100
"""The longest id (question, block, flow element, embedded-data field) the model takes."""


def identifier(value: object, where: str) -> str:
    """``value`` as an id: a string (or an integer) of 1 to :data:`MAX_ID_LENGTH`
    characters once stripped, else :class:`InvalidInput` naming ``where``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{where}: missing")
    if len(text) > MAX_ID_LENGTH:
        raise InvalidInput(f"{where}: longer than {MAX_ID_LENGTH} characters")
    return text


def mapping(value: object, where: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else :class:`InvalidInput` naming ``where``."""
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where}: not an object")
    return value


def items(value: object, where: str) -> list[Any]:
    """The entries of a QSF list, written as a JSON array or as an object keyed ``"0"``,
    ``"1"``, … (in key order) or by id (in document order); ``null`` is empty."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        keys = list(value)
        if all(str(key).isdigit() for key in keys):
            keys.sort(key=int)
        return [value[key] for key in keys]
    raise InvalidInput(f"{where}: not a list")


def numbered(value: Mapping[str, Any]) -> list[Any]:
    """The values of ``value`` under the keys ``"0"``, ``"1"``, … in number order (how a
    BooleanExpression holds its groups and a group its tests)."""
    keys = sorted((key for key in value if str(key).isdigit()), key=int)
    return [value[key] for key in keys]


def flag(value: object) -> bool:
    """A QSF flag: ``true``, ``"true"``, ``"True"``, ``1``, ``"1"``, ``"ON"``, ``"Yes"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in {"true", "1", "on", "yes"}


def ids(value: object, where: str) -> list[str]:
    """A QSF order (``ChoiceOrder``, ``AnswerOrder``): ids as strings or integers."""
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidInput(f"{where}: not a list of ids")
    found: list[str] = []
    for entry in value:
        if isinstance(entry, bool) or not isinstance(entry, str | int):
            raise InvalidInput(f"{where}: {entry!r} is not an id")
        found.append(str(entry))
    return found
