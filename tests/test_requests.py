"""One unit of work per request: an authenticated API call runs in one transaction, its
caller resolved inside it, and a handler that fails after writing leaves nothing behind
(SQLite and PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, create_api_token, create_user
from smsurvey.accounts.dependencies import CallerDep
from smsurvey.accounts.service import default_organization
from smsurvey.app import embedded
from smsurvey.contacts.service import create_mailing_list, default_directory
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import Conflict
from smsurvey.models.contacts import Directory, MailingList
from smsurvey.settings import Settings

FAILING = "/API/v3/fails-after-writing"


@dataclass
class Transactions:
    """The transactions an engine began and committed while it was watched."""

    begun: int = 0
    committed: int = 0
    rolled_back: int = 0

    def watch(self, engine: AsyncEngine) -> None:
        def count(name: str) -> None:
            setattr(self, name, getattr(self, name) + 1)

        event.listen(engine.sync_engine, "begin", lambda _c: count("begun"))
        event.listen(engine.sync_engine, "commit", lambda _c: count("committed"))
        event.listen(engine.sync_engine, "rollback", lambda _c: count("rolled_back"))

    def reset(self) -> None:
        self.begun = self.committed = self.rolled_back = 0


@dataclass
class Api:
    app: FastAPI
    engine: AsyncEngine
    client: httpx.AsyncClient
    token: dict[str, str]


@asynccontextmanager
async def api(database_url: str) -> AsyncIterator[Api]:
    """The app on ``database_url`` with a Brand Administrator's token and one more route:
    it creates a mailing list, then fails with a domain error."""
    settings = Settings(database_url=database_url, secret_key=secrets.token_urlsafe(32))
    app, runtime = embedded(settings)

    @app.post(FAILING, operation_id="failAfterWriting")
    async def fail_after_writing(caller: CallerDep) -> None:
        directory = await default_directory(caller.session, caller.organization)
        await create_mailing_list(caller.session, directory, "Left behind?")
        raise Conflict("the handler fails after writing")

    async with unit_of_work(runtime.engine) as session:
        organization = await default_organization(session)
        user = await create_user(
            session, organization, "admin@example.org", runtime.clock.now(),
            role=BRAND_ADMINISTRATOR,
        )  # fmt: skip
        _, token = await create_api_token(session, user, runtime.clock.now())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")
    try:
        yield Api(app, runtime.engine, client, {"X-API-TOKEN": token})
    finally:
        await client.aclose()
        await runtime.aclose()


async def test_an_authenticated_request_runs_in_one_transaction(database_url: str) -> None:
    async with api(database_url) as system:
        seen = Transactions()
        seen.watch(system.engine)
        calls = [
            ("GET", "/API/v3/whoami", None),
            ("GET", "/API/v3/directories", None),  # writes the default directory
            ("POST", "/API/v3/directories/{directory}/mailinglists", {"name": "Spring"}),
            ("GET", "/API/v3/directories/{directory}/mailinglists", None),
        ]
        directory = ""
        for method, path, body in calls:
            seen.reset()
            answer = await system.client.request(
                method, path.format(directory=directory), json=body, headers=system.token
            )
            assert answer.status_code == 200, answer.text
            assert (seen.begun, seen.committed, seen.rolled_back) == (1, 1, 0), path
            if path == "/API/v3/directories":
                directory = answer.json()["result"]["elements"][0]["directoryId"]
        [listed] = answer.json()["result"]["elements"]
        assert listed["name"] == "Spring"


async def test_a_refused_token_runs_no_handler_and_commits_nothing(database_url: str) -> None:
    async with api(database_url) as system:
        seen = Transactions()
        seen.watch(system.engine)
        answer = await system.client.get("/API/v3/whoami", headers={"X-API-TOKEN": "x" * 40})
        assert answer.status_code == 401
        assert seen.committed == 0
        assert seen.begun == seen.rolled_back <= 1


async def test_a_handler_that_fails_after_writing_leaves_nothing_behind(database_url: str) -> None:
    async with api(database_url) as system:
        seen = Transactions()
        seen.watch(system.engine)
        answer = await system.client.post(FAILING, headers=system.token)
        assert answer.status_code == 409
        assert answer.json()["meta"]["error"]["errorMessage"] == "the handler fails after writing"
        assert (seen.begun, seen.committed, seen.rolled_back) == (1, 0, 1)
        async with unit_of_work(system.engine) as session:
            assert list(await session.scalars(select(MailingList))) == []
            assert list(await session.scalars(select(Directory))) == []
