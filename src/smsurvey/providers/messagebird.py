"""MessageBird (Bird) legacy SMS API: send, status reports, inbound texts, signed webhooks.

Wire facts: ``../shared/specs/providers.md`` §7. Sends are JSON posts to ``{api}/messages``
with ``Authorization: AccessKey <key>``, through the process's shared
:class:`aiohttp.ClientSession`; the answer's ``id`` is the message id. Numbers go without
the ``+``. Status reports come as GET query parameters (only for texts sent with a
``reference``); inbound texts come from a Flow Builder "Call HTTP endpoint" step. Both carry
a ``MessageBird-Signature-JWT`` header: an HS256/384/512 JWT made with the signing key.

Each text carries our reference as its ``reference``, which the status reports echo.
MessageBird takes no idempotency key; a text whose hand-over is uncertain is looked up in the
messages list (``GET /messages``, to its recipient, created while its request lasted) by that
reference. MessageBird creates the message before it answers, so a text it does not list is a
text it does not have.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import aiohttp
import jwt

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
from smsurvey.providers.lookups import ask, asked, utc, window

NAME = "messagebird"
API_URL = "https://rest.messagebird.com"
SIGNATURE_HEADER = "messagebird-signature-jwt"
ISSUER = "MessageBird"
ALGORITHMS = ["HS256", "HS384", "HS512"]
CLOCK_SKEW = 300.0
"""Seconds a token may be used before its ``nbf`` or after its ``exp`` (clocks drift)."""
_STATUSES = {
    "scheduled": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT,
    "buffered": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "expired": DeliveryStatus.BOUNCED,
    "delivery_failed": DeliveryStatus.BOUNCED,
}
_BLOCKED_CODES = {"103"}
"""``statusErrorCode`` 103: the contact sent STOP."""
PAGE_SIZE = 100
MAX_PAGES = 50
"""Pages of the messages list read before a lookup gives up."""
RFC3339 = "%Y-%m-%dT%H:%M:%S+00:00"


@dataclass(frozen=True, slots=True)
class MessageBirdAccount:
    """A MessageBird connection: the access key, the signing key, where its callbacks go."""

    access_key: str
    signing_key: str
    public_url: str | None = None
    """Our address: each text asks for its status at ``{public_url}/…/status/messagebird/{org}``."""
    api_url: str = API_URL


class MessageBird:
    """The MessageBird adapter (see the module docstring)."""

    name = NAME

    def __init__(
        self,
        account: MessageBirdAccount,
        http: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._account = account
        self._http = http
        self._clock = clock
        self._url = f"{account.api_url.rstrip('/')}/messages"
        self._headers = {
            "Authorization": f"AccessKey {account.access_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text; 429 is retried later, 5xx retried, the rest (bad number, bad key,
        no balance…) permanent."""
        payload: dict[str, object] = {
            "originator": _plain(message.sender),
            "recipients": [_plain(message.to)],
            "body": message.body,
            "reference": message.reference,
        }
        report_url = callback_url(self._account.public_url, NAME, "status", message.organization_id)
        if report_url:
            payload["reportUrl"] = report_url
        body = json.dumps(payload).encode()
        async with self._http().post(self._url, data=body, headers=self._headers) as response:
            answer = _json(await response.read())
            if response.status in (200, 201):
                return SendResult(provider_message_id=str(answer["id"]))
            raise _refusal(response, answer)

    async def lookup(self, sent: SentText) -> Lookup:
        """The id of the message in MessageBird's list with our reference, to its recipient,
        created while its request lasted."""
        return await asked("MessageBird", self._lookup(sent))

    async def _lookup(self, sent: SentText) -> Lookup:
        start, end = window(sent)
        query = {
            "recipient": _plain(sent.text.to),
            "direction": "mt",
            "from": utc(start, RFC3339),
            "until": utc(end, RFC3339),
            "limit": str(PAGE_SIZE),
        }
        headers = {"Authorization": self._headers["Authorization"], "Accept": "application/json"}
        for page in range(MAX_PAGES):
            params = {**query, "offset": str(page * PAGE_SIZE)}
            listed = await ask(
                "MessageBird", self._http(), "GET", self._url, headers=headers, params=params
            )
            items = listed.get("items") or []
            for item in items:
                if item.get("reference") == sent.text.reference:
                    return Lookup(matches=(str(item["id"]),))
            if not items or (page + 1) * PAGE_SIZE >= int(listed.get("totalCount") or 0):
                return Lookup()
        raise ProviderError(
            f"MessageBird lists more than {MAX_PAGES * PAGE_SIZE} messages around the text",
            retryable=False,
        )

    def verify(self, request: WebhookRequest) -> bool:
        """Whether ``MessageBird-Signature-JWT`` is a live token from our signing key whose
        ``url_hash`` and ``payload_hash`` match the URL and body."""
        token = request.headers.get(SIGNATURE_HEADER, "")
        if not token:
            return False
        try:
            claims = jwt.decode(
                token,
                self._account.signing_key,
                algorithms=ALGORITHMS,
                issuer=ISSUER,
                options={
                    "require": ["iss", "nbf", "exp"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError:
            return False
        return _live(claims, self._clock()) and _hashes_match(claims, request.url, request.body)

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """One report per status report; the text is named by ``id``, as ``send`` returned."""
        fields = request.query if request.method.upper() == "GET" else _fields(request)
        raw = fields["status"]
        code = fields.get("statusErrorCode") or None
        status = _STATUSES.get(raw, DeliveryStatus.UNKNOWN)
        if code in _BLOCKED_CODES:
            status = DeliveryStatus.BLOCKED
        when = _when(fields.get("statusDatetime"))
        reference = fields.get("reference") or None
        return [
            DeliveryReport(fields["id"], status, raw, error_code=code, at=when, reference=reference)
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The text a Flow Builder step forwarded (virtual number or short-code fields)."""
        fields = _fields(request)
        shortcode = fields.get("shortcode")
        recipient = fields.get("recipient") or fields.get("receiver")
        if recipient:
            recipient = _e164(recipient)
        elif shortcode:
            recipient = shortcode
        else:
            raise KeyError("recipient")
        text = next((fields[key] for key in ("body", "payload", "message") if key in fields), None)
        if text is None:
            raise KeyError("body")
        if fields.get("createdDatetime"):
            received = _when(fields["createdDatetime"])
        elif fields.get("receive_datetime"):
            received = datetime.strptime(fields["receive_datetime"], "%Y%m%d%H%M%S")
            received = received.replace(tzinfo=UTC)
        else:
            received = None
        return [
            InboundSms(
                sender=_e164(fields["originator"]),
                recipient=recipient,
                text=text,
                provider_message_id=fields.get("id") or fields.get("mid") or "",
                received_at=received,
            )
        ]


def connect(connection: Connection) -> MessageBird:
    """The adapter of a MessageBird connection."""
    fields = connection.fields
    account = MessageBirdAccount(
        fields["access_key"],
        fields["signing_key"],
        public_url=connection.public_url,
        api_url=fields.get("api_url") or API_URL,
    )
    return MessageBird(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="MessageBird",
    fields=(
        ConnectionField(
            "signing_key",
            "Signing Key",
            secret=True,
            help="Developers → Settings in MessageBird; verifies incoming callbacks",
        ),
        ConnectionField(
            "access_key",
            "Access Token",
            secret=True,
            help="A live access key from Developers → API access in MessageBird",
        ),
        API_URL_FIELD,
    ),
    connect=connect,
    plus_sign=False,
    aliases=("bird",),
)


def _live(claims: Mapping[str, object], now: float) -> bool:
    """Whether ``now`` is within the token's ``nbf``…``exp``, give or take the clock skew."""
    not_before, expires = claims.get("nbf"), claims.get("exp")
    if not isinstance(not_before, int | float) or not isinstance(expires, int | float):
        return False
    return not_before - CLOCK_SKEW <= now < expires + CLOCK_SKEW


def _hashes_match(claims: Mapping[str, object], url: str, body: bytes) -> bool:
    """``url_hash`` is the hex SHA-256 of the full URL; ``payload_hash`` that of the body,
    present exactly when there is a body."""
    url_hash, payload_hash = claims.get("url_hash"), claims.get("payload_hash")
    if not isinstance(url_hash, str):
        return False
    if not hmac.compare_digest(url_hash, hashlib.sha256(url.encode()).hexdigest()):
        return False
    if not body:
        return not payload_hash
    if not isinstance(payload_hash, str):
        return False
    return hmac.compare_digest(payload_hash, hashlib.sha256(body).hexdigest())


def _plain(number: str) -> str:
    """A number as MessageBird takes it: without the ``+`` (alphanumeric senders as they are)."""
    return number[1:] if number.startswith("+") else number


def _e164(number: str) -> str:
    """A number MessageBird gave without its ``+``, with it (alphanumeric senders as they are)."""
    return f"+{number}" if number.isdigit() else number


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _fields(request: WebhookRequest) -> dict[str, str]:
    """A callback's fields: a JSON object or a form, by its content type."""
    if "json" in request.headers.get("content-type", ""):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("a MessageBird callback is a JSON object")
        return {key: "" if value is None else str(value) for key, value in data.items()}
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


def _json(raw: bytes) -> dict[str, object]:
    try:
        answer = json.loads(raw)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _refusal(response: aiohttp.ClientResponse, answer: Mapping[str, object]) -> ProviderError:
    """MessageBird's error answer as a :class:`ProviderError` with its first error code kept."""
    errors = answer.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first.get("code")
    description = "; ".join(
        f"({error.get('code')}) {error.get('description')}"
        for error in (errors if isinstance(errors, list) else [])
        if isinstance(error, dict)
    )
    text = f"MessageBird answered {response.status}: {description or response.reason}"
    code_text = None if code is None else str(code)
    return http_refusal(text, response.status, response.headers, code=code_text)
