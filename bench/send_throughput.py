"""Benchmark: a 20,000-recipient SMS invitation through a Twilio look-alike on 127.0.0.1.

On the embedded default (a SQLite file, one worker process), with pacing off, the real
commands connect a Twilio account, import a survey and 20,000 contacts and create the
invitation; then
``smsurvey worker --once`` plans it (in its planning helper process, once that is up) and
sends it through the Twilio adapter to nginx, which answers like Twilio after 20 ms
(``fake_twilio.py``). The rate is recipients over the
time from the distribution's start to its last hand-over, read from the database.

In the same run, against the same fake:

* the plain loop a user would write instead: ``twilio`` SDK ``messages.create`` in a
  loop (timed on a sample of 1,000 sends);
* the ceiling: a bare ``aiohttp`` loop posting the same requests, no database;
* the fake's own capacity, measured with ``wrk``, which must be well above both.

    .venv/bin/python bench/send_throughput.py [--recipients N] [--plain-sample N]

Last line: JSON with ``messages_per_s``, ``plain_loop_messages_per_s``,
``raw_client_messages_per_s``, ``fake_capacity_per_s`` and ``peak_rss_mb``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil

from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, capacity, fake_twilio, messages_url, post_loop

ROOT = Path(__file__).resolve().parents[1]
SMSURVEY = Path(sys.executable).with_name("smsurvey")
EXAMPLE = ROOT / "src" / "smsurvey" / "examples" / "customer-feedback.yaml"
SENDER = "+15005550006"
TEXT = "Hi ${m://FirstName}, how was your visit? ${l://SurveyURL}"


def plain_loop(base_url: str, sends: int) -> float:
    """Sends/s of ``twilio.rest.Client().messages.create`` in a loop."""
    from twilio.rest import Client

    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = base_url
    started = time.perf_counter()
    for n in range(sends):
        client.messages.create(to=f"+1415555{n % 10000:04d}", from_=SENDER, body="Hi Ann")
    return sends / (time.perf_counter() - started)


def _contacts(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("First Name,Phone\n")
        for n in range(count):
            out.write(f"Person{n},+1{201 + n // 10_000 % 700}55{n % 100_000:05d}\n")


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(SMSURVEY), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"smsurvey {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _watch(process: subprocess.Popen[str]) -> float:
    """Wait for ``process``, sampling its memory with its children's (the planning helper);
    returns the peak of their summed RSS in MB."""
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            family = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(member.memory_info().rss for member in family))
        except psutil.NoSuchProcess:  # the worker, or a child, ended between the two calls
            continue
        time.sleep(0.05)
    return peak / 1e6


def prepare_invitation(
    env: dict[str, str], base_url: str, recipients: int, work: Path, account: tuple[str, str]
) -> str:
    """With the real commands: a Twilio connection to ``base_url`` (account SID and auth
    token), the example survey, ``recipients`` contacts and an invitation to them;
    returns the distribution's id."""
    sid, token = account
    _run(
        env, "providers", "add", "twilio", "--name", "Bench", "--sender", SENDER,
        "--field", f"account_sid={sid}", "--field", f"auth_token={token}",
        "--field", f"api_url={base_url}",
    )  # fmt: skip
    survey = re.search(r"SV_\w{15}", _run(env, "surveys", "import", str(EXAMPLE)))
    people = work / "people.csv"
    _contacts(people, recipients)
    _run(env, "contacts", "import", str(people), "--list", "Bench", "--phone-column", "Phone")
    listed = re.search(r"CG_\w{15}", _run(env, "contacts", "lists"))
    if survey is None or listed is None:
        raise SystemExit("the survey or the contacts were not imported")
    created = _run(
        env, "distributions", "create", "--survey", survey.group(), "--list", listed.group(),
        "--message", TEXT, "--yes",
    )  # fmt: skip
    distribution = re.search(r"SMSD_\w{15}", created)
    if distribution is None:
        raise SystemExit(f"the distribution was not created:\n{created}")
    return distribution.group()


def smsurvey_rate(base_url: str, recipients: int, work: Path) -> tuple[float, float]:
    """Messages/s from the distribution's start to its last hand-over, and the peak RSS."""
    database = work / "smsurvey.db"
    env = {
        **os.environ,
        "SMSURVEY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SMSURVEY_PACING": "false",
        "SMSURVEY_LOG_LEVEL": "warning",
    }
    distribution = prepare_invitation(env, base_url, recipients, work, (ACCOUNT_SID, AUTH_TOKEN))
    worker = subprocess.Popen(
        [str(SMSURVEY), "worker", "--once"], env=env, stdout=subprocess.PIPE, text=True
    )
    peak_mb = _watch(worker)
    if worker.returncode != 0:
        raise SystemExit("the worker failed")
    with sqlite3.connect(database) as db:
        started, last, sent = db.execute(
            "SELECT d.started_at, MAX(e.at), COUNT(*) FROM distributions d"
            " JOIN messages m ON m.distribution_id = d.id"
            " JOIN message_events e ON e.message_id = m.id AND e.status = 'Sent'"
            " WHERE d.id = ?",
            (distribution,),
        ).fetchone()
    if sent != recipients:
        raise SystemExit(f"{sent} of {recipients} texts were handed over")
    seconds = (datetime.fromisoformat(last) - datetime.fromisoformat(started)).total_seconds()
    return recipients / seconds, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--plain-sample", type=int, default=1_000)
    options = parser.parse_args()
    with fake_twilio() as base, tempfile.TemporaryDirectory(prefix="bench-send-") as work:
        fake = capacity(base)
        print(f"fake Twilio capacity:      {fake:9,.0f} requests/s (wrk, 800 connections)")
        raw = options.recipients / asyncio.run(
            post_loop(messages_url(base), options.recipients, 100)
        )
        print(f"bare aiohttp ceiling:      {raw:9,.0f} messages/s (100 in flight, no database)")
        plain = plain_loop(base, options.plain_sample)
        print(
            f"twilio SDK plain loop:     {plain:9,.0f} messages/s ({options.plain_sample:,} sends)"
        )
        rate, peak_mb = smsurvey_rate(base, options.recipients, Path(work))
        print(
            f"smsurvey invitation:       {rate:9,.0f} messages/s "
            f"({options.recipients:,} recipients, start to last hand-over), "
            f"worker and planning helper peak {peak_mb:.0f} MB"
        )
        print(
            f"  = {rate / plain:.1f}× the plain loop, {rate / raw:.0%} of the ceiling, "
            f"fake at {fake / max(raw, rate):.1f}× the faster client"
        )
    figures = {
        "messages_per_s": round(rate),
        "plain_loop_messages_per_s": round(plain, 1),
        "raw_client_messages_per_s": round(raw),
        "fake_capacity_per_s": round(fake),
        "peak_rss_mb": round(peak_mb),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
