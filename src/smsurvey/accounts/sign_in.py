"""Signing in to the admin pages: passwords, one-time links to set one, failed sign-ins
slowed, and the browser sessions a sign-in opens.

Passwords are hashed with Argon2 (``pwdlib``'s recommended settings). A browser session is
a credential like an API token (``accounts.access``): a random secret whose SHA-256 is
kept, so signing out revokes it and a stolen database opens no session. A one-time link to
set a password is one too, spent by its first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import (
    WEB_SESSION,
    credential,
    find_credential,
    hash_secret,
    new_secret,
)
from smsurvey.kit.errors import InvalidInput, SmsurveyError, Unauthorized
from smsurvey.models.accounts import ApiToken, Organization, User

SESSION_LIFETIME = timedelta(hours=12)
SETUP_LIFETIME = timedelta(hours=24)
PASSWORD_SETUP = "password_setup"
MIN_PASSWORD = 10
FREE_FAILURES = 5
"""Failed sign-ins in a row that cost nothing; each one beyond waits twice as long."""
LONGEST_WAIT = timedelta(minutes=15)

_hasher = PasswordHash.recommended()
_DUMMY = _hasher.hash("an unknown user's password is checked all the same")


class TooManyFailures(SmsurveyError):
    """Sign-ins of this user are paused after repeated failures."""

    http_status = 429
    code = "TOO_MANY_REQUESTS"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a browser session belongs to."""

    user: User
    organization: Organization
    session_id: str


def setup_url_for(public_url: str, secret: str) -> str:
    """The one-time link at which a user sets their password."""
    return f"{public_url.rstrip('/')}/admin/set-password?token={secret}"


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise InvalidInput("a password has at most 1,024 characters")


def retry_after(user: User, now: datetime) -> timedelta:
    """How long ``user`` must wait before the next sign-in is tried (zero when it may be)."""
    beyond = user.failed_sign_ins - FREE_FAILURES
    if beyond < 0 or user.failed_sign_in_at is None:
        return timedelta(0)
    wait = min(timedelta(seconds=2**beyond), LONGEST_WAIT)
    return max(user.failed_sign_in_at + wait - now, timedelta(0))


async def sign_in(
    session: AsyncSession, login: str, password: str, now: datetime
) -> tuple[User, str]:
    """The user whose email (or username) and password these are, and the secret of the
    browser session this opens. :class:`Unauthorized` for a wrong pair (the same message
    whether the user exists or not), :class:`TooManyFailures` while sign-ins are paused."""
    login = login.strip()
    user = await session.scalar(
        select(User).where(
            or_(func.lower(User.email) == login.lower(), User.username == login),
            User.disabled_at.is_(None),
        )
    )
    if user is None or user.password_hash is None:
        _hasher.verify(password, _DUMMY)  # as long as a real check: no telling who exists
        raise Unauthorized("that email and password do not match")
    wait = retry_after(user, now)
    if wait:
        seconds = int(wait.total_seconds()) + 1
        raise TooManyFailures(f"too many failed sign-ins: try again in {seconds} s")
    if not _hasher.verify(password, user.password_hash):
        user.failed_sign_ins += 1
        user.failed_sign_in_at = now
        raise Unauthorized("that email and password do not match")
    user.failed_sign_ins = 0
    user.failed_sign_in_at = None
    secret = new_secret()
    session.add(credential(user.id, WEB_SESSION, secret, now, expires_at=now + SESSION_LIFETIME))
    return user, secret


async def signed_in(session: AsyncSession, secret: str, now: datetime) -> SignedIn | None:
    """Who the browser session ``secret`` belongs to; none when it ended or is unknown."""
    found = await find_credential(session, secret, WEB_SESSION, now)
    if found is None:
        return None
    token, user, organization = found
    return SignedIn(user, organization, token.id)


async def sign_out(session: AsyncSession, secret: str, now: datetime) -> None:
    """End the browser session ``secret`` (nothing when it has ended already)."""
    token = await session.scalar(
        select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret))
    )
    if token is not None and token.kind == WEB_SESSION:
        token.revoked_at = token.revoked_at or now


async def password_setup_link(session: AsyncSession, user: User, now: datetime) -> str:
    """A one-time secret that lets ``user`` set their password within a day; earlier ones
    stop working."""
    earlier = await session.scalars(
        select(ApiToken).where(
            ApiToken.user_id == user.id,
            ApiToken.kind == PASSWORD_SETUP,
            ApiToken.revoked_at.is_(None),
        )
    )
    for token in earlier:
        token.revoked_at = now
    secret = new_secret()
    session.add(credential(user.id, PASSWORD_SETUP, secret, now, expires_at=now + SETUP_LIFETIME))
    return secret


async def setup_user(session: AsyncSession, secret: str, now: datetime) -> User:
    """The user a one-time setup secret is for; :class:`Unauthorized` once it is spent,
    expired or unknown."""
    found = await find_credential(session, secret, PASSWORD_SETUP, now)
    if found is None:
        raise Unauthorized("this link to set a password has been used or has expired")
    return found[1]


async def set_password(
    session: AsyncSession, secret: str, email: str, password: str, now: datetime
) -> User:
    """Spend a one-time setup secret: set the user's sign-in email and password."""
    user = await setup_user(session, secret, now)
    email = email.strip()
    if "@" not in email or len(email) > 320:
        raise InvalidInput("enter the email address you will sign in with")
    _check_password(password)
    taken = await session.scalar(
        select(User.id).where(func.lower(User.email) == email.lower(), User.id != user.id)
    )
    if taken is not None:
        raise InvalidInput(f"{email} is another user's sign-in")
    user.email = email
    user.password_hash = _hasher.hash(password)
    user.failed_sign_ins = 0
    spent = await session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == PASSWORD_SETUP)
    )
    for token in spent:
        token.revoked_at = token.revoked_at or now
    return user
