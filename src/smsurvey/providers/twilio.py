"""Twilio Programmable Messaging: send, status callbacks, inbound texts, ``X-Twilio-Signature``.

Wire facts: ``../shared/specs/providers.md`` §1. Sends are form posts to
``{api}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth, through the
process's shared :class:`aiohttp.ClientSession`; the answer's ``sid`` is the message id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
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
    WebhookRequest,
    callback_url,
    http_refusal,
)

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
CLOCK_SKEW = timedelta(minutes=1)
"""How far Twilio's clock and ours may disagree, for matching a text's creation time."""
LOOKUP_PAGE = 50
"""A Messaging Service SID, which a connection may give as its sender."""


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

    async def send(self, message: OutboundSms) -> SendResult:
        """Post the text; 429 and throttling are retried later, 5xx retried, 4xx permanent."""
        form = {"To": message.to, "Body": message.body}
        if MESSAGING_SERVICE.fullmatch(message.sender):
            form["MessagingServiceSid"] = message.sender
        else:
            form["From"] = message.sender
        status_url = callback_url(self._account.public_url, NAME, "status", message.organization_id)
        if status_url:
            form["StatusCallback"] = status_url
        # Encoded here: aiohttp's FormData machinery costs more than the rest of a send.
        body = urlencode(form).encode()
        async with self._http().post(self._url, data=body, headers=self._headers) as response:
            if response.status in (200, 201):
                answer = json.loads(await response.read())
                return SendResult(provider_message_id=str(answer["sid"]))
            raise await _refusal(response)

    async def lookup(self, sent: SentText) -> Lookup:
        """The account's texts to the number (from our sender), newest first, page after
        page until they are older than the request: those with our body created while the
        request lasted (give or take :data:`CLOCK_SKEW`), oldest first.

        Not filtered by ``DateSent``: a text Twilio still queues has no send date yet, and
        would look absent.
        """
        text = sent.text
        earliest, latest = sent.requested_at - CLOCK_SKEW, sent.until + CLOCK_SKEW
        query = {"To": text.to, "PageSize": str(LOOKUP_PAGE)}
        if not MESSAGING_SERVICE.fullmatch(text.sender):
            query["From"] = text.sender
        url: str | None = f"{self._url}?{urlencode(query)}"
        matches: list[str] = []
        while url is not None:
            page = await self._get(url)
            for item in page.get("messages", []):
                created = parsedate_to_datetime(item["date_created"])
                if created < earliest:
                    return Lookup(matches=tuple(reversed(matches)))
                if created <= latest and item.get("body") == text.body and _ours(item, text):
                    matches.append(str(item["sid"]))
            following = page.get("next_page_uri")
            url = f"{self._account.api_url.rstrip('/')}{following}" if following else None
        return Lookup(matches=tuple(reversed(matches)))

    async def _get(self, url: str) -> dict[str, Any]:
        async with self._http().get(url, headers=self._headers) as response:
            if response.status == 200:
                answer = json.loads(await response.read())
                return answer if isinstance(answer, dict) else {}
            raise await _refusal(response)

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


def _ours(item: Mapping[str, Any], text: OutboundSms) -> bool:
    """Whether a listed text went from our sender (a number, or a Messaging Service)."""
    if MESSAGING_SERVICE.fullmatch(text.sender):
        return item.get("messaging_service_sid") == text.sender
    return item.get("direction", "outbound-api").startswith("outbound")


def _str(code: object) -> str | None:
    return None if code is None else str(code)
