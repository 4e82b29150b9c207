"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.kit.db import create_engine
from smsurvey.models import Base
from smsurvey.settings import get_settings
from tests.support import run_sync

# SQLite cannot reflect the expression index on lower(email) (PostgreSQL compares it);
# test_email_index_exists checks it there instead.
pytestmark = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]


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


# SQLite cannot reflect the expression index on lower(email); PostgreSQL compares it.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
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


def test_email_index_exists(sqlite_database: str) -> None:
    async def index_sql() -> str:
        engine = create_engine(sqlite_database)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'ix_contacts_directory_email'")
                )
                return result.scalar_one()
        finally:
            await engine.dispose()

    assert "lower(email)" in run_sync(index_sql())
