"""A running smsurvey for the Qualtrics clients: the embedded system (with the example
survey) served by uvicorn on 127.0.0.1 from a thread of its own, so that a client's blocking
calls can reach it, and the TLS proxy the clients with a hard-coded host go through.

The data every client test reads is made here the way it arrives in real life: a Brand
Administrator with an API token, a mailing list of two people, a saved invitation, and two
people who answered the example survey by text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from smsurvey.accounts.access import BRAND_ADMINISTRATOR, create_api_token, create_user
from smsurvey.app import create_app
from smsurvey.contacts.service import ContactFields, default_directory
from smsurvey.distributions.library import save_message
from smsurvey.distributions.service import Recipients
from smsurvey.kit.db import unit_of_work
from tests.clients.tls_proxy import TlsProxy, make_certificates
from tests.messaging.harness import Harness, harness
from tests.web.live import QuietServer, started

T = TypeVar("T")
ANN, BOB = "+14155552671", "+14155552672"
INVITATION = "Hi ${m://FirstName}, tell us how we did: ${l://SurveyURL}"


@dataclass
class Seeded:
    """The ids of what :func:`seed` made."""

    token: str
    user_id: str
    directory_id: str
    mailing_list_id: str
    message_id: str
    survey_id: str
    distribution_id: str


async def seed(system: Harness) -> Seeded:
    """An administrator's token, a mailing list (Ann and Bob), a saved invitation, and a
    2-way distribution Ann and Bob answered (Ann a promoter, Bob a detractor)."""
    now = system.clock.now()
    async with unit_of_work(system.runtime.engine) as session:
        user = await create_user(
            session, system.organization, "ada@example.org", now,
            role=BRAND_ADMINISTRATOR, first_name="Ada", last_name="Lovelace",
        )  # fmt: skip
        _, token = await create_api_token(session, user, now)
        directory = await default_directory(session, system.organization, system.clock)
        message = await save_message(
            session, system.organization, INVITATION, "smsInvite", now, "Feedback invitation"
        )
        user_id, directory_id, message_id = user.id, directory.id, message.id
    people = (
        ContactFields(first_name="Ann", last_name="Smith", phone=ANN, email="ann@example.org"),
        ContactFields(first_name="Bob", last_name="Jones", phone=BOB),
    )
    list_id = await system.contacts("Customers", *people)
    distribution_id = await system.distribute(system.survey_id, Recipients(mailing_list_id=list_id))
    await system.drain()
    for phone, replies in ((ANN, ("10", "2", "Great, thanks")), (BOB, ("3", "1", "Too slow"))):
        for reply in replies:
            await system.text(phone, reply)
    return Seeded(
        token, user_id, directory_id, list_id, message_id, system.survey_id, distribution_id
    )


@dataclass
class Live:
    """The running system: ``url`` is its plain-HTTP address, ``proxy`` the TLS proxy in
    front of it, ``seeded`` the ids of the data."""

    system: Harness
    url: str
    proxy: TlsProxy
    seeded: Seeded
    loop: asyncio.AbstractEventLoop
    stopping: asyncio.Event

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the server's loop (the test's thread waits for it)."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)


def last_error(live: Live) -> tuple[int, str]:
    """The status and v3 ``errorMessage`` of the last answer through the proxy."""
    head, _, body = live.proxy.last_answer().partition("\r\n\r\n")
    return int(head.split(" ", 2)[1]), json.loads(body)["meta"]["error"]["errorMessage"]


def refused_clearly(live: Live, message: str) -> None:
    """The last answer through the proxy is a v3 400 that says ``message``."""
    answer = live.proxy.last_answer()
    assert answer.startswith("HTTP/1.1 400"), answer
    assert '"httpStatus":"400 - Bad Request"' in answer
    assert '"errorCode":"NOT_SUPPORTED"' in answer
    assert message in answer, answer


@contextmanager
def live_smsurvey(database_url: str, folder: Path) -> Iterator[Live]:
    """Serve the seeded system on 127.0.0.1 (and its TLS proxy) until the block ends."""
    ready: list[Live] = []
    failed: list[BaseException] = []
    up = threading.Event()
    certificates = make_certificates(folder)

    async def serve() -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        async with harness(database_url) as system:
            app = create_app(system.runtime.settings, clock=system.clock, run_worker=False)
            app.state.runtime = system.runtime
            server = QuietServer(uvicorn.Config(app, lifespan="off", log_level="warning"))
            serving = asyncio.create_task(server.serve(sockets=[listener]))
            proxy = TlsProxy(certificates, port)
            await proxy.start()
            try:
                await started(server, serving)
                seeded = await seed(system)
                url = f"http://127.0.0.1:{port}"
                live = Live(system, url, proxy, seeded, asyncio.get_running_loop(), asyncio.Event())
                ready.append(live)
                up.set()
                await live.stopping.wait()
            finally:
                await proxy.close()
                server.should_exit = True
                await serving

    def thread() -> None:
        try:
            asyncio.run(serve())
        except BaseException as error:  # reported to the test below
            failed.append(error)
            up.set()

    errors = _Errors()
    logging.getLogger("smsurvey").addHandler(errors)
    runner = threading.Thread(target=thread, name="live-smsurvey", daemon=True)
    runner.start()
    try:
        assert up.wait(120), "smsurvey did not start within 120 s"
        if failed:
            raise failed[0]
        yield ready[0]
    finally:
        if ready:
            ready[0].loop.call_soon_threadsafe(ready[0].stopping.set)
        runner.join(30)
        logging.getLogger("smsurvey").removeHandler(errors)
    if failed:
        raise failed[0]
    assert not errors.seen, "smsurvey logged errors (a 500 is a bug): " + "; ".join(errors.seen)


class _Errors(logging.Handler):
    """The errors smsurvey logs while it serves the clients."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())
