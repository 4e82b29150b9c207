"""LINK Mobility "Common" platform (SP247): send, delivery reports, inbound texts, Basic auth.

Wire facts: ``../shared/specs/providers.md`` §2. Sends are JSON posts to
``https://{endpoint host}/sms/send`` with HTTP Basic auth, through the process's shared
:class:`aiohttp.ClientSession`; the answer's ``messageId`` is the message id. There is no
per-text callback URL: delivery reports go to the connection's gate, whose destination LINK
support sets to our status receive URL, and inbound texts to our message receive URL. LINK
signs neither: it calls with HTTP Basic auth, the gate's credentials being the account's
(compared in constant time; nothing signs the body).

Each text carries our reference as its ``refId``, which the delivery reports echo. LINK takes
no idempotency key and has no API to ask about a text: a text whose hand-over is uncertain is
settled by its delivery report, or by a person.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

import aiohttp

from smsurvey.providers.base import (
    API_URL_FIELD,
    CANNOT_TELL,
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
)

NAME = "link-mobility"
DEFAULT_HOST = "wsx.sp247.net"
_SENT = {1000, 1005, 1008, 1011, 1012, 1013}
"""Sent to (or queued for, or billed before sending to) the operator."""
_DELIVERED = {1001, 1007}
_BOUNCED = {4, 5, 1002, 1003, 1004, 1006, 1009, 1010, 2104, 2106}
"""Timed out, expired, deleted, handset full, not delivered, unknown subscriber, bad number."""
_BLOCKED = {2103, 2105, 2107, 2205}
"""Operation blocked, subscriber barred (for good or for now), service rejected by them."""
_FAILED = {
    0, 1, 2, 3, 6, 104, 105,
    2000, 2001, 2002, 2003, 2100, 2101, 2102,
    2200, 2201, 2202, 2203, 2204, 2206, 2207,
    3000, 3001, 3002,
    4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007,
}  # fmt: skip
"""Routing, throttling, operator, configuration, charging, encoding and content errors."""
_REFUSED = (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.BLOCKED)
_THROTTLED = 3
"""Result code "maximum throttling exceeded"."""
NO_LOOKUP = (
    f"Link Mobility {CANNOT_TELL}: its API looks nothing up, and only the text's delivery "
    "report (naming it by our refId) would tell"
)
_SHORT_NUMBER = re.compile(r"\d{1,14}")
_COUNTRY_SHORT_NUMBER = re.compile(r"[A-Z]{2}-(\d{1,14})")
"""An inbound text's short-number destination, after its country (``NO-2333``)."""


@dataclass(frozen=True, slots=True)
class LinkMobilityAccount:
    """A LINK Mobility connection: the account's credentials, ids, gate and API address."""

    username: str
    password: str
    platform_id: str
    platform_partner_id: str
    gate_id: str
    """The gate delivery reports go to (its credentials are the account's)."""
    api_url: str = f"https://{DEFAULT_HOST}"


class LinkMobility:
    """The LINK Mobility adapter (see the module docstring)."""

    name = NAME

    def __init__(
        self, account: LinkMobilityAccount, http: Callable[[], aiohttp.ClientSession]
    ) -> None:
        self._account = account
        self._http = http
        self._url = f"{account.api_url.rstrip('/')}/sms/send"
        self._credentials = f"{account.username}:{account.password}".encode()
        self._headers = {
            "Authorization": "Basic " + base64.b64encode(self._credentials).decode(),
            "Content-Type": "application/json",
        }

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text with our reference as ``refId``; 429 and throttling are retried
        later, 5xx retried, other refusals (4xx, a rejecting result code) permanent."""
        body = {
            "source": message.sender,
            "sourceTON": _type_of_number(message.sender),
            "destination": "+" + message.to.removeprefix("+"),
            "destinationTON": "MSISDN",
            "userData": message.body,
            "platformId": self._account.platform_id,
            "platformPartnerId": self._account.platform_partner_id,
            "refId": message.reference,
            "useDeliveryReport": True,
            "deliveryReportGates": [self._account.gate_id],
            "ignoreResponse": False,
        }
        data = json.dumps(body).encode()
        async with self._http().post(self._url, data=data, headers=self._headers) as response:
            if response.status == 200:
                return _accepted(await _json(response))
            raise await _refusal(response)

    async def lookup(self, sent: SentText) -> Lookup:
        """LINK cannot be asked: only its delivery report (with our ``refId``) tells."""
        return Lookup(conclusive=False, note=NO_LOOKUP)

    def verify(self, request: WebhookRequest) -> bool:
        """Whether the callback carries the account's credentials as HTTP Basic auth."""
        scheme, _, encoded = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, self._credentials)

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """One report per callback (one per segment of a long text, each naming the text)."""
        fields = _fields(request)
        raw = str(fields["resultCode"])
        try:
            code = int(raw)
        except ValueError:
            code = None
        status = _status(code)
        failed = status in _REFUSED
        # A long text's segments are reported as ``{messageId}${n}``.
        message_id = str(fields["id"]).partition("$")[0]
        reference = fields.get("refId")
        return [
            DeliveryReport(
                message_id,
                status,
                raw,
                error_code=raw if failed else None,
                at=_timestamp(fields.get("timestamp")),
                reference=str(reference) if reference else None,
            )
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The text in an inbound-message (MO) callback."""
        fields = _fields(request)
        content = fields.get("content")
        text = content.get("userData") if isinstance(content, dict) else None
        return [
            InboundSms(
                sender=_number(str(fields["source"])),
                recipient=_number(str(fields["destination"])),
                text=str(text or ""),
                provider_message_id=str(fields["messageId"]),
                received_at=_timestamp(fields.get("timestamp")),
            )
        ]


def connect(connection: Connection) -> LinkMobility:
    """The adapter of a LINK Mobility connection."""
    fields = connection.fields
    account = LinkMobilityAccount(
        fields["username"],
        fields["password"],
        fields["platform_id"],
        fields["platform_partner_id"],
        fields["gate_id"],
        api_url=fields.get("api_url") or f"https://{_host(fields['endpoint_host'])}",
    )
    return LinkMobility(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="Link Mobility",
    fields=(
        ConnectionField("username", "Username", help="The username of your Link Mobility account"),
        ConnectionField("password", "Password", secret=True),
        ConnectionField("platform_id", "Platform ID provided by Link Mobility"),
        ConnectionField("platform_partner_id", "Platform Partner ID provided by Link Mobility"),
        ConnectionField(
            "endpoint_host",
            "Endpoint host provided by Link Mobility",
            help=f"The host only: https://{DEFAULT_HOST}/sms becomes {DEFAULT_HOST}",
        ),
        ConnectionField(
            "gate_id",
            "Gate ID provided by Link Mobility",
            help="Its credentials must be your Username and Password",
        ),
        API_URL_FIELD,
    ),
    connect=connect,
    aliases=("linkmobility", "link"),
)


def _host(given: str) -> str:
    """The host of an endpoint given with or without its scheme or path."""
    return given.strip().removeprefix("https://").removeprefix("http://").partition("/")[0]


def _type_of_number(sender: str) -> str:
    """LINK's ``sourceTON`` of a sender: an E.164 number, a short number or an alphanumeric id."""
    if sender.startswith("+"):
        return "MSISDN"
    if _SHORT_NUMBER.fullmatch(sender):
        return "SHORTNUMBER"
    return "ALPHANUMERIC"


def _status(code: int | None) -> DeliveryStatus:
    if code in _SENT:
        return DeliveryStatus.SENT
    if code in _DELIVERED:
        return DeliveryStatus.DELIVERED
    if code in _BOUNCED:
        return DeliveryStatus.BOUNCED
    if code in _BLOCKED:
        return DeliveryStatus.BLOCKED
    if code in _FAILED:
        return DeliveryStatus.FAILED
    return DeliveryStatus.UNKNOWN


def _number(value: str) -> str:
    """A phone number in E.164 (``+`` added when missing); a short number without its
    country; anything else (an alphanumeric sender) as is."""
    short = _COUNTRY_SHORT_NUMBER.fullmatch(value)
    if short:
        return short.group(1)
    if value.isdigit() and len(value) > 8:
        return "+" + value
    return value


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _fields(request: WebhookRequest) -> Mapping[str, object]:
    """A callback's fields: a JSON object, or key/value pairs (form body or GET query)."""
    if request.method.upper() == "GET":
        return dict(request.query)
    if "json" in request.headers.get("content-type", "json"):
        fields = json.loads(request.body)
        if not isinstance(fields, dict):
            raise ValueError("a LINK Mobility callback is a JSON object")
        return fields
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


async def _json(response: aiohttp.ClientResponse) -> dict[str, object]:
    try:
        answer = json.loads(await response.read())
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _accepted(answer: Mapping[str, object]) -> SendResult:
    """The id of a taken text, or the refusal a 200 answer's result code carries."""
    code = answer.get("resultCode")
    status = _status(code if isinstance(code, int) else None)
    message_id = answer.get("messageId")
    if message_id and status not in _REFUSED:
        return SendResult(provider_message_id=str(message_id))
    text = f"LINK Mobility refused the text: {code} {answer.get('description') or ''}".rstrip()
    code_text = None if code is None else str(code)
    raise ProviderError(text, retryable=code == _THROTTLED, code=code_text)


async def _refusal(response: aiohttp.ClientResponse) -> ProviderError:
    """LINK Mobility's error answer as a :class:`ProviderError` with its result code kept."""
    answer = await _json(response)
    code = answer.get("resultCode", answer.get("errorCode"))
    code_text = None if code is None else str(code)
    description = answer.get("description") or response.reason
    text = f"LINK Mobility answered {response.status}: {description}"
    return http_refusal(text, response.status, response.headers, code=code_text)
