"""``smsurvey serve`` from an empty directory: a real process answering real HTTP."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

import httpx
import psutil

SMSURVEY = str(Path(sys.executable).with_name("smsurvey"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(
    folder: Path, log: IO[bytes] | None = None, pids: list[int] | None = None
) -> Iterator[str]:
    """``smsurvey serve`` on a free port in ``folder`` (an empty directory); yields its URL.
    Its output goes to ``log`` when given; its process id is added to ``pids``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSURVEY_")}
    server = subprocess.Popen(
        [SMSURVEY, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if pids is not None:
        pids.append(server.pid)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not answer within 30 s"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=40)


def attached_worker(server_pid: int, timeout: float = 30) -> psutil.Process:
    """The worker process ``smsurvey serve`` runs beside it (waiting for it to start)."""
    deadline = time.monotonic() + timeout
    while True:
        for child in psutil.Process(server_pid).children():
            if "--attached" in child.cmdline():
                return child
        assert time.monotonic() < deadline, "serve started no worker"
        time.sleep(0.1)


def test_serve_starts_in_an_empty_directory(tmp_path: Path) -> None:
    with running_server(tmp_path) as url:
        health = httpx.get(f"{url}/healthz", timeout=5)
        assert health.status_code == 200
        assert health.json()["database"] == "ok"
        spec = httpx.get(f"{url}/openapi.json", timeout=5).json()
        assert "/healthz" in spec["paths"]
        assert (tmp_path / "smsurvey.db").exists()


def test_the_worker_runs_beside_the_server_comes_back_and_stops_with_it(
    tmp_path: Path,
) -> None:
    pids: list[int] = []
    with running_server(tmp_path, pids=pids):
        first = attached_worker(pids[0])
        first.kill()  # a crash: serve starts another one
        first.wait(timeout=10)
        second = attached_worker(pids[0])
        assert second.pid != first.pid
        assert second.is_running()
    # serve stopped (SIGTERM): its worker was stopped before it exited, not orphaned
    assert not second.is_running()


def test_links_point_to_the_port_served(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSURVEY_")}

    def smsurvey(*args: str) -> str:
        done = subprocess.run(
            [SMSURVEY, *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    with running_server(tmp_path) as url:
        example = Path(__file__).parents[1] / "examples" / "customer-feedback.yaml"
        survey = re.search(r"SV_\w{15}", smsurvey("surveys", "import", str(example)))
        people = tmp_path / "people.csv"
        people.write_text("First Name,Phone\nAnn,+14155552671\n", encoding="utf-8")
        smsurvey("contacts", "import", str(people), "--list", "Spring", "--phone-column", "Phone")
        listed = re.search(r"CG_\w{15}", smsurvey("contacts", "lists"))
        assert survey
        assert listed
        smsurvey(
            "distributions", "create", "--survey", survey.group(), "--list", listed.group(),
            "--message", "Hi ${m://FirstName}: ${l://SurveyURL}", "--yes",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not (bodies := _invitations(tmp_path / "smsurvey.db")):
            assert time.monotonic() < deadline, "the server's worker sent no invitation"
            time.sleep(0.2)
    [body] = bodies
    assert body.startswith(f"Hi Ann: {url}/s/")


def _invitations(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT body FROM messages WHERE kind = 'invite'").fetchall()
    return [body for (body,) in rows]
