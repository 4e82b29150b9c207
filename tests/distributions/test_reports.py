"""Distribution reports, the history download and the preview (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from smsurvey.distributions import reports
from smsurvey.distributions.preview import preview, send_test
from smsurvey.distributions.reports import Enclosure, HistoryRow, Metrics, derived_status
from smsurvey.distributions.service import Lifecycle, Method, get_distribution
from smsurvey.kit.db import unit_of_work
from smsurvey.models.distributions import Distribution
from smsurvey.models.messaging import Message
from tests.distributions.customers import ANN, BOB, CID, DAN, customers, invite
from tests.messaging.harness import Harness, harness


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url, behaviours=f"{CID}=failed") as running:
        yield running


async def report(system: Harness, distribution_id: str) -> reports.DistributionReport:
    async with unit_of_work(system.runtime.engine) as session:
        return await reports.report(session, system.organization, distribution_id)


async def history(system: Harness, distribution_id: str) -> list[HistoryRow]:
    async with unit_of_work(system.runtime.engine) as session:
        return await reports.history(session, system.organization, distribution_id)


async def test_report_and_history_follow_each_recipient(system: Harness) -> None:
    list_id = await customers(system)
    await system.text(DAN, "STOP")
    distribution_id = await invite(system, list_id)
    assert (await report(system, distribution_id)).status == "Scheduled"
    await system.drain()
    await system.advance(timedelta(seconds=1))

    shown = await report(system, distribution_id)
    assert shown.status == "Sent"
    assert shown.metrics.recipients == 4
    assert (shown.metrics.sent, shown.metrics.delivered, shown.metrics.failed) == (3, 2, 0)
    assert shown.metrics.waiting == 0
    assert shown.metrics.parts == 3
    assert shown.metrics.credits == sum(
        (m.credits for m in await system.rows(Message, Message.distribution_id == distribution_id)),
        Decimal(0),
    )
    rows = {row.phone: row for row in await history(system, distribution_id)}
    assert {phone: row.status for phone, row in rows.items()} == {
        ANN: "Delivered",
        BOB: "Delivered",
        CID: "Failed",
        DAN: "Skipped (opt-out)",
    }
    ann = rows[ANN]
    assert (ann.first_name, ann.last_name, ann.user_name, ann.respondent) == (
        "Ann",
        "Lee",
        "ann.lee",
        False,
    )
    assert ann.person_id.startswith("CID_")
    assert ann.at is not None
    assert ann.at.replace(tzinfo=UTC) >= system.clock.now() - timedelta(seconds=2)


async def test_follow_ups_are_related_both_ways(system: Harness) -> None:
    list_id = await customers(system)
    parent = await invite(system, list_id)
    await system.drain()
    reminder = await system.distribute(
        system.survey_id,
        method=Method.REMINDER,
        parent_distribution_id=parent,
        message_text="Still time: ${l://SurveyURL}",
        send_at=system.clock.now() + timedelta(days=2),
    )
    assert [d.id for d in (await report(system, parent)).related] == [reminder]
    assert [d.id for d in (await report(system, reminder)).related] == [parent]
    assert (await report(system, reminder)).status == "Scheduled"


async def test_preview_renders_the_first_recipient_and_estimates(system: Harness) -> None:
    list_id = await customers(system)
    distribution_id = await invite(system, list_id, send_at=system.clock.now() + timedelta(days=1))
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        shown = await preview(session, system.runtime, distribution)
    assert shown.sample_recipient == "Ann Lee"
    assert shown.text == "Hi Ann, how did we do? <survey link>"
    assert shown.personal_links
    assert (shown.encoding, shown.parts, shown.recipients, shown.texts) == ("GSM-7", 1, 4, 4)
    assert shown.credits_each > 0
    assert shown.total_credits == shown.credits_each * 4
    assert shown.duration > timedelta(0)
    assert shown.warnings == ()


async def test_preview_counts_texts_held_by_quiet_hours(system: Harness) -> None:
    list_id = await customers(system)
    midnight_in_california = datetime(2030, 1, 1, 8, tzinfo=UTC)
    distribution_id = await invite(
        system,
        list_id,
        send_at=midnight_in_california,
        quiet_hours={"start": "09:00", "end": "20:00"},
    )
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        shown = await preview(session, system.runtime, distribution)
    assert shown.waiting == 4


async def test_a_test_text_reaches_the_test_number(system: Harness) -> None:
    list_id = await customers(system)
    distribution_id = await invite(system, list_id, send_at=system.clock.now() + timedelta(days=1))
    async with unit_of_work(system.runtime.engine) as session:
        distribution = await get_distribution(session, system.organization, distribution_id)
        await send_test(session, system.runtime, distribution, "+1 (415) 555-2699")
    await system.drain()
    assert (await system.last("+14155552699")).startswith("Hi Ann, how did we do?")
    assert await system.inbox(ANN) == []
    scheduled = (await system.rows(Distribution, Distribution.id == distribution_id))[0]
    assert scheduled.status == Lifecycle.SCHEDULED


def _distribution(status: str) -> Distribution:
    return Distribution(id="SMSD_x", status=status)


@pytest.mark.parametrize(
    ("stored", "waiting", "troubled", "paused", "shown"),
    [
        (Lifecycle.SCHEDULED, 0, False, False, "Scheduled"),
        (Lifecycle.SCHEDULED, 0, False, True, "Scheduled"),
        (Lifecycle.CANCELLED, 0, False, False, "Cancelled"),
        (Lifecycle.FAILED, 0, False, False, "Failed"),
        (Lifecycle.IN_PROGRESS, 0, False, False, "In progress"),
        (Lifecycle.IN_PROGRESS, 0, False, True, "Waiting"),
        (Lifecycle.PLANNED, 5, False, False, "In progress"),
        (Lifecycle.PLANNED, 5, False, True, "Waiting"),
        (Lifecycle.PLANNED, 0, False, False, "Sent"),
        (Lifecycle.PLANNED, 0, False, True, "Sent"),
        (Lifecycle.PLANNED, 0, True, False, "Interrupted"),
    ],
)
def test_derived_status(
    stored: str, waiting: int, troubled: bool, paused: bool, shown: str
) -> None:
    figures = Metrics(10, 10 - waiting, 0, 0, waiting, 10, Decimal(10))
    assert derived_status(_distribution(stored), figures, troubled, paused) == shown


ROWS = [
    HistoryRow(
        "CID_1",
        "Ann",
        "Lee",
        "+14155552671",
        "ann",
        True,
        "Delivered",
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    ),
    HistoryRow("CID_2", "Bob; Jr", "O'Neil", "+14155552672", "", False, "Pending", None),
]


def test_history_csv_with_defaults() -> None:
    text = reports.history_csv(ROWS)
    assert text.splitlines()[0] == (
        '"PersonID","First name","Last name","Phone number","User name","Respondent",'
        '"Status","Timestamp"'
    )
    assert text.splitlines()[1] == (
        '"CID_1","Ann","Lee","+14155552671","ann","Yes","Delivered","2026-01-02T03:04:05+00:00"'
    )
    assert list(csv.reader(io.StringIO(text)))[2][1:3] == ["Bob; Jr", "O'Neil"]


def test_history_csv_with_semicolons_and_no_enclosure() -> None:
    lines = reports.history_csv(ROWS, ";", Enclosure.NONE).splitlines()
    assert lines[0] == (
        "PersonID;First name;Last name;Phone number;User name;Respondent;Status;Timestamp"
    )
    assert lines[2] == r"CID_2;Bob\; Jr;O'Neil;+14155552672;;No;Pending;"


def test_history_csv_with_single_quotes_and_tabs() -> None:
    text = reports.history_csv(ROWS, "\t", Enclosure.SINGLE_QUOTE)
    parsed = list(csv.reader(io.StringIO(text), delimiter="\t", quotechar="'"))
    assert parsed[2][:3] == ["CID_2", "Bob; Jr", "O'Neil"]
    assert text.splitlines()[2].startswith("'CID_2'\t'Bob; Jr'\t'O''Neil'")


def test_history_csv_refuses_other_delimiters() -> None:
    with pytest.raises(ValueError, match="comma, semicolon, tab or pipe"):
        reports.history_csv(ROWS, ":")
