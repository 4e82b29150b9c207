"""Searching a directory's contacts with the v3 filter: comparisons on a field, joined
with ``and``/``or`` (nested as deep as the caller likes)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.schemas import Condition, Conjunction
from smsurvey.models.contacts import Contact, Directory
from smsurvey.sms.phones import check_phone

MAX_DEPTH = 10_000
"""Searches go no deeper than this many contacts (as the v3 API)."""

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
    if node.comparison == "contains":
        return column.contains(value, autoescape=True)
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
