"""Benchmark: the v3 API while an invitation sends, on the embedded default.

``smsurvey serve`` on 127.0.0.1 (a SQLite file, its worker beside it, pacing off) sends an
invitation through a Twilio connection to nginx's Twilio look-alike (``fake_twilio.py``)
twice with the same number of recipients: first quiet, then while 50 API clients call
the API one request after another, each waiting 0.2 s between its calls (``--pause``), as
integrations polling reports and adding contacts would. Each client goes round this mix:

* the sending distribution's report (``GET /API/v3/distributions/sms/{id}``);
* a page of a mailing list's members;
* the survey list;
* a contact created in the directory (a write);
* ``whoami``.

It prints both send rates and their ratio (target: loaded at least 70 % of quiet), and the
API's latency p50, p99 and max over the requests made while the loaded invitation sent,
per call and in all (target p99 under 500 ms).

    .venv/bin/python bench/api_under_load.py [--recipients N] [--clients N] [--pause S]

``--pause 0`` has the clients call back to back: that measures how many calls the server
takes at most (its one core is then full, and a call's latency is its wait in line), not
how quickly it answers its users.

Last line: JSON with ``quiet_send_per_s``, ``loaded_send_per_s``, ``send_ratio``,
``api_requests``, ``api_per_s``, ``api_p50_ms``, ``api_p99_ms``, ``api_max_ms``,
``api_p99_ms_by_call`` and ``errors``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from fake_twilio import fake_twilio
from live_server import (
    Instance,
    distribute,
    percentile,
    prepare,
    send_window,
    sent,
    served,
    wait_until,
)
from send_throughput import TEXT

SEND_TIMEOUT = 600.0


@dataclass(frozen=True)
class Call:
    """One API request as its client saw it."""

    name: str
    seconds: float
    status: int


async def _directory(session: aiohttp.ClientSession, base: str) -> str:
    async with session.get(f"{base}/directories") as answer:
        body = await answer.json()
    return str(body["result"]["elements"][0]["directoryId"])


async def load(
    instance: Instance, distribution: str, clients: int, pause: float, done: asyncio.Event
) -> list[Call]:
    """Run ``clients`` API clients round the mix, each waiting ``pause`` seconds between
    its calls, until ``done`` is set; every call made."""
    base = f"{instance.url}/API/v3"
    headers = {"X-API-TOKEN": instance.token}
    members = instance.lists["Members"]
    calls: list[Call] = []
    serial = itertools.count()
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        directory = await _directory(session, base)
        page = f"{base}/directories/{directory}/mailinglists/{members}/contacts?pageSize=50"
        requests = [
            ("report", "GET", f"{base}/distributions/sms/{distribution}", None),
            ("list page", "GET", page, None),
            ("surveys", "GET", f"{base}/surveys", None),
            ("contact create", "POST", f"{base}/directories/{directory}/contacts", "contact"),
            ("whoami", "GET", f"{base}/whoami", None),
        ]  # fmt: skip

        async def client(offset: int) -> None:
            for turn in itertools.count(offset):
                if done.is_set():
                    return
                name, method, url, body = requests[turn % len(requests)]
                payload = None
                if body == "contact":
                    n = next(serial)
                    payload = {"firstName": f"Load{n}", "phone": f"+1310555{n % 10_000:04d}"}
                started = time.perf_counter()
                async with session.request(method, url, json=payload) as answer:
                    await answer.read()
                calls.append(Call(name, time.perf_counter() - started, answer.status))
                await asyncio.sleep(pause)

        await asyncio.gather(*(client(n) for n in range(clients)))
    return calls


def send_rate(instance: Instance, distribution: str, recipients: int) -> float:
    """Wait until the distribution is sent; recipients per second from start to last text."""
    wait_until(
        lambda: sent(instance.database, distribution) == recipients, SEND_TIMEOUT, "the send"
    )
    started, ended = send_window(instance.database, distribution)
    return recipients / (ended - started)


def loaded_send(
    instance: Instance, recipients: int, clients: int, pause: float
) -> tuple[str, list[Call], float]:
    """Create the second invitation (of ``recipients``) and load the API until it is sent;
    its id, the calls and how long the load ran."""

    async def run() -> tuple[str, list[Call], float]:
        distribution = await asyncio.to_thread(distribute, instance, "Loaded", "--message", TEXT)
        done = asyncio.Event()
        started = time.perf_counter()
        loading = asyncio.create_task(load(instance, distribution, clients, pause, done))
        await asyncio.to_thread(
            wait_until,
            lambda: sent(instance.database, distribution) == recipients,
            SEND_TIMEOUT,
            "the loaded send",
        )
        done.set()
        calls = await loading
        return distribution, calls, time.perf_counter() - started

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds each client waits between its calls"
    )
    options = parser.parse_args()
    n = options.recipients
    lists = {"Quiet": range(n), "Loaded": range(n, 2 * n), "Members": range(2 * n, 2 * n + 500)}
    with fake_twilio() as fake, tempfile.TemporaryDirectory(prefix="bench-api-load-") as work:
        instance = prepare(Path(work), fake, lists)
        with served(instance):
            quiet = send_rate(instance, distribute(instance, "Quiet", "--message", TEXT), n)
            distribution, calls, seconds = loaded_send(instance, n, options.clients, options.pause)
            loaded = send_rate(instance, distribution, n)
    all_ms = [call.seconds * 1000 for call in calls]
    by_call: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        by_call[call.name].append(call.seconds * 1000)
    figures = {
        "quiet_send_per_s": round(quiet),
        "loaded_send_per_s": round(loaded),
        "send_ratio": round(loaded / quiet, 3),
        "api_requests": len(calls),
        "api_per_s": round(len(calls) / seconds),
        "api_p50_ms": round(percentile(all_ms, 50), 1),
        "api_p99_ms": round(percentile(all_ms, 99), 1),
        "api_max_ms": round(max(all_ms), 1),
        "api_p99_ms_by_call": {
            name: round(percentile(values, 99), 1) for name, values in sorted(by_call.items())
        },
        "errors": sum(call.status >= 400 for call in calls),
    }
    print(f"quiet: {n:,} texts at {quiet:,.0f}/s")
    print(
        f"loaded: {n:,} texts at {loaded:,.0f}/s = {figures['send_ratio']:.0%} of quiet "
        f"(target >= 70 %) while {options.clients} clients made {len(calls):,} API calls "
        f"({figures['api_per_s']:,}/s)"
    )
    print(
        f"API: p50 {figures['api_p50_ms']} ms, p99 {figures['api_p99_ms']} ms (target < 500), "
        f"max {figures['api_max_ms']} ms; {figures['errors']} errors"
    )
    for name, p99 in figures["api_p99_ms_by_call"].items():  # type: ignore[union-attr]
        print(f"  {name}: p99 {p99} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
