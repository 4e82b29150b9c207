"""Whether a survey takes answers now: closed, expired and paused surveys do not.

A paused survey (deactivated) may resume, so what would reach its respondents waits; a
closed or expired one is over for good, so nothing more is sent for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, not_, or_

from smsurvey.models.surveys import Survey


class Unavailable(StrEnum):
    """Why a survey takes no answers now."""

    CLOSED = "closed"
    EXPIRED = "expired"
    PAUSED = "paused"
    UNSUPPORTED = "unsupported"
    """It asks something the survey pages cannot (a question kind, a flow element)."""


FOR_GOOD = frozenset({Unavailable.CLOSED, Unavailable.EXPIRED})
"""The reasons that never pass."""


def unavailable(survey: Survey, now: datetime) -> Unavailable | None:
    """Why ``survey`` takes no answers at ``now``, or ``None`` when it does."""
    if survey.closed_at is not None and survey.closed_at <= now:
        return Unavailable.CLOSED
    if survey.expires_at is not None and survey.expires_at <= now:
        return Unavailable.EXPIRED
    if not survey.is_active:
        return Unavailable.PAUSED
    return None


def taking_answers(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of ``unavailable(survey, now) is None``."""
    return and_(
        Survey.is_active.is_(True),
        or_(Survey.closed_at.is_(None), Survey.closed_at > now),
        or_(Survey.expires_at.is_(None), Survey.expires_at > now),
    )


def taking_no_answers(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of :func:`unavailable`: surveys that are closed, expired or paused."""
    return not_(taking_answers(now))


def describe(survey: Survey, reason: Unavailable, now: datetime) -> str:
    """``reason`` in words, naming the survey: "survey SV_… expired on 2026-05-01 09:00 UTC"
    (or "expires on", when that is still to come at ``now``)."""
    if reason is Unavailable.CLOSED:
        return f"survey {survey.id} {_on(survey.closed_at, now, 'was closed', 'closes')}"
    if reason is Unavailable.EXPIRED:
        return f"survey {survey.id} {_on(survey.expires_at, now, 'expired', 'expires')}"
    if reason is Unavailable.PAUSED:
        return f"survey {survey.id} is paused"
    return f"survey {survey.id} asks something the survey pages cannot show"


def _on(moment: datetime | None, now: datetime, past: str, future: str) -> str:
    if moment is None:
        return past
    verb = past if moment <= now else future
    return f"{verb} on {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
