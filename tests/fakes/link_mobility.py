"""A fake LINK Mobility Common platform: ``POST /sms/send`` with Basic auth, answering with a
SendResponse or LINK's ErrorResponse shapes; delivery reports and inbound texts posted as
JSON with the gate's credentials as HTTP Basic auth (LINK signs nothing), reports with the
text's ``refId``. LINK has no API to look a text up, so neither has the fake."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.base import Callback, FakeProvider, Fault, rejected

USERNAME = "link-user"
PASSWORD = "link-secret"
PLATFORM_ID = "COMMON_API"
PLATFORM_PARTNER_ID = "30978"
GATE_ID = "BVldZyQt"
FIELDS = {
    "username": USERNAME,
    "password": PASSWORD,
    "platform_id": PLATFORM_ID,
    "platform_partner_id": PLATFORM_PARTNER_ID,
    "endpoint_host": "wsx.sp247.net",
    "gate_id": GATE_ID,
}
"""The connection fields that authenticate against this fake (add ``api_url``)."""
_REQUIRED = ("source", "destination", "platformId", "platformPartnerId")


def error(status: int, code: int, description: str) -> web.Response:
    """LINK's ErrorResponse with its result code."""
    body = {
        "status": status,
        "resultCode": code,
        "description": description,
        "translatedDescription": description,
    }
    return rejected(status, body)


@dataclass
class FakeLinkMobility(FakeProvider):
    """Checks Basic auth, the required fields, the platform ids and the gate like LINK;
    answers 204 without a body unless ``ignoreResponse`` is false (LINK's default)."""

    username: str = USERNAME
    password: str = PASSWORD

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/sms/send", self._send)

    def _authorization(self) -> str:
        credentials = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(credentials).decode()

    async def _send(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != self._authorization():
            return error(401, 106100, "Invalid authentication")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return error(400, 106000, "Unknown error")
        missing = [name for name in _REQUIRED if not body.get(name)]
        if missing:
            return error(400, 106000, f"Missing {', '.join(missing)}")
        if body["platformId"] != PLATFORM_ID:
            return error(400, 106200, "Invalid or missing platformId")
        if body["platformPartnerId"] != PLATFORM_PARTNER_ID:
            return error(400, 106201, "Invalid or missing platformPartnerId")
        if body.get("useDeliveryReport", True) and body.get("deliveryReportGates") != [GATE_ID]:
            return error(400, 106301, "Specified gate unavailable")
        message_id = base64.b64encode(f"msg-{len(self.received) + 1:015d}".encode()).decode()
        fields = {
            "to": body["destination"],
            "from": body["source"],
            "text": body.get("userData", ""),
            **{
                key: value if isinstance(value, str) else json.dumps(value)
                for key, value in body.items()
            },
        }

        def answer() -> web.Response:
            if body.get("ignoreResponse", True):
                return web.Response(status=204)
            return web.json_response(
                {"messageId": message_id, "resultCode": 1005, "description": "Queued"}
            )

        return await self.take(request, fields, message_id, answer)

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            body: dict[str, object] = {"status": 429, "description": "Too Many Requests"}
            if fault.code:
                body["resultCode"] = int(fault.code)
            return web.json_response(body, status=429, headers=headers)
        if fault.kind == "server":
            return rejected(503, {"status": 503, "description": "Service Unavailable"})
        code = int(fault.code or 106000)
        if code < 106000:
            # A delivery result code (2106 number error…) in the send answer itself.
            return web.json_response({"resultCode": code, "description": "Not delivered"})
        return error(403, code, "Access denied")

    def _callback(self, url: str, body: dict[str, object]) -> Callback:
        headers = {"Authorization": self._authorization(), "Content-Type": "application/json"}
        return Callback("POST", url, headers, json.dumps(body).encode())

    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        return self.report(url, message_id, status)

    def report(
        self, url: str, message_id: str, status: str, segment: int | None = None
    ) -> Callback:
        """A JSON delivery report; ``segment`` (from 0) names one part of a long text."""
        result = int(status) if status.isdigit() else status
        sent = self.sent(message_id)
        body = {
            "refId": sent.fields.get("refId", "42") if sent else "42",
            "id": message_id if segment is None else f"{message_id}${segment}",
            "operator": "no.telenor",
            "sentTimestamp": "2015-11-19T09:37:35Z",
            "timestamp": "2015-11-19T09:37:00Z",
            "resultCode": result,
            "operatorResultCode": "2",
            "segments": 1,
            "gateCustomParameters": {},
            "customParameters": {"received": "2015-11-19 10:37:36"},
        }
        return self._callback(url, body)

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        body = {
            "destination": recipient,
            "source": sender,
            "content": {"type": "SMS", "userData": text, "encoding": "TEXT"},
            "operator": "no.telenor",
            "timestamp": "2015-11-19T09:37:00Z",
            "messageId": f"MO{abs(hash((sender, text))):020d}",
            "operatorTimestamp": "2015-11-19T09:36:59Z",
            "operatorMessageId": "op-1",
            "route": {"type": "KEYWORD_ROUTE", "keyword": "", "keywordType": "DEFAULT"},
            "gateCustomParameters": {},
            "customParameters": {},
        }
        return self._callback(url, body)
