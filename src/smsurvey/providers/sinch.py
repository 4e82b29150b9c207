"""Sinch Conversation API (SMS channel): send, MESSAGE_DELIVERY and MESSAGE_INBOUND webhooks.

Wire facts: ``../shared/specs/providers.md`` §3. The adapter fetches an OAuth2 bearer token
(``POST https://auth.sinch.com/oauth2/token``, Basic client id:secret, client credentials),
keeps it until shortly before ``expires_in`` and fetches a new one on expiry or once on a 401.
Sends are JSON posts to ``{region host}/v1/projects/{project_id}/messages:send``; the answer's
``message_id`` is the message id. Callbacks come from the app's webhooks (set up as the
support page says, with the Webhook Secret Token) and carry ``x-sinch-webhook-signature``.

No per-message ``callback_url`` is sent: Sinch signs delivery receipts sent to an overridden
URL with the app's ``secret_for_overridden_callback_urls``, not with the webhook's secret.

Each text carries our reference as its ``correlation_id`` (propagated to its callbacks) and its
``message_metadata`` (kept with the message). Sinch takes no idempotency key; a text whose
hand-over is uncertain is looked up in the app's messages (``GET …/messages``, sent to contacts
while its request lasted, stored in conversations or dispatched) by that metadata.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from smsurvey.providers.base import (
    API_URL_FIELD,
    Connection,
    ConnectionField,
    DeliveryReport,
    DeliveryStatus,
    InboundSms,
    Lookup,
    OutboundSms,
    ProviderError,
    ProviderKind,
    SendResult,
    SentText,
    WebhookRequest,
    http_refusal,
    retry_after,
)
from smsurvey.providers.lookups import ask, asked, utc, wait_for_records, window

NAME = "sinch"
AUTH_URL = "https://auth.sinch.com"
REGIONS = {
    "EU": "https://eu.conversation.api.sinch.com",
    "US": "https://us.conversation.api.sinch.com",
}
"""The Conversation API host of each data center the connection form offers."""
SIGNATURE_HEADER = "x-sinch-webhook-signature"
NONCE_HEADER = "x-sinch-webhook-signature-nonce"
TIMESTAMP_HEADER = "x-sinch-webhook-signature-timestamp"
REPLAY_WINDOW = 300.0
"""Seconds a signed callback's timestamp may be away from now."""
TOKEN_MARGIN = 60.0
"""Seconds before a token's expiry when a new one is fetched."""
_STATUSES = {
    "QUEUED_ON_CHANNEL": DeliveryStatus.SENT,
    "SWITCHING_CHANNEL": DeliveryStatus.SENT,
    "DELIVERED": DeliveryStatus.DELIVERED,
    "READ": DeliveryStatus.DELIVERED,
    "FAILED": DeliveryStatus.FAILED,
}
_BLOCKED_REASONS = {"RECIPIENT_NOT_OPTED_IN", "DELIVERY_REJECTED_DUE_TO_POLICY", "CHANNEL_REJECT"}
"""Opted out at Sinch, rejected by policy, rejected (filtered) by the channel."""
_BOUNCED_REASONS = {
    "RECIPIENT_INVALID_CHANNEL_IDENTITY",
    "RECIPIENT_NOT_REACHABLE",
    "NO_CHANNEL_IDENTITY_FOR_CONTACT",
    "DELIVERY_TIMED_OUT",
    "MESSAGE_EXPIRED",
}
"""Undeliverable or expired; the other reasons (configuration, internal) stay Failed."""
_THROTTLED = "RESOURCE_EXHAUSTED"
RECORD_DELAY = timedelta(minutes=5)
"""How long after a request the app's messages may still miss a text Sinch accepted
(undocumented: our margin), before its absence from them counts."""
SOURCES = ("CONVERSATION_SOURCE", "DISPATCH_SOURCE")
"""Where an app keeps its messages: conversations, or (in Dispatch mode) dispatched ones."""
PAGE_SIZE = 1000
MAX_PAGES = 20
"""Pages of messages read, per source, before a lookup gives up."""


@dataclass(frozen=True, slots=True)
class SinchAccount:
    """A Sinch connection: the access key, the project and app, the webhook secret."""

    client_id: str
    client_secret: str
    project_id: str
    app_id: str
    webhook_secret: str
    region: str = "EU"
    sender: str = ""
    """Our number, the recipient of inbound texts whose callback does not name it."""
    api_url: str | None = None
    """Overrides both the token and the Conversation API hosts (a proxy, a fake)."""


class Sinch:
    """The Sinch Conversation API adapter (see the module docstring)."""

    name = NAME

    def __init__(
        self,
        account: SinchAccount,
        http: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._account = account
        self._http = http
        self._clock = clock
        base = account.api_url or REGIONS[account.region.upper()]
        self._messages_url = f"{base.rstrip('/')}/v1/projects/{account.project_id}/messages"
        self._send_url = f"{self._messages_url}:send"
        self._token_url = f"{(account.api_url or AUTH_URL).rstrip('/')}/oauth2/token"
        credentials = f"{account.client_id}:{account.client_secret}".encode()
        self._basic = "Basic " + base64.b64encode(credentials).decode()
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text; 429 is retried later, 5xx retried, the rest permanent. A 401 fetches
        a new token and tries once more; a token that cannot be had is retried later."""
        payload: dict[str, Any] = {
            "app_id": self._account.app_id,
            "recipient": {
                "identified_by": {
                    "channel_identities": [{"channel": "SMS", "identity": message.to}]
                }
            },
            "message": {"text_message": {"text": message.body}},
            "channel_priority_order": ["SMS"],
            "correlation_id": message.reference,
            "message_metadata": message.reference,
        }
        if message.sender:
            payload["channel_properties"] = {"SMS_SENDER": message.sender}
        body = json.dumps(payload).encode()
        token = await self._bearer(None)
        status, answer, headers = await self._post(token, body)
        if status == 401:
            token = await self._bearer(token)
            status, answer, headers = await self._post(token, body)
        if status == 200:
            return SendResult(provider_message_id=str(answer["message_id"]))
        raise _refusal(status, answer, headers)

    async def lookup(self, sent: SentText) -> Lookup:
        """The id of the app's message to ``sent``'s contacts, accepted while its request
        lasted, whose metadata is our reference."""
        return await asked("Sinch", self._lookup(sent))

    async def _lookup(self, sent: SentText) -> Lookup:
        wait_for_records("Sinch", sent, RECORD_DELAY, self._clock())
        start, end = window(sent)
        query = {
            "app_id": self._account.app_id,
            "channel": "SMS",
            "direction": "TO_CONTACT",
            "start_time": utc(start),
            "end_time": utc(end),
            "view": "WITH_METADATA",
            "page_size": str(PAGE_SIZE),
        }
        for source in SOURCES:
            token = ""
            for _ in range(MAX_PAGES):
                params = {**query, "messages_source": source}
                if token:
                    params["page_token"] = token
                page = await self._listed(params)
                for listed in page.get("messages") or []:
                    if listed.get("metadata") == sent.text.reference:
                        return Lookup(matches=(str(listed["id"]),))
                token = str(page.get("next_page_token") or "")
                if not token:
                    break
            else:
                raise ProviderError(
                    f"Sinch has more than {MAX_PAGES * PAGE_SIZE} messages around the text",
                    retryable=False,
                )
        return Lookup()

    async def _listed(self, params: Mapping[str, str]) -> dict[str, Any]:
        """A page of the app's messages; a refused token is renewed once."""
        stale = None
        while True:
            token = await self._bearer(stale)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            try:
                return await ask(
                    "Sinch", self._http(), "GET", self._messages_url, headers=headers, params=params
                )
            except ProviderError as error:
                if error.code != "401" or stale is not None:
                    raise
                stale = token

    def verify(self, request: WebhookRequest) -> bool:
        """Whether ``x-sinch-webhook-signature`` is the HMAC-SHA256 of body, nonce and
        timestamp under the webhook secret, with the timestamp within 5 minutes of now."""
        given = request.headers.get(SIGNATURE_HEADER)
        nonce = request.headers.get(NONCE_HEADER)
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        if not (given and nonce and timestamp and self._account.webhook_secret):
            return False
        try:
            fresh = abs(self._clock() - int(timestamp)) <= REPLAY_WINDOW
        except ValueError:
            return False
        expected = signature(self._account.webhook_secret, request.body, nonce, timestamp)
        return fresh and hmac.compare_digest(given.encode(), expected.encode())

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """The report of a MESSAGE_DELIVERY callback (one per callback); other triggers on
        the same webhook (EVENT_DELIVERY…) carry none. FAILED is refined by ``reason.code``."""
        event = _event(request)
        report = _part(event, "message_delivery_report")
        if report is None:
            return []
        raw = str(report.get("status", ""))
        code = (report.get("reason") or {}).get("code") or None
        status = _STATUSES.get(raw, DeliveryStatus.UNKNOWN)
        if status is DeliveryStatus.FAILED and code in _BLOCKED_REASONS:
            status = DeliveryStatus.BLOCKED
        elif status is DeliveryStatus.FAILED and code in _BOUNCED_REASONS:
            status = DeliveryStatus.BOUNCED
        reference = event.get("correlation_id") or report.get("metadata") or None
        return [
            DeliveryReport(
                str(report["message_id"]),
                status,
                raw,
                error_code=code,
                at=_time(event.get("event_time")),
                reference=None if reference is None else str(reference),
            )
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The text of a MESSAGE_INBOUND callback; ``sender_id`` is our number."""
        event = _event(request)
        message = _part(event, "message")
        if message is None:
            return []
        content = message.get("contact_message") or {}
        return [
            InboundSms(
                sender=_e164(message["channel_identity"]["identity"]),
                recipient=_e164(message.get("sender_id") or self._account.sender),
                text=(content.get("text_message") or {}).get("text", ""),
                provider_message_id=str(message["id"]),
                received_at=_time(message.get("accept_time")),
            )
        ]

    async def _bearer(self, stale: str | None) -> str:
        """A valid token: the cached one unless it expired or is ``stale`` (refused)."""
        async with self._lock:
            if self._token is None or self._token == stale or self._clock() >= self._expires:
                self._token, lifetime = await self._fetch_token()
                self._expires = self._clock() + max(lifetime - TOKEN_MARGIN, 0.0)
            return self._token

    async def _fetch_token(self) -> tuple[str, float]:
        """A new token and its lifetime; any failure to get one is a :class:`ProviderError`
        (the send was not written yet: retried unless the key is refused)."""
        headers = {
            "Authorization": self._basic,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        data = b"grant_type=client_credentials"
        try:
            async with self._http().post(self._token_url, data=data, headers=headers) as response:
                status, raw, answered = response.status, await response.read(), response.headers
                reason = response.reason
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            why = str(error) or type(error).__name__
            raise ProviderError(f"Sinch's token could not be had: {why}", retryable=True) from error
        answer = _json(raw)
        if status == 200:
            return str(answer["access_token"]), float(answer.get("expires_in", 0))
        code = answer.get("error") if isinstance(answer.get("error"), str) else None
        text = f"Sinch token endpoint answered {status}: "
        text += str(answer.get("error_description") or code or reason)
        retryable = status == 429 or status >= 500
        wait = retry_after(answered) if status == 429 else None
        raise ProviderError(text, retryable=retryable, code=code, retry_after=wait)

    async def _post(self, token: str, body: bytes) -> tuple[int, dict[str, Any], Mapping[str, str]]:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with self._http().post(self._send_url, data=body, headers=headers) as response:
            return response.status, _json(await response.read()), response.headers


def connect(connection: Connection) -> Sinch:
    """The adapter of a Sinch connection."""
    fields = connection.fields
    account = SinchAccount(
        client_id=fields["client_id"],
        client_secret=fields["client_secret"],
        project_id=fields["project_id"],
        app_id=fields["app_id"],
        webhook_secret=fields["webhook_secret"],
        region=fields.get("region") or "EU",
        sender=connection.sender,
        api_url=fields.get("api_url") or None,
    )
    return Sinch(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="Sinch",
    fields=(
        ConnectionField(
            "client_id", "OAuth Client ID", help="An access key's ID, from the Sinch dashboard"
        ),
        ConnectionField("client_secret", "OAuth Client Secret", secret=True),
        ConnectionField(
            "region",
            "Sinch Account DataCenter",
            help="The region your Conversation API app is in",
            choices=tuple(REGIONS),
        ),
        ConnectionField("project_id", "Sinch Account Project ID"),
        ConnectionField("app_id", "Sinch Conversational App ID"),
        ConnectionField(
            "webhook_secret",
            "Webhook Secret Token",
            secret=True,
            help="The secret token of the app's status and 2-way SMS webhooks",
        ),
        API_URL_FIELD,
    ),
    connect=connect,
)


def signature(secret: str, body: bytes, nonce: str, timestamp: str) -> str:
    """Sinch's webhook signature: base64 HMAC-SHA256 of ``body.nonce.timestamp``."""
    signed = body + b"." + nonce.encode() + b"." + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()


def _event(request: WebhookRequest) -> dict[str, Any]:
    """A callback's JSON envelope; :class:`ValueError` if it is not one."""
    event = json.loads(request.body)
    if not isinstance(event, dict) or "app_id" not in event:
        raise ValueError("not a Sinch Conversation API callback")
    return event


def _part(event: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The event's payload under ``key``, if it has one; :class:`ValueError` if malformed."""
    part = event.get(key)
    if part is not None and not isinstance(part, dict):
        raise ValueError(f"Sinch callback's {key} is not an object")
    return part


def _e164(number: str) -> str:
    """A number as E.164 with its ``+`` (Sinch may omit it); short codes and names as is."""
    return "+" + number if number.isdigit() and len(number) >= 7 else number


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _refusal(status: int, answer: dict[str, Any], headers: Mapping[str, str]) -> ProviderError:
    """Sinch's ``{"error": {code, message, status}}`` answer as a :class:`ProviderError`
    whose ``code`` is the error's ``status`` (``INVALID_ARGUMENT``, ``RESOURCE_EXHAUSTED``…)."""
    error = answer.get("error")
    if not isinstance(error, dict):
        error = {}
    code = error.get("status") or None
    text = f"Sinch answered {status}: {error.get('message') or code or 'no reason given'}"
    return http_refusal(text, status, headers, code=code, throttled=code == _THROTTLED)
