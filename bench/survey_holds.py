"""Benchmark: the worker's check for surveys that stopped taking answers, on a big history.

The check (``smsurvey.distributions.holds.hold_for_surveys``) runs in every worker twice
a second, so its cost must not grow with what was sent. The database holds, per
organisation of the run:

* an active survey with ``--texts`` invitations queued (a send under way);
* an expired survey with ``--texts`` invitations sent long ago;
* a paused survey with half as many invitations held.

Each round is one transaction of the check, as the worker runs it; nothing changes after
the first, so every round does the whole work of finding nothing to do. Runs on a fresh
SQLite file, and on PostgreSQL when ``--postgres URL`` is given (a database it creates and
drops).

    .venv/bin/python bench/survey_holds.py [--texts N] [--rounds N] [--postgres URL]

Last line: JSON with ``sqlite_round_ms_p50``, ``sqlite_round_ms_max`` (and the same for
``postgresql``), and ``texts``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from smsurvey.app import embedded
from smsurvey.distributions.holds import hold_for_surveys
from smsurvey.kit.db import create_engine, unit_of_work
from smsurvey.models.accounts import Organization
from smsurvey.models.distributions import Distribution, Recipient
from smsurvey.models.messaging import Message
from smsurvey.models.migrate import upgrade
from smsurvey.models.surveys import Survey
from smsurvey.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.postgres import scratch_database

SENDER = "+15005550006"
SURVEYS = (  # id, is_active, expired, state of its texts, share of --texts
    ("SV_active", True, False, "queued", 1.0),
    ("SV_expired", True, True, "sent", 1.0),
    ("SV_paused", False, False, "held", 0.5),
)


async def _fill(url: str, texts: int, now: datetime) -> None:
    engine = create_engine(url)
    recipients, messages = Recipient.__table__, Message.__table__
    try:
        async with unit_of_work(engine) as session:
            session.add(Organization(id="OR_bench", name="Bench", created_at=now))
            await session.flush()
            for survey_id, active, expired, _, _ in SURVEYS:
                session.add(
                    Survey(
                        id=survey_id, organization_id="OR_bench", name=survey_id, definition={},
                        is_active=active, expires_at=now - timedelta(days=1) if expired else None,
                        created_at=now, updated_at=now,
                    )
                )  # fmt: skip
            await session.flush()
            for survey_id, *_ in SURVEYS:
                session.add(
                    Distribution(
                        id=f"SMSD_{survey_id}", organization_id="OR_bench", survey_id=survey_id,
                        method="Invite", name=survey_id, provider="simulator", sender=SENDER,
                        status="Planned", send_at=now, created_at=now,
                    )
                )  # fmt: skip
            await session.flush()
            for survey_id, _, _, state, share in SURVEYS:
                for start in range(0, int(texts * share), 10_000):
                    count = min(10_000, int(texts * share) - start)
                    rows = [
                        {"distribution_id": f"SMSD_{survey_id}", "phone": "+14155550100",
                         "created_at": now}
                        for _ in range(count)
                    ]  # fmt: skip
                    ids = await session.scalars(insert(recipients).returning(recipients.c.id), rows)
                    await session.execute(
                        insert(messages),
                        [
                            {
                                "organization_id": "OR_bench", "direction": "out",
                                "provider": "simulator", "sender": SENDER,
                                "recipient": "+14155550100", "body": "Hi! How did we do?",
                                "kind": "invite", "parts": 1, "credits": 0, "priority": 10,
                                "distribution_id": f"SMSD_{survey_id}", "recipient_id": id_,
                                "send_state": state, "next_attempt_at": now, "attempts": 0,
                                "created_at": now,
                            }
                            for id_ in ids
                        ],
                    )  # fmt: skip
        if not url.startswith("sqlite"):
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _rounds(url: str, rounds: int) -> list[float]:
    _, runtime = embedded(Settings(database_url=url, secret_key=secrets.token_urlsafe(32)))
    took = []
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            async with unit_of_work(runtime.engine) as session:
                await hold_for_surveys(session, runtime)
            took.append((time.perf_counter() - started) * 1000)
    finally:
        await runtime.aclose()
    return took


def _measure(url: str, texts: int, rounds: int) -> list[float]:
    upgrade(url)
    asyncio.run(_fill(url, texts, datetime.now(UTC)))
    return asyncio.run(_rounds(url, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--postgres", help="an administrator's URL, e.g. postgresql+asyncpg://…")
    args = parser.parse_args()
    figures: dict[str, float] = {"texts": args.texts}
    runs: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as where:
        runs["sqlite"] = _measure(
            f"sqlite+aiosqlite:///{Path(where) / 'holds.db'}", args.texts, args.rounds
        )
    if args.postgres:
        name = f"smsurvey_bench_{secrets.token_hex(4)}"
        with scratch_database(name, args.postgres) as url:
            runs["postgresql"] = _measure(url, args.texts, args.rounds)
    for database, took in runs.items():
        steady = took[1:] or took
        p50, worst = statistics.median(steady), max(steady)
        print(f"{database}: a round of the check takes {p50:.1f} ms (p50), {worst:.1f} ms (max)")
        figures[f"{database}_round_ms_p50"] = round(p50, 2)
        figures[f"{database}_round_ms_max"] = round(worst, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
