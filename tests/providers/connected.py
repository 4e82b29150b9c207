"""A running smsurvey whose texts go through one provider's fake on 127.0.0.1 (or through the
simulator), for the tests that post that provider's callbacks to our receive endpoints."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from smsurvey.kit.db import unit_of_work
from smsurvey.providers.connections import NewConnection, add_connection
from smsurvey.providers.simulator import signing_key
from smsurvey.sandbox import DEFAULT_START
from tests.fakes.base import Callback, FakeProvider
from tests.messaging.harness import EXAMPLE, Harness, SimulatorCallbacks
from tests.providers.contract import ProviderCase

OUR_NUMBER = "+15005550006"


class Callbacks(Protocol):
    """What makes a provider's signed callbacks (its fake, or the simulator's stand-in)."""

    def status_callback(self, url: str, message_id: str, status: str) -> Callback: ...

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback: ...


@dataclass
class Connected:
    """A running system whose texts go through the provider, and that provider's side."""

    system: Harness
    provider: str
    """The provider's segment in our receive URLs."""
    connection: str
    """What the texts name their provider by: the connection's id (or ``simulator``)."""
    our_number: str
    callbacks: Callbacks
    texts_to: Callable[[str], Awaitable[int]]
    """How many texts the provider took for a phone number."""
    fake: FakeProvider | None = None

    def report(
        self, provider_message_id: str, status: str, *, organization: str | None = None
    ) -> Callback:
        """The provider's signed report on one of its texts, to our receive URL (of another
        ``organization``'s, when named)."""
        url = self.system.receive_url("status", self.provider)
        if organization is not None:
            url = url.replace(self.system.organization.id, organization)
        with self._real_time():
            return self.callbacks.status_callback(url, provider_message_id, status)

    def inbound(self, sender: str, text: str) -> Callback:
        """The provider's signed callback of a text ``sender`` sent to our number."""
        url = self.system.receive_url("message", self.provider)
        with self._real_time():
            return self.callbacks.inbound_callback(url, sender, self.our_number, text)

    @contextmanager
    def _real_time(self) -> Iterator[None]:
        """Callbacks are signed at the real time: our adapters check how fresh a signature
        is against the real clock."""
        if self.fake is None:
            yield
            return
        clock, self.fake.clock = self.fake.clock, time.time
        try:
            yield
        finally:
            self.fake.clock = clock


async def connect(system: Harness, case: ProviderCase, fake: FakeProvider, org: str) -> str:
    """Connect organisation ``org`` to ``fake`` as ``case``'s provider; the connection's id."""
    async with unit_of_work(system.runtime.engine) as session:
        fields = {**case.fields, "api_url": fake.url}
        new = NewConnection("Ours", case.name, OUR_NUMBER, fields)
        added = await add_connection(session, system.runtime.secret, org, new, system.clock.now())
        return added.id


@asynccontextmanager
async def connected(
    database_url: str, case: ProviderCase | None, *, start: datetime = DEFAULT_START
) -> AsyncIterator[Connected]:
    """A fresh system from ``start`` sending through ``case``'s fake (``None``: the
    simulator). The fake records the texts it takes at the system's time, as the provider
    would, so that reconciliation finds them where it asks."""
    async with AsyncExitStack() as stack:
        system = await stack.enter_async_context(Harness.open(database_url, start=start))
        assert isinstance(system, Harness)
        system.survey_id = await system.import_survey(EXAMPLE)
        if case is None:
            simulator = SimulatorCallbacks(signing_key(system.runtime.secret))

            async def handset(phone: str) -> int:
                return len(await system.inbox(phone))

            yield Connected(system, "simulator", "simulator", system.our_number, simulator, handset)
            return
        fake = case.fake()
        fake.clock = lambda: system.clock.now().timestamp()
        await stack.enter_async_context(fake)
        connection = await connect(system, case, fake, system.organization.id)

        async def taken(phone: str) -> int:
            return sum(sent.fields["to"].lstrip("+") == phone[1:] for sent in fake.accepted())

        yield Connected(system, case.name, connection, OUR_NUMBER, fake, taken, fake)
