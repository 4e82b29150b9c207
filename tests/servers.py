"""``smsurvey serve`` as a real process for the tests that need real HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SMSURVEY = str(Path(sys.executable).with_name("smsurvey"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without its ``SMSURVEY_`` settings, plus ``settings``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("SMSURVEY_")}
    return {**kept, **settings}


def bootstrap(folder: Path, settings: dict[str, str]) -> str:
    """``smsurvey migrate`` and ``smsurvey users bootstrap`` in ``folder``: the first
    administrator's API token."""
    env = environment(settings)
    for command in (["migrate"], ["users", "bootstrap"]):
        made = subprocess.run(
            [SMSURVEY, *command], cwd=folder, env=env, capture_output=True, text=True, check=False
        )
        assert made.returncode == 0, made.stdout + made.stderr
    token = re.search(r"X-API-TOKEN: (\w{40})", made.stdout)
    assert token, made.stdout + made.stderr
    return token.group(1)


@contextmanager
def running(folder: Path, settings: dict[str, str], *options: str) -> Iterator[str]:
    """``smsurvey serve --no-worker OPTIONS`` in ``folder`` with ``settings`` on a free
    port; yields its URL. No traceback may reach its log."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / f"serve-{port}.log"
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stall the server
        server = subprocess.Popen(
            [SMSURVEY, "serve", "--port", str(port), "--no-worker", *options],
            cwd=folder, env=environment(settings), stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "smsurvey serve stopped"
            assert time.monotonic() < deadline, "smsurvey serve did not start within 30 s"
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)
        logged = log.read_bytes()
        assert b"Traceback" not in logged, logged.decode(errors="replace")[-3000:]
