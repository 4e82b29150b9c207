"""The admin pages of accounts: signing in and out, setting a password from a one-time
link, the home page, users (for Brand Administrators) and one's own API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from smsurvey.accounts.access import (
    ROLES,
    USE_SMS_DISTRIBUTIONS,
    create_api_token,
    create_user,
    get_user,
    revoke_own_token,
    tokens_of,
    update_user,
    users_of,
)
from smsurvey.accounts.sign_in import (
    TooManyFailures,
    password_setup_link,
    set_password,
    setup_url_for,
    setup_user,
    sign_in,
    sign_out,
)
from smsurvey.kit.errors import Conflict, InvalidInput, Unauthorized
from smsurvey.requests import RuntimeDep, SessionDep
from smsurvey.runtime import Runtime
from smsurvey.web.admin import (
    PREFIX,
    AdminPageCallerDep,
    PageCallerDep,
    admin_router,
    end_session,
    redirect,
    render,
    session_secret,
    start_session,
)

router = admin_router()

Text = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str, Form(max_length=1024)]


def setup_url(runtime: Runtime, secret: str) -> str:
    """The one-time link at which a user sets their password, at this instance's address."""
    return setup_url_for(runtime.settings.public_url, secret)


def _local(target: str) -> str:
    """``target`` when it is an admin page of this site, else the home page: a sign-in
    never sends anyone elsewhere."""
    if target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = PREFIX) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "admin/sign_in.html", next=_local(next))


@router.post("/sign-in")
async def sign_in_form(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    login: Text,
    password: Text,
    next: Annotated[str, Form(max_length=2000)] = PREFIX,
) -> Response:
    """Check the email and password; open a browser session and go on."""
    try:
        _, secret = await sign_in(session, login, password, runtime.clock.now())
    except (Unauthorized, TooManyFailures) as refused:
        return render(
            request,
            "admin/sign_in.html",
            status_code=refused.http_status,
            error=str(refused),
            login=login,
            next=_local(next),
        )
    response = redirect(request, _local(next))
    start_session(request, response, secret)
    return response


@router.post("/sign-out")
async def sign_out_form(request: Request, session: SessionDep, runtime: RuntimeDep) -> Response:
    """End the browser session."""
    secret = session_secret(request)
    if secret:
        await sign_out(session, secret, runtime.clock.now())
    response = redirect(request, f"{PREFIX}/sign-in", "You are signed out.")
    end_session(response)
    return response


@router.get("/set-password")
async def set_password_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, token: str = ""
) -> HTMLResponse:
    """The form a one-time link opens: the email to sign in with and a password."""
    user = await setup_user(session, token, runtime.clock.now())
    return render(request, "admin/set_password.html", user=user, token=token)


@router.post("/set-password")
async def set_password_form(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    token: Text,
    email: Text,
    password: Text,
    again: Text,
) -> Response:
    """Set the password, spend the link, and sign in."""
    now = runtime.clock.now()
    user = await setup_user(session, token, now)
    try:
        if password != again:
            raise InvalidInput("the two passwords differ")
        await set_password(session, token, email, password, now)
    except InvalidInput as wrong:
        return render(
            request,
            "admin/set_password.html",
            status_code=400,
            user=user,
            token=token,
            email=email,
            error=str(wrong),
        )
    _, secret = await sign_in(session, email, password, now)
    response = redirect(request, PREFIX, "Your password is set. Welcome.")
    start_session(request, response, secret)
    return response


@router.get("")
async def home(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """The admin's home: where to go next."""
    return render(request, "admin/home.html", caller)


@router.get("/users")
async def users_page(request: Request, caller: AdminPageCallerDep) -> HTMLResponse:
    """The organisation's users, and a form to add one."""
    users = await users_of(caller.session, caller.organization)
    return render(request, "admin/users.html", caller, users=users, roles=ROLES)


@router.post("/users")
async def add_user_form(
    request: Request,
    caller: AdminPageCallerDep,
    email: Text,
    role: Text,
    first_name: OptionalText = "",
    last_name: OptionalText = "",
    sms: Annotated[bool, Form()] = False,
) -> Response:
    """Add a user; the next page gives the link at which they set their password."""
    now = caller.runtime.clock.now()
    try:
        if "@" not in email:
            raise InvalidInput("enter the new user's email address")
        user = await create_user(
            caller.session,
            caller.organization,
            email.strip(),
            now,
            role=role,
            permissions=(USE_SMS_DISTRIBUTIONS,) if sms else (),
            first_name=first_name.strip() or None,
            last_name=last_name.strip() or None,
            email=email.strip(),
        )
    except (InvalidInput, Conflict) as wrong:
        users = await users_of(caller.session, caller.organization)
        return render(
            request, "admin/users.html", caller, status_code=wrong.http_status,
            users=users, roles=ROLES, error=str(wrong),
        )  # fmt: skip
    secret = await password_setup_link(caller.session, user, now)
    return render(
        request, "admin/user.html", caller, user=user, roles=ROLES,
        link=setup_url(caller.runtime, secret),
    )  # fmt: skip


@router.get("/users/{user_id}")
async def user_page(request: Request, caller: AdminPageCallerDep, user_id: str) -> HTMLResponse:
    """One user: their role, permission and whether they are disabled."""
    user = await get_user(caller.session, caller.organization, user_id)
    return render(request, "admin/user.html", caller, user=user, roles=ROLES)


@router.post("/users/{user_id}")
async def update_user_form(
    request: Request,
    caller: AdminPageCallerDep,
    user_id: str,
    role: Text,
    sms: Annotated[bool, Form()] = False,
    disabled: Annotated[bool, Form()] = False,
) -> Response:
    """Change a user's role, permission or disabled mark."""
    try:
        user = await update_user(
            caller.session, caller.organization, user_id, by=caller.user, role=role,
            permissions=(USE_SMS_DISTRIBUTIONS,) if sms else (), disabled=disabled,
            now=caller.runtime.clock.now(),
        )  # fmt: skip
    except (InvalidInput, Conflict) as wrong:
        user = await get_user(caller.session, caller.organization, user_id)
        return render(
            request, "admin/user.html", caller, status_code=wrong.http_status,
            user=user, roles=ROLES, error=str(wrong),
        )  # fmt: skip
    return redirect(request, f"{PREFIX}/users/{user.id}", f"{user.username} is saved.")


@router.post("/users/{user_id}/password-link")
async def password_link_form(
    request: Request, caller: AdminPageCallerDep, user_id: str
) -> HTMLResponse:
    """A new one-time link for the user to set their password (earlier ones stop)."""
    user = await get_user(caller.session, caller.organization, user_id)
    secret = await password_setup_link(caller.session, user, caller.runtime.clock.now())
    return render(
        request, "admin/user.html", caller, user=user, roles=ROLES,
        link=setup_url(caller.runtime, secret),
    )  # fmt: skip


@router.get("/tokens")
async def tokens_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """The signed-in user's API tokens."""
    tokens = await tokens_of(caller.session, caller.user)
    return render(request, "admin/tokens.html", caller, tokens=tokens)


@router.post("/tokens")
async def create_token_form(
    request: Request, caller: PageCallerDep, name: OptionalText = ""
) -> HTMLResponse:
    """Make an API token; its secret is shown on this page only."""
    _, secret = await create_api_token(
        caller.session, caller.user, caller.runtime.clock.now(), name.strip() or None
    )
    tokens = await tokens_of(caller.session, caller.user)
    return render(request, "admin/tokens.html", caller, tokens=tokens, secret=secret)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token_form(request: Request, caller: PageCallerDep, token_id: str) -> Response:
    """Revoke one of one's own tokens."""
    await revoke_own_token(caller.session, caller.user, token_id, caller.runtime.clock.now())
    return redirect(request, f"{PREFIX}/tokens", f"Token {token_id} is revoked.")
