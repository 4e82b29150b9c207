"""Migration 0020 on a database with data: library categories become Qualtrics' and
distributions get an owner, the organisation's first Brand Administrator (SQLite and
PostgreSQL scratch databases)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from smsurvey.kit.db import create_engine
from smsurvey.models.migrate import alembic_config, upgrade
from tests.postgres import scratch_database
from tests.support import run_sync

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
EARLIER = datetime(2026, 1, 1, tzinfo=UTC)
pytestmark = pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index"
)
ROWS = [
    "INSERT INTO organizations (id, name, created_at) VALUES ('OR_a', 'A', :now)",
    "INSERT INTO users (id, organization_id, username, role, permissions, created_at,"
    " failed_sign_ins) VALUES"
    " ('UR_plain', 'OR_a', 'plain', 'User', '[]', :earlier, 0),"
    " ('UR_admin', 'OR_a', 'admin', 'BrandAdministrator', '[]', :now, 0)",
    "INSERT INTO surveys (id, organization_id, name, definition, is_active, created_at,"
    " updated_at) VALUES ('SV_a', 'OR_a', 'S', '{}', true, :now, :now)",
    "INSERT INTO distributions (id, organization_id, survey_id, method, name, provider, sender,"
    " status, send_at, created_at) VALUES"
    " ('SMSD_a', 'OR_a', 'SV_a', 'Invite', 'D', 'simulator', '+1', 'Planned', :now, :now)",
    "INSERT INTO library_messages (id, organization_id, category, description, text,"
    " created_at) VALUES"
    " ('MS_1', 'OR_a', 'Invite', 'd', 't', :now), ('MS_2', 'OR_a', 'Interactive', 'd', 't', :now),"
    " ('MS_3', 'OR_a', 'Reminder', 'd', 't', :now), ('MS_4', 'OR_a', 'ThankYou', 'd', 't', :now)",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
    else:
        with scratch_database(f"smsurvey_0020_{secrets.token_hex(4)}") as url:
            yield url


async def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            found: list[tuple[object, ...]] = []
            for statement in statements:
                result = await connection.execute(text(statement), {"now": NOW, "earlier": EARLIER})
                if result.returns_rows:
                    found.extend(tuple(row) for row in result)
            return found
    finally:
        await engine.dispose()


def test_categories_and_owners_are_migrated_both_ways(scratch_url: str) -> None:
    upgrade(scratch_url, "0019")
    run_sync(_run(scratch_url, *ROWS))
    upgrade(scratch_url, "0020")
    categories = "SELECT id, category FROM library_messages ORDER BY id"
    owners = "SELECT id, owner_user_id FROM distributions"
    assert run_sync(_run(scratch_url, categories)) == [
        ("MS_1", "smsInvite"),
        ("MS_2", "smsInvite"),
        ("MS_3", "smsReminder"),
        ("MS_4", "smsThankYou"),
    ]
    assert run_sync(_run(scratch_url, owners)) == [("SMSD_a", "UR_admin")]
    other = "UPDATE library_messages SET category = 'lookAndFeel' WHERE id = 'MS_2'"
    run_sync(_run(scratch_url, other))

    command.downgrade(alembic_config(scratch_url), "0019")
    assert run_sync(_run(scratch_url, categories)) == [
        ("MS_1", "Invite"),
        ("MS_2", "Invite"),
        ("MS_3", "Reminder"),
        ("MS_4", "ThankYou"),
    ]
