"""Provider connections over the API (Brand Administrators only): create, list (never the
secrets), get, delete — and the webhook URLs to give each provider."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from smsurvey.accounts.dependencies import AdminDep
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.envelope import Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.models.connections import ProviderConnection
from smsurvey.providers.connections import (
    NewConnection,
    add_connection,
    delete_connection,
    get_connection,
    list_connections,
    webhook_urls,
)

router = APIRouter(prefix="/provider-connections", tags=["provider connections"])


class ConnectionIn(BaseModel):
    """A provider account to connect; ``fields`` as ``smsurvey providers kinds`` lists."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200, examples=["Twilio EU"])
    provider: str = Field(examples=["twilio"])
    sender: str = Field(examples=["+15005550006"])
    fields: dict[str, str] = Field(examples=[{"account_sid": "AC…", "auth_token": "…"}])


class WebhookUrls(BaseModel):
    """Where the provider should post delivery reports and inbound texts."""

    status: str
    message: str


class ConnectionOut(BaseModel):
    """A connection: secrets only as their last 4 characters."""

    id: str = Field(examples=["OC_0Rk3vQa8gqPwQDP"])
    name: str
    provider: str
    sender: str
    order: int
    fields: dict[str, str]
    webhookUrls: WebhookUrls


def _shown(connection: ProviderConnection, public_url: str, order: int) -> ConnectionOut:
    return ConnectionOut(
        id=connection.id,
        name=connection.name,
        provider=connection.provider,
        sender=connection.sender,
        order=order,
        fields={key: str(value) for key, value in connection.shown_fields.items()},
        webhookUrls=WebhookUrls(**webhook_urls(public_url, connection)),
    )


@router.post("")
async def connect(
    request: Request, caller: AdminDep, body: ConnectionIn
) -> Envelope[ConnectionOut]:
    """Connect a provider account (fields checked, secrets encrypted, never shown again)."""
    runtime = caller.runtime
    new = NewConnection(body.name, body.provider, body.sender, body.fields)
    async with unit_of_work(runtime.engine) as session:
        made = await add_connection(
            session, runtime.secret, caller.organization.id, new, runtime.clock.now()
        )
        order = len(await list_connections(session, caller.organization.id))
    return envelope(request, _shown(made, runtime.settings.public_url, order))


@router.get("")
async def connections(request: Request, caller: AdminDep) -> Envelope[Page[ConnectionOut]]:
    """The connections in sending order (the first sends, the next take over)."""
    async with unit_of_work(caller.runtime.engine) as session:
        found = await list_connections(session, caller.organization.id)
    public_url = caller.runtime.settings.public_url
    elements = [_shown(c, public_url, order) for order, c in enumerate(found, start=1)]
    return envelope(request, Page(elements=elements))


@router.get("/{connectionId}")
async def connection(
    request: Request, caller: AdminDep, connectionId: str
) -> Envelope[ConnectionOut]:
    """One connection and its webhook URLs."""
    async with unit_of_work(caller.runtime.engine) as session:
        found = await get_connection(session, caller.organization.id, connectionId)
        ids = [c.id for c in await list_connections(session, caller.organization.id)]
    return envelope(
        request, _shown(found, caller.runtime.settings.public_url, ids.index(found.id) + 1)
    )


@router.delete("/{connectionId}")
async def disconnect(request: Request, caller: AdminDep, connectionId: str) -> MetaOnly:
    """Delete a connection (to change one, create a new one and delete the old)."""
    async with unit_of_work(caller.runtime.engine) as session:
        await delete_connection(
            session, caller.organization.id, connectionId, caller.runtime.clock.now()
        )
    return meta_only(request)
