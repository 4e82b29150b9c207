"""``smsurvey phone``: a terminal phone texting a running server through the simulator,
with the API token ``make run`` prints (``smsurvey users bootstrap``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import found
from tests.test_serve import SMSURVEY, running_server

PHONE = "+14155552671"


def _run(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SMSURVEY_")}
    return subprocess.run(
        [SMSURVEY, *args],
        input="hello\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={**clean, **env},
    )


def bootstrap_token(folder: Path) -> str:
    """What ``make run`` does before serving: migrate, and print a first API token."""
    assert _run(folder, "migrate").returncode == 0
    made = _run(folder, "users", "bootstrap")
    assert made.returncode == 0, made.stderr
    return found(r"(?<=X-API-TOKEN: )\S+", made.stdout)


def test_a_terminal_phone_texts_and_sees_the_reply(tmp_path: Path) -> None:
    token = bootstrap_token(tmp_path)
    with running_server(tmp_path) as url:
        by_option = _run(tmp_path, "phone", PHONE, "--server", url, "--token", token)
        by_env = _run(tmp_path, "phone", PHONE, "--server", url, SMSURVEY_API_TOKEN=token)
    for phone in (by_option, by_env):
        assert phone.returncode == 0, phone.stderr
        assert f"{PHONE} is on" in phone.stdout
        assert "+15005550006: You are not currently taking a survey." in phone.stdout


def test_a_phone_without_a_good_token_is_one_red_line(tmp_path: Path) -> None:
    bootstrap_token(tmp_path)
    with running_server(tmp_path) as url:
        none = _run(tmp_path, "phone", PHONE, "--server", url)
        wrong = _run(tmp_path, "phone", PHONE, "--server", url, "--token", "not-a-token")
    assert none.returncode == 2
    assert "--token or SMSURVEY_API_TOKEN" in none.stderr
    assert wrong.returncode == 2
    assert "the server does not know this API token" in wrong.stderr
    assert "Traceback" not in wrong.stderr
