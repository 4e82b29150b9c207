"""``smsurvey serve`` and ``smsurvey migrate``."""

from __future__ import annotations

import os

import typer
import uvicorn

from smsurvey.commands.common import console, fail
from smsurvey.commands.database import upgrade_database
from smsurvey.kit.db import is_sqlite
from smsurvey.kit.errors import SmsurveyError
from smsurvey.kit.logs import set_up_logging, uvicorn_log_config
from smsurvey.kit.secrets import secret_key
from smsurvey.settings import Settings, get_settings


def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    settings = get_settings()
    upgrade_database(settings.database_url)
    console.print(f"[green]Database is up to date[/] ({_describe(settings.database_url)})")


def serve(
    host: str | None = typer.Option(None, help="Interface to listen on (default from settings)."),
    port: int | None = typer.Option(None, help="Port to listen on (default from settings)."),
    migrate_first: bool = typer.Option(
        True, "--migrate/--no-migrate", help="Apply pending migrations before starting."
    ),
    worker: bool = typer.Option(
        True, "--worker/--no-worker", help="Also run the worker (in a process of its own)."
    ),
) -> None:
    """Start the server: API, survey pages, provider webhooks, and (unless --no-worker) the
    worker that schedules and sends."""
    from smsurvey.app import create_app

    _listen_on(host, port)
    settings = process_settings()
    if migrate_first:
        upgrade_database(settings.database_url)
    console.print(
        f"smsurvey on [bold]http://{settings.host}:{settings.port}[/]"
        f" — database {_describe(settings.database_url)}"
        "; texts go through each organisation's provider connections, else the simulator"
        f"; the admin at {settings.public_url.rstrip('/')}/admin, API docs at /docs"
        f"; links point to {settings.public_url}",
        highlight=False,
    )
    app = create_app(settings, run_worker=worker)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=uvicorn_log_config(),
    )


def _listen_on(host: str | None, port: int | None) -> None:
    """Make ``--host``/``--port`` this process's settings, and those of the worker it starts
    (which reads the environment), so that links point where the server listens."""
    for name, value in (("SMSURVEY_HOST", host), ("SMSURVEY_PORT", port)):
        if value is not None:
            os.environ[name] = str(value)
    get_settings.cache_clear()


def process_settings() -> Settings:
    """The settings of a long-running process (server or worker), its secret key checked and
    its logging set up (credentials redacted); a missing key is a one-line error."""
    settings = get_settings()
    try:
        secret_key(settings)
    except SmsurveyError as error:
        raise fail(str(error)) from None
    set_up_logging(settings.log_level)
    return settings


def _describe(url: str) -> str:
    if is_sqlite(url):
        return f"SQLite {url.split(':///', 1)[-1]}"
    return url.split("@")[-1]
