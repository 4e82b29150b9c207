"""The FastAPI application: API, pages and provider webhooks of one smsurvey process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from smsurvey import __version__
from smsurvey.kit.db import create_engine, session_factory
from smsurvey.kit.errors import SmsurveyError
from smsurvey.settings import Settings, get_settings


class Health(BaseModel):
    """What ``/healthz`` reports."""

    status: str
    version: str
    database: str


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (the environment's when omitted)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="smsurvey",
        version=__version__,
        summary="Self-hosted surveys over SMS.",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.exception_handler(SmsurveyError)
    async def domain_error(_request: Request, error: SmsurveyError) -> JSONResponse:
        return JSONResponse(
            status_code=error.http_status,
            content={"meta": {"error": {"errorMessage": str(error), "errorCode": error.code}}},
        )

    @app.get("/healthz", tags=["operations"])
    async def healthz(request: Request) -> Health:
        """Liveness and database reachability."""
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__, database="ok")

    return app
