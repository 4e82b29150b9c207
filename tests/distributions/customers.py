"""Four customers in a mailing list and an invitation to them: what the report and admin
page tests of distributions start from."""

from __future__ import annotations

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.service import Method, Recipients
from tests.messaging.harness import Harness

ANN, BOB, CID, DAN = "+14155552671", "+14155552672", "+14155552673", "+14155552674"
INVITE = "Hi ${m://FirstName}, how did we do? ${l://SurveyURL}"


async def customers(system: Harness) -> str:
    """Ann (Lee, ``ann.lee``), Bob, Cid and Dan in the list "Customers"; its id."""
    return await system.contacts(
        "Customers",
        ContactFields(first_name="Ann", last_name="Lee", phone=ANN, ext_ref="ann.lee"),
        ContactFields(first_name="Bob", phone=BOB),
        ContactFields(first_name="Cid", phone=CID),
        ContactFields(first_name="Dan", phone=DAN),
    )


async def invite(system: Harness, list_id: str, **request: object) -> str:
    """An invitation (:data:`INVITE`) to the list ``list_id``; its id."""
    return await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text=INVITE,
        **request,
    )
