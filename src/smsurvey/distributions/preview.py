"""What a distribution will send, before it does: a sample text, how many texts, parts and
credits it takes and how long at the sender's pace (counting only the recipients its limiting
conditions keep), and warnings — its survey takes no answers (paused: the texts would wait;
closed or expired: nothing would be sent), an invitation without a survey link, a send date
in the past, nobody to text. Also the test of a distribution: its text, or for a 2-way survey
a real test conversation, sent to one number."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.conditions import Conditions, matches
from smsurvey.distributions.conditions import describe as describe_conditions
from smsurvey.distributions.holds import survey_warning
from smsurvey.distributions.links import opt_out_url, survey_url
from smsurvey.distributions.planning import (
    TYPICAL_RECIPIENT,
    Addressee,
    addressees,
    candidate_query,
    candidate_values,
    credits_for,
    sample_parts,
)
from smsurvey.distributions.quiet_hours import SendingWindow, next_allowed, recipient_zone
from smsurvey.distributions.service import Method
from smsurvey.kit.errors import InvalidInput
from smsurvey.messaging.outbox import BULK, CONVERSATION, Route, is_connection, queue_text
from smsurvey.messaging.pacing import SenderPaces
from smsurvey.messaging.sessions import open_session, open_session_for
from smsurvey.models.distributions import Distribution
from smsurvey.models.messaging import MessageKind
from smsurvey.models.surveys import Survey
from smsurvey.runtime import Runtime
from smsurvey.sms import piping
from smsurvey.sms.credits import message_cost
from smsurvey.sms.encoding import prepare
from smsurvey.sms.phones import check_phone
from smsurvey.surveys import conversation
from smsurvey.surveys.availability import describe, unavailable
from smsurvey.surveys.service import definition_of

SURVEY_LINK_SHOWN = "<survey link>"
"""How the preview shows a recipient's personal survey link: an example, not a link."""
OPT_OUT_LINK_SHOWN = "<opt-out link>"
"""How the preview shows a recipient's personal opt-out link."""


@dataclass(frozen=True, slots=True)
class Preview:
    """A distribution's sample text and what the whole will take."""

    sample_recipient: str | None
    text: str
    """The sample as its recipient would read it, personal links shown as
    :data:`SURVEY_LINK_SHOWN` and :data:`OPT_OUT_LINK_SHOWN` (each recipient gets their own)."""
    encoding: str
    parts: int
    """Parts of the sample, its links at full length."""
    credits_each: Decimal
    recipients: int
    """Recipients the limiting conditions keep (opted-out ones and those without a mobile
    number included)."""
    conditions: str | None
    """The limiting conditions as a person reads them (``first name is Ann``), if any."""
    texts: int
    """Of those, the ones a text goes to; for a 2-way survey, the first questions."""
    total_parts: int
    total_credits: Decimal
    duration: timedelta
    """How long sending takes at the sender's pace."""
    waiting: int
    """Texts the quiet hours hold back when sending starts (the send date, or now if it is past)."""
    warnings: tuple[str, ...] = ()
    """What would make the distribution not do what its author expects."""
    personal_links: bool = False
    """Whether the text carries personal links (shown as placeholders in :attr:`text`)."""
    conversation: bool = False
    """A 2-way survey: the texts are first questions, each answer brings the next."""


@dataclass(frozen=True, slots=True)
class _Sample:
    contact: Addressee
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Addressed:
    """Whom a distribution reaches: the recipients its conditions keep, the texts by phone
    region, the first one's contact, and how many the quiet hours hold back."""

    recipients: int
    texts: Counter[str | None]
    sample: _Sample | None
    waiting: int


async def _addressed(
    session: AsyncSession, runtime: Runtime, distribution: Distribution
) -> _Addressed:
    conditions = Conditions.from_json(distribution.conditions) if distribution.conditions else None
    window = SendingWindow.from_json(distribution.quiet_hours) if distribution.quiet_hours else None
    sample: _Sample | None = None
    recipients, waiting = 0, 0
    texts: Counter[str | None] = Counter()
    start = max(distribution.send_at, runtime.clock.now())  # a past send date sends now
    for contact in await addressees(session, candidate_query(distribution)):
        values = candidate_values(contact)
        if conditions is not None and not matches(conditions, values):
            continue
        recipients += 1
        if contact.opted_out or not contact.phone or contact.phone_type == "fixed_line":
            continue
        texts[contact.phone_region] += 1
        if sample is None:
            sample = _Sample(contact, values)
        if window is not None:
            zone = recipient_zone(
                contact.time_zone,
                check_phone(contact.phone).time_zones,
                at=start,
                default=runtime.settings.default_time_zone,
            )
            waiting += next_allowed(window, start, zone) > start
    return _Addressed(recipients, texts, sample, waiting)


async def preview(session: AsyncSession, runtime: Runtime, distribution: Distribution) -> Preview:
    """Render the text for the first recipient who would receive it, count the texts the
    recipients the conditions keep would get, and warn (see the module docstring).

    ``distribution`` need not be stored
    (:func:`~smsurvey.distributions.service.new_distribution`).
    """
    addressed = await _addressed(session, runtime, distribution)
    sample, texts = addressed.sample, addressed.texts.total()
    survey = await _survey(session, distribution)
    body, measured = prepare(_sample_text(runtime, distribution, survey, sample))
    shown = _sample_text(runtime, distribution, survey, sample, example_links=True)
    parts = max(measured.parts, 1)
    typical = parts if distribution.message_text is None else sample_parts(runtime, distribution)
    pace = await SenderPaces(runtime.sessions).pace(
        distribution.organization_id, distribution.sender
    )
    region = sample.contact.phone_region if sample else None
    cost = message_cost(
        parts, region or "", runtime.rates, own_provider=is_connection(distribution.provider)
    )
    return Preview(
        sample_recipient=_name(sample.contact) if sample else None,
        text=prepare(shown)[0],
        encoding=measured.encoding.value,
        parts=measured.parts,
        credits_each=cost.credits,
        recipients=addressed.recipients,
        conditions=describe_conditions(Conditions.from_json(distribution.conditions))
        if distribution.conditions
        else None,
        texts=texts,
        total_parts=texts * typical,
        total_credits=credits_for(runtime, distribution, addressed.texts, typical),
        duration=timedelta(seconds=float(texts * typical / pace)),
        waiting=addressed.waiting,
        warnings=_warnings(runtime, distribution, survey, texts),
        personal_links=shown != body,
        conversation=distribution.message_text is None,
    )


async def _survey(session: AsyncSession, distribution: Distribution) -> Survey:
    survey = await session.get(Survey, distribution.survey_id)
    assert survey is not None  # a survey's distributions go with it
    return survey


def _warnings(
    runtime: Runtime, distribution: Distribution, survey: Survey, texts: int
) -> tuple[str, ...]:
    found = []
    if texts == 0:
        found.append(
            "nobody would get a text: no recipient with a mobile number who has not opted out"
        )
    if distribution.method in (Method.INVITE, Method.REMINDER) and not (
        {piping.SURVEY_URL, piping.SURVEY_LINK}
        & piping.fields_used(distribution.message_text or "")
    ):
        found.append("the message has no ${l://SurveyURL}: recipients get no link to the survey")
    if distribution.send_at < distribution.created_at:
        found.append(
            f"the send date {distribution.send_at:%Y-%m-%d %H:%M} UTC is in the past:"
            " the texts go out at once"
        )
    if said := survey_warning(survey, runtime.clock.now(), distribution.send_at):
        found.append(said)
    return tuple(found)


def spoken_duration(duration: timedelta) -> str:
    """A duration as a person says it: ``about 4 s``, ``about 3 min``, ``about 2 h 10 min``."""
    seconds = duration.total_seconds()
    if seconds < 0.5:
        return "under 1 s"
    if seconds < 59.5:
        return f"about {round(seconds)} s"
    minutes = max(round(seconds / 60), 1)
    if minutes < 60:
        return f"about {minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h" + (f" {minutes} min" if minutes else "")


def _name(contact: Addressee) -> str:
    return " ".join(filter(None, (contact.first_name, contact.last_name))) or contact.phone or "?"


def _sample_text(
    runtime: Runtime,
    distribution: Distribution,
    survey: Survey,
    sample: _Sample | None,
    *,
    example_links: bool = False,
) -> str:
    """The sample's text: the message piped for ``sample`` (links at full length, or shown as
    examples), or for a 2-way survey its first question."""
    embedded = sample.values["embedded_data"] if sample else {}
    if distribution.message_text is None:
        return conversation.start(definition_of(survey), embedded).text
    contact = sample.contact if sample else None
    context = piping.PipeContext(
        survey_url=SURVEY_LINK_SHOWN if example_links else survey_url(runtime, TYPICAL_RECIPIENT),
        opt_out_url=OPT_OUT_LINK_SHOWN
        if example_links
        else opt_out_url(runtime, TYPICAL_RECIPIENT),
        first_name=contact.first_name if contact else None,
        last_name=contact.last_name if contact else None,
        email=contact.email if contact else None,
        embedded=embedded,
    )
    return piping.render(distribution.message_text, context)


async def send_test(
    session: AsyncSession, runtime: Runtime, distribution: Distribution, to: str
) -> bool:
    """Send the distribution to the test number ``to`` now, counted in none of its figures.

    A 2-way survey starts a real test conversation with ``to``: its first question, then the
    rest by reply, the response recorded as a test (channel ``test``). Any other distribution
    sends its sample text (its links are samples: they open nothing). Returns whether a
    conversation started.
    """
    checked = check_phone(to, runtime.settings.default_region, time_zones=False)
    if checked.e164 is None:
        raise InvalidInput(f"test number {to!r}: {checked.reason}")
    route = Route(
        distribution.organization_id,
        distribution.provider,
        distribution.sender,
        checked.e164,
        checked.region,
    )
    survey = await _survey(session, distribution)
    if distribution.method == Method.INTERACTIVE:
        await _start_test_conversation(session, runtime, survey, route)
        return True
    sample = (await _addressed(session, runtime, distribution)).sample
    text = prepare(_sample_text(runtime, distribution, survey, sample))[0]
    now = runtime.clock.now()
    session.add(
        queue_text(route, text, kind=MessageKind.TEST, rates=runtime.rates, now=now, priority=BULK)
    )
    return False


async def _start_test_conversation(
    session: AsyncSession, runtime: Runtime, survey: Survey, route: Route
) -> None:
    """A 2-way session with the tester, tied to no distribution or contact."""
    now = runtime.clock.now()
    if (reason := unavailable(survey, now)) is not None:
        raise InvalidInput(f"{describe(survey, reason, now)}: it cannot be tested by text")
    if await open_session_for(session, route.organization_id, route.to) is not None:
        raise InvalidInput(
            f"{route.to} is taking a 2-way survey already: finish that conversation first"
        )
    await open_session(
        session,
        runtime,
        survey=survey,
        definition=definition_of(survey),
        route=route,
        priority=CONVERSATION,
        test=True,
    )
