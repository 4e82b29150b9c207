"""Planning in a helper process (``smsurvey worker``): the same texts as planning in the
worker, each recipient once, also when the helper dies half-way or its worker does."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from smsurvey.contacts.service import ContactFields
from smsurvey.distributions.links import survey_link_recipient
from smsurvey.distributions.planning import CHUNK
from smsurvey.distributions.service import Method, Recipients, start_due
from smsurvey.kit.db import unit_of_work
from smsurvey.models.distributions import Recipient
from smsurvey.models.messaging import Message
from smsurvey.worker.planners import HelperPlanner
from tests.messaging.harness import Harness, harness

PEOPLE = 2 * CHUNK + 100
LINK = re.compile(r"/s/(\S+)$")


async def _started_invitation(system: Harness) -> str:
    """An invitation to ``PEOPLE`` contacts, started (ready to plan)."""
    people = [ContactFields(first_name=f"P{n}", phone=f"+1415555{n:04d}") for n in range(PEOPLE)]
    list_id = await system.contacts("Many", *people)
    distribution_id = await system.distribute(
        system.survey_id,
        Recipients(mailing_list_id=list_id),
        method=Method.INVITE,
        message_text="Hi ${m://FirstName}: ${l://SurveyURL}",
    )
    async with unit_of_work(system.runtime.engine) as session:
        assert await start_due(session, system.clock.now()) == [distribution_id]
    return distribution_id


async def _plan_all(planner: HelperPlanner, distribution_id: str) -> int:
    chunks = 0
    while await planner.plan(distribution_id):
        chunks += 1
    return chunks


async def _check_planned_once(system: Harness, distribution_id: str) -> None:
    """Each contact is a recipient once, with one text whose link names that recipient."""
    recipients = await system.rows(Recipient, Recipient.distribution_id == distribution_id)
    assert len(recipients) == PEOPLE
    assert len({r.contact_id for r in recipients}) == PEOPLE
    texts = await system.rows(Message, Message.distribution_id == distribution_id)
    assert Counter(t.recipient_id for t in texts) == Counter({r.id: 1 for r in recipients})
    for text in texts:
        token = LINK.search(text.body)
        assert token is not None, text.body
        assert survey_link_recipient(system.runtime, token.group(1)) == text.recipient_id


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_the_helper_plans_what_the_worker_would(database_url: str) -> None:
    async with harness(database_url) as system:
        distribution_id = await _started_invitation(system)
        planner = HelperPlanner(system.runtime)
        try:
            helper = await planner.start()
            assert helper != os.getpid()
            assert await _plan_all(planner, distribution_id) == 3
            assert planner.helped == 4  # the three chunks and the look that found no more
        finally:
            await planner.aclose()
        await _check_planned_once(system, distribution_id)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_helper_that_dies_loses_nothing_and_plans_nobody_twice(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        distribution_id = await _started_invitation(system)
        planner = HelperPlanner(system.runtime)
        try:
            helper = await planner.start()
            assert await planner.plan(distribution_id) == CHUNK
            os.kill(helper, signal.SIGKILL)
            # The worker plans the rest itself (and starts another helper on the way).
            assert await _plan_all(planner, distribution_id) >= 1
        finally:
            await planner.aclose()
        await _check_planned_once(system, distribution_id)


HOLDER = """
import asyncio, sys
from smsurvey.runtime import build_runtime
from smsurvey.settings import Settings
from smsurvey.worker.planners import HelperPlanner

async def main() -> None:
    planner = HelperPlanner(build_runtime(Settings(database_url=sys.argv[1])))
    print(await planner.start(), flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[-1][0] != "Z"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_helper_exits_when_its_worker_is_killed(cli_env: str) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", HOLDER, cli_env], stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None
        helper = int(worker.stdout.readline())
        assert _alive(helper)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    deadline = time.monotonic() + 60
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helper), "the helper outlived its worker"
