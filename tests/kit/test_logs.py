"""No credential reaches a log: uvicorn's access log of a real server, and records the
application writes with credentials in their message, arguments or extras."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smsurvey.kit.logs import REDACTED, redact_logs
from tests.test_phone import bootstrap_token
from tests.test_serve import running_server

SECRETS = ("s3cr3t-query-token", "s3cr3t-access-token", "s3cr3t-client-secret", "AbCdEf123456")


def test_the_access_log_of_a_real_server_shows_no_token(tmp_path: Path) -> None:
    token = bootstrap_token(tmp_path)
    log = tmp_path / "server.log"
    with (
        log.open("wb") as output,
        running_server(tmp_path, output) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        client.get("/healthz", params={"token": SECRETS[0], "page": "2"})
        client.get(
            "/API/v3/whoami",
            params={"access_token": SECRETS[1], "client_secret": SECRETS[2]},
            headers={"X-API-TOKEN": token, "Authorization": f"Bearer {token}"},
        )
        client.get(f"/s/{SECRETS[3]}")
        client.get(f"/o/{SECRETS[3]}")
    written = log.read_text()
    assert "GET /healthz?token=[redacted]&page=2" in written
    assert "GET /s/[redacted]" in written
    assert "GET /o/[redacted]" in written
    assert "access_token=[redacted]&client_secret=[redacted]" in written
    for secret in (*SECRETS, token):
        assert secret not in written


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON-ish lines to a buffer through a redacting handler."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(message)s %(headers)s %(api_token)s %(url)s"))
    logger = logging.getLogger("tests.kit.logs")
    logger.addHandler(handler)
    logger.propagate = False
    redact_logs(logger)
    yield logger, buffer
    logger.removeHandler(handler)


def test_records_with_credentials_in_headers_and_extras_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured
    logger.warning(
        "callback from %s with X-API-TOKEN: %s",
        "https://example.org/cb?signature=abc123sig",
        "tok-in-arg",
        extra={
            "headers": {"X-API-TOKEN": "tok-in-header", "content-type": "application/json"},
            "api_token": "tok-in-extra",
            "url": "https://example.org/s/PersonalLink01?x=1",
        },
    )
    line = buffer.getvalue()
    for secret in ("abc123sig", "tok-in-arg", "tok-in-header", "tok-in-extra", "PersonalLink01"):
        assert secret not in line
    assert "application/json" in line
    assert line.count(REDACTED) == 5
    assert json.dumps({"X-API-TOKEN": REDACTED}).replace('"', "'")[1:-1] in line


def test_a_traceback_carries_no_credential() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger = logging.getLogger("tests.kit.logs.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    redact_logs(logger)
    try:
        try:
            raise RuntimeError(f"GET https://example.org/o/{SECRETS[3]}?token={SECRETS[0]}")
        except RuntimeError:
            logger.exception("a delivery failed", stack_info=True)
    finally:
        logger.removeHandler(handler)
    written = buffer.getvalue()
    assert "Traceback (most recent call last)" in written
    assert "Stack (most recent call last)" in written
    assert f"https://example.org/o/{REDACTED}?token={REDACTED}" in written
    for secret in SECRETS[:1] + SECRETS[3:]:
        assert secret not in written
