"""What every request handler may ask for: the process's runtime and the request's one
unit of work.

The unit of work begins when a handler (or a dependency of it, such as the caller's
authentication) first asks for it, and commits the moment the handler returns, before the
response is built (``scope="function"``): a response never reports work that a failed
commit then lost. An exception rolls it back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.db import unit_of_work
from smsurvey.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
"""The process's runtime."""


async def _unit_of_work(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(runtime.engine) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]
"""The request's unit of work: one per request, shared by its dependencies."""
