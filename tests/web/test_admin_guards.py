"""Every admin route, whoever wrote it: nobody gets in without signing in, and no unsafe
request goes through without its CSRF token (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from smsurvey.web.admin import PREFIX
from tests.messaging.harness import harness
from tests.web.admin_support import signed_in

OPEN = {f"{PREFIX}/sign-in", f"{PREFIX}/set-password", f"{PREFIX}/sign-out"}
"""Pages for visitors who are not signed in (yet, or any more)."""


def _admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every admin route's methods and path, with made-up ids for its parameters."""
    routes = []
    for route in iter_route_contexts(app.routes):
        if route.path and route.path.startswith(PREFIX) and route.path not in OPEN:
            path = re.sub(r"\{[^}]+\}", "XX_none", route.path)
            routes.extend((method, path) for method in sorted(route.methods or ()))
    return routes


async def test_every_admin_page_needs_a_signed_in_user(database_url: str) -> None:
    async with harness(database_url) as system, system.browser() as visitor:
        routes = _admin_routes(system.app)
        assert len(routes) >= 9
        for method, path in routes:
            if method == "GET":
                answer = await visitor.get(path)
                assert answer.status_code == 303, (method, path)
                assert answer.headers["location"].startswith(f"{PREFIX}/sign-in?next="), path
            else:
                # No CSRF cookie and no token: refused before anything else is looked at.
                answer = await visitor.request(method, path, data={"x": "y"})
                assert answer.status_code == 403, (method, path, answer.status_code)


async def test_no_unsafe_admin_request_goes_through_without_its_csrf_token(
    database_url: str,
) -> None:
    async with harness(database_url) as system, signed_in(system) as browser:
        routes = _admin_routes(system.app)
        unsafe = [(method, path) for method, path in routes if method != "GET"]
        assert unsafe
        for method, path in unsafe:
            answer = await browser.request(method, path, data={"csrf_token": "0" * 64})
            assert answer.status_code == 403, (method, path, answer.status_code)
            assert "reload the page" in answer.text
