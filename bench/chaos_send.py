"""Chaos: an invitation sent through crashes and dropped connections, counted at the provider.

A 10,000-recipient invitation goes through a Twilio connection to the recording fake
Twilio of ``tests/fakes/`` on 127.0.0.1 (it also answers Twilio's Messages list and
fetch, which reconciliation asks). Three runs:

* SQLite, one ``smsurvey worker``;
* PostgreSQL, two workers;

a worker killed with SIGKILL 20 times in all, at a random moment (0.05–0.6 s) after
requests started reaching the fake, and started again;

* SQLite, one worker, no kills, the fake closing 10 % of connections after it read the
  request (the text is taken; the answer never comes).

Then the workers run until nothing is queued, in flight or being asked about. Per run it
prints how many recipients the provider got the text for once, never, twice or more, and
how many texts were left unknown. Target: 0 never, 0 twice, 0 unknown.

    .venv/bin/python bench/chaos_send.py [--recipients N] [--kills N] [--seed N]

Last line: JSON with one object per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import text

from send_throughput import SMSURVEY, prepare_invitation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.base import Fault, serving
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.postgres import scratch_database

from smsurvey.kit.db import create_engine

SETTLE_SECONDS = "2"
SILENCE_SECONDS = "3"
FINISH_TIMEOUT = 600.0
UNSETTLED = ("planning", "queued", "held", "claimed", "sending", "unknown")


@dataclass
class Outcome:
    """What the provider got, per recipient, and what was left unknown."""

    run: str
    recipients: int
    once: int
    never: int
    twice_or_more: int
    unknown: int
    were_unknown: int
    """Texts that were unknown on the way (mid-request at a kill, or dropped) and were
    reconciled."""
    dropped: int
    kills: int
    seconds: float


async def _scalar_rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(query))]
    finally:
        await engine.dispose()


def _states(url: str) -> Counter[str]:
    """Texts by send state, ``planning`` 1 while the distribution is being planned, and
    ``were_unknown`` the texts that were unknown at some point."""
    rows = asyncio.run(
        _scalar_rows(
            url,
            "SELECT send_state, COUNT(*) FROM messages GROUP BY send_state"
            " UNION ALL SELECT 'planning', COUNT(*) FROM distributions"
            " WHERE status IN ('Scheduled', 'In progress')"
            " UNION ALL SELECT 'were_unknown', COUNT(DISTINCT message_id) FROM message_events"
            " WHERE status = 'Unknown'",
        )
    )
    return Counter({str(state): int(str(count)) for state, count in rows})


@contextmanager
def _database(kind: str, work: Path) -> Iterator[str]:
    """A fresh database of ``kind``: its URL (dropped afterwards, for PostgreSQL)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{work}/chaos.db"
        return
    with scratch_database(f"smsurvey_chaos_{os.getpid()}") as url:
        yield url


class Workers:
    """``smsurvey worker`` processes that can be killed and started again."""

    def __init__(self, env: dict[str, str], count: int) -> None:
        self._env = env
        self.processes = [self._start() for _ in range(count)]

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [str(SMSURVEY), "worker"], env=self._env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL a worker at random and start another in its place."""
        n = rng.randrange(len(self.processes))
        self.processes[n].send_signal(signal.SIGKILL)
        self.processes[n].wait()
        self.processes[n] = self._start()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


def _sending_again(fake: FakeTwilio, wait: float = 10.0) -> None:
    """Until the fake takes a new request (a restarted worker is sending), or ``wait``."""
    seen = len(fake.received)
    deadline = time.monotonic() + wait
    while len(fake.received) == seen and time.monotonic() < deadline:
        time.sleep(0.01)


def chaos_run(
    name: str, kind: str, workers: int, kills: int, recipients: int, drop: float, seed: int
) -> Outcome:
    """One run (see the module docstring); returns what the provider got."""
    rng = random.Random(seed)
    dropping = random.Random(seed + 1)

    dropped = 0

    def policy(_: int) -> Fault | None:
        nonlocal dropped
        if dropping.random() >= drop:
            return None
        dropped += 1
        return Fault("drop_after_read")

    fake = FakeTwilio(policy=policy if drop else None)
    with (
        serving(fake),
        tempfile.TemporaryDirectory(prefix="bench-chaos-") as work,
        _database(kind, Path(work)) as url,
    ):
        env = {
            **os.environ,
            "SMSURVEY_DATABASE_URL": url,
            "SMSURVEY_SECRET_KEY": "bench-chaos-" + "k" * 40,
            "SMSURVEY_PACING": "false",
            "SMSURVEY_LOG_LEVEL": "warning",
            "SMSURVEY_RECONCILE_AFTER": SETTLE_SECONDS,
            "SMSURVEY_WORKER_SILENCE": SILENCE_SECONDS,
        }
        subprocess.run([str(SMSURVEY), "migrate"], env=env, check=True, capture_output=True)
        prepare_invitation(env, fake.url, recipients, Path(work), (ACCOUNT_SID, AUTH_TOKEN))
        started = time.monotonic()
        running = Workers(env, workers)
        try:
            for _ in range(kills):
                _sending_again(fake)
                time.sleep(rng.uniform(0.05, 0.6))
                running.kill_one(rng)
            deadline = time.monotonic() + FINISH_TIMEOUT
            while time.monotonic() < deadline:
                states = _states(url)
                if not any(states[state] for state in UNSETTLED):
                    break
                time.sleep(0.5)
        finally:
            running.stop()
        seconds = time.monotonic() - started
        states = _states(url)
    got = Counter(item.fields["to"] for item in fake.received if item.accepted)
    return Outcome(
        run=name,
        recipients=recipients,
        once=sum(1 for count in got.values() if count == 1),
        never=recipients - len(got),
        twice_or_more=sum(1 for count in got.values() if count > 1),
        unknown=states["unknown"] + states["undecided"],
        were_unknown=states["were_unknown"],
        dropped=dropped,
        kills=kills,
        seconds=round(seconds, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    runs = [
        ("sqlite, 1 worker, kills", "sqlite", 1, options.kills, 0.0),
        ("postgresql, 2 workers, kills", "postgresql", 2, options.kills, 0.0),
        ("sqlite, 1 worker, 10 % dropped after read", "sqlite", 1, 0, 0.1),
    ]
    outcomes = []
    for name, kind, workers, kills, drop in runs:
        outcome = chaos_run(name, kind, workers, kills, options.recipients, drop, options.seed)
        outcomes.append(outcome)
        print(
            f"{name:44} once {outcome.once:6,}  never {outcome.never:4,}  "
            f"twice+ {outcome.twice_or_more:4,}  unknown {outcome.unknown:4,}  "
            f"({outcome.kills} kills, {outcome.dropped:,} dropped, {outcome.were_unknown:,}"
            f" reconciled, {outcome.seconds:.0f} s)",
            flush=True,
        )
    print(json.dumps([asdict(outcome) for outcome in outcomes]))


if __name__ == "__main__":
    main()
