"""A fake Sinch: ``POST /oauth2/token`` (Basic auth, client credentials) issuing bearer tokens,
and ``POST /v1/projects/{project}/messages:send`` taking them, answering with Sinch's shapes;
``GET /v1/projects/{project}/messages`` lists the texts it took (by app, direction, accept
time, source, with their metadata when asked, in pages); callbacks signed with
``x-sinch-webhook-signature`` by the ``sinch`` SDK's own functions."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sinch.domains.authentication.sinch_events.v1.authentication_validation import (
    calculate_sinch_event_signature,
    compute_signed_data,
)

from tests.fakes.base import Callback, FakeProvider, Fault, Received, rejected

CLIENT_ID = "2b0e4a1c-key-id"
CLIENT_SECRET = "key-secret"
PROJECT_ID = "c36f3d3d-1513-2edd-ae42-11995557ff61"
APP_ID = "01EB37HMH1M6SV18BSNS3G135H"
WEBHOOK_SECRET = "webhook-secret-token"
FIELDS = {
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "region": "EU",
    "project_id": PROJECT_ID,
    "app_id": APP_ID,
    "webhook_secret": WEBHOOK_SECRET,
}
"""The connection fields that authenticate against this fake (add ``api_url``)."""
_HTTP_STATUS = {"INVALID_ARGUMENT": 400, "PERMISSION_DENIED": 403, "NOT_FOUND": 404}
FAILURE_REASON = "RECIPIENT_NOT_REACHABLE"
"""The ``reason.code`` of FAILED reports unless a test names another."""


def sinch_error(status: int, code: str, message: str) -> web.Response:
    """Sinch's error answer: ``{"error": {"code", "message", "status", "details"}}``."""
    body = {"error": {"code": status, "message": message, "status": code, "details": []}}
    return rejected(status, body)


@dataclass
class FakeSinch(FakeProvider):
    """Issues tokens to the access key, then checks the bearer token, the project, ``app_id``,
    an SMS recipient and a text message like Sinch."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    project_id: str = PROJECT_ID
    app_id: str = APP_ID
    webhook_secret: str = WEBHOOK_SECRET
    token_lifetime: int = 3599
    tokens: set[str] = field(default_factory=set)
    """The bearer tokens the fake takes now."""
    tokens_issued: int = 0
    dispatch: bool = False
    """The app is in Dispatch mode: its messages are listed from ``DISPATCH_SOURCE``."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_post("/v1/projects/{project}/messages:send", self._send)
        app.router.add_get("/v1/projects/{project}/messages", self._list)

    def expire_tokens(self) -> None:
        """Make every token issued so far expired: sends with them get a 401."""
        self.tokens.clear()

    async def _token(self, request: web.Request) -> web.Response:
        credentials = f"{self.client_id}:{self.client_secret}".encode()
        if (
            request.headers.get("Authorization")
            != "Basic " + base64.b64encode(credentials).decode()
        ):
            body = {"error": "invalid_client", "error_description": "Client authentication failed"}
            return rejected(401, body)
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            body = {"error": "unsupported_grant_type", "error_description": "grant_type"}
            return rejected(400, body)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.tokens_issued += 1
        answer = {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "scope": "",
            "token_type": "bearer",
        }
        return web.json_response(answer)

    def _refused(self, request: web.Request) -> web.Response | None:
        """Sinch's refusal of a request without a live token for the project, if any."""
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            message = "Request had invalid authentication credentials."
            return sinch_error(401, "UNAUTHENTICATED", message)
        if request.match_info["project"] != self.project_id:
            return sinch_error(403, "PERMISSION_DENIED", "Permission denied for the project")
        return None

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        try:
            payload = await request.json()
            [identity] = payload["recipient"]["identified_by"]["channel_identities"]
            text = payload["message"]["text_message"]["text"]
        except (ValueError, KeyError, TypeError):
            return sinch_error(400, "INVALID_ARGUMENT", "Invalid argument")
        if payload.get("app_id") != self.app_id:
            return sinch_error(400, "INVALID_ARGUMENT", "Invalid argument: app_id")
        if identity.get("channel") != "SMS" or not identity.get("identity") or not text:
            return sinch_error(400, "INVALID_ARGUMENT", "Invalid argument: recipient, message")
        message_id = f"01FAKE{len(self.received) + 1:020d}"
        properties = payload.get("channel_properties") or {}
        fields = {
            "to": identity["identity"],
            "from": properties.get("SMS_SENDER", ""),
            "text": text,
            "app_id": payload["app_id"],
            "correlation_id": payload.get("correlation_id", ""),
            "message_metadata": payload.get("message_metadata", ""),
            "channel_priority_order": ",".join(payload.get("channel_priority_order", [])),
            "callback_url": payload.get("callback_url", ""),
        }

        def answer() -> web.Response:
            return web.json_response(
                {"message_id": message_id, "accepted_time": "2024-05-01T10:00:00.123Z"}
            )

        return await self.take(request, fields, message_id, answer)

    def message(self, sent: Received, *, metadata: bool = True) -> dict[str, Any]:
        """A text the fake took, as the messages list shows it (an app message)."""
        accepted = datetime.fromtimestamp(sent.sent_at, UTC).isoformat(timespec="milliseconds")
        return {
            "id": sent.message_id,
            "direction": "TO_CONTACT",
            "channel_identity": {"channel": "SMS", "identity": sent.fields["to"], "app_id": ""},
            "app_message": {"text_message": {"text": sent.fields["text"]}},
            "conversation_id": "01EPYATA64TMNZ1FV02JKF12JF",
            "contact_id": "01EXA07N79THJ20WSN6AS30TMW",
            "metadata": sent.fields["message_metadata"] if metadata else "",
            "accept_time": accepted.replace("+00:00", "Z"),
            "processing_mode": "DISPATCH" if self.dispatch else "CONVERSATION",
            "injected": False,
        }

    async def _list(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        query = request.query
        try:
            since, until = (_time(query.get(key)) for key in ("start_time", "end_time"))
            size, offset = int(query.get("page_size", "10")), int(query.get("page_token") or 0)
        except ValueError:
            return sinch_error(400, "INVALID_ARGUMENT", "Invalid argument")
        source = "DISPATCH_SOURCE" if self.dispatch else "CONVERSATION_SOURCE"
        listed = [
            self.message(sent, metadata=query.get("view") == "WITH_METADATA")
            for sent in self.accepted()
            if query.get("messages_source", "CONVERSATION_SOURCE") == source
            and query.get("app_id", self.app_id) == self.app_id
            and query.get("direction", "TO_CONTACT") == "TO_CONTACT"
            and (since is None or since <= datetime.fromtimestamp(sent.sent_at, UTC))
            and (until is None or datetime.fromtimestamp(sent.sent_at, UTC) <= until)
        ]
        more = offset + size < len(listed)
        return web.json_response(
            {
                "messages": listed[offset : offset + size],
                "next_page_token": str(offset + size) if more else "",
                "total_size": len(listed),
            }
        )

    def refusal(self, fault: Fault) -> web.Response:
        if fault.kind == "throttle":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            code = fault.code or "RESOURCE_EXHAUSTED"
            body = {"error": {"code": 429, "message": "Too many requests", "status": code}}
            return web.json_response(body, status=429, headers=headers)
        if fault.kind == "server":
            if fault.code == "INTERNAL":
                return sinch_error(500, "INTERNAL", "Internal error")
            return sinch_error(503, fault.code or "UNAVAILABLE", "Service unavailable")
        code = fault.code or "INVALID_ARGUMENT"
        return sinch_error(_HTTP_STATUS.get(code, 400), code, "Invalid argument: recipient")

    def signed(self, url: str, event: dict[str, Any], timestamp: int | None = None) -> Callback:
        """``event`` in the app's envelope, signed as Sinch signs webhooks."""
        envelope = {
            "app_id": self.app_id,
            "accepted_time": "2024-05-01T10:00:01.456Z",
            "event_time": "2024-05-01T10:00:01Z",
            "project_id": self.project_id,
            **event,
        }
        body = json.dumps(envelope, separators=(",", ":"))
        nonce = secrets.token_hex(13).upper()
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        digest = calculate_sinch_event_signature(
            compute_signed_data(body, nonce, stamp), self.webhook_secret
        )
        headers = {
            "Content-Type": "application/json",
            "X-Sinch-Webhook-Signature": digest,
            "X-Sinch-Webhook-Signature-Nonce": nonce,
            "X-Sinch-Webhook-Signature-Timestamp": stamp,
            "X-Sinch-Webhook-Signature-Algorithm": "HmacSHA256",
        }
        return Callback("POST", url, headers, body.encode())

    def status_callback(
        self, url: str, message_id: str, status: str, reason: str | None = None
    ) -> Callback:
        """A MESSAGE_DELIVERY callback, with the text's correlation id and metadata."""
        sent = self.sent(message_id)
        report: dict[str, Any] = {
            "message_id": message_id,
            "conversation_id": "01EPYATA64TMNZ1FV02JKF12JF",
            "status": status,
            "channel_identity": {"channel": "SMS", "identity": "14155552671", "app_id": ""},
            "contact_id": "01EXA07N79THJ20WSN6AS30TMW",
            "metadata": sent.fields["message_metadata"] if sent else "",
            "processing_mode": "CONVERSATION",
        }
        if status == "FAILED" or reason:
            report["reason"] = {
                "code": reason or FAILURE_REASON,
                "description": "The message could not be delivered.",
                "sub_code": "UNSPECIFIED_SUB_CODE",
            }
        event: dict[str, Any] = {"message_delivery_report": report}
        if sent and sent.fields["correlation_id"]:
            event["correlation_id"] = sent.fields["correlation_id"]
        return self.signed(url, event)

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        message = {
            "id": f"01MO{secrets.token_hex(11).upper()}",
            "direction": "TO_APP",
            "channel_identity": {
                "channel": "SMS",
                "identity": sender.removeprefix("+"),
                "app_id": "",
            },
            "contact_message": {"text_message": {"text": text}},
            "conversation_id": "01EPYATA64TMNZ1FV02JKF12JF",
            "contact_id": "01EXA07N79THJ20WSN6AS30TMW",
            "metadata": "",
            "accept_time": "2024-05-01T10:00:01.456Z",
            "sender_id": recipient.removeprefix("+"),
            "processing_mode": "CONVERSATION",
            "injected": False,
        }
        return self.signed(url, {"message": message})


def _time(value: str | None) -> datetime | None:
    """An RFC 3339 time of a list filter."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
