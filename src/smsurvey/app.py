"""The FastAPI application: API, pages and provider webhooks of one smsurvey process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from smsurvey import __version__
from smsurvey.accounts.credit_pages import router as credit_pages_router
from smsurvey.accounts.pages import router as account_pages_router
from smsurvey.api import api_routers, oauth_router
from smsurvey.contacts.admin_pages import router as contact_pages_router
from smsurvey.contacts.pages import router as opt_out_router
from smsurvey.distributions.admin_pages import router as distribution_pages_router
from smsurvey.kit import envelope
from smsurvey.kit.body_limit import BodyLimit, BodyTooLarge, too_large
from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.text import refuse_unstorable_text
from smsurvey.messaging.receive import router as receive_router
from smsurvey.providers.admin_pages import router as provider_pages_router
from smsurvey.providers.simulator_api import router as simulator_router
from smsurvey.responses.admin_pages import router as subscription_pages_router
from smsurvey.runtime import Runtime, build_runtime
from smsurvey.settings import Settings, get_settings
from smsurvey.surveys.admin_pages import router as survey_admin_pages_router
from smsurvey.surveys.pages import router as survey_pages_router
from smsurvey.web import STATIC_DIR
from smsurvey.web.admin import SignInNeeded, error_page, sign_in_needed
from smsurvey.worker.child import WorkerChild


class Health(BaseModel):
    """What ``/healthz`` reports."""

    status: str
    version: str
    database: str


def create_app(
    settings: Settings | None = None, *, clock: Clock = system_clock, run_worker: bool = False
) -> FastAPI:
    """Build the application for ``settings`` (the environment's when omitted).

    On start-up it builds its :class:`~smsurvey.runtime.Runtime` (unless one was attached
    with :func:`embedded`) and, with ``run_worker``, runs the worker in a process of its
    own beside it (:mod:`smsurvey.worker.child`).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = getattr(app.state, "runtime", None) is None
        if owned:
            app.state.runtime = build_runtime(settings, app, clock=clock)
        runtime: Runtime = app.state.runtime
        stop = asyncio.Event()
        worker = asyncio.create_task(WorkerChild(runtime.wake).run(stop)) if run_worker else None
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if owned:
                await runtime.aclose()

    app = FastAPI(
        title="smsurvey",
        version=__version__,
        summary="Self-hosted surveys over SMS.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    checked = [Depends(refuse_unstorable_text)]
    app.include_router(receive_router)
    app.include_router(simulator_router, dependencies=checked)
    app.include_router(survey_pages_router, dependencies=checked)
    app.include_router(opt_out_router, dependencies=checked)
    app.include_router(oauth_router, dependencies=checked)
    app.include_router(account_pages_router, dependencies=checked)
    app.include_router(provider_pages_router, dependencies=checked)
    app.include_router(credit_pages_router, dependencies=checked)
    app.include_router(subscription_pages_router, dependencies=checked)
    app.include_router(distribution_pages_router, dependencies=checked)
    app.include_router(survey_admin_pages_router, dependencies=checked)
    app.include_router(contact_pages_router, dependencies=checked)
    app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    envelope.install(app, page_error=error_page)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    for router in api_routers():
        app.include_router(router, prefix=envelope.API_PREFIX, dependencies=checked)
    app.add_middleware(
        BodyLimit,
        default=settings.api_body_limit,
        by_prefix=[(receive_router.prefix, settings.webhook_body_limit)],
        page_error=error_page,
    )
    app.add_exception_handler(BodyTooLarge, too_large)  # type: ignore[arg-type]

    @app.get("/", include_in_schema=False)
    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/admin", status_code=307)

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        """Swagger UI from the installed ``swagger-ui-bundle``: no CDN, works offline."""
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title="smsurvey API",
            swagger_js_url=f"{root}/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{root}/static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["operations"], operation_id="getHealth")
    async def get_health(request: Request) -> Health:
        """Liveness and database reachability."""
        async with request.app.state.runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__, database="ok")

    return app


def embedded(
    settings: Settings, *, clock: Clock = system_clock, seed: int | None = None
) -> tuple[FastAPI, Runtime]:
    """An app and its runtime without a server or background worker (demo and tests):
    drive it with :class:`~smsurvey.worker.runner.Worker` and an in-process HTTP client."""
    app = create_app(settings, clock=clock)
    runtime = build_runtime(settings, app, clock=clock, seed=seed)
    app.state.runtime = runtime
    return app, runtime
