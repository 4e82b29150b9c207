"""``hand_over`` sorts network failures by whether the provider may have seen the request:
before it was written, a retryable refusal; after, uncertain (never retried blindly)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from smsurvey.providers.base import Connection, OutboundSms, ProviderError, SendUncertain, hand_over
from smsurvey.providers.twilio import KIND
from tests.fakes.twilio import FIELDS

TEXT = OutboundSms("OR_x-42", "OR_x", "+15005550006", "+14155552671", "Hi Ann")
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head + await reader.readexactly(length)


async def _close_after_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    writer.close()


async def _never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    await asyncio.sleep(30)


async def _serve(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _send_to(url: str, seconds: float = 5) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as http:
        connection = Connection("OR_x", {**FIELDS, "api_url": url}, TEXT.sender, None, lambda: http)
        await hand_over(KIND.connect(connection), TEXT)


async def test_a_refused_connection_is_a_retryable_refusal() -> None:
    with pytest.raises(ProviderError) as refused:
        await _send_to(f"http://127.0.0.1:{_free_port()}")
    assert refused.value.retryable


@pytest.mark.parametrize(("handler", "seconds"), [(_close_after_reading, 5), (_never_answer, 0.5)])
async def test_a_request_that_was_read_is_uncertain(handler: Handler, seconds: float) -> None:
    async for url in _serve(handler):
        with pytest.raises(SendUncertain, match="may have taken it"):
            await _send_to(url, seconds)
