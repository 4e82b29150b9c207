"""Streaming CSV import of contacts into a directory and a mailing list.

The file is read once, in chunks. Large files have their rows checked and
converted (:mod:`smsurvey.contacts.rows`) in worker processes while earlier
chunks are written. The whole import is one transaction: a file found malformed
half-way leaves nothing behind. Problems with single rows never stop the
import; each goes to the ``on_problem`` sink (the CLI writes an error report). An
import that puts no contact in the list fails too (:class:`NothingImported`), so it
leaves no empty list behind.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from smsurvey.contacts import repository
from smsurvey.contacts.csv_file import Block, ContactCsv
from smsurvey.contacts.fields import RECORD_FIELDS, DedupeBy
from smsurvey.contacts.rows import PreparedChunk, RowProblem, merge_into, prepare_block
from smsurvey.contacts.service import default_directory, get_directory, mailing_list_named
from smsurvey.kit.clock import Clock, system_clock
from smsurvey.kit.errors import InvalidInput
from smsurvey.kit.ids import new_ids
from smsurvey.models.accounts import Organization
from smsurvey.sms.phones import validate_region

CHUNK_ROWS = 5000
# Below this size, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 4 << 20


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
    """Processes that prepare rows; ``None`` for one per core on large files."""


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
"""Called after each chunk with the bytes read and the rows imported so far."""
ProblemSink = Callable[[RowProblem], None]


class NothingImported(InvalidInput):
    """No row of the file made it into the list (none, or every one refused)."""


class _Writer:
    """Writes prepared chunks, in file order, in the caller's transaction."""

    def __init__(
        self, session: AsyncSession, summary: ImportSummary, now: datetime, on_problem: ProblemSink
    ) -> None:
        self.session = session
        self.summary = summary
        self.now = now
        self.on_problem = on_problem
        self.key = RECORD_FIELDS.index(summary.dedupe_by)
        self.lower_key = summary.dedupe_by == DedupeBy.EMAIL

    async def write(self, chunk: PreparedChunk) -> None:
        """Merge the chunk's records with each other and with the directory, then store them."""
        summary = self.summary
        summary.rows += chunk.rows
        summary.skipped += chunk.skipped
        summary.problems += len(chunk.problems)
        for problem in chunk.problems:
            self.on_problem(problem)
        connection = await self.session.connection()
        new, by_key = self._merge_within(chunk.records)
        updates, earlier = await self._match_stored(connection, by_key, new)
        ids = await self._store(connection, new, updates)
        await self._join_list(connection, ids, [i for i, _ in updates if i not in earlier])

    def _merge_within(self, records: list[list[Any]]) -> tuple[list[list[Any]], dict[str, Any]]:
        """Records without a key (always new), and the others merged by key."""
        keyless: list[list[Any]] = []
        by_key: dict[str, list[Any]] = {}
        for record in records:
            key = record[self.key]
            if key is None:
                keyless.append(record)
                continue
            if self.lower_key:
                key = key.lower()
            if key in by_key:
                self.summary.merged_in_file += 1
                merge_into(by_key[key], record)
            else:
                by_key[key] = record
        return keyless, by_key

    async def _match_stored(
        self, connection: AsyncConnection, by_key: dict[str, list[Any]], new: list[list[Any]]
    ) -> tuple[list[tuple[str, list[Any]]], set[str]]:
        """Sort keyed records into ``new`` ones and updates of stored contacts.

        Returns the updates and the ids among them created earlier by this import.
        """
        stored = await repository.find_by_key(
            connection, self.summary.directory_id, self.summary.dedupe_by, by_key
        )
        updates: list[tuple[str, list[Any]]] = []
        earlier: set[str] = set()
        for key, record in by_key.items():
            if key not in stored:
                new.append(record)
                continue
            contact_id, created_at, values = stored[key]
            if created_at == self.now:  # met in an earlier chunk of this very file
                self.summary.merged_in_file += 1
                earlier.add(contact_id)
            else:
                self.summary.updated += 1
            merge_into(values, record)
            updates.append((contact_id, values))
        return updates, earlier

    async def _store(
        self,
        connection: AsyncConnection,
        new: list[list[Any]],
        updates: list[tuple[str, list[Any]]],
    ) -> list[str]:
        """Insert the new contacts and update the others; the new contacts' ids."""
        ids = new_ids("CID", len(new))
        constant = repository.driver_values(
            connection, opted_out=False, created_at=self.now, updated_at=self.now
        )
        head = (self.summary.directory_id,)
        tail = (constant["opted_out"], constant["created_at"], constant["updated_at"])
        await repository.insert_contacts(
            connection,
            [(i, *head, *record, *tail) for i, record in zip(ids, new, strict=True)],
        )
        await repository.update_contacts(connection, updates, self.now)
        self.summary.created += len(new)
        return ids

    async def _join_list(
        self, connection: AsyncConnection, created: list[str], older: list[str]
    ) -> None:
        """Put the new contacts, and older ones not yet in it, in the mailing list."""
        list_id = self.summary.mailing_list_id
        members = await repository.members_among(connection, list_id, older)
        joining = created + [i for i in older if i not in members]
        self.summary.already_in_list += len(members)
        self.summary.added_to_list += len(joining)
        await repository.add_members(connection, list_id, joining, self.now)


def _worker_count(options: ImportOptions, size: int) -> int:
    if options.workers is not None:
        return max(0, options.workers)
    return (os.cpu_count() or 1) if size >= PARALLEL_MIN_BYTES else 0


def _executor(workers: int) -> ProcessPoolExecutor | None:
    if not workers:
        return None
    # spawn: never fork the event loop and its threads; each worker imports only
    # the light row-preparing module.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


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
    cannot be imported at all and :class:`NothingImported` when no row made it (the
    caller's transaction then rolls everything back).
    """
    started = time.perf_counter()
    now = clock.now()
    try:
        region = validate_region(options.default_region) if options.default_region else None
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    with ContactCsv(path, options.phone_column, options.delimiter) as csv_file:
        if options.directory_id:
            directory = await get_directory(session, organization, options.directory_id)
        else:
            directory = await default_directory(session, organization, clock)
        mailing_list, list_created = await mailing_list_named(
            session, directory, options.list_name, clock
        )
        summary = ImportSummary(
            directory_id=directory.id,
            mailing_list_id=mailing_list.id,
            list_created=list_created,
            dedupe_by=(options.dedupe_by or DedupeBy(directory.dedupe_by)).value,
            ignored_columns=[f"column {i + 1} (no name)" for i in csv_file.layout.unnamed_indexes],
        )
        writer = _Writer(session, summary, now, on_problem)
        prepare = partial(
            prepare_block, layout=csv_file.layout, default_region=region, file_name=path.name
        )
        workers = _worker_count(options, csv_file.size)
        executor = _executor(workers)
        try:
            await _pipeline(csv_file, prepare, writer, executor, workers, on_progress)
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)
    if not summary.added_to_list + summary.already_in_list:
        rows = f"all {summary.rows:,} rows had problems" if summary.rows else "it has no data rows"
        raise NothingImported(f"no contact imported from {path.name}: {rows}")
    summary.seconds = time.perf_counter() - started
    return summary


async def _pipeline(
    csv_file: ContactCsv,
    prepare: Callable[[Block], PreparedChunk],
    writer: _Writer,
    executor: Executor | None,
    workers: int,
    on_progress: ProgressCallback | None,
) -> None:
    """Read blocks and have them prepared while earlier ones are written.

    Up to ``workers`` blocks are prepared at once; one is written at a time, in
    file order, by a task that runs while the next block is read.
    """
    loop = asyncio.get_running_loop()
    waiting: deque[tuple[asyncio.Future[PreparedChunk], int]] = deque()
    writing: asyncio.Task[None] | None = None

    async def write_next() -> None:
        nonlocal writing
        future, bytes_read = waiting.popleft()
        prepared = await future
        if writing is not None:
            await writing
        writing = asyncio.create_task(writer.write(prepared))
        if on_progress is not None:
            writing.add_done_callback(lambda _: on_progress(bytes_read, writer.summary.rows))

    try:
        for block in csv_file.blocks(CHUNK_ROWS):
            if executor is None:
                future: asyncio.Future[PreparedChunk] = loop.create_future()
                future.set_result(prepare(block))
            else:
                future = loop.run_in_executor(executor, prepare, block)
            waiting.append((future, csv_file.bytes_read))
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
