"""A fake Twilio: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth, answering
with a Message resource or Twilio's error shapes; callbacks signed with ``X-Twilio-Signature``
by twilio's own ``RequestValidator``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
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

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)

    async def _messages(self, request: web.Request) -> web.Response:
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        if (
            request.match_info["sid"] != self.account_sid
            or request.headers.get("Authorization")
            != "Basic " + base64.b64encode(credentials).decode()
        ):
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
