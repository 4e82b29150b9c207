"""Provider connections over the API (Brand Administrators only): create, list (never the
secrets), get, delete — and the webhook URLs to give each provider."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from smsurvey.accounts.dependencies import AdminDep
from smsurvey.kit.envelope import Envelope, MetaOnly, Page, envelope, meta_only
from smsurvey.kit.pagination import Paged, page_of
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


@router.post("", operation_id="createProviderConnection")
async def create_provider_connection(
    request: Request, caller: AdminDep, body: ConnectionIn
) -> Envelope[ConnectionOut]:
    """Connect a provider account (fields checked, secrets encrypted, never shown again)."""
    runtime, session = caller.runtime, caller.session
    new = NewConnection(body.name, body.provider, body.sender, body.fields)
    made = await add_connection(
        session, runtime.secret, caller.organization.id, new, runtime.clock.now()
    )
    order = len(await list_connections(session, caller.organization.id))
    return envelope(request, _shown(made, runtime.settings.public_url, order))


@router.get("", operation_id="listProviderConnections")
async def list_provider_connections(
    request: Request, caller: AdminDep, page: Paged
) -> Envelope[Page[ConnectionOut]]:
    """The connections in sending order (the first sends, the next take over)."""
    found = await list_connections(caller.session, caller.organization.id)
    public_url = caller.runtime.settings.public_url
    ordered = list(enumerate(found, start=1))
    chosen, following = page_of(request, page, ordered)
    elements = [_shown(c, public_url, order) for order, c in chosen]
    return envelope(request, Page(elements=elements, nextPage=following))


@router.get("/{connectionId}", operation_id="getProviderConnection")
async def get_provider_connection(
    request: Request, caller: AdminDep, connectionId: str
) -> Envelope[ConnectionOut]:
    """One connection and its webhook URLs."""
    found = await get_connection(caller.session, caller.organization.id, connectionId)
    ids = [c.id for c in await list_connections(caller.session, caller.organization.id)]
    return envelope(
        request, _shown(found, caller.runtime.settings.public_url, ids.index(found.id) + 1)
    )


@router.delete("/{connectionId}", operation_id="deleteProviderConnection")
async def delete_provider_connection(
    request: Request, caller: AdminDep, connectionId: str
) -> MetaOnly:
    """Delete a connection (to change one, create a new one and delete the old)."""
    await delete_connection(
        caller.session, caller.organization.id, connectionId, caller.runtime.clock.now()
    )
    return meta_only(request)
