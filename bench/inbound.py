"""Benchmark: replies taken while a distribution sends, on the embedded default.

``smsurvey serve`` on 127.0.0.1 (a SQLite file, its worker beside it, pacing off) sends a
5,000-recipient invitation through a Twilio connection to nginx's Twilio look-alike
(``fake_twilio.py``). Meanwhile 50 concurrent posters post signed Twilio inbound webhooks:
the answers of the respondents of a 2-way survey to the first question, sent to them
before. It measures

* replies/s ingested: webhooks answered over the time the posters ran;
* ingest p50 and p99: from a webhook's request to its answer, at the poster (target p99
  under 200 ms);
* reply to next question p99: from a reply's request to the start of the request that
  hands the next question to the provider (target under 1 s);

and the invitation's send rate in the same run, with the share of the replies that came
while it was sending.

    .venv/bin/python bench/inbound.py [--recipients N] [--replies N] [--posters N]

Last line: JSON with ``replies_per_s``, ``ingest_p50_ms``, ``ingest_p99_ms``,
``ingest_max_ms``, ``reply_to_question_p50_ms``, ``reply_to_question_p99_ms``,
``send_rate_per_s``, ``during_send``, ``errors``, the same for the burst phase
(``burst_…``), and the ingest and reply-to-question p99 of the steady replies that came
while the invitation was sending (``sending_…``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, fake_twilio
from live_server import (
    Instance,
    distribute,
    epoch,
    percentile,
    phone,
    prepare,
    query,
    send_window,
    sent,
    served,
    wait_until,
)
from send_throughput import SENDER, TEXT
from smsurvey.providers.twilio import SIGNATURE_HEADER, signature

SETTLE_TIMEOUT = 300.0


@dataclass(frozen=True)
class Posted:
    """One reply webhook as its poster saw it."""

    phone: str
    at: float
    """Epoch seconds when its request started."""
    seconds: float
    status: int


async def post_replies(
    instance: Instance, phones: list[str], posters: int, rate: float | None
) -> list[Posted]:
    """Post each phone's answer "10" as Twilio would, ``posters`` at a time: at ``rate``
    replies/s in all (each when its turn comes, or at once when late), or as fast as they
    are taken when ``rate`` is None."""
    url = (
        f"{instance.url}/distribution-providers/v1/receive/distribution/message/twilio/"
        f"{instance.organization}"
    )
    posted: list[Posted] = []
    waiting = iter(enumerate(phones))
    connector = aiohttp.TCPConnector(limit=posters)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()

        async def poster() -> None:
            for turn, number in waiting:
                if rate is not None:
                    await asyncio.sleep(max(0.0, start + turn / rate - time.perf_counter()))
                fields = {
                    "MessageSid": f"SM{secrets.token_hex(16)}",
                    "AccountSid": ACCOUNT_SID,
                    "From": number,
                    "To": SENDER,
                    "Body": "10",
                    "NumSegments": "1",
                }
                headers = {SIGNATURE_HEADER: signature(AUTH_TOKEN, url, fields)}
                at, started = time.time(), time.perf_counter()
                async with session.post(url, data=fields, headers=headers) as answer:
                    await answer.read()
                posted.append(Posted(number, at, time.perf_counter() - started, answer.status))

        await asyncio.gather(*(poster() for _ in range(posters)))
    return posted


def next_questions(instance: Instance) -> dict[str, float]:
    """When the request of each respondent's second question started (epoch seconds)."""
    rows = query(
        instance.database,
        "SELECT recipient, requested_at FROM messages"
        " WHERE direction = 'out' AND session_id IS NOT NULL AND requested_at IS NOT NULL"
        " ORDER BY id",
    )
    texts: dict[str, list[float]] = defaultdict(list)
    for recipient, requested_at in rows:
        texts[str(recipient)].append(epoch(requested_at))
    return {number: times[1] for number, times in texts.items() if len(times) > 1}


@dataclass(frozen=True)
class Phase:
    """What the posters of one phase saw, and when the invitation was sending."""

    posted: list[Posted]
    seconds: float

    def figures(self, send_ended: float) -> dict[str, float]:
        ingest_ms = [item.seconds * 1000 for item in self.posted]
        return {
            "replies_per_s": round(len(self.posted) / self.seconds),
            "ingest_p50_ms": round(percentile(ingest_ms, 50), 1),
            "ingest_p99_ms": round(percentile(ingest_ms, 99), 1),
            "ingest_max_ms": round(max(ingest_ms), 1),
            "during_send": round(
                sum(item.at <= send_ended for item in self.posted) / len(self.posted), 3
            ),
            "errors": sum(item.status != 200 for item in self.posted),
        }


def posting(instance: Instance, phones: list[str], posters: int, rate: float | None) -> Phase:
    started = time.perf_counter()
    posted = asyncio.run(post_replies(instance, phones, posters, rate))
    return Phase(posted, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5_000)
    parser.add_argument("--replies", type=int, default=1_000, help="of the steady phase")
    parser.add_argument("--rate", type=float, default=100.0, help="replies/s, steady phase")
    parser.add_argument("--burst", type=int, default=2_000, help="replies of the burst phase")
    parser.add_argument("--posters", type=int, default=50)
    options = parser.parse_args()
    recipients, steady, burst = options.recipients, options.replies, options.burst
    respondents = [phone(n) for n in range(steady + burst)]
    lists = {
        "Respondents": range(steady + burst),
        "Invitees": range(steady + burst, steady + burst + recipients),
    }
    with fake_twilio() as fake, tempfile.TemporaryDirectory(prefix="bench-inbound-") as work:
        instance = prepare(Path(work), fake, lists)
        with served(instance):
            two_way = distribute(instance, "Respondents", "--method", "interactive")
            asked = len(respondents)
            wait_until(lambda: sent(instance.database, two_way) == asked, 300, "question 1")
            invitation = distribute(instance, "Invitees", "--message", TEXT)
            wait_until(lambda: sent(instance.database, invitation) > 0, 60, "the invitation")
            paced = posting(instance, respondents[:steady], options.posters, options.rate)
            flat_out = posting(instance, respondents[steady:], options.posters, None)
            wait_until(
                lambda: len(next_questions(instance)) == len(respondents),
                SETTLE_TIMEOUT,
                "every next question",
            )
            wait_until(
                lambda: sent(instance.database, invitation) == recipients,
                SETTLE_TIMEOUT,
                "the invitation to be sent",
            )
        send_started, send_ended = send_window(instance.database, invitation)
        next_asked = next_questions(instance)

    turn_ms = [(next_asked[item.phone] - item.at) * 1000 for item in paced.posted]
    while_sending = [item for item in paced.posted if item.at <= send_ended]
    sending_ingest_ms = [item.seconds * 1000 for item in while_sending]
    sending_turn_ms = [(next_asked[item.phone] - item.at) * 1000 for item in while_sending]
    steady_figures = paced.figures(send_ended)
    burst_figures = flat_out.figures(send_ended)
    send_rate = recipients / (send_ended - send_started)
    figures = {
        **steady_figures,
        "reply_to_question_p50_ms": round(percentile(turn_ms, 50), 1),
        "reply_to_question_p99_ms": round(percentile(turn_ms, 99), 1),
        "sending_replies": len(while_sending),
        "sending_ingest_p99_ms": round(percentile(sending_ingest_ms, 99), 1),
        "sending_reply_to_question_p99_ms": round(percentile(sending_turn_ms, 99), 1),
        **{f"burst_{name}": value for name, value in burst_figures.items()},
        "send_rate_per_s": round(send_rate),
    }
    print(f"invitation: {recipients:,} texts at {send_rate:,.0f}/s while the replies came")
    for name, phase, shown in (
        (f"steady, {options.rate:g} replies/s offered", paced, steady_figures),
        ("burst, as fast as taken", flat_out, burst_figures),
    ):
        print(
            f"{name}: {len(phase.posted):,} replies by {options.posters} posters in "
            f"{phase.seconds:.1f} s = {shown['replies_per_s']:,} replies/s ingested; "
            f"ingest p50 {shown['ingest_p50_ms']} ms, p99 {shown['ingest_p99_ms']} ms "
            f"(target < 200), max {shown['ingest_max_ms']} ms; "
            f"{shown['during_send']:.0%} while the invitation was sending; "
            f"{shown['errors']} errors"
        )
    print(
        f"steady: reply to next question p50 {figures['reply_to_question_p50_ms']} ms, "
        f"p99 {figures['reply_to_question_p99_ms']} ms (target < 1000)"
    )
    print(
        f"the {len(while_sending):,} steady replies that came while the invitation was "
        f"sending: ingest p99 {figures['sending_ingest_p99_ms']} ms (target < 200), reply to "
        f"next question p99 {figures['sending_reply_to_question_p99_ms']} ms (target < 1000)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
