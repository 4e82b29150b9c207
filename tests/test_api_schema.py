"""Schemathesis against a running ``smsurvey serve``: generated requests to every operation
of /openapi.json, a bounded number each; no 5xx, every answer as the schema says."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smsurvey.app import create_app
from smsurvey.settings import Settings

SMSURVEY = Path(sys.executable).with_name("smsurvey")
CASES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
"""No 5xx, and every answer as documented. Not "positive data accepted": the schema cannot
say every rule (a known survey id, a topic pattern), so valid-looking data may get a 400."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``smsurvey serve --no-worker`` on SQLite in an empty directory; its URL and an
    administrator's token (no worker: generated requests must not send anything out)."""
    where = tmp_path_factory.mktemp("schema")
    env = {**os.environ, "SMSURVEY_DATABASE_URL": f"sqlite+aiosqlite:///{where}/api.db"}
    made = subprocess.run(
        [str(SMSURVEY), "users", "bootstrap"], cwd=where, env=env, capture_output=True, text=True
    )
    token = re.search(r"X-API-TOKEN: (\w{40})", made.stdout)
    assert token, made.stdout + made.stderr
    port = _free_port()
    process = subprocess.Popen(
        [str(SMSURVEY), "serve", "--port", str(port), "--no-worker"],
        cwd=where, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("smsurvey serve did not start")
        yield url, token.group(1)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=15)
        assert b"Traceback" not in errors, errors.decode()[-3000:]


def _operations() -> dict[str, Any]:
    """The API's operations, from the schema the app builds (the server serves the same)."""
    settings_ = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="collect")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = create_app(settings_).openapi()
    schema = schemathesis.openapi.from_dict(spec).include(path_regex="^/(API/v3|oauth2)/")
    return {result.ok().label: result.ok() for result in schema.get_all_operations()}


OPERATIONS = _operations()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_keeps_its_schema(label: str, server: tuple[str, str]) -> None:
    url, token = server
    headers = {"X-API-TOKEN": token}

    @given(case=OPERATIONS[label].as_strategy())
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        case.call_and_validate(base_url=url, headers=headers, checks=CHECKS)

    check()
