"""Contact CSV imports run by the server for the admin pages: a file is uploaded, its columns
are chosen from a preview, then it is imported in the background while its progress is
recorded.

* **The file** is kept in the job's row until its import ends (the body limit bounds it), so
  whichever process serves the next step can preview it and run it.
* **The import** is :func:`~smsurvey.contacts.importer.import_contacts` (what ``smsurvey
  contacts import`` runs), in one transaction that also records the job as done: a job is
  done exactly when its contacts are stored. A failure rolls it all back (so no empty list
  is left behind) and records why, with the error report.
* **Progress.** The running process keeps the figures in memory, so its pages show them at
  once, and writes them with a heartbeat after each chunk of rows, each in a transaction of
  its own; except on SQLite, where the import's transaction is the one writer there can be,
  so the figures land with the result.
* **Crashes.** A job left running by a process that stopped (a restart, a crash) is failed
  with the reason when it is next looked at: its runner was this process and no longer runs
  it, is a process of this host that no longer exists, or has said nothing for
  :data:`STALE_AFTER`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import os
import re
import secrets
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from smsurvey.contacts.csv_file import CsvPreview, preview
from smsurvey.contacts.importer import ImportOptions, ImportSummary, import_contacts
from smsurvey.contacts.rows import RowProblem
from smsurvey.contacts.service import checked_region, get_directory
from smsurvey.kit.db import unit_of_work
from smsurvey.kit.errors import InvalidInput, NotFound, SmsurveyError
from smsurvey.kit.ids import new_id
from smsurvey.models.accounts import Organization, User
from smsurvey.models.contacts import ContactImportJob
from smsurvey.runtime import Runtime

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)
"""How long a running job's process may say nothing before the job is given up."""
ABANDONED_AFTER = timedelta(days=1)
"""How long an uploaded file waits for its import to be started before it is deleted."""
REPORT_ROWS = 50_000
"""Problems the error report lists at most (a file of nothing but bad rows has as many
problems as rows); the figures count them all."""
REPORT_HEADER = ("row", "column", "value", "problem", "action")
STOPPED = "the server stopped during the import (it restarted or crashed): upload the file again"
_HOST = socket.gethostname()
_TOKEN = secrets.token_hex(6)


class ImportState(StrEnum):
    """Where an import job is."""

    UPLOADED = "uploaded"
    """The file is in; its columns are to be chosen."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportChoices:
    """What the person importing chose after the preview."""

    phone_column: str
    list_name: str
    directory_id: str
    default_region: str | None = None


@dataclass(slots=True)
class Progress:
    """How far an import is: the figures the progress bar shows."""

    state: ImportState
    size: int
    bytes_read: int = 0
    rows_read: int = 0
    rows_rejected: int = 0
    reason: str | None = None

    @property
    def rows_imported(self) -> int:
        """Rows that made it into the list (or into a contact of it, merged)."""
        return self.rows_read - self.rows_rejected

    @property
    def percent(self) -> int:
        """How much of the file is read, in whole percent (100 once done)."""
        if self.state is ImportState.DONE or not self.size:
            return 100
        return min(100, self.bytes_read * 100 // self.size)


class _Report:
    """The per-row error report, as CSV text; the columns of the CLI's."""

    def __init__(self) -> None:
        self._text = io.StringIO()
        self._writer = csv.writer(self._text)
        self.problems = 0
        self.rejected = 0

    def add(self, problem: RowProblem) -> None:
        self.problems += 1
        if problem.action.startswith("row skipped"):
            self.rejected += 1
        if self.problems == 1:
            self._writer.writerow(REPORT_HEADER)
        if self.problems <= REPORT_ROWS:
            self._writer.writerow(
                [problem.row, problem.column, _cell(problem.value), problem.problem, problem.action]
            )

    def text(self) -> str | None:
        """The report, or ``None`` when no row had a problem."""
        if not self.problems:
            return None
        if self.problems > REPORT_ROWS:
            more = self.problems - REPORT_ROWS
            self._writer.writerow(["", "", "", f"{more:,} more problems not listed", ""])
        return self._text.getvalue()


@dataclass(slots=True)
class _Run:
    """A job this process is running: its task and its figures so far."""

    progress: Progress
    task: asyncio.Task[None] | None = None
    """Held here so that the loop's weak reference is not the only one."""
    report: _Report = field(default_factory=_Report)


_running: dict[str, _Run] = {}


def runner_name() -> str:
    """This process, as a job records its runner (pid after any fork)."""
    return f"{_HOST}:{os.getpid()}:{_TOKEN}"


_FORMULA = re.compile(r"[=@\t\r]|[+-](?![\d\s().+-]*$)")


def _cell(value: str) -> str:
    """``value`` as a spreadsheet shows it, never run as a formula (a phone number such as
    ``+1 415…`` stays as it is)."""
    return "'" + value if _FORMULA.match(value) else value


def _safe_name(file_name: str) -> str:
    name = Path(file_name.replace("\\", "/")).name.strip()
    return re.sub(r"[^\w.\- ]", "_", name)[:100] or "contacts.csv"


@contextmanager
def _on_disk(file_name: str, content: bytes) -> Iterator[Path]:
    """The file in a temporary folder, under its own name (messages name it)."""
    with tempfile.TemporaryDirectory(prefix="smsurvey-import-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(content)
        yield path


def _preview(file_name: str, content: bytes, rows: int = 5) -> CsvPreview:
    with _on_disk(file_name, content) as path:
        return preview(path, rows)


async def _content(session: AsyncSession, job: ContactImportJob) -> bytes:
    """The job's file (:class:`InvalidInput` once its import has ended)."""
    content = await session.scalar(
        select(ContactImportJob.content).where(ContactImportJob.id == job.id)
    )
    if content is None:
        raise InvalidInput(f"the file of import {job.id} is gone: upload it again")
    return content


# Uploading and choosing ---------------------------------------------------------------


async def upload(
    session: AsyncSession,
    organization: Organization,
    user: User,
    file_name: str,
    content: bytes,
    now: datetime,
) -> ContactImportJob:
    """A job for an uploaded CSV, once its header and first rows have been read
    (:class:`~smsurvey.contacts.csv_file.MalformedCsv` for a file that cannot be imported).
    Uploads never started are deleted after :data:`ABANDONED_AFTER`."""
    if not content:
        raise InvalidInput("choose a CSV file to upload: the one sent is empty")
    file_name = _safe_name(file_name)
    _preview(file_name, content)
    job = ContactImportJob(
        id=new_id("CIM"),
        organization_id=organization.id,
        created_by=user.id,
        file_name=file_name,
        size=len(content),
        content=content,
        state=ImportState.UPLOADED,
        bytes_read=0,
        rows_read=0,
        rows_rejected=0,
        created_at=now,
    )
    await session.execute(
        delete(ContactImportJob).where(
            ContactImportJob.state == ImportState.UPLOADED,
            ContactImportJob.created_at < now - ABANDONED_AFTER,
        )
    )
    session.add(job)
    await session.flush()
    return job


async def preview_of(session: AsyncSession, job: ContactImportJob, rows: int = 5) -> CsvPreview:
    """The uploaded file's delimiter, header and first ``rows`` rows."""
    return _preview(job.file_name, await _content(session, job), rows)


_PHONE_HEADER = re.compile(r"phone|mobile|cell|msisdn|sms|tel|number", re.IGNORECASE)


def phone_column_guess(header: tuple[str, ...]) -> str | None:
    """The column of ``header`` whose name says it holds phone numbers, if one does."""
    return next((name for name in header if _PHONE_HEADER.search(name)), None)


async def get_job(
    session: AsyncSession, organization: Organization, job_id: str, now: datetime
) -> ContactImportJob:
    """The organisation's import job ``job_id`` (failed first if its runner has stopped),
    or :class:`NotFound`."""
    job = await session.get(ContactImportJob, job_id)
    if job is None or job.organization_id != organization.id:
        raise NotFound(f"no import {job_id}")
    if job.state == ImportState.RUNNING and not _alive(job, now):
        await _give_up(session, job, now)
    return job


async def recent_jobs(
    session: AsyncSession, organization: Organization, limit: int = 10
) -> list[ContactImportJob]:
    """The organisation's latest import jobs, newest first."""
    rows = await session.scalars(
        select(ContactImportJob)
        .where(ContactImportJob.organization_id == organization.id)
        .order_by(ContactImportJob.created_at.desc(), ContactImportJob.id.desc())
        .limit(limit)
    )
    return list(rows)


async def start(
    session: AsyncSession,
    organization: Organization,
    job: ContactImportJob,
    choices: ImportChoices,
    now: datetime,
) -> bool:
    """Check the choices and mark the job running in this process; whether it was (a job
    started already is left as it is). :func:`launch` it once that is committed."""
    if job.state != ImportState.UPLOADED:
        return False
    if choices.phone_column not in (await preview_of(session, job)).header:
        raise InvalidInput("choose the phone column among the file's columns")
    if not choices.list_name.strip():
        raise InvalidInput("name the mailing list to put the contacts in")
    if len(choices.list_name.strip()) > 200:
        raise InvalidInput("a mailing list's name is at most 200 characters long")
    region = checked_region(choices.default_region)
    directory = await get_directory(session, organization, choices.directory_id)
    started = await session.execute(
        update(ContactImportJob)
        .where(ContactImportJob.id == job.id, ContactImportJob.state == ImportState.UPLOADED)
        .values(
            state=ImportState.RUNNING,
            phone_column=choices.phone_column,
            list_name=choices.list_name.strip(),
            directory_id=directory.id,
            default_region=region,
            runner=runner_name(),
            started_at=now,
            heartbeat_at=now,
        )
    )
    await session.refresh(job)
    if not started.rowcount:  # type: ignore[attr-defined]  # a DML Result is a CursorResult
        return False
    # Known to this process from now on, so that it never takes the job for one it lost.
    _running.setdefault(job.id, _Run(Progress(ImportState.RUNNING, job.size)))
    return True


async def launch(runtime: Runtime, job_id: str) -> None:
    """Run the job ``job_id`` that :func:`start` marked, in the background of this
    process (a task of its event loop, so this returns at once)."""
    run = _running.get(job_id)
    if run is not None and run.task is None:
        run.task = asyncio.create_task(_run(runtime, job_id, run), name=f"import {job_id}")


def progress_of(job: ContactImportJob) -> Progress:
    """The job's figures: this process's own if it runs the job, else the recorded ones."""
    run = _running.get(job.id)
    if run is not None and job.state == ImportState.RUNNING:
        return run.progress
    return Progress(
        ImportState(job.state),
        job.size,
        job.bytes_read,
        job.rows_read,
        job.rows_rejected,
        job.reason,
    )


# Running ------------------------------------------------------------------------------


def _alive(job: ContactImportJob, now: datetime) -> bool:
    """Whether the process that runs the job may still be at it."""
    if job.runner == runner_name():
        return job.id in _running
    host, _, rest = (job.runner or "").partition(":")
    pid = int(digits) if (digits := rest.partition(":")[0]).isdigit() else None
    # This very pid with another token is an earlier life of this process (a restarted
    # container's server often gets the same pid).
    if host == _HOST and pid is not None and (pid == os.getpid() or not _process_exists(pid)):
        return False
    return job.heartbeat_at is not None and now - job.heartbeat_at < STALE_AFTER


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


async def _give_up(session: AsyncSession, job: ContactImportJob, now: datetime) -> None:
    await session.execute(
        update(ContactImportJob)
        .where(
            ContactImportJob.id == job.id,
            ContactImportJob.state == ImportState.RUNNING,
            ContactImportJob.runner == job.runner,
        )
        .values(state=ImportState.FAILED, reason=STOPPED, content=None, finished_at=now)
    )
    await session.refresh(job)
    log.warning("import given up: its server stopped", extra={"job": job.id})


class _GivenUp(Exception):
    """Another process failed the job as stopped while it ran (it looked dead)."""


def _mine(job_id: str) -> ColumnElement[bool]:
    """The job ``job_id`` while this process runs it."""
    return (
        (ContactImportJob.id == job_id)
        & (ContactImportJob.state == ImportState.RUNNING)
        & (ContactImportJob.runner == runner_name())
    )


async def record_progress(
    engine: AsyncEngine, job_id: str, progress: Progress, now: datetime
) -> bool:
    """Write the figures of a job this process runs, and its heartbeat, in a transaction
    of their own; whether the job was still this process's to run."""
    async with unit_of_work(engine) as session:
        written = await session.execute(
            update(ContactImportJob)
            .where(_mine(job_id))
            .values(
                bytes_read=progress.bytes_read,
                rows_read=progress.rows_read,
                rows_rejected=progress.rows_rejected,
                heartbeat_at=now,
            )
        )
    return bool(written.rowcount)  # type: ignore[attr-defined]  # a DML Result is a CursorResult


class _Recorder:
    """Writes a running job's figures and heartbeat, one write at a time, never holding
    the import up (later figures overtake a write still under way)."""

    def __init__(self, runtime: Runtime, job_id: str, run: _Run) -> None:
        self.engine: AsyncEngine = runtime.engine
        self.clock = runtime.clock
        self.job_id = job_id
        self.run = run
        # SQLite has one writer at a time, and the import's transaction is it.
        self.writes = runtime.engine.dialect.name != "sqlite"
        self._writing: asyncio.Task[None] | None = None
        self._again = False

    def problem(self, problem: RowProblem) -> None:
        self.run.report.add(problem)
        self.run.progress.rows_rejected = self.run.report.rejected

    def advance(self, bytes_read: int, rows: int) -> None:
        progress = self.run.progress
        progress.bytes_read, progress.rows_read = bytes_read, rows
        if not self.writes:
            return
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write())
        else:
            self._again = True

    async def _write(self) -> None:
        again = True
        while again:
            self._again = False
            try:
                await record_progress(self.engine, self.job_id, self.run.progress, self.clock.now())
            except Exception:
                log.exception("could not record an import's progress", extra={"job": self.job_id})
            again = self._again

    async def settle(self) -> None:
        """Wait for the write under way, if any (before the result is written)."""
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)


def _figures(summary: ImportSummary) -> dict[str, Any]:
    return {
        "created": summary.created,
        "updated": summary.updated,
        "merged_in_file": summary.merged_in_file,
        "added_to_list": summary.added_to_list,
        "already_in_list": summary.already_in_list,
        "list_created": summary.list_created,
        "dedupe_by": summary.dedupe_by,
        "ignored_columns": summary.ignored_columns,
    }


async def _run(runtime: Runtime, job_id: str, run: _Run) -> None:
    recorder = _Recorder(runtime, job_id, run)
    try:
        async with unit_of_work(runtime.engine) as session:
            job = await session.get(ContactImportJob, job_id)
            if job is None or job.state != ImportState.RUNNING:
                return
            organization = await session.get(Organization, job.organization_id)
            content = await _content(session, job)
        assert organization is not None  # the job's foreign key
        options = ImportOptions(
            list_name=job.list_name or "",
            phone_column=job.phone_column or "",
            directory_id=job.directory_id,
            default_region=job.default_region,
        )
        try:
            with _on_disk(job.file_name, content) as path:
                async with unit_of_work(runtime.engine) as session:
                    summary = await import_contacts(
                        session, organization, path, options,
                        on_problem=recorder.problem, on_progress=recorder.advance,
                        clock=runtime.clock,
                    )  # fmt: skip
                    await recorder.settle()
                    await _finish(session, job_id, run, summary, runtime.clock.now())
        except SmsurveyError as refused:
            await recorder.settle()
            await _fail(runtime, job_id, run, str(refused))
        except _GivenUp:
            log.warning("import rolled back: given up meanwhile", extra={"job": job_id})
        except asyncio.CancelledError:
            with suppress(Exception):
                await asyncio.shield(_fail(runtime, job_id, run, STOPPED))
            raise
        except Exception:
            log.exception("import failed", extra={"job": job_id})
            await recorder.settle()
            await _fail(runtime, job_id, run, "the import failed on the server: see its log")
    finally:
        _running.pop(job_id, None)


async def _finish(
    session: AsyncSession, job_id: str, run: _Run, summary: ImportSummary, now: datetime
) -> None:
    """Record the result in the import's own transaction (see the module docstring)."""
    done = await session.execute(
        update(ContactImportJob)
        .where(_mine(job_id))
        .values(
            state=ImportState.DONE,
            mailing_list_id=summary.mailing_list_id,
            directory_id=summary.directory_id,
            bytes_read=run.progress.size,
            rows_read=summary.rows,
            rows_rejected=summary.skipped,
            figures=_figures(summary),
            report=run.report.text(),
            content=None,
            heartbeat_at=now,
            finished_at=now,
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]  # a DML Result is a CursorResult
        raise _GivenUp(job_id)


async def _fail(runtime: Runtime, job_id: str, run: _Run, reason: str) -> None:
    now = runtime.clock.now()
    progress = run.progress
    async with unit_of_work(runtime.engine) as session:
        await session.execute(
            update(ContactImportJob)
            .where(_mine(job_id))
            .values(
                state=ImportState.FAILED,
                reason=reason[:1000],
                bytes_read=progress.bytes_read,
                rows_read=progress.rows_read,
                rows_rejected=progress.rows_rejected,
                report=run.report.text(),
                content=None,
                heartbeat_at=now,
                finished_at=now,
            )
        )
