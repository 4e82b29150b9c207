"""Provider connections: checked fields, secrets encrypted at rest and never shown again,
order, deletion, webhook URLs, and ``smsurvey providers`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.service import default_organization
from smsurvey.kit.clock import FrozenClock
from smsurvey.kit.errors import InvalidInput, NotFound, SmsurveyError
from smsurvey.models.accounts import Organization
from smsurvey.models.connections import ProviderConnection
from smsurvey.providers.connections import (
    NewConnection,
    add_connection,
    connection_fields,
    delete_connection,
    get_connection,
    list_connections,
    set_order,
    webhook_urls,
)
from tests.fakes.base import Fault, serving
from tests.fakes.messagemedia import FIELDS as MESSAGEMEDIA
from tests.fakes.twilio import FIELDS as TWILIO
from tests.fakes.twilio import FakeTwilio
from tests.fakes.vonage import FIELDS as VONAGE
from tests.support import found, invoke, refused

KEY = b"k" * 40
NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)


@pytest.fixture
async def organization(session: AsyncSession) -> Organization:
    return await default_organization(session, FrozenClock(NOW))


async def add(
    session: AsyncSession,
    org: Organization,
    provider: str = "twilio",
    *,
    fields: dict[str, str] = TWILIO,
    sender: str = "+15005550006",
    name: str = "Main",
) -> ProviderConnection:
    new = NewConnection(name, provider, sender, fields)
    return await add_connection(session, KEY, org.id, new, NOW)


async def test_secrets_are_encrypted_at_rest_and_shown_as_their_last_four(
    session, organization
) -> None:
    connection = await add(session, organization)
    [stored] = (await session.execute(text("SELECT sealed_fields FROM provider_connections"))).all()
    assert TWILIO["auth_token"] not in stored[0]
    assert TWILIO["account_sid"] not in stored[0]
    assert connection.shown_fields == {"account_sid": TWILIO["account_sid"], "auth_token": "…oken"}
    assert connection_fields(KEY, connection) == TWILIO
    with pytest.raises(SmsurveyError, match="SMSURVEY_SECRET_KEY"):
        connection_fields(b"another key", connection)


@pytest.mark.parametrize(
    ("provider", "fields", "sender", "message"),
    [
        (
            "carrier-pigeon",
            TWILIO,
            "+15005550006",
            "unknown provider 'carrier-pigeon'; known: twilio",
        ),
        ("twilio", {"account_sid": "AC1"}, "+15005550006", "auth_token (Auth Token) is required"),
        ("twilio", {**TWILIO, "colour": "red"}, "+15005550006", "unknown field 'colour'"),
        (
            "twilio",
            {**TWILIO, "api_url": "ftp://x"},
            "+15005550006",
            "api_url must be an http(s) URL",
        ),
        (
            "vonage",
            {**VONAGE, "signature_method": "crc32"},
            "15005550006",
            "signature_method must be one of",
        ),
        ("twilio", TWILIO, "+1 500", "is not an E.164 number"),
        ("twilio", TWILIO, "999999999999", "sender '999999999999'"),
        ("twilio", TWILIO, "Acme Surveys Ltd", "at most 11 characters"),
        (
            "messagemedia",
            {**MESSAGEMEDIA, "webhook_public_key": "not a key"},
            "+61491570156",
            "MessageMedia:",
        ),
    ],
)
async def test_connections_are_checked_when_created(
    session, organization, provider, fields, sender, message
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        await add(session, organization, provider, fields=fields, sender=sender)
    assert await list_connections(session, organization.id) == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+15005550006", "+15005550006"),
        ("15005550006", "+15005550006"),
        ("0015005550006", "+15005550006"),
        ("+1 (500) 555-0006", "+15005550006"),
        ("868686", "868686"),
        ("Acme", "Acme"),
        ("MG" + "a" * 32, "MG" + "a" * 32),
    ],
)
async def test_senders_are_taken_as_each_provider_writes_them(
    session, organization, given, stored
) -> None:
    connection = await add(session, organization, sender=given)
    assert connection.sender == stored


async def test_the_order_decides_who_sends_and_deleted_ones_are_gone(session, organization) -> None:
    first = await add(session, organization, name="First")
    second = await add(session, organization, name="Second")
    third = await add(session, organization, name="Third")
    assert [c.name for c in await list_connections(session, organization.id)] == [
        "First",
        "Second",
        "Third",
    ]
    await set_order(session, organization.id, [third.id, first.id])
    assert [c.name for c in await list_connections(session, organization.id)] == [
        "Third",
        "First",
        "Second",
    ]
    with pytest.raises(InvalidInput, match="once"):
        await set_order(session, organization.id, [first.id, first.id])
    await delete_connection(session, organization.id, third.id, NOW)
    assert [c.name for c in await list_connections(session, organization.id)] == ["First", "Second"]
    with pytest.raises(NotFound):
        await get_connection(session, organization.id, third.id)
    with pytest.raises(NotFound):
        await get_connection(session, "OR_someoneelse00000", second.id)


async def test_webhook_urls_name_the_provider_and_organisation(session, organization) -> None:
    connection = await add(session, organization)
    urls = webhook_urls("https://surveys.example.org/", connection)
    base = "https://surveys.example.org/distribution-providers/v1/receive/distribution"
    assert urls == {
        "status": f"{base}/status/twilio/{organization.id}",
        "message": f"{base}/message/twilio/{organization.id}",
    }


def test_the_providers_command(cli_env: str) -> None:
    with serving(FakeTwilio()) as fake:
        kinds = invoke("providers", "kinds").output
        for name in (
            "twilio",
            "link-mobility",
            "sinch",
            "infobip",
            "messagemedia",
            "vonage",
            "messagebird",
        ):
            assert name in kinds
        args = [
            "--field",
            f"account_sid={TWILIO['account_sid']}",
            "--field",
            f"auth_token={TWILIO['auth_token']}",
        ]
        added = invoke(
            "providers",
            "add",
            "twilio",
            "--name",
            "Main",
            "--sender",
            "15005550006",
            *args,
            "--field",
            f"api_url={fake.url}",
        ).output
        connection_id = found(r"OC_\w{15}", added)
        assert "/status/twilio/OR_" in added
        assert "/message/twilio/OR_" in added
        shown = invoke("providers", "show", connection_id).output
        assert TWILIO["auth_token"] not in shown
        assert "auth_token: …oken" in shown
        assert connection_id in invoke("providers", "list").output
        tested = invoke("providers", "test", connection_id, "--to", "+14155552671").output
        [sent] = fake.accepted()
        assert sent.message_id in tested
        assert sent.fields["To"] == "+14155552671"
        fake.faults.append(Fault("permanent", code="21211"))
        assert (
            "code 21211"
            in refused("providers", "test", connection_id, "--to", "+14155552671").output
        )
        refused(
            "providers",
            "add",
            "twilio",
            "--name",
            "Half",
            "--sender",
            "+15005550006",
            "--field",
            "account_sid=AC1",
        )
        invoke("providers", "delete", connection_id)
        assert connection_id not in invoke("providers", "list").output
        refused("providers", "show", connection_id)
