"""Searching a directory's contacts with the v3 filter: comparisons on a field, joined
with ``and``/``or`` (nested as deep as the caller likes)."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.schemas import Condition, Conjunction
from smsurvey.models.contacts import Contact, Directory
from smsurvey.sms.phones import check_phone

MAX_DEPTH = 10_000
"""Searches go no deeper than this many contacts (as the v3 API)."""
MAX_WORDS = 10
"""Words of a search box that count (each is looked for in three fields)."""
_PHONE_LIKE = re.compile(r"\+?[\d\s().\-]+")
_PUNCTUATION = re.compile(r"[\s().\-]")

_COLUMNS = {
    "email": Contact.email,
    "extRef": Contact.ext_ref,
    "phone": Contact.phone,
    "firstName": Contact.first_name,
    "lastName": Contact.last_name,
    "language": Contact.language,
}


def _condition(node: Condition | Conjunction) -> ColumnElement[bool]:
    if isinstance(node, Conjunction):
        parts = [_condition(child) for child in node.filters]
        return and_(*parts) if node.conjunction == "and" else or_(*parts)
    column: SQLColumnExpression[str | None] = _COLUMNS[node.filterType]
    value = node.value
    if node.filterType == "phone":
        value = check_phone(value, time_zones=False).e164 or value
    if node.filterType == "email":
        column, value = func.lower(column), value.lower()
    if node.comparison == "contains":  # without case on both databases, as survey logic
        return column.icontains(value, autoescape=True)
    if node.comparison == "ne":
        return or_(column.is_(None), column != value)
    return column == value


async def search_contacts(
    session: AsyncSession,
    directory: Directory,
    condition: Condition | Conjunction,
    *,
    limit: int,
    offset: int,
) -> list[Contact]:
    """A page of the directory's contacts that match ``condition``, in id order."""
    rows = await session.scalars(
        select(Contact)
        .where(Contact.directory_id == directory.id, _condition(condition))
        .order_by(Contact.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


def box_filter(text: str) -> Condition | Conjunction | None:
    """The filter of a search box: what looks like a phone number (whole or in part)
    against phone numbers, else each word in the first name, last name or email."""
    text = text.strip()
    if _PHONE_LIKE.fullmatch(text) and any(char.isdigit() for char in text):
        digits = _PUNCTUATION.sub("", text)
        return Condition(filterType="phone", comparison="contains", value=digits)
    words = text.split()[:MAX_WORDS]
    if not words:
        return None
    return Conjunction(
        conjunction="and",
        filters=[
            Conjunction(
                conjunction="or",
                filters=[
                    Condition(filterType=kind, comparison="contains", value=word)
                    for kind in ("firstName", "lastName", "email")
                ],
            )
            for word in words
        ],
    )
