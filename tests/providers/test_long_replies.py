"""A long reply whose provider delivers its parts one by one (Vonage) is answered once,
whole, whatever order the parts come in (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from smsurvey.kit.db import unit_of_work
from smsurvey.models.messaging import InboundPart, Message
from smsurvey.models.responses import Response
from smsurvey.providers.connections import NewConnection, add_connection
from tests.fakes.base import Callback
from tests.fakes.vonage import FIELDS, FakeVonage
from tests.messaging.harness import Harness, harness

ANN, OURS = "+14155552671", "+15005550006"
LONG = "Delivery was quick and the staff were lovely. " * 5


async def _post(system: Harness, callback: Callback) -> None:
    parts = urlsplit(callback.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    answer = await system.client.request(
        callback.method, path, headers=dict(callback.headers), content=callback.body
    )
    assert answer.status_code == 200, answer.text


def _part(fake: FakeVonage, url: str, text: str, number: int, total: int) -> Callback:
    return fake.signed(url, {
        "msisdn": ANN[1:], "to": OURS[1:], "messageId": f"0A00000{number}", "text": text,
        "type": "text", "concat": "true", "concat-ref": "77", "concat-part": str(number),
        "concat-total": str(total),
    })  # fmt: skip


async def _at_the_text_question(system: Harness, fake: FakeVonage) -> str:
    """Ann is asked the survey's free-text question through Vonage; the inbound URL."""
    async with unit_of_work(system.runtime.engine) as session:
        fields = {**FIELDS, "api_url": fake.url}
        new = NewConnection("Vonage", "vonage", OURS, fields)
        await add_connection(
            session, system.runtime.secret, system.organization.id, new, system.clock.now()
        )
    org = system.organization.id
    receive = "/distribution-providers/v1/receive/distribution"
    url = f"{system.runtime.settings.public_url}{receive}/message/vonage/{org}"
    await system.distribute_list(await system.people("Long", ANN))
    await system.drain()
    for answer in ("10", "2"):
        await _post(system, fake.inbound_callback(url, ANN, OURS, answer))
        await system.drain()
    return url


async def test_the_parts_of_a_long_reply_make_one_answer(database_url: str) -> None:
    async with harness(database_url) as system, FakeVonage() as fake:
        url = await _at_the_text_question(system, fake)
        questions = len(fake.accepted())

        first, second, third = LONG[:153], LONG[153:206], LONG[206:]
        await _post(system, _part(fake, url, third, 3, 3))
        await _post(system, _part(fake, url, first, 1, 3))
        await _post(system, _part(fake, url, first, 1, 3))  # Vonage retried a part
        await system.drain()
        assert len(fake.accepted()) == questions, "nothing is answered before the last part"
        await _post(system, _part(fake, url, second, 2, 3))
        await system.drain()

        [response] = await system.rows(Response, Response.finished.is_(True))
        assert response.values["QID5_TEXT"] == LONG.strip()
        assert len(fake.accepted()) == questions + 1, "one reply: the end message"
        received = await system.rows(Message, Message.direction == "in", Message.body == LONG)
        assert len(received) == 1
        assert await system.rows(InboundPart) == []


async def test_a_part_that_never_comes_is_not_waited_for_forever(database_url: str) -> None:
    async with harness(database_url) as system, FakeVonage() as fake:
        url = await _at_the_text_question(system, fake)
        questions = len(fake.accepted())
        await _post(system, _part(fake, url, LONG[:153], 1, 2))
        await system.advance(timedelta(minutes=4))
        assert len(fake.accepted()) == questions, "the rest is still awaited"
        await system.advance(timedelta(minutes=2))
        assert len(fake.accepted()) == questions + 1
        [response] = await system.rows(Response, Response.finished.is_(True))
        assert response.values["QID5_TEXT"] == LONG[:153].strip()
        assert await system.rows(InboundPart) == []
