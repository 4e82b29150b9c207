"""Each sender's pace: at most N SMS parts in any one-second window, as the provider counts.

The provider counts a request when it *arrives*, somewhere between the moment we take the
turn and the moment the request ends. A rate limiter that counts a turn at the instant it
is taken (``limits``' moving window, used here before) lets two turns taken 1.0 s apart
arrive 0.9 s apart, and the provider sees a second over the pace; a safety margin only
moves the problem to a slower network. So a turn here *occupies* its sender's window from
when it is taken until one window's length (1 s, or 2 s for 2.5/s = 5 parts per 2 s)
after its request ends, and a turn of ``c`` parts is admitted only while the occupied
parts + ``c`` fit the window's amount. Every turn that arrives within a provider window
[t, t + length) was taken before t + length and ended after t, so it was still occupying
when the last of them was admitted: at most the amount arrives in any window. ``limits``
has no notion of a turn's end, hence this module's own stores.

Use ``async with pacer.turn(sender, pace, parts): <the request>``. A text of more parts
than the window holds goes alone in an empty window. A turn whose process dies never ends:
it is freed after its lease (the request timeout plus one window).

The turns live in process memory (:class:`MemoryTurns`), or in Redis when
``SMSURVEY_REDIS_URL`` is set (:class:`RedisTurns`), so that every worker on every machine
shares each sender's pace; Redis's own clock times them there, so the machines' clocks
need not agree.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate
from operator import itemgetter

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.http import TIMEOUT
from smsurvey.models.accounts import Sender
from smsurvey.settings import Settings
from smsurvey.sms.sender_ids import SenderKind, sender_kind

log = logging.getLogger(__name__)

PHONE_NUMBER_PACE = Decimal(3)
ALPHANUMERIC_PACE = Decimal(10)
REQUEST_TIMEOUT = float(TIMEOUT.total or 30)
"""Seconds a provider request may last: a turn's lease is this plus one window."""
POLL = 0.05
"""Longest wait between two looks at a Redis window held by requests still in flight."""


def default_pace(sender: str) -> Decimal:
    """3 parts/s from a number or short code, 10 from an alphanumeric id."""
    try:
        kind = sender_kind(sender)
    except ValueError:
        return PHONE_NUMBER_PACE
    return ALPHANUMERIC_PACE if kind is SenderKind.ALPHANUMERIC else PHONE_NUMBER_PACE


@dataclass(frozen=True, slots=True)
class Window:
    """``amount`` parts per ``length`` seconds."""

    amount: int
    length: int

    @classmethod
    def of(cls, pace: Decimal) -> Window:
        """``pace`` parts per second as whole parts per whole seconds (2.5/s → 5 per 2 s)."""
        fraction = Fraction(pace).limit_denominator(60)
        return cls(fraction.numerator, fraction.denominator)


@dataclass(frozen=True, slots=True)
class Turn:
    """One request's turn: ``cost`` parts of ``sender``'s ``window``, held for at most
    ``lease`` seconds if it never ends."""

    sender: str
    id: str
    cost: int
    window: Window
    lease: float


class Turns(ABC):
    """Where each sender's turns are kept: admitted, ended, and dropped once expired."""

    @abstractmethod
    async def admit(self, turn: Turn) -> float:
        """Admit ``turn`` (occupying until its lease is over, or until it ends) if its cost
        fits its sender's window, and return 0; else the seconds to wait before asking again."""

    @abstractmethod
    async def end(self, turn: Turn) -> None:
        """The turn's request ended: it occupies one window length more from now (even if
        its lease was over)."""

    async def wait(self, turn: Turn, seconds: float) -> None:
        """Wait ``seconds``, or less when the sender's window may have room sooner."""
        await asyncio.sleep(seconds)

    async def aclose(self) -> None:  # noqa: B027 - a store in memory holds nothing to let go
        """Let go of what the store holds (a connection)."""


class MemoryTurns(Turns):
    """This process's turns, timed by its monotonic clock."""

    def __init__(self) -> None:
        self._until: dict[str, dict[Turn, float]] = {}
        """Each sender's turns and the moment each occupies until."""
        self._ended: dict[str, asyncio.Event] = {}

    async def admit(self, turn: Turn) -> float:
        now = time.monotonic()
        held = {
            other: until for other, until in self._until.get(turn.sender, {}).items() if until > now
        }
        self._until[turn.sender] = held
        used = sum(other.cost for other in held)
        if used + turn.cost <= turn.window.amount:
            held[turn] = now + turn.lease
            return 0.0
        # Until the turns that free first have freed enough.
        excess = used + turn.cost - turn.window.amount
        soonest = sorted(held.items(), key=itemgetter(1))
        freed = accumulate(other.cost for other, _ in soonest)
        frees_at = next(
            at for (_, at), parts in zip(soonest, freed, strict=True) if parts >= excess
        )
        return frees_at - now

    async def end(self, turn: Turn) -> None:
        self._until.setdefault(turn.sender, {})[turn] = time.monotonic() + turn.window.length
        if (ended := self._ended.pop(turn.sender, None)) is not None:
            ended.set()

    async def wait(self, turn: Turn, seconds: float) -> None:
        ended = self._ended.setdefault(turn.sender, asyncio.Event())
        with suppress(TimeoutError):
            await asyncio.wait_for(ended.wait(), seconds)


ADMIT = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000000 + tonumber(now[2])
local cost, amount = tonumber(ARGV[2]), tonumber(ARGV[3])
local length, lease, poll = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local turns = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #turns, 2 do
  used = used + tonumber(string.match(turns[i], '^(%d+):'))
end
if used + cost <= amount then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000))
  return 0
end
local excess = used + cost - amount
for i = 1, #turns, 2 do
  excess = excess - tonumber(string.match(turns[i], '^(%d+):'))
  if excess <= 0 then
    local wait = tonumber(turns[i + 1]) - now
    if wait > length then
      return math.min(wait, poll)
    end
    return wait
  end
end
"""
"""Drop the sender's expired turns; admit this one if its cost fits (returning 0), else
return the microseconds until enough of the window frees. A turn that occupies beyond one
window from now is still in flight and may end any moment: then look again after ``poll``.
Members are ``cost:id``, scored by the Redis microsecond they occupy until."""

END = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000000 + tonumber(now[2])
local length = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + length, ARGV[1])
if redis.call('PTTL', KEYS[1]) < length / 1000 then
  redis.call('PEXPIRE', KEYS[1], math.ceil(length / 1000))
end
"""
"""Score an ended turn one window after now by Redis's clock: re-added if its lease was
over (a request that outlived it arrived no later than now either)."""

MICRO = 1_000_000


class RedisTurns(Turns):
    """Turns shared by every process through Redis: a sorted set per sender."""

    def __init__(self, client: Redis, key_prefix: str = "smsurvey-pace") -> None:
        self._client = client
        self._prefix = key_prefix
        self._admit = client.register_script(ADMIT)
        self._end = client.register_script(END)

    @classmethod
    def from_url(cls, url: str, key_prefix: str = "smsurvey-pace") -> RedisTurns:
        """Turns in the Redis at ``url`` (``redis://…``; an ``async+`` prefix is allowed)."""
        return cls(Redis.from_url(url.removeprefix("async+")), key_prefix)

    def _key_and_member(self, turn: Turn) -> tuple[list[str], str]:
        return [f"{self._prefix}:{turn.sender}"], f"{turn.cost}:{turn.id}"

    async def admit(self, turn: Turn) -> float:
        key, member = self._key_and_member(turn)
        micros = [round(seconds * MICRO) for seconds in (turn.window.length, turn.lease, POLL)]
        waits = await self._admit(key, [member, turn.cost, turn.window.amount, *micros])
        return int(waits) / MICRO

    async def end(self, turn: Turn) -> None:
        key, member = self._key_and_member(turn)
        await self._end(key, [member, turn.window.length * MICRO])

    async def aclose(self) -> None:
        await self._client.aclose()


class Pacer:
    """Gives each sender's requests turns that keep its pace (see the module docstring)."""

    def __init__(
        self, turns: Turns | None = None, request_timeout: float = REQUEST_TIMEOUT
    ) -> None:
        self._turns = turns or MemoryTurns()
        self._request_timeout = request_timeout
        self._queues: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @classmethod
    def for_settings(cls, settings: Settings, *, key_prefix: str = "smsurvey-pace") -> Pacer:
        """The pace shared through ``settings.redis_url``, else this process's own (and a
        warning when the database is shared by other workers that then pace alone)."""
        if settings.redis_url:
            return cls(RedisTurns.from_url(settings.redis_url, key_prefix))
        if not settings.database_url.startswith("sqlite"):
            log.warning(
                "SMSURVEY_REDIS_URL is not set: each worker process paces its senders alone, "
                "so N workers may send up to N times a sender's pace"
            )
        return cls()

    async def aclose(self) -> None:
        """Let go of the shared store's connection (when the worker stops)."""
        await self._turns.aclose()

    @asynccontextmanager
    async def turn(self, sender: str, pace: Decimal, parts: int) -> AsyncIterator[None]:
        """Wait until ``sender`` may send ``parts`` more parts at ``pace`` parts/second;
        the block is the request, and the turn ends with it."""
        window = Window.of(pace)
        cost = min(max(parts, 1), window.amount)  # a longer text goes alone in an empty window
        turn = Turn(sender, uuid.uuid4().hex, cost, window, self._request_timeout + window.length)
        # This process's texts for a sender queue here, first come first served, so that
        # one at a time asks the store.
        queue = self._queues.setdefault(sender, asyncio.Lock())
        async with queue:
            while (seconds := await self._turns.admit(turn)) > 0:
                await self._turns.wait(turn, seconds)
        try:
            yield
        finally:
            try:
                await self._turns.end(turn)
            except RedisError:
                log.warning("a turn's end was not recorded: its lease frees it", exc_info=True)


async def senders_of(session: AsyncSession, organization_id: str) -> list[Sender]:
    """The organisation's senders with a pace of their own, by address."""
    rows = await session.scalars(
        select(Sender).where(Sender.organization_id == organization_id).order_by(Sender.address)
    )
    return list(rows)


async def set_sender_pace(
    session: AsyncSession, organization_id: str, address: str, pace: Decimal, now: datetime
) -> Sender:
    """Let ``address`` (a number or an alphanumeric id) send ``pace`` SMS parts per second."""
    try:
        sender_kind(address)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    row = await session.scalar(
        select(Sender).where(Sender.organization_id == organization_id, Sender.address == address)
    )
    if row is None:
        row = Sender(organization_id=organization_id, address=address, created_at=now)
        session.add(row)
    row.parts_per_second = pace
    await session.flush()
    return row


class SenderPaces:
    """Each sender's pace: its ``senders`` row, else :func:`default_pace` (cached a while)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], refresh: float = 30.0) -> None:
        self._sessions = sessions
        self._refresh = refresh
        self._loaded: dict[str, tuple[float, dict[str, Decimal]]] = {}

    async def pace(self, organization_id: str, sender: str) -> Decimal:
        """Parts per second ``sender`` may send for the organisation."""
        loaded_at, paces = self._loaded.get(organization_id, (0.0, {}))
        if time.monotonic() - loaded_at > self._refresh:
            async with self._sessions() as session:
                found = await senders_of(session, organization_id)
            paces = {row.address: row.parts_per_second for row in found}
            self._loaded[organization_id] = (time.monotonic(), paces)
        return paces.get(sender) or default_pace(sender)
