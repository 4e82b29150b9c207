"""The worker: every background duty in one loop, run inside ``serve`` or on its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from smsurvey.distributions.planning import plan_chunk, schedule_next_occurrence
from smsurvey.distributions.service import fail_distribution, in_progress, start_due
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import SmsurveyError
from smsurvey.messaging.inbound import flush_stale_parts
from smsurvey.messaging.pacing import Pacer
from smsurvey.messaging.sender import SenderLoop
from smsurvey.messaging.sessions import expire_sessions
from smsurvey.messaging.statuses import recover_claims
from smsurvey.models.distributions import Distribution
from smsurvey.responses.subscriptions import deliver_due
from smsurvey.runtime import Runtime

log = logging.getLogger(__name__)


class Worker:
    """Starts due distributions, plans them, sends, pumps the simulator, expires sessions."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sender = SenderLoop(
            runtime.sessions,
            runtime.providers,
            runtime.clock,
            pacer=Pacer() if runtime.settings.pacing else None,
        )

    async def step(self) -> int:
        """One round of every duty; returns how much it did (0 when there was nothing)."""
        runtime = self.runtime
        async with unit_of_work(runtime.engine) as session:
            started = await start_due(session, runtime.clock.now())
            for distribution_id in started:
                distribution = await session.get(Distribution, distribution_id)
                assert distribution is not None
                await schedule_next_occurrence(session, distribution)
            planning = await in_progress(session)
        # The next chunks are planned while the texts already queued go out.
        planned, sent = await asyncio.gather(self._plan_each(planning), self.sender.drain())
        done = len(started) + planned + sent
        done += await runtime.simulator.pump()
        done += await deliver_due(
            runtime.sessions, runtime.http, runtime.secret, runtime.clock.now()
        )
        async with unit_of_work(runtime.engine) as session:
            done += await expire_sessions(session, runtime)
            done += await flush_stale_parts(session, runtime)
            done += await recover_claims(session, runtime.providers, runtime.clock.now())
        return done

    async def _plan_each(self, distribution_ids: list[str]) -> int:
        """Plan a chunk of each distribution; returns how many recipients were looked at."""
        return sum([await self._plan(distribution_id) for distribution_id in distribution_ids])

    async def _plan(self, distribution_id: str) -> int:
        """Plan a chunk of a distribution; one that cannot be planned is marked Failed."""
        runtime = self.runtime
        try:
            async with unit_of_work(runtime.engine) as session:
                return await plan_chunk(session, runtime, distribution_id)
        except Exception as error:
            log.exception("planning failed", extra={"distribution_id": distribution_id})
            reason = (
                str(error) if isinstance(error, SmsurveyError) else "internal error: see the log"
            )
            async with unit_of_work(runtime.engine) as session:
                await fail_distribution(session, distribution_id, reason)
            return 1

    async def drain(self, limit: int = 1000) -> int:
        """Step until nothing is left to do now (for the demo and tests); returns the steps."""
        for steps in range(1, limit + 1):
            if not await self.step():
                return steps
        raise RuntimeError(f"the worker was still busy after {limit} steps")

    async def run(self, stop: asyncio.Event, idle: float = 0.2) -> None:
        """Step until ``stop`` is set, sleeping ``idle`` seconds (or until woken) when idle."""
        while not stop.is_set():
            try:
                busy = await self.step()
            except Exception:  # a bad round must not stop the server's sending
                log.exception("worker step failed")
                busy = 0
            if not busy:
                self.runtime.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.runtime.wake.wait(), idle)
