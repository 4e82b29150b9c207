"""A fake Vonage SMS API: ``POST /sms/json`` with the API key and secret in the body (or Basic
auth), answering 200 with one ``messages[]`` entry per part, refusals as non-zero ``status``;
the Reports API's ``GET /v2/reports/records`` of the parts it took (by date range or id, 1,000
a page, ``TRUNCATED`` with a ``next`` link beyond); receipts (with the text's ``client-ref``)
and inbound texts signed with ``sig`` (HMAC methods by ``vonage_http_client.Auth``)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from aiohttp import web
from vonage_http_client import Auth

from tests.fakes.base import Callback, FakeProvider, Fault, Received, rejected

API_KEY = "abcd1234"
API_SECRET = "0123456789abcdef"
SIGNATURE_SECRET = "signature-secret-of-the-fake"
FIELDS = {"api_key": API_KEY, "api_secret": API_SECRET, "signature_secret": SIGNATURE_SECRET}
"""The connection fields that authenticate against this fake (add ``api_url``)."""
ERROR_TEXTS = {
    "1": "Throughput Rate Exceeded",
    "2": "Missing to param",
    "3": "Invalid to address",
    "4": "Bad Credentials",
    "5": "Internal Error",
    "6": "Unroutable message - rejected",
    "7": "Number barred",
    "9": "Quota Exceeded - rejected",
    "15": "Illegal Sender Address - rejected",
    "23": "Invalid Callback Url",
    "29": "Non White-listed Destination - rejected",
}
_ERR_CODES = {"expired": "2", "failed": "12", "rejected": "9", "unknown": "1"}
"""A plausible receipt ``err-code`` per status (``0`` for the rest)."""
WebhookMethod = Literal["GET", "POST", "POST-JSON"]


def md5hash(secret: str, params: dict[str, str]) -> str:
    """The dashboard's "MD5 hash" signature, which ``vonage_http_client`` cannot make."""
    payload = "".join(
        f"&{key}={value.replace('&', '_').replace('=', '_')}"
        for key, value in sorted(params.items())
    )
    return hashlib.md5((payload + secret).encode()).hexdigest()


@dataclass
class FakeVonage(FakeProvider):
    """Checks credentials, ``from``, ``to`` (digits, no ``+``), ``text`` and ``callback`` like
    Vonage; each send takes ``parts`` parts. Callbacks go the ``webhook_method`` way."""

    api_key: str = API_KEY
    api_secret: str = API_SECRET
    signature_secret: str = SIGNATURE_SECRET
    signature_method: str = "md5hash"
    webhook_method: WebhookMethod = "POST-JSON"
    parts: int = 1
    records_page: int = 1000
    """Records in a page of the Reports API's answer (Vonage's is 1,000)."""
    _ids: list[str] = field(default_factory=list)
    _parts: dict[str, list[str]] = field(default_factory=dict)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/sms/json", self._sms)
        app.router.add_get("/v2/reports/records", self._records)

    @staticmethod
    def answer(*parts: dict[str, str]) -> web.Response:
        """Vonage's answer: always 200, one entry per part."""
        return web.json_response({"message-count": str(len(parts)), "messages": list(parts)})

    @classmethod
    def refused(cls, code: str, text: str | None = None) -> web.Response:
        """A refusal in Vonage's shape: 200 with a non-zero ``status``."""
        return cls.answer({"status": code, "error-text": text or ERROR_TEXTS.get(code, "Error")})

    async def _sms(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            form = {key: str(value) for key, value in (await request.json()).items()}
        else:
            form = {key: str(value) for key, value in (await request.post()).items()}
        key, secret = form.get("api_key"), form.get("api_secret")
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            key, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if not key or not secret:
            return self.refused("2", "Missing api_key")
        if (key, secret) != (self.api_key, self.api_secret):
            return self.refused("4")
        for name in ("from", "to", "text"):
            if not form.get(name):
                return self.refused("2", f"Missing {name} param")
        if not re.fullmatch(r"\d{7,15}", form["to"]):
            return self.refused("3")
        if len(form.get("callback", "")) > 100:
            return self.refused("23")
        first = len(self._ids)
        ids = [f"{first + n + 1:016X}" for n in range(self.parts)]
        self._ids.extend(ids)
        self._parts[ids[0]] = ids

        def answer() -> web.Response:
            return self.answer(
                *(
                    {
                        "to": form["to"],
                        "message-id": message_id,
                        "status": "0",
                        "remaining-balance": "3.14159265",
                        "message-price": "0.03330000",
                        "network": "23410",
                    }
                    for message_id in ids
                )
            )

        return await self.take(request, form, ids[0], answer)

    async def _records(self, request: web.Request) -> web.Response:
        credentials = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {credentials}":
            return rejected(401, {"type": "https://developer.vonage.com/api-errors#unauthorized"})
        query = request.query
        wanted = (self.api_key, "SMS", "outbound")
        if tuple(query.get(key) for key in ("account_id", "product", "direction")) != wanted:
            return _invalid("account_id, product SMS and direction outbound are required")
        ids = set(query["id"].split(",")) if "id" in query else None
        try:
            start, end = _when(query["date_start"]), _when(query["date_end"])
        except (KeyError, ValueError):
            if ids is None:
                return _invalid("date_start and date_end, or id, are required")
            start, end = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
        if end - start > timedelta(days=1) and ids is None:
            return _invalid("date_end must be no more than 24 hours later than date_start")
        records = [
            record
            for sent in self.accepted()
            for record in self._part_records(sent)
            if (
                record["message_id"] in ids
                if ids
                else start <= _when(record["date_received"]) < end
            )
        ]
        offset = int(query.get("cursor", "0"))
        page = records[offset : offset + self.records_page]
        more = offset + self.records_page < len(records)
        answer: dict[str, Any] = {
            "_links": {"self": {"href": str(request.url)}},
            "request_id": str(uuid.uuid4()),
            "request_status": "TRUNCATED" if more else "SUCCESS",
            "received_at": datetime.now(UTC).isoformat(),
            "price": 0,
            "currency": "EUR",
            "account_id": self.api_key,
            "product": "SMS",
            "direction": "outbound",
            "items_count": len(page),
            "records": page,
        }
        if more:
            rest = {key: value for key, value in query.items() if key not in ("cursor", "iv")}
            cursor = {"cursor": str(offset + self.records_page), "iv": "fake-iv"}
            next_url = f"https://api.nexmo.com/v2/reports/records?{urlencode({**rest, **cursor})}"
            answer["_links"]["next"] = {"href": next_url}
        return web.json_response(answer)

    def _part_records(self, sent: Received) -> list[dict[str, Any]]:
        """The Reports API's records of a text's parts (``json_sms_outbound``)."""
        at = datetime.fromtimestamp(sent.sent_at, UTC).isoformat(timespec="milliseconds")
        return [
            {
                "account_id": self.api_key,
                "message_id": part,
                "client_ref": sent.fields.get("client-ref"),
                "direction": "outbound",
                "from": sent.fields["from"],
                "to": sent.fields["to"],
                "network": "23410",
                "network_name": "Telefonica UK Limited",
                "country": "GB",
                "country_name": "United Kingdom",
                "date_received": at,
                "date_finalized": at,
                "latency": 1200,
                "status": "delivered",
                "error_code": "0",
                "error_code_description": "Delivered",
                "currency": "EUR",
                "total_price": "0.03330000",
            }
            for part in self._parts[str(sent.message_id)]
        ]

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            if fault.code == "429":
                wait = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
                body = {
                    "type": "https://developer.nexmo.com/api-errors#throttled",
                    "title": "Too Many Requests",
                }
                return web.json_response(body, status=429, headers=wait)
            text = ERROR_TEXTS["1"]
            if fault.retry_after is not None:
                text += f" - please wait [ {fault.retry_after * 1000:g} ] and retry"
            return self.refused(fault.code or "1", text)
        if fault.kind == "server":
            if fault.code:
                return self.refused(fault.code)
            return rejected(503, "Service Unavailable")
        return self.refused(fault.code or "3")

    def signed(self, url: str, params: dict[str, str]) -> Callback:
        """``params`` with ``timestamp``, ``nonce`` and ``sig``, sent the ``webhook_method`` way."""
        params = {**params, "timestamp": str(int(self.clock())), "nonce": str(uuid.uuid4())}
        if self.signature_method == "md5hash":
            sig = md5hash(self.signature_secret, params)
        else:
            auth = Auth(
                api_key=self.api_key,
                signature_secret=self.signature_secret,
                signature_method=self.signature_method,
            )
            sig = auth.sign_params(dict(params)).upper()  # Vonage sends HMACs in upper case
        params["sig"] = sig
        if self.webhook_method == "GET":
            return Callback("GET", f"{url}?{urlencode(params)}", {})
        if self.webhook_method == "POST":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return Callback("POST", url, headers, urlencode(params).encode())
        headers = {"Content-Type": "application/json"}
        return Callback("POST", url, headers, json.dumps(params).encode())

    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        params = {
            "msisdn": "447700900000",
            "to": "AcmeInc",
            "network-code": "23410",
            "messageId": message_id,
            "price": "0.03330000",
            "status": status,
            "scts": "2001011400",
            "err-code": _ERR_CODES.get(status, "0"),
            "api-key": self.api_key,
            "client-ref": self._client_ref(message_id),
            "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.clock())),
        }
        return self.signed(url, params)

    def _client_ref(self, message_id: str) -> str:
        """The ``client-ref`` of the text one of whose parts is ``message_id`` (if it had one)."""
        for first, parts in self._parts.items():
            sent = self.sent(first)
            if message_id in parts and sent is not None:
                return sent.fields.get("client-ref", "")
        return ""

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        params = {
            "msisdn": sender.removeprefix("+"),
            "to": recipient.removeprefix("+"),
            "messageId": f"{abs(hash((sender, text))):016X}"[:16],
            "text": text,
            "type": "text" if text.isascii() else "unicode",
            "keyword": (text.split() or [""])[0].upper(),
            "api-key": self.api_key,
            "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.clock())),
        }
        return self.signed(url, params)


def _when(value: str) -> datetime:
    """A Reports API date (``yyyy-mm-ddThh:mm:ss[.sss]Z`` or with an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _invalid(detail: str) -> web.Response:
    body = {
        "type": "https://developer.vonage.com/api-errors#invalid-parameters",
        "title": "Invalid parameters",
        "detail": detail,
    }
    return rejected(422, body)
