"""``smsurvey worker``: the worker on its own, next to ``serve --no-worker`` processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import typer

from smsurvey.commands.common import console, fail
from smsurvey.kit.errors import SmsurveyError
from smsurvey.kit.secrets import secret_key
from smsurvey.settings import get_settings


def worker(
    once: bool = typer.Option(
        False, "--once", help="Do what is due now (plan, send, expire), then exit."
    ),
) -> None:
    """Run the worker: starts due distributions, plans and sends texts, expires sessions."""
    from smsurvey.app import embedded
    from smsurvey.worker.runner import Worker

    settings = get_settings()
    try:
        secret_key(settings)
    except SmsurveyError as error:
        raise fail(str(error)) from None
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )

    async def main() -> int:
        # The app only takes the simulator's callbacks in-process; it serves nothing.
        _, runtime = embedded(settings)
        try:
            running = Worker(runtime)
            if once:
                return await running.drain()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await running.run(stop)
            return 0
        finally:
            await runtime.aclose()

    if not once:
        console.print("smsurvey worker running; Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt):
        steps = asyncio.run(main())
        if once:
            console.print(f"Worker done ({steps} rounds)")
