"""Planning's per-chunk queries read an index that holds their answer: a query that read
all of an organisation's texts per chunk made planning grow with the square of its size."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from smsurvey.distributions.planning import sent_lately
from tests.messaging.harness import harness


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_duplicate_rule_reads_only_its_numbers(database_url: str) -> None:
    async with harness(database_url) as system, system.runtime.sessions() as session:
        phones = [f"+1415555{n:04d}" for n in range(250)]
        query = sent_lately(system.organization.id, "0123456789abcdef", phones, system.clock.now())
        sql = query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        steps = [row[3] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        expected = (
            "COVERING INDEX ix_messages_duplicates"
            " (organization_id=? AND template_hash=? AND recipient=? AND created_at>?)"
        )
        assert steps == [f"SEARCH messages USING {expected}"], steps
