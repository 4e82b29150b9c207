"""Texts nobody knows were sent, in the v3 dialect: ``/unknown-messages`` lists them and
``/unknown-messages/decisions`` settles them. Every call needs the permission "Use SMS
Distributions"; a decision is recorded with the user who made it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from smsurvey.accounts.dependencies import SmsCallerDep
from smsurvey.distributions.service import get_distribution
from smsurvey.kit.db import after_commit
from smsurvey.kit.envelope import Envelope, Page, envelope
from smsurvey.kit.pagination import Paged, page_of
from smsurvey.kit.wakeup import Work
from smsurvey.messaging.decisions import Decision, UncertainText, decide, uncertain_texts

router = APIRouter(prefix="/unknown-messages", tags=["messages"])


class UnknownMessageOut(BaseModel):
    """A text whose hand-over to the provider nobody knows yet."""

    messageId: int
    reference: str = Field(description="Our reference, as the provider knows the text.")
    distributionId: str | None
    to: str
    provider: str
    status: str = Field(description="`unknown` (its provider is being asked) or `undecided`.")
    needsDecision: bool
    requestedAt: datetime | None
    detail: str | None = Field(description="What its history last said.")

    @classmethod
    def of(cls, text: UncertainText) -> UnknownMessageOut:
        """The API view of an uncertain text."""
        return cls(
            messageId=text.id,
            reference=text.reference,
            distributionId=text.distribution_id,
            to=text.to,
            provider=text.provider,
            status=text.state.value,
            needsDecision=not text.asking,
            requestedAt=text.requested_at,
            detail=text.detail,
        )


class DecisionIn(BaseModel):
    """A decision about uncertain texts: all of them, or none if one is not uncertain."""

    messageIds: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=10_000
    )
    decision: Decision = Field(
        description="`resend` sends it again; `sent` or `failed` settles it as that."
    )


class DecisionOut(BaseModel):
    """How many texts the decision changed."""

    changed: int


@router.get("", operation_id="listUnknownMessages")
async def list_unknown_messages(
    request: Request,
    caller: SmsCallerDep,
    page: Paged,
    distributionId: Annotated[
        str | None, Query(description="Only this distribution's (SMSD_…).")
    ] = None,
) -> Envelope[Page[UnknownMessageOut]]:
    """The organisation's texts that may or may not have reached the provider, oldest first."""
    if distributionId is not None:
        await get_distribution(caller.session, caller.organization, distributionId)
    found = await uncertain_texts(caller.session, caller.organization.id, distributionId)
    chosen, following = page_of(request, page, found)
    return envelope(
        request, Page(elements=[UnknownMessageOut.of(t) for t in chosen], nextPage=following)
    )


@router.post("/decisions", operation_id="createUnknownMessageDecision")
async def create_unknown_message_decision(
    request: Request, caller: SmsCallerDep, body: DecisionIn
) -> Envelope[DecisionOut]:
    """Send the texts again, or settle them as sent or failed."""
    runtime = caller.runtime
    changed = await decide(
        caller.session,
        caller.organization.id,
        body.messageIds,
        body.decision,
        f"{caller.user.username} ({caller.user.id})",
        runtime.clock.now(),
    )
    if body.decision is Decision.RESEND:
        after_commit(caller.session, lambda: runtime.wake.set(Work.SEND))
    return envelope(request, DecisionOut(changed=changed))
