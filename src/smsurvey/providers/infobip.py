"""Infobip SMS API v3: send, delivery reports, inbound texts, webhooks with HTTP Basic auth.

Wire facts: ``../shared/specs/providers.md`` §4. Sends are JSON posts to
``https://{account's base URL host}/sms/3/messages`` with ``Authorization: App <API key>``,
through the process's shared :class:`aiohttp.ClientSession`; the answer's
``messages[0].messageId`` is the message id. Numbers go without the leading ``+``.
Delivery reports and inbound texts come batched (``results``), authenticated with HTTP
Basic auth of the webhook username and password Infobip support sets on the account (they
carry no signature of the body).

Each text goes with our reference as its ``messageId`` (Infobip takes the id we choose), so a
text whose hand-over is uncertain is looked up in the message logs by that id; Infobip keeps
them 48 hours. With idempotency enabled on the account (by Infobip support), Infobip also
refuses a second text with an id it already took.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    callback_url,
    http_refusal,
    message_id_of,
)
from smsurvey.providers.lookups import ask, asked, wait_for_records

NAME = "infobip"
API_URL = "https://api.infobip.com"
"""Infobip's generic host; each account has its own ``{xxxxx}.api.infobip.com``."""
SEND_PATH = "/sms/3/messages"
LOGS_PATH = "/sms/3/logs"
LOGS_KEPT = timedelta(hours=48)
"""How long Infobip keeps its message logs."""
RECORD_DELAY = timedelta(minutes=10)
"""How long after a request the logs may still miss a text Infobip took (undocumented: our
margin), before its absence from them counts."""
_GROUPS = {
    "ACCEPTED": DeliveryStatus.SENT,
    "PENDING": DeliveryStatus.SENT,
    "DELIVERED": DeliveryStatus.DELIVERED,
    "UNDELIVERABLE": DeliveryStatus.BOUNCED,
    "EXPIRED": DeliveryStatus.BOUNCED,
    "REJECTED": DeliveryStatus.FAILED,
}
"""Status group → domain status; the status name refines it (see ``_STATUS_NAMES``)."""
_STATUS_NAMES = {
    "DELIVERED_TO_OPERATOR": DeliveryStatus.SENT,
    "REJECTED_DND": DeliveryStatus.BLOCKED,
    "REJECTED_DESTINATION_BLOCKLISTED": DeliveryStatus.BLOCKED,
    "SIGNALS_BLOCKED": DeliveryStatus.BLOCKED,
}
"""Reached the operator only (intermediate); do-not-disturb, blocklisted, anti-fraud block."""
_BLOCKED_ERRORS = {
    "EC_SC_BLOCKED_FOR_END_USER",
    "EC_CONTENT_BLOCKED_BY_OPERATOR",
    "EC_DESTINATION_BLOCKED_BY_OPERATOR",
    "EC_SC_BLOCKED_BY_END_USER",
    "EC_CONTENT_BLOCKED",
    "EC_BLOCKED_BY_CAMPAIGN_BLACKLIST",
    "EC_REJECTED_SPAM_BY_OPERATOR",
    "EC_SIGNALS_BLOCKED",
    "EC_BLACKLISTED_DESTINATIONADDRESS",
}
"""Error names of a text blocked for its recipient: opted out (STOP), blocklisted, filtered."""
_REFUSED_GROUPS = {"UNDELIVERABLE", "EXPIRED", "REJECTED"}
"""Groups that, in a 200 send answer, mean Infobip did not take the text."""
_RETRYABLE_REFUSALS = {"REJECTED_SYSTEM_ERROR"}
_DUPLICATE = "REJECTED_DUPLICATE_MESSAGE_ID"
"""A second text with an id Infobip already took, refused (idempotency): its reports say
nothing of the text that has the id."""
_NO_ERROR = "NO_ERROR"


@dataclass(frozen=True, slots=True)
class InfobipAccount:
    """An Infobip connection: the API key, the webhook credentials, where callbacks go."""

    api_key: str
    webhook_username: str
    webhook_password: str
    public_url: str | None = None
    """Our address: each text asks for its reports at ``{public_url}/…/status/infobip/{org}``."""
    api_url: str = API_URL


class Infobip:
    """The Infobip adapter (see the module docstring)."""

    name = NAME

    def __init__(
        self,
        account: InfobipAccount,
        http: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._account = account
        self._http = http
        self._clock = clock
        self._url = account.api_url.rstrip("/") + SEND_PATH
        self._headers = {
            "Authorization": f"App {account.api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        credentials = f"{account.webhook_username}:{account.webhook_password}".encode()
        self._webhook_auth = b"Basic " + base64.b64encode(credentials)

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text as ``messageId`` our reference; 429 is retried later, 5xx retried,
        other 4xx and a rejection inside a 200 answer are permanent, except the refusal of a
        duplicate id: Infobip has the text already."""
        sms: dict[str, Any] = {
            "sender": _wire_number(message.sender),
            "destinations": [{"to": _wire_number(message.to), "messageId": message.reference}],
            "content": {"text": message.body},
        }
        status_url = callback_url(self._account.public_url, NAME, "status", message.organization_id)
        if status_url:
            sms["webhooks"] = {"delivery": {"url": status_url}, "contentType": "application/json"}
        body = json.dumps({"messages": [sms]}).encode()
        async with self._http().post(self._url, data=body, headers=self._headers) as response:
            if response.status != 200:
                raise await _refusal(response)
            answer = json.loads(await response.read())
        [taken] = answer["messages"]
        status = taken.get("status") or {}
        if status.get("name") == _DUPLICATE:
            # Infobip already took the text with this id: this one.
            return SendResult(provider_message_id=message.reference)
        if status.get("groupName") in _REFUSED_GROUPS:
            code = status.get("name")
            raise ProviderError(
                f"Infobip refused the text: {code} ({status.get('description', '')})",
                retryable=code in _RETRYABLE_REFUSALS,
                code=code,
            )
        return SendResult(provider_message_id=str(taken["messageId"]))

    async def lookup(self, sent: SentText) -> Lookup:
        """Whether Infobip's message logs have a text with our reference as its id."""
        return await asked("Infobip", self._lookup(sent))

    async def _lookup(self, sent: SentText) -> Lookup:
        now = self._clock()
        if datetime.fromtimestamp(now, UTC) > sent.requested_at + LOGS_KEPT:
            return Lookup(
                conclusive=False, note="Infobip keeps its logs 48 hours, and no longer has them"
            )
        wait_for_records("Infobip", sent, RECORD_DELAY, now)
        reference = sent.text.reference
        url = self._account.api_url.rstrip("/") + LOGS_PATH
        headers = {"Authorization": self._headers["Authorization"], "Accept": "application/json"}
        logs = await ask(
            "Infobip", self._http(), "GET", url, headers=headers, params={"messageId": reference}
        )
        found = any(str(log.get("messageId")) == reference for log in logs.get("results") or [])
        return Lookup(matches=(reference,) if found else ())

    def verify(self, request: WebhookRequest) -> bool:
        """Whether the callback carries HTTP Basic auth of the webhook username and password."""
        if not (self._account.webhook_username and self._account.webhook_password):
            return False
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64encode(base64.b64decode(token.strip(), validate=True))
        except ValueError:
            return False
        return hmac.compare_digest(b"Basic " + given, self._webhook_auth)

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """One report per entry of ``results``; unknown groups map to Unknown. A refused
        second text with a taken id reports nothing of the text that has the id."""
        return [
            _report(result)
            for result in _results(request)
            if (result.get("status") or {}).get("name") != _DUPLICATE
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The texts in an inbound-message webhook (numbers come without ``+``)."""
        return [
            InboundSms(
                sender=_e164(result["from"]),
                recipient=_e164(result["to"]),
                text=result.get("text") or "",
                provider_message_id=str(result["messageId"]),
                received_at=_when(result.get("receivedAt")),
            )
            for result in _results(request)
        ]


def base_url(host: str) -> str:
    """The API base URL from the host Infobip shows (``xxxxx.api.infobip.com``)."""
    host = host.strip().rstrip("/")
    return host if "://" in host else f"https://{host}"


def connect(connection: Connection) -> Infobip:
    """The adapter of an Infobip connection."""
    fields = connection.fields
    account = InfobipAccount(
        fields["api_key"],
        fields["webhook_username"],
        fields["webhook_password"],
        public_url=connection.public_url,
        api_url=fields.get("api_url") or base_url(fields.get("base_url") or API_URL),
    )
    return Infobip(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="Infobip",
    fields=(
        ConnectionField(
            "api_key", "Public API Key", secret=True, help="Infobip portal → API keys (App key)"
        ),
        ConnectionField(
            "webhook_username",
            "Webhook username",
            help="Ask Infobip support to set Basic authentication on your webhooks with it.",
        ),
        ConnectionField("webhook_password", "Webhook password", secret=True),
        ConnectionField(
            "base_url",
            "Base URL provided by Infobip",
            help="The API Base URL on the Infobip portal, without https:// (xxxxx.api.infobip.com)",
        ),
        API_URL_FIELD,
    ),
    connect=connect,
    plus_sign=False,
    aliases=("infobip-sms",),
)


def _wire_number(number: str) -> str:
    """A number as Infobip wants it: without the ``+`` (alphanumeric senders as is)."""
    return number.removeprefix("+")


def _e164(number: str) -> str:
    """A number Infobip gave without ``+`` back in E.164; short codes and names as is."""
    return f"+{number}" if number.isdigit() and len(number) > 8 else number


def _when(value: str | None) -> datetime | None:
    """Infobip's ``yyyy-MM-dd'T'HH:mm:ss.SSS+0000`` timestamps."""
    return datetime.fromisoformat(value) if value else None


def _results(request: WebhookRequest) -> list[Mapping[str, Any]]:
    results = json.loads(request.body)["results"]
    if not isinstance(results, list):
        raise ValueError("'results' is not a list")
    return results


def _report(result: Mapping[str, Any]) -> DeliveryReport:
    status = result["status"]
    raw = str(status.get("name") or status.get("groupName") or "")
    mapped = _STATUS_NAMES.get(raw) or _GROUPS.get(status.get("groupName"), DeliveryStatus.UNKNOWN)
    error = result.get("error") or {}
    code = error.get("name") or (None if error.get("id") is None else str(error["id"]))
    if code == _NO_ERROR:
        code = None
    if code in _BLOCKED_ERRORS:
        mapped = DeliveryStatus.BLOCKED
    message_id = str(result["messageId"])
    return DeliveryReport(
        message_id,
        mapped,
        raw,
        error_code=code,
        at=_when(result.get("doneAt")),
        reference=message_id if message_id_of(message_id) else None,
    )


async def _refusal(response: aiohttp.ClientResponse) -> ProviderError:
    """Infobip's error answer (``{"errorCode", "description", …}``) as a ProviderError."""
    try:
        answer = json.loads(await response.read())
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    code = answer.get("errorCode")
    text = f"Infobip answered {response.status}: {answer.get('description') or response.reason}"
    return http_refusal(text, response.status, response.headers, code=code)
