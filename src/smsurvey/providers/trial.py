"""A test text through one of an organisation's connections, to check its credentials and
sender before a distribution goes through it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.errors import InvalidInput
from smsurvey.providers.base import OutboundSms, ProviderError, SendUncertain, hand_over
from smsurvey.providers.connections import get_connection
from smsurvey.providers.directory import ProviderDirectory
from smsurvey.sms.phones import check_phone


async def send_test_text(
    session: AsyncSession,
    providers: ProviderDirectory,
    organization_id: str,
    connection_id: str,
    to: str,
) -> str:
    """Hand one test text to ``to`` (E.164, given with ``+`` or ``00``) through the
    connection; the provider's id of it.

    It writes nothing, so the caller's transaction holds no write across the provider's
    HTTP call. :class:`InvalidInput` with the reason when the number is not one, the
    connection cannot be used, or the provider refuses the text or may not have taken it.
    """
    checked = check_phone(to, time_zones=False)
    if checked.e164 is None:
        raise InvalidInput(f"{to!r} is not a phone number: {checked.reason}")
    connection = await get_connection(session, organization_id, connection_id)
    adapter = await providers.get(connection.id)
    if adapter is None:
        raise InvalidInput(f"connection {connection_id} cannot be used")
    text = OutboundSms(
        reference=f"test-{connection.id}",
        organization_id=organization_id,
        sender=connection.sender,
        to=checked.e164,
        body=f"smsurvey: a test text through {connection.name}.",
    )
    try:
        result = await hand_over(adapter, text)
    except ProviderError as error:
        code = f" (code {error.code})" if error.code else ""
        kind = "temporary, try again later" if error.retryable else "permanent"
        raise InvalidInput(f"the text was not taken{code}: {error} [{kind}]") from None
    except SendUncertain as error:
        raise InvalidInput(f"no answer came in time, so it may or may not go: {error}") from None
    return result.provider_message_id
