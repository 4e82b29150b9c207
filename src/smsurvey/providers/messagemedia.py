"""MessageMedia (Sinch MessageMedia) Messages API: send, delivery reports, replies, and the
RSA-signed "Enterprise webhooks".

Wire facts: ``../shared/specs/providers.md`` §5. Sends are JSON posts to ``{api}/v1/messages``
with HTTP Basic auth (API key and secret) through the process's shared
:class:`aiohttp.ClientSession`; the answer's ``messages[0].message_id`` is the message id. Each
text asks for delivery reports at our status URL (its ``callback_url``), where MessageMedia
also posts the replies to that text: :meth:`MessageMedia.parse_status` passes over those and
:meth:`MessageMedia.parse_inbound` reads them.

Each text carries our reference in its ``metadata`` (``{"reference": …}``), which delivery
reports echo and the Reporting API filters on. MessageMedia takes no idempotency key (its
account-wide De-Duplication withholds any same text to the same number within 24 hours); a text
whose hand-over is uncertain is looked up in the Reporting API's detail report
(``POST /v2-preview/reporting/messages/detail``) by that metadata.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

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
)
from smsurvey.providers.lookups import ask, asked, utc, wait_for_records, window

NAME = "messagemedia"
API_URLS = {"APAC": "https://api.messagemedia.com", "EU": "https://eu.app.api.sinch.com"}
API_URL = API_URLS["APAC"]
SIGNATURE_HEADER = "x-messagemedia-signature"
DIGEST_HEADER = "x-messagemedia-digest-type"
REPLAY_WINDOW = 300.0
"""Seconds a signed callback's ``Date`` may be away from now."""
DIGESTS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA224": hashes.SHA224,
    "SHA256": hashes.SHA256,
    "SHA512": hashes.SHA512,
}
"""The digests a MessageMedia signature key can use (named in ``X-Messagemedia-Digest-Type``)."""
_STATUSES = {
    "queued": DeliveryStatus.SENT,
    "scheduled": DeliveryStatus.SENT,
    "processing": DeliveryStatus.SENT,
    "processed": DeliveryStatus.SENT,
    "held": DeliveryStatus.SENT,
    "enroute": DeliveryStatus.SENT,
    "submitted": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "expired": DeliveryStatus.BOUNCED,
    "undeliverable": DeliveryStatus.BOUNCED,
    "failed": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.FAILED,
    "cancelled": DeliveryStatus.FAILED,
    "opt_out_sms": DeliveryStatus.BLOCKED,
}
"""Report and message statuses (any case); ``OPT_OUT_SMS`` is the account webhooks' opt-out."""
_BLOCKED_CODES = {"302", "412"}
"""Destination address blocked (MessageMedia's opt-out blacklist, or the carrier's)."""
REFERENCE_KEY = "reference"
"""The metadata key our reference goes under."""
REPORT_PATH = "/v2-preview/reporting/messages/detail"
RECORD_DELAY = timedelta(minutes=10)
"""How long after a request the Reporting API may still miss a text MessageMedia took
(undocumented: our margin), before its absence from the report counts."""
PAGE_SIZE = 100
MAX_PAGES = 20


@dataclass(frozen=True, slots=True)
class MessageMediaAccount:
    """A MessageMedia connection: the API key and secret, the webhook key, our address."""

    api_key: str
    api_secret: str
    webhook_public_key: str
    """The Enterprise Webhook public key: PEM text, or the base64 DER MessageMedia returns."""
    public_url: str | None = None
    """Our address: each text asks for reports at ``{public_url}/…/status/messagemedia/{org}``."""
    api_url: str = API_URL


class MessageMedia:
    """The MessageMedia adapter (see the module docstring)."""

    name = NAME

    def __init__(
        self,
        account: MessageMediaAccount,
        http: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._account = account
        self._http = http
        self._clock = clock
        self._public_key = public_key(account.webhook_public_key)
        self._url = f"{account.api_url.rstrip('/')}/v1/messages"
        self._report_url = account.api_url.rstrip("/") + REPORT_PATH
        credentials = f"{account.api_key}:{account.api_secret}".encode()
        self._headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text; 429 is retried later, 5xx retried, 4xx never."""
        text: dict[str, Any] = {
            "content": message.body,
            "destination_number": message.to,
            "format": "SMS",
            "delivery_report": True,
            "metadata": {REFERENCE_KEY: message.reference},
        }
        if message.sender:
            text["source_number"] = message.sender
            text["source_number_type"] = _source_type(message.sender)
        status_url = callback_url(self._account.public_url, NAME, "status", message.organization_id)
        if status_url:
            text["callback_url"] = status_url
        body = json.dumps({"messages": [text]}).encode()
        async with self._http().post(self._url, data=body, headers=self._headers) as response:
            if 200 <= response.status < 300:
                return SendResult(_message_id(await response.read()))
            raise await _refusal(response)

    async def lookup(self, sent: SentText) -> Lookup:
        """The id of the outbound message in MessageMedia's detail report whose metadata
        holds our reference, sent while its request lasted."""
        return await asked("MessageMedia", self._lookup(sent))

    async def _lookup(self, sent: SentText) -> Lookup:
        wait_for_records("MessageMedia", sent, RECORD_DELAY, self._clock())
        start, end = window(sent)
        reference = sent.text.reference
        for page in range(MAX_PAGES):
            query = {
                "start_date": utc(start, "%Y-%m-%dT%H:%M:%S.000Z"),
                "end_date": utc(end, "%Y-%m-%dT%H:%M:%S.000Z"),
                "timezone": "UTC",
                "direction": "outbound",
                "metadata_key": REFERENCE_KEY,
                "metadata_value": reference,
                "page": page,
                "page_size": PAGE_SIZE,
            }
            report = await ask(
                "MessageMedia",
                self._http(),
                "POST",
                self._report_url,
                headers=self._headers,
                body=json.dumps(query).encode(),
            )
            for row in report.get("messages") or []:
                if (row.get("metadata") or {}).get(REFERENCE_KEY) == reference:
                    return Lookup(matches=(str(row["message_id"]),))
            if not (report.get("pagination") or {}).get("has_next"):
                return Lookup()
        raise ProviderError(
            f"MessageMedia reports more than {MAX_PAGES * PAGE_SIZE} texts with the reference",
            retryable=False,
        )

    def verify(self, request: WebhookRequest) -> bool:
        """Whether ``X-Messagemedia-Signature`` is the RSA (PKCS#1 v1.5) signature, by the
        connection's key with the named digest, of the request line, ``Date`` and body, and
        ``Date`` is within 5 minutes of now."""
        headers = request.headers
        digest = DIGESTS.get(headers.get(DIGEST_HEADER, "").strip().upper())
        date = headers.get("date", "")
        try:
            signature = base64.b64decode(headers.get(SIGNATURE_HEADER, ""), validate=True)
            sent_at = parsedate_to_datetime(date).timestamp()
        except (binascii.Error, TypeError, ValueError):
            return False
        if digest is None or not signature or abs(self._clock() - sent_at) > REPLAY_WINDOW:
            return False
        data = signed_data(request.method, request.url, date, request.body)
        try:
            self._public_key.verify(signature, data, padding.PKCS1v15(), digest())
        except InvalidSignature:
            return False
        return True

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """The delivery report in a callback (none when it is a reply to the text)."""
        data = _json(request)
        if "reply_id" in data and "status" not in data:
            return []
        raw = str(data["status"])
        code = _code(data.get("error_code"))
        status = _STATUSES.get(raw.lower(), DeliveryStatus.UNKNOWN)
        if code in _BLOCKED_CODES:
            status = DeliveryStatus.BLOCKED
        at = _time(data.get("submitted_date")) or _time(data.get("date_received"))
        metadata = data.get("metadata")
        reference = metadata.get(REFERENCE_KEY) if isinstance(metadata, dict) else None
        return [
            DeliveryReport(
                str(data["message_id"]),
                status,
                raw,
                error_code=code,
                at=at,
                reference=None if reference is None else str(reference),
            )
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The reply in a callback (none when it is a delivery report)."""
        data = _json(request)
        if "reply_id" not in data and "delivery_report_id" in data:
            return []
        return [
            InboundSms(
                sender=_e164(str(data["source_number"])),
                recipient=_e164(str(data["destination_number"])),
                text=str(data.get("content") or ""),
                provider_message_id=str(data["reply_id"]),
                received_at=_time(data.get("date_received")),
            )
        ]


def connect(connection: Connection) -> MessageMedia:
    """The adapter of a MessageMedia connection (``ValueError`` on an unreadable key)."""
    fields = connection.fields
    region = fields.get("region") or "APAC"
    account = MessageMediaAccount(
        fields["username"],
        fields["password"],
        fields["webhook_public_key"],
        public_url=connection.public_url,
        api_url=fields.get("api_url") or API_URLS[region],
    )
    return MessageMedia(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="MessageMedia",
    fields=(
        ConnectionField("username", "Username", help="Your MessageMedia API key (Basic auth)"),
        ConnectionField("password", "Password", secret=True, help="Your MessageMedia API secret"),
        ConnectionField(
            "webhook_public_key",
            "Enterprise Webhook – Public Key",
            help="The public key that verifies callbacks and replies (PEM), from MessageMedia",
        ),
        ConnectionField(
            "region",
            "Region",
            required=False,
            choices=tuple(API_URLS),
            help="Where your account lives: APAC (api.messagemedia.com, the default) or EU",
        ),
        API_URL_FIELD,
    ),
    connect=connect,
)


def public_key(text: str) -> rsa.RSAPublicKey:
    """The RSA key in ``text``: PEM, or base64 DER (SubjectPublicKeyInfo) as MessageMedia
    returns it; ``ValueError`` when it is neither."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, TypeError) as error:
        raise ValueError("the Enterprise Webhook public key is not a readable key") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the Enterprise Webhook public key is not an RSA key")
    return key


def signed_data(method: str, url: str, date: str, body: bytes) -> bytes:
    """What MessageMedia signs: ``{METHOD} {path?query} HTTP/1.1``, the ``Date`` header and
    the raw body, with nothing between them."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{method.upper()} {target} HTTP/1.1{date}".encode() + body


def _source_type(sender: str) -> str:
    if sender.startswith("+") and sender[1:].isdigit():
        return "INTERNATIONAL"
    if sender.isdigit():
        return "SHORTCODE"
    return "ALPHANUMERIC"


def _message_id(body: bytes) -> str:
    """The id in a send answer; a taken text without one cannot be tracked, nor resent."""
    try:
        return str(json.loads(body)["messages"][0]["message_id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise ProviderError(
            "MessageMedia took the text but named no message_id", retryable=False
        ) from None


async def _refusal(response: aiohttp.ClientResponse) -> ProviderError:
    """MessageMedia's error answer (``message`` and ``details``) as a :class:`ProviderError`."""
    try:
        answer = json.loads(await response.read())
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    details = answer.get("details")
    reason = str(answer.get("message") or response.reason)
    if isinstance(details, list) and details:
        reason += " (" + "; ".join(str(detail) for detail in details) + ")"
    text = f"MessageMedia answered {response.status}: {reason}"
    return http_refusal(text, response.status, response.headers)


def _json(request: WebhookRequest) -> dict[str, Any]:
    data = json.loads(request.body)
    if not isinstance(data, dict):
        raise ValueError("a MessageMedia callback is a JSON object")
    return data


def _code(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _e164(number: str) -> str:
    """MessageMedia's numbers with a leading ``+`` (alphanumeric senders as they are)."""
    return "+" + number if number.isdigit() else number


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
