"""What every fake provider shares: an ``aiohttp.web`` server on 127.0.0.1, a record of
what it received, refusals on demand, and callbacks signed the provider's way.

A subclass adds the provider's routes (checking auth and required fields as the provider
does, answering with its real shapes), renders a :class:`Fault` in the provider's shape,
and builds its signed delivery reports and inbound texts as :class:`Callback` requests,
which tests post to our receive endpoints. Where the provider can be asked about the texts it
took (its message list, logs or reports), the subclass answers that too, from :attr:`received`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from smsurvey.providers.base import WebhookRequest

FaultKind = Literal["throttle", "server", "permanent", "drop_after_read", "drop_not_taken"]
DROPS = ("drop_after_read", "drop_not_taken")
F = TypeVar("F", bound="FakeProvider")


@dataclass(frozen=True, slots=True)
class Fault:
    """A refusal the fake gives instead of taking a text, or a connection it drops.

    ``throttle``: the provider's 429 / throttling answer (with ``retry_after`` seconds when
    set); ``server``: a 5xx; ``permanent``: the provider's answer for an invalid, blocked
    or unsubscribed number. ``code`` overrides the provider's usual error code.
    ``drop_after_read``: the provider takes the text, then the connection closes before the
    answer; ``drop_not_taken``: it closes after the request was read, the text not taken.
    """

    kind: FaultKind
    code: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """A send request the fake took (or refused), as it arrived."""

    at: float
    """``time.monotonic()`` on arrival."""
    sent_at: float
    """The fake's wall clock (:attr:`FakeProvider.clock`) on arrival: when the provider
    recorded the text, in its lookups."""
    path: str
    headers: Mapping[str, str]
    body: bytes
    fields: Mapping[str, str]
    """The request's fields, flattened to what a test checks (to, from, text…)."""
    accepted: bool
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Asked:
    """A request the fake got (a send, a lookup, a token…), as it arrived."""

    method: str
    path: str
    query: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Callback:
    """A callback the provider would make to us: post it with any HTTP client."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class FakeProvider(ABC):
    """A fake provider's server; ``async with fake:`` runs it, ``fake.url`` is its base URL."""

    delay: float = 0.0
    """Seconds before each answer."""
    faults: list[Fault] = field(default_factory=list)
    """Refusals for the next sends, in turn (then sends are taken)."""
    policy: Callable[[int], Fault | None] | None = None
    """Or a refusal (or None) for the n-th send (from 0), when ``faults`` is empty."""
    received: list[Received] = field(default_factory=list)
    asked: list[Asked] = field(default_factory=list)
    """Every request the fake got, in turn: sends, lookups, tokens."""
    clock: Callable[[], float] = time.time
    """The provider's wall clock (epoch seconds): it stamps the texts and the callbacks."""
    url: str = ""
    _runner: web.AppRunner | None = None

    @abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """Add the provider's send route(s) (and anything else its adapter calls)."""

    @abstractmethod
    def refusal(self, fault: Fault) -> web.Response:
        """The provider's answer for ``fault``."""

    @abstractmethod
    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        """A delivery report for ``message_id`` with the provider's own ``status`` value,
        signed (or authenticated) the provider's way, addressed to ``url``."""

    @abstractmethod
    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        """An inbound text, signed (or authenticated) the provider's way, to ``url``."""

    def next_fault(self) -> Fault | None:
        """The refusal for the send being answered, if any (call once per send)."""
        if self.faults:
            return self.faults.pop(0)
        if self.policy is not None:
            return self.policy(len(self.received))
        return None

    def accepted(self) -> list[Received]:
        """The sends the fake took (those whose answer it dropped included)."""
        return [item for item in self.received if item.accepted]

    async def take(
        self,
        request: web.Request,
        fields: Mapping[str, str],
        message_id: str,
        answer: Callable[[], web.Response],
    ) -> web.Response:
        """Record a checked send request, then answer it: a refusal when one is due, the
        connection closed for a drop, else ``answer()`` (after :attr:`delay`)."""
        arrived = time.monotonic()
        body = await request.read()
        fault = self.next_fault()
        taken = fault is None or fault.kind == "drop_after_read"
        self.received.append(
            Received(
                arrived,
                self.clock(),
                request.path,
                dict(request.headers),
                body,
                dict(fields),
                accepted=taken,
                message_id=message_id if taken else None,
            )
        )
        if fault is not None and fault.kind in DROPS:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)  # never reaches the client
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.refusal(fault) if fault else answer()

    def sent(self, message_id: str) -> Received | None:
        """The send the fake took as ``message_id``."""
        return next((item for item in self.accepted() if item.message_id == message_id), None)

    async def __aenter__(self) -> FakeProvider:
        app = web.Application(middlewares=[self._note])
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    @web.middleware
    async def _note(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.asked.append(Asked(request.method, request.path, dict(request.query)))
        return await handler(request)

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@contextmanager
def serving(fake: F) -> Iterator[F]:
    """Run ``fake`` on an event loop of its own in a thread, for synchronous callers (the
    command line runs its own loop)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.__aenter__(), loop).result(timeout=10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.__aexit__(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def webhook(callback: Callback) -> WebhookRequest:
    """The callback as our receive endpoint hands it to an adapter."""
    headers = {key.lower(): value for key, value in callback.headers.items()}
    query = dict(parse_qsl(urlsplit(callback.url).query, keep_blank_values=True))
    return WebhookRequest(callback.method, callback.url, headers, callback.body, query)


def rejected(status: int, body: Mapping[str, object] | str) -> web.Response:
    """A JSON (or text) error answer."""
    if isinstance(body, str):
        return web.Response(status=status, text=body)
    return web.json_response(dict(body), status=status)
