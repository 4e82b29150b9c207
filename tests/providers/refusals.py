"""What every adapter's tests check the same way: how it classifies a refusal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from smsurvey.providers.base import ProviderError
from tests.fakes.base import FakeProvider, Fault


async def refusal(
    fake: FakeProvider, fault: Fault, send: Callable[[], Awaitable[object]]
) -> tuple[bool, str | None, float | None]:
    """Have ``fake`` refuse the next send with ``fault``; the adapter's ``(retryable, code,
    retry_after)`` for it."""
    fake.faults.append(fault)
    with pytest.raises(ProviderError) as refused:
        await send()
    error = refused.value
    return error.retryable, error.code, error.retry_after
