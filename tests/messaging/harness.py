"""The embedded system for the tests: a :class:`~smsurvey.sandbox.Sandbox` with the example."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.service import Recipients
from smsurvey.sandbox import Sandbox

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


@asynccontextmanager
async def harness(
    database_url: str, behaviours: str = "", *, pacing: bool = False
) -> AsyncIterator[Harness]:
    """A fresh embedded smsurvey on ``database_url`` with the example survey."""
    async with Harness.open(database_url, behaviours=behaviours, pacing=pacing) as system:
        assert isinstance(system, Harness)
        system.survey_id = await system.import_survey(EXAMPLE)
        yield system
