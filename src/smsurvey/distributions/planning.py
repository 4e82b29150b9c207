"""Planning a started distribution into texts, one chunk of recipients per transaction.

Each chunk: the recipients after ``plan_cursor`` (by contact or transaction id, so planning
resumes where it stopped and no one is planned twice), the limiting conditions, then for
each recipient either a status with its reason — ``Skipped (opt-out)``, ``Skipped`` (no
number, a fixed line, an open 2-way session), ``Duplicated`` (the same invitation to the
same number within 24 hours) — or its text: the personal message queued in the outbox
(at the next moment the quiet hours allow, in the recipient's zone), or for a 2-way
survey a session and its first question. Before the first chunk the whole cost is
estimated: a distribution the organisation's credits cannot cover fails, sending nothing.

Nothing is planned while the survey is paused: the distribution waits, and goes on when the
survey is active again. A distribution of a closed or expired survey fails with the reason
(:mod:`smsurvey.distributions.holds` deals with the texts already queued).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.accounts.credits import balance
from smsurvey.distributions.conditions import Conditions, matches
from smsurvey.distributions.follow_ups import followed, is_follow_up
from smsurvey.distributions.links import opt_out_url, survey_url
from smsurvey.distributions.quiet_hours import SendingWindow, next_allowed, recipient_zone
from smsurvey.distributions.recurrence import Recurrence, next_after
from smsurvey.distributions.service import Lifecycle, Method
from smsurvey.kit.ids import new_id
from smsurvey.messaging.outbox import BULK, Route, insert_texts, is_connection, text_row
from smsurvey.messaging.sessions import open_session
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import (
    Contact,
    MailingListMember,
    Transaction,
    TransactionBatchMember,
)
from smsurvey.models.distributions import Distribution, Recipient, RecipientEvent
from smsurvey.models.messaging import ConversationSession, Message, MessageKind, SessionStatus
from smsurvey.models.responses import Response
from smsurvey.models.surveys import Survey
from smsurvey.runtime import Runtime
from smsurvey.sms import piping
from smsurvey.sms.credits import message_cost
from smsurvey.sms.encoding import measure
from smsurvey.sms.phones import check_phone
from smsurvey.surveys.availability import FOR_GOOD, Unavailable, describe, unavailable
from smsurvey.surveys.service import definition_of

CHUNK = 250
_RECIPIENTS = Recipient.__table__
DUPLICATE_WINDOW = timedelta(hours=24)
KINDS = {
    Method.INVITE: MessageKind.INVITE,
    Method.REMINDER: MessageKind.REMINDER,
    Method.THANK_YOU: MessageKind.THANK_YOU,
}


@dataclass(frozen=True, slots=True)
class Addressee:
    """Someone a distribution addresses, as planning and the preview read them: the
    contact's fields (and a transaction batch's transaction), from plain rows, which cost a
    fraction of ORM objects per recipient."""

    key: str
    """The contact's id, or the transaction's for a transaction batch: planning's order."""
    contact_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    phone_type: str | None
    phone_region: str | None
    time_zone: str | None
    embedded_data: dict[str, Any]
    opted_out: bool
    transaction_id: str | None
    transaction_data: dict[str, Any] | None


_CONTACT_COLUMNS = (
    Contact.id.label("contact_id"),
    Contact.first_name,
    Contact.last_name,
    Contact.email,
    Contact.phone,
    Contact.phone_type,
    Contact.phone_region,
    Contact.time_zone,
    Contact.embedded_data,
    Contact.opted_out,
)
_NO_TRANSACTION = (null().label("transaction_id"), null().label("transaction_data"))


def template_hash(text: str) -> str:
    """What the 24-hour duplicate rule compares: the message before piping."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def sent_lately(
    organization_id: str, template: str, phones: Sequence[str], since: datetime
) -> Select[str]:
    """Which of ``phones`` the organisation sent the message whose :func:`template_hash` is
    ``template`` to after ``since``: read from ``ix_messages_duplicates`` alone, so a chunk
    costs the same however many texts the organisation sent before."""
    return select(Message.recipient).where(
        Message.organization_id == organization_id,
        Message.template_hash == template,
        Message.recipient.in_(phones),
        Message.created_at > since,
    )


def _responded(survey_id: str) -> Select[str | None]:
    return select(Response.contact_id).where(
        Response.survey_id == survey_id,
        Response.finished.is_(True),
        Response.contact_id.is_not(None),
    )


def candidate_query(distribution: Distribution) -> Select[Any]:
    """Everyone the distribution addresses, by key: rows of :class:`Addressee`'s fields."""
    if distribution.transaction_batch_id:
        return (
            select(
                Transaction.id,
                *_CONTACT_COLUMNS,
                Transaction.id.label("transaction_id"),
                Transaction.data.label("transaction_data"),
            )
            .join(TransactionBatchMember, TransactionBatchMember.transaction_id == Transaction.id)
            .join(Contact, Contact.id == Transaction.contact_id)
            .where(TransactionBatchMember.batch_id == distribution.transaction_batch_id)
            .order_by(Transaction.id)
        )
    if is_follow_up(distribution):
        addressed = select(Recipient.contact_id).where(
            Recipient.distribution_id.in_(followed(distribution))
        )
        responded = Contact.id.in_(_responded(distribution.survey_id))
        wanted = responded if distribution.method == Method.THANK_YOU else ~responded
        query = select(Contact.id, *_CONTACT_COLUMNS, *_NO_TRANSACTION).where(
            Contact.id.in_(addressed), wanted
        )
        return query.order_by(Contact.id)
    if distribution.contact_id:
        query = select(Contact.id, *_CONTACT_COLUMNS, *_NO_TRANSACTION).where(
            Contact.id == distribution.contact_id
        )
        return query.order_by(Contact.id)
    list_id = distribution.sample_id or distribution.mailing_list_id
    return (
        select(Contact.id, *_CONTACT_COLUMNS, *_NO_TRANSACTION)
        .join(MailingListMember, MailingListMember.contact_id == Contact.id)
        .where(MailingListMember.mailing_list_id == list_id)
        .order_by(Contact.id)
    )


async def addressees(session: AsyncSession, query: Select[Any]) -> list[Addressee]:
    """The rows of a :func:`candidate_query` (narrowed or not), as :class:`Addressee`."""
    return [Addressee(*row) for row in await session.execute(query)]


async def _candidates(
    session: AsyncSession, distribution: Distribution, limit: int
) -> list[Addressee]:
    query = candidate_query(distribution)
    key = query.selected_columns[0]
    if distribution.plan_cursor:
        query = query.where(key > distribution.plan_cursor)
    return await addressees(session, query.limit(limit))


async def plan_chunk(session: AsyncSession, runtime: Runtime, distribution_id: str) -> int:
    """Plan the next chunk of a distribution in progress; returns how many recipients it
    looked at (0 once planning is over)."""
    distribution = await session.get(Distribution, distribution_id, with_for_update=True)
    if distribution is None or distribution.status != Lifecycle.IN_PROGRESS:
        return 0
    survey = await session.get(Survey, distribution.survey_id)
    if survey is None:
        raise LookupError(f"survey {distribution.survey_id} was deleted")
    now = runtime.clock.now()
    reason = unavailable(survey, now)
    if reason in FOR_GOOD:
        distribution.status = Lifecycle.FAILED
        distribution.failure = ended(survey, reason, now)
        return 1
    if reason is not None:
        return 0  # paused: it waits (its report says why)
    if distribution.plan_cursor is None and not await _affordable(session, runtime, distribution):
        return 1
    candidates = await _candidates(session, distribution, CHUNK)
    if not candidates:
        distribution.status = Lifecycle.PLANNED
        distribution.planned_at = runtime.clock.now()
        return 0
    conditions = Conditions.from_json(distribution.conditions) if distribution.conditions else None
    chosen = [
        c for c in candidates if conditions is None or matches(conditions, candidate_values(c))
    ]
    planner = _Planner(session, runtime, distribution, survey)
    await planner.plan(chosen)
    distribution.plan_cursor = candidates[-1].key
    return len(candidates)


def ended(survey: Survey, reason: Unavailable, now: datetime) -> str:
    """Why a distribution of a survey that is over failed."""
    return f"{describe(survey, reason, now)}: nothing more is sent for it"


def window_due(
    runtime: Runtime,
    window: SendingWindow | None,
    time_zone: str | None,
    phone: str | None,
    at: datetime,
) -> datetime:
    """``at``, or when the sending window next allows after it in the recipient's zone (the
    contact's ``time_zone``, else their ``phone`` number's)."""
    if window is None:
        return at
    zones = check_phone(phone).time_zones if phone else ()
    zone = recipient_zone(time_zone, zones, at=at, default=runtime.settings.default_time_zone)
    return next_allowed(window, at, zone)


def candidate_values(addressee: Addressee) -> dict[str, Any]:
    """What conditions and piping see of a recipient: names, email, embedded data (with the
    transaction's data, for a transaction batch)."""
    embedded = dict(addressee.embedded_data)
    if addressee.transaction_data is not None:
        embedded.update({key: str(value) for key, value in addressee.transaction_data.items()})
    return {
        "first_name": addressee.first_name,
        "last_name": addressee.last_name,
        "email": addressee.email,
        "embedded_data": embedded,
    }


async def estimate(
    session: AsyncSession, runtime: Runtime, distribution: Distribution
) -> tuple[int, Decimal]:
    """Recipients the limiting conditions keep, and the credits they would take (skips aside)."""
    if distribution.conditions:
        conditions = Conditions.from_json(distribution.conditions)
        kept = Counter(
            addressee.phone_region
            for addressee in await addressees(session, candidate_query(distribution))
            if matches(conditions, candidate_values(addressee))
        )
    else:
        addressed = candidate_query(distribution).subquery()
        rows = await session.execute(
            select(addressed.c.phone_region, func.count()).group_by(addressed.c.phone_region)
        )
        kept = Counter(dict(rows.all()))
    return kept.total(), credits_for(
        runtime, distribution, kept, sample_parts(runtime, distribution)
    )


def credits_for(
    runtime: Runtime, distribution: Distribution, texts: Mapping[str | None, int], parts: int
) -> Decimal:
    """The credits of ``texts`` (how many, by phone region) of ``parts`` parts each."""
    own_provider = is_connection(distribution.provider)
    return sum(
        (
            number
            * message_cost(parts, region or "", runtime.rates, own_provider=own_provider).credits
            for region, number in texts.items()
        ),
        Decimal(0),
    )


TYPICAL_RECIPIENT = 10**9
"""The recipient id whose links a typical text carries (as long as most recipients')."""


def sample_parts(runtime: Runtime, distribution: Distribution) -> int:
    """The parts of the distribution's message for a typical recipient (links included)."""
    if distribution.message_text is None:
        return 1
    context = piping.PipeContext(
        survey_url=survey_url(runtime, TYPICAL_RECIPIENT),
        opt_out_url=opt_out_url(runtime, TYPICAL_RECIPIENT),
        first_name="Alexandra",
        last_name="Johnson",
    )
    return max(measure(piping.render(distribution.message_text, context)).parts, 1)


async def _affordable(session: AsyncSession, runtime: Runtime, distribution: Distribution) -> bool:
    """Whether the organisation's credits cover the estimate; fails the distribution if not."""
    organization = await session.get(Organization, distribution.organization_id)
    assert organization is not None
    now = runtime.clock.now()
    available = await balance(session, organization, runtime.settings.initial_credits, now)
    _, needed = await estimate(session, runtime, distribution)
    if needed <= available:
        return True
    distribution.status = Lifecycle.FAILED
    distribution.failure = (
        f"not enough credits: the distribution needs about {needed:f}, the balance is {available:f}"
    )
    return False


class _Planner:
    """One chunk's recipients, statuses and texts."""

    def __init__(
        self, session: AsyncSession, runtime: Runtime, distribution: Distribution, survey: Survey
    ) -> None:
        self.session = session
        self.runtime = runtime
        self.distribution = distribution
        self.survey = survey
        self.method = Method(distribution.method)
        self.now = runtime.clock.now()
        self.window = (
            SendingWindow.from_json(distribution.quiet_hours) if distribution.quiet_hours else None
        )
        text = distribution.message_text
        self.template_hash = template_hash(text) if text is not None else None
        # Links are signed per recipient: only those the message pipes are minted.
        used = piping.fields_used(text or "")
        self.pipes_survey_url = bool(used & {piping.SURVEY_URL, piping.SURVEY_LINK})
        self.pipes_opt_out_url = piping.OPT_OUT_URL in used

    async def plan(self, chosen: Sequence[Addressee]) -> None:
        chosen = await self._first_of_each_contact(chosen)
        if not chosen:
            return
        # Core multi-row inserts into the table: the ORM would cost more than the rows. No
        # ``sort_by_parameter_order`` (SQLite pays it with a statement per row): rows are
        # matched by contact, of whom a chunk has one recipient each.
        inserted = await self.session.execute(
            insert(_RECIPIENTS).returning(_RECIPIENTS.c.contact_id, _RECIPIENTS.c.id),
            [
                {
                    "distribution_id": self.distribution.id,
                    "contact_id": c.contact_id,
                    "phone": c.phone,
                    "transaction_id": c.transaction_id,
                    "created_at": self.now,
                }
                for c in chosen
            ],
        )
        recipient_of: dict[str, int] = dict(inserted.all())
        busy = await self._busy_numbers([c.phone for c in chosen if c.phone])
        definition = definition_of(self.survey) if self.method is Method.INTERACTIVE else None
        texts: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for candidate in chosen:
            recipient_id = recipient_of[candidate.contact_id]
            reason = self._why_skipped(candidate, busy)
            if reason is not None:
                status, detail = reason
                skipped.append(
                    {
                        "recipient_id": recipient_id,
                        "status": status,
                        "detail": detail,
                        "at": self.now,
                    }
                )
            elif definition is not None:
                busy.add(candidate.phone or "")
                await open_session(
                    self.session,
                    self.runtime,
                    survey=self.survey,
                    definition=definition,
                    route=self._route(candidate),
                    contact_id=candidate.contact_id,
                    embedded_data=candidate_values(candidate)["embedded_data"],
                    distribution_id=self.distribution.id,
                    recipient_id=recipient_id,
                    priority=BULK,
                )
            else:
                busy.add(candidate.phone or "")
                texts.append(self._text(candidate, recipient_id))
        if skipped:
            await self.session.execute(insert(RecipientEvent.__table__), skipped)
        await insert_texts(self.session, texts)

    async def _first_of_each_contact(self, chosen: Sequence[Addressee]) -> list[Addressee]:
        """One text per contact, whatever number of their transactions the batch holds."""
        planned = set(
            await self.session.scalars(
                select(Recipient.contact_id).where(
                    Recipient.distribution_id == self.distribution.id,
                    Recipient.contact_id.in_([c.contact_id for c in chosen]),
                )
            )
        )
        first = []
        for candidate in chosen:
            if candidate.contact_id not in planned:
                planned.add(candidate.contact_id)
                first.append(candidate)
        return first

    async def _busy_numbers(self, phones: list[str]) -> set[str]:
        """Numbers that must not get this text: an open 2-way session (for a 2-way survey) or
        the same invitation in the last 24 hours (for the others)."""
        if not phones:
            return set()
        if self.method is Method.INTERACTIVE:
            query = select(ConversationSession.phone).where(
                ConversationSession.organization_id == self.distribution.organization_id,
                ConversationSession.status == SessionStatus.OPEN,
                ConversationSession.phone.in_(phones),
            )
        else:
            since = self.now - DUPLICATE_WINDOW
            query = sent_lately(
                self.distribution.organization_id, self.template_hash or "", phones, since
            )
        return set(await self.session.scalars(query))

    def _why_skipped(self, contact: Addressee, busy: set[str]) -> tuple[str, str] | None:
        if contact.opted_out:
            return "Skipped (opt-out)", "the contact opted out of SMS"
        if not contact.phone:
            return "Skipped", "no phone number"
        if contact.phone_type == "fixed_line":
            return "Skipped", f"{contact.phone} is a fixed line, which cannot take SMS"
        if contact.phone in busy:
            if self.method is Method.INTERACTIVE:
                return "Skipped", f"{contact.phone} already has an open 2-way survey session"
            return "Duplicated", "the same message went to this number in the last 24 hours"
        return None

    def _route(self, contact: Addressee) -> Route:
        return Route(
            organization_id=self.distribution.organization_id,
            provider=self.distribution.provider,
            sender=self.distribution.sender,
            to=contact.phone or "",
            region=contact.phone_region,
        )

    def _text(self, contact: Addressee, recipient_id: int) -> dict[str, Any]:
        values = candidate_values(contact)
        context = piping.PipeContext(
            survey_url=survey_url(self.runtime, recipient_id) if self.pipes_survey_url else None,
            opt_out_url=opt_out_url(self.runtime, recipient_id) if self.pipes_opt_out_url else None,
            first_name=contact.first_name,
            last_name=contact.last_name,
            email=contact.email,
            embedded=values["embedded_data"],
        )
        body = piping.render(self.distribution.message_text or "", context)
        return text_row(
            self._route(contact),
            body,
            kind=KINDS[self.method],
            rates=self.runtime.rates,
            now=self.now,
            due=self._due(contact),
            priority=BULK,
            distribution_id=self.distribution.id,
            recipient_id=recipient_id,
            template_hash=self.template_hash,
        )

    def _due(self, contact: Addressee) -> datetime:
        """Now, or when the quiet hours next allow in the recipient's zone."""
        return window_due(self.runtime, self.window, contact.time_zone, contact.phone, self.now)


async def schedule_next_occurrence(session: AsyncSession, distribution: Distribution) -> None:
    """For a recurring distribution that just started: schedule its next occurrence."""
    if distribution.recurrence is None:
        return
    following = next_after(Recurrence.from_json(distribution.recurrence), distribution.send_at)
    if following is None:
        return
    copy = {
        column.key: getattr(distribution, column.key)
        for column in Distribution.__table__.columns
        if column.key
        not in ("id", "status", "started_at", "planned_at", "plan_cursor", "failure", "send_at")
    }
    session.add(
        Distribution(**copy, id=new_id("SMSD"), status=Lifecycle.SCHEDULED, send_at=following)
    )
