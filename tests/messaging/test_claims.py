"""What a claim takes, and that it reads its texts in order from an index: a claim of a
batch must not sort every due text, or claims get slower the longer the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.dialects import sqlite

from smsurvey.kit.db import unit_of_work
from smsurvey.messaging.outbox import CONVERSATION, Route, queue_text
from smsurvey.messaging.sender import due_texts
from smsurvey.models.messaging import Message
from tests.messaging.harness import harness, queue_invitations

SENDER, OTHER = "+15005550006", "+15005550007"


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_bulk_texts_go_as_they_fell_due_and_replies_first(database_url: str) -> None:
    async with harness(database_url) as system:
        org = system.organization.id
        async with unit_of_work(system.runtime.engine) as session:
            queue_invitations(
                system, session, "simulator", SENDER, ["+14155550001", "+14155550002"]
            )
            queue_invitations(system, session, "simulator", OTHER, ["+14155550003"])
            route = Route(org, "simulator", SENDER, "+14155550004", "US")
            session.add(
                queue_text(
                    route, "Next question", kind="reply", rates=system.runtime.rates,
                    now=system.clock.now(), priority=CONVERSATION,
                )
            )  # fmt: skip
        now = system.clock.now()
        async with unit_of_work(system.runtime.engine) as session:
            # The first invitation was retried: due after the second now.
            await session.execute(
                update(Message)
                .where(Message.recipient == "+14155550001")
                .values(next_attempt_at=now + timedelta(seconds=1))
            )
        later = now + timedelta(seconds=2)
        async with system.runtime.sessions() as session:

            async def taken(key: tuple[str, str] | None, *, urgent: bool) -> list[str]:
                ids = list(await session.scalars(due_texts(key, 10, later, urgent=urgent)))
                by_id = {m.id: m.recipient for m in await system.rows(Message)}
                return [by_id[i] for i in ids]

            assert await taken((org, SENDER), urgent=False) == ["+14155550002", "+14155550001"]
            assert await taken((org, OTHER), urgent=False) == ["+14155550003"]
            assert await taken(None, urgent=True) == ["+14155550004"]
            # Not due yet: nothing.
            early = due_texts((org, SENDER), 10, now - timedelta(seconds=1), urgent=False)
            assert list(await session.scalars(early)) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_claims_read_an_index_in_their_order(database_url: str) -> None:
    async with harness(database_url) as system, system.runtime.sessions() as session:
        now = system.clock.now()
        key = (system.organization.id, SENDER)

        async def plan(urgent: bool) -> list[str]:
            query = due_texts(None if urgent else key, 200, now, urgent=urgent)
            sql = query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
            rows = await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            return [row[3] for row in rows]

        bulk = await plan(urgent=False)
        assert any("ix_messages_sender_due" in step for step in bulk), bulk
        assert not any("TEMP B-TREE" in step for step in bulk), bulk
        replies = await plan(urgent=True)
        assert any("ix_messages_urgent (send_state=? AND priority<?)" in s for s in replies), (
            replies
        )
