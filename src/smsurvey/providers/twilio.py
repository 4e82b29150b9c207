"""Twilio Programmable Messaging: send, status callbacks, inbound texts, ``X-Twilio-Signature``.

Wire facts: ``../shared/specs/providers.md`` §1. Sends are form posts to
``{api}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth, through the
process's shared :class:`aiohttp.ClientSession`; the answer's ``sid`` is the message id.

Twilio takes no client reference nor idempotency key, so a text whose hand-over is uncertain is
looked up in the Messages list: filtered by ``To``, ``From`` and ``DateSent>``/``DateSent<``,
matched on body and creation time. A text Twilio took but has not sent yet (queued behind the
sender's rate) has no ``date_sent`` and escapes that filter, so when it finds nothing the whole
list to the number is read for texts not sent yet: Twilio orders its list by send date, and
where it puts those without one is not documented. Twilio creates the Message before it
answers, so a text it does not list is a text it does not have.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode

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
)
from smsurvey.providers.lookups import ask, asked, on, utc, window
from smsurvey.sms.encoding import smart_encode

NAME = "twilio"
API_URL = "https://api.twilio.com"
SIGNATURE_HEADER = "x-twilio-signature"
_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.BOUNCED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
_BLOCKED_CODES = {"21610", "30004", "30007"}
"""Unsubscribed (STOP at Twilio), blocked by the carrier, filtered."""
_THROTTLED_CODES = {20429, 21611, 63018}
MESSAGING_SERVICE = re.compile(r"MG[0-9a-fA-F]{32}")
"""A Messaging Service SID, which a connection may give as its sender."""
MAX_QUEUED = timedelta(hours=10)
"""The longest Twilio keeps a text queued before sending it (error 21611's page)."""
LOOKUP_PAGE = 1000
"""Twilio's largest page of the Messages list."""
MAX_PAGES = 20
"""Pages read before a lookup gives up: that many texts to one number cannot be told apart."""


@dataclass(frozen=True, slots=True)
class TwilioAccount:
    """A Twilio connection: the account, its secret, the sender, where its callbacks go."""

    account_sid: str
    auth_token: str
    public_url: str | None = None
    """Our address: each text asks for its status at ``{public_url}/…/status/twilio/{org}``."""
    api_url: str = API_URL


class Twilio:
    """The Twilio adapter (see the module docstring)."""

    name = NAME

    def __init__(self, account: TwilioAccount, http: Callable[[], aiohttp.ClientSession]) -> None:
        self._account = account
        self._http = http
        self._url = (
            f"{account.api_url.rstrip('/')}/2010-04-01/Accounts/{account.account_sid}/Messages.json"
        )
        credentials = f"{account.account_sid}:{account.auth_token}".encode()
        self._headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self._tails: dict[tuple[str, str], str] = {}
        """The encoded fields every text of a sender and organisation carries alike."""

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text; 429 and throttling are retried later, 5xx retried, 4xx permanent."""
        # Encoded here, the fields the sender's texts share once: aiohttp's FormData, and
        # even urlencode, cost more than the rest of a send.
        body = f"To={quote_plus(message.to)}&Body={quote_plus(message.body)}&{self._tail(message)}"
        async with self._http().post(
            self._url, data=body.encode(), headers=self._headers
        ) as response:
            if response.status in (200, 201):
                answer = json.loads(await response.read())
                return SendResult(provider_message_id=str(answer["sid"]))
            raise await _refusal(response)

    def _tail(self, message: OutboundSms) -> str:
        """``From`` (or ``MessagingServiceSid``) and ``StatusCallback``, encoded."""
        key = (message.sender, message.organization_id)
        if key not in self._tails:
            service = MESSAGING_SERVICE.fullmatch(message.sender) is not None
            form = {("MessagingServiceSid" if service else "From"): message.sender}
            account, organization = self._account, message.organization_id
            if status_url := callback_url(account.public_url, NAME, "status", organization):
                form["StatusCallback"] = status_url
            self._tails[key] = urlencode(form)
        return self._tails[key]

    async def lookup(self, sent: SentText) -> Lookup:
        """The SIDs of the texts in Twilio's Messages list that are ``sent``: to its number,
        from its sender, with its body, created while its request lasted (oldest first)."""
        return await asked("Twilio", self._lookup(sent))

    async def _lookup(self, sent: SentText) -> Lookup:
        text = sent.text
        service = MESSAGING_SERVICE.fullmatch(text.sender) is not None
        query = {"To": text.to} if service else {"To": text.to, "From": text.sender}
        start, end = window(sent)
        dated = {**query, "DateSent>": utc(start), "DateSent<": utc(end + MAX_QUEUED)}
        found = [item async for item in self._listed(dated) if _is(item, sent, service)]
        if not found:
            found = [
                item
                async for item in self._listed(query)
                if not item.get("date_sent") and _is(item, sent, service)
            ]
        # Twilio lists the newest first: reversed, texts created in one second are oldest first.
        found.reverse()
        found.sort(key=_created)
        return Lookup(matches=tuple(str(item["sid"]) for item in found))

    async def _listed(self, query: Mapping[str, str]) -> AsyncIterator[Mapping[str, Any]]:
        """The Messages list's entries for ``query``, page after page (``next_page_uri``)."""
        headers = {"Authorization": self._headers["Authorization"], "Accept": "application/json"}
        url = self._url
        params: Mapping[str, str] | None = {**query, "PageSize": str(LOOKUP_PAGE)}
        for _ in range(MAX_PAGES):
            page = await ask("Twilio", self._http(), "GET", url, headers=headers, params=params)
            for item in page.get("messages") or []:
                yield item
            link = page.get("next_page_uri")
            if not link:
                return
            url, params = on(self._account.api_url, str(link)), None
        raise ProviderError(
            f"Twilio lists more than {MAX_PAGES * LOOKUP_PAGE} texts to one number: "
            "cannot tell which is this one",
            retryable=False,
        )

    def verify(self, request: WebhookRequest) -> bool:
        """Whether ``X-Twilio-Signature`` is the HMAC-SHA1 of the URL and sorted form fields."""
        given = request.headers.get(SIGNATURE_HEADER, "")
        fields = _form(request) if request.method.upper() == "POST" else {}
        return hmac.compare_digest(given, signature(self._account.auth_token, request.url, fields))

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """One report per callback; ``queued``/``sending`` and unknown values map to Unknown."""
        fields = _form(request)
        raw = fields.get("MessageStatus") or fields.get("SmsStatus", "")
        code = fields.get("ErrorCode") or None
        status = _STATUSES.get(raw, DeliveryStatus.UNKNOWN)
        if code in _BLOCKED_CODES:
            status = DeliveryStatus.BLOCKED
        sid = fields.get("MessageSid") or fields.get("SmsSid", "")
        return [DeliveryReport(sid, status, raw, error_code=code)]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """The text in an inbound-message webhook."""
        fields = _form(request)
        return [
            InboundSms(
                sender=fields["From"],
                recipient=fields["To"],
                text=fields.get("Body", ""),
                provider_message_id=fields.get("MessageSid") or fields.get("SmsSid", ""),
            )
        ]


def connect(connection: Connection) -> Twilio:
    """The adapter of a Twilio connection."""
    fields = connection.fields
    account = TwilioAccount(
        fields["account_sid"],
        fields["auth_token"],
        public_url=connection.public_url,
        api_url=fields.get("api_url") or API_URL,
    )
    return Twilio(account, connection.http)


KIND = ProviderKind(
    name=NAME,
    title="Twilio",
    fields=(
        ConnectionField("account_sid", "Account SID", help="AC… on the Twilio console's dashboard"),
        ConnectionField("auth_token", "Auth Token", secret=True),
        API_URL_FIELD,
    ),
    connect=connect,
    aliases=("twilio-sms",),
    sender_forms=(MESSAGING_SERVICE,),
)


def signature(auth_token: str, url: str, fields: Mapping[str, str]) -> str:
    """Twilio's signature: base64 HMAC-SHA1 of the URL followed by each sorted name and value."""
    payload = url + "".join(name + fields[name] for name in sorted(fields))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _is(item: Mapping[str, Any], sent: SentText, service: bool) -> bool:
    """Whether a Messages list entry is ``sent``: outbound from its sender with its body (as
    sent, or as Twilio's Smart Encoding may have rewritten it), created during its request."""
    text = sent.text
    if not str(item.get("direction", "")).startswith("outbound"):
        return False
    sender = item.get("messaging_service_sid") if service else item.get("from")
    if sender != text.sender or item.get("to") != text.to:
        return False
    body = str(item.get("body") or "")
    if body != text.body and smart_encode(body) != smart_encode(text.body):
        return False
    start, end = window(sent)
    created = _created(item)
    return start <= created <= end


def _created(item: Mapping[str, Any]) -> datetime:
    """When Twilio created the Message (its ``date_created``, RFC 2822)."""
    return parsedate_to_datetime(str(item["date_created"]))


def _form(request: WebhookRequest) -> dict[str, str]:
    if request.method.upper() != "POST":
        return dict(request.query)
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


async def _refusal(response: aiohttp.ClientResponse) -> ProviderError:
    """Twilio's error answer as a :class:`ProviderError` with its code kept."""
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        answer = {}
    code = answer.get("code") if isinstance(answer, dict) else None
    message = (answer.get("message") if isinstance(answer, dict) else None) or response.reason
    text = f"Twilio answered {response.status}: {message}"
    return http_refusal(
        text, response.status, response.headers, code=_str(code), throttled=code in _THROTTLED_CODES
    )


def _str(code: object) -> str | None:
    return None if code is None else str(code)
