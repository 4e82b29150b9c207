"""Reminders and thank-yous, and the distributions they follow up.

A follow-up follows its parent, or without one every invitation and 2-way distribution of
its survey. What a recipient does through a follow-up belongs to what they were first sent:
a reminder's personal link continues the response their invitation's link started, so the
survey's web session (and the response it stores) stays the invitation recipient's.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.distributions.service import FOLLOW_UPS, Method
from smsurvey.models.distributions import Distribution, Recipient
from smsurvey.models.responses import WebSession


def is_follow_up(distribution: Distribution) -> bool:
    """Whether ``distribution`` is a reminder or a thank-you."""
    return Method(distribution.method) in FOLLOW_UPS


def followed(distribution: Distribution) -> Select[str]:
    """The ids of the distributions a follow-up follows up."""
    if distribution.parent_distribution_id:
        return select(Distribution.id).where(Distribution.id == distribution.parent_distribution_id)
    return select(Distribution.id).where(
        Distribution.survey_id == distribution.survey_id,
        Distribution.method.in_([Method.INVITE, Method.INTERACTIVE]),
        Distribution.id != distribution.id,
    )


async def response_owner(
    session: AsyncSession, recipient: Recipient, distribution: Distribution
) -> tuple[Recipient, Distribution]:
    """The recipient (and their distribution) whose web response ``recipient``'s survey link
    opens, locked until the visit's transaction ends.

    For a follow-up, the same contact's recipient of an invitation it follows: the one whose
    web session was answered last, else the latest. Otherwise, and when there is none,
    ``recipient`` itself.
    """
    if not is_follow_up(distribution) or recipient.contact_id is None:
        return recipient, distribution
    row = (
        await session.execute(
            select(Recipient, Distribution)
            .join(Distribution, Distribution.id == Recipient.distribution_id)
            .outerjoin(WebSession, WebSession.recipient_id == Recipient.id)
            .where(
                Recipient.contact_id == recipient.contact_id,
                Distribution.id.in_(followed(distribution)),
                Distribution.method == Method.INVITE,
            )
            .order_by(WebSession.id.is_(None), WebSession.updated_at.desc(), Recipient.id.desc())
            .limit(1)
            .with_for_update(of=Recipient)
        )
    ).one_or_none()
    return (recipient, distribution) if row is None else (row[0], row[1])
