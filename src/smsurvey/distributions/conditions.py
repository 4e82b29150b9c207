"""Limiting conditions: which contacts of a distribution's recipients it goes to. Pure.

A condition tests one field of a contact: ``first_name``, ``last_name``, ``name_or_email``
(the first name, the last name and the email), an ``embedded`` data field by name, or ``role``.
Contacts have no role column: role is the embedded data field ``Role``.

Conditions on the same field (the same embedded data field name, or role) are joined with OR,
conditions on different fields with AND. First name, last name and name or email may each
appear once.

Operators compare text ignoring case and surrounding spaces; a missing value is empty:
``equals``, ``not_equals``, ``contains``, ``not_contains``, ``starts_with`` (these take a value),
``is_empty`` and ``is_not_empty`` (these take none). For name or email, ``equals``,
``contains``, ``starts_with`` and ``is_not_empty`` hold when one of the three values does; their
opposites ``not_equals``, ``not_contains`` and ``is_empty`` hold when none does.

Contacts are read as mappings with the keys ``first_name``, ``last_name``, ``email`` and
``embedded_data`` (a mapping; values other than strings compare as ``str(value)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ROLE_KEY = "Role"
"""The embedded data field that holds a contact's role."""


class Field(StrEnum):
    """What a condition tests."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    NAME_OR_EMAIL = "name_or_email"
    EMBEDDED = "embedded"
    ROLE = "role"


class Operator(StrEnum):
    """How a condition tests its field."""

    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    STARTS_WITH = "starts_with"
    IS_EMPTY = "is_empty"
    IS_NOT_EMPTY = "is_not_empty"


_ONCE = (Field.FIRST_NAME, Field.LAST_NAME, Field.NAME_OR_EMAIL)
_CONTACT_KEYS = {
    Field.FIRST_NAME: ("first_name",),
    Field.LAST_NAME: ("last_name",),
    Field.NAME_OR_EMAIL: ("first_name", "last_name", "email"),
}
_TESTS: dict[Operator, Callable[[str, str], bool]] = {
    Operator.EQUALS: str.__eq__,
    Operator.CONTAINS: str.__contains__,
    Operator.STARTS_WITH: str.startswith,
    Operator.IS_NOT_EMPTY: lambda value, _: bool(value),
}
_OPPOSITES = {
    Operator.NOT_EQUALS: Operator.EQUALS,
    Operator.NOT_CONTAINS: Operator.CONTAINS,
    Operator.IS_EMPTY: Operator.IS_NOT_EMPTY,
}
_VALUELESS = (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY)
_LABELS = {
    Field.FIRST_NAME: "first name",
    Field.LAST_NAME: "last name",
    Field.NAME_OR_EMAIL: "name or email",
    Field.ROLE: "role",
}
_PHRASES = {
    Operator.EQUALS: "is",
    Operator.NOT_EQUALS: "is not",
    Operator.CONTAINS: "contains",
    Operator.NOT_CONTAINS: "does not contain",
    Operator.STARTS_WITH: "starts with",
    Operator.IS_EMPTY: "is empty",
    Operator.IS_NOT_EMPTY: "is not empty",
}


def _choice(kind: type[Field] | type[Operator], given: Any, what: str) -> Any:
    try:
        return kind(given)
    except ValueError:
        names = ", ".join(kind)
        raise ValueError(f"unknown condition {what} {given!r} (use {names})") from None


def _normal(value: object) -> str:
    return "" if value is None else str(value).strip().casefold()


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of one field; ``name`` is the embedded data field's, for ``embedded`` only."""

    field: Field
    operator: Operator
    value: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", _choice(Field, self.field, "field"))
        object.__setattr__(self, "operator", _choice(Operator, self.operator, "operator"))
        if self.field == Field.EMBEDDED:
            if not isinstance(self.name, str) or not self.name.strip():
                raise ValueError("an embedded data condition needs the field's name")
        elif self.name is not None:
            raise ValueError(f"a {self.field} condition takes no field name")
        if self.operator in _VALUELESS:
            if self.value is not None:
                raise ValueError(f"{self.operator} takes no value")
        elif not isinstance(self.value, str) or not self.value.strip():
            raise ValueError(f"{self.operator} needs a text value to compare {self.label} with")

    @property
    def key(self) -> tuple[Field, str | None]:
        """What makes two conditions test the same field (they are then joined with OR)."""
        return self.field, self.name

    @property
    def label(self) -> str:
        """The field as a person reads it: ``first name``, ``Store`` …"""
        return str(self.name) if self.field == Field.EMBEDDED else _LABELS[self.field]

    def holds(self, contact: Mapping[str, Any]) -> bool:
        """Whether ``contact`` meets this condition."""
        if self.field in _CONTACT_KEYS:
            values = [contact.get(key) for key in _CONTACT_KEYS[self.field]]
        else:
            embedded = contact.get("embedded_data") or {}
            values = [embedded.get(ROLE_KEY if self.field == Field.ROLE else self.name)]
        opposite = _OPPOSITES.get(self.operator)
        test, needle = _TESTS[opposite or self.operator], _normal(self.value)
        return any(test(_normal(value), needle) for value in values) != bool(opposite)

    def to_json(self) -> dict[str, str]:
        """``{"field": "embedded", "name": "Store", "operator": "equals", "value": "12"}``,
        without the keys that are ``None``."""
        data = {
            "field": self.field,
            "name": self.name,
            "operator": self.operator,
            "value": self.value,
        }
        return {key: str(value) for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Condition:
        """A condition from :meth:`to_json`'s shape."""
        if unknown := data.keys() - {"field", "name", "operator", "value"}:
            raise ValueError(f"unknown condition keys: {', '.join(sorted(unknown))}")
        if "field" not in data or "operator" not in data:
            raise ValueError("a condition needs a field and an operator")
        return cls(data["field"], data["operator"], data.get("value"), data.get("name"))


@dataclass(frozen=True, slots=True)
class Conditions:
    """A validated set of conditions; empty means everyone."""

    items: tuple[Condition, ...] = ()
    groups: tuple[tuple[Condition, ...], ...] = field(init=False, repr=False, compare=False)
    """The conditions by field, in order of first appearance: OR inside, AND between."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        groups: dict[tuple[Field, str | None], list[Condition]] = {}
        for condition in self.items:
            groups.setdefault(condition.key, []).append(condition)
        for once in _ONCE:
            if len(groups.get((once, None), ())) > 1:
                raise ValueError(f"{_LABELS[once]} may be used in only one condition")
        object.__setattr__(self, "groups", tuple(map(tuple, groups.values())))

    def to_json(self) -> dict[str, Any]:
        """``{"conditions": [condition, …]}`` (see :meth:`Condition.to_json`)."""
        return {"conditions": [condition.to_json() for condition in self.items]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Conditions:
        """Conditions from :meth:`to_json`'s shape."""
        items = data.get("conditions")
        if data.keys() != {"conditions"} or not isinstance(items, list):
            raise ValueError('conditions must be {"conditions": [condition, …]}')
        return cls(tuple(map(Condition.from_json, items)))


def matches(conditions: Conditions, contact: Mapping[str, Any]) -> bool:
    """Whether ``contact`` meets, for every field, one of its conditions."""
    return all(any(c.holds(contact) for c in group) for group in conditions.groups)


def describe(conditions: Conditions) -> str:
    """The conditions for a preview: ``first name is Ann or Bob, and Store is 12``."""
    if not conditions.items:
        return "everyone"
    return ", and ".join(map(_describe_group, conditions.groups))


def _describe_group(group: tuple[Condition, ...]) -> str:
    parts = []
    for previous, condition in zip((None, *group), group, strict=False):
        same = previous is not None and previous.operator == condition.operator
        phrase = _PHRASES[condition.operator]
        if condition.value is None:
            parts.append(phrase)
        else:
            parts.append(condition.value if same else f"{phrase} {condition.value}")
    return f"{group[0].label} {' or '.join(parts)}"
