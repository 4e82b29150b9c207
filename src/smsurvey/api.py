"""The REST API in the Qualtrics v3 dialect: every feature's routes, served under ``/API/v3``."""

from __future__ import annotations

from fastapi import APIRouter

from smsurvey.accounts.endpoints import oauth_router
from smsurvey.accounts.endpoints import router as accounts
from smsurvey.contacts.endpoints import router as contacts
from smsurvey.distributions.endpoints import router as distributions


def api_routers() -> list[APIRouter]:
    """The routers to include under :data:`smsurvey.kit.envelope.API_PREFIX`."""
    return [accounts, contacts, distributions]


__all__ = ["api_routers", "oauth_router"]
