"""The worker of ``smsurvey serve``, in a process of its own beside the server's.

The server and the worker are both busy Python, and one process runs Python on one core:
sharing it, a burst of API calls slows the send to a crawl and a big send slows every
answer. So ``serve`` runs the worker as a child process (``smsurvey worker --attached``)
and keeps it running:

* its stdin is a pipe from the server: a line is a wake-up naming its work (a webhook
  stored, a distribution created), so new work starts at once, not at the next look; the
  pipe's end (the server stopped, or died) stops the worker cleanly, and only that: it
  ignores the SIGINT and SIGTERM its process group gets, so the server stops it last;
* a worker that exits on its own is started again, after a pause that grows while it keeps
  failing (:data:`RESTART_PAUSES`); its texts are recovered by the next one as after any
  crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence

from smsurvey.kit.wakeup import Wakeup, Work, wait_for

log = logging.getLogger(__name__)

COMMAND = (sys.executable, "-m", "smsurvey", "worker", "--attached")
RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Seconds before starting a worker that exited again: the first, second … restart."""
HEALTHY_AFTER = 60.0
"""A worker that ran this long before it exited is restarted after the first pause again."""
STOP_TIMEOUT = 30.0
"""Seconds a stopping worker has to finish its requests before it is killed."""


class WorkerChild:
    """Runs and supervises the worker process, forwarding the server's wake-ups to it."""

    def __init__(self, wake: Wakeup, command: Sequence[str] = COMMAND) -> None:
        self._wakeups = {work: wake.subscribe(work) for work in Work}
        self._woken = wake.subscribe()
        self._command = tuple(command)

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a worker running until ``stop`` is set; then stop it (see the module)."""
        failures = 0
        while not stop.is_set():
            started = asyncio.get_running_loop().time()
            process = await asyncio.create_subprocess_exec(
                *self._command, stdin=asyncio.subprocess.PIPE
            )
            code = await self._attend(process, stop)
            if stop.is_set():
                return
            ran = asyncio.get_running_loop().time() - started
            failures = 1 if ran >= HEALTHY_AFTER else failures + 1
            pause = RESTART_PAUSES[min(failures, len(RESTART_PAUSES)) - 1]
            log.warning("the worker exited with code %s; starting it again in %g s", code, pause)
            await wait_for(stop, pause)

    async def _attend(self, process: asyncio.subprocess.Process, stop: asyncio.Event) -> int:
        """Forward wake-ups until the process exits or ``stop`` is set; its exit code."""
        assert process.stdin is not None
        exited = asyncio.ensure_future(process.wait())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not exited.done() and not stopping.done():
                woken = asyncio.ensure_future(self._woken.wait())
                await asyncio.wait({exited, stopping, woken}, return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
                self._woken.clear()
                lines = b""
                for work, event in self._wakeups.items():
                    if event.is_set():
                        event.clear()
                        lines += f"{work}\n".encode()
                if lines and not exited.done():
                    with contextlib.suppress(ConnectionError):
                        process.stdin.write(lines)
                        await process.stdin.drain()
            if not exited.done():
                await self._stop(process, exited)
            return await exited
        finally:
            stopping.cancel()

    @staticmethod
    async def _stop(process: asyncio.subprocess.Process, exited: asyncio.Future[int]) -> None:
        assert process.stdin is not None
        process.stdin.close()  # the worker's cue to finish and exit
        try:
            await asyncio.wait_for(asyncio.shield(exited), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("the worker did not stop within %g s; killing it", STOP_TIMEOUT)
            process.kill()


async def follow_server(wake: Wakeup, stop: asyncio.Event) -> None:
    """In an attached worker: each line on stdin names work that wakes its duties
    (:class:`~smsurvey.kit.wakeup.Work`); the end of stdin (the server stopped or died)
    sets ``stop``."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            with contextlib.suppress(ValueError):  # not a kind of work: nothing to wake
                wake.set(Work(line.decode(errors="replace").strip()))
    finally:
        stop.set()
