"""A fake Infobip: ``POST /sms/3/messages`` with ``Authorization: App <key>``, answering with
an ``SmsResponse`` or Infobip's ``ApiError`` shapes (a rejected number answers 200 with a
``REJECTED`` status, as Infobip does), naming each text by the ``messageId`` the request chose
(else one of its own); ``GET /sms/3/logs`` of the texts it took; batched delivery reports and
inbound texts sent with HTTP Basic auth of the webhook credentials (no official signer exists:
Basic is built here)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes.base import Callback, FakeProvider, Fault, Received, rejected

API_KEY = "0123456789abcdef0123456789abcdef-01234567-89ab-cdef-0123-456789abcdef"
WEBHOOK_USERNAME = "smsurvey"
WEBHOOK_PASSWORD = "hook-secret"
FIELDS = {
    "api_key": API_KEY,
    "webhook_username": WEBHOOK_USERNAME,
    "webhook_password": WEBHOOK_PASSWORD,
    "base_url": "xxxxx.api.infobip.com",
}
"""The connection fields that authenticate against this fake (add ``api_url``)."""

STATUSES: dict[str, tuple[int, str, int]] = {
    "PENDING_WAITING_DELIVERY": (1, "PENDING", 3),
    "PENDING_ENROUTE": (1, "PENDING", 7),
    "PENDING_ACCEPTED": (1, "PENDING", 26),
    "UNDELIVERABLE_REJECTED_OPERATOR": (2, "UNDELIVERABLE", 4),
    "UNDELIVERABLE_NOT_DELIVERED": (2, "UNDELIVERABLE", 9),
    "UNDELIVERABLE_NOT_SENT": (2, "UNDELIVERABLE", 31),
    "DELIVERED_TO_OPERATOR": (3, "DELIVERED", 2),
    "DELIVERED_TO_HANDSET": (3, "DELIVERED", 5),
    "EXPIRED_EXPIRED": (4, "EXPIRED", 15),
    "EXPIRED_DLR_UNKNOWN": (4, "EXPIRED", 29),
    "REJECTED_NETWORK": (5, "REJECTED", 6),
    "REJECTED_PREFIX_MISSING": (5, "REJECTED", 8),
    "REJECTED_DND": (5, "REJECTED", 10),
    "REJECTED_SOURCE": (5, "REJECTED", 11),
    "REJECTED_NOT_ENOUGH_CREDITS": (5, "REJECTED", 12),
    "REJECTED_SENDER": (5, "REJECTED", 13),
    "REJECTED_DESTINATION_BLOCKLISTED": (5, "REJECTED", 14),
    "REJECTED_PREPAID_PACKAGE_EXPIRED": (5, "REJECTED", 17),
    "REJECTED_DESTINATION_NOT_REGISTERED": (5, "REJECTED", 18),
    "REJECTED_ROUTE_NOT_AVAILABLE": (5, "REJECTED", 19),
    "REJECTED_FLOODING_FILTER": (5, "REJECTED", 20),
    "REJECTED_SYSTEM_ERROR": (5, "REJECTED", 21),
    "REJECTED_DUPLICATE_MESSAGE_ID": (5, "REJECTED", 23),
    "REJECTED_INVALID_UDH": (5, "REJECTED", 24),
    "REJECTED_MESSAGE_TOO_LONG": (5, "REJECTED", 25),
    "MISSING_TO": (5, "REJECTED", 51),
    "REJECTED_DESTINATION": (5, "REJECTED", 52),
    "SIGNALS_BLOCKED": (5, "REJECTED", 87),
    "UNDELIVERABLE_REJECTED_PLATFORM": (5, "REJECTED", 100),
}
"""Infobip's SMS status names → (groupId, groupName, id), as its status-code table lists them."""

ERRORS: dict[str, tuple[int, str, int, bool]] = {
    "NO_ERROR": (0, "OK", 0, False),
    "EC_UNKNOWN_SUBSCRIBER": (1, "HANDSET_ERRORS", 1, True),
    "EC_ABSENT_SUBSCRIBER": (1, "HANDSET_ERRORS", 27, False),
    "EC_SC_BLOCKED_BY_END_USER": (1, "HANDSET_ERRORS", 573, True),
    "EC_CONTENT_BLOCKED": (2, "USER_ERRORS", 603, True),
    "EC_BLACKLISTED_DESTINATIONADDRESS": (2, "USER_ERRORS", 2052, True),
    "EC_VALIDITY_EXPIRED": (2, "USER_ERRORS", 4101, True),
}
"""Infobip's error names → (groupId, groupName, id, permanent)."""


def _status(name: str, group: tuple[int, str] | None = None) -> dict[str, Any]:
    group_id, group_name, status_id = (*group, 0) if group else STATUSES[name]
    return {
        "groupId": group_id,
        "groupName": group_name,
        "id": status_id,
        "name": name,
        "description": name.replace("_", " ").capitalize(),
    }


def _error(name: str) -> dict[str, Any]:
    group_id, group_name, error_id, permanent = ERRORS[name]
    return {
        "groupId": group_id,
        "groupName": group_name,
        "id": error_id,
        "name": name,
        "description": name.replace("_", " ").capitalize(),
        "permanent": permanent,
    }


def api_error(status: int, code: str, description: str, **violations: str) -> web.Response:
    """Infobip's ``ApiError`` answer."""
    body = {
        "errorCode": code,
        "description": description,
        "action": "Check the request and the violations.",
        "violations": [{"property": key, "violation": value} for key, value in violations.items()],
        "resources": [],
    }
    return rejected(status, body)


@dataclass
class FakeInfobip(FakeProvider):
    """Checks the ``App`` key, ``messages``, ``destinations[].to`` and ``content.text``."""

    api_key: str = API_KEY
    webhook_username: str = WEBHOOK_USERNAME
    webhook_password: str = WEBHOOK_PASSWORD
    idempotent: bool = False
    """Idempotency enabled on the account: a text with an id already taken is refused
    (``REJECTED_DUPLICATE_MESSAGE_ID``) and not sent again."""
    _destination: str = ""
    _message_id: str = ""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/sms/3/messages", self._messages)
        app.router.add_get("/sms/3/logs", self._logs)

    async def _messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"App {self.api_key}":
            return api_error(401, "E401", "Invalid login details.")
        try:
            payload = json.loads(await request.read())
            [sms] = payload["messages"]
        except (ValueError, KeyError, TypeError):
            return api_error(400, "E400", "Request cannot be processed.", messages="invalid")
        destinations = sms.get("destinations") or []
        if not destinations or not all(item.get("to") for item in destinations):
            return api_error(
                400, "E400", "Request cannot be processed.", **{"destinations[0].to": "required"}
            )
        if not (sms.get("content") or {}).get("text"):
            return api_error(
                400, "E400", "Request cannot be processed.", **{"content.text": "must not be blank"}
            )
        message_id = str(destinations[0].get("messageId") or uuid.uuid4())
        self._destination, self._message_id = destinations[0]["to"], message_id
        webhooks = sms.get("webhooks") or {}
        fields = {
            "to": destinations[0]["to"],
            "from": sms.get("sender", ""),
            "text": sms["content"]["text"],
            "delivery_url": (webhooks.get("delivery") or {}).get("url", ""),
            "reference": str(destinations[0].get("messageId") or ""),
            "content_type": webhooks.get("contentType", ""),
        }

        def answer() -> web.Response:
            return web.json_response(self._accepted(message_id, "PENDING_ACCEPTED"))

        if self.idempotent and self.sent(message_id):
            self.faults.insert(0, Fault("permanent", code="REJECTED_DUPLICATE_MESSAGE_ID"))
        return await self.take(request, fields, message_id, answer)

    async def _logs(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"App {self.api_key}":
            return api_error(401, "E401", "Invalid login details.")
        wanted = {
            id_ for value in request.query.getall("messageId", []) for id_ in value.split(",")
        }
        logs = [
            self._log(sent) for sent in self.accepted() if not wanted or sent.message_id in wanted
        ]
        return web.json_response({"results": logs[: int(request.query.get("limit", "50"))]})

    def _log(self, sent: Received) -> dict[str, Any]:
        """A text's entry in the logs (an ``SmsLog``)."""
        at = datetime.fromtimestamp(sent.sent_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return {
            "sender": sent.fields["from"],
            "destination": sent.fields["to"],
            "bulkId": "bulk-1",
            "messageId": sent.message_id,
            "sentAt": at,
            "doneAt": at,
            "messageCount": 1,
            "price": {"pricePerMessage": 0.01, "currency": "EUR"},
            "status": _status("PENDING_WAITING_DELIVERY"),
            "error": _error("NO_ERROR"),
            "content": {"text": sent.fields["text"]},
        }

    def _accepted(self, message_id: str, status: str) -> dict[str, Any]:
        return {
            "bulkId": str(uuid.uuid4()),
            "messages": [
                {
                    "messageId": message_id,
                    "status": _status(status),
                    "destination": self._destination,
                    "details": {"messageCount": 1},
                }
            ],
        }

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            body = {
                "errorCode": fault.code or "E429",
                "description": "Too many requests sent.",
                "action": "Slow down and retry.",
                "violations": [],
                "resources": [],
            }
            return web.json_response(body, status=429, headers=headers)
        if fault.kind == "server":
            return api_error(500, fault.code or "E500", "Something went wrong.")
        code = fault.code or "REJECTED_DESTINATION"
        if code.startswith("E"):
            return api_error(400, code, "Request cannot be processed.", destinations=code)
        return web.json_response(self._accepted(self._message_id, code))

    def _posted(self, url: str, body: dict[str, Any]) -> Callback:
        credentials = f"{self.webhook_username}:{self.webhook_password}".encode()
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/json",
        }
        return Callback("POST", url, headers, json.dumps(body).encode())

    def report(
        self,
        message_id: str,
        status: str,
        *,
        error: str | None = None,
        group: tuple[int, str] | None = None,
    ) -> dict[str, Any]:
        """One entry of a delivery report's ``results``; ``group`` for a status name the
        table does not have."""
        failed = (group or STATUSES[status])[1] in ("UNDELIVERABLE", "EXPIRED", "REJECTED")
        return {
            "bulkId": "bulk-1",
            "messageId": message_id,
            "to": "41793026727",
            "sender": "InfoSMS",
            "sentAt": "2024-05-01T10:00:00.000+0000",
            "doneAt": "2024-05-01T10:00:05.123+0000",
            "messageCount": 1,
            "mccMnc": "22801",
            "price": {"pricePerMessage": 0.01, "currency": "EUR"},
            "status": _status(status, group),
            "error": _error(error or ("EC_ABSENT_SUBSCRIBER" if failed else "NO_ERROR")),
        }

    def reports_callback(self, url: str, results: Iterable[dict[str, Any]]) -> Callback:
        """A batched delivery report (Infobip sends up to 100 per request)."""
        return self._posted(url, {"results": list(results)})

    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        return self.reports_callback(url, [self.report(message_id, status)])

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        keyword, _, rest = text.partition(" ")
        result = {
            "messageId": f"{abs(hash((sender, text))):x}",
            "from": sender.removeprefix("+"),
            "to": recipient.removeprefix("+"),
            "text": text,
            "cleanText": rest,
            "keyword": keyword.upper(),
            "receivedAt": "2024-05-01T10:01:00.000+0000",
            "smsCount": 1,
            "price": {"pricePerMessage": 0, "currency": "EUR"},
            "callbackData": None,
        }
        return self._posted(url, {"results": [result], "messageCount": 1, "pendingMessageCount": 0})
