"""What a newcomer meets first: where links point, and which database a command uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smsurvey.settings import Settings, get_settings
from tests.support import invoke


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No ``SMSURVEY_`` settings from the environment, in an empty working directory."""
    for name in ("DATABASE_URL", "PUBLIC_URL", "HOST", "PORT", "SECRET_KEY"):
        monkeypatch.delenv(f"SMSURVEY_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_links_point_where_the_server_listens_unless_told(bare_environment: Path) -> None:
    assert Settings().public_url == "http://127.0.0.1:8000"
    assert Settings(port=8123).public_url == "http://127.0.0.1:8123"
    assert Settings(host="::1", port=9000).public_url == "http://[::1]:9000"
    told = Settings(port=8123, public_url="https://surveys.example.org")
    assert told.public_url == "https://surveys.example.org"


def test_the_environment_moves_the_links_with_the_port(
    bare_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSURVEY_PORT", "8123")
    assert Settings().public_url == "http://127.0.0.1:8123"


def test_a_new_database_is_named_once_on_stderr(
    bare_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSURVEY_DATABASE_URL", "sqlite+aiosqlite:///fresh.db")
    first = invoke("contacts", "lists")
    created = bare_environment.resolve() / "fresh.db"
    assert first.stderr.strip() == (
        f"Created a new SQLite database: {created} (set SMSURVEY_DATABASE_URL to use another)"
    )
    assert created.exists()
    again = invoke("contacts", "lists")
    assert again.stderr == ""
