"""Several worker processes on PostgreSQL share each sender's pace through Redis: the
provider's arrival times show no one-second window over it, although requests travel
slowly and unevenly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from smsurvey.kit.db import unit_of_work
from smsurvey.models.accounts import Sender
from smsurvey.models.connections import ProviderConnection
from smsurvey.models.workers import WorkerProcess
from tests.fakes.base import serving
from tests.fakes.twilio import FIELDS
from tests.messaging.harness import harness, queue_invitations
from tests.messaging.test_pacing import REDIS_URL, JitteryTwilio, busiest_window
from tests.support import found, invoke, run_sync

SMSURVEY = Path(sys.executable).with_name("smsurvey")
NUMBER = "+15005550006"
PACE = 4
TEXTS = 24
WORKERS = 3


async def _queue(database_url: str, connection_id: str) -> None:
    async with harness(database_url) as system, unit_of_work(system.runtime.engine) as session:
        organization = system.organization.id
        session.add(
            Sender(
                organization_id=organization,
                address=NUMBER,
                parts_per_second=Decimal(PACE),
                created_at=system.clock.now(),
            )
        )
        assert await session.get(ProviderConnection, connection_id) is not None
        numbers = [f"+1415555{n:04d}" for n in range(TEXTS)]
        queue_invitations(system, session, connection_id, NUMBER, numbers)
        assert await session.scalar(select(Sender.id).where(Sender.address == NUMBER))


async def _running(database_url: str) -> int:
    async with harness(database_url) as system:
        return len(await system.rows(WorkerProcess))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_workers_keep_one_pace(cli_env: str) -> None:
    with serving(JitteryTwilio(travel=0.2, seed=3)) as fake:
        fields = [arg for key, value in FIELDS.items() for arg in ("--field", f"{key}={value}")]
        added = invoke(
            "providers", "add", "twilio", "--name", "Main", "--sender", NUMBER, *fields,
            "--field", f"api_url={fake.url}",
        ).output  # fmt: skip
        env = {**os.environ, "SMSURVEY_REDIS_URL": REDIS_URL}
        workers = [
            subprocess.Popen([str(SMSURVEY), "worker"], env=env, stderr=subprocess.DEVNULL)
            for _ in range(WORKERS)
        ]
        try:
            # Texts are queued once every worker runs, so that they all take part.
            deadline = time.monotonic() + 120
            while run_sync(_running(cli_env)) < WORKERS and time.monotonic() < deadline:
                time.sleep(0.2)
            run_sync(_queue(cli_env, found(r"OC_\w{15}", added)))
            while len(fake.accepted()) < TEXTS and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        arrivals = [(item.at, 1) for item in fake.accepted()]

    assert sorted(item.fields["to"] for item in fake.accepted()) == [
        f"+1415555{n:04d}" for n in range(TEXTS)
    ]
    assert busiest_window(arrivals) <= PACE


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_without_redis_says_it_paces_alone(cli_env: str) -> None:
    ran = subprocess.run(
        [str(SMSURVEY), "worker", "--once"],
        env={k: v for k, v in os.environ.items() if k != "SMSURVEY_REDIS_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert "each worker process paces its senders alone" in ran.stderr
