"""A fake MessageBird: ``POST /messages`` with ``Authorization: AccessKey …``, answering with a
Message object or MessageBird's ``{"errors": [...]}`` shapes; status reports (GET, query
parameters) and Flow Builder inbound posts signed with a ``MessageBird-Signature-JWT``."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from aiohttp import web

from tests.fakes.base import Callback, FakeProvider, Fault, Received, rejected

ACCESS_KEY = "live_" + "k" * 20
SIGNING_KEY = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"
FIELDS = {"access_key": ACCESS_KEY, "signing_key": SIGNING_KEY}
"""The connection fields that authenticate against this fake (add ``api_url``)."""
_ERRORS = {
    2: (401, "Request not allowed (incorrect access_key)", "access_key"),
    9: (422, "no (correct) recipients found", "recipients"),
    10: (422, "originator is invalid", "originator"),
    21: (422, "Bad request", None),
    25: (422, "Not enough balance", None),
    99: (500, "Internal error", None),
}
_REASONS = {
    "delivered": ("successfully delivered", None),
    "sent": ("pending DLR", None),
    "buffered": ("pending DLR", None),
    "expired": ("expired", None),
    "delivery_failed": ("unknown subscriber", "1"),
}


def errors(code: int, description: str | None = None, parameter: str | None = None) -> dict:
    """MessageBird's error body for one error."""
    _, usual, usual_parameter = _ERRORS.get(code, (422, "Bad request", None))
    return {
        "errors": [
            {
                "code": code,
                "description": description or usual,
                "parameter": parameter or usual_parameter,
            }
        ]
    }


@dataclass
class FakeMessageBird(FakeProvider):
    """Checks the access key and ``originator``, ``recipients``, ``body`` like MessageBird."""

    access_key: str = ACCESS_KEY
    signing_key: str = SIGNING_KEY

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/messages", self._messages)
        app.router.add_get("/messages", self._list)
        app.router.add_get("/messages/{id}", self._read)

    async def _messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"AccessKey {self.access_key}":
            return rejected(401, errors(2))
        raw = await request.read()
        if request.content_type == "application/json":
            data = json.loads(raw)
            recipients = [str(number) for number in data.get("recipients") or []]
        else:
            data = dict(parse_qsl(raw.decode()))
            recipients = [n for n in data.get("recipients", "").split(",") if n]
        if not recipients or not all(number.isdigit() for number in recipients):
            return rejected(422, errors(9))
        if not data.get("originator"):
            return rejected(422, errors(9, "originator is required", "originator"))
        if not data.get("body"):
            return rejected(422, errors(9, "body is required", "body"))
        message_id = uuid.uuid4().hex
        fields = {
            "to": ",".join(recipients),
            "from": str(data["originator"]),
            "text": str(data["body"]),
            **{key: str(value) for key, value in data.items() if key != "recipients"},
            "recipients": ",".join(recipients),
        }

        def answer() -> web.Response:
            sent = self.sent(message_id)
            assert sent is not None
            return web.json_response(self.message(sent), status=201)

        return await self.take(request, fields, message_id, answer)

    def message(self, sent: Received) -> dict[str, Any]:
        """The Message object of a text the fake took."""
        created = datetime.fromtimestamp(sent.sent_at, UTC).isoformat(timespec="seconds")
        recipients = sent.fields["recipients"].split(",")
        return {
            "id": sent.message_id,
            "href": f"https://rest.messagebird.com/messages/{sent.message_id}",
            "direction": "mt",
            "type": "sms",
            "originator": sent.fields["originator"],
            "body": sent.fields["body"],
            "reference": sent.fields.get("reference"),
            "validity": None,
            "gateway": 10,
            "typeDetails": {},
            "datacoding": "plain",
            "mclass": 1,
            "scheduledDatetime": None,
            "createdDatetime": created,
            "recipients": {
                "totalCount": len(recipients),
                "totalSentCount": len(recipients),
                "totalDeliveredCount": 0,
                "totalDeliveryFailedCount": 0,
                "items": [
                    {
                        "recipient": int(number),
                        "status": "sent",
                        "statusDatetime": created,
                        "messagePartCount": 1,
                    }
                    for number in recipients
                ],
            },
        }

    async def _list(self, request: web.Request) -> web.Response:
        """The messages list, newest first, filtered as MessageBird documents it."""
        if request.headers.get("Authorization") != f"AccessKey {self.access_key}":
            return rejected(401, errors(2))
        query = request.query
        try:
            limit, offset = int(query.get("limit", "20")), int(query.get("offset", "0"))
            since = datetime.fromisoformat(query["from"]) if "from" in query else None
            until = datetime.fromisoformat(query["until"]) if "until" in query else None
        except ValueError:
            return rejected(422, errors(21, "invalid list parameters"))
        listed = [
            message
            for message in map(self.message, reversed(self.accepted()))
            if _listed(message, query, since, until)
        ]
        items = listed[offset : offset + limit]
        return web.json_response(
            {
                "offset": offset,
                "limit": limit,
                "count": len(items),
                "totalCount": len(listed),
                "links": {"first": None, "previous": None, "next": None, "last": None},
                "items": items,
            }
        )

    async def _read(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"AccessKey {self.access_key}":
            return rejected(401, errors(2))
        sent = self.sent(request.match_info["id"])
        if sent is None:
            return rejected(404, errors(20, "message not found", "id"))
        return web.json_response(self.message(sent))

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            error: dict[str, object] = {"description": "Too Many Requests", "parameter": None}
            if fault.code:
                error["code"] = int(fault.code)
            return web.json_response({"errors": [error]}, status=429, headers=headers)
        if fault.kind == "server":
            if fault.code:
                return rejected(500, errors(int(fault.code)))
            return rejected(503, "Service Unavailable")
        code = int(fault.code or 9)
        status = _ERRORS.get(code, (422,))[0]
        return rejected(status, errors(code))

    def signature(
        self,
        url: str,
        body: bytes = b"",
        *,
        issued_at: float | None = None,
        algorithm: str = "HS256",
    ) -> str:
        """A ``MessageBird-Signature-JWT`` for a request to ``url`` with ``body``."""
        now = int(time.time() if issued_at is None else issued_at)
        claims: dict[str, object] = {
            "iss": "MessageBird",
            "nbf": now,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
            "url_hash": hashlib.sha256(url.encode()).hexdigest(),
        }
        if body:
            claims["payload_hash"] = hashlib.sha256(body).hexdigest()
        return jwt.encode(claims, self.signing_key, algorithm=algorithm)

    def status_callback(
        self, url: str, message_id: str, status: str, error_code: str | None = None
    ) -> Callback:
        """A status report: a GET with query parameters (``error_code`` as ``statusErrorCode``)."""
        sent = self.sent(message_id)
        reason, usual_code = _REASONS.get(status, ("unknown", None))
        query = {
            "id": message_id,
            "reference": sent.fields.get("reference", "") if sent else "42",
            "recipient": sent.fields["to"] if sent else "14155552671",
            "status": status,
            "statusReason": reason,
            "statusDatetime": "2024-05-03T08:58:10+00:00",
            "mccmnc": "20408",
            "ported": "0",
            "price[amount]": "0.07",
            "price[currency]": "EUR",
            "messageLength": "6",
            "messagePartCount": "1",
            "datacoding": "plain",
        }
        code = error_code or usual_code
        if code:
            query["statusErrorCode"] = code
        full_url = f"{url}?{urlencode(query)}"
        return Callback("GET", full_url, {"MessageBird-Signature-JWT": self.signature(full_url)})

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        """A Flow Builder "Call HTTP endpoint with SMS" post (numbers without ``+``)."""
        now = datetime.now(UTC)
        originator, receiver = sender.removeprefix("+"), recipient.removeprefix("+")
        fields = {
            "id": uuid.uuid4().hex,
            "message_id": uuid.uuid4().hex,
            "reference": "47749346971",
            "originator": originator,
            "sender": originator,
            "recipient": receiver,
            "receiver": receiver,
            "body": text,
            "payload": text,
            "message": text,
            "createdDatetime": now.isoformat(timespec="seconds"),
            "date": str(int(now.timestamp())),
            "date_utc": str(int(now.timestamp())),
        }
        body = urlencode(fields).encode()
        headers = {
            "MessageBird-Signature-JWT": self.signature(url, body),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return Callback("POST", url, headers, body)


def _listed(
    message: dict[str, Any], query: Any, since: datetime | None, until: datetime | None
) -> bool:
    """Whether the list ``query`` takes ``message`` (``recipient``, ``originator``,
    ``direction``, created ``from``…``until``)."""
    numbers = [str(item["recipient"]) for item in message["recipients"]["items"]]
    created = datetime.fromisoformat(message["createdDatetime"])
    return (
        query.get("recipient", numbers[0]) in numbers
        and query.get("originator", message["originator"]) == message["originator"]
        and query.get("direction", "mt") == "mt"
        and (since is None or created >= since)
        and (until is None or created <= until)
    )
