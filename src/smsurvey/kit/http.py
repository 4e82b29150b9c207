"""The process's one pooled ``aiohttp`` session for provider calls (DESIGN.md: "provider HTTP")."""

from __future__ import annotations

import aiohttp

CONNECTIONS = 256
"""Connections kept open per process (to all providers together)."""
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)


class SharedSession:
    """Creates the session on first use (it needs a running event loop), closes it once."""

    def __init__(self, connections: int = CONNECTIONS) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    def __call__(self) -> aiohttp.ClientSession:
        """The session, created on the first call."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=TIMEOUT)
        return self._session

    async def aclose(self) -> None:
        """Close the session if it was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None
