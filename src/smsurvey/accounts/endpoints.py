"""``GET /API/v3/whoami`` and ``POST /oauth2/token`` (client credentials)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, Field

from smsurvey.accounts.access import issue_bearer
from smsurvey.accounts.credits import Period, balance, consumption
from smsurvey.accounts.dependencies import AdminDep, CallerDep
from smsurvey.kit.envelope import Envelope, Page, envelope
from smsurvey.kit.errors import Unauthorized
from smsurvey.kit.pagination import Paged, page_of
from smsurvey.kit.text import problem
from smsurvey.requests import RuntimeDep, SessionDep

router = APIRouter(tags=["accounts"])
oauth_router = APIRouter(tags=["accounts"])


class WhoAmI(BaseModel):
    """The calling user."""

    brandId: str = Field(examples=["OR_0Rk3vQa8gqPwQDP"])
    userId: str = Field(examples=["UR_0Rk3vQa8gqPwQDQ"])
    userName: str = Field(examples=["admin@example.org"])
    accountType: str = Field(examples=["BrandAdministrator"])
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    datacenter: str = "self-hosted"


@router.get("/whoami", operation_id="whoAmI")
async def get_who_am_i(request: Request, caller: CallerDep) -> Envelope[WhoAmI]:
    """Who the token belongs to."""
    user = caller.user
    return envelope(
        request,
        WhoAmI(
            brandId=caller.organization.id,
            userId=user.id,
            userName=user.username,
            accountType=user.role,
            firstName=user.first_name,
            lastName=user.last_name,
            email=user.email,
        ),
    )


class BearerToken(BaseModel):
    """An OAuth 2 access token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(examples=[3600])
    scope: str = "manage:all"


def _client_credentials(
    request: Request, form_id: str | None, form_secret: str | None
) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("unreadable Basic credentials") from None
        if found := problem(client_id):
            raise Unauthorized(f"the client id {found}")
        return client_id, secret
    if form_id and form_secret:
        return form_id, form_secret
    raise Unauthorized("send the client id and secret with HTTP Basic auth")


@oauth_router.post("/oauth2/token", operation_id="createOAuthToken")
async def create_oauth_token(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    grant_type: Annotated[Literal["client_credentials"], Form()],
    scope: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> BearerToken:
    """A bearer token for an OAuth client's credentials (an hour long; then ``AUTH_6.0``)."""
    given_id, given_secret = _client_credentials(request, client_id, client_secret)
    secret, lifetime = await issue_bearer(session, given_id, given_secret, runtime.clock.now())
    return BearerToken(access_token=secret, expires_in=lifetime, scope=scope or "manage:all")


class Balance(BaseModel):
    """The organisation's SMS credits."""

    balance: float = Field(examples=[1000.0])


class Spent(BaseModel):
    """Credits spent in one period on texts to one region."""

    period: str = Field(examples=["2026-11"])
    region: str = Field(examples=["US"])
    texts: int
    credits: float


@router.get("/credits", tags=["credits"], operation_id="getCreditBalance")
async def get_credit_balance(request: Request, caller: AdminDep) -> Envelope[Balance]:
    """The organisation's credit balance (Brand Administrators)."""
    runtime = caller.runtime
    left = await balance(
        caller.session, caller.organization, runtime.settings.initial_credits, runtime.clock.now()
    )
    return envelope(request, Balance(balance=float(left)))


@router.get("/credits/consumption", tags=["credits"], operation_id="listCreditConsumption")
async def list_credit_consumption(
    request: Request,
    caller: AdminDep,
    page: Paged,
    period: Annotated[Period, Query(description="day or month (UTC)")] = Period.MONTH,
    since: Annotated[datetime | None, Query(description="From this moment on")] = None,
) -> Envelope[Page[Spent]]:
    """Credits spent on texts by period and destination region (Brand Administrators)."""
    rows = await consumption(caller.session, caller.organization, period, since)
    chosen, following = page_of(request, page, rows)
    elements = [
        Spent(period=row.period, region=row.region, texts=row.texts, credits=float(row.credits))
        for row in chosen
    ]
    return envelope(request, Page(elements=elements, nextPage=following))
