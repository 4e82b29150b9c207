"""Respondents who answer the example survey by 2-way SMS, for the tests of the pages that
show responses."""

from __future__ import annotations

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.service import Recipients
from tests.messaging.harness import Harness

REPLIES = {
    "+14155550101": ("10", "2", "Love it"),
    "+14155550102": ("9", "1", "Fine"),
    "+14155550103": ("7", "1", "ok"),
    "+14155550104": ("3", "2", "Late again"),
}
"""Two promoters, a passive and a detractor (NPS 25), each finishing the survey."""


async def answer(system: Harness, list_name: str, replies: dict[str, tuple[str, ...]]) -> None:
    """Send the example survey by 2-way SMS to the phones of ``replies``; each answers."""
    people = [ContactFields(first_name=f"P{phone[-1]}", phone=phone) for phone in replies]
    list_id = await system.contacts(list_name, *people)
    await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()
    for phone, texts in replies.items():
        for text in texts:
            await system.text(phone, text)
