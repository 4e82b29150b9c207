"""A fake MessageMedia: ``POST /v1/messages`` with Basic auth, answering 202 with the messages
and their ``message_id``, or MessageMedia's ``{"message", "details"}`` errors; the Reporting
API's detail report (``POST /v2-preview/reporting/messages/detail``, by time, direction and
metadata, in pages) of the texts it took; callbacks (reports with the text's metadata) signed
as Enterprise webhooks (RSA PKCS#1 v1.5 over request line + ``Date`` + body) with a key pair
made once for this module by ``cryptography``."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.base import Callback, FakeProvider, Fault, Received, rejected

API_KEY = "mm-api-key"
API_SECRET = "mm-api-secret"
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
"""MessageMedia's signature key (the fake's); the connection holds its public half."""
PUBLIC_KEY_PEM = (
    PRIVATE_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
PUBLIC_KEY_DER_B64 = base64.b64encode(
    PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()
"""The same key as ``POST /v1/iam/signature_keys`` returns it: base64 DER, no PEM armour."""
FIELDS = {"username": API_KEY, "password": API_SECRET, "webhook_public_key": PUBLIC_KEY_PEM}
"""The connection fields that authenticate against this fake (add ``api_url``)."""
KEY_ID = "628fdf4e-bddc-4029-ae59-f9a84a22165c"
DIGESTS = {"SHA224": hashes.SHA224, "SHA256": hashes.SHA256, "SHA512": hashes.SHA512}
ERROR_CODES = {
    "enroute": "101",
    "submitted": "200",
    "delivered": "220",
    "expired": "401",
    "rejected": "402",
    "failed": "330",
    "undeliverable": "400",
    "cancelled": "405",
}
"""The ``error_code`` a report with each status carries."""


@dataclass
class FakeMessageMedia(FakeProvider):
    """Checks Basic auth, ``messages`` and each one's ``content`` and ``destination_number``."""

    api_key: str = API_KEY
    api_secret: str = API_SECRET
    private_key: rsa.RSAPrivateKey = PRIVATE_KEY
    digest: str = "SHA256"
    """The digest of the signature key, as ``X-Messagemedia-Digest-Type`` names it."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v2-preview/reporting/messages/detail", self._detail)

    def _authorized(self, request: web.Request) -> bool:
        credentials = f"{self.api_key}:{self.api_secret}".encode()
        expected = "Basic " + base64.b64encode(credentials).decode()
        return request.headers.get("Authorization") == expected

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return rejected(401, {"message": "Unauthenticated"})
        try:
            body = json.loads(await request.read())
        except ValueError:
            return rejected(400, {"message": "Invalid JSON", "details": ["body: not JSON"]})
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages:
            return rejected(400, {"message": "Invalid request", "details": ["messages: required"]})
        for index, message in enumerate(messages):
            for name in ("content", "destination_number"):
                if not isinstance(message, dict) or not message.get(name):
                    detail = f"messages[{index}].{name}: may not be empty"
                    return rejected(400, {"message": "Invalid request", "details": [detail]})
        answered = [
            {**message, "message_id": str(uuid.uuid4()), "status": "queued"} for message in messages
        ]
        first = messages[0]
        fields = {
            "to": first["destination_number"],
            "from": first.get("source_number", ""),
            "text": first["content"],
            **{key: _flat(value) for key, value in first.items()},
        }

        def answer() -> web.Response:
            return web.json_response({"messages": answered}, status=202)

        return await self.take(request, fields, answered[0]["message_id"], answer)

    async def _detail(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return rejected(401, {"message": "Unauthenticated"})
        try:
            query = json.loads(await request.read())
            start, end = _date(query["start_date"]), _date(query["end_date"])
            page, size = int(query.get("page", 0)), int(query.get("page_size", 20))
        except (ValueError, KeyError, TypeError):
            detail = "start_date and end_date are required (ISO 8601)"
            return rejected(400, {"message": "Invalid request", "details": [detail]})
        rows = [
            row
            for row in map(self._record, self.accepted())
            if start <= _date(row["timestamp"]) <= end
            and query.get("direction", "all") in ("all", row["direction"])
            and query.get("destination", row["destination_address"]) == row["destination_address"]
            and (
                "metadata_key" not in query
                or query.get("metadata_value", row["metadata"].get(query["metadata_key"]))
                == row["metadata"].get(query["metadata_key"])
            )
        ]
        return web.json_response(
            {
                "messages": rows[page * size : (page + 1) * size],
                "pagination": {
                    "page": page,
                    "page_size": size,
                    "has_next": (page + 1) * size < len(rows),
                },
            }
        )

    def _record(self, sent: Received) -> dict[str, Any]:
        """A text the fake took, as the detail report lists it."""
        at = datetime.fromtimestamp(sent.sent_at, UTC).isoformat(timespec="milliseconds")
        return {
            "message_id": sent.message_id,
            "format": "SMS",
            "timestamp": at.replace("+00:00", "Z"),
            "direction": "outbound",
            "status": "delivered",
            "status_code": "220",
            "source_address": sent.fields["from"],
            "destination_address": sent.fields["to"],
            "content": sent.fields["text"],
            "account_id": "MyAccount",
            "units": 1,
            "metadata": self._metadata(sent),
        }

    @staticmethod
    def _metadata(sent: Received | None) -> dict[str, Any]:
        if sent is None or "metadata" not in sent.fields:
            return {}
        return json.loads(sent.fields["metadata"])

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            return web.json_response({"message": "Too Many Requests"}, status=429, headers=headers)
        if fault.kind == "server":
            return rejected(503, {"message": "Service Unavailable"})
        detail = "messages[0].destination_number: must be a valid E.164 number"
        return rejected(400, {"message": "Invalid request", "details": [detail]})

    def signed(self, url: str, payload: Mapping[str, object]) -> Callback:
        """``payload`` posted to ``url`` as MessageMedia signs an Enterprise webhook."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        date = formatdate(self.clock(), usegmt=True)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        data = f"POST {target} HTTP/1.1{date}".encode() + body
        signature = self.private_key.sign(data, padding.PKCS1v15(), DIGESTS[self.digest]())
        headers = {
            "Content-Type": "application/json",
            "Date": date,
            "X-Messagemedia-Key-Id": KEY_ID,
            "X-Messagemedia-Cipher-Type": "RSA",
            "X-Messagemedia-Digest-Type": self.digest,
            "X-Messagemedia-Signature": base64.b64encode(signature).decode(),
        }
        return Callback("POST", url, headers, body)

    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        payload: dict[str, object] = {
            "vendor_account_id": {"vendor_id": "MessageMedia", "account_id": "MyAccount"},
            "callback_url": url,
            "delivery_report_id": str(uuid.uuid4()),
            "source_number": "+61491570156",
            "date_received": "2016-11-03T11:49:02.807Z",
            "status": status,
            "delay": 0,
            "submitted_date": "2016-11-03T11:49:01.551Z",
            "original_text": "Hello world!",
            "message_id": message_id,
            "metadata": self._metadata(self.sent(message_id)),
        }
        if status in ERROR_CODES:
            payload["error_code"] = ERROR_CODES[status]
        return self.signed(url, payload)

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        payload = {
            "vendor_account_id": {"vendor_id": "MessageMedia", "account_id": "MyAccount"},
            "callback_url": url,
            "reply_id": str(uuid.uuid4()),
            "message_id": str(uuid.uuid4()),
            "content": text,
            "source_number": sender,
            "destination_number": recipient,
            "date_received": "2016-11-03T11:49:02.807Z",
            "metadata": {},
        }
        return self.signed(url, payload)


def _flat(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _date(value: str) -> datetime:
    """An ISO 8601 time of the Reporting API (``Z`` or an offset; UTC when it has neither)."""
    moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
