"""What the admin shows of a distribution before it is scheduled: the preview
(:mod:`smsurvey.distributions.preview`: recipients after the limiting conditions, texts,
parts, credits, time, warnings) with the message's encoding as typed (the characters that
force UCS-2, and the smart-encoding fix when there is one)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.preview import Preview, preview
from smsurvey.models.distributions import Distribution
from smsurvey.runtime import Runtime
from smsurvey.sms.encoding import Encoding, Replacement, measure, smart_encode, smart_report


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
    sample: tuple[tuple[str, bool], ...]
    """The sample text as sent, in runs marked like :attr:`Typed.marked`."""
    typed: Typed | None
    """None for a 2-way distribution (it sends the survey's questions)."""

    @property
    def kept(self) -> int:
        """Recipients the limiting conditions keep."""
        return self.preview.recipients

    @property
    def warnings(self) -> tuple[str, ...]:
        """What would make the distribution not do what its author expects."""
        return self.preview.warnings


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
    session: AsyncSession, runtime: Runtime, draft: Distribution
) -> DraftPreview:
    """Preview ``draft`` (stored or not)."""
    shown = await preview(session, runtime, draft)
    sent = measure(shown.text)
    return DraftPreview(
        preview=shown,
        sample=marked(shown.text, sent.offending if sent.encoding is Encoding.UCS2 else ()),
        typed=typed(draft.message_text) if draft.message_text is not None else None,
    )
