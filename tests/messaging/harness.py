"""A whole smsurvey in one process for the tests: app, runtime, worker, simulated phones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from sqlalchemy import ColumnElement, select

from smsurvey.accounts.service import default_organization
from smsurvey.app import embedded
from smsurvey.contacts.service import (
    ContactFields,
    add_to_list,
    default_directory,
    mailing_list_named,
    upsert_contact,
)
from smsurvey.distributions.service import Recipients, create_interactive
from smsurvey.kit.clock import FrozenClock
from smsurvey.kit.db import unit_of_work
from smsurvey.models.accounts import Organization
from smsurvey.runtime import Runtime
from smsurvey.settings import Settings
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.service import import_survey
from smsurvey.worker.runner import Worker

EXAMPLE = Path(__file__).parents[2] / "examples" / "customer-feedback.yaml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OUR_NUMBER = "+15005550006"
M = TypeVar("M")


class Harness:
    """Drive the embedded system: contacts, distributions, simulated replies, time."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient, clock: FrozenClock) -> None:
        self.runtime = runtime
        self.client = client
        self.clock = clock
        self.worker = Worker(runtime)
        self.organization: Organization
        self.survey_id = ""

    async def setup(self) -> None:
        async with unit_of_work(self.runtime.engine) as session:
            self.organization = await default_organization(session, self.clock)
            imported = await import_survey(
                session, self.organization, load_survey(EXAMPLE), clock=self.clock
            )
            self.survey_id = imported.survey.id

    async def contacts(self, list_name: str, *people: ContactFields) -> str:
        """Put contacts in a new list; returns the list id."""
        async with unit_of_work(self.runtime.engine) as session:
            directory = await default_directory(session, self.organization, self.clock)
            mailing_list, _ = await mailing_list_named(session, directory, list_name, self.clock)
            for person in people:
                contact, _ = await upsert_contact(session, directory, person, clock=self.clock)
                await add_to_list(session, mailing_list, contact, self.clock)
            return mailing_list.id

    async def distribute(self, recipients: Recipients, sender: str | None = None) -> str:
        async with unit_of_work(self.runtime.engine) as session:
            distribution = await create_interactive(
                session, self.runtime, self.organization, self.survey_id, recipients, sender=sender
            )
            return distribution.id

    async def drain(self) -> None:
        """Run the worker until nothing is due now."""
        await self.worker.drain()

    async def advance(self, delta: timedelta) -> None:
        """Let time pass, then let the worker catch up."""
        self.clock.advance(delta)
        await self.drain()

    async def text(self, handset: str, body: str, to: str = OUR_NUMBER) -> None:
        """``handset`` texts ``body`` to us; the system answers before this returns."""
        await self.runtime.simulator.type_on_handset(self.organization.id, handset, to, body)
        await self.drain()

    async def inbox(self, handset: str) -> list[str]:
        """What the simulated phone received from us, oldest first."""
        texts = await self.runtime.simulator.inbox(self.organization.id, handset)
        return [text.body for text in texts if text.direction == "to_handset"]

    async def last(self, handset: str) -> str:
        received = await self.inbox(handset)
        assert received, f"{handset} received nothing"
        return received[-1]

    async def rows(self, model: type[M], *where: ColumnElement[bool]) -> list[M]:
        async with unit_of_work(self.runtime.engine) as session:
            return list(await session.scalars(select(model).where(*where)))


@asynccontextmanager
async def harness(database_url: str, behaviours: str = "") -> AsyncIterator[Harness]:
    """A fresh embedded smsurvey on ``database_url`` with a frozen clock."""
    clock = FrozenClock(START)
    config = Settings(
        database_url=database_url, simulator_delay_ms=1000, simulator_behaviours=behaviours
    )
    app, runtime = embedded(config, clock=clock, seed=7)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    try:
        test_harness = Harness(runtime, client, clock)
        await test_harness.setup()
        yield test_harness
    finally:
        await client.aclose()
        await runtime.aclose()
