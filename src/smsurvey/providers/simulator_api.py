"""HTTP access to simulated phones: what ``smsurvey phone`` and the simulator page use.

Both routes need an API token (``X-API-TOKEN`` or a bearer token, as the v3 API) and act on
the caller's organisation. They answer 404 unless it sends through the simulator: it has
no live provider connection and this instance runs the simulator (``SMSURVEY_SIMULATOR``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smsurvey.accounts.dependencies import Caller, SmsCallerDep
from smsurvey.kit.errors import NotFound
from smsurvey.models.simulator import HandsetDirection, SimulatedText
from smsurvey.providers.simulator import NAME, Simulator
from smsurvey.sms.phones import check_phone

router = APIRouter(prefix="/simulator", tags=["simulator"])


class Text(BaseModel):
    """A text on a simulated phone."""

    id: int
    direction: HandsetDirection = Field(
        description="to_handset (we sent it) or from_handset (typed on it)"
    )
    counterpart: str = Field(description="our number")
    body: str
    at: datetime

    @classmethod
    def of(cls, text: SimulatedText) -> Text:
        return cls(
            id=text.id,
            direction=HandsetDirection(text.direction),
            counterpart=text.counterpart,
            body=text.body,
            at=text.created_at,
        )


class Typed(BaseModel):
    """A text typed on a simulated phone, to send to one of our numbers."""

    text: str = Field(min_length=1, max_length=1600)
    to: str | None = Field(default=None, description="our number (default: the simulator's)")


async def _simulator(caller: Caller) -> Simulator:
    """The simulator, if the caller's organisation sends through it; else 404."""
    runtime = caller.runtime
    serving = await runtime.providers.serving(caller.session, caller.organization.id, NAME)
    if serving is None:
        raise NotFound("no simulated phones in this organisation")
    return runtime.simulator


def _handset(number: str) -> str:
    checked = check_phone(number, time_zones=False)
    return checked.e164 or number


@router.get("/phones/{number}/texts", operation_id="listSimulatedTexts")
async def list_simulated_texts(
    number: str,
    caller: SmsCallerDep,
    after: int = Query(0, ge=0, le=2**63 - 1, description="only texts with a larger id"),
) -> list[Text]:
    """The texts of a simulated phone, oldest first."""
    simulator = await _simulator(caller)
    found = await simulator.inbox(caller.organization.id, _handset(number), after)
    return [Text.of(text) for text in found]


@router.post("/phones/{number}/texts", status_code=201, operation_id="createSimulatedText")
async def create_simulated_text(number: str, typed: Typed, caller: SmsCallerDep) -> Text:
    """Send a text from a simulated phone to our number, as a person would."""
    # The request's unit of work has only read here: the simulated phone's text goes to our
    # receive endpoint over HTTP, which writes, so a write before it would wait on SQLite.
    simulator = await _simulator(caller)
    to = typed.to or caller.runtime.settings.simulator_number
    sent = await simulator.type_on_handset(caller.organization.id, _handset(number), to, typed.text)
    return Text.of(sent)
