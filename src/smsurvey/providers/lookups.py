"""What the adapters share to ask a provider about a text whose hand-over is uncertain.

A lookup asks the provider's own query API (``Provider.lookup``). Its failures are sorted the
way reconciliation needs them: a network failure, a 429 or a 5xx is a retryable
:class:`ProviderError` (asked again later); any other refusal (bad credentials, an API the
account may not use) makes the lookup inconclusive, with the provider's answer as its note,
so that a person decides instead of the text being asked about forever.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from smsurvey.providers.base import Lookup, ProviderError, SentText, http_refusal

CLOCK_SKEW = timedelta(minutes=2)
"""How far a provider's clock may be from ours: the window of a request is widened by it."""


def window(sent: SentText) -> tuple[datetime, datetime]:
    """When the provider may have recorded ``sent``: its request's span, widened by the skew."""
    return sent.requested_at - CLOCK_SKEW, sent.until + CLOCK_SKEW


def utc(moment: datetime, pattern: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    """``moment`` in UTC, written with ``pattern`` (ISO 8601 with ``Z`` by default)."""
    return moment.astimezone(UTC).strftime(pattern)


def wait_for_records(title: str, sent: SentText, delay: timedelta, now: float) -> None:
    """Raise a retryable :class:`ProviderError` while ``now`` (epoch seconds) is within
    ``delay`` of the request: until then the provider's records may still miss the text, and
    its absence from them proves nothing."""
    ready = sent.until + delay
    if datetime.fromtimestamp(now, UTC) < ready:
        raise ProviderError(
            f"{title} may not list the text before {ready.isoformat(timespec='seconds')}",
            retryable=True,
        )


async def asked(title: str, lookup: Awaitable[Lookup]) -> Lookup:
    """``lookup``'s answer; a permanent refusal of the question makes it inconclusive."""
    try:
        return await lookup
    except ProviderError as error:
        if error.retryable:
            raise
        return Lookup(conclusive=False, note=f"{title} could not be asked: {error}")


async def ask(
    title: str,
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    """The provider's JSON answer to one query; :class:`ProviderError` when there is none
    (retryable for network failures, 429 and 5xx; its ``code`` is the HTTP status)."""
    try:
        async with http.request(method, url, headers=headers, params=params, data=body) as response:
            raw = await response.read()
            if not 200 <= response.status < 300:
                text = f"{title} answered {response.status} to a lookup: {_reason(raw, response)}"
                status = response.status
                raise http_refusal(text, status, response.headers, code=str(status))
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        reason = str(error) or type(error).__name__
        raise ProviderError(f"{title} could not be asked: {reason}", retryable=True) from error
    try:
        answer = json.loads(raw)
    except ValueError as error:
        raise ProviderError(f"{title} answered a lookup unreadably", retryable=True) from error
    if not isinstance(answer, dict):
        raise ProviderError(f"{title} answered a lookup unreadably", retryable=True)
    return answer


def on(base: str, link: str) -> str:
    """A next-page ``link`` the provider gave (absolute or a path), on our own ``base`` URL:
    credentials only ever go to the host the connection names."""
    parts = urlsplit(link)
    return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def _reason(raw: bytes, response: aiohttp.ClientResponse) -> str:
    text = raw.decode(errors="replace").strip()
    return text[:200] if text else str(response.reason)
