"""after_commit: work that must follow a unit of work's commit (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.kit.db import after_commit, unit_of_work


async def test_after_commit_runs_once_committed_and_never_after_a_rollback(
    engine: AsyncEngine,
) -> None:
    calls: list[str] = []
    async with unit_of_work(engine) as session:
        after_commit(session, lambda: calls.append("committed"))
        await session.execute(text("SELECT 1"))
        assert calls == []
    assert calls == ["committed"]

    async def failing() -> None:
        async with unit_of_work(engine) as session:
            after_commit(session, lambda: calls.append("rolled back"))
            await session.execute(text("SELECT 1"))
            raise RuntimeError("the work fails")

    with pytest.raises(RuntimeError):
        await failing()
    assert calls == ["committed"]
