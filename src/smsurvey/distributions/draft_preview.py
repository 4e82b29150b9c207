"""What the admin shows of a distribution before it is scheduled: the preview
(:mod:`smsurvey.distributions.preview`) with the message's encoding as typed (the
characters that force UCS-2, and the smart-encoding fix when there is one), the recipients
its limiting conditions keep, and warnings; and its test text.

A 2-way distribution is previewed and tested with a stand-in message, its survey's first
question: the preview service shows a placeholder for it, and its test sends that text
(a test conversation the tester can answer is not in the preview service yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.conditions import Conditions, matches
from smsurvey.distributions.planning import addressees, candidate_query, candidate_values
from smsurvey.distributions.preview import Preview, preview, send_test
from smsurvey.distributions.service import Method
from smsurvey.models.distributions import Distribution
from smsurvey.models.surveys import Survey
from smsurvey.runtime import Runtime
from smsurvey.sms import piping
from smsurvey.sms.encoding import Encoding, Replacement, measure, smart_encode, smart_report
from smsurvey.surveys import conversation
from smsurvey.surveys.service import definition_of

PAST_TOLERANCE = timedelta(minutes=1)
"""A send date this far before now is "now" (the form took a moment to fill in)."""


@dataclass(frozen=True, slots=True)
class Typed:
    """The message as typed: its encoding, the characters that force UCS-2, and the fix."""

    encoding: str
    parts: int
    characters: tuple[str, ...]
    marked: tuple[tuple[str, bool], ...]
    """The message in runs, each run marked when it is of the characters that force UCS-2."""
    fixed: str | None
    """The message smart-encoded, when that makes it GSM-7 in no more parts."""
    fixed_parts: int
    replacements: tuple[Replacement, ...]
    remaining: tuple[str, ...]
    """Characters that force UCS-2 and have no GSM-7 replacement."""


@dataclass(frozen=True, slots=True)
class DraftPreview:
    """A draft's preview as the admin shows it."""

    preview: Preview
    kept: int
    """Recipients the limiting conditions keep (all of them without conditions)."""
    sample: tuple[tuple[str, bool], ...]
    """The sample text as sent, in runs marked like :attr:`Typed.marked`."""
    typed: Typed | None
    """None for a 2-way distribution (it sends the survey's questions)."""
    warnings: tuple[str, ...]


def marked(text: str, characters: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """``text`` in runs of characters in ``characters`` or not, each run with which it is."""
    runs: list[tuple[str, bool]] = []
    chosen = frozenset(characters)
    for char in text:
        flag = char in chosen
        if runs and runs[-1][1] == flag:
            runs[-1] = (runs[-1][0] + char, flag)
        else:
            runs.append((char, flag))
    return tuple(runs)


def typed(message: str) -> Typed:
    """What the encoding rules make of ``message`` as typed."""
    report = smart_report(message)
    fixed = smart_encode(message)
    return Typed(
        encoding=report.original.encoding.value,
        parts=report.original.parts,
        characters=report.original.offending,
        marked=marked(message, report.original.offending),
        fixed=fixed if fixed != message else None,
        fixed_parts=measure(fixed).parts,
        replacements=report.replacements,
        remaining=report.remaining,
    )


async def draft_preview(
    session: AsyncSession, runtime: Runtime, draft: Distribution, survey: Survey
) -> DraftPreview:
    """Preview ``draft`` (of ``survey``; stored or not)."""
    stand_in = _stand_in(draft, survey)
    shown = await preview(session, runtime, stand_in)
    sent = measure(shown.text)
    return DraftPreview(
        preview=shown,
        kept=await _kept(session, stand_in, shown.recipients),
        sample=marked(shown.text, sent.offending if sent.encoding is Encoding.UCS2 else ()),
        typed=typed(draft.message_text) if draft.message_text is not None else None,
        warnings=_warnings(runtime, draft, shown),
    )


async def send_draft_test(
    session: AsyncSession, runtime: Runtime, draft: Distribution, survey: Survey, to: str
) -> None:
    """Send ``draft``'s sample text (for a 2-way survey, its first question) to ``to`` now."""
    await send_test(session, runtime, _stand_in(draft, survey), to)


def _stand_in(draft: Distribution, survey: Survey) -> Distribution:
    """``draft``, or for a 2-way survey a copy whose message is the first question."""
    if draft.message_text is not None:
        return draft
    columns = {column.key: getattr(draft, column.key) for column in Distribution.__mapper__.columns}
    first = conversation.start(definition_of(survey)).text
    return Distribution(**columns | {"message_text": first})


async def _kept(session: AsyncSession, draft: Distribution, addressed: int) -> int:
    if not draft.conditions:
        return addressed
    conditions = Conditions.from_json(draft.conditions)
    found = await addressees(session, candidate_query(draft))
    return sum(1 for one in found if matches(conditions, candidate_values(one)))


def _warnings(runtime: Runtime, draft: Distribution, shown: Preview) -> tuple[str, ...]:
    found = []
    if draft.method in (Method.INVITE, Method.REMINDER) and not (
        {piping.SURVEY_URL, piping.SURVEY_LINK} & piping.fields_used(draft.message_text or "")
    ):
        found.append("the message has no ${l://SurveyURL}: recipients get no link to the survey")
    now: datetime = runtime.clock.now()
    if draft.send_at < now - PAST_TOLERANCE:
        found.append(
            f"the send date {draft.send_at:%Y-%m-%d %H:%M} UTC is in the past:"
            " the texts go out at once"
        )
    if shown.warning:
        found.append(shown.warning)
    if shown.recipients == 0:
        found.append("nobody would get a text: the recipients are empty")
    return tuple(found)
