"""Connections to organisations' own provider accounts: create, list, show, order, delete.

A connection is never edited: changing it means creating a new one and deleting the old.
Its fields are checked against the provider's list when it is created, encrypted at rest,
and never shown again (secrets as their last 4 characters at most). An organisation sends
through its first connection; the next ones in order take over texts the first keeps
refusing (fail-over, in the sender loop).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import InvalidInput, NotFound, SmsurveyError
from smsurvey.kit.ids import is_id, new_id
from smsurvey.kit.secrets import seal, unseal
from smsurvey.models.connections import ProviderConnection
from smsurvey.providers.base import Connection, ProviderKind, callback_url
from smsurvey.providers.registry import kind_named, kinds
from smsurvey.sms.phones import check_phone
from smsurvey.sms.sender_ids import sender_kind

PREFIX = "OC"
_URL = re.compile(r"https?://[^\s/?#]+(:\d+)?(/[^\s?#]*)?")
_INTERNATIONAL = re.compile(r"(\+|00)?[1-9]\d{8,14}")


@dataclass(frozen=True, slots=True)
class NewConnection:
    """What an administrator gives to connect an account."""

    name: str
    provider: str
    sender: str
    fields: Mapping[str, str]


def provider_kind(name: str) -> ProviderKind:
    """The provider called ``name``; :class:`InvalidInput` listing the known ones if none."""
    kind = kind_named(name)
    if kind is None:
        raise InvalidInput(f"unknown provider {name!r}; known: {', '.join(kinds())}")
    return kind


def check_fields(kind: ProviderKind, given: Mapping[str, str]) -> dict[str, str]:
    """The connection's fields, checked against the provider's list (trimmed, empty ones
    dropped); :class:`InvalidInput` naming every missing, unknown or invalid field."""
    fields = {key: value.strip() for key, value in given.items() if value and value.strip()}
    known = {field.key: field for field in kind.fields}
    problems = [f"unknown field {key!r}" for key in fields if key not in known]
    for field in kind.fields:
        value = fields.get(field.key)
        if value is None:
            if field.required:
                problems.append(f"{field.key} ({field.label}) is required")
        elif field.choices and value not in field.choices:
            problems.append(f"{field.key} must be one of {', '.join(field.choices)}")
    if "api_url" in fields and not _URL.fullmatch(fields["api_url"]):
        problems.append("api_url must be an http(s) URL such as https://api.example.com")
    if problems:
        names = ", ".join(f"{field.key} ({field.label})" for field in kind.fields)
        raise InvalidInput(f"{kind.title}: {'; '.join(problems)}. Its fields: {names}")
    return fields


def check_sender(kind: ProviderKind, raw: str) -> str:
    """The sender as stored: an E.164 number (given with or without ``+``/``00``), a short
    code, an alphanumeric id, or a form the provider adds; :class:`InvalidInput` if not."""
    sender = raw.strip()
    if any(form.fullmatch(sender) for form in kind.sender_forms):
        return sender
    compact = re.sub(r"[\s().-]", "", sender)
    if _INTERNATIONAL.fullmatch(compact):
        digits = compact.removeprefix("+").removeprefix("00")
        checked = check_phone("+" + digits, time_zones=False)
        if checked.e164 is None:
            raise InvalidInput(f"sender {raw!r}: {checked.reason}")
        return checked.e164
    try:
        sender_kind(sender)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    return sender


def _check_adapter(
    kind: ProviderKind, organization_id: str, fields: dict[str, str], sender: str
) -> None:
    """Build the adapter once, so fields it cannot use (a key it cannot read) are refused now."""

    def no_http() -> aiohttp.ClientSession:
        raise RuntimeError("no HTTP while checking a connection")

    try:
        kind.connect(Connection(organization_id, fields, sender, None, no_http))
    except (ValueError, KeyError) as error:
        raise InvalidInput(f"{kind.title}: {error}") from None


def _shown(kind: ProviderKind, fields: Mapping[str, str]) -> dict[str, str]:
    secret = {field.key for field in kind.fields if field.secret}
    return {
        key: ("…" + value[-4:] if len(value) > 8 else "…") if key in secret else value
        for key, value in fields.items()
    }


async def add_connection(
    session: AsyncSession, key: bytes, organization_id: str, new: NewConnection, now: datetime
) -> ProviderConnection:
    """Check and store a connection (last in the organisation's order)."""
    name = new.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a connection needs a name of 1 to 200 characters")
    kind = provider_kind(new.provider)
    fields = check_fields(kind, new.fields)
    sender = check_sender(kind, new.sender)
    _check_adapter(kind, organization_id, fields, sender)
    last = await session.scalar(
        select(func.max(ProviderConnection.position)).where(
            ProviderConnection.organization_id == organization_id
        )
    )
    connection = ProviderConnection(
        id=new_id(PREFIX),
        organization_id=organization_id,
        name=name,
        provider=kind.name,
        sender=sender,
        sealed_fields=seal(key, json.dumps(fields).encode()),
        shown_fields=_shown(kind, fields),
        position=(last or 0) + 1,
        created_at=now,
        deleted_at=None,
    )
    session.add(connection)
    await session.flush()
    return connection


def connection_fields(key: bytes, connection: ProviderConnection) -> dict[str, str]:
    """The connection's fields, decrypted (for building its adapter; never for showing)."""
    fields: dict[str, str] = json.loads(unseal(key, connection.sealed_fields))
    return fields


async def list_connections(session: AsyncSession, organization_id: str) -> list[ProviderConnection]:
    """The organisation's live connections, in sending order."""
    return list(
        await session.scalars(
            select(ProviderConnection)
            .where(
                ProviderConnection.organization_id == organization_id,
                ProviderConnection.deleted_at.is_(None),
            )
            .order_by(ProviderConnection.position, ProviderConnection.created_at)
        )
    )


async def get_connection(
    session: AsyncSession, organization_id: str, connection_id: str
) -> ProviderConnection:
    """One of the organisation's live connections; :class:`NotFound` otherwise."""
    found = is_id(connection_id, PREFIX)
    connection = await session.get(ProviderConnection, connection_id) if found else None
    if (
        connection is None
        or connection.organization_id != organization_id
        or connection.deleted_at is not None
    ):
        raise NotFound(f"no provider connection {connection_id}")
    return connection


async def delete_connection(
    session: AsyncSession, organization_id: str, connection_id: str, now: datetime
) -> ProviderConnection:
    """Delete a connection: it sends and receives no more (its history keeps its name)."""
    connection = await get_connection(session, organization_id, connection_id)
    connection.deleted_at = now
    return connection


async def set_order(
    session: AsyncSession, organization_id: str, connection_ids: list[str]
) -> list[ProviderConnection]:
    """Put the named connections first, in that order (the others keep theirs after them)."""
    if len(set(connection_ids)) != len(connection_ids):
        raise InvalidInput("each connection may be named once")
    named = [await get_connection(session, organization_id, id_) for id_ in connection_ids]
    rest = [c for c in await list_connections(session, organization_id) if c not in named]
    for position, connection in enumerate([*named, *rest], start=1):
        connection.position = position
    return [*named, *rest]


async def move_connection(
    session: AsyncSession, organization_id: str, connection_id: str, by: int
) -> list[ProviderConnection]:
    """Move a connection ``by`` places in the sending order (negative: earlier), no further
    than either end; the connections in their new order."""
    connections = await list_connections(session, organization_id)
    moving = await get_connection(session, organization_id, connection_id)
    ids = [c.id for c in connections if c.id != moving.id]
    place = min(max([c.id for c in connections].index(moving.id) + by, 0), len(ids))
    ids.insert(place, moving.id)
    return await set_order(session, organization_id, ids)


def readable(key: bytes, connection: ProviderConnection) -> bool:
    """Whether the connection's fields decrypt with ``key`` (not after the key changed)."""
    try:
        connection_fields(key, connection)
    except SmsurveyError:
        return False
    return True


def webhook_urls(public_url: str, connection: ProviderConnection) -> dict[str, str]:
    """The URLs to give the provider: delivery reports (``status``) and inbound texts."""
    return {
        what: callback_url(public_url, connection.provider, what, connection.organization_id) or ""
        for what in ("status", "message")
    }
