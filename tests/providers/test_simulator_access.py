"""Nobody in the simulator without a key: its phones need the organisation's API token,
it serves only organisations without a provider connection on an instance that runs it,
and its callbacks are signed with a key of this instance (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from smsurvey.distributions.service import Recipients
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.secrets import secret_key
from smsurvey.models.messaging import Message
from smsurvey.models.simulator import SimulatedText
from smsurvey.providers.base import WebhookRequest
from smsurvey.providers.connections import NewConnection, add_connection
from smsurvey.providers.simulator import SIGNATURE_HEADER, sign, signing_key
from smsurvey.runtime import build_runtime
from smsurvey.settings import Settings
from tests.contacts.test_contacts_api import token_for
from tests.fakes.twilio import FIELDS
from tests.messaging.harness import EXAMPLE, Harness, harness

ANN, OURS = "+14155552671", "+15005550006"
PHONE = f"/simulator/phones/{ANN}/texts"
STOP = {"message_id": "SMx", "from": ANN, "to": OURS, "text": "STOP", "at": None}


def _receive(organization_id: str) -> str:
    return f"/distribution-providers/v1/receive/distribution/message/simulator/{organization_id}"


def _signed(key: bytes, payload: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"content-type": "application/json", SIGNATURE_HEADER: sign(key, body)}


async def _connect_twilio(system: Harness) -> None:
    async with unit_of_work(system.runtime.engine) as session:
        new = NewConnection("Twilio", "twilio", OURS, {**FIELDS, "api_url": "http://127.0.0.1:9"})
        await add_connection(
            session, system.runtime.secret, system.organization.id, new, system.clock.now()
        )


async def test_the_phones_need_the_organisations_token(database_url: str) -> None:
    async with harness(database_url) as system:
        c = system.client
        for headers in ({}, {"X-API-TOKEN": "not-a-token"}, {"Authorization": "Bearer nope"}):
            assert (await c.get(PHONE, headers=headers)).status_code == 401
            typed = await c.post(PHONE, json={"text": "STOP"}, headers=headers)
            assert typed.status_code == 401
            assert typed.json()["meta"]["httpStatus"] == "401 - Unauthorized"
        assert await system.rows(SimulatedText) == []
        assert await system.rows(Message) == []

        ours = await token_for(system)
        typed = await c.post(PHONE, json={"text": "hello"}, headers=ours)
        assert typed.status_code == 201, typed.text
        await system.drain()
        [sent, reply] = (await c.get(PHONE, headers=ours)).json()
        assert (sent["direction"], sent["body"]) == ("from_handset", "hello")
        assert reply["body"] == "You are not currently taking a survey."


async def test_another_organisations_token_reaches_only_its_own_phones(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        c = system.client
        ours = await token_for(system)
        assert (await c.post(PHONE, json={"text": "hello"}, headers=ours)).status_code == 201
        theirs = await token_for(system, "Other brand")
        assert (await c.get(PHONE, headers=theirs)).json() == []
        assert (await c.post(PHONE, json={"text": "STOP"}, headers=theirs)).status_code == 201
        await system.drain()
        mine = [t["body"] for t in (await c.get(PHONE, headers=ours)).json()]
        assert mine == ["hello", "You are not currently taking a survey."]
        their_texts = [t["body"] for t in (await c.get(PHONE, headers=theirs)).json()]
        assert their_texts[0] == "STOP"
        assert their_texts[1].startswith("You have been opted out")
        ours_only = Message.organization_id == system.organization.id
        assert not any(m.body == "STOP" for m in await system.rows(Message, ours_only))


async def test_an_organisation_with_a_provider_gets_404_from_the_simulator(
    database_url: str,
) -> None:
    async with harness(database_url) as system:
        c = system.client
        ours = await token_for(system)
        await _connect_twilio(system)
        unknown = await c.get(PHONE, headers=ours)
        assert unknown.status_code == 404
        assert unknown.json()["meta"]["httpStatus"] == "404 - Not Found"
        assert (await c.post(PHONE, json={"text": "STOP"}, headers=ours)).status_code == 404
        # Even a callback signed with this instance's simulator key.
        body, headers = _signed(signing_key(system.runtime.secret), STOP)
        organization_id = system.organization.id
        signed = await c.post(_receive(organization_id), content=body, headers=headers)
        unknown_org = await c.post(_receive("OR_000000000000000"), content=body, headers=headers)
        no_such_path = await c.post("/distribution-providers/v1/nothing", content=body)
        # One answer: it tells nothing of which organisations exist or what they send with.
        for answer in (signed, unknown_org):
            assert (answer.status_code, answer.json()) == (404, no_such_path.json())
        await system.drain()
        assert await system.rows(SimulatedText) == []
        assert await system.rows(Message) == []


async def test_a_forged_or_foreign_signature_is_refused(database_url: str) -> None:
    async with harness(database_url) as system:
        path = _receive(system.organization.id)
        forged = [
            _signed(b"smsurvey-simulator", STOP),  # the key the source once held
            _signed(signing_key(b"another instance's key"), STOP),
            _signed(system.runtime.secret, STOP),  # the instance key itself
            (json.dumps(STOP).encode(), {SIGNATURE_HEADER: "0" * 64}),
            (json.dumps(STOP).encode(), {}),
        ]
        for body, headers in forged:
            answer = await system.client.post(path, content=body, headers=headers)
            assert answer.status_code == 401, headers
        await system.drain()
        assert await system.rows(Message) == []
        assert await system.inbox(ANN) == []
        body, headers = _signed(signing_key(system.runtime.secret), STOP)
        assert (await system.client.post(path, content=body, headers=headers)).status_code == 200
        await system.drain()
        assert (await system.last(ANN)).startswith("You have been opted out")


async def test_an_instance_without_the_simulator_answers_404(database_url: str) -> None:
    async with Harness.open(database_url, simulator=False) as system:
        assert isinstance(system, Harness)
        client, runtime, organization = system.client, system.runtime, system.organization
        ours = await token_for(system)
        assert (await client.get(PHONE, headers=ours)).status_code == 404
        assert (await client.post(PHONE, json={"text": "STOP"}, headers=ours)).status_code == 404
        body, headers = _signed(signing_key(runtime.secret), STOP)
        received = await client.post(_receive(organization.id), content=body, headers=headers)
        assert received.status_code == 404
        # Nothing could send its texts: a distribution is refused before anything is planned.
        survey_id = await system.import_survey(EXAMPLE)
        list_id = await system.people("Customers", ANN)
        with pytest.raises(InvalidInput, match="no provider connection and the simulator is off"):
            await system.distribute(survey_id, Recipients(mailing_list_id=list_id))
        await system.drain()
        assert await system.rows(SimulatedText) == []
        assert await system.rows(Message) == []


async def test_a_report_due_after_the_organisation_connected_a_provider_is_dropped(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(database_url) as system:
        other = await token_for(system, "Other brand")
        await system.distribute_list(await system.people("Customers", ANN))
        await system.drain()  # the invitation's report is due in a second
        await _connect_twilio(system)
        await system.client.post(PHONE, json={"text": "hello"}, headers=other)
        with caplog.at_level(logging.WARNING, logger="smsurvey.providers.simulator"):
            await system.advance(timedelta(seconds=2))
        assert "simulator callback refused" in caplog.messages
        # Given up, as a provider gives up on a refused webhook, and nothing held up behind
        # it: the other organisation's phone got its answer.
        ours = SimulatedText.organization_id == system.organization.id
        [invitation] = await system.rows(SimulatedText, ours)
        assert invitation.reported_at is not None
        assert await system.runtime.simulator.pump() == 0
        theirs = [t["body"] for t in (await system.client.get(PHONE, headers=other)).json()]
        assert theirs == ["hello", "You are not currently taking a survey."]


async def test_the_sandbox_runs_the_simulator_whatever_the_environment_says(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSURVEY_SIMULATOR", "false")  # `smsurvey demo` runs on it regardless
    async with harness(database_url) as system:
        assert system.runtime.settings.simulator_enabled
        await system.text(ANN, "hello")
        assert await system.last(ANN) == "You are not currently taking a survey."


def test_the_simulator_setting_reads_smsurvey_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().simulator_enabled is True
    monkeypatch.setenv("SMSURVEY_SIMULATOR", "false")
    assert Settings().simulator_enabled is False


def test_the_signing_key_is_random_per_instance_and_kept_with_its_key_file(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    keys = []
    for database in (first, first, second):
        settings = Settings(database_url=f"sqlite+aiosqlite:///{database}")
        runtime = build_runtime(settings)
        body, headers = _signed(signing_key(secret_key(settings)), STOP)
        request = WebhookRequest("POST", "http://x", headers, body)
        assert runtime.simulator.verify(request)
        keys.append(signing_key(secret_key(settings)))
    assert keys[0] == keys[1] != keys[2]
    assert (tmp_path / "a.db.key").stat().st_mode & 0o777 == 0o600
    assert "simulator_secret" not in Settings.model_fields
