"""Creating, editing, cancelling and starting distributions.

A distribution is created ``Scheduled``; the scheduler starts it when due (a
compare-and-set, so many processes can run it) and planning
(:mod:`smsurvey.distributions.planning`) turns it into texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts.service import get_contact, get_mailing_list
from smsurvey.distributions.conditions import Conditions
from smsurvey.distributions.quiet_hours import SendingWindow
from smsurvey.distributions.recurrence import Recurrence
from smsurvey.kit.errors import Conflict, InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization
from smsurvey.models.contacts import Directory, TransactionBatch
from smsurvey.models.distributions import Distribution, LibraryMessage
from smsurvey.providers.connections import get_connection, list_connections
from smsurvey.runtime import Runtime
from smsurvey.sms import piping
from smsurvey.sms.sender_ids import SenderKind, sender_kind
from smsurvey.surveys.compatibility import check_sms_compatibility
from smsurvey.surveys.service import definition_of, get_survey


class Method(StrEnum):
    """How a distribution reaches people."""

    INVITE = "Invite"
    INTERACTIVE = "Interactive"
    REMINDER = "Reminder"
    THANK_YOU = "ThankYou"

    @classmethod
    def parse(cls, value: str) -> Method:
        """A method from any letter case (``thankyou``, ``Thankyou``…)."""
        for method in cls:
            if method.value.lower() == value.strip().lower():
                return method
        raise InvalidInput(
            f"method {value!r}: use one of " + ", ".join(method.value for method in cls)
        )


class Lifecycle(StrEnum):
    """The stored stages of a distribution."""

    SCHEDULED = "Scheduled"
    IN_PROGRESS = "In progress"
    PLANNED = "Planned"
    CANCELLED = "Cancelled"
    FAILED = "Failed"


FOLLOW_UPS = frozenset({Method.REMINDER, Method.THANK_YOU})


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who a distribution goes to: exactly one of these (none for reminders and thank-yous,
    which go to their parent's: naming the parent's own is accepted)."""

    mailing_list_id: str | None = None
    contact_id: str | None = None
    sample_id: str | None = None
    transaction_batch_id: str | None = None

    def given(self) -> dict[str, str]:
        """The fields that are set."""
        return {name: getattr(self, name) for name in _RECIPIENT_FIELDS if getattr(self, name)}

    def describe(self) -> str:
        """The fields that are set, in the API's names (``mailingListId CG_…``)."""
        return ", ".join(
            f"{_RECIPIENT_FIELDS[name]} {value}" for name, value in self.given().items()
        )


_RECIPIENT_FIELDS = {
    "mailing_list_id": "mailingListId",
    "contact_id": "contactId",
    "sample_id": "sampleId",
    "transaction_batch_id": "transactionBatchId",
}


@dataclass(frozen=True, slots=True)
class DistributionRequest:
    """What to send, to whom, from which sender, when."""

    survey_id: str
    method: Method
    recipients: Recipients = field(default_factory=Recipients)
    parent_distribution_id: str | None = None
    message_text: str | None = None
    library_message_id: str | None = None
    sender: str | None = None
    connection_id: str | None = None
    """The provider connection (``OC_…``) to send through; the first one when omitted."""
    send_at: datetime | None = None
    name: str | None = None
    owner_user_id: str | None = None
    """The user making it (``UR_…``), shown as its owner."""
    conditions: dict[str, Any] | None = None
    quiet_hours: dict[str, Any] | None = None
    recurrence: dict[str, Any] | None = None


async def create_distribution(
    session: AsyncSession,
    runtime: Runtime,
    organization: Organization,
    request: DistributionRequest,
) -> Distribution:
    """Schedule a distribution (now when ``send_at`` is omitted), refusing it with the reason
    before anything is sent when any rule is broken."""
    distribution = await new_distribution(session, runtime, organization, request)
    session.add(distribution)
    await session.flush()
    return distribution


async def new_distribution(
    session: AsyncSession,
    runtime: Runtime,
    organization: Organization,
    request: DistributionRequest,
) -> Distribution:
    """The distribution :func:`create_distribution` would schedule, checked the same way but
    not stored: what a preview before confirming shows."""
    survey = await get_survey(session, organization, request.survey_id)
    text = await _message_text(session, organization, request)
    links_survey = text is not None and bool(
        {piping.SURVEY_URL, piping.SURVEY_LINK} & piping.fields_used(text)
    )
    if request.method is Method.INTERACTIVE or links_survey:
        # The survey page asks the same three kinds of question as 2-way SMS.
        report = check_sms_compatibility(definition_of(survey))
        if not report.compatible:
            channel = "2-way SMS" if request.method is Method.INTERACTIVE else "the survey page"
            raise InvalidInput(
                f"survey {survey.id} cannot be taken by {channel}: {report.errors[0].message}"
            )
    # An organisation sends through the connection asked for, or its first provider
    # connection, else the simulator.
    connections = await list_connections(session, organization.id)
    if request.connection_id is not None:
        connections = [await get_connection(session, organization.id, request.connection_id)]
    if not connections and not runtime.settings.simulator_enabled:
        raise InvalidInput(
            f"{organization.id} has no provider connection and the simulator is off"
            " (SMSURVEY_SIMULATOR): add one with `smsurvey providers add`"
        )
    provider = connections[0].id if connections else runtime.simulator.name
    default_sender = connections[0].sender if connections else runtime.settings.sender
    sender = request.sender or default_sender or runtime.settings.simulator_number
    kind = _sender_kind(sender)
    parent = await _parent(session, organization, request)
    await _check_recipients(session, organization, request, parent)
    if request.method is Method.INTERACTIVE and kind is SenderKind.ALPHANUMERIC:
        raise InvalidInput(
            f"sender {sender!r} is an alphanumeric id, which cannot receive replies:"
            " a 2-way survey needs a phone number or short code"
        )
    if (
        text is not None
        and kind is SenderKind.ALPHANUMERIC
        and piping.OPT_OUT_URL not in piping.fields_used(text)
    ):
        raise InvalidInput(
            "texts from an alphanumeric sender cannot be answered with STOP: put"
            " ${l://OptOutURL} in the message so people can opt out"
        )
    _check_rules(request)
    now = runtime.clock.now()
    return Distribution(
        id=new_id("SMSD"),
        organization_id=organization.id,
        survey_id=survey.id,
        owner_user_id=request.owner_user_id,
        method=request.method.value,
        name=request.name or f"{survey.name} — {request.method.value}",
        provider=provider,
        sender=sender,
        # A follow-up goes to its parent's recipients: it keeps none of its own.
        **({} if request.method in FOLLOW_UPS else request.recipients.given()),
        parent_distribution_id=parent.id if parent else None,
        library_message_id=request.library_message_id,
        message_text=text,
        conditions=request.conditions,
        quiet_hours=request.quiet_hours,
        recurrence=request.recurrence,
        status=Lifecycle.SCHEDULED,
        send_at=request.send_at or now,
        created_at=now,
    )


async def create_once(
    session: AsyncSession,
    runtime: Runtime,
    organization: Organization,
    request: DistributionRequest,
    distribution_id: str,
) -> tuple[Distribution, bool]:
    """Schedule the distribution under ``distribution_id`` (chosen when it was offered for
    confirmation) unless it exists already: a confirmation sent twice schedules it once.
    Returns it and whether it was scheduled now.

    The organisation's row is written first, so a second confirmation of the same
    distribution waits for the first one's transaction (a write lock on SQLite, a row lock
    on PostgreSQL) and then finds what it stored.
    """
    await session.execute(
        update(Organization)
        .where(Organization.id == organization.id)
        .values(name=Organization.name)
    )
    existing = await session.get(Distribution, distribution_id)
    if existing is not None:
        if existing.organization_id != organization.id:
            raise NotFound(f"no distribution {distribution_id}")
        return existing, False
    distribution = await new_distribution(session, runtime, organization, request)
    distribution.id = distribution_id
    session.add(distribution)
    await session.flush()
    return distribution, True


def _sender_kind(sender: str) -> SenderKind:
    try:
        return sender_kind(sender)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


async def _parent(
    session: AsyncSession, organization: Organization, request: DistributionRequest
) -> Distribution | None:
    if request.parent_distribution_id is None:
        return None
    if request.method not in FOLLOW_UPS:
        raise InvalidInput("only reminders and thank-yous have a parent distribution")
    parent = await get_distribution(session, organization, request.parent_distribution_id)
    if parent.survey_id != request.survey_id:
        raise InvalidInput(f"{parent.id} is a distribution of another survey")
    if parent.method not in (Method.INVITE, Method.INTERACTIVE):
        raise InvalidInput(f"{parent.id} is a {parent.method}: follow up an invitation")
    return parent


async def _check_recipients(
    session: AsyncSession,
    organization: Organization,
    request: DistributionRequest,
    parent: Distribution | None,
) -> None:
    if request.method in FOLLOW_UPS:
        _check_follow_up_recipients(request, parent)
        return
    if len(request.recipients.given()) != 1:
        raise InvalidInput(
            "give exactly one of a mailing list, a contact, a sample or a transaction batch"
        )
    recipients = request.recipients
    if recipients.mailing_list_id:
        found = await get_mailing_list(session, organization, recipients.mailing_list_id)
        if found.sample_of is not None:
            raise InvalidInput(f"{found.id} is a sample: give it as the sample")
    elif recipients.sample_id:
        sample = await get_mailing_list(session, organization, recipients.sample_id)
        if sample.sample_of is None:
            raise InvalidInput(f"{sample.id} is a mailing list, not a sample")
    elif recipients.contact_id:
        await get_contact(session, organization, recipients.contact_id)
    else:
        batch = await session.scalar(
            select(TransactionBatch)
            .join(Directory, Directory.id == TransactionBatch.directory_id)
            .where(
                TransactionBatch.id == recipients.transaction_batch_id,
                Directory.organization_id == organization.id,
            )
        )
        if batch is None:
            raise NotFound(f"no transaction batch {recipients.transaction_batch_id}")


def _check_follow_up_recipients(request: DistributionRequest, parent: Distribution | None) -> None:
    """A follow-up goes to its parent's recipients (those who have not finished the survey
    for a reminder, those who have for a thank-you): recipients may be named only when they
    are the parent's own, as clients that send the invitation's mailing list again do."""
    given = request.recipients.given()
    if not given:
        return
    what = request.method.value
    if parent is None:
        raise InvalidInput(
            f"recipients: a {what} without a parentDistributionId follows every invitation of"
            " the survey; give the invitation it follows as parentDistributionId, or no recipients"
        )
    theirs = Recipients(
        parent.mailing_list_id, parent.contact_id, parent.sample_id, parent.transaction_batch_id
    )
    if not given.items() <= theirs.given().items():
        raise InvalidInput(
            f"recipients: a {what} goes to the recipients of {parent.id}"
            f" ({theirs.describe() or 'its own'}), not to {request.recipients.describe()}:"
            " leave recipients out, or name the parent's"
        )


async def _message_text(
    session: AsyncSession, organization: Organization, request: DistributionRequest
) -> str | None:
    """The message (cleaned of pasted formatting), checked for unknown piped fields."""
    if request.method is Method.INTERACTIVE:
        if request.message_text or request.library_message_id:
            raise InvalidInput("a 2-way distribution sends the survey's questions: no message")
        return None
    if (request.message_text is None) == (request.library_message_id is None):
        raise InvalidInput("give exactly one of a message text or a library message")
    text = request.message_text
    if request.library_message_id:
        message = await session.get(LibraryMessage, request.library_message_id)
        if message is None or message.organization_id != organization.id:
            raise NotFound(f"no library message {request.library_message_id}")
        text = message.text
    text = piping.clean_message(text or "")
    if not text:
        raise InvalidInput("the message is empty")
    problems = piping.validate(text)
    if problems:
        raise InvalidInput("the message has " + "; ".join(problems))
    return text


def _check_rules(request: DistributionRequest) -> None:
    """Limiting conditions, quiet hours and recurrence must be well formed."""
    for value, parse, what in (
        (request.conditions, Conditions.from_json, "conditions"),
        (request.quiet_hours, SendingWindow.from_json, "quiet hours"),
        (request.recurrence, Recurrence.from_json, "recurrence"),
    ):
        if value is not None:
            try:
                parse(value)
            except (ValueError, KeyError, TypeError) as error:
                raise InvalidInput(f"{what}: {error}") from None


async def get_distribution(
    session: AsyncSession, organization: Organization, distribution_id: str
) -> Distribution:
    """The organisation's distribution ``distribution_id``, or :class:`NotFound`."""
    distribution = await session.get(Distribution, distribution_id)
    if distribution is None or distribution.organization_id != organization.id:
        raise NotFound(f"no distribution {distribution_id}")
    return distribution


async def list_distributions(
    session: AsyncSession, organization: Organization, survey_id: str | None = None
) -> list[Distribution]:
    """The organisation's distributions (of one survey when given), newest first."""
    rows = await session.scalars(
        select(Distribution)
        .where(
            Distribution.organization_id == organization.id,
            *([Distribution.survey_id == survey_id] if survey_id else []),
        )
        .order_by(Distribution.created_at.desc(), Distribution.id.desc())
    )
    return list(rows)


async def cancel(
    session: AsyncSession, organization: Organization, distribution_ids: Sequence[str]
) -> list[str]:
    """Cancel distributions that have not started; returns those cancelled.

    Refuses (and cancels none) if one of them is unknown or already started.
    """
    for distribution_id in distribution_ids:
        distribution = await get_distribution(session, organization, distribution_id)
        if distribution.status != Lifecycle.SCHEDULED:
            raise Conflict(f"{distribution.id} is {distribution.status}: it cannot be cancelled")
    result = await session.execute(
        update(Distribution)
        .where(Distribution.id.in_(distribution_ids), Distribution.status == Lifecycle.SCHEDULED)
        .values(status=Lifecycle.CANCELLED)
        .returning(Distribution.id)
    )
    return list(result.scalars())


async def reschedule(
    session: AsyncSession,
    organization: Organization,
    distribution_ids: Sequence[str],
    *,
    send_at: datetime | None = None,
    message_text: str | None = None,
) -> None:
    """Change the send date or message of distributions that have not started."""
    for distribution_id in distribution_ids:
        distribution = await get_distribution(session, organization, distribution_id)
        if distribution.status != Lifecycle.SCHEDULED:
            raise Conflict(f"{distribution.id} is {distribution.status}: it cannot be edited")
        if send_at is not None:
            distribution.send_at = send_at
        if message_text is not None:
            if distribution.message_text is None:
                raise InvalidInput(f"{distribution.id} sends the survey's questions: no message")
            text = piping.clean_message(message_text)
            if problems := piping.validate(text):
                raise InvalidInput("the message has " + "; ".join(problems))
            distribution.message_text = text
    await session.flush()


async def start_due(session: AsyncSession, now: datetime) -> list[str]:
    """Move due distributions to ``In progress``; returns their ids.

    A compare-and-set, so many processes can run the scheduler: each distribution is
    started by exactly one.
    """
    rows = await session.execute(
        update(Distribution)
        .where(Distribution.status == Lifecycle.SCHEDULED, Distribution.send_at <= now)
        .values(status=Lifecycle.IN_PROGRESS, started_at=now)
        .returning(Distribution.id)
    )
    return list(rows.scalars())


async def fail_distribution(session: AsyncSession, distribution_id: str, reason: str) -> None:
    """Mark a distribution Failed, saying why."""
    await session.execute(
        update(Distribution)
        .where(Distribution.id == distribution_id)
        .values(status=Lifecycle.FAILED, failure=reason[:500])
    )


async def in_progress(session: AsyncSession) -> list[str]:
    """Distributions being planned."""
    rows = await session.scalars(
        select(Distribution.id).where(Distribution.status == Lifecycle.IN_PROGRESS)
    )
    return list(rows)
