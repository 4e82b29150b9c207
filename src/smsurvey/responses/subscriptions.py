"""Event subscriptions: survey events posted to subscribers the Qualtrics way.

A response finished (or left unfinished when its session expired) publishes
``surveyengine.completedResponse.{SurveyID}`` (or ``partialResponse``) in the same
transaction that stores it: a delivery row per matching subscription. The worker posts
them form-encoded: ``Topic`` (prefixed with the brand), ``MSG`` (a JSON string) and, with a
shared key, ``HMAC`` (hex HMAC-SHA512 of ``MSG``). A delivery that fails is tried again with
growing waits for 24 hours; each subscription counts its successful calls and keeps its
last errors.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from smsurvey.kit.errors import InvalidInput, NotFound
from smsurvey.kit.ids import new_id
from smsurvey.kit.secrets import seal, unseal
from smsurvey.models.responses import Response
from smsurvey.models.subscriptions import DeliveryState, EventDelivery, EventSubscription

log = logging.getLogger(__name__)

COMPLETED = "surveyengine.completedResponse"
PARTIAL = "surveyengine.partialResponse"
_TOPIC = re.compile(r"\*|[A-Za-z0-9_.\-*]+")
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
KEPT_ERRORS = 10
BATCH = 100
TIMEOUT = aiohttp.ClientTimeout(total=15)
LEASE = timedelta(minutes=2)
"""How long a delivery being posted is held from other workers."""


def sign(key: str, message: str) -> str:
    """The ``HMAC`` field: hex HMAC-SHA512 of ``message`` keyed with the shared key."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha512).hexdigest()


def matches(pattern: str, topic: str) -> bool:
    """Whether a subscription's topic pattern (``*`` wildcards) covers ``topic``."""
    return fnmatch.fnmatchcase(topic, pattern)


async def subscribe(
    session: AsyncSession,
    organization_id: str,
    key: bytes,
    *,
    topics: str,
    url: str,
    shared_key: str | None,
    now: datetime,
) -> EventSubscription:
    """A new subscription; its shared key is kept encrypted with the instance's key."""
    topics = topics.strip()
    if not _TOPIC.fullmatch(topics):
        raise InvalidInput(
            f"topics {topics!r}: a topic such as {COMPLETED}.SV_… , with * as a wildcard"
        )
    if not re.fullmatch(r"https?://\S+", url.strip()):
        raise InvalidInput("publicationUrl must be an http(s) URL")
    subscription = EventSubscription(
        id=new_id("SUB"),
        organization_id=organization_id,
        topics=topics,
        url=url.strip(),
        sealed_key=seal(key, shared_key.encode()) if shared_key else None,
        successful_calls=0,
        last_errors=[],
        created_at=now,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def subscriptions_of(session: AsyncSession, organization_id: str) -> list[EventSubscription]:
    """The organisation's subscriptions, oldest first."""
    rows = await session.scalars(
        select(EventSubscription)
        .where(EventSubscription.organization_id == organization_id)
        .order_by(EventSubscription.created_at, EventSubscription.id)
    )
    return list(rows)


async def get_subscription(
    session: AsyncSession, organization_id: str, subscription_id: str
) -> EventSubscription:
    """One of the organisation's subscriptions, or :class:`NotFound`."""
    found = await session.get(EventSubscription, subscription_id)
    if found is None or found.organization_id != organization_id:
        raise NotFound(f"no event subscription {subscription_id}")
    return found


async def unsubscribe(session: AsyncSession, organization_id: str, subscription_id: str) -> None:
    """Delete a subscription and what it was still owed."""
    await session.delete(await get_subscription(session, organization_id, subscription_id))
    await session.flush()


async def publish_response(session: AsyncSession, response: Response, now: datetime) -> int:
    """Owe the response's event to every matching subscription; returns how many."""
    topic = f"{COMPLETED if response.finished else PARTIAL}.{response.survey_id}"
    message = json.dumps(
        {
            "Status": "Complete" if response.finished else "Partial",
            "SurveyID": response.survey_id,
            "ResponseID": response.id,
            "CompletedDate": response.ended_at.strftime("%Y-%m-%d %H:%M:%S"),
            "BrandID": response.organization_id,
        },
        separators=(",", ":"),
    )
    owed = [
        EventDelivery(
            subscription_id=subscription.id,
            topic=f"{response.organization_id}.{topic}",
            message=message,
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for subscription in await subscriptions_of(session, response.organization_id)
        if matches(subscription.topics, topic)
    ]
    session.add_all(owed)
    return len(owed)


def _wait(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


@dataclass(frozen=True, slots=True)
class _Post:
    delivery_id: int
    url: str
    form: dict[str, str]


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    http: Callable[[], aiohttp.ClientSession],
    key: bytes,
    now: datetime,
) -> int:
    """Post the deliveries that are due; returns how many were tried.

    They are claimed for :data:`LEASE` first and posted outside any transaction; a process
    that dies mid-post leaves them to be tried again when the lease ends (at least once).
    """
    async with sessions() as session, session.begin():
        due = list(
            await session.scalars(
                select(EventDelivery)
                .where(
                    EventDelivery.state == DeliveryState.PENDING,
                    EventDelivery.next_attempt_at <= now,
                )
                .order_by(EventDelivery.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        posts = []
        for delivery in due:
            delivery.next_attempt_at = now + LEASE
            subscription = await session.get(EventSubscription, delivery.subscription_id)
            assert subscription is not None  # deliveries go with their subscription
            form = {"Topic": delivery.topic, "MSG": delivery.message}
            if subscription.sealed_key:
                form["HMAC"] = sign(unseal(key, subscription.sealed_key).decode(), delivery.message)
            posts.append(_Post(delivery.id, subscription.url, form))
    if not posts:
        return 0
    errors = await asyncio.gather(*(_post(http(), post) for post in posts))
    async with sessions() as session, session.begin():
        for post, error in zip(posts, errors, strict=True):
            tried = await session.get(EventDelivery, post.delivery_id)
            if tried is None:  # the subscription was deleted meanwhile
                continue
            subscription = await session.get(EventSubscription, tried.subscription_id)
            assert subscription is not None
            _settle(tried, subscription, error, now)
    return len(posts)


def _settle(
    delivery: EventDelivery, subscription: EventSubscription, error: str | None, now: datetime
) -> None:
    """Record a try: delivered, or the error and the next try (or, after a day, failed)."""
    delivery.attempts += 1
    if error is None:
        delivery.state = DeliveryState.DELIVERED
        subscription.successful_calls += 1
        return
    delivery.last_error = error[:500]
    stamp = f"{now.isoformat()} {error}"
    subscription.last_errors = [*subscription.last_errors, stamp][-KEPT_ERRORS:]
    retry_at = now + _wait(delivery.attempts)
    if retry_at - delivery.created_at > GIVE_UP_AFTER:
        delivery.state = DeliveryState.FAILED
        delivery.next_attempt_at = now  # when it was last tried
        log.warning("event delivery given up", extra={"subscription": subscription.id})
    else:
        delivery.next_attempt_at = retry_at


async def _post(http: aiohttp.ClientSession, post: _Post) -> str | None:
    """Post one delivery; the error (``None`` when the subscriber took it)."""
    try:
        async with http.post(post.url, data=post.form, timeout=TIMEOUT) as answer:
            if 200 <= answer.status < 300:
                return None
            return f"{post.url} answered {answer.status}"
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return f"{post.url} could not be reached: {error or type(error).__name__}"
