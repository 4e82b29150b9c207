"""Who calls the API: the ``X-API-TOKEN`` or ``Authorization: Bearer`` credentials of a
request, resolved to a user of an organisation (a FastAPI dependency)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from smsurvey.accounts.access import (
    USE_SMS_DISTRIBUTIONS,
    authenticate,
    require_admin,
    require_permission,
)
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import Unauthorized
from smsurvey.models.accounts import Organization, User
from smsurvey.runtime import Runtime

_api_token = APIKeyHeader(name="X-API-TOKEN", auto_error=False, description="An API token.")
_bearer = HTTPBearer(auto_error=False, description="A token from POST /oauth2/token.")


@dataclass(frozen=True, slots=True)
class Caller:
    """The user a request acts as, their organisation, and the process's runtime."""

    user: User
    organization: Organization
    runtime: Runtime


async def _caller(
    request: Request,
    api_token: Annotated[str | None, Depends(_api_token)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    runtime: Runtime = request.app.state.runtime
    if not api_token and bearer is None:
        raise Unauthorized("send an X-API-TOKEN header or an Authorization: Bearer token")
    async with unit_of_work(runtime.engine) as session:
        if api_token:
            user, organization = await authenticate(
                session, api_token, runtime.clock.now(), bearer=False
            )
        else:
            assert bearer is not None
            user, organization = await authenticate(
                session, bearer.credentials, runtime.clock.now(), bearer=True
            )
    return Caller(user, organization, runtime)


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
