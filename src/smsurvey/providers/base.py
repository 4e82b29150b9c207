"""The provider protocol and the domain types every provider speaks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import aiohttp


class DeliveryStatus(StrEnum):
    """What became of a text we sent, in the domain's words (history and exports use them)."""

    SENT = "Sent"
    DELIVERED = "Delivered"
    FAILED = "Failed"
    BOUNCED = "Bounced"
    BLOCKED = "Blocked"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True)
class OutboundSms:
    """A text to hand to a provider.

    ``reference`` is ours for this text (:func:`text_reference`), the same at every attempt:
    adapters send it where the provider keeps a client reference (and echoes it in delivery
    reports, or can be asked by it later). ``organization_id`` places the provider's
    callbacks on that organisation's receive URLs.
    """

    reference: str
    organization_id: str
    sender: str
    to: str
    body: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider took the text and named it ``provider_message_id``."""

    provider_message_id: str


def text_reference(organization_id: str, message_id: int) -> str:
    """Our reference for outbox text ``message_id``: ``OR_…-123``, unique across
    installations (the organisation id is), at most 30 characters of ``[A-Za-z0-9_-]``."""
    return f"{organization_id}-{message_id}"


MAX_MESSAGE_ID = 2**31 - 1
"""The largest id a text can have (``messages.id`` is a 32-bit integer on PostgreSQL)."""


def message_id_of(reference: str) -> tuple[str, int] | None:
    """The organisation and message id in a reference made by :func:`text_reference`
    (``None`` for anything else, such as a reference another system gave its texts, or
    one naming an id no text can have)."""
    organization_id, _, number = reference.rpartition("-")
    if not organization_id.startswith("OR_") or not (number.isascii() and number.isdigit()):
        return None
    message_id = int(number)
    return (organization_id, message_id) if message_id <= MAX_MESSAGE_ID else None


class ProviderError(Exception):
    """The provider did not take a text: retry later, or never (``retryable`` false)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        self.retry_after = retry_after


class SendUncertain(Exception):
    """The request may have reached the provider, and we cannot tell whether it took the
    text: the connection dropped, or the answer did not come in time, after the request
    was written. Never retried blindly: the text is reconciled with the provider."""


@dataclass(frozen=True, slots=True)
class SentText:
    """A text whose hand-over is uncertain, as reconciliation asks the provider about it.

    The request started at ``requested_at`` and, if the provider took it, it did so by
    ``until`` (the request's timeout after it started).
    """

    text: OutboundSms
    requested_at: datetime
    until: datetime
    provider_message_id: str | None = None
    """The provider's id of it when we know it before the answer (we chose it)."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a provider says of a :class:`SentText`.

    ``matches`` are the provider's ids of the texts it has that fit (oldest first; by our
    reference at most one). Empty and ``conclusive``: the provider does not have it, and it
    can be sent again. Not ``conclusive``: the provider cannot tell (``note`` says why), so
    a person decides.
    """

    matches: tuple[str, ...] = ()
    conclusive: bool = True
    note: str = ""


CANNOT_TELL = "cannot be asked for a text it may have taken"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A provider's word on a text we sent; ``provider_status`` is its own value, as received.

    ``reference`` is ours (:attr:`OutboundSms.reference`) when the provider echoes it: a
    report can then settle a text whose hand-over was uncertain.
    """

    provider_message_id: str
    status: DeliveryStatus
    provider_status: str
    error_code: str | None = None
    at: datetime | None = None
    reference: str | None = None

    @property
    def dedup_key(self) -> str:
        """Identifies the report among a connection's callbacks: the same again is a replay."""
        return f"status:{self.provider_message_id}:{self.provider_status}:{self.error_code or ''}"


@dataclass(frozen=True, slots=True)
class TextPart:
    """Which part of a long text an inbound webhook carries (providers that deliver the
    parts of a concatenated text one by one, such as Vonage)."""

    reference: str
    number: int
    total: int


@dataclass(frozen=True, slots=True)
class InboundSms:
    """A text someone sent to one of our numbers (or one part of it, with ``part``)."""

    sender: str
    recipient: str
    text: str
    provider_message_id: str
    received_at: datetime | None = None
    part: TextPart | None = None

    @property
    def dedup_key(self) -> str:
        """Identifies the text (or part: each has its own id) among a connection's callbacks."""
        return f"message:{self.provider_message_id}"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An incoming provider callback as the receive endpoints got it (headers in lower case)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


class Provider(Protocol):
    """What every provider adapter (and the simulator) implements."""

    name: str

    async def send(self, message: OutboundSms) -> SendResult:
        """Hand ``message`` over; raise :class:`ProviderError` when the provider refuses it.

        Network errors are left to :func:`hand_over`, which tells those before the request
        was written (retried) from those after (:class:`SendUncertain`).
        """
        ...

    async def lookup(self, sent: SentText) -> Lookup:
        """Ask the provider whether it took ``sent`` (a send whose outcome is uncertain);
        raise :class:`ProviderError` when it could not be asked (asked again later)."""
        ...

    def verify(self, request: WebhookRequest) -> bool:
        """Whether a callback really comes from the provider."""
        ...

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """The delivery reports in a status callback."""
        ...

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The texts in an inbound-message callback."""
        ...


@dataclass(frozen=True, slots=True)
class ConnectionField:
    """One field an organisation fills in to connect its account at a provider."""

    key: str
    label: str
    secret: bool = False
    """Encrypted at rest and never shown again (listings show its last 4 characters)."""
    required: bool = True
    help: str = ""
    choices: tuple[str, ...] = ()
    """When not empty, the only values the field takes."""


API_URL_FIELD = ConnectionField(
    "api_url",
    "API base URL",
    required=False,
    help="Only to go through a proxy or a test gateway: the scheme and host the API calls use.",
)
"""Every provider takes it; tests point adapters at fake providers on 127.0.0.1 with it."""


@dataclass(frozen=True, slots=True)
class Connection:
    """What an adapter is built from: a connection's fields, decrypted, and where it lives.

    ``public_url`` is our own address, for the per-text status callback URL
    ``{public_url}/distribution-providers/v1/receive/distribution/status/{kind}/{org}``.
    """

    organization_id: str
    fields: Mapping[str, str]
    sender: str
    public_url: str | None
    http: Callable[[], aiohttp.ClientSession]


@dataclass(frozen=True, slots=True)
class ProviderKind:
    """A provider we can connect to: its fields and how to build its adapter.

    ``name`` is the provider's segment in the receive URLs; ``aliases`` are other segments
    that name it (``twilio-sms``); ``plus_sign`` says whether its API wants numbers with
    the leading ``+`` (adapters format numbers themselves: texts carry E.164).
    """

    name: str
    title: str
    fields: tuple[ConnectionField, ...]
    connect: Callable[[Connection], Provider]
    plus_sign: bool = True
    aliases: tuple[str, ...] = ()
    sender_forms: tuple[re.Pattern[str], ...] = ()
    """Senders it takes besides numbers and alphanumeric ids (a Twilio Messaging Service)."""


def callback_url(public_url: str | None, kind: str, what: str, organization_id: str) -> str | None:
    """Our receive URL for ``what`` (``status`` or ``message``) callbacks, if we have one."""
    if not public_url:
        return None
    return (
        f"{public_url.rstrip('/')}/distribution-providers/v1/receive/distribution"
        f"/{what}/{kind}/{organization_id}"
    )


BEFORE_WRITE = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
"""Network failures that happen before a request is written: refused, DNS, TLS, no
connection in time. The provider never saw the request."""


async def hand_over(provider: Provider, message: OutboundSms) -> SendResult:
    """``provider.send(message)``, with network failures sorted by whether the provider
    may have seen the request.

    Before it was written (:data:`BEFORE_WRITE`): a retryable :class:`ProviderError`, like
    the provider's own refusals. After (a dropped connection, a read timeout, anything
    else): :class:`SendUncertain`.
    """
    try:
        return await provider.send(message)
    except BEFORE_WRITE as error:
        reason = str(error) or type(error).__name__
        raise ProviderError(
            f"{provider.name} could not be reached: {reason}", retryable=True
        ) from error
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        raise SendUncertain(f"{provider.name} may have taken it: {reason}") from error


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The seconds a ``Retry-After`` header asks us to wait, when it gives a number."""
    wait = headers.get("Retry-After")
    return float(wait) if wait and wait.replace(".", "", 1).isdigit() else None


def http_refusal(
    text: str,
    status: int,
    headers: Mapping[str, str],
    *,
    code: str | None = None,
    throttled: bool = False,
) -> ProviderError:
    """A provider's HTTP error answer: 429 (or a ``throttled`` code) is retried later as
    ``Retry-After`` says, a 5xx retried, anything else refused for good."""
    if status == 429 or throttled:
        return ProviderError(text, retryable=True, code=code, retry_after=retry_after(headers))
    return ProviderError(text, retryable=status >= 500, code=code)
