"""Where the worker plans distributions: in its own process, or in a helper process beside it.

Planning a chunk is Python work (rows read, texts rendered, measured, priced, inserted),
about as much per recipient as sending the text. In the process that sends, it takes the
core the sends need; :class:`HelperPlanner` (what ``smsurvey worker`` uses) plans a large
distribution in a process of its own instead, on another core, while the worker sends.

A chunk is one transaction wherever it runs, so a helper that dies (killed, out of memory)
loses at most its chunk in progress, which SQLite or PostgreSQL rolls back: the next chunk
starts from the distribution's cursor, in a new helper, and nobody is planned twice.
Small distributions (a chunk or less) are planned at once in the worker: a helper is only
started once a distribution needs more than one chunk, and the worker goes on planning
itself while the helper starts.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from smsurvey.distributions.planning import CHUNK, plan_chunk
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.logs import set_up_logging
from smsurvey.runtime import Runtime, build_runtime
from smsurvey.settings import Settings

log = logging.getLogger(__name__)


HELPER_NICENESS = 10
"""How much lower the helper's scheduling priority is than the worker's (``nice``)."""


class Planner(Protocol):
    """Plans the next chunk of a distribution in progress."""

    async def plan(self, distribution_id: str) -> int:
        """Plan a chunk; returns how many recipients it looked at (0 once it is planned)."""
        ...

    async def aclose(self) -> None:
        """Stop planning (a chunk under way is finished first)."""
        ...


class InProcessPlanner:
    """Plans in the calling process, with its runtime (tests, the demo, small chunks)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def plan(self, distribution_id: str) -> int:
        """Plan a chunk in one transaction of this process."""
        async with unit_of_work(self._runtime.engine) as session:
            return await plan_chunk(session, self._runtime, distribution_id)

    async def aclose(self) -> None:
        """Nothing to stop."""


class HelperPlanner:
    """Plans in a helper process once a distribution needs more than one chunk (see the
    module docstring); until the helper is up, and after it died, in this process."""

    def __init__(self, runtime: Runtime) -> None:
        self._here = InProcessPlanner(runtime)
        self._settings = runtime.settings
        self._pool: ProcessPoolExecutor | None = None
        self._up: asyncio.Future[int] | None = None
        self._cannot_start = False
        self._starting: asyncio.Task[None] | None = None
        self.helped = 0
        """Chunks the helper planned."""

    async def plan(self, distribution_id: str) -> int:
        """Plan a chunk in the helper when it is up, else here (and start the helper when
        the distribution has more chunks to come)."""
        if self._pool is not None and self._up is not None and self._up.done():
            if self._up.exception() is None:
                try:
                    planned = await asyncio.wrap_future(
                        self._pool.submit(_plan_in_helper, distribution_id)
                    )
                except BrokenProcessPool:
                    log.warning("the planning helper stopped: the worker plans until another is up")
                else:
                    self.helped += 1
                    return planned
            self._drop_pool()
        planned = await self._here.plan(distribution_id)
        if planned >= CHUNK and self._pool is None and not self._cannot_start:
            self._starting = asyncio.create_task(self._start_quietly())
        return planned

    async def start(self) -> int:
        """Start the helper unless it runs; returns its process id once it is up."""
        if self._pool is None or self._up is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_helper,
                initargs=(self._settings,),
            )
            self._up = asyncio.wrap_future(self._pool.submit(os.getpid))
        return await asyncio.shield(self._up)

    async def _start_quietly(self) -> None:
        try:
            helper = await self.start()
        except Exception as error:  # planning goes on here: slower, not wrong
            self._cannot_start = True
            log.warning("the planning helper did not start (%r): the worker plans", error)
        else:
            log.info("planning helper started", extra={"pid": helper})

    def _drop_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._up = None

    async def aclose(self) -> None:
        """Stop the helper once its chunk under way is written."""
        if self.helped:
            log.info("the planning helper planned %d chunks", self.helped)
        if self._pool is not None:
            pool = self._pool
            self._pool = self._up = None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


# -- in the helper process ---------------------------------------------------------------

_helper: tuple[asyncio.AbstractEventLoop, InProcessPlanner] | None = None


def _start_helper(settings: Settings) -> None:
    """The helper's own event loop and runtime on the worker's settings, at a lower
    priority: planning is batch work, which should take the cores the server and the sends
    leave idle, not theirs. Signals to the process group (Ctrl-C, a service manager's
    SIGTERM) are the worker's to act on: it stops the helper after its chunk under way. A
    helper whose worker died exits."""
    global _helper
    os.nice(HELPER_NICENESS)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    set_up_logging(settings.log_level)
    threading.Thread(target=_exit_with_worker, daemon=True).start()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _helper = (loop, InProcessPlanner(build_runtime(settings)))


def _exit_with_worker() -> None:
    """Exit once the worker has: a chunk under way is rolled back, as after a crash."""
    worker = multiprocessing.parent_process()
    assert worker is not None, "a spawned process knows its parent"
    worker.join()
    os._exit(1)


def _plan_in_helper(distribution_id: str) -> int:
    assert _helper is not None, "the helper was not started"
    loop, planner = _helper
    return loop.run_until_complete(planner.plan(distribution_id))
