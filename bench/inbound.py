"""Benchmark: replies taken while a distribution sends, on the embedded default.

``smsurvey serve`` on 127.0.0.1 (a SQLite file, the worker inside, pacing off) sends a
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
``send_rate_per_s``, ``replies_during_send`` and ``errors``.
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


async def post_replies(instance: Instance, phones: list[str], posters: int) -> list[Posted]:
    """Post each phone's answer "10" as Twilio would, ``posters`` at a time."""
    url = (
        f"{instance.url}/distribution-providers/v1/receive/distribution/message/twilio/"
        f"{instance.organization}"
    )
    posted: list[Posted] = []
    waiting = iter(phones)
    connector = aiohttp.TCPConnector(limit=posters)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def poster() -> None:
            for number in waiting:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5_000)
    parser.add_argument("--replies", type=int, default=2_000)
    parser.add_argument("--posters", type=int, default=50)
    options = parser.parse_args()
    replies, recipients = options.replies, options.recipients
    respondents = [phone(n) for n in range(replies)]
    with fake_twilio() as fake, tempfile.TemporaryDirectory(prefix="bench-inbound-") as work:
        instance = prepare(
            Path(work),
            fake,
            {"Respondents": range(replies), "Invitees": range(replies, replies + recipients)},
        )
        with served(instance):
            two_way = distribute(instance, "Respondents", "--method", "interactive")
            wait_until(lambda: sent(instance.database, two_way) == replies, 120, "question 1")
            invitation = distribute(instance, "Invitees", "--message", TEXT)
            wait_until(lambda: sent(instance.database, invitation) > 0, 60, "the invitation")
            started = time.perf_counter()
            posted = asyncio.run(post_replies(instance, respondents, options.posters))
            posting = time.perf_counter() - started
            wait_until(
                lambda: len(next_questions(instance)) == replies,
                SETTLE_TIMEOUT,
                "every next question",
            )
            wait_until(
                lambda: sent(instance.database, invitation) == recipients,
                SETTLE_TIMEOUT,
                "the invitation to be sent",
            )
        send_started, send_ended = send_window(instance.database, invitation)
        asked = next_questions(instance)

    errors = sum(item.status != 200 for item in posted)
    ingest_ms = [item.seconds * 1000 for item in posted]
    turn_ms = [(asked[item.phone] - item.at) * 1000 for item in posted]
    during = sum(item.at <= send_ended for item in posted) / len(posted)
    send_rate = recipients / (send_ended - send_started)
    figures = {
        "replies_per_s": round(len(posted) / posting),
        "ingest_p50_ms": round(percentile(ingest_ms, 50), 1),
        "ingest_p99_ms": round(percentile(ingest_ms, 99), 1),
        "ingest_max_ms": round(max(ingest_ms), 1),
        "reply_to_question_p50_ms": round(percentile(turn_ms, 50), 1),
        "reply_to_question_p99_ms": round(percentile(turn_ms, 99), 1),
        "send_rate_per_s": round(send_rate),
        "replies_during_send": round(during, 3),
        "errors": errors,
    }
    print(
        f"{len(posted):,} replies by {options.posters} posters in {posting:.1f} s: "
        f"{figures['replies_per_s']:,} replies/s ingested, {errors} errors"
    )
    print(
        f"ingest: p50 {figures['ingest_p50_ms']} ms, p99 {figures['ingest_p99_ms']} ms "
        f"(target < 200), max {figures['ingest_max_ms']} ms"
    )
    print(
        f"reply to next question: p50 {figures['reply_to_question_p50_ms']} ms, "
        f"p99 {figures['reply_to_question_p99_ms']} ms (target < 1000)"
    )
    print(
        f"invitation: {recipients:,} texts at {send_rate:,.0f}/s; "
        f"{during:.0%} of the replies came while it was sending"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
