"""A worker process that is told to stop (``smsurvey worker`` on SIGTERM or SIGINT,
``smsurvey serve`` on SIGTERM) finishes the requests it started, gives back at once every
text it claimed and did not request, and leaves the workers table; the next worker sends
those texts, once each (SQLite, a slow fake Twilio)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smsurvey.kit.db import unit_of_work
from smsurvey.models.messaging import Message, MessageEvent
from smsurvey.models.workers import WorkerProcess
from smsurvey.settings import get_settings
from tests.fakes.base import serving
from tests.fakes.twilio import FIELDS, FakeTwilio
from tests.messaging.harness import harness, queue_invitations
from tests.support import found, invoke, run_sync
from tests.test_serve import free_port

SMSURVEY = Path(sys.executable).with_name("smsurvey")
NUMBER = "+15005550006"
TEXTS = 300
"""More than the worker requests at once (200 lanes): the rest wait, claimed."""


def phone(n: int) -> str:
    return f"+1415555{n:04d}"


async def _queue(database_url: str, connection_id: str) -> None:
    async with harness(database_url) as system, unit_of_work(system.runtime.engine) as session:
        queue_invitations(system, session, connection_id, NUMBER, [phone(n) for n in range(TEXTS)])


async def _states(database_url: str) -> tuple[Counter[str], int, int]:
    """Texts by send state, rows of the workers table, texts that were ever unknown."""
    async with harness(database_url) as system, system.runtime.sessions() as session:
        counted = select(Message.send_state, func.count()).group_by(Message.send_state)
        states = Counter(
            {str(state): int(count) for state, count in await session.execute(counted)}
        )
        workers = await session.scalar(select(func.count()).select_from(WorkerProcess))
        unknown = await session.scalar(
            select(func.count()).select_from(MessageEvent).where(MessageEvent.status == "Unknown")
        )
        return states, workers or 0, unknown or 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("command", "signum"),
    [("worker", signal.SIGTERM), ("worker", signal.SIGINT), ("serve", signal.SIGTERM)],
    ids=["worker-SIGTERM", "worker-SIGINT", "serve-SIGTERM"],
)
def test_a_stopped_worker_gives_back_what_it_claimed_at_once(
    cli_env: str, command: str, signum: signal.Signals, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSURVEY_PACING", "false")  # every worker here, in process too
    get_settings.cache_clear()
    env = {**os.environ, "SMSURVEY_LOG_LEVEL": "warning"}
    with serving(FakeTwilio(delay=1.5)) as fake:
        fields = [arg for key, value in FIELDS.items() for arg in ("--field", f"{key}={value}")]
        added = invoke(
            "providers", "add", "twilio", "--name", "Main", "--sender", NUMBER, *fields,
            "--field", f"api_url={fake.url}",
        ).output  # fmt: skip
        run_sync(_queue(cli_env, found(r"OC_\w{15}", added)))
        options = ["--port", str(free_port())] if command == "serve" else []
        with Path("worker.log").open("wb") as log:  # not a pipe: a full one would stall it
            worker = subprocess.Popen([str(SMSURVEY), command, *options], env=env, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while not fake.received and time.monotonic() < deadline:
                time.sleep(0.02)
            assert fake.received, "the worker sent nothing"
            worker.send_signal(signum)
            worker.wait(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
        # uvicorn raises the signal again once it has shut down.
        expected = 0 if command == "worker" else -signum
        assert worker.returncode == expected, Path("worker.log").read_text()

        requested = len(fake.received)
        states, workers, unknown = run_sync(_states(cli_env))
        assert 0 < requested < TEXTS
        assert states == {"sent": requested, "queued": TEXTS - requested}
        assert (workers, unknown) == (0, 0)

        invoke("worker", "--once")
        got = Counter(item.fields["to"] for item in fake.accepted())
    assert got == {phone(n): 1 for n in range(TEXTS)}
