"""The built-in simulator: a provider whose network is a table of simulated phones.

It behaves like a real provider: ``send`` returns a provider message id, and delivery
reports and texts typed on a simulated phone come back as signed HTTP callbacks to the
same receive path real providers use, so nothing downstream knows it is simulated.
Texts to numbers matching a :class:`Behaviour` prefix fail, bounce or are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.kit.clock import Clock
from smsurvey.kit.secrets import derived_key
from smsurvey.models.simulator import HandsetDirection, SimulatedText
from smsurvey.providers.base import (
    DeliveryReport,
    DeliveryStatus,
    InboundSms,
    Lookup,
    OutboundSms,
    ProviderError,
    SendResult,
    SentText,
    WebhookRequest,
)

log = logging.getLogger(__name__)

NAME = "simulator"
SIGNATURE_HEADER = "x-simulator-signature"
Outcome = Literal["delivered", "failed", "bounced", "rejected"]
_STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
    "bounced": DeliveryStatus.BOUNCED,
}

Deliver = Callable[[str, bytes, Mapping[str, str]], Awaitable[int]]
"""Posts a callback (path, body, headers) to the receive endpoints; returns the HTTP status."""


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Texts to numbers starting with ``prefix`` meet ``outcome`` with probability ``rate``."""

    prefix: str
    outcome: Outcome
    rate: float = 1.0


def parse_behaviours(text: str) -> tuple[Behaviour, ...]:
    """Behaviours written as ``+1555000=failed, +4470=bounced:0.25, +999=rejected``."""
    behaviours = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        prefix, _, rest = item.partition("=")
        outcome, _, rate = rest.partition(":")
        if outcome not in ("delivered", "failed", "bounced", "rejected") or not prefix:
            raise ValueError(f"simulator behaviour {item!r}: write PREFIX=failed|bounced|rejected")
        behaviour = Behaviour(prefix.strip(), cast(Outcome, outcome), float(rate) if rate else 1.0)
        behaviours.append(behaviour)
    return tuple(behaviours)


def signing_key(instance_key: bytes) -> bytes:
    """The key the simulator signs with on an instance whose secret key is ``instance_key``:
    random per instance, kept with it (``SMSURVEY_SECRET_KEY`` or the key file)."""
    return derived_key(instance_key, "smsurvey simulator callbacks")


def sign(secret: bytes, body: bytes) -> str:
    """The signature the simulator puts on its callbacks: hex HMAC-SHA256 of the body."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Handset:
    """A simulated phone that has texts: how many, and when the last one came or went."""

    number: str
    texts: int
    last_at: datetime


class Simulator:
    """The simulator provider (see the module docstring)."""

    name = NAME

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        deliver: Deliver,
        clock: Clock,
        *,
        secret: bytes,
        delay: timedelta = timedelta(seconds=1),
        behaviours: Sequence[Behaviour] = (),
        seed: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._deliver = deliver
        self._clock = clock
        self._secret = secret
        self._delay = delay
        self._behaviours = tuple(behaviours)
        self._random = random.Random(seed)

    def _outcome(self, number: str) -> Outcome:
        for behaviour in self._behaviours:
            if number.startswith(behaviour.prefix) and self._random.random() < behaviour.rate:
                return behaviour.outcome
        return "delivered"

    async def send(self, message: OutboundSms) -> SendResult:
        """Put the text in the handset's inbox; its delivery report follows after the delay."""
        outcome = self._outcome(message.to)
        if outcome == "rejected":
            raise ProviderError(
                f"the simulated network refuses texts to {message.to}",
                retryable=False,
                code="rejected",
            )
        now = self._clock.now()
        text = SimulatedText(
            organization_id=message.organization_id,
            handset=message.to,
            counterpart=message.sender,
            direction=HandsetDirection.TO_HANDSET,
            body=message.body,
            provider_message_id=f"SM{secrets.token_hex(16)}",
            reference=message.reference,
            outcome=outcome,
            created_at=now,
            report_at=now + self._delay,
        )
        async with self._sessions() as session, session.begin():
            session.add(text)
        return SendResult(text.provider_message_id)

    async def lookup(self, sent: SentText) -> Lookup:
        """Whether the simulated network has the text we sent as ``sent.text.reference``."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(SimulatedText.provider_message_id).where(
                    SimulatedText.reference == sent.text.reference
                )
            )
        return Lookup(matches=(found,) if found else ())

    async def pump(self) -> int:
        """Send the delivery reports now due; returns how many went out."""
        now = self._clock.now()
        async with self._sessions() as session:
            due = list(
                await session.scalars(
                    select(SimulatedText)
                    .where(SimulatedText.reported_at.is_(None), SimulatedText.report_at <= now)
                    .order_by(SimulatedText.id)
                )
            )
        for text in due:
            report = {
                "message_id": text.provider_message_id,
                "status": text.outcome,
                "to": text.handset,
                "at": now.isoformat(),
            }
            await self._post("status", text.organization_id, report)
            async with self._sessions() as session, session.begin():
                await session.execute(
                    update(SimulatedText).where(SimulatedText.id == text.id).values(reported_at=now)
                )
        return len(due)

    async def type_on_handset(
        self, organization_id: str, handset: str, to: str, body: str
    ) -> SimulatedText:
        """A simulated person texts ``body`` from ``handset`` to our number ``to``."""
        now = self._clock.now()
        text = SimulatedText(
            organization_id=organization_id,
            handset=handset,
            counterpart=to,
            direction=HandsetDirection.FROM_HANDSET,
            body=body,
            provider_message_id=f"SM{secrets.token_hex(16)}",
            created_at=now,
        )
        async with self._sessions() as session, session.begin():
            session.add(text)
        inbound = {
            "message_id": text.provider_message_id,
            "from": handset,
            "to": to,
            "text": body,
            "at": now.isoformat(),
        }
        await self._post("message", organization_id, inbound)
        return text

    async def inbox(
        self, organization_id: str, handset: str, after: int = 0
    ) -> list[SimulatedText]:
        """The texts of a simulated phone (both ways), oldest first, after id ``after``."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SimulatedText)
                .where(
                    SimulatedText.organization_id == organization_id,
                    SimulatedText.handset == handset,
                    SimulatedText.id > after,
                )
                .order_by(SimulatedText.id)
            )
            return list(rows)

    async def handsets(self, organization_id: str, limit: int = 100) -> list[Handset]:
        """The organisation's simulated phones that have texts, the latest talking first."""
        last = func.max(SimulatedText.created_at)
        async with self._sessions() as session:
            rows = await session.execute(
                select(SimulatedText.handset, func.count(), last)
                .where(SimulatedText.organization_id == organization_id)
                .group_by(SimulatedText.handset)
                .order_by(last.desc(), SimulatedText.handset)
                .limit(limit)
            )
            return [Handset(number, texts, at) for number, texts, at in rows]

    async def _post(
        self, kind: str, organization_id: str, payload: Mapping[str, str | None]
    ) -> None:
        body = json.dumps(payload).encode()
        path = f"/distribution-providers/v1/receive/distribution/{kind}/{NAME}/{organization_id}"
        headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(self._secret, body)}
        status = await self._deliver(path, body, headers)
        if 400 <= status < 500:
            # Refused, as when the organisation added a provider connection since the text
            # went: dropped, as a provider gives up on a refused webhook, so that it does
            # not hold up every report due after it.
            log.warning(
                "simulator callback refused",
                extra={"organization_id": organization_id, "kind": kind, "status": status},
            )
        elif not 200 <= status < 300:
            raise RuntimeError(f"the simulator's {kind} callback was answered {status}")

    def verify(self, request: WebhookRequest) -> bool:
        """Whether the callback carries the simulator's signature."""
        given = request.headers.get(SIGNATURE_HEADER, "")
        return hmac.compare_digest(given, sign(self._secret, request.body))

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """One report per callback: ``{"message_id", "status", "to", "at"}``."""
        data = json.loads(request.body)
        raw = str(data.get("status", ""))
        return [
            DeliveryReport(
                provider_message_id=str(data["message_id"]),
                status=_STATUSES.get(raw, DeliveryStatus.UNKNOWN),
                provider_status=raw,
                at=_when(data.get("at")),
            )
        ]

    def parse_inbound(self, request: WebhookRequest) -> list[InboundSms]:
        """One text per callback: ``{"message_id", "from", "to", "text", "at"}``."""
        data = json.loads(request.body)
        return [
            InboundSms(
                sender=str(data["from"]),
                recipient=str(data["to"]),
                text=str(data["text"]),
                provider_message_id=str(data["message_id"]),
                received_at=_when(data.get("at")),
            )
        ]


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
