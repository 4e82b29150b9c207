"""A fake Twilio: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth, answering
with a Message resource or Twilio's error shapes; the Messages list (``To``, ``From``,
``DateSent``/``DateSent<``/``DateSent>`` by day as Twilio documents them, ``PageSize``,
``next_page_uri``) and fetch of the texts it took; callbacks signed with ``X-Twilio-Signature``
by twilio's own ``RequestValidator``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fakes.base import Callback, FakeProvider, Fault, Received, rejected

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "secret-token"
FIELDS = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
"""The connection fields that authenticate against this fake (add ``api_url``)."""
MESSAGES = "/2010-04-01/Accounts/{sid}/Messages.json"
DATE_FILTERS = ("DateSent", "DateSent<", "DateSent>")


@dataclass
class FakeTwilio(FakeProvider):
    """Checks Basic auth, ``To``, ``Body`` and ``From`` or ``MessagingServiceSid`` like Twilio."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    queued: bool = False
    """Texts stay queued (not sent yet: no ``date_sent``), as behind a busy sender."""
    page_size: int = 1000
    """The largest page the Messages list gives (Twilio's is 1000)."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(MESSAGES, self._messages)
        app.router.add_get(MESSAGES, self._list)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Messages/{message}.json", self._fetch)

    def _authorized(self, request: web.Request) -> bool:
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        return (
            request.match_info["sid"] == self.account_sid
            and request.headers.get("Authorization")
            == "Basic " + base64.b64encode(credentials).decode()
        )

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _unauthorized()
        form = {key: str(value) for key, value in (await request.post()).items()}
        if "To" not in form:
            return rejected(400, {"code": 21604, "message": "A 'To' phone number is required."})
        if "From" not in form and "MessagingServiceSid" not in form:
            return rejected(400, {"code": 21603, "message": "A 'From' phone number is required."})
        if not form.get("Body"):
            return rejected(400, {"code": 21602, "message": "Message body is required."})
        sid = f"SM{len(self.received) + 1:032x}"
        fields = {"to": form["To"], "from": form.get("From", ""), "text": form["Body"], **form}

        def answer() -> web.Response:
            sent = self.sent(sid)
            assert sent is not None
            return web.json_response(self.resource(sent), status=201)

        return await self.take(request, fields, sid, answer)

    def resource(self, sent: Received) -> dict[str, Any]:
        """The Message resource of a text the fake took."""
        created = format_datetime(datetime.fromtimestamp(sent.sent_at, UTC))
        fields = sent.fields
        return {
            "account_sid": self.account_sid,
            "sid": sent.message_id,
            "to": fields["To"],
            "from": fields.get("From") or "+15005550006",
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "body": fields["Body"],
            "direction": "outbound-api",
            "status": "queued" if self.queued else "sent",
            "num_segments": "1",
            "date_created": created,
            "date_updated": created,
            "date_sent": None if self.queued else created,
            "error_code": None,
            "error_message": None,
            "uri": MESSAGES.format(sid=self.account_sid).replace(
                ".json", f"/{sent.message_id}.json"
            ),
        }

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _unauthorized()
        query = request.query
        try:
            size = min(int(query.get("PageSize", "50")), self.page_size)
            page = int(query.get("Page", "0"))
            days = {
                key: _day(query[key])
                for key in ("DateSent", "DateSent<", "DateSent>")
                if key in query
            }
        except ValueError:
            return rejected(400, {"code": 20001, "message": "Invalid parameter", "status": 400})
        listed = [
            resource
            for sent in reversed(self.accepted())  # newest first
            # The number before the resource is built: a chaos run lists often.
            if "To" not in query or sent.fields["To"] == query["To"]
            if _listed(resource := self.resource(sent), query, days)
        ]
        items = listed[page * size : (page + 1) * size]
        base = MESSAGES.format(sid=self.account_sid)
        rest = {key: value for key, value in query.items() if key not in ("Page", "PageToken")}
        more = (page + 1) * size < len(listed)
        next_uri = f"{base}?{urlencode({**rest, 'Page': page + 1, 'PageToken': f'PA{page + 1}'})}"
        return web.json_response(
            {
                "messages": items,
                "page": page,
                "page_size": size,
                "start": page * size,
                "end": page * size + len(items) - 1,
                "uri": f"{base}?{urlencode(query)}",
                "first_page_uri": f"{base}?{urlencode({**rest, 'Page': 0})}",
                "previous_page_uri": None,
                "next_page_uri": next_uri if more else None,
            }
        )

    async def _fetch(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _unauthorized()
        sent = self.sent(request.match_info["message"])
        if sent is None:
            message = f"The requested resource {request.path} was not found"
            return rejected(404, {"code": 20404, "message": message, "status": 404})
        return web.json_response(self.resource(sent))

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            body = {"code": int(fault.code or 20429), "message": "Too Many Requests"}
            return web.json_response(body, status=429, headers=headers)
        if fault.kind == "server":
            return rejected(503, {"message": "Service Unavailable", "status": 503})
        code = int(fault.code or 21211)
        return rejected(400, {"code": code, "message": "Invalid 'To' Phone Number", "status": 400})

    def _signed(self, url: str, fields: dict[str, str]) -> Callback:
        signature = RequestValidator(self.auth_token).compute_signature(url, fields)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return Callback("POST", url, headers, urlencode(fields).encode())

    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        fields = {"MessageSid": message_id, "MessageStatus": status, "AccountSid": self.account_sid}
        if status in ("failed", "undelivered"):
            fields["ErrorCode"] = "30003"
        return self._signed(url, fields)

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        fields = {
            "MessageSid": f"SM{abs(hash((sender, text))):032x}"[:34],
            "AccountSid": self.account_sid,
            "From": sender,
            "To": recipient,
            "Body": text,
            "NumMedia": "0",
        }
        return self._signed(url, fields)


def _unauthorized() -> web.Response:
    return rejected(401, {"code": 20003, "message": "Authenticate", "status": 401})


def _day(value: str) -> date:
    """The day of a ``DateSent`` filter: Twilio filters by GMT date, whatever time is given."""
    return date.fromisoformat(value[:10])


def _listed(message: dict[str, Any], query: Any, days: dict[str, date]) -> bool:
    """Whether the list ``query``'s ``From`` and ``DateSent`` days take ``message`` (its
    ``To`` is compared before the message is built)."""
    if "From" in query and message["from"] != query["From"]:
        return False
    if not days:
        return True
    if message["date_sent"] is None:
        return False
    sent = parsedate_to_datetime(message["date_sent"]).date()
    return (
        sent == days.get("DateSent", sent)
        and sent <= days.get("DateSent<", sent)
        and sent >= days.get("DateSent>", sent)
    )
