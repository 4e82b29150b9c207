"""Use cases on organisations. Services never commit: the caller's unit of work does."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.errors import Conflict, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization

DEFAULT_ORGANIZATION_NAME = "Default"


async def create_organization(
    session: AsyncSession, name: str, clock: Clock = system_clock
) -> Organization:
    """A new organisation called ``name`` (names are unique)."""
    name = name.strip()
    if not name:
        raise Conflict("an organisation needs a name")
    existing = await session.scalar(select(Organization).where(Organization.name == name))
    if existing is not None:
        raise Conflict(f"an organisation called {name!r} already exists ({existing.id})")
    organization = Organization(id=new_id("OR"), name=name, created_at=clock.now())
    session.add(organization)
    await session.flush()
    return organization


async def get_organization(session: AsyncSession, organization_id: str) -> Organization:
    """The organisation ``organization_id``, or :class:`NotFound`."""
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(f"no organisation {organization_id}")
    return organization


async def default_organization(session: AsyncSession, clock: Clock = system_clock) -> Organization:
    """The organisation the CLI works in when none is named, created on first use."""
    organization = await session.scalar(
        select(Organization).where(Organization.name == DEFAULT_ORGANIZATION_NAME)
    )
    if organization is None:
        organization = await create_organization(session, DEFAULT_ORGANIZATION_NAME, clock)
    return organization


async def resolve_organization(
    session: AsyncSession, organization_id: str | None, clock: Clock = system_clock
) -> Organization:
    """``organization_id`` when given, the default organisation otherwise."""
    if organization_id:
        return await get_organization(session, organization_id)
    return await default_organization(session, clock)
