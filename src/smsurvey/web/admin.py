"""What the admin pages share: who is signed in, CSRF tokens, rendering, redirects with a
message, and error pages.

* **Sessions.** Signing in sets ``smsurvey_session``: the browser session's secret
  (``accounts.sign_in``), signed with the instance's key, HTTP-only, ``SameSite=Lax``,
  ``Secure`` when served over HTTPS. A page asks for a :data:`PageCallerDep` (or the SMS or
  administrator variant): the signed-in user, resolved in the request's one unit of work,
  with the same role and permission checks as the API (``accounts.access``). A visitor who
  is not signed in is sent to the sign-in page and back.
* **CSRF.** Every visitor gets a random ``smsurvey_csrf`` cookie; a form's token is that
  nonce's HMAC under the instance's key. Every unsafe request to a router made by
  :func:`admin_router` must carry the token (form field ``csrf_token`` or header
  ``X-CSRF-Token``), the sign-in form included, or it is refused with 403.
* **Links.** Templates build links from ``root`` (the ASGI root path), so the admin works
  behind a proxy that serves it under a path.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import USE_SMS_DISTRIBUTIONS, require_admin, require_permission
from smsurvey.accounts.sign_in import signed_in
from smsurvey.kit.errors import Forbidden
from smsurvey.models.accounts import Organization, User
from smsurvey.requests import RuntimeDep, SessionDep
from smsurvey.runtime import Runtime
from smsurvey.web import templates

PREFIX = "/admin"
SESSION_COOKIE = "smsurvey_session"
CSRF_COOKIE = "smsurvey_csrf"
FLASH_COOKIE = "smsurvey_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

ADMIN_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self';"
        " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class SignInNeeded(Exception):
    """A page that needs a signed-in user was asked for without one."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True, slots=True)
class PageCaller:
    """The signed-in user of a page, their organisation, the request's unit of work and
    the process's runtime."""

    user: User
    organization: Organization
    session: AsyncSession
    runtime: Runtime

    @property
    def is_admin(self) -> bool:
        """Whether the user is a Brand Administrator."""
        try:
            require_admin(self.user)
        except Forbidden:
            return False
        return True


def _sessions(runtime: Runtime) -> URLSafeSerializer:
    return URLSafeSerializer(runtime.secret, salt="smsurvey-admin-session")


def _csrf_nonce(request: Request) -> str:
    """The visitor's CSRF nonce: the cookie's, or a new one that :func:`render` sets."""
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_nonce", None)
    if not nonce:
        nonce = secrets.token_urlsafe(24)
        request.state.csrf_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    """The token the visitor's forms carry."""
    runtime: Runtime = request.app.state.runtime
    nonce = _csrf_nonce(request)
    return hmac.new(runtime.secret, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is missing or wrong (403)."""
    if request.method in _SAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not request.cookies.get(CSRF_COOKIE) or not sent:
        raise Forbidden("this form has expired: reload the page and send it again")
    if not hmac.compare_digest(sent, csrf_token(request)):
        raise Forbidden("this form has expired: reload the page and send it again")


def admin_router(prefix: str = "") -> APIRouter:
    """A router of admin pages under ``/admin{prefix}``: left out of the API document,
    every unsafe request CSRF-checked."""
    return APIRouter(
        prefix=PREFIX + prefix, include_in_schema=False, dependencies=[Depends(check_csrf)]
    )


def session_secret(request: Request) -> str | None:
    """The browser session's secret from its signed cookie, if any."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        secret = _sessions(request.app.state.runtime).loads(cookie)
    except BadSignature:
        return None
    return secret if isinstance(secret, str) else None


async def _page_caller(request: Request, session: SessionDep, runtime: RuntimeDep) -> PageCaller:
    secret = session_secret(request)
    found = await signed_in(session, secret, runtime.clock.now()) if secret else None
    if found is None:
        raise SignInNeeded(request.url.path)
    return PageCaller(found.user, found.organization, session, runtime)


async def _sms_page_caller(caller: Annotated[PageCaller, Depends(_page_caller)]) -> PageCaller:
    require_permission(caller.user, USE_SMS_DISTRIBUTIONS)
    return caller


async def _admin_page_caller(
    caller: Annotated[PageCaller, Depends(_page_caller)],
) -> PageCaller:
    require_admin(caller.user)
    return caller


PageCallerDep = Annotated[PageCaller, Depends(_page_caller)]
"""Any signed-in user."""
SmsPageCallerDep = Annotated[PageCaller, Depends(_sms_page_caller)]
"""A signed-in user with the permission "Use SMS Distributions"."""
AdminPageCallerDep = Annotated[PageCaller, Depends(_admin_page_caller)]
"""A signed-in Brand Administrator."""


def _secure(request: Request) -> bool:
    runtime: Runtime = request.app.state.runtime
    return request.url.scheme == "https" or runtime.settings.public_url.startswith("https:")


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )


def _flash(request: Request) -> str | None:
    cookie = request.cookies.get(FLASH_COOKIE)
    if not cookie:
        return None
    try:
        message = _sessions(request.app.state.runtime).loads(cookie, salt="smsurvey-flash")
    except BadSignature:
        return None
    return message if isinstance(message, str) else None


def render(
    request: Request,
    template: str,
    caller: PageCaller | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """An admin page: ``template`` with ``context``, the caller, the CSRF token, the root
    path and the message a redirect left; the admin's headers and cookies set."""
    response = templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token(request),
            "root": request.scope.get("root_path", ""),
            "flash": _flash(request),
            **context,
        },
        status_code=status_code,
        headers=ADMIN_HEADERS,
    )
    if CSRF_COOKIE not in request.cookies:
        _set_cookie(request, response, CSRF_COOKIE, _csrf_nonce(request))
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(request: Request, path: str, message: str | None = None) -> RedirectResponse:
    """303 to the admin page ``path`` (under the root path), showing ``message`` there."""
    response = RedirectResponse(request.scope.get("root_path", "") + path, status_code=303)
    response.headers.update(ADMIN_HEADERS)
    if message:
        signed = _sessions(request.app.state.runtime).dumps(message, salt="smsurvey-flash")
        _set_cookie(request, response, FLASH_COOKIE, signed)
    return response


def start_session(request: Request, response: Response, secret: str) -> None:
    """Set the browser session's cookie on ``response`` (after a sign-in)."""
    _set_cookie(
        request, response, SESSION_COOKIE, _sessions(request.app.state.runtime).dumps(secret)
    )


def end_session(response: Response) -> None:
    """Clear the browser session's cookie (after a sign-out)."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def is_admin_page(request: Request) -> bool:
    """Whether ``request`` is for an admin page (its errors are pages, not JSON)."""
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_page(request: Request, status: int, message: str) -> HTMLResponse | None:
    """An admin page's error as a page with its status and message; none for other
    requests (the API answers them in its envelope)."""
    if not is_admin_page(request):
        return None
    return render(request, "admin/error.html", status_code=status, status=status, message=message)


async def sign_in_needed(request: Request, error: Exception) -> Response:
    """Send a visitor who is not signed in to the sign-in page, and back afterwards."""
    assert isinstance(error, SignInNeeded)
    target = error.path if error.path.startswith(PREFIX) else PREFIX
    return redirect(request, f"{PREFIX}/sign-in?next={quote(target)}")
