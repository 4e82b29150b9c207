"""Every provider an organisation can connect, by the name its receive URLs use."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from smsurvey.providers.base import ProviderKind

_MODULES = (
    "twilio",
    "link_mobility",
    "sinch",
    "infobip",
    "messagemedia",
    "vonage",
    "messagebird",
)


@cache
def kinds() -> dict[str, ProviderKind]:
    """The providers, by name, in the order the product lists them."""
    found = (import_module(f"smsurvey.providers.{module}").KIND for module in _MODULES)
    return {kind.name: kind for kind in found}


def kind_named(name: str) -> ProviderKind | None:
    """The provider a name or alias (``twilio-sms``) stands for, in any letter case."""
    wanted = name.strip().lower()
    for kind in kinds().values():
        if wanted == kind.name or wanted in kind.aliases:
            return kind
    return None
