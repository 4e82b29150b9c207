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

from sqlalchemy import select
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


def _secret(length: int = 40) -> str:
    # 40 characters: Qualtrics clients check the length of API tokens.
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _hash(secret: str) -> str:
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


async def get_user(session: AsyncSession, organization: Organization, user_id: str) -> User:
    """One of the organisation's users (by id or username); :class:`NotFound` otherwise."""
    user = await session.scalar(
        select(User).where(
            User.organization_id == organization.id,
            (User.id == user_id) | (User.username == user_id),
        )
    )
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def _credential(
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
        secret_hash=_hash(secret),
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
    secret = _secret()
    token = _credential(user.id, API_TOKEN, secret, now, name=name)
    session.add(token)
    await session.flush()
    return token, secret


async def create_oauth_client(
    session: AsyncSession, user: User, now: datetime, name: str | None = None
) -> tuple[str, str]:
    """A new OAuth 2 client of ``user``: its client id and secret (shown this once)."""
    client_id, secret = _secret(32).lower(), _secret()
    session.add(_credential(user.id, OAUTH_CLIENT, secret, now, token_id=client_id, name=name))
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
        or not secrets.compare_digest(client.secret_hash, _hash(client_secret))
    ):
        raise Unauthorized("invalid client credentials")
    secret = _secret()
    session.add(
        _credential(
            client.user_id,
            BEARER,
            secret,
            now,
            expires_at=now + BEARER_LIFETIME,
            client_id=client.id,
        )
    )
    return secret, int(BEARER_LIFETIME.total_seconds())


async def authenticate(
    session: AsyncSession, secret: str, now: datetime, *, bearer: bool
) -> tuple[User, Organization]:
    """The user an API token (or, with ``bearer``, a bearer token) belongs to, and their
    organisation (read together); :class:`Unauthorized` when it is unknown, revoked or
    expired."""
    found = (
        await session.execute(
            select(ApiToken, User, Organization)
            .join(User, User.id == ApiToken.user_id)
            .join(Organization, Organization.id == User.organization_id)
            .where(ApiToken.secret_hash == _hash(secret))
        )
    ).one_or_none()
    if found is None:
        raise Unauthorized("the token is not valid")
    token, user, organization = found
    wanted = BEARER if bearer else API_TOKEN
    if token.kind != wanted or token.revoked_at is not None:
        raise Unauthorized("the token is not valid")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("the token has expired")
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
            .where(ApiToken.user_id == user.id, ApiToken.kind != BEARER)
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


def require_admin(user: User) -> None:
    """:class:`Forbidden` unless ``user`` is a Brand Administrator."""
    if user.role != BRAND_ADMINISTRATOR:
        raise Forbidden("only a Brand Administrator may do this")


def require_permission(user: User, permission: str) -> None:
    """:class:`Forbidden` unless ``user`` holds ``permission``."""
    if permission not in user.permissions:
        raise Forbidden(f"this needs the permission {permission!r}")
