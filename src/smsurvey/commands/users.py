"""``smsurvey users …`` and ``smsurvey tokens …``: who may use the API, and their tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import (
    BRAND_ADMINISTRATOR,
    PERMISSIONS,
    ROLES,
    USE_SMS_DISTRIBUTIONS,
    USER,
    create_api_token,
    create_oauth_client,
    create_user,
    get_user,
    revoke_token,
    tokens_of,
    users_of,
)
from smsurvey.accounts.sign_in import password_setup_link, setup_url_for
from smsurvey.commands.common import ID_WIDTH, OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization
from smsurvey.kit.errors import InvalidInput
from smsurvey.models.accounts import Organization
from smsurvey.settings import get_settings

users = typer.Typer(help="Users of the API and their roles.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens and OAuth clients (shown once).", no_args_is_help=True)
BOOTSTRAP_ADMIN = "admin"


def _now() -> datetime:
    return datetime.now(UTC)


@users.command("add")
@user_errors
def add_user(
    username: Annotated[str, typer.Argument(help="A unique name, often an email address.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = USER,
    sms: Annotated[
        bool, typer.Option("--sms/--no-sms", help="The permission to use SMS distributions.")
    ] = True,
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    org: OrgOption = None,
) -> None:
    """Add a user to the organisation."""
    if role not in ROLES:
        raise InvalidInput(f"--role {role!r}: use one of {', '.join(ROLES)}")
    permissions = (USE_SMS_DISTRIBUTIONS,) if sms else ()

    async def work(session: AsyncSession, organization: Organization) -> str:
        user = await create_user(
            session, organization, username, _now(), role=role, permissions=permissions,
            first_name=first_name, last_name=last_name, email=email,
        )  # fmt: skip
        return user.id

    console.print(f"Added {username} as {in_organization(org, work)} ({role}).")
    console.print(f"`smsurvey tokens create {username}` gives them an API token.")


@users.command("list")
@user_errors
def list_users(org: OrgOption = None) -> None:
    """The organisation's users."""

    async def work(session: AsyncSession, organization: Organization) -> list[list[str]]:
        return [
            [user.id, user.username, user.role, ", ".join(user.permissions) or "—"]
            for user in await users_of(session, organization)
        ]

    shown = table("Id", "Username", "Role", "Permissions", whole={"Id": ID_WIDTH, "Role": 18})
    for row in in_organization(org, work):
        shown.add_row(*row)
    console.print(shown)


@users.command("bootstrap")
@user_errors
def bootstrap(org: OrgOption = None) -> None:
    """Make a first Brand Administrator with an API token and a one-time link to set their
    admin password, unless the organisation has users; while that administrator has no
    password, print a fresh link."""

    async def work(session: AsyncSession, organization: Organization) -> tuple[str | None, str]:
        existing = await users_of(session, organization)
        if existing:
            first = next((u for u in existing if u.username == BOOTSTRAP_ADMIN), None)
            if first is None or first.password_hash is not None:
                return None, ""
            return None, await password_setup_link(session, first, _now())
        admin = await create_user(
            session, organization, BOOTSTRAP_ADMIN, _now(), role=BRAND_ADMINISTRATOR,
            permissions=PERMISSIONS,
        )  # fmt: skip
        _, secret = await create_api_token(session, admin, _now(), name="bootstrap")
        return secret, await password_setup_link(session, admin, _now())

    token, setup = in_organization(org, work)
    settings = get_settings()
    admin_url = f"{settings.public_url.rstrip('/')}/admin"
    if token is not None:
        console.print(
            f"First Brand Administrator [bold]{BOOTSTRAP_ADMIN}[/]; "
            "their API token (shown once, keep it):"
        )
        console.print(f"  X-API-TOKEN: [bold]{token}[/]", soft_wrap=True)
    elif not setup:
        console.print(f"Users exist already. The admin pages: {admin_url}")
        return
    console.print(
        f"Set the administrator's password (the link works once, for 24 hours), then sign in "
        f"at {admin_url}:"
    )
    console.print(f"  [bold]{setup_url_for(settings.public_url, setup)}[/]", soft_wrap=True)


@users.command("password-link")
@user_errors
def password_link(
    user: Annotated[str, typer.Argument(help="The user's id (UR_…), username or email.")],
    org: OrgOption = None,
) -> None:
    """Print a one-time link at which a user sets (or resets) their admin password."""

    async def work(session: AsyncSession, organization: Organization) -> str:
        owner = await get_user(session, organization, user)
        return await password_setup_link(session, owner, _now())

    secret = in_organization(org, work)
    console.print("The link works once, for 24 hours; earlier links stop working:")
    console.print(f"  [bold]{setup_url_for(get_settings().public_url, secret)}[/]", soft_wrap=True)


@tokens.command("create")
@user_errors
def create_token(
    user: Annotated[str, typer.Argument(help="The user's id (UR_…) or username.")],
    name: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    oauth: Annotated[
        bool, typer.Option("--oauth", help="An OAuth 2 client (id and secret) instead.")
    ] = False,
    org: OrgOption = None,
) -> None:
    """Make an API token (or OAuth client) for a user; the secret is shown only now."""

    async def work(session: AsyncSession, organization: Organization) -> tuple[str, str]:
        owner = await get_user(session, organization, user)
        if oauth:
            return await create_oauth_client(session, owner, _now(), name)
        token, secret = await create_api_token(session, owner, _now(), name)
        return token.id, secret

    token_id, secret = in_organization(org, work)
    if oauth:
        console.print(f"OAuth client id: [bold]{token_id}[/]", soft_wrap=True)
        console.print(f"client secret:   [bold]{secret}[/] (shown once)", soft_wrap=True)
        console.print("POST /oauth2/token with grant_type=client_credentials and Basic auth.")
    else:
        console.print(f"API token {token_id} (shown once): [bold]{secret}[/]", soft_wrap=True)


@tokens.command("list")
@user_errors
def list_tokens(
    user: Annotated[str, typer.Argument(help="The user's id (UR_…) or username.")],
    org: OrgOption = None,
) -> None:
    """A user's tokens and OAuth clients (their last 4 characters only)."""

    async def work(session: AsyncSession, organization: Organization) -> list[list[str]]:
        owner = await get_user(session, organization, user)
        return [
            [
                token.id,
                token.kind,
                token.name or "",
                "…" + token.hint,
                "revoked" if token.revoked_at else "active",
            ]
            for token in await tokens_of(session, owner)
        ]

    shown = table("Id", "Kind", "Name", "Ends", "State", whole={"Id": ID_WIDTH + 14})
    for row in in_organization(org, work):
        shown.add_row(*row)
    console.print(shown)


@tokens.command("revoke")
@user_errors
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (TK_…) or OAuth client id.")],
    org: OrgOption = None,
) -> None:
    """Revoke a token or OAuth client (with every bearer token it was given)."""

    async def work(session: AsyncSession, organization: Organization) -> None:
        await revoke_token(session, organization, token_id, _now())

    in_organization(org, work)
    console.print(f"Revoked {token_id}.")
