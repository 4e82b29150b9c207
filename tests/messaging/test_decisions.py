"""Texts the provider cannot tell about wait for a person: reconciliation's other answers,
and deciding through the API and ``smsurvey messages unknown``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from smsurvey.cli import app
from smsurvey.distributions.reports import report
from smsurvey.kit.db import unit_of_work
from smsurvey.models.messaging import Message
from smsurvey.providers.base import Lookup, OutboundSms, ProviderError, SendResult, SentText
from smsurvey.providers.simulator import Simulator
from tests.contacts.test_contacts_api import call, token_for
from tests.messaging.harness import Harness, harness
from tests.messaging.test_recovery import (
    SETTLE,
    Disconnecting,
    history,
    invite,
    phone,
    queue,
    received,
)
from tests.support import run_sync

UNKNOWN = "/API/v3/unknown-messages"


class Unaskable(Disconnecting):
    """A network that drops connections, and whose provider cannot be asked about texts."""

    async def lookup(self, sent: SentText) -> Lookup:
        return Lookup(conclusive=False, note="Stand-in cannot be asked")


async def undecided_distribution(system: Harness) -> tuple[str, dict[str, int]]:
    """An invitation to 3 people: the first two hand-overs unknown, and undecided after
    asking; returns its id and the message ids by phone."""
    distribution_id = await invite(system, 3, Unaskable)
    await system.drain()
    await system.advance(SETTLE)
    ids = {m.recipient: m.id for m in await system.rows(Message)}
    return distribution_id, ids


async def test_a_provider_that_cannot_tell_leaves_the_decision_to_a_person(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        distribution_id, ids = await undecided_distribution(system)
        states = {m.recipient: m.send_state for m in await system.rows(Message)}
        assert states == {phone(0): "undecided", phone(1): "undecided", phone(2): "sent"}
        async with unit_of_work(system.runtime.engine) as session:
            seen = await report(session, system.organization, distribution_id)
        assert seen.metrics.uncertain == "2 need a decision (smsurvey messages unknown)"
        assert (seen.metrics.failed, seen.status) == (0, "Interrupted")
        status, detail = (await history(system, ids[phone(1)]))[-1]
        assert status == "Unknown"
        assert detail == "Stand-in cannot be asked: needs a decision (smsurvey messages unknown)"

        system.runtime.providers.builtin["simulator"] = system.runtime.simulator
        auth = await token_for(system)
        c = system.client
        listed = await call(c, "GET", f"{UNKNOWN}?distributionId={distribution_id}", auth)
        assert [e["to"] for e in listed["elements"]] == [phone(0), phone(1)]
        assert all(e["needsDecision"] for e in listed["elements"])

        resend = {"messageIds": [ids[phone(1)]], "decision": "resend"}
        assert await call(c, "POST", f"{UNKNOWN}/decisions", auth, json=resend) == {"changed": 1}
        settle = {"messageIds": [ids[phone(0)]], "decision": "sent"}
        assert await call(c, "POST", f"{UNKNOWN}/decisions", auth, json=settle) == {"changed": 1}
        await system.drain()
        assert await received(system, 3) == [1, 1, 1]
        assert (await call(c, "GET", UNKNOWN, auth))["elements"] == []
        user = f"user-{system.organization.id}"
        resent = dict(await history(system, ids[phone(1)]))["Resent"] or ""
        assert resent.startswith(f"sent again by {user} (UR_")
        settled = dict(await history(system, ids[phone(0)]))["Sent"] or ""
        assert settled.startswith(f"settled as sent by {user} (UR_")


async def test_other_organisations_cannot_see_or_decide(database_url: str) -> None:
    async with harness(database_url) as system:
        distribution_id, ids = await undecided_distribution(system)
        theirs = await token_for(system, "Other Org")
        c = system.client
        assert (await call(c, "GET", UNKNOWN, theirs))["elements"] == []
        one = await c.get(f"{UNKNOWN}?distributionId={distribution_id}", headers=theirs)
        assert one.status_code == 404
        decision = {"messageIds": list(ids.values()), "decision": "resend"}
        refused = await c.post(f"{UNKNOWN}/decisions", headers=theirs, json=decision)
        assert refused.status_code == 404
        assert (await c.get(UNKNOWN)).status_code == 401
        empty = await c.post(
            f"{UNKNOWN}/decisions",
            headers=await token_for(system),
            json={**decision, "messageIds": []},
        )
        assert empty.status_code == 400
        states = sorted(m.send_state for m in await system.rows(Message))
        assert states == ["sent", "undecided", "undecided"]


def test_the_command_lists_and_settles(cli_env: str) -> None:
    async def setup() -> tuple[str, dict[str, int]]:
        async with harness(cli_env) as system:
            return await undecided_distribution(system)

    async def outcome() -> tuple[dict[int, str], str]:
        async with harness(cli_env) as system:
            states = {m.id: m.send_state for m in await system.rows(Message)}
            return states, dict(await history(system, ids[phone(0)]))["Failed"] or ""

    distribution_id, ids = run_sync(setup())
    runner = CliRunner()
    listed = runner.invoke(app, ["messages", "unknown", "--distribution", distribution_id])
    assert listed.exit_code == 0, listed.output
    assert "needs a decision" in listed.output
    assert phone(0) in listed.output
    assert phone(1) in listed.output
    both = runner.invoke(app, ["messages", "unknown", "--resend", "--settle", "sent"])
    assert both.exit_code == 2
    settled = runner.invoke(app, ["messages", "unknown", "--settle", "failed"])
    assert settled.exit_code == 0, settled.output
    assert "2 texts recorded as failed." in settled.output
    assert "No texts of unknown fate." in runner.invoke(app, ["messages", "unknown"]).output
    states, detail = run_sync(outcome())
    assert states[ids[phone(0)]] == states[ids[phone(1)]] == "failed"
    assert detail.startswith("settled as failed by ")
    assert detail.endswith("(command line)")


class Answering:
    """The simulator, with a provider that answers lookups as told."""

    def __init__(self, simulator: Simulator, answer: Lookup | ProviderError) -> None:
        self.simulator = simulator
        self.name = simulator.name
        self.answer = answer

    async def send(self, message: OutboundSms) -> SendResult:
        return await self.simulator.send(message)

    async def lookup(self, sent: SentText) -> Lookup:
        if isinstance(self.answer, ProviderError):
            raise self.answer
        return self.answer

    def __getattr__(self, name: str) -> object:
        return getattr(self.simulator, name)


async def unknown_texts(system: Harness, count: int) -> list[int]:
    """``count`` identical texts to one number, left unknown by a crash mid-request."""
    ids = await queue(system, count)
    async with unit_of_work(system.runtime.engine) as session:
        await session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(
                send_state="unknown",
                recipient=phone(0),
                body="The same words",
                requested_at=system.clock.now(),
                next_attempt_at=system.clock.now(),
            )
        )
    return ids


async def test_identical_texts_take_distinct_matches(database_url: str) -> None:
    async with harness(database_url) as system:
        ids = await unknown_texts(system, 2)
        runtime = system.runtime
        runtime.providers.builtin["simulator"] = Answering(
            runtime.simulator, Lookup(matches=("SMfirst", "SMsecond"))
        )
        await system.drain()
        found = {m.id: (m.send_state, m.provider_message_id) for m in await system.rows(Message)}
        assert found == {ids[0]: ("sent", "SMfirst"), ids[1]: ("sent", "SMsecond")}


async def test_a_provider_that_cannot_be_asked_is_asked_again(database_url: str) -> None:
    async with harness(database_url) as system:
        [text_id] = await unknown_texts(system, 1)
        runtime = system.runtime
        asked = Answering(runtime.simulator, ProviderError("busy", retryable=True, code="503"))
        runtime.providers.builtin["simulator"] = asked
        await system.drain()
        [message] = await system.rows(Message)
        assert message.send_state == "unknown"
        assert message.next_attempt_at == system.clock.now() + timedelta(minutes=1)

        asked.answer = Lookup(matches=())  # it does not have it: it goes again, once
        await system.advance(timedelta(minutes=1))
        [message] = await system.rows(Message)
        assert message.send_state == "sent"
        assert len(await system.inbox(phone(0))) == 1
        assert [s for s, _ in await history(system, text_id)] == ["Queued", "Requeued", "Sent"]
