"""The REST API in the Qualtrics v3 dialect: every feature's routes, served under ``/API/v3``."""

from __future__ import annotations

from fastapi import APIRouter

from smsurvey.accounts.endpoints import oauth_router
from smsurvey.accounts.endpoints import router as accounts
from smsurvey.contacts.endpoints import router as contacts
from smsurvey.contacts.opted_out_endpoints import router as opted_out
from smsurvey.contacts.transactions_endpoints import router as transactions
from smsurvey.distributions.endpoints import library_router as library
from smsurvey.distributions.endpoints import router as distributions
from smsurvey.messaging.endpoints import router as unknown_messages
from smsurvey.providers.endpoints import router as connections
from smsurvey.responses.endpoints import router as responses
from smsurvey.responses.endpoints import subscriptions_router as subscriptions
from smsurvey.surveys.definition_endpoints import router as survey_definitions
from smsurvey.surveys.endpoints import router as surveys
from smsurvey.surveys.import_endpoints import router as survey_imports
from smsurvey.surveys.quotas import router as quotas
from smsurvey.unsupported import router as unsupported


def api_routers() -> list[APIRouter]:
    """The routers to include under :data:`smsurvey.kit.envelope.API_PREFIX`."""
    return [
        accounts,
        opted_out,  # before contacts: optedOutContacts is no contact id
        contacts,
        transactions,
        distributions,
        library,
        surveys,
        survey_definitions,
        survey_imports,
        quotas,
        responses,
        subscriptions,
        connections,
        unknown_messages,
        unsupported,
    ]


__all__ = ["api_routers", "oauth_router"]
