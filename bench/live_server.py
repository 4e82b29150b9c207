"""What the load benchmarks share: the embedded default served for real.

``smsurvey serve`` on 127.0.0.1 — a SQLite file, its worker in a process of its own,
pacing off — sending through a Twilio connection to nginx's Twilio look-alike
(``fake_twilio.py``), set up with the real commands. The benchmarks load it over HTTP
from their own process and read what happened from the database afterwards.
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fake_twilio import ACCOUNT_SID, AUTH_TOKEN
from send_throughput import EXAMPLE, SENDER, SMSURVEY

START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Instance:
    """A database set up for a benchmark, and how to serve it."""

    env: dict[str, str]
    database: Path
    url: str
    """The server's base URL (``http://127.0.0.1:PORT``), also its public URL."""
    survey: str
    lists: dict[str, str]
    """Mailing list ids by name."""
    organization: str
    token: str
    """An administrator's API token."""


def run(env: dict[str, str], *args: str) -> str:
    """``smsurvey ARGS``; its output (it must succeed)."""
    done = subprocess.run(
        [str(SMSURVEY), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"smsurvey {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"no {pattern} in:\n{text}")
    return match.group()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def phone(n: int) -> str:
    """The ``n``-th bench phone number (valid, US)."""
    return f"+1{201 + n // 100_000 % 700}55{n % 100_000:05d}"


def prepare(work: Path, fake_url: str, lists: dict[str, range]) -> Instance:
    """A migrated SQLite database in ``work`` with a Twilio connection to ``fake_url``, the
    example survey, an administrator's token, and a mailing list per name of ``lists``
    (of the numbers :func:`phone` gives for its range)."""
    database = work / "smsurvey.db"
    url = f"http://127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        "SMSURVEY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SMSURVEY_PUBLIC_URL": url,
        "SMSURVEY_PACING": "false",
        "SMSURVEY_LOG_LEVEL": "warning",
    }
    run(env, "migrate")
    token = _found(r"(?<=X-API-TOKEN: )\S+", run(env, "users", "bootstrap"))
    run(
        env, "providers", "add", "twilio", "--name", "Bench", "--sender", SENDER,
        "--field", f"account_sid={ACCOUNT_SID}", "--field", f"auth_token={AUTH_TOKEN}",
        "--field", f"api_url={fake_url}",
    )  # fmt: skip
    survey = _found(r"SV_\w{15}", run(env, "surveys", "import", str(EXAMPLE)))
    ids = {}
    for name, numbers in lists.items():
        people = work / f"{name}.csv"
        with people.open("w", encoding="utf-8") as out:
            out.write("First Name,Phone\n")
            out.writelines(f"Person{n},{phone(n)}\n" for n in numbers)
        imported = run(env, "contacts", "import", str(people), "--list", name,
                       "--phone-column", "Phone")  # fmt: skip
        ids[name] = _found(r"CG_\w{15}", imported)
    with sqlite3.connect(database) as db:
        (organization,) = db.execute("SELECT id FROM organizations").fetchone()
    return Instance(env, database, url, survey, ids, organization, token)


def distribute(instance: Instance, list_name: str, *options: str) -> str:
    """Create a distribution of the survey to a list now (the CLI's options); its id."""
    created = run(
        instance.env, "distributions", "create", "--survey", instance.survey,
        "--list", instance.lists[list_name], "--yes", *options,
    )  # fmt: skip
    return _found(r"SMSD_\w{15}", created)


@contextmanager
def served(instance: Instance) -> Iterator[None]:
    """``smsurvey serve`` (and its worker) on the instance's port, until the block ends."""
    port = instance.url.rsplit(":", 1)[1]
    server = subprocess.Popen(
        [str(SMSURVEY), "serve", "--no-migrate", "--port", port],
        env=instance.env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _healthy(instance.url), START_TIMEOUT, "the server to start")
        yield
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``ready`` every 0.2 s; give up after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.2)


def query(database: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows of a read-only query on the instance's database (while it runs, too)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql, params).fetchall()


def sent(database: Path, distribution: str) -> int:
    """How many texts of the distribution were handed over."""
    [(count,)] = query(
        database,
        "SELECT COUNT(*) FROM messages WHERE distribution_id = ? AND send_state = 'sent'",
        distribution,
    )
    return int(str(count))


def send_window(database: Path, distribution: str) -> tuple[float, float]:
    """When the distribution started and when its last text was handed over (epoch s)."""
    [(started, last)] = query(
        database,
        "SELECT d.started_at, MAX(e.at) FROM distributions d"
        " JOIN messages m ON m.distribution_id = d.id"
        " JOIN message_events e ON e.message_id = m.id AND e.status = 'Sent'"
        " WHERE d.id = ?",
        distribution,
    )
    return epoch(started), epoch(last)


def epoch(stored: object) -> float:
    """A UTC timestamp as SQLite holds it, in seconds since the epoch."""
    return datetime.fromisoformat(str(stored)).replace(tzinfo=UTC).timestamp()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
