"""What a distribution did: its status, metrics, related distributions and history.

Histories are append-only; everything here is derived from them with queries:

* the distribution's status: ``Scheduled``, ``In progress`` (being planned, or texts still
  waiting), ``Waiting`` (the same while its survey is paused), ``Sent`` (every text handed
  to the provider or refused for good), ``Failed`` (nothing more could be sent),
  ``Interrupted`` (texts still refused after every retry, or whose hand-over needs a
  person's decision), or ``Cancelled``; and why, when it failed or its survey takes no
  answers; texts whose hand-over is unknown are counted apart, never as sent or failed;
* each recipient's status: the most telling of its events (a failure over an opening
  over a delivery over a send) and when it happened, and whether they responded to this
  distribution (a follow-up: to it or to what it follows), whatever they answered before.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.follow_ups import followed, is_follow_up
from smsurvey.distributions.holds import survey_warning
from smsurvey.distributions.service import Lifecycle, get_distribution
from smsurvey.kit.clock import Clock, system_clock
from smsurvey.models.accounts import Organization
from smsurvey.models.connections import ProviderConnection
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Distribution, Recipient, RecipientEvent
from smsurvey.models.messaging import Direction, Message, MessageEvent, SendState
from smsurvey.models.responses import Response
from smsurvey.models.surveys import Survey
from smsurvey.providers.registry import kind_named
from smsurvey.surveys.availability import Unavailable, unavailable

FAILURES = frozenset({"Failed", "Bounced", "Blocked"})
"""The recipient statuses of a text that did not reach its recipient."""
# The higher, the more a status says about a recipient.
_RANK = {
    "Sent": 1,
    "Delivered": 2,
    "Opened": 3,
    "Failed": 4,
    "Bounced": 4,
    "Blocked": 4,
    "Duplicated": 5,
    "Skipped": 5,
    "Skipped (opt-out)": 5,
}
_UNDER_WAY = frozenset({"Scheduled", "In progress", "Waiting"})
"""The statuses of a distribution that still has texts to send."""
HISTORY_COLUMNS = (
    "PersonID",
    "First name",
    "Last name",
    "Phone number",
    "User name",
    "Respondent",
    "Status",
    "Timestamp",
)


class Enclosure(StrEnum):
    """How history fields are enclosed."""

    DOUBLE_QUOTE = '"'
    SINGLE_QUOTE = "'"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Metrics:
    """A distribution's figures."""

    recipients: int
    sent: int
    delivered: int
    failed: int
    waiting: int
    """Texts not handed over yet (held ones included)."""
    parts: int
    credits: Decimal
    held: int = 0
    """Texts held while the survey is paused."""
    unknown: int = 0
    """Texts whose hand-over is unknown, their providers being asked."""
    undecided: int = 0
    """Texts whose providers cannot tell: they need a person's decision."""
    asking: tuple[str, ...] = ()
    """The providers being asked about the unknown texts, as people know them."""

    @property
    def uncertain(self) -> str | None:
        """``12 unknown: Twilio is being asked; 3 need a decision``, or None."""
        said = []
        if self.unknown:
            who = ", ".join(self.asking) or "the provider"
            said.append(
                f"{self.unknown:,} unknown: {who} {'is' if len(self.asking) < 2 else 'are'}"
                " being asked"
            )
        if self.undecided:
            said.append(f"{self.undecided:,} need a decision (smsurvey messages unknown)")
        return "; ".join(said) or None


@dataclass(frozen=True, slots=True)
class DistributionReport:
    """A distribution as people see it."""

    distribution: Distribution
    status: str
    metrics: Metrics
    related: list[Distribution] = field(default_factory=list)
    reason: str | None = None
    """Why it failed, or what its survey's state does to it."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One recipient in the history download."""

    person_id: str
    first_name: str
    last_name: str
    phone: str
    user_name: str
    respondent: bool
    status: str
    at: datetime | None
    recipient_id: int = 0
    response_id: str | None = None
    sent_at: datetime | None = None
    opened_at: datetime | None = None
    detail: str | None = None
    """What the status's event says (a provider's error, why the recipient was skipped)."""


async def metrics(session: AsyncSession, distribution: Distribution) -> Metrics:
    """Recipients, texts handed over, delivered and failed, still waiting, parts, credits."""
    recipients = await session.scalar(
        select(func.count()).where(Recipient.distribution_id == distribution.id)
    )
    states = dict(
        (
            await session.execute(
                select(Message.send_state, func.count())
                .where(
                    Message.distribution_id == distribution.id, Message.direction == Direction.OUT
                )
                .group_by(Message.send_state)
            )
        ).all()
    )
    parts, credits = (
        await session.execute(
            select(
                func.coalesce(func.sum(Message.parts), 0),
                func.coalesce(func.sum(Message.credits), 0),
            ).where(
                Message.distribution_id == distribution.id, Message.send_state == SendState.SENT
            )
        )
    ).one()
    # Text by text through the distribution's index: a join would let the planner scan
    # every event of the organisation's history.
    delivered = await session.scalar(
        select(func.count()).where(
            Message.distribution_id == distribution.id,
            select(MessageEvent.id)
            .where(MessageEvent.message_id == Message.id, MessageEvent.status == "Delivered")
            .exists(),
        )
    )

    def count(*names: SendState) -> int:
        return sum(states.get(name, 0) for name in names)

    return Metrics(
        recipients=recipients or 0,
        sent=count(SendState.SENT),
        delivered=delivered or 0,
        failed=count(SendState.FAILED, SendState.EXHAUSTED),
        waiting=count(SendState.QUEUED, SendState.HELD, SendState.CLAIMED, SendState.SENDING),
        parts=int(parts),
        credits=Decimal(credits),
        held=count(SendState.HELD),
        unknown=count(SendState.UNKNOWN),
        undecided=count(SendState.UNDECIDED),
        asking=await _asked(session, distribution) if states.get(SendState.UNKNOWN) else (),
    )


async def _asked(session: AsyncSession, distribution: Distribution) -> tuple[str, ...]:
    """The providers of the distribution's unknown texts, as people know them."""
    names = await session.scalars(
        select(func.coalesce(ProviderConnection.provider, Message.provider))
        .distinct()
        .select_from(Message)
        .join(ProviderConnection, ProviderConnection.id == Message.provider, isouter=True)
        .where(Message.distribution_id == distribution.id, Message.send_state == SendState.UNKNOWN)
    )
    titles = {kind.title if (kind := kind_named(name)) else name.title() for name in names}
    return tuple(sorted(titles))


def derived_status(
    distribution: Distribution, figures: Metrics, troubled: bool, paused: bool = False
) -> str:
    """The status a person sees (see the module docstring); ``paused``: the survey is."""
    if distribution.status in (Lifecycle.SCHEDULED, Lifecycle.CANCELLED, Lifecycle.FAILED):
        return distribution.status
    if distribution.status == Lifecycle.IN_PROGRESS or figures.waiting or figures.unknown:
        return "Waiting" if paused else "In progress"
    return "Interrupted" if troubled else "Sent"


async def report(
    session: AsyncSession,
    organization: Organization,
    distribution_id: str,
    clock: Clock = system_clock,
) -> DistributionReport:
    """The distribution's status and why, metrics and related distributions (parent and
    follow-ups)."""
    distribution = await get_distribution(session, organization, distribution_id)
    survey = await session.get(Survey, distribution.survey_id)
    assert survey is not None  # a survey's distributions go with it
    figures = await metrics(session, distribution)
    troubled = bool(
        await session.scalar(
            select(func.count()).where(
                Message.distribution_id == distribution.id,
                Message.direction == Direction.OUT,
                Message.send_state.in_([SendState.EXHAUSTED, SendState.UNDECIDED]),
            )
        )
    )
    family = {distribution.id, distribution.parent_distribution_id} - {None}
    related = await session.scalars(
        select(Distribution)
        .where(
            Distribution.id != distribution.id,
            or_(Distribution.id.in_(family), Distribution.parent_distribution_id.in_(family)),
        )
        .order_by(Distribution.send_at, Distribution.id)
    )
    now = clock.now()
    paused = unavailable(survey, now) is Unavailable.PAUSED
    status = derived_status(distribution, figures, troubled, paused)
    if status == Lifecycle.FAILED:
        reason = distribution.failure
    else:
        reason = survey_warning(survey, now, distribution.send_at) if status in _UNDER_WAY else None
    return DistributionReport(distribution, status, figures, list(related), reason)


async def history(
    session: AsyncSession, organization: Organization, distribution_id: str
) -> list[HistoryRow]:
    """One row per recipient: who, whether they responded, their status and its time."""
    distribution = await get_distribution(session, organization, distribution_id)
    recipients = (
        await session.execute(
            select(Recipient, Contact)
            .join(Contact, Contact.id == Recipient.contact_id, isouter=True)
            .where(Recipient.distribution_id == distribution.id)
            .order_by(Recipient.id)
        )
    ).all()
    events: dict[int, list[RecipientEvent]] = {}
    for event in await session.scalars(
        select(RecipientEvent)
        .join(Recipient, Recipient.id == RecipientEvent.recipient_id)
        .where(Recipient.distribution_id == distribution.id)
        .order_by(RecipientEvent.id)
    ):
        events.setdefault(event.recipient_id, []).append(event)
    # The responses this distribution collected (for a follow-up, also those of the
    # distributions it follows, which its links continue); never another's.
    collected = [Response.distribution_id == distribution.id]
    if is_follow_up(distribution):
        collected.append(Response.distribution_id.in_(followed(distribution)))
    respondents: dict[str | None, str] = dict(
        (
            await session.execute(
                select(Response.contact_id, Response.id)
                .where(
                    Response.survey_id == distribution.survey_id,
                    Response.finished.is_(True),
                    or_(*collected),
                )
                .order_by(Response.ended_at, Response.id)
            )
        ).all()
    )
    rows = []
    for recipient, contact in recipients:
        mine = events.get(recipient.id, [])
        status = _current(mine)
        response_id = respondents.get(recipient.contact_id) if recipient.contact_id else None
        rows.append(
            HistoryRow(
                person_id=recipient.contact_id or "",
                first_name=(contact.first_name if contact else None) or "",
                last_name=(contact.last_name if contact else None) or "",
                phone=recipient.phone or "",
                user_name=(contact.ext_ref or contact.email if contact else None) or "",
                respondent=response_id is not None,
                status=status.status if status else "Pending",
                at=status.at if status else None,
                recipient_id=recipient.id,
                response_id=response_id,
                sent_at=_first(mine, "Sent"),
                opened_at=_first(mine, "Opened"),
                detail=status.detail if status else None,
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class Outcomes:
    """What a distribution's recipients did, from its history and its responses."""

    statuses: dict[str, int]
    """Recipients by current status (``Delivered``, ``Skipped (opt-out)``…)."""
    opened_or_started: int
    """Recipients who opened their survey link or began a response."""
    started: int
    """Responses begun through the distribution (test conversations are not counted)."""
    finished: int
    failures: list[tuple[str, int]]
    """Why texts did not reach their recipients, with how many, the most common first."""

    @property
    def failed(self) -> int:
        """Recipients whose text was refused or not delivered."""
        return sum(count for _, count in self.failures)


async def outcomes(
    session: AsyncSession, distribution: Distribution, rows: Sequence[HistoryRow]
) -> Outcomes:
    """The outcomes of ``distribution`` whose :func:`history` is ``rows``."""
    responses = (
        await session.execute(
            select(Response.contact_id, Response.finished).where(
                Response.distribution_id == distribution.id
            )
        )
    ).all()
    starters = {contact for contact, _ in responses if contact}
    reasons = Counter(
        f"{row.status}: {row.detail}" if row.detail else row.status
        for row in rows
        if row.status in FAILURES
    )
    return Outcomes(
        statuses=dict(Counter(row.status for row in rows)),
        opened_or_started=sum(
            1 for row in rows if row.opened_at or (row.person_id and row.person_id in starters)
        ),
        started=len(responses),
        finished=sum(1 for _, finished in responses if finished),
        failures=reasons.most_common(),
    )


def _first(events: Sequence[RecipientEvent], status: str) -> datetime | None:
    return next((event.at for event in events if event.status == status), None)


def _current(events: Sequence[RecipientEvent]) -> RecipientEvent | None:
    """The most telling event (the latest among equals)."""
    best: RecipientEvent | None = None
    for event in events:
        if best is None or _RANK.get(event.status, 0) >= _RANK.get(best.status, 0):
            best = event
    return best


def history_csv(
    rows: Sequence[HistoryRow], delimiter: str = ",", enclosure: Enclosure = Enclosure.DOUBLE_QUOTE
) -> str:
    """The history download: the columns of :data:`HISTORY_COLUMNS`, ISO 8601 timestamps."""
    if delimiter not in (",", ";", "\t", "|"):
        raise ValueError(f"delimiter {delimiter!r}: use a comma, semicolon, tab or pipe")
    out = io.StringIO()
    if enclosure is Enclosure.NONE:
        writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_NONE, escapechar="\\")
    else:
        writer = csv.writer(
            out, delimiter=delimiter, quotechar=enclosure.value, quoting=csv.QUOTE_ALL
        )
    writer.writerow(HISTORY_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.person_id,
                row.first_name,
                row.last_name,
                row.phone,
                row.user_name,
                "Yes" if row.respondent else "No",
                row.status,
                row.at.isoformat() if row.at else "",
            ]
        )
    return out.getvalue()
