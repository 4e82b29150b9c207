"""The worker: every background duty of smsurvey, run inside ``serve`` or on its own.

Running (:meth:`Worker.run`), the duties go concurrently, each at its own pace, so that a
long send never holds up the next question of a conversation:

* the sender loop (:mod:`smsurvey.messaging.sender`): claims queued texts, hands them to
  providers, records the outcomes;
* starting due distributions and planning them (their next occurrence too);
* the webhook inbox (:mod:`smsurvey.messaging.inbox`): the delivery reports and inbound
  texts the receive endpoints stored, processed in arrival order;
* saying the worker is alive, and the recovery sweep (:mod:`smsurvey.messaging.recovery`):
  what stopped workers held goes back to the queue, or becomes ``unknown``;
* reconciliation (:mod:`smsurvey.messaging.reconcile`): asking providers about
  ``unknown`` texts;
* pruning the inbox: processed events older than ``SMSURVEY_WEBHOOK_RETENTION_HOURS``;
* chores: the simulator's reports, event deliveries (webhooks out), holding and releasing
  the texts of paused, closed or expired surveys, session expiry, long texts whose parts
  stopped coming.

At start-up it first recovers and reconciles, before it sends anything. Stopping (``stop``
set: SIGTERM or SIGINT for ``smsurvey worker``, shutdown for ``serve``) it starts no new
request, lets the requests under way finish and records them, gives every text it claimed
but did not request back to the queue at once, and removes its row from the workers table.

:meth:`Worker.step` does one round of every duty in turn, for ``worker --once``, the demo
and the tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from smsurvey.distributions.holds import hold_for_surveys
from smsurvey.distributions.planning import schedule_next_occurrence
from smsurvey.distributions.service import fail_distribution, in_progress, start_due
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import SmsurveyError
from smsurvey.kit.wakeup import Work, wait_for
from smsurvey.messaging.inbound import flush_stale_parts
from smsurvey.messaging.inbox import process_inbox, prune_inbox
from smsurvey.messaging.pacing import Pacer
from smsurvey.messaging.precedence import Precedence
from smsurvey.messaging.reconcile import reconcile_due
from smsurvey.messaging.recovery import recover_claims
from smsurvey.messaging.sender import SenderLoop
from smsurvey.messaging.sessions import expire_sessions
from smsurvey.models.distributions import Distribution
from smsurvey.responses.subscriptions import deliver_due
from smsurvey.runtime import Runtime
from smsurvey.worker.planners import InProcessPlanner, Planner
from smsurvey.worker.registry import HEARTBEAT, WorkerIdentity, heartbeat, register, unregister

log = logging.getLogger(__name__)

PLAN_EVERY = 0.5
CHORES_EVERY = 0.5
RECONCILE_EVERY = 1.0
INBOX_EVERY = 0.25
"""Seconds between looks at the webhook inbox when nothing wakes the worker (webhooks taken
by other processes)."""
INBOX_BATCH = 100
PRUNE_EVERY = 60.0
"""Seconds between rounds of inbox pruning (at once again while a round deletes some)."""


class Worker:
    """Starts due distributions, plans and sends them, reconciles, recovers, expires."""

    def __init__(self, runtime: Runtime, planner: Planner | None = None) -> None:
        self.runtime = runtime
        self._planner = planner or InProcessPlanner(runtime)
        self.me = WorkerIdentity.of_this_process()
        settings = runtime.settings
        self._silence = timedelta(seconds=settings.worker_silence)
        self._settle = timedelta(seconds=settings.reconcile_after)
        self._keep_webhooks = timedelta(hours=settings.webhook_retention_hours)
        self._pacer = Pacer.for_settings(settings) if settings.pacing else None
        self._precedence = Precedence()
        self.sender = SenderLoop(
            runtime.sessions,
            runtime.providers,
            runtime.clock,
            me=self.me.id,
            pacer=self._pacer,
            precedence=self._precedence,
            settle=self._settle,
        )
        self._registered = False
        self._planned = runtime.wake.subscribe(Work.SEND)
        """Set when texts were queued (for :meth:`step`'s sending while it plans)."""

    # -- one round of everything (worker --once, demo, tests) ---------------------------

    async def step(self) -> int:
        """One round of every duty; returns how much it did (0 when there was nothing)."""
        done = await self._stay_alive()
        done += await self._reconcile()
        done += await self._process_inbox()
        started = await self._start_due()
        # Every chunk is planned while the texts already queued go out.
        planning = asyncio.ensure_future(self._plan_all_rounds())
        sent = await self.sender.drain(feeding=planning, wake=self._planned)
        done += started + await planning + sent + await self._chores()
        return done + await self._prune_inbox()

    async def drain(self, limit: int = 1000) -> int:
        """Step until nothing is left to do now (for the demo and tests); returns the steps."""
        for steps in range(1, limit + 1):
            if not await self.step():
                return steps
        raise RuntimeError(f"the worker was still busy after {limit} steps")

    async def close(self) -> None:
        """Say this worker stopped (what it held was given back or written), and let go of
        the shared pace's connection and of the planning helper."""
        if self._registered:
            async with unit_of_work(self.runtime.engine) as session:
                await unregister(session, self.me)
            self._registered = False
        if self._pacer is not None:
            await self._pacer.aclose()
        await self._planner.aclose()

    # -- running ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run every duty concurrently until ``stop`` is set, then stop cleanly."""
        await self._stay_alive()
        await self._reconcile()
        wake = self.runtime.wake
        try:
            await asyncio.gather(
                self.sender.run(stop, wake.subscribe(Work.SEND), wake.subscribe(Work.SEND)),
                self._every(stop, PLAN_EVERY, self._plan_all, wake.subscribe(Work.PLAN)),
                self._every(stop, HEARTBEAT.total_seconds(), self._stay_alive),
                self._every(stop, RECONCILE_EVERY, self._reconcile),
                self._every(stop, INBOX_EVERY, self._process_inbox, wake.subscribe(Work.INBOX)),
                self._every(stop, CHORES_EVERY, self._chores),
                self._every(stop, PRUNE_EVERY, self._prune_inbox),
            )
        finally:
            await self.close()

    async def _every(
        self,
        stop: asyncio.Event,
        seconds: float,
        duty: Callable[[], Awaitable[int]],
        wake: asyncio.Event | None = None,
    ) -> None:
        """Do ``duty`` until ``stop``: again at once while it finds work, else after
        ``seconds`` (or when ``wake`` is set)."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                try:
                    busy = await duty()
                except Exception:  # a bad round must not stop the others, nor this one
                    log.exception("worker duty failed", extra={"duty": duty.__name__})
                    busy = 0
                if busy:
                    continue
                waits = [stopping] + ([asyncio.ensure_future(wake.wait())] if wake else [])
                await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
                if wake is not None:
                    waits[-1].cancel()
                    await wait_for(wake, 0)
        finally:
            stopping.cancel()

    # -- the duties ---------------------------------------------------------------------

    async def _stay_alive(self) -> int:
        """Say this worker is alive, and recover what stopped workers held."""
        runtime = self.runtime
        now = runtime.clock.now()
        async with unit_of_work(runtime.engine) as session:
            if self._registered:
                await heartbeat(session, self.me, now)
            else:
                await register(session, self.me, now)
                self._registered = True
            return await recover_claims(
                session, self.me, now, silence=self._silence, settle=self._settle
            )

    async def _reconcile(self) -> int:
        runtime = self.runtime
        return await reconcile_due(runtime.sessions, runtime.providers, runtime.clock)

    async def _process_inbox(self) -> int:
        """Process the delivery reports and texts the receive endpoints stored, bulk
        sending held back meanwhile."""
        with self._precedence.urgent():
            return await process_inbox(self.runtime, limit=INBOX_BATCH)

    async def _prune_inbox(self) -> int:
        """Delete a batch of processed inbox events past their retention."""
        runtime = self.runtime
        async with unit_of_work(runtime.engine) as session:
            return await prune_inbox(session, runtime.clock.now(), self._keep_webhooks)

    async def _plan_all(self) -> int:
        return await self._start_due() + await self._plan_round()

    async def _start_due(self) -> int:
        async with unit_of_work(self.runtime.engine) as session:
            started = await start_due(session, self.runtime.clock.now())
            for distribution_id in started:
                distribution = await session.get(Distribution, distribution_id)
                assert distribution is not None
                await schedule_next_occurrence(session, distribution)
        return len(started)

    async def _plan_all_rounds(self) -> int:
        """Plan chunks until every distribution in progress is planned."""
        total = 0
        while planned := await self._plan_round():
            total += planned
        return total

    async def _plan_round(self) -> int:
        """Plan a chunk of each distribution in progress; returns the recipients looked at."""
        async with unit_of_work(self.runtime.engine) as session:
            planning = await in_progress(session)
        return sum([await self._plan(distribution_id) for distribution_id in planning])

    async def _plan(self, distribution_id: str) -> int:
        """Plan a chunk of a distribution; one that cannot be planned is marked Failed."""
        runtime = self.runtime
        try:
            planned = await self._planner.plan(distribution_id)
        except Exception as error:
            log.exception("planning failed", extra={"distribution_id": distribution_id})
            reason = (
                str(error) if isinstance(error, SmsurveyError) else "internal error: see the log"
            )
            async with unit_of_work(runtime.engine) as session:
                await fail_distribution(session, distribution_id, reason)
            return 1
        if planned:
            runtime.wake.set(Work.SEND)
        return planned

    async def _chores(self) -> int:
        """The simulator's reports, event deliveries, session expiry, stale long texts."""
        runtime = self.runtime
        done = await runtime.simulator.pump()
        done += await deliver_due(
            runtime.sessions, runtime.http, runtime.secret, runtime.clock.now()
        )
        async with unit_of_work(runtime.engine) as session:
            done += await hold_for_surveys(session, runtime)
            done += await expire_sessions(session, runtime)
            done += await flush_stale_parts(session, runtime)
        return done
