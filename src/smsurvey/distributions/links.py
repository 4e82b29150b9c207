"""The links texts carry: a recipient's personal survey link and opt-out link.

Each holds a signed token (:mod:`smsurvey.kit.tokens`) bound to its purpose, naming the
distribution recipient; known before the text exists, so planning can write it in.
"""

from __future__ import annotations

from datetime import timedelta

from smsurvey.kit import tokens
from smsurvey.runtime import Runtime

SURVEY = "survey"
OPT_OUT = "opt-out"

OPT_OUT_LINK_LIFETIME = timedelta(days=10)
"""An opt-out link works this long after the recipient's text was sent."""


def survey_url(runtime: Runtime, recipient_id: int) -> str:
    """The recipient's personal link to the web survey (``${l://SurveyURL}``)."""
    return f"{_base(runtime)}/s/{tokens.mint(SURVEY, recipient_id, runtime.secret)}"


def opt_out_url(runtime: Runtime, recipient_id: int) -> str:
    """The recipient's one-click opt-out link (``${l://OptOutURL}``)."""
    return f"{_base(runtime)}/o/{tokens.mint(OPT_OUT, recipient_id, runtime.secret)}"


def survey_link_recipient(runtime: Runtime, token: str) -> int:
    """The recipient id a survey link's token names; :class:`~smsurvey.kit.tokens.InvalidToken`
    when it was not minted here as a survey link."""
    return tokens.read(SURVEY, token, runtime.secret)


def opt_out_link_recipient(runtime: Runtime, token: str) -> int:
    """The recipient id an opt-out link's token names; :class:`~smsurvey.kit.tokens.InvalidToken`
    when it was not minted here as an opt-out link."""
    return tokens.read(OPT_OUT, token, runtime.secret)


def _base(runtime: Runtime) -> str:
    return runtime.settings.public_url.rstrip("/")
