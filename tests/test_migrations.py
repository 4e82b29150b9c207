"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.kit.db import create_engine
from smsurvey.models import Base
from smsurvey.settings import get_settings
from tests.support import run_sync


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def _schema_differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    assert run_sync(_schema_differences(database_url)) == []


def test_migrate_command_creates_schema_in_an_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMSURVEY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["migrate"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    database = tmp_path / "smsurvey.db"
    assert database.exists()
    assert run_sync(_schema_differences(f"sqlite+aiosqlite:///{database}")) == []
    # Running it again is harmless.
    assert CliRunner().invoke(app, ["migrate"]).exit_code == 0
