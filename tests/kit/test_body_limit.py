"""Body limits: 413 in the v3 envelope before a body over the limit is read whole, by its
Content-Length or by counting a chunked body; provider callbacks have their own limit."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from smsurvey.app import embedded
from smsurvey.settings import Settings
from tests.servers import running

CHUNK = 1_000
API_LIMIT = 20_000
WEBHOOK_LIMIT = 5_000
JSON = {"content-type": "application/json"}
RECEIVE = "/distribution-providers/v1/receive/distribution/status/twilio/OR_000000000000000"


class Body:
    """A request body of ``chunks`` chunks that counts how many the server pulled."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b" " * CHUNK


def settings_for(database: str) -> Settings:
    return Settings(
        database_url=database,
        secret_key="limits-" + "k" * 40,
        api_body_limit=API_LIMIT,
        webhook_body_limit=WEBHOOK_LIMIT,
    )


def too_large(answer: httpx.Response, limit: int) -> None:
    assert answer.status_code == 413, answer.text
    meta = answer.json()["meta"]
    assert meta["httpStatus"] == "413 - Request Entity Too Large"
    assert meta["error"]["errorCode"] == "REQUEST_TOO_LARGE"
    assert f"{limit:,} bytes" in meta["error"]["errorMessage"]


async def test_bodies_over_the_limit_are_not_read_whole(sqlite_database: str) -> None:
    app, runtime = embedded(settings_for(sqlite_database))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            paths = [
                ("/API/v3/survey-definitions", API_LIMIT),
                ("/API/v3/directories/POOL_000000000000000/contacts", API_LIMIT),
                ("/oauth2/token", API_LIMIT),
                (RECEIVE, WEBHOOK_LIMIT),
            ]
            for path, limit in paths:
                announced = Body(100_000)  # 100 MB
                answer = await client.post(
                    path, content=announced, headers={"content-length": str(100_000 * CHUNK)}
                )
                too_large(answer, limit)
                assert announced.pulled == 0, "refused on its Content-Length, unread"

                chunked = Body(100_000)
                too_large(await client.post(path, content=chunked, headers=JSON), limit)
                assert chunked.pulled == limit // CHUNK + 1, "read stops past the limit"

            within = await client.post(RECEIVE, content=Body(WEBHOOK_LIMIT // CHUNK))
            assert within.status_code != 413
            over_webhook = await client.post(
                "/API/v3/survey-definitions", content=b"{}" + b" " * WEBHOOK_LIMIT, headers=JSON
            )
            assert over_webhook.status_code == 401, "the API's limit is its own"
    finally:
        await runtime.aclose()


def test_a_real_server_answers_before_the_body_arrives(tmp_path: Path) -> None:
    env = {"SMSURVEY_API_BODY_LIMIT": str(API_LIMIT)}
    with running(tmp_path, env) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(
                b"POST /API/v3/survey-definitions HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"
            )
            answer = b""
            while b"REQUEST_TOO_LARGE" not in answer and (part := connection.recv(65536)):
                answer += part
        assert answer.startswith(b"HTTP/1.1 413 "), answer
        assert b'"errorCode":"REQUEST_TOO_LARGE"' in answer
