"""A whole smsurvey in one process, on a frozen clock, with simulated phones.

``smsurvey demo`` plays its respondents in one, and the tests drive the system through one:
the same app, runtime, worker and simulator a server runs, without a server.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
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
from smsurvey.distributions.access_codes import link_access_code
from smsurvey.distributions.service import (
    DistributionRequest,
    Method,
    Recipients,
    create_distribution,
)
from smsurvey.kit.clock import FrozenClock
from smsurvey.kit.db import unit_of_work
from smsurvey.models.accounts import Organization
from smsurvey.models.simulator import HandsetDirection, SimulatedText
from smsurvey.runtime import Runtime
from smsurvey.settings import Settings
from smsurvey.surveys.formats import load_survey
from smsurvey.surveys.service import import_survey
from smsurvey.worker.runner import Worker

DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
M = TypeVar("M")


class Sandbox:
    """Drive an embedded smsurvey: contacts, surveys, distributions, replies, time."""

    def __init__(
        self,
        app: FastAPI,
        runtime: Runtime,
        clock: FrozenClock,
        organization: Organization,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.client = self.browser()
        """An HTTP client on the app (no network), for the API and the receive endpoints."""
        self.clock = clock
        self.organization = organization
        self.worker = Worker(runtime)

    def browser(self) -> httpx.AsyncClient:
        """Another HTTP client on the same app, with cookies of its own (a second browser)."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://app")

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        database_url: str,
        *,
        start: datetime = DEFAULT_START,
        behaviours: str = "",
        delay: timedelta = timedelta(seconds=1),
        seed: int = 7,
        pacing: bool = False,
        simulator: bool = True,
    ) -> AsyncIterator[Sandbox]:
        """A sandbox on ``database_url`` (already migrated) in the default organisation.

        Pacing is off unless asked for: it waits in real time, the sandbox's clock is frozen.
        The simulator is on whatever the environment says, unless ``simulator`` is false.
        """
        clock = FrozenClock(start)
        settings = Settings(
            database_url=database_url,
            secret_key=secrets.token_urlsafe(32),
            simulator_delay_ms=int(delay.total_seconds() * 1000),
            simulator_behaviours=behaviours,
            pacing=pacing,
            simulator_enabled=simulator,
        )
        app, runtime = embedded(settings, clock=clock, seed=seed)
        system: Sandbox | None = None
        try:
            async with unit_of_work(runtime.engine) as session:
                organization = await default_organization(session, clock)
            system = cls(app, runtime, clock, organization)
            yield system
        finally:
            if system is not None:
                await system.client.aclose()
            await runtime.aclose()

    @property
    def our_number(self) -> str:
        """The number respondents text (the simulator's)."""
        return self.runtime.settings.simulator_number

    async def import_survey(self, path: Path) -> str:
        """Import a survey file; returns its id."""
        async with unit_of_work(self.runtime.engine) as session:
            imported = await import_survey(
                session, self.organization, load_survey(path), clock=self.clock
            )
            return imported.survey.id

    async def contacts(self, list_name: str, *people: ContactFields) -> str:
        """Put contacts in the named mailing list (created if needed); returns its id."""
        async with unit_of_work(self.runtime.engine) as session:
            directory = await default_directory(session, self.organization, self.clock)
            mailing_list, _ = await mailing_list_named(session, directory, list_name, self.clock)
            for person in people:
                contact, _ = await upsert_contact(session, directory, person, clock=self.clock)
                await add_to_list(session, mailing_list, contact, self.clock)
            return mailing_list.id

    async def distribute(
        self,
        survey_id: str,
        recipients: Recipients = Recipients(),
        sender: str | None = None,
        **request: Any,
    ) -> str:
        """Schedule a distribution (2-way unless ``method`` says otherwise) now; returns its id.

        ``request`` takes the other fields of
        :class:`~smsurvey.distributions.service.DistributionRequest`.
        """
        request.setdefault("method", Method.INTERACTIVE)
        async with unit_of_work(self.runtime.engine) as session:
            distribution = await create_distribution(
                session,
                self.runtime,
                self.organization,
                DistributionRequest(survey_id, recipients=recipients, sender=sender, **request),
            )
            return distribution.id

    async def link_access_code(self, code: str, region: str, survey_id: str) -> None:
        """Let people of ``region`` start the survey by texting ``code``."""
        async with unit_of_work(self.runtime.engine) as session:
            await link_access_code(session, self.organization, code, region, survey_id, self.clock)

    async def drain(self) -> None:
        """Run the worker until nothing is due now."""
        await self.worker.drain()

    async def advance(self, delta: timedelta) -> None:
        """Let time pass, then let the worker catch up."""
        self.clock.advance(delta)
        await self.drain()

    async def text(self, handset: str, body: str, to: str | None = None) -> None:
        """``handset`` texts ``body`` to us; the system has answered when this returns."""
        await self.runtime.simulator.type_on_handset(
            self.organization.id, handset, to or self.our_number, body
        )
        await self.drain()

    async def transcript(self, handset: str) -> list[SimulatedText]:
        """Every text on a simulated phone, both ways, oldest first."""
        return await self.runtime.simulator.inbox(self.organization.id, handset)

    async def inbox(self, handset: str) -> list[str]:
        """What the simulated phone received from us, oldest first."""
        return [
            t.body
            for t in await self.transcript(handset)
            if t.direction == HandsetDirection.TO_HANDSET
        ]

    async def rows(self, model: type[M], *where: ColumnElement[bool]) -> list[M]:
        """Rows of a table in the order they were made (for reports and tests)."""
        order = model.__mapper__.primary_key  # type: ignore[attr-defined]
        async with unit_of_work(self.runtime.engine) as session:
            return list(await session.scalars(select(model).where(*where).order_by(*order)))
