"""Migration 0021 gives each existing survey an owner: its organisation's first Brand
Administrator (none when the organisation has no administrator)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from smsurvey.kit.db import create_engine
from smsurvey.models.migrate import upgrade
from tests.support import run_sync

_ROWS = """
INSERT INTO organizations (id, name, created_at) VALUES
  ('OR_a', 'A', '2026-01-01 00:00:00'), ('OR_b', 'B', '2026-01-01 00:00:00');
INSERT INTO users (id, organization_id, username, role, permissions, created_at, failed_sign_ins)
VALUES
  ('UR_user', 'OR_a', 'user', 'User', '[]', '2026-01-01 00:00:00', 0),
  ('UR_late', 'OR_a', 'late', 'BrandAdministrator', '[]', '2026-01-03 00:00:00', 0),
  ('UR_first', 'OR_a', 'first', 'BrandAdministrator', '[]', '2026-01-02 00:00:00', 0);
INSERT INTO surveys (id, organization_id, name, definition, is_active, created_at, updated_at)
VALUES
  ('SV_a', 'OR_a', 'A', '{}', 1, '2026-01-04 00:00:00', '2026-01-04 00:00:00'),
  ('SV_b', 'OR_b', 'B', '{}', 1, '2026-01-04 00:00:00', '2026-01-04 00:00:00');
"""


def test_existing_surveys_belong_to_the_first_administrator(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'owners.db'}"
    upgrade(url, "0020")

    async def run(*statements: str) -> list[tuple[str, str | None]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
            if statements:
                return []
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text("SELECT id, owner_user_id FROM surveys ORDER BY id")
                )
                return [(row[0], row[1]) for row in rows]
        finally:
            await engine.dispose()

    run_sync(run(*(s for s in _ROWS.split(";") if s.strip())))
    upgrade(url, "0021")
    assert run_sync(run()) == [("SV_a", "UR_first"), ("SV_b", None)]
