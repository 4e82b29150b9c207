"""The embedded system for the tests: a :class:`~smsurvey.sandbox.Sandbox` with the example."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.service import Recipients
from smsurvey.messaging.outbox import BULK, Route, queue_text
from smsurvey.providers.simulator import SIGNATURE_HEADER, sign
from smsurvey.sandbox import Sandbox
from tests.fakes.base import Callback

EXAMPLE = Path(__file__).parents[2] / "examples" / "customer-feedback.yaml"


class Harness(Sandbox):
    """A sandbox with the example survey imported, and shortcuts the tests use."""

    survey_id: str

    async def distribute_list(self, list_id: str, sender: str | None = None) -> str:
        return await self.distribute(self.survey_id, Recipients(mailing_list_id=list_id), sender)

    async def last(self, handset: str) -> str:
        received = await self.inbox(handset)
        assert received, f"{handset} received nothing"
        return received[-1]

    async def people(self, list_name: str, *phones: str) -> str:
        return await self.contacts(list_name, *(ContactFields(phone=phone) for phone in phones))

    def receive_url(self, kind: str, provider: str) -> str:
        """Our public receive URL of ``kind`` (``status`` or ``message``) for ``provider``."""
        base = self.runtime.settings.public_url.rstrip("/")
        return (
            f"{base}/distribution-providers/v1/receive/distribution"
            f"/{kind}/{provider}/{self.organization.id}"
        )

    async def post(self, callback: Callback) -> int:
        """Post a callback signed for our public URL to the app; returns the status code."""
        parts = urlsplit(callback.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = await self.client.request(
            callback.method, path, headers=dict(callback.headers), content=callback.body
        )
        return answer.status_code


def queue_invitations(
    system: Sandbox, session: AsyncSession, connection_id: str, sender: str, to: list[str]
) -> None:
    """Queue a bulk invitation ``Invitation N`` from ``sender`` through ``connection_id``
    to each number of ``to`` (added to ``session``, written when it commits)."""
    for n, number in enumerate(to):
        route = Route(system.organization.id, connection_id, sender, number, "US")
        session.add(
            queue_text(
                route,
                f"Invitation {n}",
                kind="invite",
                rates=system.runtime.rates,
                now=system.clock.now(),
                priority=BULK,
            )
        )


class SimulatorCallbacks:
    """The simulator's signed callbacks, made by hand so that a test can post one twice."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def status_callback(self, url: str, message_id: str, status: str) -> Callback:
        return self._signed(url, {"message_id": message_id, "status": status, "to": ""})

    def inbound_callback(self, url: str, sender: str, recipient: str, text: str) -> Callback:
        message_id = f"SM{secrets.token_hex(16)}"
        payload = {"message_id": message_id, "from": sender, "to": recipient, "text": text}
        return self._signed(url, payload)

    def _signed(self, url: str, payload: dict[str, str]) -> Callback:
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
        return Callback("POST", url, headers, body)


@asynccontextmanager
async def harness(
    database_url: str, behaviours: str = "", *, pacing: bool = False
) -> AsyncIterator[Harness]:
    """A fresh embedded smsurvey on ``database_url`` with the example survey."""
    async with Harness.open(database_url, behaviours=behaviours, pacing=pacing) as system:
        assert isinstance(system, Harness)
        system.survey_id = await system.import_survey(EXAMPLE)
        yield system
