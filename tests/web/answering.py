"""Answering the every-type survey (``tests/surveys/data/every-type.yaml``) page by page over
HTTP, for the tests that need a respondent part-way through it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.messaging.harness import Harness
from tests.web.support import Invitee, question_on

Form = dict[str, Any]

VALID: dict[str, Form] = {
    "QID1": {"answer": "8"},
    "QID2": {"answer": "2"},
    "QID3": {"answer": "2"},
    "QID4": {"answer": ["1", "3"], "other_3": "Parking"},
    "QID5": {"row_1": "3", "row_2": "2"},
    "QID6": {"row_1": "7", "row_2": "9"},
    "QID7": {"rank_1": "2", "rank_2": "1", "rank_3": "3"},
    "QID8": {"field_1": "Ann", "field_2": " Paris "},
    "QID9": {},
    "QID10": {"answer": "Long\r\nstory"},
    "QID11": {"answer": "secret"},
    "QID12": {"answer": ["1", "2"]},
}
"""A valid form for each question of the survey."""

STORED: dict[str, Any] = {
    "QID1": 8,
    "QID1_NPS_GROUP": 2,
    "QID2": 2,
    "QID3": 2,
    "QID4": [1, 3],
    "QID4_3_TEXT": "Parking",
    "QID5_1": 3,
    "QID5_2": 2,
    "QID6_1": 7,
    "QID6_2": 9,
    "QID7_1": 2,
    "QID7_2": 1,
    "QID7_3": 3,
    "QID8_1": "Ann",
    "QID8_2": "Paris",
    "QID10_TEXT": "Long\nstory",
    "QID12": [1, 2],
}
"""The answer values a response holds when every question was answered with :data:`VALID`
(the essay's skip rule passes over the password question)."""


async def post(system: Harness, invitee: Invitee, question: str, form: Form) -> httpx.Response:
    """Post ``form`` as the answer to ``question``; the page that follows."""
    posted = await system.client.post(invitee.path, data={"question": question, **form})
    if posted.status_code == 303:
        return await system.client.get(invitee.path)
    return posted


async def reach(system: Harness, invitee: Invitee, question: str) -> httpx.Response:
    """Answer with :data:`VALID` forms until the page asks ``question``."""
    page = await system.client.get(invitee.path)
    while (asked := question_on(page.text)) != question:
        page = await post(system, invitee, asked, VALID[asked])
        assert page.status_code == 200, page.text
    return page
