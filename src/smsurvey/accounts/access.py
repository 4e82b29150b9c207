"""Users, their roles and permissions, and their credentials: API tokens, OAuth 2 clients
and the bearer tokens those clients get.

A secret is shown once, when it is made; only its SHA-256 is kept, so a lookup is one
index seek and a stolen database gives no working token.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import ApiToken, Organization, User

BRAND_ADMINISTRATOR = "BrandAdministrator"
USER = "User"
ROLES = (BRAND_ADMINISTRATOR, USER)
USE_SMS_DISTRIBUTIONS = "UseSMSDistributions"
PERMISSIONS = (USE_SMS_DISTRIBUTIONS,)
BEARER_LIFETIME = timedelta(hours=1)
_ALPHABET = string.ascii_letters + string.digits

API_TOKEN = "api"
OAUTH_CLIENT = "oauth_client"
BEARER = "bearer"
WEB_SESSION = "web_session"
"""A browser's session of the admin pages (``accounts.sign_in``)."""


def new_secret(length: int = 40) -> str:
    """A random secret of letters and digits (40: Qualtrics clients check the length of
    API tokens)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_secret(secret: str) -> str:
    """What is kept of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_user(
    session: AsyncSession,
    organization: Organization,
    username: str,
    now: datetime,
    *,
    role: str = USER,
    permissions: tuple[str, ...] = (USE_SMS_DISTRIBUTIONS,),
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
) -> User:
    """A user of the organisation; usernames are unique across the instance."""
    username = username.strip()
    if not username:
        raise InvalidInput("a user needs a username")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r}: use one of {', '.join(ROLES)}")
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise InvalidInput(f"unknown permission {unknown[0]!r}; known: {', '.join(PERMISSIONS)}")
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"a user called {username!r} already exists")
    if email and await session.scalar(
        select(User.id).where(func.lower(User.email) == email.strip().lower())
    ):
        raise Conflict(f"a user with the email {email.strip()} already exists")
    user = User(
        id=new_id("UR"),
        organization_id=organization.id,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        permissions=sorted(set(permissions)),
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def users_of(session: AsyncSession, organization: Organization) -> list[User]:
    """The organisation's users, by username."""
    return list(
        await session.scalars(
            select(User).where(User.organization_id == organization.id).order_by(User.username)
        )
    )


async def default_owner_id(session: AsyncSession, organization: Organization) -> str:
    """Who is shown as the owner (``ownerId``) of what no user is recorded as making: the
    organisation's first Brand Administrator, else its first user, else (an organisation
    without users) the organisation itself."""
    first = await session.scalar(
        select(User.id)
        .where(User.organization_id == organization.id)
        .order_by(User.role != BRAND_ADMINISTRATOR, User.created_at, User.id)
        .limit(1)
    )
    return first or organization.id


async def get_user(session: AsyncSession, organization: Organization, user_id: str) -> User:
    """One of the organisation's users (by id, username or email); :class:`NotFound`
    otherwise."""
    user = await session.scalar(
        select(User).where(
            User.organization_id == organization.id,
            (User.id == user_id) | (User.username == user_id) | (User.email == user_id),
        )
    )
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def credential(
    user_id: str,
    kind: str,
    secret: str,
    now: datetime,
    *,
    token_id: str | None = None,
    name: str | None = None,
    expires_at: datetime | None = None,
    client_id: str | None = None,
) -> ApiToken:
    """A credential row: the secret's hash and last 4 characters, never the secret."""
    return ApiToken(
        id=token_id or new_id("TK"),
        user_id=user_id,
        kind=kind,
        secret_hash=hash_secret(secret),
        name=name,
        hint=secret[-4:],
        created_at=now,
        expires_at=expires_at,
        revoked_at=None,
        client_id=client_id,
    )


async def create_api_token(
    session: AsyncSession, user: User, now: datetime, name: str | None = None
) -> tuple[ApiToken, str]:
    """A new API token of ``user`` and its secret (shown this once)."""
    secret = new_secret()
    token = credential(user.id, API_TOKEN, secret, now, name=name)
    session.add(token)
    await session.flush()
    return token, secret


async def create_oauth_client(
    session: AsyncSession, user: User, now: datetime, name: str | None = None
) -> tuple[str, str]:
    """A new OAuth 2 client of ``user``: its client id and secret (shown this once)."""
    client_id, secret = new_secret(32).lower(), new_secret()
    session.add(credential(user.id, OAUTH_CLIENT, secret, now, token_id=client_id, name=name))
    await session.flush()
    return client_id, secret


async def issue_bearer(
    session: AsyncSession, client_id: str, client_secret: str, now: datetime
) -> tuple[str, int]:
    """A bearer token for an OAuth client's credentials and its lifetime in seconds."""
    client = await session.get(ApiToken, client_id)
    if (
        client is None
        or client.kind != OAUTH_CLIENT
        or client.revoked_at is not None
        or not secrets.compare_digest(client.secret_hash, hash_secret(client_secret))
    ):
        raise Unauthorized("invalid client credentials")
    owner = await session.get(User, client.user_id)
    if owner is None or owner.disabled_at is not None:
        raise Unauthorized("invalid client credentials")
    secret = new_secret()
    session.add(
        credential(
            client.user_id,
            BEARER,
            secret,
            now,
            expires_at=now + BEARER_LIFETIME,
            client_id=client.id,
        )
    )
    return secret, int(BEARER_LIFETIME.total_seconds())


async def find_credential(
    session: AsyncSession, secret: str, kind: str, now: datetime
) -> tuple[ApiToken, User, Organization] | None:
    """The live credential of ``kind`` whose secret this is, its user and organisation
    (read together); none when it is unknown, of another kind, revoked, expired, or its
    user is disabled."""
    found = (
        await session.execute(
            select(ApiToken, User, Organization)
            .join(User, User.id == ApiToken.user_id)
            .join(Organization, Organization.id == User.organization_id)
            .where(ApiToken.secret_hash == hash_secret(secret))
        )
    ).one_or_none()
    if found is None:
        return None
    token, user, organization = found
    if token.kind != kind or token.revoked_at is not None or user.disabled_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return token, user, organization


async def authenticate(
    session: AsyncSession, secret: str, now: datetime, *, bearer: bool
) -> tuple[User, Organization]:
    """The user an API token (or, with ``bearer``, a bearer token) belongs to, and their
    organisation; :class:`Unauthorized` when it is unknown, revoked or expired, or its user
    is disabled."""
    found = await find_credential(session, secret, BEARER if bearer else API_TOKEN, now)
    if found is None:
        raise Unauthorized("the token is not valid or has expired")
    token, user, organization = found
    if token.client_id is not None:
        client = await session.get(ApiToken, token.client_id)
        if client is None or client.revoked_at is not None:
            raise Unauthorized("the OAuth client was revoked")
    return user, organization


async def tokens_of(session: AsyncSession, user: User) -> list[ApiToken]:
    """A user's API tokens and OAuth clients (not the bearer tokens they were issued)."""
    return list(
        await session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.kind.in_((API_TOKEN, OAUTH_CLIENT)))
            .order_by(ApiToken.created_at)
        )
    )


async def revoke_token(
    session: AsyncSession, organization: Organization, token_id: str, now: datetime
) -> ApiToken:
    """Revoke an API token or OAuth client of the organisation (and so its bearer tokens)."""
    token = await session.get(ApiToken, token_id)
    user = await session.get(User, token.user_id) if token is not None else None
    if token is None or user is None or user.organization_id != organization.id:
        raise NotFound(f"no token {token_id}")
    token.revoked_at = token.revoked_at or now
    return token


async def revoke_own_token(
    session: AsyncSession, user: User, token_id: str, now: datetime
) -> ApiToken:
    """Revoke one of ``user``'s own API tokens or OAuth clients."""
    token = await session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.kind not in (API_TOKEN, OAUTH_CLIENT):
        raise NotFound(f"no token {token_id}")
    token.revoked_at = token.revoked_at or now
    return token


async def update_user(
    session: AsyncSession,
    organization: Organization,
    user_id: str,
    *,
    by: User,
    role: str,
    permissions: tuple[str, ...],
    disabled: bool,
    now: datetime,
) -> User:
    """Set a user's role, permissions and whether they are disabled (a Brand
    Administrator's decision). Nobody disables or demotes themselves, so an organisation
    always keeps a Brand Administrator who can act."""
    require_admin(by)
    user = await get_user(session, organization, user_id)
    if role not in ROLES:
        raise InvalidInput(f"role {role!r}: use one of {', '.join(ROLES)}")
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise InvalidInput(f"unknown permission {unknown[0]!r}; known: {', '.join(PERMISSIONS)}")
    if user.id == by.id and (disabled or role != BRAND_ADMINISTRATOR):
        raise Conflict("you cannot disable yourself or give up your own administrator role")
    user.role = role
    user.permissions = sorted(set(permissions))
    if disabled and user.disabled_at is None:
        user.disabled_at = now
    elif not disabled:
        user.disabled_at = None
    return user


def require_admin(user: User) -> None:
    """:class:`Forbidden` unless ``user`` is a Brand Administrator."""
    if user.role != BRAND_ADMINISTRATOR:
        raise Forbidden("only a Brand Administrator may do this")


def require_permission(user: User, permission: str) -> None:
    """:class:`Forbidden` unless ``user`` holds ``permission``."""
    if permission not in user.permissions:
        raise Forbidden(f"this needs the permission {permission!r}")
