"""``smsurvey serve`` and ``smsurvey migrate``."""

from __future__ import annotations

import logging

import typer
import uvicorn

from smsurvey.commands.common import console
from smsurvey.kit.db import is_sqlite
from smsurvey.models.migrate import upgrade
from smsurvey.settings import get_settings


def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    settings = get_settings()
    upgrade(settings.database_url)
    console.print(f"[green]Database is up to date[/] ({_describe(settings.database_url)})")


def serve(
    host: str = typer.Option(None, help="Interface to listen on (default from settings)."),
    port: int = typer.Option(None, help="Port to listen on (default from settings)."),
    migrate_first: bool = typer.Option(
        True, "--migrate/--no-migrate", help="Apply pending migrations before starting."
    ),
) -> None:
    """Start the server: API, survey pages and provider webhooks."""
    from smsurvey.app import create_app

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    if migrate_first:
        upgrade(settings.database_url)
    host = host or settings.host
    port = port or settings.port
    console.print(
        f"smsurvey on [bold]http://{host}:{port}[/] — database {_describe(settings.database_url)}, "
        f"provider {settings.provider}; API docs at /docs"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level)


def _describe(url: str) -> str:
    if is_sqlite(url):
        return f"SQLite {url.split(':///', 1)[-1]}"
    return url.split("@")[-1]
