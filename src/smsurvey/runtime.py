"""The composition root: what a running smsurvey (server, worker, demo) is made of."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.db import create_engine, session_factory
from smsurvey.kit.http import SharedSession
from smsurvey.kit.secrets import secret_key
from smsurvey.kit.wakeup import Wakeup
from smsurvey.providers.base import Provider
from smsurvey.providers.directory import ProviderDirectory
from smsurvey.providers.simulator import Deliver, Simulator, parse_behaviours, signing_key
from smsurvey.settings import Settings
from smsurvey.sms.credits import CreditRates, load_rates


@dataclass
class Runtime:
    """Settings, database, clock, providers and rates shared by a process's parts.

    ``wake`` is set when there is new work (texts queued, a distribution created, webhooks
    stored), so the worker's duties need not wait for their next poll to send the next
    question of a conversation.
    """

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    rates: CreditRates
    simulator: Simulator
    providers: ProviderDirectory
    """Adapters by name: the simulator, and organisations' connections (``OC_…``)."""
    secret: bytes
    """Signs link tokens (``smsurvey.kit.tokens``) and encrypts credentials at rest."""
    http: SharedSession
    """The process's pooled HTTP session for providers and webhooks."""
    wake: Wakeup = field(default_factory=Wakeup)
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def session_length(self) -> timedelta:
        """How long a 2-way session stays open."""
        return timedelta(hours=self.settings.session_hours)

    async def aclose(self) -> None:
        """Release connections and clients."""
        for close in reversed(self._closers):
            await close()
        await self.engine.dispose()


def asgi_deliver(app: Callable[..., Awaitable[None]]) -> tuple[Deliver, httpx.AsyncClient]:
    """Callbacks posted straight into ``app`` (the same receive endpoints, no network hop)."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://smsurvey.internal", timeout=30
    )

    async def deliver(path: str, body: bytes, headers: Mapping[str, str]) -> int:
        response = await client.post(path, content=body, headers=dict(headers))
        return response.status_code

    return deliver, client


async def _nowhere(path: str, body: bytes, headers: Mapping[str, str]) -> int:
    raise RuntimeError(f"this process serves no app to take the simulator's callback {path}")


def build_runtime(
    settings: Settings,
    app: Callable[..., Awaitable[None]] | None = None,
    *,
    clock: Clock = system_clock,
    seed: int | None = None,
) -> Runtime:
    """A runtime whose simulator posts its callbacks into ``app`` (a command-line process
    has none: its simulator only takes texts, the server's worker sends them)."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    deliver, client = asgi_deliver(app) if app is not None else (_nowhere, None)
    key = secret_key(settings)
    simulator = Simulator(
        sessions,
        deliver,
        clock,
        secret=signing_key(key),
        delay=timedelta(milliseconds=settings.simulator_delay_ms),
        behaviours=parse_behaviours(settings.simulator_behaviours),
        seed=seed,
    )
    http = SharedSession()
    builtin: dict[str, Provider] = {simulator.name: simulator} if settings.simulator_enabled else {}
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        rates=load_rates(settings.credit_rates_file),
        simulator=simulator,
        providers=ProviderDirectory(sessions, key, settings.public_url, http, builtin=builtin),
        secret=key,
        http=http,
    )
    runtime._closers.append(http.aclose)
    if client is not None:
        runtime._closers.append(client.aclose)
    return runtime
