"""SQLAlchemy tables, one module per feature; importing this package registers them all."""

from smsurvey.models import (
    accounts,
    connections,
    contacts,
    distributions,
    inbox,
    messaging,
    responses,
    simulator,
    subscriptions,
    surveys,
    workers,
)
from smsurvey.models.base import Base

__all__ = [
    "Base",
    "accounts",
    "connections",
    "contacts",
    "distributions",
    "inbox",
    "messaging",
    "responses",
    "simulator",
    "subscriptions",
    "surveys",
    "workers",
]
