"""``smsurvey providers …``: connections to the organisation's own SMS provider accounts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.commands.common import ID_WIDTH, OrgOption, console, table, user_errors
from smsurvey.commands.database import in_organization, in_runtime
from smsurvey.kit.errors import InvalidInput
from smsurvey.models.accounts import Organization
from smsurvey.models.connections import ProviderConnection
from smsurvey.providers.connections import (
    NewConnection,
    add_connection,
    delete_connection,
    get_connection,
    list_connections,
    provider_kind,
    set_order,
    webhook_urls,
)
from smsurvey.providers.registry import kinds
from smsurvey.providers.trial import send_test_text
from smsurvey.runtime import Runtime

SENDER_WIDTH = 34  # a Twilio Messaging Service SID
app = typer.Typer(
    help="Connections to your own SMS provider accounts (the first one in order sends).",
    no_args_is_help=True,
)
ConnectionId = Annotated[str, typer.Argument(help="Connection id (OC_…).", show_default=False)]


def _fields(pairs: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise InvalidInput(f"--field {pair!r}: write it as key=value")
        fields[key.strip()] = value
    return fields


@app.command("kinds")
def list_kinds() -> None:
    """The providers you can connect and the fields each one needs."""
    shown = table("Provider", "Name", "Fields (* required, secret hidden)", whole={"Provider": 16})
    for kind in kinds().values():
        fields = ", ".join(
            f"{field.key}{'*' if field.required else ''}{' (secret)' if field.secret else ''}"
            for field in kind.fields
        )
        shown.add_row(kind.name, kind.title, fields)
    console.print(shown)


@app.command("add")
@user_errors
def add(
    provider: Annotated[str, typer.Argument(help="twilio, sinch, infobip… (see `kinds`).")],
    name: Annotated[str, typer.Option(help="A name to know the connection by.")],
    sender: Annotated[
        str, typer.Option(help="The number (with country code), alphanumeric id or service id.")
    ],
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", help="A provider field as key=value; repeat for each."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Connect a provider account: fields are checked, secrets encrypted and never shown."""
    kind = provider_kind(provider)
    given = _fields(field or [])
    for wanted in kind.fields:
        if wanted.required and wanted.key not in given and console.is_terminal:
            given[wanted.key] = typer.prompt(wanted.label, hide_input=wanted.secret)
    new = NewConnection(name=name, provider=kind.name, sender=sender, fields=given)

    async def work(
        session: AsyncSession, organization: Organization, runtime: Runtime
    ) -> tuple[ProviderConnection, dict[str, str]]:
        connection = await add_connection(
            session, runtime.secret, organization.id, new, runtime.clock.now()
        )
        return connection, webhook_urls(runtime.settings.public_url, connection)

    connection, urls = in_runtime(org, work)
    console.print(f"Connected {kind.title} as [bold]{connection.id}[/] ({connection.name}).")
    _print_urls(urls)


def _print_urls(urls: dict[str, str]) -> None:
    console.print("Give the provider these webhook URLs:")
    console.print(f"  delivery reports: {urls['status']}", soft_wrap=True)
    console.print(f"  inbound texts:    {urls['message']}", soft_wrap=True)


@app.command("list")
@user_errors
def list_(org: OrgOption = None) -> None:
    """The connections in sending order: the first sends, the next ones take over."""

    async def work(session: AsyncSession, organization: Organization) -> list[ProviderConnection]:
        return await list_connections(session, organization.id)

    shown = table(
        "Order", "Id", "Name", "Provider", "Sender", whole={"Id": ID_WIDTH, "Sender": SENDER_WIDTH}
    )
    for position, connection in enumerate(in_organization(org, work), start=1):
        shown.add_row(
            str(position),
            connection.id,
            connection.name,
            connection.provider,
            connection.sender,
        )
    console.print(shown)
    console.print("`smsurvey providers show OC_…` shows a connection's fields and webhook URLs.")


@app.command("show")
@user_errors
def show(connection_id: ConnectionId, org: OrgOption = None) -> None:
    """A connection's fields (secrets as their last 4 characters) and its webhook URLs."""

    async def work(
        session: AsyncSession, organization: Organization, runtime: Runtime
    ) -> tuple[ProviderConnection, dict[str, str]]:
        connection = await get_connection(session, organization.id, connection_id)
        return connection, webhook_urls(runtime.settings.public_url, connection)

    connection, urls = in_runtime(org, work)
    console.print(f"[bold]{connection.id}[/] {connection.name} — {connection.provider}")
    console.print(f"  sender: {connection.sender}; position {connection.position}")
    for key, value in connection.shown_fields.items():
        console.print(f"  {key}: {value}", soft_wrap=True)
    _print_urls(urls)


@app.command("test")
@user_errors
def send_test(
    connection_id: ConnectionId,
    to: Annotated[str, typer.Option(help="The number to text (+1…).")],
    org: OrgOption = None,
) -> None:
    """Send one real test text through the connection and show the provider's answer."""

    async def work(session: AsyncSession, organization: Organization, runtime: Runtime) -> str:
        return await send_test_text(session, runtime.providers, organization.id, connection_id, to)

    message_id = in_runtime(org, work)
    console.print(f"{connection_id} took the text to {to}: provider message id {message_id}")


@app.command("order")
@user_errors
def order(
    connection_ids: Annotated[
        list[str], typer.Argument(help="Connection ids, first to send first.", show_default=False)
    ],
    org: OrgOption = None,
) -> None:
    """Set the sending order: the first sends, the next ones take over when it keeps failing."""

    async def work(session: AsyncSession, organization: Organization) -> list[str]:
        return [c.id for c in await set_order(session, organization.id, connection_ids)]

    console.print("Sending order: " + " → ".join(in_organization(org, work)))


@app.command("delete")
@user_errors
def delete(connection_id: ConnectionId, org: OrgOption = None) -> None:
    """Delete a connection (to change one, add a new one and delete the old one)."""

    async def work(session: AsyncSession, organization: Organization) -> ProviderConnection:
        return await delete_connection(session, organization.id, connection_id, datetime.now(UTC))

    connection = in_organization(org, work)
    console.print(f"Deleted {connection.id} ({connection.name}); it sends nothing more.")
