"""The adapters a process sends and receives through, found by what texts name them by.

Built-in providers (the simulator) go by name; organisations' connections by their id
(``OC_…``), each built once from its decrypted fields and kept (connections never change);
whether it was deleted is checked again after :data:`RECHECK` seconds, by one query however
many texts ask at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.models.connections import ProviderConnection
from smsurvey.providers.base import Connection, Provider
from smsurvey.providers.connections import connection_fields, list_connections
from smsurvey.providers.registry import kind_named

RECHECK = 30.0


class ProviderDirectory:
    """Finds the adapter of a text's provider (see the module docstring)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key: bytes,
        public_url: str | None,
        http: Callable[[], aiohttp.ClientSession],
        builtin: dict[str, Provider],
    ) -> None:
        self.builtin = builtin
        """Providers by name (tests may swap one for a stand-in)."""
        self._sessions = sessions
        self._key = key
        self._public_url = public_url
        self._http = http
        self._adapters: dict[str, Provider] = {}
        self._checked: dict[str, float] = {}
        self._checking: dict[str, asyncio.Future[Provider | None]] = {}

    async def get(self, name: str) -> Provider | None:
        """The adapter for ``name`` (a built-in's name or a live connection's id), or None."""
        if name in self.builtin:
            return self.builtin[name]
        checked = self._checked.get(name)
        if checked is not None and time.monotonic() - checked < RECHECK:
            return self._adapters.get(name)
        checking = self._checking.get(name)
        if checking is None:
            checking = asyncio.ensure_future(self._check(name))
            self._checking[name] = checking
            checking.add_done_callback(lambda _: self._checking.pop(name, None))
        return await asyncio.shield(checking)

    async def _check(self, name: str) -> Provider | None:
        async with self._sessions() as session:
            connection = await session.get(ProviderConnection, name)
        if connection is None or connection.deleted_at is not None:
            self._adapters.pop(name, None)
            adapter = None
        else:
            adapter = self._adapter(connection)  # one that cannot be built is tried again
        self._checked[name] = time.monotonic()
        return adapter

    async def receivers(
        self, session: AsyncSession, organization_id: str, provider: str
    ) -> list[tuple[str, Provider]]:
        """``(name, adapter)`` of what may have made a callback to the receive URL of
        ``provider`` for the organisation: the built-in of that name if it serves the
        organisation (:meth:`serving`), or its live connections to that provider."""
        if provider in self.builtin:
            builtin = await self.serving(session, organization_id, provider)
            return [(provider, builtin)] if builtin is not None else []
        kind = kind_named(provider)
        if kind is None:
            return []
        return [
            (connection.id, self._adapter(connection))
            for connection in await list_connections(session, organization_id)
            if connection.provider == kind.name
        ]

    async def serving(
        self, session: AsyncSession, organization_id: str, name: str
    ) -> Provider | None:
        """The built-in ``name`` if the organisation sends through it (it has no live
        connection, and this instance has the built-in), else None."""
        builtin = self.builtin.get(name)
        if builtin is None or await list_connections(session, organization_id):
            return None
        return builtin

    async def next_connection(
        self, session: AsyncSession, organization_id: str, after: str
    ) -> ProviderConnection | None:
        """The organisation's live connection that comes after ``after`` in its order."""
        current = await session.scalar(
            select(ProviderConnection.position).where(ProviderConnection.id == after)
        )
        if current is None:
            return None
        following = [
            connection
            for connection in await list_connections(session, organization_id)
            if connection.position > current
        ]
        return following[0] if following else None

    def _adapter(self, connection: ProviderConnection) -> Provider:
        adapter = self._adapters.get(connection.id)
        if adapter is None:
            kind = kind_named(connection.provider)
            if kind is None:
                raise LookupError(f"connection {connection.id}: no provider {connection.provider}")
            adapter = kind.connect(
                Connection(
                    organization_id=connection.organization_id,
                    fields=connection_fields(self._key, connection),
                    sender=connection.sender,
                    public_url=self._public_url,
                    http=self._http,
                )
            )
            self._adapters[connection.id] = adapter
        return adapter
