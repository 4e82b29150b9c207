"""Vonage SMS API (ex-Nexmo): send, delivery receipts, inbound texts, signed webhooks (``sig``).

Wire facts: ``../shared/specs/providers.md`` §6. Sends are form posts to ``{api}/sms/json`` with
``api_key``/``api_secret`` in the body, numbers without ``+``, ``type=unicode`` for texts that
are not GSM-7, and our status URL as ``callback`` (Vonage takes at most 100 characters; a longer
one is left out, and the receipts go to the dashboard's delivery-receipt URL). The answer is
always 200 with one entry per part in ``messages[]``; a non-zero ``status`` there is a refusal.

A text sent in several parts gets one ``message-id`` per part, and Vonage reports on each part
separately; the text is named after its first part, so the first part's receipts are its
delivery reports (those of the other parts match no text and are only logged).

Receipts and inbound texts arrive as GET query parameters, a form post or a JSON post (the
dashboard's choice), signed with the signature secret and the dashboard's signature method.

Each text carries our reference as its ``client-ref``, which Vonage echoes in its receipts and
keeps in its records. Vonage takes no idempotency key; a text whose hand-over is uncertain is
looked up in the Reports API's records (``GET /v2/reports/records``, product SMS, outbound, by
the time Vonage received it), matched by ``client_ref``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

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
    TextPart,
    WebhookRequest,
    callback_url,
    http_refusal,
)
from smsurvey.providers.lookups import ask, asked, on, utc, wait_for_records, window
from smsurvey.sms.encoding import Encoding, measure

NAME = "vonage"
API_URL = "https://rest.nexmo.com"
REPORTS_URL = "https://api.nexmo.com"
"""Where the Reports API lives (the SMS API is on ``rest.nexmo.com``)."""
RECORD_DELAY = timedelta(minutes=10)
"""How long after a request Vonage's records may still miss a text it took (its SMS logs
appear "after a few minutes"; our margin), before their silence counts."""
MAX_PAGES = 50
"""Pages of records (1,000 each) read before a lookup gives up."""
MAX_CALLBACK_URL = 100
"""Vonage refuses a longer ``callback`` (status 23)."""
MAX_AGE = 300.0
"""Seconds a signed callback's ``timestamp`` may be away from now."""
SIGNATURE_METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")
"""The dashboard's "MD5 hash" (MD5 of the string and the secret), then the HMAC digests."""
_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
_STATUSES = {
    "accepted": DeliveryStatus.SENT,
    "buffered": DeliveryStatus.SENT,
    "unknown": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "expired": DeliveryStatus.BOUNCED,
    "failed": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.FAILED,
}
_BLOCKED_CODES = {"4", "6", "14", "50", "51", "52", "53"}
"""Receipt ``err-code``: barred by the user, anti-spam, blocked by the carrier, filtered."""
_THROTTLED = "1"
_TRANSIENT = {"5", "10"}
"""Send status: internal error, too many binds (Vonage says back off and retry)."""
_WAIT = re.compile(r"wait \[\s*(\d+)\s*\]")
"""The milliseconds in ``Throughput Rate Exceeded - please wait [ 250 ] and retry``."""


@dataclass(frozen=True, slots=True)
class VonageAccount:
    """A Vonage connection: API key and secret, the webhook signature secret and method."""

    api_key: str
    api_secret: str
    signature_secret: str
    signature_method: str = "md5hash"
    public_url: str | None = None
    """Our address: each text asks for its receipts at ``{public_url}/…/status/vonage/{org}``."""
    api_url: str = API_URL
    reports_url: str = REPORTS_URL

    def __post_init__(self) -> None:
        if self.signature_method not in SIGNATURE_METHODS:
            raise ValueError(f"unknown Vonage signature method {self.signature_method!r}")


class Vonage:
    """The Vonage adapter (see the module docstring)."""

    name = NAME

    def __init__(
        self,
        account: VonageAccount,
        http: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._account = account
        self._http = http
        self._clock = clock
        self._url = f"{account.api_url.rstrip('/')}/sms/json"
        credentials = f"{account.api_key}:{account.api_secret}".encode()
        self._reports_headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Accept": "application/json",
        }

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text with our reference as ``client-ref``; throttling is retried later,
        internal errors retried, the rest final."""
        unicode = measure(message.body).encoding is Encoding.UCS2
        form = {
            "api_key": self._account.api_key,
            "api_secret": self._account.api_secret,
            "from": message.sender.removeprefix("+"),
            "to": message.to.removeprefix("+"),
            "text": message.body,
            "type": "unicode" if unicode else "text",
            "client-ref": message.reference,
        }
        status_url = callback_url(self._account.public_url, NAME, "status", message.organization_id)
        if status_url and len(status_url) <= MAX_CALLBACK_URL:
            form["callback"] = status_url
        body = urlencode(form).encode()
        async with self._http().post(self._url, data=body, headers=_HEADERS) as response:
            if response.status != 200:
                raise await _http_refusal(response)
            raw = await response.read()
        return _taken(raw)

    async def lookup(self, sent: SentText) -> Lookup:
        """The first part's id of the text in Vonage's records with our reference as its
        ``client_ref``, received while its request lasted."""
        return await asked("Vonage", self._lookup(sent))

    async def _lookup(self, sent: SentText) -> Lookup:
        wait_for_records("Vonage", sent, RECORD_DELAY, self._clock())
        start, end = window(sent)
        params: Mapping[str, str] | None = {
            "account_id": self._account.api_key,
            "product": "SMS",
            "direction": "outbound",
            "date_start": utc(start),
            "date_end": utc(end),
        }
        base = self._account.reports_url
        url = f"{base.rstrip('/')}/v2/reports/records"
        found: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            page = await ask(
                "Vonage", self._http(), "GET", url, headers=self._reports_headers, params=params
            )
            found += [
                record
                for record in page.get("records") or []
                if record.get("client_ref") == sent.text.reference
            ]
            link = ((page.get("_links") or {}).get("next") or {}).get("href")
            if page.get("request_status") != "TRUNCATED" or not link:
                first = min(found, key=_received, default=None)
                return Lookup(matches=(str(first["message_id"]),) if first else ())
            url, params = on(base, str(link)), None
        raise ProviderError(
            f"Vonage has more than {MAX_PAGES} pages of records around the text",
            retryable=False,
        )

    def verify(self, request: WebhookRequest) -> bool:
        """Whether ``sig`` signs the other parameters and ``timestamp`` is within 5 minutes."""
        try:
            params = _params(request)
        except ValueError:
            return False
        given = params.pop("sig", "")
        try:
            age = abs(self._clock() - float(params.get("timestamp", "")))
        except ValueError:
            return False
        if not given or not self._account.signature_secret or not age <= MAX_AGE:
            return False
        expected = signature(self._account.signature_secret, self._account.signature_method, params)
        return hmac.compare_digest(given.lower().encode(), expected.encode())

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """One report per receipt (Vonage sends one per part); unknown values map to Unknown."""
        fields = _params(request)
        raw = fields["status"]
        code = fields.get("err-code") or None
        status = _STATUSES.get(raw, DeliveryStatus.UNKNOWN)
        if code in _BLOCKED_CODES and status in (DeliveryStatus.BOUNCED, DeliveryStatus.FAILED):
            status = DeliveryStatus.BLOCKED
        error_code = None if code == "0" else code
        reference = fields.get("client-ref") or None
        return [
            DeliveryReport(
                fields["messageId"], status, raw, error_code=error_code, reference=reference
            )
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The text (or the part of a concatenated text) in an inbound-message webhook."""
        fields = _params(request)
        part = None
        if str(fields.get("concat", "")).lower() == "true":
            part = TextPart(
                reference=str(fields["concat-ref"]),
                number=int(fields["concat-part"]),
                total=int(fields["concat-total"]),
            )
        return [
            InboundSms(
                sender=_e164(fields["msisdn"]),
                recipient=_e164(fields["to"]),
                text=fields.get("text", ""),
                provider_message_id=fields["messageId"],
                part=part,
            )
        ]


def connect(connection: Connection) -> Vonage:
    """The adapter of a Vonage connection."""
    fields = connection.fields
    account = VonageAccount(
        fields["api_key"],
        fields["api_secret"],
        fields["signature_secret"],
        signature_method=fields.get("signature_method") or "md5hash",
        public_url=connection.public_url,
        api_url=fields.get("api_url") or API_URL,
        reports_url=fields.get("api_url") or REPORTS_URL,
    )
    return Vonage(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="Vonage",
    fields=(
        ConnectionField(
            "api_key", "Account SID", help="Your Vonage API key (dashboard, API settings)"
        ),
        ConnectionField("api_secret", "Auth Token", secret=True, help="Your Vonage API secret"),
        ConnectionField(
            "signature_secret",
            "Signature Secret",
            secret=True,
            help="The secret Vonage signs its webhooks with (dashboard, API settings)",
        ),
        ConnectionField(
            "signature_method",
            "Signature method",
            required=False,
            help="As chosen in the dashboard: md5hash is its default, 'MD5 hash'; the others HMAC",
            choices=SIGNATURE_METHODS,
        ),
        API_URL_FIELD,
    ),
    connect=connect,
    plus_sign=False,
    aliases=("nexmo",),
)


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """Vonage's ``sig``: hex digest of ``&key=value`` for each sorted parameter (``&`` and ``=``
    in values replaced by ``_``), as HMAC keyed by the secret, or for ``md5hash`` as the MD5 of
    that string followed by the secret."""
    payload = "".join(
        f"&{key}={params[key].replace('&', '_').replace('=', '_')}" for key in sorted(params)
    ).encode()
    if method == "md5hash":
        return hashlib.md5(payload + secret.encode()).hexdigest()
    return hmac.new(secret.encode(), payload, method).hexdigest()


def _params(request: WebhookRequest) -> dict[str, str]:
    """A callback's parameters, from its query (GET), JSON body or form body."""
    if request.method.upper() == "GET":
        return dict(request.query)
    text = request.body.decode()
    if "json" in request.headers.get("content-type", "") or text.lstrip().startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a Vonage callback body is a JSON object")
        return {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in data.items()
        }
    return dict(parse_qsl(text, keep_blank_values=True))


def _e164(number: str) -> str:
    """Vonage's numbers come without ``+``; alphanumeric senders stay as they are."""
    return f"+{number}" if number.isdigit() else number


def _received(record: Mapping[str, Any]) -> tuple[str, str]:
    """A record's order: when Vonage received the part, then its id (the parts of a text are
    received together, the first with the lowest id)."""
    return str(record.get("date_received", "")), str(record.get("message_id", ""))


def _taken(raw: bytes) -> SendResult:
    """The first part's id when every part was taken; else the refusal, with Vonage's status."""
    try:
        parts = json.loads(raw)["messages"]
        refused = [part for part in parts if str(part["status"]) != "0"]
        if not refused:
            return SendResult(provider_message_id=str(parts[0]["message-id"]))
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise ProviderError(f"Vonage answered unreadably: {error!r}", retryable=False) from error
    code = str(refused[0]["status"])
    reason = str(refused[0].get("error-text", ""))
    text = f"Vonage refused the text: status {code}: {reason}"
    if len(refused) < len(parts):
        # Some parts went out: sending again would repeat them.
        text += f" ({len(parts) - len(refused)} of {len(parts)} parts sent)"
        raise ProviderError(text, retryable=False, code=code)
    if code == _THROTTLED:
        wait = _WAIT.search(reason)
        retry_after = int(wait.group(1)) / 1000 if wait else None
        raise ProviderError(text, retryable=True, code=code, retry_after=retry_after)
    raise ProviderError(text, retryable=code in _TRANSIENT, code=code)


async def _http_refusal(response: aiohttp.ClientResponse) -> ProviderError:
    """A gateway-level answer (429, 5xx, 401…) as a :class:`ProviderError`."""
    text = f"Vonage answered {response.status}: {response.reason}"
    return http_refusal(text, response.status, response.headers)
