"""A fake Twilio: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth, answering
with a Message resource or Twilio's error shapes; the Messages list (``To``, ``From``,
``DateSent``, ``DateSent>``, ``DateSent<``, newest first, paged by ``PageSize`` and
``next_page_uri``) and fetch of the texts it took; callbacks signed with
``X-Twilio-Signature`` by twilio's own ``RequestValidator``."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fakes.base import Callback, FakeProvider, Fault, rejected

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "secret-token"
FIELDS = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
"""The connection fields that authenticate against this fake (add ``api_url``)."""


@dataclass
class FakeTwilio(FakeProvider):
    """Checks Basic auth, ``To``, ``Body`` and ``From`` or ``MessagingServiceSid`` like Twilio."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The Message resources of the texts it took, by SID, oldest first."""

    def add_routes(self, app: web.Application) -> None:
        messages = "/2010-04-01/Accounts/{sid}/Messages"
        app.router.add_post(f"{messages}.json", self._messages)
        app.router.add_get(f"{messages}.json", self._list)
        app.router.add_get(messages + "/{message}.json", self._fetch)

    def _authenticated(self, request: web.Request) -> bool:
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        return (
            request.match_info["sid"] == self.account_sid
            and request.headers.get("Authorization")
            == "Basic " + base64.b64encode(credentials).decode()
        )

    def took(self, fields: Mapping[str, str], message_id: str) -> None:
        super().took(fields, message_id)
        now = datetime.now(UTC)
        self.resources[message_id] = {
            "sid": message_id,
            "account_sid": self.account_sid,
            "to": fields["To"],
            "from": fields.get("From"),
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "body": fields["Body"],
            "status": "sent",
            "date_created": format_datetime(now),
            "date_sent": format_datetime(now),
            "direction": "outbound-api",
        }

    async def _fetch(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            return rejected(401, {"code": 20003, "message": "Authenticate", "status": 401})
        found = self.resources.get(request.match_info["message"])
        if found is None:
            return rejected(404, {"code": 20404, "message": "not found", "status": 404})
        return web.json_response(found)

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            return rejected(401, {"code": 20003, "message": "Authenticate", "status": 401})
        query = request.query
        chosen = [
            item
            for item in reversed(self.resources.values())
            if query.get("To", item["to"]) == item["to"]
            and query.get("From", item["from"]) == item["from"]
            and _sent_within(item, query)
        ]
        size = min(int(query.get("PageSize", "50")), 1000)
        page = int(query.get("Page", "0"))
        following = None
        if len(chosen) > (page + 1) * size:
            rest = {**query, "Page": str(page + 1), "PageSize": str(size)}
            following = f"{request.path}?{urlencode(rest)}"
        return web.json_response(
            {
                "messages": chosen[page * size : (page + 1) * size],
                "page": page,
                "page_size": size,
                "next_page_uri": following,
            }
        )

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            return rejected(401, {"code": 20003, "message": "Authenticate", "status": 401})
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
            return web.json_response(
                {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]},
                status=201,
            )

        return await self.take(request, fields, sid, answer)

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


def _sent_within(item: Mapping[str, Any], query: Mapping[str, str]) -> bool:
    """Twilio's ``DateSent`` filters: on that UTC day, on or after, on or before."""
    day = parsedate_to_datetime(item["date_sent"]).date()
    on = query.get("DateSent")
    after = query.get("DateSent>")
    before = query.get("DateSent<")
    return (
        (on is None or day == date.fromisoformat(on[:10]))
        and (after is None or day >= date.fromisoformat(after[:10]))
        and (before is None or day <= date.fromisoformat(before[:10]))
    )
