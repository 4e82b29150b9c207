"""The demo: the example survey run by 2-way SMS end to end on the simulator.

Six people: one answers everything, one first gives an invalid answer, one is unhappy
and branches to the other end message, one texts STOP, one never answers (their session
expires after 48 hours), and one starts the survey by texting an access code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.service import Recipients
from smsurvey.models.contacts import Contact
from smsurvey.models.distributions import Recipient, RecipientEvent
from smsurvey.models.messaging import ConversationSession, Direction, Message
from smsurvey.models.responses import Response
from smsurvey.models.simulator import HandsetDirection
from smsurvey.sandbox import Sandbox
from smsurvey.surveys.conversation import NpsGroup

ACCESS_CODE = "@ACME"
REPLY_GAP = timedelta(seconds=40)


@dataclass(frozen=True, slots=True)
class Person:
    """A simulated respondent and what they text, in order."""

    first_name: str
    last_name: str
    phone: str
    role: str
    replies: tuple[str, ...]
    in_list: bool = True


PEOPLE = (
    Person("Ann", "Lee", "+12025550101", "answers everything", ("10", "2", "Fast, thanks!")),
    Person(
        "Bob",
        "Smith",
        "+12025550102",
        "gives an invalid answer first",
        ("Pretty good", "8", "4", "Cheaper shipping, please"),
    ),
    Person(
        "Chloé",
        "Dubois",
        "+12025550103",
        "is unhappy: the other end message",
        ("3", "1", "The parcel arrived broken"),
    ),
    Person("Dmitri", "Ivanov", "+12025550104", "texts STOP", ("STOP",)),
    Person("Eve", "Okafor", "+12025550105", "never answers: the session expires", ()),
    Person(
        "Farid",
        "Haddad",
        "+12025550106",
        "texts the access code",
        (ACCESS_CODE, "9", "3", "Love the staff"),
        in_list=False,
    ),
)


@dataclass
class DemoOutcome:
    """What the demo shows: transcripts, responses, NPS, statuses, parts and credits."""

    survey: dict[str, str]
    distribution_id: str
    transcripts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    """The phone's last 2-way session: completed, expired or opted_out."""
    responses: list[dict[str, Any]] = field(default_factory=list)
    nps: dict[str, Any] = field(default_factory=dict)
    recipients: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, Any] = field(default_factory=dict)


def example_survey() -> Path:
    """The example survey shipped with smsurvey (``examples/`` in a checkout links to it)."""
    return Path(str(resources.files("smsurvey") / "examples" / "customer-feedback.yaml"))


async def run_demo(database_url: str) -> DemoOutcome:
    """Play the demo on a migrated, empty database and report what happened."""
    async with Sandbox.open(database_url, delay=timedelta(seconds=2)) as sandbox:
        survey_id = await sandbox.import_survey(example_survey())
        contacts = {
            person.phone: ContactFields(
                first_name=person.first_name, last_name=person.last_name, phone=person.phone
            )
            for person in PEOPLE
        }
        list_id = await sandbox.contacts(
            "Demo customers", *(contacts[p.phone] for p in PEOPLE if p.in_list)
        )
        await sandbox.contacts("Walk-ins", *(contacts[p.phone] for p in PEOPLE if not p.in_list))
        await sandbox.link_access_code(ACCESS_CODE, "US", survey_id)
        distribution_id = await sandbox.distribute(survey_id, Recipients(mailing_list_id=list_id))
        await sandbox.drain()
        for person in PEOPLE:
            for reply in person.replies:
                await sandbox.advance(REPLY_GAP)
                await sandbox.text(person.phone, reply)
        await sandbox.advance(sandbox.runtime.session_length)
        return await _report(sandbox, survey_id, distribution_id)


async def _report(sandbox: Sandbox, survey_id: str, distribution_id: str) -> DemoOutcome:
    outcome = DemoOutcome(
        survey={"id": survey_id, "name": "Customer feedback (NPS)"},
        distribution_id=distribution_id,
    )
    start = sandbox.clock.now()
    for person in PEOPLE:
        texts = await sandbox.transcript(person.phone)
        start = min([start, *(t.created_at for t in texts)])
        outcome.transcripts[person.phone] = [
            {
                "at": text.created_at.isoformat(),
                "from": person.first_name
                if text.direction == HandsetDirection.FROM_HANDSET
                else "smsurvey",
                "text": text.body,
            }
            for text in texts
        ]
    for conversation in await sandbox.rows(ConversationSession):
        outcome.sessions[conversation.phone] = conversation.status
    names = {p.phone: f"{p.first_name} {p.last_name}" for p in PEOPLE}
    groups: dict[str, int] = {group.label: 0 for group in NpsGroup}
    for response in sorted(await sandbox.rows(Response), key=lambda r: r.ended_at):
        phone = response.recipient.get("phone") or ""
        outcome.responses.append(
            {
                "id": response.id,
                "respondent": names.get(phone, phone),
                "phone": phone,
                "finished": response.finished,
                "values": response.values,
                "labels": response.labels,
            }
        )
        if "QID1_NPS_GROUP" in response.labels:
            groups[response.labels["QID1_NPS_GROUP"]] += 1
    scored = sum(groups.values())
    outcome.nps = {
        "score": round(100 * (groups["Promoter"] - groups["Detractor"]) / scored)
        if scored
        else None,
        "promoters": groups["Promoter"],
        "passives": groups["Passive"],
        "detractors": groups["Detractor"],
    }
    contacts = {c.id: c for c in await sandbox.rows(Contact)}
    for recipient in await sandbox.rows(Recipient, Recipient.distribution_id == distribution_id):
        history = await sandbox.rows(RecipientEvent, RecipientEvent.recipient_id == recipient.id)
        contact = contacts.get(recipient.contact_id or "")
        outcome.recipients.append(
            {
                "name": f"{contact.first_name} {contact.last_name}" if contact else "",
                "phone": recipient.phone,
                "responded": any(
                    r["phone"] == recipient.phone and r["finished"] for r in outcome.responses
                ),
                "status": history[-1].status if history else "Pending",
                "history": [{"status": e.status, "at": e.at.isoformat()} for e in history],
                "opted_out": bool(contact and contact.opted_out),
            }
        )
    sent = await sandbox.rows(Message, Message.direction == Direction.OUT)
    outcome.messages = {
        "sent": len(sent),
        "received": len(await sandbox.rows(Message, Message.direction == Direction.IN)),
        "parts": sum(m.parts for m in sent),
        "credits": format(sum((m.credits for m in sent), Decimal(0)).normalize(), "f"),
    }
    return outcome
