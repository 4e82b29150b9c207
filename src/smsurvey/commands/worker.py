"""``smsurvey worker``: the worker on its own, next to ``serve --no-worker`` processes."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.commands.common import console, user_errors
from smsurvey.commands.database import run_with_engine
from smsurvey.commands.server import process_settings


@user_errors
def worker(
    once: bool = typer.Option(
        False, "--once", help="Do what is due now (plan, send, expire), then exit."
    ),
    attached: bool = typer.Option(
        False,
        "--attached",
        hidden=True,
        help="Run as the worker of `smsurvey serve`: stdin wakes it, its end stops it.",
    ),
) -> None:
    """Run the worker: starts due distributions, plans and sends texts, processes provider
    callbacks, expires sessions. SIGTERM or Ctrl-C stops it cleanly: requests under way
    finish, texts it claimed go back to the queue at once."""
    from smsurvey.app import embedded
    from smsurvey.worker.child import follow_server
    from smsurvey.worker.planners import HelperPlanner
    from smsurvey.worker.runner import Worker

    settings = process_settings()

    async def main(_checked: AsyncEngine) -> int:
        # The app only takes the simulator's callbacks in-process; it serves nothing.
        _, runtime = embedded(settings)
        try:
            running = Worker(runtime, planner=HelperPlanner(runtime))
            if once:
                try:
                    return await running.drain()
                finally:
                    await running.close()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                if attached:  # the server stops it, once it has stopped serving
                    signal.signal(signum, signal.SIG_IGN)
                else:
                    loop.add_signal_handler(signum, stop.set)
            following = (
                asyncio.ensure_future(follow_server(runtime.wake, stop)) if attached else None
            )
            await running.run(stop)
            if following is not None:
                following.cancel()
            return 0
        finally:
            await runtime.aclose()

    if not once and not attached:
        console.print("smsurvey worker running; Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt):
        # run_with_engine creates or upgrades SQLite (and checks any other schema) first.
        steps = run_with_engine(main, settings)
        if once:
            console.print(f"Worker done ({steps} rounds)")
