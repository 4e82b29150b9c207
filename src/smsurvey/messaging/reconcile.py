"""Reconciling texts whose hand-over is uncertain, by asking their provider.

A text is ``unknown`` when its request may have reached the provider (the connection
dropped or timed out after the request was written, or its worker died mid-request). Once
its request is long enough past (``next_attempt_at``), the provider is asked
(:meth:`~smsurvey.providers.base.Provider.lookup`):

* it has the text: ``sent``, with the provider's id (credits debited then);
* it says it does not: ``queued`` again, and the next worker sends it, once;
* it cannot tell: ``undecided``, for a person (:mod:`smsurvey.messaging.decisions`);
* it could not be asked: asked again after :data:`ASK_AGAIN`.

Never is an uncertain text sent again before its provider said it does not have it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.kit.claims import due_ids
from smsurvey.kit.clock import Clock
from smsurvey.kit.http import TIMEOUT
from smsurvey.messaging.outcomes import COLUMNS, OutboxText, append_history, settle_sent
from smsurvey.models.messaging import Message, SendState
from smsurvey.providers.base import Lookup, Provider, ProviderError, SentText
from smsurvey.providers.directory import ProviderDirectory
from smsurvey.providers.registry import kind_named

log = logging.getLogger(__name__)

ASK_AGAIN = timedelta(minutes=1)
"""When a provider could not be asked, the wait before asking again."""
BATCH = 200
ASKING_AT_ONCE = 10


@dataclass(frozen=True, slots=True)
class _Answer:
    text: OutboxText
    provider: str
    lookup: Lookup | None
    """``None`` when the provider could not be asked."""


def provider_title(provider: Provider | None, name: str) -> str:
    """How people know the provider: ``Twilio`` (or the text's provider name)."""
    kind = kind_named(provider.name) if provider is not None else None
    return kind.title if kind is not None else (provider.name if provider else name)


async def reconcile_due(
    sessions: async_sessionmaker[AsyncSession], providers: ProviderDirectory, clock: Clock
) -> int:
    """Ask the providers about the uncertain texts now due (a batch); returns how many."""
    now = clock.now()
    texts = await _take_due(sessions, now)
    if not texts:
        return 0
    asking = asyncio.Semaphore(ASKING_AT_ONCE)

    async def ask(text: OutboxText) -> _Answer:
        provider = await providers.get(text.provider)
        title = provider_title(provider, text.provider)
        if provider is None:
            return _Answer(text, title, Lookup(conclusive=False, note="its connection is deleted"))
        requested_at = text.requested_at or now - timedelta(days=1)
        sent = SentText(text.outbound(), requested_at, requested_at + _request_time())
        async with asking:
            try:
                return _Answer(text, title, await provider.lookup(sent))
            except ProviderError as error:
                log.warning(
                    "provider could not be asked about a text",
                    extra={"message_id": text.id, "error": str(error)},
                )
                return _Answer(text, title, None)

    answers = await asyncio.gather(*(ask(text) for text in texts))
    async with sessions() as session, session.begin():
        for answer in sorted(answers, key=lambda item: item.text.id):
            await _apply(session, answer, now)
    return len(texts)


def _request_time() -> timedelta:
    """The longest a request of ours lasts (its total timeout)."""
    return timedelta(seconds=TIMEOUT.total or 60)


async def _take_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[OutboxText]:
    """The due unknown texts, put off by :data:`ASK_AGAIN` in the same statement (so two
    workers do not ask about the same text at once)."""
    due = (
        select(Message.id)
        .where(Message.send_state == SendState.UNKNOWN, Message.next_attempt_at <= now)
        .order_by(Message.id)
        .limit(BATCH)
    )
    async with sessions() as session, session.begin():
        rows = await session.execute(
            update(Message)
            .where(Message.id.in_(due_ids(due)), Message.send_state == SendState.UNKNOWN)
            .values(next_attempt_at=now + ASK_AGAIN)
            .returning(*COLUMNS)
        )
        return [OutboxText.of(row) for row in rows]


async def _apply(session: AsyncSession, answer: _Answer, now: datetime) -> None:
    text_, lookup, title = answer.text, answer.lookup, answer.provider
    if lookup is None:
        return
    still_unknown = Message.send_state == SendState.UNKNOWN
    if lookup.matches:
        found = await _unclaimed_match(session, text_, lookup.matches)
        if found is not None:
            detail = f"reconciled: {title} has it as {found}"
            await settle_sent(session, [(text_, found)], still_unknown, detail, now)
            return
    if lookup.conclusive:
        changed = await session.execute(
            update(Message)
            .where(Message.id == text_.id, still_unknown)
            .values(send_state=SendState.QUEUED, next_attempt_at=now)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            detail = f"{title} does not have it: it goes again"
            await append_history(session, [text_], "Requeued", detail, now, recipients=False)
        return
    changed = await session.execute(
        update(Message)
        .where(Message.id == text_.id, still_unknown)
        .values(send_state=SendState.UNDECIDED)
    )
    if changed.rowcount:  # type: ignore[attr-defined]
        note = lookup.note or f"{title} cannot tell whether it has it"
        detail = f"{note}: needs a decision (smsurvey messages unknown)"
        await append_history(session, [text_], "Unknown", detail, now, recipients=False)


async def _unclaimed_match(
    session: AsyncSession, text_: OutboxText, matches: Sequence[str]
) -> str | None:
    """The first of the provider's ``matches`` that no other text of ours already is
    (two identical texts to one number are told apart by the ids already settled)."""
    if session.get_bind().dialect.name == "postgresql":
        # One settles the texts to a number at a time, whichever worker asked.
        key = f"{text_.provider}|{text_.recipient}"
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    taken = set(
        await session.scalars(
            select(Message.provider_message_id).where(
                Message.provider == text_.provider,
                Message.provider_message_id.in_(list(matches)),
                Message.id != text_.id,
            )
        )
    )
    return next((match for match in matches if match not in taken), None)
