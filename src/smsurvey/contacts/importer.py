"""Streaming CSV import of contacts into a directory and a mailing list.

The file is read once, in chunks; phone numbers of large files are checked in
worker processes while the previous chunk is written. The whole import is one
transaction: a file found malformed half-way leaves nothing behind. Problems
with single rows never stop the import; each goes to the ``on_problem`` sink
(the CLI writes them to an error report).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smsurvey.contacts import repository
from smsurvey.contacts.csv_file import ContactCsv, CsvLayout
from smsurvey.contacts.fields import MAX_LENGTHS, DedupeBy, problem_with
from smsurvey.contacts.service import default_directory, get_directory, mailing_list_named
from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.ids import new_ids
from smsurvey.models.accounts import Organization
from smsurvey.sms.phones import check_phone

CHUNK_ROWS = 5000
# Below this size, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 4 << 20

PhoneResult = tuple[str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What to import and how."""

    list_name: str
    phone_column: str
    directory_id: str | None = None
    dedupe_by: DedupeBy | None = None
    default_region: str | None = None
    delimiter: str | None = None
    workers: int | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem found in one row, and what was done about it."""

    row: int
    column: str
    value: str
    problem: str
    action: str


@dataclass(slots=True)
class ImportSummary:
    """The figures of a finished import."""

    directory_id: str
    mailing_list_id: str
    list_created: bool
    dedupe_by: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    merged_in_file: int = 0
    added_to_list: int = 0
    already_in_list: int = 0
    skipped: int = 0
    problems: int = 0
    seconds: float = 0.0
    ignored_columns: list[str] = field(default_factory=list)


ProgressCallback = Callable[[int, int], None]
ProblemSink = Callable[[RowProblem], None]


def check_phones(raws: list[str], default_region: str | None) -> list[PhoneResult]:
    """Check a batch of phone numbers: (E.164, type, region, refusal reason, other reading).

    Module-level so worker processes can run it.
    """
    out: list[PhoneResult] = []
    for raw in raws:
        if not raw:
            out.append((None, None, None, "no phone number", None))
            continue
        checked = check_phone(raw, default_region, time_zones=False)
        out.append(
            (
                checked.e164,
                checked.type,
                checked.region,
                checked.reason,
                checked.alternative if checked.ambiguous else None,
            )
        )
    return out


def _chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Import:
    """The state of one running import."""

    def __init__(
        self,
        session: AsyncSession,
        layout: CsvLayout,
        summary: ImportSummary,
        now: datetime,
        on_problem: ProblemSink,
    ) -> None:
        self.session = session
        self.layout = layout
        self.summary = summary
        self.key = summary.dedupe_by
        self.now = now
        self.on_problem = on_problem
        self.phone_column = layout.header[layout.phone_index]

    def problem(self, row: int, column: str, value: str, problem: str, action: str) -> None:
        self.summary.problems += 1
        self.on_problem(RowProblem(row, column, value, problem, action))

    def record(self, row: int, fields: list[str], phone: PhoneResult) -> dict[str, Any] | None:
        """The contact values of one row, or ``None`` when the row cannot be imported."""
        layout = self.layout
        width = len(layout.header)
        if len(fields) < width or (len(fields) > width and any(f.strip() for f in fields[width:])):
            self.problem(
                row, "", "", f"has {len(fields)} fields, the header has {width}", "row skipped"
            )
            return None
        e164, phone_type, region, reason, other = phone
        raw_phone = fields[layout.phone_index].strip()
        if e164 is None:
            self.problem(row, self.phone_column, raw_phone, reason or "refused", "row skipped")
            return None
        if other is not None:
            self.problem(
                row,
                self.phone_column,
                raw_phone,
                f"ambiguous: also reads as {other}",
                f"imported as {e164}",
            )
        values: dict[str, Any] = {
            "first_name": None,
            "last_name": None,
            "email": None,
            "ext_ref": None,
            "language": None,
            "time_zone": None,
            "phone": e164,
            "phone_input": raw_phone[: MAX_LENGTHS["phone_input"]],
            "phone_type": phone_type,
            "phone_region": region,
        }
        for name, index in layout.field_indexes.items():
            value = fields[index].strip()
            if not value:
                continue
            if trouble := problem_with(name, value):
                self.problem(row, layout.header[index], value, trouble, "value ignored")
            else:
                values[name] = value
        values["embedded_data"] = {
            name: value
            for index, name in layout.embedded_indexes
            if (value := fields[index].strip())
        }
        return values

    def key_of(self, values: dict[str, Any]) -> str | None:
        key = values[self.key]
        return key.lower() if key and self.key == DedupeBy.EMAIL else key

    async def write(self, chunk: list[tuple[int, list[str]]], phones: list[PhoneResult]) -> None:
        """Merge, insert or update one chunk's contacts and put them in the list."""
        summary = self.summary
        summary.rows += len(chunk)
        by_key: dict[str, dict[str, Any]] = {}
        keyless: list[dict[str, Any]] = []
        for (row, fields), phone in zip(chunk, phones, strict=True):
            values = self.record(row, fields, phone)
            if values is None:
                summary.skipped += 1
                continue
            key = self.key_of(values)
            if key is None:
                keyless.append(values)
            elif key in by_key:
                summary.merged_in_file += 1
                _merge_into(by_key[key], values)
            else:
                by_key[key] = values

        connection = await self.session.connection()
        existing = await repository.find_by_key(
            connection, summary.directory_id, self.key, by_key.keys()
        )
        new_rows = keyless
        updated_rows = []
        for key, values in by_key.items():
            found = existing.get(key)
            if found is None:
                new_rows.append(values)
                continue
            if found["created_at"] == self.now:
                summary.merged_in_file += 1
            else:
                summary.updated += 1
            _merge_into(found, values)
            found["updated_at"] = self.now
            updated_rows.append(found)

        ids = new_ids("CID", len(new_rows))
        for contact_id, values in zip(ids, new_rows, strict=True):
            values.update(
                id=contact_id,
                directory_id=summary.directory_id,
                opted_out=False,
                created_at=self.now,
                updated_at=self.now,
            )
        summary.created += len(new_rows)
        await repository.insert_contacts(connection, new_rows)
        await repository.update_contacts(connection, updated_rows)

        updated_ids = [values["id"] for values in updated_rows]
        members = await repository.members_among(connection, summary.mailing_list_id, updated_ids)
        joining = ids + [i for i in updated_ids if i not in members]
        summary.already_in_list += len(members)
        summary.added_to_list += len(joining)
        await repository.add_members(connection, summary.mailing_list_id, joining, self.now)


def _merge_into(target: dict[str, Any], values: dict[str, Any]) -> None:
    """Later non-empty values win; embedded data is merged key by key."""
    for name, value in values.items():
        if name == "embedded_data":
            target[name] = {**(target.get(name) or {}), **value}
        elif value is not None:
            target[name] = value


def _worker_count(options: ImportOptions, size: int) -> int:
    if options.workers is not None:
        return max(0, options.workers)
    return (os.cpu_count() or 1) if size >= PARALLEL_MIN_BYTES else 0


async def import_contacts(
    session: AsyncSession,
    organization: Organization,
    path: Path,
    options: ImportOptions,
    *,
    on_problem: ProblemSink,
    on_progress: ProgressCallback | None = None,
    clock: Clock = system_clock,
) -> ImportSummary:
    """Import the contacts of the CSV at ``path``; see the module docstring.

    Raises :class:`~smsurvey.contacts.csv_file.MalformedCsv` for a file that
    cannot be imported at all (the caller's transaction then rolls everything back).
    """
    started = time.perf_counter()
    now = clock.now()
    with ContactCsv(path, options.phone_column, options.delimiter) as csv_file:
        if options.directory_id:
            directory = await get_directory(session, organization, options.directory_id)
        else:
            directory = await default_directory(session, organization, clock)
        mailing_list, list_created = await mailing_list_named(
            session, directory, options.list_name, clock
        )
        layout = csv_file.layout
        summary = ImportSummary(
            directory_id=directory.id,
            mailing_list_id=mailing_list.id,
            list_created=list_created,
            dedupe_by=(options.dedupe_by or DedupeBy(directory.dedupe_by)).value,
            ignored_columns=[f"column {i + 1} (no name)" for i in layout.unnamed_indexes],
        )
        job = _Import(session, layout, summary, now, on_problem)
        workers = _worker_count(options, csv_file.size)
        executor = (
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
            if workers
            else None
        )
        try:
            await _run(job, csv_file, executor, workers, options.default_region, on_progress)
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)
    summary.seconds = time.perf_counter() - started
    return summary


async def _run(
    job: _Import,
    csv_file: ContactCsv,
    executor: Executor | None,
    workers: int,
    default_region: str | None,
    on_progress: ProgressCallback | None,
) -> None:
    """Read chunks and have their phones checked while earlier chunks are written.

    Up to ``workers`` chunks wait in the checkers; one chunk is written at a time,
    in file order, by a task that runs while the next chunk is read.
    """
    loop = asyncio.get_running_loop()
    waiting: deque[tuple[list[tuple[int, list[str]]], asyncio.Future[list[PhoneResult]], int]]
    waiting = deque()
    writing: asyncio.Task[None] | None = None
    phone_index = job.layout.phone_index

    async def write_next() -> None:
        nonlocal writing
        chunk, phones, bytes_read = waiting.popleft()
        checked = await phones
        if writing is not None:
            await writing
        writing = asyncio.create_task(job.write(chunk, checked))
        if on_progress is not None:
            writing.add_done_callback(lambda _: on_progress(bytes_read, job.summary.rows))

    try:
        for chunk in _chunks(csv_file.rows()):
            raws = [f[phone_index].strip() if len(f) > phone_index else "" for _, f in chunk]
            if executor is None:
                phones: asyncio.Future[list[PhoneResult]] = loop.create_future()
                phones.set_result(check_phones(raws, default_region))
            else:
                phones = loop.run_in_executor(executor, check_phones, raws, default_region)
            waiting.append((chunk, phones, csv_file.bytes_read))
            if len(waiting) > workers:
                await write_next()
        while waiting:
            await write_next()
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)
