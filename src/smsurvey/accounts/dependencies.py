"""Who calls the API: the ``X-API-TOKEN`` or ``Authorization: Bearer`` credentials of a
request, resolved to a user of an organisation (a FastAPI dependency), inside the request's
one unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.access import (
    USE_SMS_DISTRIBUTIONS,
    authenticate,
    require_admin,
    require_permission,
)
from smsurvey.kit.errors import Unauthorized
from smsurvey.models.accounts import Organization, User
from smsurvey.requests import RuntimeDep, SessionDep
from smsurvey.runtime import Runtime

_api_token = APIKeyHeader(name="X-API-TOKEN", auto_error=False, description="An API token.")
_bearer = HTTPBearer(auto_error=False, description="A token from POST /oauth2/token.")


@dataclass(frozen=True, slots=True)
class Caller:
    """The user a request acts as, their organisation, the process's runtime, and the
    request's unit of work (committed when the handler returns)."""

    user: User
    organization: Organization
    runtime: Runtime
    session: AsyncSession


async def _caller(
    runtime: RuntimeDep,
    session: SessionDep,
    api_token: Annotated[str | None, Depends(_api_token)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if api_token:
        secret, is_bearer = api_token, False
    elif bearer is not None:
        secret, is_bearer = bearer.credentials, True
    else:
        raise Unauthorized("send an X-API-TOKEN header or an Authorization: Bearer token")
    user, organization = await authenticate(session, secret, runtime.clock.now(), bearer=is_bearer)
    return Caller(user, organization, runtime, session)


async def _sms_caller(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    require_permission(caller.user, USE_SMS_DISTRIBUTIONS)
    return caller


async def _admin(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    require_admin(caller.user)
    return caller


CallerDep = Annotated[Caller, Depends(_caller)]
"""Any authenticated user."""
SmsCallerDep = Annotated[Caller, Depends(_sms_caller)]
"""A user with the permission "Use SMS Distributions"."""
AdminDep = Annotated[Caller, Depends(_admin)]
"""A Brand Administrator."""
