"""HTTP access to simulated phones: what ``smsurvey phone`` and the simulator page use."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from smsurvey.accounts.service import resolve_organization
from smsurvey.kit.db import unit_of_work
from smsurvey.models.simulator import SimulatedText
from smsurvey.runtime import Runtime
from smsurvey.sms.phones import check_phone

router = APIRouter(prefix="/simulator", tags=["simulator"])


class Text(BaseModel):
    """A text on a simulated phone."""

    id: int
    direction: str = Field(description="to_handset (we sent it) or from_handset (typed on it)")
    counterpart: str = Field(description="our number")
    body: str
    at: datetime

    @classmethod
    def of(cls, text: SimulatedText) -> Text:
        return cls(
            id=text.id,
            direction=text.direction,
            counterpart=text.counterpart,
            body=text.body,
            at=text.created_at,
        )


class Typed(BaseModel):
    """A text typed on a simulated phone, to send to one of our numbers."""

    text: str = Field(min_length=1, max_length=1600)
    to: str | None = Field(default=None, description="our number (default: the simulator's)")


async def _organization_id(runtime: Runtime, organization_id: str | None) -> str:
    async with unit_of_work(runtime.engine) as session:
        return (await resolve_organization(session, organization_id, runtime.clock)).id


def _handset(number: str) -> str:
    checked = check_phone(number, time_zones=False)
    return checked.e164 or number


@router.get("/phones/{number}/texts")
async def texts(
    number: str,
    request: Request,
    after: int = Query(0, description="only texts with a larger id"),
    organization_id: str | None = None,
) -> list[Text]:
    """The texts of a simulated phone, oldest first."""
    runtime: Runtime = request.app.state.runtime
    organization = await _organization_id(runtime, organization_id)
    found = await runtime.simulator.inbox(organization, _handset(number), after)
    return [Text.of(text) for text in found]


@router.post("/phones/{number}/texts", status_code=201)
async def type_text(
    number: str, typed: Typed, request: Request, organization_id: str | None = None
) -> Text:
    """Send a text from a simulated phone to our number, as a person would."""
    runtime: Runtime = request.app.state.runtime
    organization = await _organization_id(runtime, organization_id)
    sent = await runtime.simulator.type_on_handset(
        organization, _handset(number), typed.to or runtime.settings.simulator_number, typed.text
    )
    return Text.of(sent)
