"""Contact fields: which CSV headers name them, how long they may be, how values are checked."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from enum import StrEnum
from functools import cache


class DedupeBy(StrEnum):
    """The field that identifies a person within a directory."""

    PHONE = "phone"
    EMAIL = "email"
    EXT_REF = "ext_ref"


# What an import writes for each contact, in this order (storage adds id, directory,
# opt-out flag and timestamps around it).
RECORD_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "phone_input",
    "phone_type",
    "phone_region",
    "ext_ref",
    "language",
    "time_zone",
    "embedded_data",
)

# Normalised header (lower case, no spaces, dashes or underscores) -> contact field.
HEADER_ALIASES: dict[str, str] = {
    "firstname": "first_name",
    "first": "first_name",
    "givenname": "first_name",
    "lastname": "last_name",
    "last": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "email": "email",
    "emailaddress": "email",
    "externaldatareference": "ext_ref",
    "externalreference": "ext_ref",
    "externalid": "ext_ref",
    "extref": "ext_ref",
    "language": "language",
    "lang": "language",
    "timezone": "time_zone",
    "tz": "time_zone",
}

MAX_LENGTHS: dict[str, int] = {
    "first_name": 200,
    "last_name": 200,
    "email": 320,
    "ext_ref": 200,
    "language": 16,
    "time_zone": 64,
    "phone_input": 64,
}

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,4})?")


def normalise_header(name: str) -> str:
    """The comparable form of a header: ``"First Name"`` → ``"firstname"``."""
    return re.sub(r"[\s_\-]+", "", name).lower()


def field_for_header(name: str) -> str | None:
    """The contact field a CSV header names, or ``None`` for embedded data."""
    return HEADER_ALIASES.get(normalise_header(name))


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


Checker = Callable[[str], str | None]


@cache
def checker(field: str) -> Checker:
    """The check of ``field``: it says why a value cannot be stored, or ``None``."""
    limit = MAX_LENGTHS.get(field)
    rules: list[tuple[Callable[[str], object], str]] = []
    if field == "email":
        rules.append((_EMAIL.fullmatch, "not an email address"))
    elif field == "language":
        rules.append((_LANGUAGE.fullmatch, "not a language code (like EN, fr or pt-BR)"))
    elif field == "time_zone":
        rules.append((_time_zones().__contains__, "not a time zone name (like Europe/London)"))

    def check(value: str) -> str | None:
        for accepts, problem in rules:
            if not accepts(value):
                return problem
        if limit is not None and len(value) > limit:
            return f"longer than {limit} characters"
        return None

    return check


def problem_with(field: str, value: str) -> str | None:
    """Why ``value`` cannot be stored in ``field`` (``None`` when it can)."""
    return checker(field)(value)
