"""Importing contact CSVs into a directory and a mailing list (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from smsurvey.accounts.service import default_organization
from smsurvey.contacts import repository
from smsurvey.contacts.csv_file import MalformedCsv
from smsurvey.contacts.fields import DedupeBy
from smsurvey.contacts.importer import CHUNK_ROWS, ImportOptions, ImportSummary, import_contacts
from smsurvey.contacts.rows import RowProblem
from smsurvey.kit.db import create_engine, unit_of_work
from smsurvey.kit.errors import NotFound
from smsurvey.models.contacts import Contact, MailingList, MailingListMember

# Every US and UK form the import rules list, plus other common ones.
SEED_FORMATS = {
    "1(415)-555-2671": "+14155552671",
    "1-415-555-2672": "+14155552672",
    "1-(415)-555-2673": "+14155552673",
    "14155552674": "+14155552674",
    "1-4155552675": "+14155552675",
    "1 (415) 555-2676": "+14155552676",
    "1-(415) 555-2677": "+14155552677",
    "1(415) 555-2678": "+14155552678",
    "447911123456": "+447911123456",
    "33612345678": "+33612345678",
    "+61 412 345 678": "+61412345678",
    "0049 30 901820": "+4930901820",
}


def write_csv(tmp_path: Path, text: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def run_import(
    engine: AsyncEngine, path: Path, **options: object
) -> tuple[ImportSummary, list[RowProblem]]:
    problems: list[RowProblem] = []
    async with unit_of_work(engine) as session:
        organization = await default_organization(session)
        summary = await import_contacts(
            session,
            organization,
            path,
            ImportOptions(**{"list_name": "Customers", "phone_column": "Phone", **options}),
            on_problem=problems.append,
        )
    return summary, problems


async def contacts_by_phone(engine: AsyncEngine) -> dict[str, Contact]:
    async with unit_of_work(engine) as session:
        return {c.phone: c for c in await session.scalars(select(Contact))}


async def count(engine: AsyncEngine, table: type) -> int:
    async with unit_of_work(engine) as session:
        return await session.scalar(select(func.count()).select_from(table))


async def test_every_listed_phone_format_is_imported_in_e164(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    lines = ["First Name,Last Name,Email,Phone,Store"]
    lines += [f"P{i},L{i},,{raw},{i}" for i, raw in enumerate(SEED_FORMATS)]
    summary, problems = await run_import(engine, write_csv(tmp_path, "\n".join(lines) + "\n"))

    assert problems == []
    assert (summary.rows, summary.created, summary.skipped) == (12, 12, 0)
    assert summary.added_to_list == 12
    stored = await contacts_by_phone(engine)
    assert set(stored) == set(SEED_FORMATS.values())
    ann = stored["+14155552671"]
    assert (ann.first_name, ann.last_name, ann.email) == ("P0", "L0", None)
    assert ann.phone_input == "1(415)-555-2671"
    assert ann.phone_region == "US"
    assert ann.embedded_data == {"Store": "0"}
    assert stored["+447911123456"].phone_type == "mobile"
    assert await count(engine, MailingListMember) == 12


async def test_email_column_may_be_missing(engine: AsyncEngine, tmp_path: Path) -> None:
    summary, problems = await run_import(engine, write_csv(tmp_path, "Phone\n14155552671\n"))
    assert (summary.created, problems) == (1, [])


async def test_row_problems_are_reported_and_the_import_goes_on(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    text = (
        "Name,Email,Phone,Time zone\n"
        "ok,ann@example.com,14155552671,America/New_York\n"
        "no phone,,,\n"
        "bad phone,,12,\n"
        "letters,,1-800-FLOWERS,\n"
        "bad email,not-an-email,14155552672,\n"
        "bad zone,,14155552673,Mars/Olympus\n"
        "short row\n"
    )
    summary, problems = await run_import(engine, write_csv(tmp_path, text))

    assert (summary.rows, summary.created, summary.skipped) == (7, 3, 4)
    by_row = {p.row: p for p in problems}
    assert set(by_row) == {3, 4, 5, 6, 7, 8}
    assert (by_row[3].column, by_row[3].problem, by_row[3].action) == (
        "Phone",
        "no phone number",
        "row skipped",
    )
    assert by_row[4].value == "12"
    assert by_row[4].action == "row skipped"
    assert "letters" in by_row[5].problem
    assert (by_row[6].column, by_row[6].value, by_row[6].action) == (
        "Email",
        "not-an-email",
        "value ignored",
    )
    assert by_row[7].column == "Time zone"
    assert by_row[7].action == "value ignored"
    assert by_row[8].problem == "has 1 fields, the header has 4"
    stored = await contacts_by_phone(engine)
    assert stored["+14155552672"].email is None
    assert stored["+14155552671"].time_zone == "America/New_York"
    assert stored["+14155552671"].embedded_data == {"Name": "ok"}


async def test_ambiguous_numbers_are_imported_with_a_warning(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    summary, problems = await run_import(
        engine, write_csv(tmp_path, "Phone\n2015685957\n"), default_region="US"
    )
    assert summary.created == 1
    [problem] = problems
    assert problem.problem.startswith("ambiguous: also reads as +")
    assert problem.action.startswith("imported as +")
    stored = await contacts_by_phone(engine)
    assert problem.action == f"imported as {next(iter(stored))}"


async def test_duplicates_in_the_file_are_merged(engine: AsyncEngine, tmp_path: Path) -> None:
    text = (
        "First Name,Last Name,Phone,Store,Tier\n"
        "Ann,,1-415-555-2671,12,\n"
        "Bob,Lee,+44 7911 123456,,gold\n"
        ",Smith,14155552671,,silver\n"
    )
    summary, problems = await run_import(engine, write_csv(tmp_path, text))

    assert problems == []
    assert (summary.created, summary.merged_in_file, summary.added_to_list) == (2, 1, 2)
    ann = (await contacts_by_phone(engine))["+14155552671"]
    assert (ann.first_name, ann.last_name) == ("Ann", "Smith")
    assert ann.embedded_data == {"Store": "12", "Tier": "silver"}


async def test_duplicates_across_chunks_are_merged_not_counted_as_old(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    rows = [f"1415{2_000_000 + i}" for i in range(CHUNK_ROWS)] + ["+1 415 200 0000"]
    summary, problems = await run_import(engine, write_csv(tmp_path, "Phone\n" + "\n".join(rows)))
    assert problems == []
    assert (summary.created, summary.merged_in_file, summary.updated) == (CHUNK_ROWS, 1, 0)
    assert (summary.added_to_list, summary.already_in_list) == (CHUNK_ROWS, 0)


async def test_a_second_import_updates_instead_of_duplicating(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await run_import(engine, write_csv(tmp_path, "First Name,Phone,Store\nAnn,14155552671,12\n"))
    summary, _ = await run_import(
        engine,
        write_csv(
            tmp_path, "First Name,Phone,Tier\nAnnie,+1 415 555 2671,gold\nBob,447911123456,\n"
        ),
    )
    assert (summary.created, summary.updated) == (1, 1)
    assert (summary.added_to_list, summary.already_in_list) == (1, 1)
    assert summary.list_created is False
    stored = await contacts_by_phone(engine)
    assert len(stored) == 2
    assert stored["+14155552671"].first_name == "Annie"
    assert stored["+14155552671"].embedded_data == {"Store": "12", "Tier": "gold"}
    assert await count(engine, MailingList) == 1


async def test_importing_into_another_list_reuses_the_contacts(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "Phone\n14155552671\n")
    await run_import(engine, path)
    summary, _ = await run_import(engine, path, list_name="VIP")
    assert (summary.created, summary.updated, summary.added_to_list) == (0, 1, 1)
    assert await count(engine, Contact) == 1
    assert await count(engine, MailingListMember) == 2


@pytest.mark.parametrize(
    ("dedupe", "header", "first", "second"),
    [
        (
            DedupeBy.EMAIL,
            "Email,Phone",
            "Ann@Example.com,14155552671",
            "ann@example.COM,14155550000",
        ),
        (DedupeBy.EXT_REF, "ExtRef,Phone", "C-1,14155552671", "C-1,14155550000"),
    ],
)
async def test_dedupe_by_email_or_external_reference(
    engine: AsyncEngine, tmp_path: Path, dedupe: DedupeBy, header: str, first: str, second: str
) -> None:
    path = write_csv(tmp_path, f"{header}\n{first}\n{second}\n")
    summary, _ = await run_import(engine, path, dedupe_by=dedupe)
    assert (summary.created, summary.merged_in_file) == (1, 1)
    assert list(await contacts_by_phone(engine)) == ["+14155550000"]
    assert summary.dedupe_by == dedupe.value


async def test_rows_without_the_dedupe_key_are_all_kept(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "Email,Phone\n,14155552671\n,14155552671\n")
    summary, _ = await run_import(engine, path, dedupe_by=DedupeBy.EMAIL)
    assert summary.created == 2


async def test_malformed_file_half_way_imports_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    good = "".join(f"1415555{i:04d}\n" for i in range(12_000))
    path = tmp_path / "broken.csv"
    path.write_bytes(b"Phone\n" + good.encode() + b"1415\xff5550000\n")

    with pytest.raises(MalformedCsv, match="not UTF-8"):
        await run_import(engine, path)
    assert await count(engine, Contact) == 0
    assert await count(engine, MailingList) == 0


async def test_worker_processes_give_the_same_result(engine: AsyncEngine, tmp_path: Path) -> None:
    rows = [f"{i},1415{2_000_000 + i}" if i % 97 else f"{i},bad{i}" for i in range(12_000)]
    path = write_csv(tmp_path, "ExtRef,Phone\n" + "\n".join(rows) + "\n")
    summary, problems = await run_import(engine, path, workers=2)
    assert summary.rows == 12_000
    assert summary.skipped == len(problems) == len([i for i in range(12_000) if not i % 97])
    assert summary.created == await count(engine, Contact) == 12_000 - summary.skipped
    assert [p.row for p in problems] == sorted(p.row for p in problems)
    stored = await contacts_by_phone(engine)
    assert stored["+14152000001"].ext_ref == "1"


async def test_unknown_directory_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no directory POOL_"):
        await run_import(engine, write_csv(tmp_path, "Phone\n14155552671\n"), directory_id="POOL_x")


@pytest.mark.parametrize(
    ("key", "seek"), [("phone", "phone=?"), ("email", "<expr>=?"), ("ext_ref", "ext_ref=?")]
)
async def test_duplicate_lookups_seek_the_index(sqlite_database: str, key: str, seek: str) -> None:
    """On SQLite, finding existing contacts must seek an index, never scan one (an import
    would slow down with every chunk)."""
    # As many keys as a chunk holds: the planner weighs seeks against a scan by their number.
    keys = [f"key{i}" for i in range(CHUNK_ROWS)]
    compiled = repository.lookup_query("sqlite", "POOL_x", key, keys).compile(
        dialect=sqlite_dialect()
    )
    engine = create_engine(sqlite_database)
    try:
        async with engine.connect() as connection:
            plan = await connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())
            )
            detail = " ".join(row[-1] for row in plan)
    finally:
        await engine.dispose()
    assert (
        f"SEARCH contacts USING INDEX ix_contacts_directory_{key} (directory_id=? AND {seek})"
        in detail
    )
